"""Events stored per partner app and UTC day of their event time, from the deltas the event
store's triggers append (analytics.models.EventDayCount, migration analytics.0003): the
developer page's events chart reads a few rows a day instead of counting an app's events
(two weeks of a 2,000-student school's app are ~200,000 events, ~100 ms; issue 16).

A day's deltas are one row per statement that stored events of that day; `fold` merges them
into one row, so what a read scans stays a handful of rows a day whatever the traffic."""

from datetime import date

from django.db import DatabaseError, connection, transaction

from .models import EventDayCount

# A window read folds its days when it meets more rows than this (single-event POSTs leave
# one row per event until folded).
FOLD_ABOVE = 64


def _table() -> str:
    return connection.ops.quote_name(EventDayCount._meta.db_table)


def per_day(app_id: int, since: date, until: date) -> dict[date, int]:
    """{day: events stored} for the app's days in [since, until] that have any (an exact
    COUNT over the events: the deltas are written in the storing statements' transactions).
    One query (index-only, eventdaycount_app_day), two when the window needs folding."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, sum(events), count(*) FROM {_table()}"
            " WHERE partner_app_id = %s AND day BETWEEN %s AND %s GROUP BY day",
            [app_id, since, until],
        )
        rows = cursor.fetchall()
    if sum(n for _, _, n in rows) > FOLD_ABOVE:
        try:
            fold(app_id=app_id, since=since, until=until)
        except DatabaseError:  # a concurrent fold's deadlock or timeout: the next view folds
            pass
    return {day: int(total) for day, total, _ in rows if total}


def fold(*, app_id: int | None = None, since: date | None = None, until: date | None = None) -> int:
    """Merge each (app, day)'s deltas into one row (of the app, of days in [since, until],
    when given); answer how many rows it replaced. Exact under concurrency: the DELETE
    returns only the rows it removed (a row a concurrent fold removed first is skipped, one
    stored meanwhile is left for next time), and their sum is written back in the same
    statement. Writers of events never wait: they only ever insert new rows."""
    where, params = ["true"], []
    if app_id is not None:
        where.append("partner_app_id = %s")
        params.append(app_id)
    if since is not None:
        where.append("day >= %s")
        params.append(since)
    if until is not None:
        where.append("day <= %s")
        params.append(until)
    table = _table()
    sql = f"""
        WITH many AS (
            SELECT partner_app_id, day FROM {table} WHERE {" AND ".join(where)}
            GROUP BY 1, 2 HAVING count(*) > 1
        ), gone AS (
            DELETE FROM {table} c USING many
            WHERE c.partner_app_id = many.partner_app_id AND c.day = many.day
            RETURNING c.partner_app_id, c.day, c.events
        ), folded AS (
            INSERT INTO {table} (partner_app_id, day, events)
            SELECT partner_app_id, day, sum(events) FROM gone GROUP BY 1, 2
            HAVING sum(events) <> 0
        )
        SELECT count(*) FROM gone
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        removed = cursor.fetchone()[0]
    return removed
