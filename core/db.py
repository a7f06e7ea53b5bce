"""Statements PostgreSQL plans once per connection, for the hottest paths.

Django binds parameters on the client (psycopg's ClientCursor) and never prepares: each
statement is parsed and planned anew. For a short statement with joins and subqueries
(the logger's locking read, a rollup's derivation) planning costs several times what
executing it does: ~0.85 ms of planning against ~0.15 ms of execution for the logger's
session read. `prepared_cursor()` answers a cursor on Django's connection (same
transaction, same error wrapping, seen by Django's query log and execute wrappers) that
binds on the server and prepares each statement at its first run; psycopg keeps the
connection's prepared statements (its last 100) and PostgreSQL re-plans them by itself
after a schema change or an ANALYZE; the connection also plans them again while the tables
they read may have grown since (`REPLAN_FIRST_AFTER` below).

Such a statement takes one statement only (no `;`-separated batch) and its parameters as
typed values: cast where the type is not clear from the context (`%s::timestamptz`).
Django's own cursors keep binding on the client, unprepared: the connection's automatic
preparation stays off, so a statement is prepared only when it runs here.

`analyze_if_never_analyzed` gives a table PostgreSQL has never analyzed its first
statistics, for the plans of every cursor.
"""

import contextlib
import time

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction
from django.db.backends.postgresql.base import ServerBindingCursor
from psycopg.pq import TransactionStatus

# psycopg prepares a statement on its own after this many runs; Django turns that off
# (None) for every cursor, which also refuses an explicit `prepare=True`. A number no
# statement reaches keeps it off for every cursor but this module's, which asks.
_NEVER_BY_ITSELF = 2**31


class _PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_cursor():
    """A cursor of the default connection whose statements are prepared (above)."""
    # The connection itself, not django.db.connection's proxy (a thread-local lookup at each
    # attribute).
    connection = connections[DEFAULT_DB_ALIAS]
    # What Django's connection.cursor() does first: a kept connection that died (a PostgreSQL
    # restart) is replaced, once per request, rather than failing the request.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_ITSELF
        raw._plans_due = (time.monotonic() + REPLAN_FIRST_AFTER, REPLAN_FIRST_AFTER)
        # PostgreSQL plans a prepared statement anew at each of its first runs, and keeps
        # doing so when its generic plan looks costlier: for a statement taking its keys as
        # arrays (analytics.rollups) that was 1.3 ms of planning on every run. These
        # statements are short index lookups whose plan does not depend on the values.
        # (Set once per connection; a rollback of the transaction that set it undoes it,
        # which only costs planning again.)
        with raw.cursor() as setup:
            setup.execute("SET plan_cache_mode = force_generic_plan")
    else:
        _replan_when_due(connection, raw)
    connection.validate_thread_sharing()
    cursor = _PreparingCursor(raw)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


# A generic plan is made at the statement's first run, against the tables as they are then,
# and kept until PostgreSQL next analyzes a table it reads (autovacuum: at most once a
# minute, after 10 % growth). Made against an almost empty table (a new school's first
# minute, a backfill, the minute after a TRUNCATE) it scans that table, and never sees it
# grow: ingestion's look for resent submissions read every stored event of the app for
# each envelope, 0.13 then 0.06 x COPY by 100,000 events (issue 16). So a connection makes
# its plans again 1, 2, 4, ... 64 s after it made them, then every 64 s: with steady
# growth, a plan never serves a table much more than twice the size it was made for
# before the statistics take over. Planning again costs a few milliseconds per minute.
REPLAN_FIRST_AFTER = 1.0
REPLAN_AT_MOST_EVERY = 64.0


def _replan_when_due(connection, raw) -> None:
    due_at, interval = raw._plans_due
    now = time.monotonic()
    if (
        now < due_at
        # In a pipeline the statements queued next are already named as prepared; in a
        # failed transaction nothing runs. The next statement outside either does it.
        or getattr(connection, "_one_round_trip", False)
        or raw.info.transaction_status == TransactionStatus.INERROR
    ):
        return
    with raw.cursor() as cursor:
        # psycopg sees the command and forgets its prepared statements too: each is
        # prepared, and planned, again at its next run.
        cursor.execute("DEALLOCATE ALL")
    interval = min(interval * 2, REPLAN_AT_MOST_EVERY)
    raw._plans_due = (now + interval, interval)


@contextlib.contextmanager
def one_round_trip():
    """The statements run in this block go to PostgreSQL together and the client waits for
    their answers once (psycopg's pipeline mode), where each would otherwise wait for its
    own: a statement whose rows are read (`fetch...`) still waits, with everything queued
    before it. Each statement still runs on its own, in order, with its own snapshot, so a
    lock taken by one is held before the next one reads, exactly as one by one.

    For raw statements only: a statement's `rowcount` is not known until its answer came,
    so nothing in the block may read it (the ORM's save() and update() do). An error of a
    statement is raised at the next read in the block or at its end (as Django's errors);
    the statements queued after it do not run. Nested blocks are one block."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    if getattr(connection, "_one_round_trip", False):  # an enclosing block sends it all
        yield
        return
    connection._one_round_trip = True
    try:
        with connection.wrap_database_errors, connection.connection.pipeline():
            yield
    finally:
        connection._one_round_trip = False


# Tables this process has seen analyzed (or analyzed itself): asked about once each.
_analyzed: set[str] = set()

# How long the first ANALYZE waits for the table: autovacuum (or an operator) holding it is
# analyzing it already, and a batch should not wait behind a vacuum of a large table.
ANALYZE_LOCK_TIMEOUT = "100ms"


def analyze_if_never_analyzed(table: str) -> bool:
    """ANALYZE `table` when PostgreSQL has never analyzed it; answer whether it has
    statistics now. Asked once per process and table while the answer is yes.

    Without statistics the planner takes its default guesses (a condition keeps 0.5 % of
    the rows): on a freshly migrated database the worker's claim of the oldest pending
    events read and sorted every pending row (280 ms at 60,000 of them, against 16 ms with
    statistics), and autovacuum analyzes a table that grows during a backfill only after
    vacuuming it, a minute or more into the load. Statistics kept from an earlier
    ANALYZE (a TRUNCATE keeps them) are autovacuum's to renew."""
    if table in _analyzed:
        return True
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL"
            " FROM pg_stat_user_tables WHERE relid = %s::regclass",
            [table],
        )
        row = cursor.fetchone()
        if not (row and row[0]):
            try:
                # A savepoint inside a caller's transaction: the setting is put back after.
                with transaction.atomic(using=DEFAULT_DB_ALIAS):
                    cursor.execute(
                        "SELECT current_setting('lock_timeout'),"
                        " set_config('lock_timeout', %s, true)",
                        [ANALYZE_LOCK_TIMEOUT],
                    )
                    (before, _) = cursor.fetchone()
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
            except OperationalError:  # held by another ANALYZE or a vacuum: asked again
                return False
    _analyzed.add(table)
    return True
