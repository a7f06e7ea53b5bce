"""Partner authentication and scopes (docs/api.md#token, docs/access.md#partner-tokens-and-scopes):
who gets a token, what the token allows, and what a missing or bad token answers."""

import base64
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from core import scopes
from rostering import partners

pytestmark = pytest.mark.django_db

TOKEN_URL = "/auth/1.0/token"
USERS = "/ims/oneroster/rostering/v1p2/users"
COURSE = "/ims/oneroster/rostering/v1p2/courses/scoped-course"
DEMOGRAPHICS = "/ims/oneroster/rostering/v1p2/demographics"
V1P1 = "https://purl.imsglobal.org/spec/or/v1p1/scope/"
CORE_READ = scopes.oneroster("roster-core.readonly")
ROSTER_WRITE = scopes.oneroster("roster.createput")


@pytest.fixture
def credentials(db):
    """A learning app's client id and secret, granted the default learning-app scopes."""
    app = partners.create_partner_app(name="Token App")
    client, secret = partners.issue_client_credentials(app=app)
    return client.id, secret


def basic(client_id, secret) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def form_post(path, fields, **headers):
    return APIClient().post(
        path, urlencode(fields), content_type="application/x-www-form-urlencoded", **headers
    )


def request_token(client_id, secret, scope=None):
    fields = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return form_post(TOKEN_URL, fields, HTTP_AUTHORIZATION=basic(client_id, secret))


def bearer(token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def create_course(api):
    return api.put(COURSE, {"course": {"title": "Scoped"}}, format="json")


# --- the token endpoint ---


def test_the_token_endpoint_accepts_http_basic_client_credentials(credentials):
    response = request_token(*credentials)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0 and body["access_token"]


def test_the_token_endpoint_accepts_client_credentials_in_the_form_body(credentials):
    client_id, secret = credentials

    response = form_post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"
    assert bearer(response.json()["access_token"]).get(USERS).status_code == 200


def test_a_wrong_secret_answers_401_in_json(credentials):
    client_id, _ = credentials

    response = request_token(client_id, "not-the-secret")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "invalid_client"


def test_an_unknown_client_answers_401_in_json(db):
    response = request_token("no-such-client", "whatever")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_client_asking_for_no_scope_gets_every_scope_its_app_was_granted(credentials):
    response = request_token(*credentials)

    assert set(response.json()["scope"].split()) == set(scopes.learning_app_scopes())


def test_a_client_asking_for_a_scope_it_was_not_granted_gets_what_its_app_was_granted(
    credentials,
):
    response = request_token(*credentials, scope=scopes.oneroster("roster-demographics.readonly"))

    assert response.status_code == 200
    granted = set(response.json()["scope"].split())
    assert granted == set(scopes.learning_app_scopes())
    assert scopes.oneroster("roster-demographics.readonly") not in granted


# --- what a token allows ---


def test_no_token_answers_401_with_a_bearer_challenge(client):
    response = client.get(USERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["imsx_description"]


def test_a_garbage_token_answers_401(db):
    response = bearer("not-a-token").get(USERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_client_credentials_sent_to_the_api_instead_of_a_token_answer_401(credentials):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=basic(*credentials))

    assert api.get(USERS).status_code == 401


def test_an_expired_token_answers_401(credentials):
    token = request_token(*credentials).json()["access_token"]
    assert bearer(token).get(USERS).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        response = bearer(token).get(USERS)

    assert response.status_code == 401


def test_a_read_only_client_can_read_the_roster(make_partner):
    reader = make_partner("Reader", scopes=[CORE_READ])

    assert reader.get(USERS).status_code == 200


def test_a_read_only_client_gets_403_when_writing(make_partner):
    reader = make_partner("Reader", scopes=[CORE_READ])

    response = reader.put_json(COURSE, {"course": {"title": "Scoped"}})

    assert response.status_code == 403
    assert ROSTER_WRITE in response.json()["imsx_description"]


def test_a_write_only_client_gets_403_when_reading(make_partner):
    writer = make_partner("Writer", scopes=[ROSTER_WRITE])

    assert writer.get(USERS).status_code == 403
    assert writer.put_json(COURSE, {"course": {"title": "Scoped"}}).status_code == 201


def test_a_token_asked_for_a_narrower_scope_carries_every_scope_its_app_was_granted(
    make_partner,
):
    asked_narrow = make_partner("Narrow", scope_request=CORE_READ)

    assert asked_narrow.get(USERS).status_code == 200
    assert asked_narrow.put_json(COURSE, {"course": {"title": "Scoped"}}).status_code == 201


def test_the_token_answer_lists_every_granted_scope_not_the_one_asked_for(credentials):
    response = request_token(*credentials, scope=CORE_READ)

    assert set(response.json()["scope"].split()) == set(scopes.learning_app_scopes())


def test_a_token_asked_for_the_caliper_scope_alone_reads_and_writes_the_roster(make_partner):
    # timeback-core on the LEARNWITH_AI platform asks for this one scope and uses the token
    # for every call, OneRoster included.
    single = make_partner("Single token", scope_request=scopes.EVENTS_WRITE_URI)

    assert single.get(USERS).status_code == 200
    assert single.put_json(COURSE, {"course": {"title": "Scoped"}}).status_code == 201
    assert single.get("/ims/oneroster/gradebook/v1p2/lineItems").status_code == 200


def test_least_privilege_stays_with_the_app_whatever_the_token_request_asks(make_partner):
    reader = make_partner("Reader", scopes=[CORE_READ], scope_request=ROSTER_WRITE)

    assert reader.get(USERS).status_code == 200
    assert reader.put_json(COURSE, {"course": {"title": "Scoped"}}).status_code == 403


def test_a_client_credentials_token_never_carries_the_sign_in_scopes(db):
    app = partners.create_partner_app(name="Signs in")
    client, secret = partners.issue_client_credentials(
        app=app, redirect_uris=["https://app.example/callback"]
    )

    granted = set(request_token(client.id, secret, scope="openid").json()["scope"].split())

    assert granted == set(scopes.learning_app_scopes())


def test_a_v1p1_read_scope_reads_like_the_v1p2_one(make_partner):
    reader = make_partner("Old reader", scopes=[V1P1 + "roster-core.readonly"])

    assert reader.get(USERS).status_code == 200
    assert reader.put_json(COURSE, {"course": {"title": "Scoped"}}).status_code == 403


def test_a_v1p1_write_scope_writes_like_the_v1p2_one(make_partner):
    writer = make_partner("Old writer", scopes=[V1P1 + "roster.createput"])

    assert create_course(writer).status_code == 201


def test_a_client_granted_both_spellings_may_ask_for_the_v1p1_one(make_partner):
    reader = make_partner("Asks v1p1", scope_request=V1P1 + "roster-core.readonly")

    assert reader.get(USERS).status_code == 200


def test_demographics_need_the_demographics_scope(make_partner):
    learning_app = make_partner("Learning app")

    response = learning_app.get(DEMOGRAPHICS)

    assert response.status_code == 403
    assert "roster-demographics.readonly" in response.json()["imsx_description"]


def test_the_demographics_scope_reads_demographics(make_partner):
    analyst = make_partner(
        "Demographics reader", scopes=[scopes.oneroster("roster-demographics.readonly")]
    )

    assert analyst.get(DEMOGRAPHICS).status_code == 200


def test_the_demographics_scope_does_not_read_the_rest_of_the_roster(make_partner):
    analyst = make_partner(
        "Demographics reader", scopes=[scopes.oneroster("roster-demographics.readonly")]
    )

    assert analyst.get(USERS).status_code == 403


def test_deleting_needs_the_delete_scope(make_partner):
    without_delete = [s for s in scopes.learning_app_scopes() if not s.endswith("roster.delete")]
    learning_app = make_partner("Learning app", scopes=without_delete)
    create_course(learning_app)

    response = learning_app.delete(COURSE)

    assert response.status_code == 403
    assert scopes.oneroster("roster.delete") in response.json()["imsx_description"]
