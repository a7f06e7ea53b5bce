"""Every error a client can provoke answers JSON in the OneRoster status format, never a
500 or an HTML page, and changes nothing."""

import pytest
from django.test import override_settings

from rostering.models import Org

pytestmark = pytest.mark.django_db
ORGS = "/ims/oneroster/rostering/v1p2/orgs"


def assert_status_payload(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_description"]
    return body


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_urls_answer_json_404_even_in_debug(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/ims/oneroster/rostering/v1p2/no-such-collection")
    assert_status_payload(response, 404)


def test_malformed_json_answers_400_and_writes_nothing(roster_api):
    count = Org.objects.count()
    response = roster_api.generic(
        "PUT", f"{ORGS}/x", '{"org": {"name": "X",', content_type="application/json"
    )
    assert_status_payload(response, 400)
    assert Org.objects.count() == count


def test_a_non_json_content_type_answers_415(roster_api):
    response = roster_api.generic("PUT", f"{ORGS}/x", "name=X", content_type="text/plain")
    assert_status_payload(response, 415)


def test_a_body_over_the_size_limit_answers_413(roster_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"org": {"name": "' + "x" * 5000 + '", "type": "school"}}'
    response = roster_api.generic("PUT", f"{ORGS}/big", body, content_type="application/json")
    assert_status_payload(response, 413)
    assert not Org.objects.filter(sourced_id="big").exists()


@pytest.mark.parametrize(
    "body",
    [
        [],
        "a string",
        {"org": {"name": ["not", "text"], "type": "school"}},
        {"org": {"name": "X", "type": "galaxy"}},
        {"org": {"name": "X", "type": "school", "parent": 42}},
        {"org": {"name": "X", "type": "school", "parent": {"sourcedId": "missing"}}},
        {"org": {"name": "X", "type": "school", "metadata": "not an object"}},
        {"org": {"name": "X" * 300, "type": "school"}},
        {"org": {"type": "school"}},
    ],
)
def test_bad_bodies_answer_400_naming_the_problem_and_write_nothing(roster_api, body):
    response = roster_api.put(f"{ORGS}/new-org", body, format="json")
    assert_status_payload(response, 400)
    assert not Org.objects.filter(sourced_id="new-org").exists()


def test_a_method_the_endpoint_lacks_answers_405_json(roster_api):
    response = roster_api.patch(f"{ORGS}/x", {}, format="json")
    assert_status_payload(response, 405)


@pytest.mark.parametrize(
    ("method", "path", "params_or_body"),
    [
        ("get", "/ims/oneroster/rostering/v1p2/users", {"filter": "familyName='a\x00b'"}),
        ("get", "/ims/oneroster/rostering/v1p2/users", {"search": "a\x00b"}),
        ("get", "/ims/oneroster/rostering/v1p2/users/a%00b", {}),
        ("put", f"{ORGS}/nul-org", {"org": {"name": "a\x00b", "type": "school"}}),
        (
            "put",
            f"{ORGS}/nul-org",
            {"org": {"name": "X", "type": "school", "metadata": {"k": "a\x00b"}}},
        ),
    ],
)
def test_nul_characters_are_refused_not_crashing_the_database(
    roster_api, method, path, params_or_body
):
    if method == "get":
        response = roster_api.get(path, params_or_body)
    else:
        response = roster_api.put(path, params_or_body, format="json")
    assert response.status_code in (400, 404), response.content[:300]
    assert_status_payload(response, response.status_code)


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("levels", [300, 1_000, 1_100, 5_000])
@pytest.mark.parametrize(
    "template",
    [
        '{"org": {"name": "X", "type": "school", "metadata": {"deep": %s}}}',
        '{"org": {"name": "X", "type": "school", "deep": %s}}',
        "%s",
    ],
)
def test_bodies_nested_deeply_answer_400_not_500(roster_api, template, levels):
    body = template % _deep(levels)
    response = roster_api.generic("PUT", f"{ORGS}/deep-org", body)
    assert_status_payload(response, 400)
    assert not Org.objects.filter(sourced_id="deep-org").exists()
