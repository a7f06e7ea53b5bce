"""Shared fixtures: the example world (tests/world.py), partner apps with real OAuth2
tokens, and API clients that use them."""

import os

import hypothesis
import pytest
from django.test import override_settings

from rostering.models import SANDBOX_ORG_SOURCED_ID, Org
from tests.factories import PartnerClient, new_partner, new_token, obtain_token
from tests.world import World, build_world

__all__ = ["PartnerClient", "new_partner", "new_token", "obtain_token"]


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


@pytest.fixture
def world(db) -> World:
    """Maple Elementary (tests/world.py): two partner apps, their courses and classes, guides,
    students and a guardian."""
    return build_world()


@pytest.fixture
def school(world):
    """Maple Elementary."""
    return world.school


@pytest.fixture
def term(world):
    return world.term


@pytest.fixture
def math_app(world):
    """The Math App's API client (a real bearer token); `.app` is the partner app."""
    return world.math.api
