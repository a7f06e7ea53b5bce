"""Shared fixtures: partner apps with real OAuth2 tokens, and API clients that use them."""

import base64
import os

import hypothesis
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from rostering import partners
from rostering.models import SANDBOX_ORG_SOURCED_ID, Org


@pytest.fixture(autouse=True, scope="session")
def _in_process_cache():
    """Tests get a fresh in-process cache: with REDIS_URL set the app would share Redis, and
    login rate limits would carry over between tests. Tests about the Redis cache itself
    (tests/access/test_login.py) switch it back on explicitly."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()


def obtain_token(client_id: str, secret: str, scope: str | None = None) -> str:
    """A token from the real token endpoint, as a partner's server would get it."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = APIClient().post(
        "/auth/1.0/token", data, format="multipart", HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class PartnerClient(APIClient):
    """An API client carrying a partner app's bearer token; JSON by default."""

    def __init__(self, app, token, **kwargs):
        super().__init__(**kwargs)
        self.app = app
        self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def generic(self, method, path, data="", content_type="application/json", **extra):
        return super().generic(method, path, data, content_type, **extra)

    def put_json(self, path, body):
        return self.put(path, body, format="json")

    def post_json(self, path, body):
        return self.post(path, body, format="json")


def new_partner(
    name="Partner A", *, sandbox=False, roster_source=False, scopes=None, scope_request=None
) -> PartnerClient:
    """A partner app with one OAuth2 client and a real token (for fixtures of any scope)."""
    app = partners.create_partner_app(name=name, sandbox=sandbox)
    if roster_source:
        app.roster_source = True
        app.save()
    return PartnerClient(app, new_token(app, scopes=scopes, scope_request=scope_request))


def new_token(app, *, scopes=None, scope_request=None) -> str:
    """A token of a new client of `app`, granted `scopes` (default: a learning app's)."""
    client, secret = partners.issue_client_credentials(app=app, scopes=scopes)
    return obtain_token(client.id, secret, scope_request)


@pytest.fixture
def make_partner(db):
    """make_partner(name, sandbox=False, roster_source=False, scopes=None) → PartnerClient."""
    return new_partner


@pytest.fixture
def roster_api(make_partner):
    """A school's roster source (SIS sync): may write everything."""
    return make_partner("District SIS", roster_source=True)


@pytest.fixture
def partner_api(make_partner):
    """An ordinary (production) learning app."""
    return make_partner("Partner A")


@pytest.fixture
def sandbox_api(make_partner):
    return make_partner("Sandbox App", sandbox=True)


@pytest.fixture
def sandbox_org(db):
    return Org.objects.get(sourced_id=SANDBOX_ORG_SOURCED_ID)


# --- Hypothesis profiles: HYPOTHESIS_PROFILE=fast (make test-fast) runs a tenth of the
# examples, for the edit loop; the default profile (make test, CI) runs them all.
hypothesis.settings.register_profile("ci", max_examples=100)
hypothesis.settings.register_profile("fast", max_examples=10)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(full: int) -> int:
    """A test's own example count, scaled like the profile's default (100 in "ci")."""
    return max(2, full * hypothesis.settings.default.max_examples // 100)
