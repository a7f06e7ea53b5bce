"""Daily rollups per student × course × day, recomputed from the ledger and facts.

Never incremented: a key's row is derived again from its sources, under a per-key lock,
at the end of the transaction of the batch that touched it (so a batch is never committed
without its rollups). Two workers touching the same key converge on the same row: the lock
is held until commit, and whoever takes it second sees the first one's committed batch.
"""

import zlib
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from gradebook.models import ItemResult, LessonMastery, MasteryCredit, XpEntry

from .models import DailyActivity, TimeSpentFact


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
    return values


def on_learning_changed(sender, keys, **kwargs) -> None:
    """gradebook.signals.learning_changed: XP, results or mastery changed outside the
    pipeline (gradebook API, logger); bring those days' rollups up to date."""
    recompute(keys)
