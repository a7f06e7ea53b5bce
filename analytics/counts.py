"""Counts the developer page reads, kept as append-only deltas by triggers on the tables
they count (migrations analytics.0004 and 0005), so that a view reads a few rows instead of
counting history (issue 16):

- events stored per partner app and UTC day of their event time (EventDayCount): the
  events chart, where counting two weeks of a 2,000-student school's app read ~200,000
  events (~100 ms);
- lesson masteries per lesson (LessonMasteryCount): how many students ever mastered each
  lesson, where counting read every mastery of the course (160,000 after a school year);
- flagged XP claims per partner app (FlaggedClaimCount, migration analytics.0006), where
  counting read every flagged claim of the app (78,000 after a school year);
- the daily rollups summed per (student, course, week) (WeekActivitySum, migration
  analytics.0007), so a thirty-day window per student reads about five week rows and a
  few days of rollups instead of thirty days of them (~40,000 rows for an app of 2,000
  students).

Each statement that writes the counted table appends one delta row per key it changed, in
its own transaction: the sums always equal a COUNT over the table, whatever code wrote it,
and concurrent writers never wait on one shared counter row. `fold` merges a key's rows
into one, so what a read scans stays small whatever the traffic."""

from datetime import date, timedelta

from django.db import DatabaseError, connection, transaction

from .models import (
    DailyActivity,
    EventDayCount,
    FlaggedClaimCount,
    LessonMasteryCount,
    WeekActivitySum,
)

# A read folds what it read when it met this many rows more than it has keys (single-event
# POSTs leave one row per event until folded).
FOLD_ABOVE = 64


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def events_per_day(app_id: int, since: date, until: date) -> dict[date, int]:
    """{day: events stored} for the app's days in [since, until] that have any (a COUNT over
    the events). One query (index-only, eventdaycount_app_day), two when folding."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, sum(events), count(*) FROM {_table(EventDayCount)}"
            " WHERE partner_app_id = %s AND day BETWEEN %s AND %s GROUP BY day",
            [app_id, since, until],
        )
        rows = cursor.fetchall()
    if sum(n for _, _, n in rows) - len(rows) > FOLD_ABOVE:
        _fold_quietly(fold_events, app_id=app_id, since=since, until=until)
    return {day: int(total) for day, total, _ in rows if total}


def masteries_per_lesson(course_ids) -> dict[int, int]:
    """{lesson id: lesson masteries} of the courses (a queryset of their ids, read as a
    subquery) that have any (a COUNT over the masteries). One query (index-only,
    masterycount_course_lesson), two when folding."""
    courses_sql, params = course_ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT lesson_id, sum(masteries), count(*) FROM {_table(LessonMasteryCount)}"
            f" WHERE course_id IN ({courses_sql}) GROUP BY lesson_id",
            params,
        )
        rows = cursor.fetchall()
    if sum(n for _, _, n in rows) - len(rows) > FOLD_ABOVE:
        _fold_quietly(fold_masteries, course_ids=course_ids)
    return {lesson: int(total) for lesson, total, _ in rows if total}


WEEK_COLUMNS = ("xp", "active_seconds", "wasted_seconds", "items_answered", "items_correct")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def window_sums_per_student(course_ids, start: date, end: date) -> tuple[str, list, int]:
    """(SQL, params, weeks read) of a query answering (student_id, xp, active_seconds,
    wasted_seconds, items_answered, items_correct, week_rows): each student's sums of the
    rollups of the courses (a queryset of their ids, read as a subquery) over the days
    [start, end], for every student with a rollup in the window (and possibly others
    whose sums are all zero), and how many week-sum rows it read for them (for
    fold_weeks_after_read).

    The weeks that overlap the window come from the week sums; the days of those weeks
    outside the window are taken away from the rollups themselves: after `end` (days not
    come yet: usually none) and before `start` when those are at most three days;
    otherwise the first week's days in the window are read from the rollups instead of its
    sum. A window of less than two weeks reads its rollups."""
    courses_sql, course_params = course_ids.query.sql_with_params()
    weeks, rollups = _table(WeekActivitySum), _table(DailyActivity)
    plus = ", ".join(WEEK_COLUMNS)
    minus = ", ".join(f"-{c} AS {c}" for c in WEEK_COLUMNS)
    parts, params = [], []

    def days(first: date, last: date, sign: str) -> None:
        if first <= last:
            parts.append(
                f"SELECT student_id, {plus if sign == '+' else minus}, 0 AS week_row"
                f" FROM {rollups} WHERE course_id IN ({courses_sql}) AND day BETWEEN %s AND %s"
            )
            params.extend([*course_params, first, last])

    first_week, last_week = _monday(start), _monday(end)
    weeks_read = 0
    if (last_week - first_week).days < 14:
        days(start, end, "+")
    else:
        if (start - first_week).days > 3:  # the first week mostly outside: its days
            days(start, first_week + timedelta(days=6), "+")
            first_week += timedelta(days=7)
        else:
            days(first_week, start - timedelta(days=1), "-")
        parts.append(
            f"SELECT student_id, {plus}, 1 AS week_row FROM {weeks}"
            f" WHERE course_id IN ({courses_sql}) AND week BETWEEN %s AND %s"
        )
        params.extend([*course_params, first_week, last_week])
        weeks_read = (last_week - first_week).days // 7 + 1
        days(end + timedelta(days=1), last_week + timedelta(days=6), "-")
    sums = ", ".join(f"sum({c}) AS {c}" for c in WEEK_COLUMNS)
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT student_id, {sums}, sum(week_row) AS week_rows"
        f" FROM ({union}) figures GROUP BY student_id"
    )
    return sql, params, weeks_read


def fold_weeks_after_read(course_ids, start: date, end: date, rows: int, students: int, weeks: int):
    """Fold the week sums a window read (window_sums_per_student) when it met more than
    FOLD_ABOVE rows beyond one per student and week (a week whose rollups are recomputed
    gains a row each time; the beat task folds the rest)."""
    if rows - students * weeks > FOLD_ABOVE:
        _fold_quietly(
            fold_weeks,
            course_ids=course_ids,
            since=_monday(start),
            until=_monday(end),
        )


def fold_flagged_quietly(app_id: int) -> None:
    """fold_flagged for a reader that has read the app's count (the developer page reads it
    within its list of flagged claims, in one query)."""
    _fold_quietly(fold_flagged, app_id=app_id)


def _fold_quietly(fold, **where) -> None:
    try:
        fold(**where)
    except DatabaseError:  # a concurrent fold's deadlock or lock timeout: the next read folds
        pass


def fold_events(
    *, app_id: int | None = None, since: date | None = None, until: date | None = None
) -> int:
    """Merge each (app, day)'s event count deltas into one row (of the app, of days in
    [since, until], when given); answer how many rows it replaced."""
    where, params = [], []
    if app_id is not None:
        where.append("partner_app_id = %s")
        params.append(app_id)
    if since is not None:
        where.append("day >= %s")
        params.append(since)
    if until is not None:
        where.append("day <= %s")
        params.append(until)
    return _fold(EventDayCount, ("partner_app_id", "day"), "events", where, params)


def fold_flagged(*, app_id: int | None = None) -> int:
    """Merge each app's flagged-claim count deltas into one row (of the app, when given);
    answer how many rows it replaced."""
    where, params = ([], []) if app_id is None else (["partner_app_id = %s"], [app_id])
    return _fold(FlaggedClaimCount, ("partner_app_id",), "claims", where, params)


def fold_masteries(*, course_ids=None) -> int:
    """Merge each lesson's mastery count deltas into one row (of the courses, a queryset of
    their ids, when given); answer how many rows it replaced."""
    where, params = [], []
    if course_ids is not None:
        courses_sql, params = course_ids.query.sql_with_params()
        where.append(f"course_id IN ({courses_sql})")
    return _fold(LessonMasteryCount, ("course_id", "lesson_id"), "masteries", where, params)


def fold_weeks(*, course_ids=None, since: date | None = None, until: date | None = None) -> int:
    """Merge each (student, course, week)'s rollup sum deltas into one row (of the courses,
    a queryset of their ids, and of weeks in [since, until], when given); answer how many
    rows it replaced."""
    where, params = [], []
    if course_ids is not None:
        courses_sql, params = course_ids.query.sql_with_params()
        where.append(f"course_id IN ({courses_sql})")
    if since is not None:
        where.append("week >= %s")
        params = [*params, since]
    if until is not None:
        where.append("week <= %s")
        params = [*params, until]
    return _fold(WeekActivitySum, ("student_id", "course_id", "week"), WEEK_COLUMNS, where, params)


def fold_all() -> int:
    return fold_events() + fold_masteries() + fold_flagged() + fold_weeks()


def _fold(model, keys: tuple[str, ...], value, where: list[str], params) -> int:
    """Exact under concurrency: the DELETE returns only the rows it removed (a row a
    concurrent fold removed first is skipped, one appended meanwhile is left for next
    time), and their sum is written back in the same statement. Writers of the counted
    table never wait: they only ever insert new rows."""
    table = _table(model)
    values = (value,) if isinstance(value, str) else tuple(value)
    names = ", ".join(keys)
    same = " AND ".join(f"c.{key} = many.{key}" for key in keys)
    sql = f"""
        WITH many AS (
            SELECT {names} FROM {table} WHERE {" AND ".join(where) or "true"}
            GROUP BY {names} HAVING count(*) > 1
        ), gone AS (
            DELETE FROM {table} c USING many WHERE {same}
            RETURNING {", ".join(f"c.{key}" for key in keys)}, {", ".join(f"c.{v}" for v in values)}
        ), folded AS (
            INSERT INTO {table} ({names}, {", ".join(values)})
            SELECT {names}, {", ".join(f"sum({v})" for v in values)} FROM gone GROUP BY {names}
            HAVING {" OR ".join(f"sum({v}) <> 0" for v in values)}
        )
        SELECT count(*) FROM gone
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
