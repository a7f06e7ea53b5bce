"""The Redis cache backend of the settings: Django's, keeping one redis-py client per
connection pool instead of building one for every cache call.

Django's `RedisCacheClient.get_client` constructs a `redis.Redis` on each get/set (~70 µs
of CPU with redis-py 8: the command callbacks are set up anew), more than the round trip
itself; every partner API request pays it once, for its token (core.token_cache). A
client is a thin handle on its pool and is safe to share (redis-py's pool hands each
command a connection and resets itself after a fork)."""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(
                connection_pool=self._get_connection_pool(write)
            )
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
