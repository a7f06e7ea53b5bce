"""Daily rollups per student × course × day, recomputed from the ledger and facts.

Never incremented: a key's row is derived again from its sources, under a per-key lock.
Every writer of those sources announces the keys it touched with
gradebook.signals.learning_changed, and analytics.receivers answers it:
- the Caliper pipeline at the end of its batch's transaction (so a batch is never committed
  without its rollups). Two workers touching the same key converge on the same row: the
  lock is held until commit, and whoever takes it second sees the first one's batch;
- the gradebook API and the logger in the writer's transaction too, unless
  settings.ROLLUPS_AFTER_COMMIT hands them to a Celery task after the commit: the writer's
  transaction then marks the keys stale (StaleRollup), and the task claims the markers and
  recomputes what it claimed; the events sweep's signal re-queues markers whose task was
  lost.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core import locks
from events.models import TimeSpentFact
from gradebook.models import (
    ItemResult,
    LessonMastery,
    MasteryCredit,
    XpEntry,
)
from logger.models import AttemptLog, SessionTime
from rostering import zones

from .models import DailyActivity, StaleRollup


def recompute(keys: set[tuple]) -> None:
    if not keys:
        return
    # No savepoint inside the caller's transaction (the pipeline's batch, a logger PUT):
    # nothing catches a failure here to carry on, and a savepoint is two round trips more.
    with transaction.atomic(savepoint=False):
        _lock(keys)
        values = _derive(keys)
        DailyActivity.objects.bulk_create(
            [
                DailyActivity(
                    student_id=s, course_id=c, day=d, updated_at=timezone.now(), **values[(s, c, d)]
                )
                for s, c, d in keys
            ],
            update_conflicts=True,
            unique_fields=["student", "course", "day"],
            update_fields=[*EMPTY, "updated_at"],
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


def _lock(keys) -> None:
    """Serialise recomputation per key across workers (advisory locks of core.locks,
    taken in a fixed order so two workers cannot deadlock)."""
    locks.xact_lock(locks.ROLLUPS, (f"rollup:{s}:{c}:{d}" for s, c, d in keys))


def _derive(keys) -> dict:
    """Each key's rollup values, read from its sources in one statement per chunk of keys:
    for each key, one indexed aggregate per source (a few keys, as a request or a worker's
    task brings, cost one round trip instead of one query per source)."""
    keys = list(keys)
    values = {}
    for start in range(0, len(keys), DERIVE_CHUNK):
        chunk = keys[start : start + DERIVE_CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(_derive_sql(len(chunk)), _derive_params(chunk))
            for position, *sums in cursor.fetchall():
                values[chunk[position]] = _rollup_values(*sums)
    return values


DERIVE_CHUNK = 500


def _rollup_values(
    xp,
    active,
    wasted,
    inactive,
    answered,
    correct,
    lessons,
    units,
    reported,
    reported_right,
    logged,
    attempts,
    right,
) -> dict:
    # Questions count whether answered one by one (AssessmentItemEvents) or reported as an
    # activity's or a result's totals (totalQuestions/correctQuestions). Apps often send both
    # for the same work, so the day takes the larger of the two with its own correct count
    # rather than their sum. Attempts in a progress-tracking ("logger") session (docs/logger.md)
    # add to it; the logger's time is active time too.
    if (reported or 0) > answered:
        answered, correct = reported, reported_right
    return {
        "xp": xp or 0,
        "active_seconds": (active or 0) + round(logged or 0),
        "wasted_seconds": wasted or 0,
        "inactive_seconds": inactive or 0,
        "items_answered": answered + attempts,
        "items_correct": (correct or 0) + (right or 0),
        "lessons_mastered": lessons,
        "mastered_units": units or 0,
    }


def _derive_sql(count: int) -> str:
    row = "(%s::integer, %s::bigint, %s::bigint, %s::date)"
    # A lesson counts on the local day of the student's school it was mastered on (k.z, the
    # zone of rostering.zones); the other sources store that day as occurred_on.
    mastered_on = (
        "t.mastered_at >= (k.d::timestamp AT TIME ZONE k.z)"
        " AND t.mastered_at < ((k.d + 1)::timestamp AT TIME ZONE k.z)"
    )
    sums = [
        _of(XpEntry, "SUM(t.amount)"),
        _of(TimeSpentFact, "SUM(t.active)"),
        _of(TimeSpentFact, "SUM(t.inactive + t.waste + t.anti_pattern)"),
        _of(TimeSpentFact, "SUM(t.inactive)"),
        _of(ItemResult, "COUNT(*)"),
        _of(ItemResult, "SUM(CASE WHEN t.correct THEN 1 ELSE 0 END)"),
        _of(LessonMastery, "COUNT(*)", day=mastered_on),
        _of(MasteryCredit, "SUM(t.units)"),
        _of(MasteryCredit, "SUM(t.questions)"),
        _of(MasteryCredit, "SUM(t.correct_questions)"),
        _of(SessionTime, "SUM(t.seconds)"),
        _of(AttemptLog, "COUNT(*)"),
        _of(AttemptLog, "SUM(CASE WHEN t.correct = 1 THEN 1 ELSE 0 END)"),
    ]
    rows = ", ".join([row] * count)
    zone, _ = zones.student_zone_sql("v.s")
    return (
        f"WITH v(i, s, c, d) AS (VALUES {rows}), k AS (SELECT v.*, {zone} AS z FROM v)"
        f" SELECT k.i, {', '.join(sums)} FROM k"
    )


def _of(model, aggregate: str, day: str = "t.occurred_on = k.d") -> str:
    return (
        f"(SELECT {aggregate} FROM {connection.ops.quote_name(model._meta.db_table)} t"
        f" WHERE t.student_id = k.s AND t.course_id = k.c AND {day})"
    )


def _derive_params(keys) -> list:
    _, zone_params = zones.student_zone_sql("v.s")
    return [value for position, key in enumerate(keys) for value in (position, *key)] + zone_params


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
