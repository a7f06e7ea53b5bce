"""The single-event POST's publish (events.publish, issue 16) writes the message Celery's
`apply_async` writes: same headers, properties and body, on the same Redis list, so that
the worker's task receives exactly what it received before. An upgrade of Celery or kombu
that changes the message fails here."""

import base64
import json

import pytest

from events import publish
from events.queue import enqueue, process_events

from .conftest import QUEUE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Differ from one message to the next by nature: ids, the publish time.
PER_MESSAGE = {"id", "root_id", "queued_at", "correlation_id", "delivery_tag"}


def queued(broker) -> list[dict]:
    """The messages on the queue, oldest first, with their bodies decoded."""
    messages = []
    for raw in reversed(broker.client.lrange(QUEUE, 0, -1)):
        message = json.loads(raw)
        assert message["properties"]["body_encoding"] == "base64"
        message["body"] = json.loads(base64.b64decode(message["body"]))
        messages.append(message)
    return messages


def without_per_message(message: dict) -> dict:
    return {
        **message,
        "headers": {k: v for k, v in message["headers"].items() if k not in PER_MESSAGE},
        "properties": {k: v for k, v in message["properties"].items() if k not in PER_MESSAGE},
    }


def test_the_lean_publish_writes_the_message_apply_async_writes(broker):
    ids = [101, 102, 103]
    argsrepr = f"[{len(ids)} event ids]"
    process_events.apply_async(args=[ids], retry=False, argsrepr=argsrepr)
    assert publish.publish(process_events, [ids], argsrepr) is True

    celerys, ours = queued(broker)
    assert without_per_message(ours) == without_per_message(celerys)
    assert ours["body"] == [
        [ids],
        {},
        {"callbacks": None, "errbacks": None, "chain": None, "chord": None},
    ]
    for message in (celerys, ours):
        headers, properties = message["headers"], message["properties"]
        assert headers["root_id"] == headers["id"] == properties["correlation_id"]
        assert isinstance(headers["queued_at"], float)  # timeback.celery's stamp
    assert ours["headers"]["id"] != celerys["headers"]["id"]
    assert ours["properties"]["delivery_tag"] != celerys["properties"]["delivery_tag"]


def test_enqueue_takes_the_lean_path_when_the_broker_is_plain_redis(broker, monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("apply_async was called")

    monkeypatch.setattr(process_events, "apply_async", refused)
    enqueue([7, 8])
    (message,) = queued(broker)
    assert message["headers"]["task"] == "events.tasks.process_events"
    assert message["headers"]["argsrepr"] == "[2 event ids]"
    assert message["body"][0] == [[7, 8]]


def test_a_broker_with_options_the_lean_path_does_not_know_goes_through_celery(broker):
    from timeback.celery import app

    saved = app.conf.broker_transport_options
    app.conf.broker_transport_options = {**saved, "global_keyprefix": "elsewhere:"}
    publish._plans.clear()  # the plan is made once per process and broker URL
    try:
        assert publish.publish(process_events, [[1]], "[1 event ids]") is False
    finally:
        app.conf.broker_transport_options = saved
        publish._plans.clear()
