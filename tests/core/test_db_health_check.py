"""The health check of a kept database connection (timeback/postgresql/base.py): free
while the server has said nothing, and still catching a connection the server ended."""

import time

import psycopg
import pytest
from django.db import connection

# serialized_rollback, as every transactional test here: the flush after a test without it
# re-creates the content types that a later serialized test loads again.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() /* health-check-marker */")
        return cursor.fetchone()[0]


def last_statement(pid: int) -> str:
    """What the backend `pid` ran last, asked on a connection of our own."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        row = other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    return row[0] if row else ""


def start_of_a_request() -> None:
    """What Django does when a request reuses a kept connection (CONN_HEALTH_CHECKS)."""
    connection.health_check_done = False
    connection.close_if_health_check_failed()


def test_the_check_of_a_quiet_connection_sends_nothing_to_the_server():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    pid = backend_pid()

    start_of_a_request()

    assert connection.connection is not None  # kept
    assert connection.health_check_done
    assert "health-check-marker" in last_statement(pid)  # no SELECT 1 after it
    assert backend_pid() == pid


def test_a_connection_the_server_ended_is_replaced_at_the_start_of_the_next_request():
    pid = backend_pid()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    deadline = time.monotonic() + 5
    while last_statement(pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the backend is gone and its goodbye is on our socket

    start_of_a_request()

    assert backend_pid() != pid  # a new connection, no error
