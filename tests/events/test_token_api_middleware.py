"""Bearer-token requests to the token-only API surfaces skip the browser middleware
(core/middleware.py, issue 16); everything else goes through it as before."""

import pytest
from django.test import Client

from .conftest import activity, envelope

pytestmark = pytest.mark.django_db

POST = "/ims/caliper/v1p2/events"


@pytest.fixture
def seen(monkeypatch):
    """The Django request the Caliper view received."""
    from events.api import caliper

    requests = []
    original = caliper.CaliperEventsView.post

    def spy(self, request, *args, **kwargs):
        requests.append(request._request)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(caliper.CaliperEventsView, "post", spy)
    return requests


def test_a_bearer_caliper_post_skips_session_csrf_login_and_messages(app_api, seen):
    response = app_api.post(POST, envelope(activity("stu-1")), content_type="application/json")

    assert response.status_code == 200, response.content
    (request,) = seen
    for attribute in ("session", "_messages", "csrf_cookie_needs_reset"):
        assert not hasattr(request, attribute), attribute
    assert "CSRF_COOKIE" not in request.META
    # The answer is what it was: the security headers, no cookie, no Vary on Cookie.
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_caliper_request_without_a_bearer_token_goes_through_the_browser_middleware(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(POST, "{}", content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="timeback"'
    assert hasattr(response.wsgi_request, "session")
    assert hasattr(response.wsgi_request, "_messages")


def test_a_bearer_header_on_a_page_keeps_the_browser_middleware(db):
    browser = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer whatever")
    response = browser.get("/accounts/login/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies  # CSRF ran: the login form's cookie was set
    assert response.wsgi_request.session is not None
    assert not response.wsgi_request.user.is_authenticated


def test_a_bearer_post_to_a_page_is_still_refused_without_a_csrf_token(db):
    browser = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION="Bearer whatever")
    response = browser.post("/accounts/login/", {"login": "x", "password": "y"})

    assert response.status_code == 403
