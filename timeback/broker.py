"""The Redis broker transport the workers and the web processes use: kombu's, with one fix
that keeps a worker alive through a Redis outage (docs/operations.md#nothing-accepted-is-lost).

The fault it fixes (celery 5.7, kombu 5.7, redis-py 8.2; reproduced by
tests/integration/test_redis_outages.py): when Redis goes away while a late-acknowledged
task is running, the worker's consumer first `collect()`s the broken connection, which
detaches the transport from it (`transport.client = None`), then closes the connection,
which closes its channel a second time. Closing a channel that still holds an unacknowledged
message restores it, which needs a Redis client; the channel's pools are gone, so kombu
builds new ones from `transport.client`: `AttributeError: 'NoneType' object has no
attribute 'hostname'`. The same happens when the running task ends after the close and its
message is acknowledged on the old channel. Neither is a connection error, so the worker
stops with "Unrecoverable error" and stays down until someone restarts it.

Here a channel whose transport was detached answers that it has no connection with the
connection error kombu and Celery already handle (the consumer reconnects; an
acknowledgement that cannot be sent is logged and its message comes back with the Redis
data, or the sweep re-queues its events). Nothing else changes.
"""

from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_exceptions


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis_exceptions.ConnectionError(
                "the broker connection of this channel was closed (Redis outage)"
            )
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
