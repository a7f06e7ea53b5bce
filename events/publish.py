"""A Celery task message put on a Redis broker with one LPUSH, built without Celery's
per-call machinery (issue 16, docs/performance.md): `apply_async` cost ~0.7 ms of CPU in a
~2.4 ms single-event POST (configuration lookups, routing, kombu's producer pool, two JSON
encodings), for a message whose shape is fixed.

The message is the one `apply_async` writes (Celery's protocol 2 through kombu's Redis
transport): the same headers, properties and body, `before_task_publish` and
`after_task_publish` sent as Celery sends them (timeback.celery stamps `queued_at`).
tests/integration/test_lean_publish.py compares the two messages field by field, so an
upgrade of Celery or kombu that changes the message fails there.

Only the plain case takes this path: a Redis broker URL with no transport option that
changes the queue's key, Celery not eager, no result backend, no sent events, the task's
default route to a direct exchange, and a publish from outside a worker task (a task's
publish carries its parent and root ids). Anything else answers False and the caller uses
`apply_async`. Failures raise (a connection error of redis-py) without retrying or
pausing: the caller's events are stored, and the sweep re-queues them.
"""

import base64
import os
import uuid

import orjson
import redis
from celery.signals import after_task_publish, before_task_publish
from celery.utils.nodenames import anon_nodename
from redis.backoff import NoBackoff
from redis.retry import Retry

# The transport options the lean path understands: the timeouts (applied to its client)
# and kombu's own publish retries (0 here: it never retries).
KNOWN_TRANSPORT_OPTIONS = {"socket_connect_timeout", "socket_timeout", "max_retries"}


class Plan:
    """What every message of one task shares, in one process, for one broker."""

    def __init__(self, task, url: str, queue, options: dict, retry_policy: dict):
        self.name = task.name
        self.queue = queue
        self.key = queue.name  # priority 0: the queue's own list
        self.declare = [queue]
        self.retry_policy = retry_policy
        self.origin = anon_nodename()
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=options.get("socket_connect_timeout"),
            socket_timeout=options.get("socket_timeout"),
            retry=Retry(NoBackoff(), 0),
        )

    def message(self, task_id: str, args: list, argsrepr: str, reply_to: str) -> tuple:
        headers = {
            "lang": "py",
            "task": self.name,
            "id": task_id,
            "shadow": None,
            "eta": None,
            "expires": None,
            "group": None,
            "group_index": None,
            "retries": 0,
            "timelimit": [None, None],
            "root_id": task_id,
            "parent_id": None,
            "argsrepr": argsrepr,
            "kwargsrepr": "{}",
            "origin": self.origin,
            "ignore_result": False,
            "replaced_task_nesting": 0,
            "stamped_headers": None,
            "stamps": {},
        }
        # `argsrepr` among the properties too: Celery passes its unknown options on to kombu
        # as message properties.
        properties = {"correlation_id": task_id, "reply_to": reply_to, "argsrepr": argsrepr}
        body = (args, {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None})
        return headers, properties, body


_plans: dict = {}


def _plan_for(task):
    app = task.app
    url = app.conf.broker_url
    key = (os.getpid(), url, task.name)
    if key not in _plans:
        _plans[key] = _make_plan(task, url)
    return _plans[key]


def _make_plan(task, url: str | None) -> Plan | None:
    app = task.app
    conf = app.conf
    if not url or url.split("://", 1)[0] != "redis" or ";" in url:
        return None
    options = dict(conf.broker_transport_options or {})
    if set(options) - KNOWN_TRANSPORT_OPTIONS:
        return None
    if (
        conf.task_always_eager
        or conf.result_backend
        or conf.task_send_sent_event
        or conf.task_default_delivery_mode not in (2, "persistent")
        or conf.task_protocol != 2
        or conf.task_serializer != "json"
        or conf.task_compression
    ):
        return None
    exec_options = {**task._get_exec_options(), "serializer": None}
    if task.serializer != "json" or any(exec_options.values()):
        return None  # a queue, priority, limit, expiry, serializer... of the task's own
    queue = app.amqp.router.route({}, task.name, (), {}, task).get("queue")
    if (
        queue is None
        or queue.exchange.type != "direct"
        or queue.queue_arguments
        or queue.expires
        or queue.max_priority
    ):
        return None
    retry_policy = dict(conf.task_publish_retry_policy or {})
    plan = Plan(task, url, queue, options, retry_policy)
    # Declared once per process, as kombu's first publish would (the worker declares it too).
    with app.connection_for_write() as connection:
        queue.bind(connection.default_channel).declare()
    return plan


def publish(task, args: list, argsrepr: str) -> bool:
    """Put one message for `task(args)` on the broker; False when the plain case does not
    apply (the caller then uses `apply_async`)."""
    plan = _plan_for(task)
    if plan is None or task.app.current_worker_task is not None:
        return False
    task_id = str(uuid.uuid4())
    headers, properties, body = plan.message(task_id, args, argsrepr, task.app.thread_oid)
    if before_task_publish.receivers:
        before_task_publish.send(
            sender=plan.name,
            body=body,
            exchange="",
            routing_key=plan.key,
            declare=plan.declare,
            headers=headers,
            properties=properties,
            retry_policy=plan.retry_policy,
        )
    properties["delivery_mode"] = 2
    properties["delivery_info"] = {"exchange": "", "routing_key": plan.key}
    properties["priority"] = 0
    properties["body_encoding"] = "base64"
    properties["delivery_tag"] = str(uuid.uuid4())
    message = {
        "body": base64.b64encode(orjson.dumps(body)).decode(),
        "content-encoding": "utf-8",
        "content-type": "application/json",
        "headers": headers,
        "properties": properties,
    }
    plan.client.lpush(plan.key, orjson.dumps(message))
    if after_task_publish.receivers:
        after_task_publish.send(
            sender=plan.name, body=body, headers=headers, exchange="", routing_key=plan.key
        )
    return True
