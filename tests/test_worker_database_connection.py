"""A Celery worker keeps its database connection from one task to the next
(CELERY_DB_REUSE_MAX in timeback/settings.py), so it must check that connection before each
task as Django checks a web process's before each request: after a PostgreSQL restart the
kept connection is dead, and reusing it made every later task of the worker fail with "the
connection is closed" until the task ran out of retries (the fault suite's PostgreSQL
restart left 1,700 of 2,000 accepted events pending)."""

import time

import psycopg
import pytest
from celery.signals import task_prerun
from django.db import OperationalError, connection, transaction

from events.queue import process_events

# Each test ends the session of Django's connection: no test transaction may hold it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def connect_again_after_the_test():
    yield
    connection.close()  # whatever the test left, the flush after it connects anew


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def end_session(pid: int) -> None:
    """What a PostgreSQL restart does to the worker's session, from another session."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        assert other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone()[0]


def next_task_starts() -> None:
    """What the worker does before running the next message (celery.app.trace)."""
    task_prerun.send(
        sender=process_events, task_id="next", task=process_events, args=([1],), kwargs={}
    )


def test_the_task_after_one_that_met_a_lost_connection_gets_a_new_one():
    first = backend_pid()
    end_session(first)
    with pytest.raises(OperationalError):  # the task running then fails (and is retried)
        backend_pid()

    next_task_starts()

    assert backend_pid() != first


def test_a_connection_lost_between_two_tasks_is_replaced_before_the_next_uses_it():
    first = backend_pid()
    end_session(first)  # while the worker waited for its next message

    next_task_starts()

    assert backend_pid() != first


def test_a_task_run_in_process_leaves_its_callers_connection_alone():
    """Run eagerly (no broker: inside a request or a management command), the task's
    connection is its caller's, possibly inside the caller's transaction: not touched."""
    first = backend_pid()
    connection.close_at = time.monotonic() - 1  # past CONN_MAX_AGE: a worker would close it
    process_events.request.is_eager = True
    try:
        with transaction.atomic():  # the caller's transaction
            backend_pid()
            next_task_starts()
            assert backend_pid() == first
    finally:
        process_events.request.is_eager = False

    assert backend_pid() == first
