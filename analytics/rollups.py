"""Daily rollups per student × course × day, recomputed from the ledger and facts.

Never incremented: a key's row is derived again from its sources, under a per-key lock.
Every writer of those sources announces the keys it touched with
gradebook.signals.learning_changed, and analytics.receivers answers it:
- the Caliper pipeline marks the keys pending in its batch's transaction (PendingRollup:
  no unique key, so two workers' batches never wait on each other's markers) and, once the
  batch committed, recomputes every pending key (`recompute_pending`): one session at a
  time (a tried lock; the others go on), so two workers' batches never wait on each
  other's rollups, and a key both touched is recomputed once. A marker outlives a worker
  killed before the recompute: the next settling or the sweep recomputes it;
- the gradebook API and the logger in the writer's transaction too, unless
  settings.ROLLUPS_AFTER_COMMIT hands them to a Celery task after the commit: the writer's
  transaction then marks the keys stale (StaleRollup), and the task claims the markers and
  recomputes what it claimed; the events sweep's signal re-queues markers whose task was
  lost.
"""

import functools
from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import locks
from core.db import prepared_cursor
from events.models import TimeSpentFact
from gradebook.models import (
    ItemResult,
    LessonMastery,
    MasteryCredit,
    XpEntry,
)
from logger.models import AttemptLog, SessionTime
from rostering import zones

from .models import DailyActivity, PendingRollup, StaleRollup


def recompute(keys: set[tuple]) -> None:
    """Derive the keys' rows again from their sources and write them, in two statements
    whatever the number of keys: the keys' locks, then one prepared statement (core.db)
    that derives every key's values and upserts them. The derivation runs after the locks,
    with its own snapshot, so it sees whatever the locks' last holders committed: a lock
    taken inside the deriving statement would leave it reading from before the wait."""
    keys = sorted(set(keys))
    if not keys:
        return
    # No savepoint inside the caller's transaction (the pipeline's batch, a logger PUT):
    # nothing catches a failure here to carry on, and a savepoint is two round trips more.
    with transaction.atomic(savepoint=False):
        _lock(keys)
        with prepared_cursor() as cursor:
            cursor.execute(_upsert_sql(), [timezone.now(), *_values_params(keys)])


@functools.cache
def _upsert_sql() -> str:
    table = connection.ops.quote_name(DailyActivity._meta.db_table)
    columns = ", ".join(EMPTY)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in [*EMPTY, "updated_at"])
    return (
        f"INSERT INTO {table} (student_id, course_id, day, {columns}, updated_at)"
        f" SELECT v.*, %s::timestamptz FROM ({_values_sql()}) AS v"
        f" ON CONFLICT (student_id, course_id, day) DO UPDATE SET {updates}"
    )


EMPTY = {
    "xp": 0,
    "active_seconds": 0,
    "wasted_seconds": 0,
    "inactive_seconds": 0,
    "items_answered": 0,
    "items_correct": 0,
    "lessons_mastered": 0,
    "mastered_units": 0,
}


def _lock_names(keys):
    return (f"rollup:{s}:{c}:{d}" for s, c, d in keys)


def _lock(keys) -> None:
    """Serialise recomputation per key across workers (advisory locks of core.locks,
    taken in a fixed order so two workers cannot deadlock)."""
    locks.xact_lock(locks.ROLLUPS, _lock_names(keys))


def _derive(keys) -> dict:
    """Each key's rollup values as recompute writes them, read from the sources (without
    writing or locking): {(student, course, day): {measure: value}}."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    with prepared_cursor() as cursor:
        cursor.execute(_values_sql(), _values_params(keys))
        return {(s, c, d): dict(zip(EMPTY, values, strict=True)) for s, c, d, *values in cursor}


# How a key's measures come from the sums of its sources (the `sums` of _values_sql), in
# the order of EMPTY. Questions count whether answered one by one (AssessmentItemEvents) or
# reported as an activity's or a result's totals (totalQuestions/correctQuestions). Apps
# often send both for the same work, so the day takes the larger of the two with its own
# correct count rather than their sum. Attempts in a progress-tracking ("logger") session
# (docs/logger.md) add to it; the logger's time is active time too (its seconds are a float
# sum, rounded half to even as Python's round() did when this rule was Python).
_REPORTED_WINS = "COALESCE(reported, 0) > answered"
MEASURES = (
    "COALESCE(xp, 0)",
    "(COALESCE(active, 0) + round(COALESCE(logged, 0)::float8))::bigint",
    "COALESCE(wasted, 0)",
    "COALESCE(inactive, 0)",
    f"(CASE WHEN {_REPORTED_WINS} THEN reported ELSE answered END) + attempts",
    f"COALESCE(CASE WHEN {_REPORTED_WINS} THEN reported_right ELSE correct END, 0)"
    " + COALESCE(right_, 0)",
    "lessons",
    "COALESCE(units, 0)",
)


@functools.cache
def _values_sql() -> str:
    """One statement that answers (student, course, day, *measures of EMPTY) for every key:
    the keys travel as three arrays (the statement is the same whatever their number), and
    each key's sums are indexed aggregates of its sources."""
    # A lesson counts on the local day of the student's school it was mastered on (k.z, the
    # zone of rostering.zones); the other sources store that day as occurred_on.
    mastered_on = (
        "t.mastered_at >= (k.d::timestamp AT TIME ZONE k.z)"
        " AND t.mastered_at < ((k.d + 1)::timestamp AT TIME ZONE k.z)"
    )
    sums = {
        "xp": _of(XpEntry, "SUM(t.amount)"),
        "active": _of(TimeSpentFact, "SUM(t.active)"),
        "wasted": _of(TimeSpentFact, "SUM(t.inactive + t.waste + t.anti_pattern)"),
        "inactive": _of(TimeSpentFact, "SUM(t.inactive)"),
        "answered": _of(ItemResult, "COUNT(*)"),
        "correct": _of(ItemResult, "SUM(CASE WHEN t.correct THEN 1 ELSE 0 END)"),
        "lessons": _of(LessonMastery, "COUNT(*)", day=mastered_on),
        "units": _of(MasteryCredit, "SUM(t.units)"),
        "reported": _of(MasteryCredit, "SUM(t.questions)"),
        "reported_right": _of(MasteryCredit, "SUM(t.correct_questions)"),
        "logged": _of(SessionTime, "SUM(t.seconds)"),
        "attempts": _of(AttemptLog, "COUNT(*)"),
        "right_": _of(AttemptLog, "SUM(CASE WHEN t.correct = 1 THEN 1 ELSE 0 END)"),
    }
    zone, _ = zones.student_zone_sql("u.s")
    return (
        "SELECT s, c, d, " + ", ".join(MEASURES) + " FROM ("
        "SELECT k.s, k.c, k.d, "
        + ", ".join(f"{sql} AS {name}" for name, sql in sums.items())
        + " FROM (SELECT u.s, u.c, u.d, "
        + zone
        + " AS z FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS u(s, c, d)) AS k"
        ") AS sums ORDER BY s, c, d"
    )


def _values_params(keys) -> list:
    _, zone_params = zones.student_zone_sql("u.s")
    students, courses, days = (list(column) for column in zip(*keys, strict=True))
    return [*zone_params, students, courses, days]


def _of(model, aggregate: str, day: str = "t.occurred_on = k.d") -> str:
    return (
        f"(SELECT {aggregate} FROM {connection.ops.quote_name(model._meta.db_table)} t"
        f" WHERE t.student_id = k.s AND t.course_id = k.c AND {day})"
    )


def mark_stale(keys) -> None:
    """Marks the keys' rollups stale in the writer's transaction (sorted, so two writers lock
    the markers in the same order). The marker's row stays locked until the writer commits,
    so a recompute cannot claim it before it can see the writer's change."""
    table = connection.ops.quote_name(StaleRollup._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(keys))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (student_id, course_id, day, since) VALUES {rows}"
            f" ON CONFLICT (student_id, course_id, day) DO UPDATE SET since = {table}.since",
            [value for s, c, d in keys for value in (s, c, d, now)],
        )


def recompute_stale(keys) -> int:
    """Recompute those of the keys still marked stale, and remove their markers; answers how
    many. Keys whose markers another run claimed first are skipped: their change is in the
    rows that run writes (coalescing a burst of updates into one recompute)."""
    keys = [(s, c, date.fromisoformat(d) if isinstance(d, str) else d) for s, c, d in keys]
    if not keys:
        return 0
    with transaction.atomic():
        claimed = _claim(keys)
        recompute(claimed)
    return len(claimed)


def _claim(keys) -> set[tuple]:
    """Lock the keys' markers in key order (a writer holding one makes this wait for its
    commit, so the recompute sees its change) and delete them."""
    which = Q()
    for s, c, d in keys:
        which |= Q(student_id=s, course_id=c, day=d)
    markers = list(
        StaleRollup.objects.select_for_update()
        .filter(which)
        .order_by("student_id", "course_id", "day")
        .values_list("pk", "student_id", "course_id", "day")
    )
    StaleRollup.objects.filter(pk__in=[pk for pk, *_ in markers]).delete()
    return {tuple(key) for _, *key in markers}


def stale_keys(*, marked_before, limit: int) -> list[tuple]:
    """Keys marked stale before `marked_before` (their task is late or lost), oldest first."""
    return list(
        StaleRollup.objects.filter(since__lte=marked_before)
        .order_by("since")
        .values_list("student_id", "course_id", "day")[:limit]
    )


# --- keys a Caliper batch marked pending, recomputed after it commits ---


def mark_pending(keys) -> None:
    """Mark the keys' rollups for a recompute after the writer commits (`recompute_pending`):
    one INSERT, in the writer's transaction, that can conflict with nothing."""
    keys = sorted(set(keys))
    if not keys:
        return
    table = connection.ops.quote_name(PendingRollup._meta.db_table)
    students, courses, days = (list(column) for column in zip(*keys, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (student_id, course_id, day)"
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[])",
            [students, courses, days],
        )


def recompute_pending() -> int:
    """Recompute the rollups of every committed pending marker (anyone's), in transactions
    of their own, one session at a time (`core.locks.settle_pending`); answers how many
    keys. The deriving statement runs after the markers are claimed, so it sees every batch
    whose marker it claimed (a marker is visible only once its batch committed)."""
    return locks.settle_pending(
        PendingRollup, "rollups", "student_id, course_id, day", _recompute_claimed
    )


def _recompute_claimed(rows: list[tuple]) -> int:
    keys = set(rows)
    recompute(keys)
    return len(keys)
