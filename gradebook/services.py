"""Writes to the gradebook: XP ledger, flags, mastery and results. The event pipeline (and,
later, the logger and the gradebook API) call these; each is idempotent, so a redelivered
task writes nothing new.
"""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum

from rostering.models import Course, CourseComponent, PartnerApp

from . import xp as rules
from .models import (
    AssessmentLineItem,
    AssessmentResult,
    LessonMastery,
    MasteryCredit,
    XpEntry,
    XpFlag,
)

DEFAULT_MASTERY_THRESHOLD = Decimal(90)


def credit_xp(
    *,
    source_key: str,
    target,
    kind: str,
    student_id: int,
    course_id: int,
    lesson_id: int | None,
    partner_app_id: int | None,
    occurred_on: date,
    caused_by_event: int | None = None,
) -> XpEntry | None:
    """Bring the XP credited for `source_key` to `target` with one ledger entry (or none).

    The entry's (source_key, seq) is unique: if another worker credits the same source at
    the same moment, one of the two inserts fails and its task is retried, after which it
    finds the sum already right and writes nothing.
    """
    so_far = XpEntry.objects.filter(source_key=source_key).aggregate(
        total=Sum("amount"), entries=Count("id")
    )
    delta = rules.correction(target=target, credited=so_far["total"] or 0)
    if delta == 0:
        return None
    return XpEntry.objects.create(
        source_key=source_key,
        seq=so_far["entries"],
        amount=delta,
        kind=kind,
        student_id=student_id,
        course_id=course_id,
        lesson_id=lesson_id,
        partner_app_id=partner_app_id,
        occurred_on=occurred_on,
        caused_by_event=caused_by_event,
    )


def record_xp_plausibility(
    *, source_key, reported_xp, active_seconds, student_id, course_id, partner_app_id, occurred_on
) -> bool:
    """Keep the plausibility verdict of a reported XP claim current; answer whether flagged."""
    flagged = rules.is_implausible(reported_xp=reported_xp, active_seconds=active_seconds)
    XpFlag.objects.update_or_create(
        source_key=source_key,
        defaults={
            "student_id": student_id,
            "course_id": course_id,
            "partner_app_id": partner_app_id,
            "reported_xp": rules.xp(reported_xp),
            "active_seconds": int(active_seconds),
            "flagged": flagged,
            "occurred_on": occurred_on,
        },
    )
    return flagged


def set_mastered_units(*, source_key, units, student_id, course_id, occurred_on) -> None:
    """The mastered units one source reports; a later report of the source replaces it."""
    MasteryCredit.objects.update_or_create(
        source_key=source_key,
        defaults={
            "student_id": student_id,
            "course_id": course_id,
            "units": rules.as_decimal(units),
            "occurred_on": occurred_on,
        },
    )


def mastery_threshold(course: Course) -> Decimal:
    """Accuracy (percent) at which an assessment masters its lesson: the course's
    `metadata.masteryThreshold`, else 90."""
    value = (course.metadata or {}).get("masteryThreshold")
    try:
        return Decimal(str(value)) if value is not None else DEFAULT_MASTERY_THRESHOLD
    except ArithmeticError:
        return DEFAULT_MASTERY_THRESHOLD


def record_lesson_mastery(
    *, student_id, lesson_id, course_id, at: datetime, source_key: str
) -> datetime | None:
    """Mark the lesson mastered; the earliest qualifying time wins, whatever the order.
    Answers the earlier recorded time when this moved it (that day's count changes too)."""
    mastery, created = LessonMastery.objects.get_or_create(
        student_id=student_id,
        lesson_id=lesson_id,
        defaults={"course_id": course_id, "mastered_at": at, "source_key": source_key},
    )
    if not created and at < mastery.mastered_at:
        LessonMastery.objects.filter(pk=mastery.pk, mastered_at__gt=at).update(
            mastered_at=at, source_key=source_key
        )
        return mastery.mastered_at
    return None


def line_item_for_lesson(lesson: CourseComponent, app: PartnerApp | None) -> AssessmentLineItem:
    """The assessment line item results of a lesson's events are recorded against."""
    item, _ = AssessmentLineItem.objects.get_or_create(
        sourced_id=f"{lesson.sourced_id}:assessment",
        defaults={
            "title": lesson.title,
            "course_id": lesson.course_id,
            "lesson": lesson,
            "partner_app": app,
        },
    )
    return item


@transaction.atomic
def record_result(
    *,
    sourced_id: str,
    lesson: CourseComponent,
    student_id: int,
    app,
    score,
    score_status,
    score_date,
    metadata,
) -> AssessmentResult:
    """Upsert the assessment result an event produced (its sourcedId derives from the event)."""
    result, _ = AssessmentResult.objects.update_or_create(
        sourced_id=sourced_id,
        defaults={
            "line_item": line_item_for_lesson(lesson, app),
            "student_id": student_id,
            "course_id": lesson.course_id,
            "lesson": lesson,
            "score": score,
            "score_status": score_status,
            "score_date": score_date,
            "metadata": metadata,
        },
    )
    return result
