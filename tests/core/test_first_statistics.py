"""core.db.analyze_if_never_analyzed: a table PostgreSQL has never analyzed gets its
statistics before the worker's first claim (issue 16: on a freshly migrated database the
claim of the oldest pending events sorted every pending row on disk, ~280 ms at 60,000 of
them, against 16 ms once analyzed, and autovacuum's first ANALYZE of the growing events
table came after a whole minute of load)."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from core import db
from events import pipeline
from events.models import CaliperEvent

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TABLE = "statistics_probe"


@pytest.fixture
def probe():
    """A table of 1,000 rows nobody has analyzed, and no memory of having analyzed it."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (k int PRIMARY KEY, v text)")
        cursor.execute(f"ALTER TABLE {TABLE} SET (autovacuum_enabled = off)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT g, 'v' || g FROM generate_series(1, 1000) g")
    db._analyzed.discard(TABLE)
    yield TABLE
    db._analyzed.discard(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def statistics_of(table: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        (tuples,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        (columns,) = cursor.fetchone()
    return tuples, columns


def analyzes(queries) -> int:
    return sum(query["sql"].startswith("ANALYZE") for query in queries.captured_queries)


def test_a_table_never_analyzed_is_analyzed_once(probe):
    assert statistics_of(probe) == (-1, 0)  # never analyzed: no row count, no column

    with CaptureQueriesContext(connection) as first:
        assert db.analyze_if_never_analyzed(probe) is True
    with CaptureQueriesContext(connection) as second:
        assert db.analyze_if_never_analyzed(probe) is True

    assert statistics_of(probe) == (1000, 2)
    assert analyzes(first) == 1
    assert second.captured_queries == []  # remembered: nothing asked again


def test_a_table_analyzed_before_is_left_alone(probe):
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {probe}")
        cursor.execute(f"INSERT INTO {probe} SELECT g, 'w' FROM generate_series(1001, 3000) g")

    with CaptureQueriesContext(connection) as queries:
        assert db.analyze_if_never_analyzed(probe) is True

    assert analyzes(queries) == 0
    assert statistics_of(probe)[0] == 1000  # its statistics are autovacuum's to renew


def test_a_table_someone_else_holds_is_not_waited_for(probe):
    """Autovacuum (or an operator's ANALYZE) holding the table: the worker goes on at
    once without statistics and asks again at its next batch."""
    held, release = threading.Event(), threading.Event()

    def hold():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f"LOCK TABLE {probe} IN SHARE UPDATE EXCLUSIVE MODE")
                held.set()
                release.wait(10)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        assert db.analyze_if_never_analyzed(probe) is False
        assert statistics_of(probe) == (-1, 0)
    finally:
        release.set()
        holder.join()

    assert db.analyze_if_never_analyzed(probe) is True
    assert statistics_of(probe) == (1000, 2)


def test_processing_analyzes_the_events_table_first(monkeypatch):
    asked = []
    monkeypatch.setattr(db, "analyze_if_never_analyzed", lambda table: asked.append(table))

    pipeline.process([])

    assert asked == [CaliperEvent._meta.db_table]
