"""Daily rollups per student × course × day, recomputed from the ledger and facts.

Never incremented: a key's row is derived again from its sources, under a per-key lock.
The Caliper pipeline does it at the end of the transaction of the batch that touched it (so
a batch is never committed without its rollups). Two workers touching the same key converge
on the same row: the lock is held until commit, and whoever takes it second sees the first
one's committed batch.

Changes from outside the pipeline (gradebook.signals.learning_changed: the gradebook API,
the logger) are recomputed after their commit by a Celery task when there is a broker
(settings.ROLLUPS_AFTER_COMMIT), so a request does not pay for the recompute: the writer's
transaction marks the keys stale (StaleRollup), and the task claims the markers and
recomputes what it claimed; the sweep repairs markers whose task was lost.
"""

import logging
import zlib
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gradebook.models import (
    AttemptLog,
    ItemResult,
    LessonMastery,
    MasteryCredit,
    SessionTime,
    XpEntry,
)

from .models import DailyActivity, StaleRollup, TimeSpentFact

logger = logging.getLogger(__name__)


def recompute(keys: set[tuple]) -> None:
    if not keys:
        return
    with transaction.atomic():
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
    """Serialise recomputation per key across workers (PostgreSQL advisory locks, taken in
    a fixed order so two workers cannot deadlock). SQLite has one writer anyway."""
    if connection.vendor != "postgresql":
        return
    ids = sorted({zlib.crc32(f"rollup:{s}:{c}:{d}".encode()) for s, c, d in keys})
    with connection.cursor() as cursor:
        # One statement for all the keys; PostgreSQL evaluates volatile output expressions
        # in ORDER BY order, so the locks are still taken in ascending order.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [ids]
        )


def _derive(keys) -> dict:
    students = {s for s, _, _ in keys}
    courses = {c for _, c, _ in keys}
    days = {d for _, _, d in keys}
    scope = {"student_id__in": students, "course_id__in": courses}
    values = defaultdict(lambda: dict(EMPTY))
    for row in (
        XpEntry.objects.filter(occurred_on__in=days, **scope)
        .values("student_id", "course_id", "occurred_on")
        .annotate(total=Sum("amount"))
    ):
        values[(row["student_id"], row["course_id"], row["occurred_on"])]["xp"] = row["total"]
    time = TimeSpentFact.objects.filter(occurred_on__in=days, **scope).values(
        "student_id", "course_id", "occurred_on"
    )
    for row in time.annotate(
        active=Sum("active"),
        wasted=Sum(F("inactive") + F("waste") + F("anti_pattern")),
        inactive=Sum("inactive"),
    ):
        key = (row["student_id"], row["course_id"], row["occurred_on"])
        values[key]["active_seconds"] = row["active"]
        values[key]["wasted_seconds"] = row["wasted"]
        values[key]["inactive_seconds"] = row["inactive"]
    items = ItemResult.objects.filter(occurred_on__in=days, **scope).values(
        "student_id", "course_id", "occurred_on"
    )
    for row in items.annotate(answered=Count("id"), correct=Count("id", filter=Q(correct=True))):
        key = (row["student_id"], row["course_id"], row["occurred_on"])
        values[key]["items_answered"] = row["answered"]
        values[key]["items_correct"] = row["correct"]
    mastered = (
        LessonMastery.objects.filter(**scope)
        .annotate(day=TruncDate("mastered_at"))
        .filter(day__in=days)
    )
    for row in mastered.values("student_id", "course_id", "day").annotate(n=Count("id")):
        values[(row["student_id"], row["course_id"], row["day"])]["lessons_mastered"] = row["n"]
    units = MasteryCredit.objects.filter(occurred_on__in=days, **scope).values(
        "student_id", "course_id", "occurred_on"
    )
    for row in units.annotate(total=Sum("units")):
        values[(row["student_id"], row["course_id"], row["occurred_on"])]["mastered_units"] = row[
            "total"
        ]
    _add_logger_sessions(values, days, scope)
    return values


def _add_logger_sessions(values, days, scope) -> None:
    """Progress-tracking ("logger") sessions (SPEC §4.5) count like Caliper events: their
    time is active time, and their attempts are items answered."""
    time = SessionTime.objects.filter(occurred_on__in=days, **scope).values(
        "student_id", "course_id", "occurred_on"
    )
    for row in time.annotate(seconds=Sum("seconds")):
        key = (row["student_id"], row["course_id"], row["occurred_on"])
        values[key]["active_seconds"] += round(row["seconds"])
    attempts = AttemptLog.objects.filter(occurred_on__in=days, **scope).values(
        "student_id", "course_id", "occurred_on"
    )
    for row in attempts.annotate(answered=Count("id"), correct=Count("id", filter=Q(correct=1))):
        key = (row["student_id"], row["course_id"], row["occurred_on"])
        values[key]["items_answered"] += row["answered"]
        values[key]["items_correct"] += row["correct"]


def on_learning_changed(sender, keys, **kwargs) -> None:
    """gradebook.signals.learning_changed: XP, results or mastery changed outside the
    pipeline (gradebook API, logger); bring those days' rollups up to date: after the
    commit when a broker runs the tasks, else (the demo, the tests) in this transaction."""
    if not settings.ROLLUPS_AFTER_COMMIT:
        recompute(keys)
        return
    keys = sorted(keys)
    mark_stale(keys)
    transaction.on_commit(lambda: enqueue_recompute(keys))


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


def enqueue_recompute(keys) -> None:
    """Hand the stale keys to a worker. Their markers are committed, so a broker outage
    loses nothing: the sweep re-queues markers that stay."""
    from .tasks import recompute_rollups

    try:
        recompute_rollups.apply_async(
            args=[[[s, c, d.isoformat()] for s, c, d in keys]], retry=False
        )
    except Exception as error:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning("Could not enqueue %d rollups (%s); the sweep will.", len(keys), error)


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
