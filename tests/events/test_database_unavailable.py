"""A database outage answers a retryable 503 with Retry-After, never a 500
(docs/operations.md#production-shape). tests/integration/test_fault_suite.py restarts
PostgreSQL for real under gunicorn; here the outage is one raised error."""

import pytest
from django import db

from dashboards import views
from events import services
from tests.factories import StudentFactory

pytestmark = pytest.mark.django_db

DATABASE_DOWN = "connection to server at 127.0.0.1 failed: Connection refused"


@pytest.mark.parametrize("error", [db.OperationalError, db.InterfaceError])
def test_a_database_outage_in_an_api_view_answers_a_retryable_503(
    app_api, catalogue, monkeypatch, error
):
    def unavailable(**kwargs):
        raise error(DATABASE_DOWN)

    monkeypatch.setattr(services, "ingest", unavailable)

    response = app_api.post("/ims/caliper/v1p2/events", {"data": []}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "server_busy"


def test_a_database_outage_outside_drf_answers_503_too(client, monkeypatch):
    def unavailable():
        raise db.OperationalError(DATABASE_DOWN)

    monkeypatch.setattr(views, "utc_today", unavailable)
    client.raise_request_exception = False
    client.force_login(StudentFactory())

    response = client.get("/me/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"


def test_other_errors_still_answer_500(client, monkeypatch):
    def broken():
        raise ZeroDivisionError

    monkeypatch.setattr(views, "utc_today", broken)
    client.raise_request_exception = False
    client.force_login(StudentFactory())

    assert client.get("/me/").status_code == 500
