"""Small hardening of issue 15 (item 6): a kept-open database connection is checked before
reuse, every API path answers JSON errors (an encoded slash inside a segment, a CSRF
failure), and the production web server runs with request limits from gunicorn.conf.py."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from core.api.errors import csrf_failure

ROOT = Path(__file__).parents[2]


def test_a_kept_open_database_connection_is_checked_before_it_is_reused():
    """After a PostgreSQL restart, each worker's kept connection is dead: Django checks it
    at the start of a request rather than failing the request with a 500."""
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "path",
    [
        "/ims/oneroster/rostering/v1p2/orgs/a%2Fb",
        "/ims/oneroster/rostering/v1p2/orgs/a%2Fb/classes",
        "/gradebook/1.0/assessmentResults/x%2F..%2Fy",
        "/caliper/event%2Fvalidate",
    ],
)
def test_an_encoded_slash_in_an_api_path_answers_json_not_a_csrf_page(method, path):
    browser = Client(enforce_csrf_checks=True)
    response = getattr(browser, method)(path, "{}", content_type="application/json")
    assert response.status_code in (401, 404), response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["imsx_codeMajor"] == "failure"


def test_a_csrf_failure_on_an_api_path_answers_json_403():
    request = RequestFactory().post("/ims/oneroster/rostering/v1p2/orgs")
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "CSRF" in response.content.decode()


def test_a_csrf_failure_on_a_page_keeps_djangos_page():
    request = RequestFactory().post("/accounts/login/")
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


def test_the_production_command_runs_gunicorn_with_its_request_limits():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["limit_request_line"] == 8190
    assert config["limit_request_fields"] <= 100
    assert config["limit_request_field_size"] <= 8190
    assert "gunicorn -c gunicorn.conf.py timeback.wsgi" in (ROOT / "README.md").read_text()
