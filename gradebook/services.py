"""Writes to the gradebook: XP ledger, flags, mastery and results. The event pipeline, the
gradebook API (and later the logger) call these; each is idempotent, so a redelivered task
or a repeated PUT writes nothing new.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from core import bulk, locks
from rostering import zones
from rostering.models import CourseComponent, PartnerApp, Status
from rostering.services import upsert_by_sourced_id

from . import credit
from . import xp as rules
from .models import (
    AssessmentLineItem,
    AssessmentResult,
    LessonMastery,
    MasteryCredit,
    PendingLessonMastery,
    XpEntry,
    XpFlag,
)
from .signals import (
    notify_learning_changed,
    notify_results_recorded,
    notify_test_results_imported,
)


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
    if target < 0:
        group = (student_id, course_id, partner_app_id)
        _refuse_corrections_beyond_credit({group: (delta, target)}, field="metadata")
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


def credit_xp_statement(
    *,
    source_key: str,
    target,
    credited,
    entries: int,
    kind: str,
    student_id: int,
    course_id: int,
    lesson_id: int | None,
    partner_app_id: int | None,
    occurred_on: date,
) -> tuple[str, list] | None:
    """`credit_xp` for a caller that read the source's credit so far itself (`credited`, the
    sum of its entries, and `entries`, their number) under a lock that keeps every other
    writer of the source out: the statement (SQL, params) that writes the ledger entry
    bringing the source to `target`, for the caller to send with its own writes in one round
    trip (the logger: a try's source is written only under the try's lock); None when the
    total is already right. The same rule and refusal as credit_xp."""
    delta = rules.correction(target=target, credited=credited or 0)
    if delta == 0:
        return None
    if target < 0:
        group = (student_id, course_id, partner_app_id)
        _refuse_corrections_beyond_credit({group: (delta, target)}, field="metadata")
    table = connection.ops.quote_name(XpEntry._meta.db_table)
    return (
        f"INSERT INTO {table} (source_key, seq, amount, kind, student_id, course_id,"
        " lesson_id, partner_app_id, occurred_on, caused_by_event, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)",
        [
            source_key,
            entries,
            delta,
            kind,
            student_id,
            course_id,
            lesson_id,
            partner_app_id,
            occurred_on,
            timezone.now(),
        ],
    )


MAX_CORRECTION = Decimal(10_000)


@transaction.atomic
def correct_xp(*, entry: XpEntry, amount: Decimal) -> XpEntry:
    """Correct the XP a ledger entry credited by writing a correcting entry of `amount`
    (negative withdraws) for the same student, course, lesson and day. The ledger is never
    edited; the correction is a source of its own (gradebook.credit.correction_key), so a
    later recomputation of the corrected source leaves it in place. The day's rollup is
    recomputed like after any other credit."""
    amount = Decimal(amount)
    if amount == 0 or abs(amount) > MAX_CORRECTION:
        raise ValidationError({"amount": f"must be non-zero and at most {MAX_CORRECTION} XP."})
    if amount < 0:
        group = (entry.student_id, entry.course_id, entry.partner_app_id)
        _refuse_corrections_beyond_credit({group: (amount, amount)}, field="amount")
    correction = XpEntry.objects.create(
        source_key=credit.correction_key(entry.source_key, uuid.uuid4().hex),
        seq=0,
        amount=amount,
        kind=entry.kind,
        student_id=entry.student_id,
        course_id=entry.course_id,
        lesson_id=entry.lesson_id,
        partner_app_id=entry.partner_app_id,
        occurred_on=entry.occurred_on,
    )
    notify_learning_changed({(entry.student_id, entry.course_id, entry.occurred_on)})
    return correction


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


def set_mastered_units(
    *, source_key, units, student_id, course_id, occurred_on, questions=0, correct_questions=0
) -> None:
    """The mastered units (and questions answered, answered correctly) one source reports;
    a later report of the source replaces them."""
    MasteryCredit.objects.update_or_create(
        source_key=source_key,
        defaults={
            "student_id": student_id,
            "course_id": course_id,
            "units": rules.as_decimal(units),
            "questions": credit.question_count(questions),
            "correct_questions": credit.question_count(correct_questions),
            "occurred_on": occurred_on,
        },
    )


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


# --- the same writes for many sources at once (events.pipeline, one batch of events) ---
#
# The pipeline recomputes every XP source of a batch after reading what they were credited
# and mastered under the sources' locks (events.pipeline.recompute_xp_sources); writing
# them one by one cost a dozen round trips per activity, most of a batch's time. These
# write the same rows in one statement per table. Each source appears once per call.


def credit_xp_many(credits: list[dict], *, credited: dict[str, tuple]) -> int:
    """`credit_xp` for many sources: `credits` are credit_xp's keyword arguments, and
    `credited` is {source key: (XP credited so far, entries so far)}, read by the caller
    under the sources' locks. Writes one ledger entry per source whose total changes (a
    clash on (source_key, seq) raises, as credit_xp's does); answers how many."""
    entries = []
    changes: dict[tuple, list] = {}  # (student, course, app) -> [change, lowest target]
    for one in credits:
        fields = dict(one)
        key, target = fields.pop("source_key"), fields.pop("target")
        total, count = credited.get(key) or (0, 0)
        delta = rules.correction(target=target, credited=total or 0)
        if delta != 0:
            entries.append({"source_key": key, "seq": count, "amount": delta, **fields})
            group = (fields["student_id"], fields["course_id"], fields["partner_app_id"])
            change = changes.setdefault(group, [Decimal(0), Decimal(0)])
            change[0] += delta
            change[1] = min(change[1], Decimal(target))
    corrected = {group: tuple(change) for group, change in changes.items() if change[1] < 0}
    if corrected:
        _refuse_corrections_beyond_credit(corrected)
    bulk.insert_rows(XpEntry, entries)
    return len(entries)


def _refuse_corrections_beyond_credit(changes: dict[tuple, tuple], field: str | None = None):
    """Raise a ValidationError (a rule violation) when a correction would take a student's XP from an app and
    course below zero (gradebook.credit.correction_refusal decides). `changes` is
    {(student id, course id, app id): (what the ledger would add, the lowest target)}. The
    totals are read under a lock per group, so two corrections cannot both spend the same
    credit."""
    locks.xact_lock(locks.XP_TOTALS, ["|".join(map(str, group)) for group in changes])
    totals = dict.fromkeys(changes, Decimal(0))
    rows = (
        XpEntry.objects.filter(
            student_id__in={g[0] for g in changes}, course_id__in={g[1] for g in changes}
        )
        .values_list("student_id", "course_id", "partner_app_id")
        .annotate(total=Sum("amount"))
    )
    for student_id, course_id, app_id, total in rows:
        if (student_id, course_id, app_id) in totals:
            totals[(student_id, course_id, app_id)] = total or Decimal(0)
    for group, (change, target) in changes.items():
        reason = credit.correction_refusal(target=target, change=change, credited=totals[group])
        if reason:
            raise ValidationError({field: [reason]} if field else reason)


def record_xp_plausibilities(claims: list[dict]) -> None:
    """`record_xp_plausibility` for many sources (its keyword arguments, one dict each)."""
    flags = [
        {
            "source_key": claim["source_key"],
            "student_id": claim["student_id"],
            "course_id": claim["course_id"],
            "partner_app_id": claim["partner_app_id"],
            "reported_xp": rules.xp(claim["reported_xp"]),
            "active_seconds": int(claim["active_seconds"]),
            "flagged": rules.is_implausible(
                reported_xp=claim["reported_xp"], active_seconds=claim["active_seconds"]
            ),
            "occurred_on": claim["occurred_on"],
        }
        for claim in claims
    ]
    bulk.insert_rows(
        XpFlag,
        flags,
        conflict=("source_key",),
        # What record_xp_plausibility's update_or_create sets; updated_at stays the first's.
        update=(
            "student",
            "course",
            "partner_app",
            "reported_xp",
            "active_seconds",
            "flagged",
            "occurred_on",
        ),
    )


def set_mastered_units_many(reports: list[dict]) -> None:
    """`set_mastered_units` for many sources (its keyword arguments, one dict each)."""
    credits = [
        {
            "source_key": report["source_key"],
            "student_id": report["student_id"],
            "course_id": report["course_id"],
            "units": rules.as_decimal(report["units"]),
            "questions": credit.question_count(report.get("questions", 0)),
            "correct_questions": credit.question_count(report.get("correct_questions", 0)),
            "occurred_on": report["occurred_on"],
        }
        for report in reports
    ]
    bulk.insert_rows(
        MasteryCredit,
        credits,
        conflict=("source_key",),
        update=("student", "course", "units", "questions", "correct_questions", "occurred_on"),
    )


def record_lesson_masteries(masteries: list[dict]) -> dict[tuple, datetime]:
    """`record_lesson_mastery` for many (student, lesson) pairs, each once (its keyword
    arguments, one dict each). New pairs are inserted in one statement; a pair already
    mastered (earlier, or by a concurrent writer) goes through record_lesson_mastery, where
    the earliest time wins. Answers {(student id, lesson id): the earlier recorded time}
    of the pairs this moved."""
    if not masteries:
        return {}
    bulk.insert_rows(
        LessonMastery,
        [
            {
                "student_id": m["student_id"],
                "lesson_id": m["lesson_id"],
                "course_id": m["course_id"],
                "mastered_at": m["at"],
                "source_key": m["source_key"],
            }
            for m in masteries
        ],
        ignore_conflicts=True,
    )
    pairs = {(m["student_id"], m["lesson_id"]): m for m in masteries}
    students = {s for s, _ in pairs}
    lessons = {lesson for _, lesson in pairs}
    stored = LessonMastery.objects.filter(student_id__in=students, lesson_id__in=lessons)
    moved = {}
    for student_id, lesson_id, source_key in stored.values_list(
        "student_id", "lesson_id", "source_key"
    ):
        mastery = pairs.get((student_id, lesson_id))
        if mastery is not None and source_key != mastery["source_key"]:
            moved_from = record_lesson_mastery(**mastery)  # there before: earliest wins
            if moved_from is not None:
                moved[(student_id, lesson_id)] = moved_from
    return moved


def propose_lesson_masteries(masteries: list[dict]) -> None:
    """`record_lesson_masteries` once the caller's transaction committed: the masteries (its
    keyword arguments, plus `day`: the local day of `at` in the student's school) are
    stored as pending (PendingLessonMastery, one statement that conflicts with nothing) and
    recorded by `settle_lesson_masteries`, which the caller runs after its commit. Two
    workers' batches mastering the same lesson then never wait on each other: inserting the
    same LessonMastery made the second wait on the first's uncommitted row until that
    batch committed."""
    bulk.insert_rows(
        PendingLessonMastery,
        [
            {
                "student_id": m["student_id"],
                "lesson_id": m["lesson_id"],
                "course_id": m["course_id"],
                "mastered_at": m["at"],
                "day": m["day"],
                "source_key": m["source_key"],
            }
            for m in masteries
        ],
    )


def settle_lesson_masteries() -> int:
    """Record every committed pending lesson mastery (anyone's) with record_lesson_masteries,
    in transactions of their own, one session at a time (`core.locks.settle_pending`), and
    announce the (student, course, day) keys whose lesson count it changed
    (`learning_changed`, after_commit: the caller then sends `learning_committed`); answers
    how many were settled. Of several pending masteries of one (student, lesson), the
    earliest counts (as record_lesson_mastery keeps the earliest, whatever the order)."""
    return locks.settle_pending(
        PendingLessonMastery,
        "lesson masteries",
        "id, student_id, lesson_id, course_id, mastered_at, day, source_key",
        _settle_claimed,
    )


def _settle_claimed(rows: list[tuple]) -> int:
    earliest = {}
    for pk, student_id, lesson_id, course_id, at, day, source_key in rows:
        pair = (student_id, lesson_id)
        known = earliest.get(pair)
        if known is None or (at, pk) < (known["at"], known["pk"]):
            earliest[pair] = {
                "pk": pk,
                "student_id": student_id,
                "lesson_id": lesson_id,
                "course_id": course_id,
                "at": at,
                "day": day,
                "source_key": source_key,
            }
    masteries = [{k: v for k, v in m.items() if k not in ("pk", "day")} for m in earliest.values()]
    moved = record_lesson_masteries(masteries)
    keys = {(m["student_id"], m["course_id"], m["day"]) for m in earliest.values()}
    moves = [(earliest[pair], at) for pair, at in moved.items()]
    days = zones.local_days([(m["student_id"], at) for m, at in moves])
    keys |= {
        (m["student_id"], m["course_id"], day) for (m, _), day in zip(moves, days, strict=True)
    }
    notify_learning_changed(keys, after_commit=True)
    return len(earliest)


def record_results(results: list[dict]) -> None:
    """`record_result` for many results (its keyword arguments, one dict each, distinct
    sourcedIds): the line items of their lessons read (or created) once, the results
    upserted in one statement."""
    if not results:
        return
    wanted = {}  # line item sourcedId -> the result that names it first
    for r in results:
        wanted.setdefault(r.get("line_item_id") or line_item_id(r["lesson"]), r)
    line_items = AssessmentLineItem.objects.in_bulk(list(wanted), field_name="sourced_id")
    missing = {key: r for key, r in wanted.items() if key not in line_items}
    line_items |= _new_line_items(missing)
    now = timezone.now()
    # One statement carrying the rows as one JSON document (core.bulk): bulk_create's
    # placeholder per value was most of the cost of a batch's results.
    bulk.insert_rows(
        AssessmentResult,
        [
            {
                "sourced_id": r["sourced_id"],
                "line_item_id": line_items[r.get("line_item_id") or line_item_id(r["lesson"])].pk,
                "student_id": r["student_id"],
                "course_id": _course_of(r),
                "lesson": r["lesson"],
                "score": r["score"],
                "score_status": r["score_status"],
                "score_date": r["score_date"],
                "metadata": r["metadata"],
                "learning_objective_set": r.get("learning_objective_set") or [],
                "date_last_modified": now,
            }
            for r in results
        ],
        conflict=("sourced_id",),
        # What record_result's update_or_create sets, and the save's dateLastModified.
        update=(
            "line_item",
            "student",
            "course",
            "lesson",
            "score",
            "score_status",
            "score_date",
            "metadata",
            "learning_objective_set",
            "date_last_modified",
        ),
    )
    notify_results_recorded(r["sourced_id"] for r in results)


def missing_line_items(wanted: dict[str, dict]) -> dict[str, dict]:
    """Of the line items `wanted` ({sourcedId: a result of record_results that names it}),
    those not stored yet (one query)."""
    if not wanted:
        return {}
    stored = set(
        AssessmentLineItem.objects.filter(sourced_id__in=list(wanted)).values_list(
            "sourced_id", flat=True
        )
    )
    return {key: result for key, result in wanted.items() if key not in stored}


def create_line_items(wanted: dict[str, dict]) -> None:
    """Create the line items `wanted` names (as record_results would) in a short transaction
    of their own, before the caller's long one: a line item created inside a batch's
    transaction made another worker's batch that needed it wait until the first committed
    (its insert waits on the uncommitted row). Two such short transactions wait on each
    other for milliseconds at most."""
    with transaction.atomic():
        _new_line_items(missing_line_items(wanted))


def _new_line_items(missing: dict[str, dict]) -> dict[str, AssessmentLineItem]:
    """The line items results of `record_results` name that do not exist yet, created: a
    lesson's (line_item_for_lesson), or an activity's attempts line item (`line_item_id` and
    `line_item_title` given), titled from the activity. The attempts line items, one per
    activity (a batch of new activities names hundreds), are inserted in one statement and
    read back in one (a line item a concurrent writer created first is kept as it is, as
    get_or_create would), instead of a SELECT and an INSERT each."""
    made = {}
    activities = []
    for sourced_id, result in missing.items():
        lesson = result["lesson"]
        if not result.get("line_item_id"):
            made[sourced_id] = line_item_for_lesson(lesson, result["app"])
            continue
        title = result.get("line_item_title") or (lesson.title if lesson else sourced_id)
        activities.append(
            AssessmentLineItem(
                sourced_id=sourced_id,
                title=title[:255],
                course_id=_course_of(result),
                lesson=lesson,
                partner_app=result["app"],
            )
        )
    if activities:
        AssessmentLineItem.objects.bulk_create(activities, ignore_conflicts=True)
        made |= AssessmentLineItem.objects.in_bulk(
            [item.sourced_id for item in activities], field_name="sourced_id"
        )
    return made


def _course_of(result: dict):
    """A result's course: its lesson's, else the one given (an activity outside the
    catalogue is credited to its course, docs/events.md#rejected-parked-and-failed)."""
    lesson = result["lesson"]
    return lesson.course_id if lesson is not None else result["course_id"]


LESSON_LINE_ITEM_SUFFIX = ":assessment"


def line_item_id(lesson: CourseComponent) -> str:
    return f"{lesson.sourced_id}{LESSON_LINE_ITEM_SUFFIX}"


def attempts_line_item_missing_sql(object_id_sql: str, course_sourced_id_sql: str) -> str:
    """SQL that is true when the attempts line item of the activity `object_id_sql` in the
    course `course_sourced_id_sql` (credit.attempt_line_item_id's rule) is not stored."""
    items = connection.ops.quote_name(AssessmentLineItem._meta.db_table)
    sourced_id = (
        f"'caliper_' || encode(sha256(convert_to(COALESCE({object_id_sql}, '') || '_' ||"
        f" {course_sourced_id_sql}, 'UTF8')), 'hex')"
    )
    return f"NOT EXISTS (SELECT 1 FROM {items} li WHERE li.sourced_id = {sourced_id})"


def lessons_without_line_item_sql(lesson_ids_sql: str) -> str:
    """SQL answering which of the lessons `lesson_ids_sql` (a subquery of lesson ids) have
    no line item yet (the ones `line_item_for_lesson` would create), for a caller that asks
    in one statement with its own reads."""
    quote = connection.ops.quote_name
    items = quote(AssessmentLineItem._meta.db_table)
    lessons = quote(CourseComponent._meta.db_table)
    return (
        f"SELECT c.id FROM {lessons} c WHERE c.id IN ({lesson_ids_sql}) AND NOT EXISTS"
        f" (SELECT 1 FROM {items} li WHERE li.sourced_id = c.sourced_id || '{LESSON_LINE_ITEM_SUFFIX}')"
    )


def line_item_for_lesson(lesson: CourseComponent, app: PartnerApp | None) -> AssessmentLineItem:
    """The assessment line item results of a lesson's events are recorded against."""
    item, _ = AssessmentLineItem.objects.get_or_create(
        sourced_id=line_item_id(lesson),
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
    learning_objective_set=None,
    notify: bool = True,
) -> AssessmentResult:
    """Upsert the assessment result an event produced (its sourcedId derives from the event).
    `learning_objective_set` is its per-standard scores (OneRoster 1.2's shape), when the
    event carries them. `notify=False`: the caller announces a batch's results at once."""
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
            "learning_objective_set": learning_objective_set or [],
        },
    )
    if notify:
        notify_results_recorded([sourced_id])
    return result


# --- assessment results written through the gradebook API ---
#
# A result an app writes directly (not derived from an event) earns what its metadata says
# (gradebook.credit.result_credit), through the same ledger, mastery credits and lesson
# mastery as events, each keyed by the result so a re-PUT replaces its value (the keys are
# gradebook.credit's result_xp_key and result_key). A soft-deleted result earns nothing: its
# XP and mastered units are withdrawn. Lesson mastery, once reached, stays (as with events: a
# lesson is never un-mastered).


@transaction.atomic
def upsert_assessment_result(*, sourced_id: str, **fields) -> tuple[AssessmentResult, bool]:
    """Create or update an API-written assessment result and bring what it earns up to date."""
    before = AssessmentResult._base_manager.filter(sourced_id=sourced_id).first()
    result, created, changed = upsert_by_sourced_id(
        AssessmentResult, sourced_id=sourced_id, fields=fields
    )
    if changed:
        credit_assessment_result(
            result, earlier_day=_day(before.student_id, before.score_date) if before else None
        )
        if result.line_item.sourced_id.startswith(credit.STANDARDIZED_TEST_PREFIX):
            _notify_standardized([result.student_id], [result.line_item])
        notify_results_recorded([result.sourced_id])
    return result, created


# --- standardized test results (docs/closed-loop.md) ---
#
# Written by outcomes.imports (the command and the admin upload): line items with no course
# and no app, results that earn nothing. Many at once, so the statements are bulk ones; a
# re-import of the same file writes nothing (dateLastModified does not move) and an updated
# row is updated in place (the sourcedIds derive from the test, not from the file).

STANDARDIZED_RESULT_FIELDS = (
    "line_item_id",
    "student_id",
    "score",
    "score_status",
    "score_date",
    "learning_objective_set",
    "metadata",
    "status",
)


@dataclass
class StandardizedCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def record_standardized_results(
    *, line_items: list[dict], results: list[dict]
) -> StandardizedCounts:
    """Upsert standardized test line items (`sourced_id`, `title`, `metadata`) and their
    results (`sourced_id`, `line_item_id` (a sourcedId), `student_id`, `score`,
    `score_date`, `learning_objective_set`, `metadata`); every sourcedId must start with
    STANDARDIZED_TEST_PREFIX. Sends `test_results_imported` for what was created or
    changed. Answers how many results were created, updated and left unchanged."""
    for row in [*line_items, *(r | {"sourced_id": r["line_item_id"]} for r in results)]:
        if not row["sourced_id"].startswith(credit.STANDARDIZED_TEST_PREFIX):
            raise ValueError(f"'{row['sourced_id']}' is not a standardized test sourcedId")
    items = _upsert_standardized_line_items(line_items)
    now = timezone.now()
    stored = {
        r["sourced_id"]: r
        for r in AssessmentResult._base_manager.filter(
            sourced_id__in=[r["sourced_id"] for r in results]
        ).values("sourced_id", *STANDARDIZED_RESULT_FIELDS)
    }
    counts, written = StandardizedCounts(), []
    for r in results:
        row = {
            "line_item_id": items[r["line_item_id"]].pk,
            "student_id": r["student_id"],
            "score": Decimal(str(r["score"])) if r["score"] is not None else None,
            "score_status": "fully graded",
            "score_date": r["score_date"],
            "learning_objective_set": r.get("learning_objective_set") or [],
            "metadata": r["metadata"],
            "status": Status.ACTIVE,
        }
        before = stored.get(r["sourced_id"])
        if before is None:
            counts.created += 1
        elif all(_same(before[name], row[name]) for name in STANDARDIZED_RESULT_FIELDS):
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        written.append(AssessmentResult(sourced_id=r["sourced_id"], date_last_modified=now, **row))
    AssessmentResult.objects.bulk_create(
        written,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["sourced_id"],
        update_fields=[
            name.removesuffix("_id") if name.endswith("_id") else name
            for name in STANDARDIZED_RESULT_FIELDS
        ]
        + ["date_last_modified"],
    )
    if written:
        by_pk = {item.pk: item for item in items.values()}
        _notify_standardized(
            [r.student_id for r in written], [by_pk[r.line_item_id] for r in written]
        )
        # A standardized test is a mastery test: hole filling reads its per-standard scores.
        notify_results_recorded([r.sourced_id for r in written])
    return counts


def _upsert_standardized_line_items(line_items: list[dict]) -> dict[str, AssessmentLineItem]:
    items = AssessmentLineItem._base_manager.in_bulk(
        [i["sourced_id"] for i in line_items], field_name="sourced_id"
    )
    for wanted in line_items:
        fields = {
            "title": wanted["title"][:255],
            "metadata": wanted["metadata"],
            "course": None,
            "lesson": None,
            "partner_app": None,
            "status": Status.ACTIVE,
        }
        item, _, _ = upsert_by_sourced_id(
            AssessmentLineItem, sourced_id=wanted["sourced_id"], fields=fields
        )
        items[item.sourced_id] = item
    return items


def _same(stored, wanted) -> bool:
    if isinstance(stored, Decimal) and wanted is not None:
        return stored == Decimal(str(wanted))
    return stored == wanted


def _notify_standardized(student_ids, line_items) -> None:
    notify_test_results_imported(
        student_ids=student_ids,
        subjects={
            (item.metadata.get("standardizedTest") or {}).get("subject")
            for item in line_items
            if (item.metadata.get("standardizedTest") or {}).get("subject")
        },
        line_item_ids={item.sourced_id for item in line_items},
    )


@transaction.atomic
def soft_delete_assessment_result(result: AssessmentResult) -> None:
    if result.status != Status.TOBEDELETED:
        result.status = Status.TOBEDELETED
        result.save(update_fields=["status"])
        credit_assessment_result(result)


def credit_assessment_result(result: AssessmentResult, earlier_day: date | None = None) -> None:
    """Make the XP, mastered units and lesson mastery credited for `result` match it now."""
    if result.course_id is None:
        return  # no course, nothing to count it towards
    day = _day(result.student_id, result.score_date)
    touched = {(result.student_id, result.course_id, day)}
    if earlier_day is not None and earlier_day != day:
        touched.add((result.student_id, result.course_id, earlier_day))
        _credit_result_xp(result, earlier_day, Decimal(0))
    earned = credit.result_credit(
        result.metadata,
        score=result.score,
        max_score=result.line_item.result_value_max,
        active=result.status == Status.ACTIVE,
    )
    _credit_result_xp(result, day, earned.xp)
    key = credit.result_key(result.sourced_id)
    if earned.units or earned.questions or MasteryCredit.objects.filter(source_key=key).exists():
        set_mastered_units(
            source_key=key,
            units=earned.units or 0,
            student_id=result.student_id,
            course_id=result.course_id,
            occurred_on=day,
            questions=earned.questions or 0,
            correct_questions=earned.correct or 0,
        )
    if result.lesson_id and earned.masters(result.course.metadata):
        moved_from = record_lesson_mastery(
            student_id=result.student_id,
            lesson_id=result.lesson_id,
            course_id=result.course_id,
            at=result.score_date,
            source_key=key,
        )
        if moved_from is not None:
            touched.add((result.student_id, result.course_id, _day(result.student_id, moved_from)))
    notify_learning_changed(touched)


def _credit_result_xp(result: AssessmentResult, day: date, target) -> None:
    credit_xp(
        source_key=credit.result_xp_key(result.sourced_id, day),
        target=target,
        kind=XpEntry.Kind.REPORTED,
        student_id=result.student_id,
        course_id=result.course_id,
        lesson_id=result.lesson_id,
        partner_app_id=result.course.partner_app_id,
        occurred_on=day,
    )


def _day(student_id: int, moment: datetime) -> date:
    """The local day of the student's school (rostering.zones) the moment falls on."""
    return zones.local_day(student_id, moment)
