"""The event POST's lean path (events/api/caliper.py, `_lean_post`) answers exactly as the
DRF view: the first request of a token goes through DRF (which checks the token and
remembers it), the next ones through the lean path; both must give the same status, JSON
and headers, and every refusal stays DRF's."""

import json
from unittest import mock

import pytest

from core import scopes
from events.api.caliper import CaliperEventsView
from events.models import CaliperEvent

from .conftest import DATA_VERSION, activity, envelope, time_spent

PATH = "/caliper/event"
KEPT_HEADERS = ("Content-Type", "Allow", "Vary", "Retry-After", "WWW-Authenticate")


def _answer(response):
    body = response.json()
    body.pop("jobId", None)  # new ids each time
    for rejected in body.get("rejected", []):
        rejected.pop("id")
    return response.status_code, body, {h: response.get(h) for h in KEPT_HEADERS}


def _post(api, body, path=PATH, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.generic("POST", path, data, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "valid",
        b"THIS IS NOT JSON",
        {"sensor": "s", "sendTime": "2026-11-02T09:00:00Z", "dataVersion": "1.1", "data": []},
        {"sensor": "", "sendTime": "x", "dataVersion": DATA_VERSION, "data": []},
        "mixed",
    ],
    ids=["valid", "not-json", "other-version", "bad-envelope", "mixed"],
)
def test_the_lean_path_answers_as_the_drf_view_did_for_the_first_request(app_api, catalogue, body):
    def make():
        if body == "valid":
            return envelope(activity(xpEarned=3), time_spent(active=60))
        if body == "mixed":
            broken = activity(xpEarned=3)
            broken["generated"]["items"][0]["value"] = -(10**9)
            return envelope(activity(totalQuestions=1), broken, {"type": "Nope"})
        return body

    first = _post(app_api, make())  # DRF: the token is not remembered yet
    with mock.patch.object(CaliperEventsView, "post", side_effect=AssertionError("not lean")):
        second = _post(app_api, make())  # the lean path, or this raises
    assert _answer(first) == _answer(second)
    assert first.get("Allow") == "GET, POST, HEAD, OPTIONS"


@pytest.mark.django_db
def test_every_accepted_event_of_a_lean_post_is_stored(app_api, catalogue):
    _post(app_api, envelope(activity(xpEarned=1)))
    with mock.patch.object(CaliperEventsView, "post", side_effect=AssertionError("not lean")):
        answer = _post(app_api, envelope(activity(xpEarned=2), time_spent(active=5))).json()
    assert answer["accepted"] == 2 and answer["rejected"] == []
    assert CaliperEvent.objects.filter(envelope_id=answer["jobId"]).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"content_type": "text/plain"},
        {"HTTP_ACCEPT": "text/html"},
        {"path": PATH + "?format=xml"},
    ],
    ids=["content-type", "accept", "query"],
)
def test_what_the_lean_path_does_not_take_is_answered_by_drf_as_before(app_api, catalogue, extra):
    body = envelope(activity(xpEarned=1))
    first = _post(app_api, body, **extra)
    second = _post(app_api, body, **extra)
    assert first.status_code == second.status_code >= 400
    assert first.json() == second.json()


@pytest.mark.django_db
def test_a_remembered_token_without_the_events_scope_is_still_refused(make_partner):
    api = make_partner("Reader", scopes=[scopes.ANALYTICS_READONLY])
    body = envelope(activity(xpEarned=1))
    first, second = _post(api, body), _post(api, body)
    assert first.status_code == second.status_code == 403
    assert first.json() == second.json()
    assert not CaliperEvent.objects.exists()


@pytest.mark.django_db
def test_a_revoked_token_is_refused_by_the_lean_path_too(app_api, catalogue):
    from allauth.idp.oidc.models import Token

    assert _post(app_api, envelope(activity(xpEarned=1))).status_code == 200
    Token.objects.all().delete()  # forgets the cached entry (rostering.partners)
    refused = _post(app_api, envelope(activity(xpEarned=1)))
    assert refused.status_code == 401 and refused.get("WWW-Authenticate")
