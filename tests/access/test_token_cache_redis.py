"""The partner-token cache on the production cache backend (core.cache.RedisCache, shared
by every web process through Redis): revocation is seen at once by every process, and the
backend reuses its redis-py client instead of building one per call (issue 16)."""

import os
import uuid

import pytest
from allauth.idp.oidc.models import Token
from django.core.cache import caches
from django.test import override_settings

from rostering import partners

COURSES = "/rostering/1.0/courses"


@pytest.fixture
def redis_cache():
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs the throwaway Redis (REDIS_URL)")
    prefix = f"test-{uuid.uuid4().hex}"
    backend = {"BACKEND": "core.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    with override_settings(CACHES={"default": backend}):
        yield
        caches["default"].clear()


def test_the_redis_cache_reuses_one_client_per_pool(redis_cache):
    cache = caches["default"]
    cache.set("k", 1)
    assert cache.get("k") == 1
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool


def test_a_token_remembered_in_redis_is_refused_at_once_when_revoked(redis_cache, partner_api):
    from core import token_cache

    assert partner_api.get(COURSES).status_code == 200
    token = Token.objects.get()
    assert token_cache.remembered(token.hash) is not None  # remembered in Redis

    # Another web process: a cache backend of its own on the same Redis.
    other = caches.create_connection("default")
    partners.revoke_client(client=token.client)

    assert other.get(f"partner-token:{token.hash}") is None
    assert partner_api.get(COURSES).status_code == 401
