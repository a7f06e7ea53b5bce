"""Processing: stored events → facts, and, through the credit policy (gradebook.credit),
XP ledger, results and mastery; the keys a batch touched are announced
(gradebook.signals.learning_changed) for analytics to recompute their daily rollups.

`process(event_ids)` is what a Celery task (or, without a broker, the request itself) runs.
It is safe to run twice and in any order (docs/architecture.md#the-event-pipeline):
- every fact is keyed by its event, every XP entry by (source, seq), every mastery row by
  its natural key, so a redelivered batch writes nothing new;
- handlers look at what is stored (all TimeSpentEvents of a run, the latest ActivityEvent
  of an attempt) rather than at "the previous event", so arrival order does not matter;
- rollups are recomputed (by analytics, once the batch committed) from the ledger and
  facts for the keys a batch touched (marked pending in its transaction), never
  incremented; lesson masteries are recorded then too (earliest wins), so two workers'
  batches never wait on each other's rows (`settle`).
"""

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import orjson
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Sum,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core import bulk, db, locks
from gradebook import credit
from gradebook import services as gradebook
from gradebook import xp as rules
from gradebook.models import ItemResult, LessonMastery, XpEntry
from gradebook.signals import notify_learning_changed, notify_learning_committed
from rostering import zones
from rostering.models import ComponentKind, Course, CourseComponent, PartnerApp, User

from . import caliper, jobs
from .caliper import references
from .models import AssignableFact, CaliperEvent, EventStatus, SessionFact, TimeSpentFact, ViewFact

logger = logging.getLogger(__name__)


# Errors that say the database or the connection is unwell, not the event: the task is
# retried as a whole (events.queue) and the sweep brings the events back; no event is blamed.
TRANSIENT = (OperationalError, InterfaceError)
ERROR_KEPT = 2000  # characters of a failed event's error that are stored


def process(event_ids: list[int], *, claim: int = 0) -> int:
    """Process the stored events among `event_ids` that still wait and, when `claim` is
    larger than their number, up to `claim` events in all: the oldest other pending events
    no other worker is processing. Answers how many were processed.

    A batch is one transaction: one event that cannot be processed would undo the others
    and, retried as a batch, hold them back for ever. So a batch that fails is retried event
    by event (every event it had taken), and an event that fails alone is set aside as
    `failed` with its error (docs/operations.md#failed-events).

    What two workers' batches would both write (a lesson's mastery, a student-day's rollup)
    is settled after the batch commits (`settle`), so they never wait on each other."""
    # A new deployment's events table has no statistics until autovacuum gets to it, and
    # the claim below is planned badly without them (core.db.analyze_if_never_analyzed).
    db.analyze_if_never_analyzed(CaliperEvent._meta.db_table)
    done = _process(event_ids, claim=claim)
    if done:  # a task that found nothing to do left nothing pending
        settle()
    return done


def settle() -> None:
    """Record what committed batches left pending, in transactions of their own: lesson
    masteries (gradebook), then the rollups they and the batches changed (analytics, through
    `learning_committed`). Each is done by one session at a time under a tried lock, so a
    worker never waits for another; what a worker killed meanwhile leaves, the next
    settling or the sweep finds. A failure here is not the batch's (it is committed): it is
    logged, and what stays pending is settled again by the next settling or the sweep."""
    try:
        gradebook.settle_lesson_masteries()
        notify_learning_committed()
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001 - kept pending, settled again later
        logger.exception("Settling what a batch left pending failed; the sweep will retry.")


def _process(event_ids: list[int], *, claim: int = 0) -> int:
    taken: list[int] = []
    try:
        return _process_batch(event_ids, claim=claim, taken=taken)
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001 - any failure of one event: find it, alone
        ids = taken or list(event_ids)
        if len(ids) == 1:
            return _process_alone(ids[0])
        logger.warning("A batch of %d events failed; retrying them one by one.", len(ids))
    return sum(_process_alone(pk) for pk in ids)


def _process_alone(pk: int) -> int:
    # A unique-key clash with a concurrent worker is not the event's fault: one more try
    # finds that worker's rows committed.
    for last_try in (False, True):
        try:
            return _process_batch([pk])
        except TRANSIENT:
            raise
        except IntegrityError as error:
            if last_try:
                return _set_aside(pk, error)
        except Exception as error:  # noqa: BLE001 - the event's own failure
            return _set_aside(pk, error)
    return 0


def _set_aside(pk: int, error: BaseException) -> int:
    text = f"{type(error).__name__}: {error}".replace("\x00", "\\u0000")[:ERROR_KEPT]
    logger.error("Event %s failed and is set aside: %s", pk, text)
    CaliperEvent.objects.filter(pk=pk, status__in=[EventStatus.PENDING, EventStatus.PARKED]).update(
        status=EventStatus.FAILED, error=text, processed_at=timezone.now()
    )
    return 0


class LineItemsMissing(Exception):  # noqa: N818 - a signal to the caller, not an error
    """The batch's results need line items no one has committed yet: they are created in a
    short transaction of their own and the batch is taken again (`_process_batch`)."""

    def __init__(self, wanted: dict[str, dict]):
        super().__init__(f"{len(wanted)} line items to create first")
        self.wanted = wanted


LINE_ITEM_ROUNDS = 2  # batches rolled back for missing line items before creating them inside


def _process_batch(event_ids: list[int], *, claim: int = 0, taken: list | None = None) -> int:
    """`_process_claimed`, after creating the line items its results need that no one has
    committed yet, in a short transaction of their own: created in the batch's long
    transaction, a lesson's line item made every other worker's batch with a result of that
    lesson wait until this one committed. Such a batch is rolled back (nothing but the
    claim and a read done) and taken again; rarely needed (a lesson's or an activity's first
    results)."""
    try:
        _create_line_items_ahead(event_ids, claim)
    except TRANSIENT:
        raise
    except Exception:  # noqa: BLE001 - an event's own fault: the batch finds it, alone
        logger.warning("Creating line items ahead of a batch failed.", exc_info=True)
    for round_ in range(LINE_ITEM_ROUNDS + 1):
        try:
            return _process_claimed(
                event_ids, claim=claim, taken=taken, line_items_first=round_ < LINE_ITEM_ROUNDS
            )
        except LineItemsMissing as missing:
            gradebook.create_line_items(missing.wanted)
    return 0  # not reached: the last round creates what is missing in the batch


def _process_claimed(
    event_ids: list[int], *, claim: int = 0, taken: list | None = None, line_items_first=False
) -> int:
    with transaction.atomic():
        events = _take(event_ids, claim)
        if taken is not None:
            taken[:] = [e.pk for e in events]
        if not events:
            return 0
        jobs.hold_while_processing({e.envelope_id for e in events})
        ready = resolve_parked(events)
        assign_days(ready)
        if line_items_first:
            _check_line_items(ready)
        touched = Touched()
        for handler_type, handler in HANDLERS.items():
            batch = [e for e in ready if e.type == handler_type]
            if batch:
                handler(batch, touched)
        # After every handler: each XP source is recomputed once, seeing all the batch's facts.
        recompute_xp_sources(touched.xp_events + _events(touched.xp_event_ids, ready), touched)
        CaliperEvent.objects.filter(among(CaliperEvent, "id", [e.pk for e in ready])).update(
            status=EventStatus.PROCESSED, processed_at=timezone.now(), error=""
        )
        # Marked in the batch's transaction, recomputed after its commit (settle): a worker
        # killed before the rollups are written leaves the marks for the next settling or
        # the sweep, and two workers never wait on each other's rollup keys.
        notify_learning_changed(touched.keys, after_commit=True)
    return len(ready)


def _create_line_items_ahead(event_ids: list[int], claim: int) -> None:
    """Before the batch's transaction, create the line items the events it is about to take
    will need, so that a batch is rarely taken twice (`LineItemsMissing`): a lesson's (points
    grades, submitted assessments) and an activity's attempts line item (activities asking
    for a result). The events are the task's and the oldest pending ones, as `_take` will
    claim them, read without locking, in one statement that answers nothing once the line
    items exist (it reads an event's body only for an activity, and its `object.process`
    only). The line items themselves are worked out by `_check_line_items`."""
    table = connection.ops.quote_name(CaliperEvent._meta.db_table)
    courses = connection.ops.quote_name(Course._meta.db_table)
    # What the check needs of an activity (whether it asks for a result, its object) is
    # read with the candidate's row rather than by joining the events table again.
    columns = (
        "id, lesson_id, type, course_id, (type = 'ActivityEvent'"
        " AND raw->'object'->'process' = 'true'::jsonb) AS wants, raw->'object'->>'id' AS object"
    )
    kinds = "type IN ('GradeEvent', 'AssessmentEvent', 'ActivityEvent')"
    # The oldest pending events of envelopes no other batch holds, as `_take` finds them.
    free = locks.free_sql(locks.CLAIMS, "envelope_id")
    candidates = (
        f"SELECT {columns} FROM {table} WHERE id = ANY(%s::bigint[]) AND {kinds}"
        " UNION ALL SELECT * FROM ("
        f"SELECT {columns} FROM {table} WHERE status = 'pending' AND {free}"
        " ORDER BY received_at, id LIMIT %s) AS oldest WHERE " + kinds
    )
    lessons = gradebook.lessons_without_line_item_sql(
        "SELECT lesson_id FROM e WHERE type <> 'ActivityEvent'"
    )
    activities = gradebook.attempts_line_item_missing_sql("e.object", "c.sourced_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH e AS ({candidates}) SELECT e.id FROM e"
            f" WHERE e.type <> 'ActivityEvent' AND e.lesson_id IN ({lessons})"
            f" UNION ALL SELECT e.id FROM e JOIN {courses} c ON c.id = e.course_id"
            f" WHERE e.wants AND {activities}",
            [bulk.array_literal(event_ids), max(claim - len(event_ids), 0)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    if ids:
        try:
            _check_line_items(_read("id = ANY(%s::bigint[])", [ids]))
        except LineItemsMissing as missing:
            gradebook.create_line_items(missing.wanted)


def _check_line_items(events: list["StoredEvent"]) -> None:
    """Raise LineItemsMissing when the results the events write need line items that are
    not stored yet (one query): a lesson's, for points grades and submitted assessments;
    an activity's attempts line item, for an activity asking for a result."""
    wanted = {}
    for event in events:
        if event.type == "ActivityEvent":
            if event.course is not None and references.wants_result(event.raw):
                key = credit.attempt_line_item_id(
                    references.object_id(event.raw) or "", event.course.sourced_id
                )
                wanted.setdefault(
                    key,
                    {
                        "line_item_id": key,
                        "line_item_title": references.activity_name(event.raw),
                        "lesson": event.lesson,
                        "course_id": event.course_id,
                        "app": event.partner_app,
                    },
                )
        elif event.lesson is not None and _writes_lesson_result(event):
            wanted.setdefault(
                gradebook.line_item_id(event.lesson),
                {"lesson": event.lesson, "course_id": event.course_id, "app": event.partner_app},
            )
    missing = gradebook.missing_line_items(wanted)
    if missing:
        raise LineItemsMissing(missing)


def _writes_lesson_result(event: "StoredEvent") -> bool:
    """The event writes a result under its lesson's line item (handle_grade,
    handle_assessment)."""
    if event.type == "AssessmentEvent":
        return event.action == "Submitted"
    if event.type == "GradeEvent":
        given, _, score_type = caliper.score_of(parsed(event))
        return given is not None and not credit.is_xp_score(score_type)
    return False


def _take(event_ids: list[int], claim: int) -> list["StoredEvent"]:
    """Lock the events among `event_ids` that still wait and, up to `claim` in all, the
    oldest other pending ones; rows another worker holds are skipped, never waited for, so
    two workers split the backlog between them. Ordered by id.

    Whole envelopes: an event is taken only with its envelope's claim lock (tried, never
    waited for; core.locks.CLAIMS), so the events of one envelope never go to two batches
    running at once. Without it, a claim ending inside an envelope left the rest of it to
    the other worker's next claim, and two claims scanning the same oldest rows at once
    took every other run of them (SKIP LOCKED decides row by row): the TimeSpentEvent of a
    run in one batch, its ActivityEvent in the other, both batches recomputing that
    attempt's XP and the second waiting for the first's commit on its lock. The lock is
    tried in the select list, for the rows the claim returns only (a condition of the scan
    would be tried on every row a sort reads); a row locked without its envelope's lock is
    left alone, pending, for a batch after this one."""
    lock = " FOR UPDATE SKIP LOCKED"
    envelope = locks.try_lock_sql(locks.CLAIMS, "envelope_id")
    events = _read(
        "id = ANY(%s::bigint[]) AND status IN ('pending', 'parked')" + lock,
        [bulk.array_literal(event_ids)],
        mine=envelope,
    )
    more = claim - len(events)
    if more > 0:
        # Oldest first (the partial index event_unprocessed): what waits longest goes first.
        # Rows of envelopes another batch holds are passed over without trying their row
        # locks (a tried row lock another transaction holds costs a lock-manager call: a
        # worker whose every pending event the other held spent ~13 ms on 4,000 of them).
        free = locks.free_sql(locks.CLAIMS, "envelope_id")
        events += _read(
            f"status = 'pending' AND NOT id = ANY(%s::bigint[]) AND {free}"
            " ORDER BY received_at, id LIMIT %s" + lock,
            [bulk.array_literal(event_ids), more],
            mine=envelope,
        )
    events.sort(key=lambda e: e.id)
    return events


class StoredEvent:
    """A stored event as the pipeline reads it: the columns of its row, its course, lesson
    and app (model instances, shared by the batch's events) and what the batch works out
    for it (its reading and local day). Read from tuples rather than built as model
    instances: building a thousand CaliperEvents and prefetching their relations was a
    third of a batch's Python time."""

    COLUMNS = (
        "id",
        "partner_app_id",
        "event_id",
        "envelope_id",
        "type",
        "action",
        "event_time",
        "student_ref",
        "course_ref",
        "student_id",
        "course_id",
        "lesson_id",
        "run_key",
        "activity_key",
        "status",
    )
    __slots__ = (
        *COLUMNS,
        *("raw", "lesson_refs", "course", "lesson", "partner_app", "local_day", "reading"),
    )

    @property
    def pk(self) -> int:
        return self.id


def _read(where: str, params: list, *, mine: str = "") -> list[StoredEvent]:
    """The events table's rows matching `where` (SQL after WHERE, may end with ORDER BY,
    LIMIT, FOR UPDATE), as StoredEvents with their relations; with `mine` (a boolean SQL
    expression of the select list), only the rows for which it is true."""
    columns = StoredEvent.COLUMNS
    table = connection.ops.quote_name(CaliperEvent._meta.db_table)
    # `mine` in the select list of a query around it: worked out for the rows the inner
    # query returns (locked, past its LIMIT), not for every row it reads or skips.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT *, {mine or 'true'} FROM (SELECT {', '.join(columns)}, raw::text AS raw,"
            f" lesson_refs::text AS lesson_refs FROM {table} WHERE {where}) AS read",
            params,
        )
        rows = [row[:-1] for row in cursor.fetchall() if row[-1]]
    events = []
    for row in rows:
        event = StoredEvent()
        for name, value in zip(columns, row, strict=False):
            setattr(event, name, value)
        event.raw, event.lesson_refs = _json(row[-2]), _json(row[-1])
        events.append(event)
    _relate(events)
    return events


def _json(text: str):
    """A jsonb column's value, read with orjson (json's own reader for what orjson refuses,
    e.g. integers beyond 64 bits written behind ingestion's back)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _relate(events: list[StoredEvent]) -> None:
    """Each event's course, lesson and app: one query per relation for the batch."""
    for name, model in (
        ("course", Course),
        ("lesson", CourseComponent),
        ("partner_app", PartnerApp),
    ):
        ids = {getattr(e, f"{name}_id") for e in events} - {None}
        found = model.objects.in_bulk(ids) if ids else {}
        for event in events:
            setattr(event, name, found.get(getattr(event, f"{name}_id")))


class Touched:
    """The (student, course, day) rollup keys a batch changed, and the events whose XP
    sources it must recompute."""

    def __init__(self):
        self.keys: set[tuple[int, int, object]] = set()
        self.xp_events: list[StoredEvent] = []
        self.xp_event_ids: set[int] = set()

    def add(self, student_id, course_id, day):
        if student_id and course_id:
            self.keys.add((student_id, course_id, day))


def _events(ids: set[int], in_hand: list[StoredEvent]) -> list[StoredEvent]:
    """The events `ids`, taken from `in_hand` when there, else read."""
    known = {e.pk: e for e in in_hand if e.pk in ids}
    missing = ids - known.keys()
    if missing:
        known.update(
            (e.pk, e) for e in _read("id = ANY(%s::bigint[])", [bulk.array_literal(missing)])
        )
    return list(known.values())


def resolve_parked(events: list[StoredEvent]) -> list[StoredEvent]:
    """Re-resolve the references of parked events (the roster or catalogue may have caught
    up); answer the events that can be processed now. The rest stay parked."""
    parked = [e for e in events if e.status == EventStatus.PARKED]
    if parked:
        students = dict(
            User.objects.filter(sourced_id__in={e.student_ref for e in parked}).values_list(
                "sourced_id", "pk"
            )
        )
        courses = {
            c.sourced_id: c
            for c in Course.objects.filter(
                sourced_id__in={e.course_ref for e in parked if e.course_ref}
            )
        }
        lessons = {
            lesson.sourced_id: lesson
            for lesson in CourseComponent.objects.select_related("course").filter(
                sourced_id__in={r for e in parked for r in e.lesson_refs}, kind=ComponentKind.LESSON
            )
        }
        for event in parked:
            _resolve(event, students, courses, lessons)
    return [e for e in events if e.status == EventStatus.PENDING]


def _resolve(event, students, courses, lessons) -> None:
    event.student_id = students.get(event.student_ref)
    lesson = next((lessons[r] for r in event.lesson_refs if r in lessons), None)
    event.lesson, event.lesson_id = lesson, lesson.pk if lesson else None
    event.course = (
        courses.get(event.course_ref) if event.course_ref else (lesson.course if lesson else None)
    )
    event.course_id = event.course.pk if event.course else None
    missing = references.unresolved(
        event.type,
        student_ref=event.student_ref,
        student_known=event.student_id is not None,
        course_ref=event.course_ref,
        course_known=event.course is not None,
        lesson_refs=event.lesson_refs,
        lesson_known=lesson is not None,
    )
    if not missing:
        event.status = EventStatus.PENDING
        CaliperEvent.objects.filter(pk=event.pk).update(
            student_id=event.student_id,
            course_id=event.course_id,
            lesson_id=event.lesson_id,
            status=event.status,
        )


def parsed(event: StoredEvent):
    """What the handlers read of a stored event (its names; its scores and items from its
    raw JSON), read once per event: it was validated when it was accepted, so it is read,
    not validated again (that was a sixth of a batch). Its references are the row's own
    columns (student, course, lessons, run and activity keys), so they are not read from
    its JSON again (a fifth of a batch's Python)."""
    reading = getattr(event, "reading", None)
    if reading is None:
        reading = event.reading = caliper.read_stored(event.raw, references=False)
    return reading


def day_of(event: StoredEvent):
    """The local day of the event in its student's school (rostering.zones): set for a whole
    batch at once by `assign_days`; one query for an event that came without it."""
    day = getattr(event, "local_day", None)
    if day is None:
        assign_days([event])
        day = event.local_day
    return day


def assign_days(events: list[StoredEvent]) -> None:
    """Each event's local day in its student's school zone (rostering.zones): the zone of
    each student of the events read in one statement, the day of each event taken in it
    here. (Bucketing every event in SQL sent three parameters and ran the zone's subqueries
    per event: a tenth of a thousand-event batch.)"""
    missing = [e for e in events if getattr(e, "local_day", None) is None]
    if not missing:
        return
    zone, params = zones.student_zone_sql("s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s, {zone} FROM unnest(%s::bigint[]) AS s",
            [*params, list({e.student_id for e in missing})],
        )
        zone_of = {student_id: ZoneInfo(name) for student_id, name in cursor.fetchall()}
    for event in missing:
        event.local_day = event.event_time.astimezone(zone_of[event.student_id]).date()


# --- handlers: one per event type, each over a batch of that type ---


def handle_time_spent(batch, touched: Touched) -> None:
    facts = []
    for event in batch:
        items = caliper.timeback_items(parsed(event))
        facts.append(
            {
                **fact_fields(event),
                "run_key": event.run_key,
                "active": int(items.get("active", 0)),
                "inactive": int(items.get("inactive", 0)),
                "waste": int(items.get("waste", 0)),
                "unknown": int(items.get("unknown", 0)),
                "anti_pattern": int(items.get("anti-pattern", 0)),
            }
        )
        touched.add(event.student_id, event.course_id, day_of(event))
    bulk.insert_rows(TimeSpentFact, facts, ignore_conflicts=True)
    # Active time changes the computed XP and the plausibility of reported XP of the same
    # runs, whichever arrived first.
    runs = any_of(("student_id", "run_key"), {(e.student_id, e.run_key) for e in batch})
    credited = CaliperEvent.objects.filter(runs, type__in=["ActivityEvent", "GradeEvent"]).exclude(
        status=EventStatus.PARKED
    )
    touched.xp_event_ids.update(credited.values_list("pk", flat=True))


def handle_activity(batch, touched: Touched) -> None:
    touched.xp_events += batch


def handle_grade(batch, touched: Touched) -> None:
    """Points grades: one result each, written for the whole batch in one statement
    (gradebook.record_results); the grades that reach the course's mastery threshold master
    their lesson. XP grades are XP sources (recompute_xp_sources)."""
    touched.xp_events += batch
    results, masters = [], []
    for event in batch:
        given, maximum, score_type = caliper.score_of(parsed(event))
        if credit.is_xp_score(score_type) or given is None:
            continue
        accuracy = credit.grade_accuracy(given, maximum)
        results.append(
            _event_result(
                event,
                score=Decimal(str(given)),
                score_status="fully graded",
                metadata={"accuracy": float(accuracy)} if accuracy is not None else {},
            )
        )
        if _masters_lesson(event, accuracy, {}):
            masters.append(event)
    gradebook.record_results(results)
    if masters:
        writes = SourceWrites()
        mastered = _mastered_lessons(masters)
        for event in masters:
            if _masters_lesson(event, Decimal(100), mastered, threshold_met=True):
                writes.master(event)
        writes.save_masteries(touched)


def handle_assessment(batch, touched: Touched) -> None:
    gradebook.record_results(
        [
            _event_result(event, score=None, score_status="submitted", metadata={})
            for event in batch
            if event.action == "Submitted"
        ]
    )


def _event_result(event: StoredEvent, **fields) -> dict:
    """The assessment result a grade or assessment event produces (record_result's keyword
    arguments): under its lesson's line item, dated at the event."""
    return {
        "sourced_id": result_id(event),
        "lesson": event.lesson,
        "course_id": event.lesson.course_id,
        "student_id": event.student_id,
        "app": event.partner_app,
        "score_date": event.event_time,
        "learning_objective_set": references.learning_objective_set(event.raw),
        **fields,
    }


def handle_assessment_item(batch, touched: Touched) -> None:
    rows = []
    for event in batch:
        if event.action != "Completed":
            continue
        rows.append(
            {
                "source_event": event.pk,
                "student_id": event.student_id,
                "course_id": event.course_id,
                "lesson_id": event.lesson_id,
                "item_ref": references.object_id(event.raw) or "",
                "correct": references.item_correct(event.raw),
                "answered_at": event.event_time,
                "occurred_on": day_of(event),
            }
        )
        touched.add(event.student_id, event.course_id, day_of(event))
    bulk.insert_rows(ItemResult, rows, ignore_conflicts=True)


def fact_fields(event: StoredEvent) -> dict:
    """What every fact row takes from its event."""
    return {
        "event_id": event.pk,
        "student_id": event.student_id,
        "course_id": event.course_id,
        "lesson_id": event.lesson_id,
        "at": event.event_time,
        "occurred_on": day_of(event),
    }


def handle_session(batch, touched: Touched) -> None:
    bulk.insert_rows(
        SessionFact,
        [
            {
                **fact_fields(e),
                "action": e.action,
                "session_ref": references.session_id(e.raw) or "",
            }
            for e in batch
        ],
        ignore_conflicts=True,
    )


def handle_view(batch, touched: Touched) -> None:
    bulk.insert_rows(
        ViewFact,
        [{**fact_fields(e), "object_ref": references.object_id(e.raw) or ""} for e in batch],
        ignore_conflicts=True,
    )


def handle_assignable(batch, touched: Touched) -> None:
    bulk.insert_rows(
        AssignableFact,
        [
            {**fact_fields(e), "action": e.action, "object_ref": references.object_id(e.raw) or ""}
            for e in batch
        ],
        ignore_conflicts=True,
    )


HANDLERS = {
    # TimeSpentEvents first: an activity in the same batch then sees its run's active time.
    "TimeSpentEvent": handle_time_spent,
    "ActivityEvent": handle_activity,
    "GradeEvent": handle_grade,
    "AssessmentEvent": handle_assessment,
    "AssessmentItemEvent": handle_assessment_item,
    "SessionEvent": handle_session,
    "ViewEvent": handle_view,
    "AssignableEvent": handle_assignable,
}


# --- XP sources: an activity attempt or an XP grade, recomputed from what is stored ---


def xp_source_key(event: StoredEvent) -> str:
    if event.type == "ActivityEvent":
        return credit.activity_key(event.partner_app_id, event.student_id, event.activity_key)
    return credit.grade_key(event.pk)


def recompute_xp_sources(events: list[StoredEvent], touched: Touched) -> None:
    """Bring the ledger, flags, mastery and results of each XP source up to date. What the
    sources read (latest event of each attempt, active time of each run, lessons already
    mastered) is read with one query each for all of them."""
    sources = {}
    for event in events:
        if credit.is_xp_source(event.type, _score_type(event)):
            sources.setdefault(xp_source_key(event), event)
    _lock_xp_sources(sources)
    latest = _latest_of_attempts([e for e in sources.values() if e.type == "ActivityEvent"])
    sources = {key: latest.get(key, event) for key, event in sources.items()}
    assign_days(list(sources.values()))
    reads = SourceReads(
        active=active_seconds_of_runs({(e.student_id, e.run_key) for e in sources.values()}),
        mastered=_mastered_lessons(sources.values()),
        credited=_credited_xp(sources),
    )
    writes = SourceWrites()
    for key, event in sources.items():
        if event.type == "ActivityEvent":
            _recompute_activity(key, event, touched, reads, writes)
        else:
            _recompute_xp_grade(key, event, touched, reads, writes)
    writes.save(reads, touched)


@dataclass
class SourceReads:
    """What recomputing XP sources reads, read with one query each for all the sources of a
    batch (after their locks are taken)."""

    active: dict[tuple, int]  # (student id, run key) -> active seconds of the run
    mastered: dict[tuple, object]  # (student id, lesson id) -> mastered at
    credited: dict[str, tuple[Decimal, int]]  # source key -> (XP credited so far, entries)

    def active_of(self, event) -> int:
        return self.active.get((event.student_id, event.run_key), 0)


@dataclass
class SourceWrites:
    """What recomputing the XP sources of a batch writes, gathered source by source and
    written with one statement per table (gradebook's *_many services): a batch of a
    thousand events used to spend most of its time on a dozen round trips per activity."""

    flags: list[dict] = field(default_factory=list)
    credits: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    masteries: dict[tuple, tuple] = field(default_factory=dict)  # pair -> (event, mastery)
    results: list[dict] = field(default_factory=list)

    def master(self, event: StoredEvent) -> None:
        """The event masters its lesson: of a batch's events for one (student, lesson), the
        earliest counts (record_lesson_mastery keeps the earliest time, whatever the order)."""
        pair = (event.student_id, event.lesson_id)
        known = self.masteries.get(pair)
        if known is None or (event.event_time, event.pk) < (known[0].event_time, known[0].pk):
            mastery = {
                "student_id": event.student_id,
                "lesson_id": event.lesson_id,
                "course_id": event.course_id,
                "at": event.event_time,
                "source_key": credit.event_key(event.pk),
            }
            self.masteries[pair] = (event, mastery)

    def save(self, reads: SourceReads, touched: Touched) -> None:
        gradebook.record_xp_plausibilities(self.flags)
        gradebook.credit_xp_many(self.credits, credited=reads.credited)
        gradebook.set_mastered_units_many(self.units)
        self.save_masteries(touched)
        gradebook.record_results(self.results)

    def save_masteries(self, touched: Touched) -> None:
        # Recorded once the batch committed (settle, after the batch): a lesson both workers'
        # batches master would otherwise make one wait on the other's uncommitted row. The
        # settling announces the days whose lesson count it changes.
        gradebook.propose_lesson_masteries(
            [{**m, "day": day_of(event)} for event, m in self.masteries.values()]
        )
        for event, _ in self.masteries.values():
            touched.add(event.student_id, event.course_id, day_of(event))


def _lock_xp_sources(keys) -> None:
    """One transaction at a time recomputes a given XP source, from what it reads after
    taking the source's lock. Without it, two workers processing an activity and the time
    spent on it at once could interleave: one reads the run's active time before the
    other commits, and its ledger total after, and writes a correction back to the stale
    value (a credit lost). Advisory locks of core.locks, held until commit and taken in a
    fixed order (so two batches cannot deadlock)."""
    locks.xact_lock(locks.XP_SOURCES, keys)


def _latest_of_attempts(events: list[StoredEvent]) -> dict[str, StoredEvent]:
    """{source key: the ActivityEvent whose values stand for its (student, activity,
    attempt)}: the latest by event time, ties broken by id, so the answer does not depend
    on arrival."""
    if not events:
        return {}
    fields = ("partner_app_id", "student_id", "activity_key")
    candidates = (
        CaliperEvent.objects.filter(
            any_of(fields, {tuple(getattr(e, f) for f in fields) for e in events}),
            type="ActivityEvent",
        )
        .exclude(status=EventStatus.PARKED)
        .order_by("-event_time", "-event_id")
        .values_list("pk", *fields)
    )
    chosen = {}
    for pk, app_id, student_id, key in candidates:
        chosen.setdefault(credit.activity_key(app_id, student_id, key), pk)
    in_hand = {e.pk: e for e in events}
    missing = [pk for pk in chosen.values() if pk not in in_hand]
    if missing:
        in_hand.update((e.pk, e) for e in _read("id = ANY(%s::bigint[])", [missing]))
    return {key: in_hand[pk] for key, pk in chosen.items()}


def active_seconds_of_runs(runs: set[tuple]) -> dict[tuple, int]:
    """{(student id, run key): active seconds of the run's TimeSpentEvents}."""
    if not runs:
        return {}
    totals = (
        TimeSpentFact.objects.filter(any_of(("student_id", "run_key"), runs))
        .values_list("student_id", "run_key")
        .annotate(s=Sum("active"))
    )
    return {(student_id, run_key): total or 0 for student_id, run_key, total in totals}


def _mastered_lessons(events) -> dict[tuple, object]:
    """{(student id, lesson id): mastered at} of the lessons the events are about."""
    pairs = {(e.student_id, e.lesson_id) for e in events if e.lesson_id is not None}
    if not pairs:
        return {}
    rows = LessonMastery.objects.filter(any_of(("student_id", "lesson_id"), pairs))
    return {
        (s, lesson): at
        for s, lesson, at in rows.values_list("student_id", "lesson_id", "mastered_at")
    }


def _credited_xp(keys) -> dict[str, tuple[Decimal, int]]:
    """{source key: (XP credited so far, ledger entries so far)}."""
    rows = XpEntry.objects.filter(among(XpEntry, "source_key", list(keys))).values_list(
        "source_key"
    )
    return {
        key: (total, entries)
        for key, total, entries in rows.annotate(total=Sum("amount"), entries=Count("id"))
    }


def _credit_xp(
    key: str, target: Decimal, reads: SourceReads, writes: SourceWrites, **fields
) -> None:
    """Credit the source up to `target`, unless it is credited exactly that already (most
    sources of zero XP, and every source recomputed again without a change)."""
    credited = (reads.credited.get(key) or (0, 0))[0]
    if rules.correction(target=target, credited=credited or 0) == 0:
        return
    writes.credits.append({"source_key": key, "target": target, **fields})


def among(model, column: str, values: list) -> RawSQL:
    """A condition: `model`'s `column` is one of `values` (ints, or strs), sent as one
    array parameter (`= ANY(%s)`): `__in` sends a placeholder per value, which psycopg
    merges into the statement on the client, a statement never the same twice."""
    field = model._meta.get_field(column)
    kind = "text[]" if isinstance(field, CharField | TextField) else "bigint[]"
    quote = connection.ops.quote_name
    name = f"{quote(model._meta.db_table)}.{quote(field.column)}"
    return RawSQL(f"{name} = ANY(%s::{kind})", [bulk.array_literal(values)], BooleanField())


def any_of(columns: tuple[str, ...], values: set[tuple]) -> RawSQL:
    """A condition: `columns` equal one of the `values` tuples (none of them None; each
    part an int or a str). Written as SQL, `(a, b) IN (SELECT * FROM unnest(%s::bigint[],
    %s::text[]))`: one array per column, whatever the number of tuples. (Compiling the same
    from Q objects cost the ORM ~50 µs per term; an `OR` of a thousand terms costs
    PostgreSQL as much to plan.)"""
    if not values:
        return RawSQL("1 = 0", [], output_field=BooleanField())
    quote = connection.ops.quote_name
    rows = list(values)
    arrays = [[row[i] for row in rows] for i in range(len(columns))]
    types = ["bigint[]" if isinstance(array[0], int) else "text[]" for array in arrays]
    sql = "({}) IN (SELECT * FROM unnest({}))".format(
        ", ".join(quote(column) for column in columns),
        ", ".join(f"%s::{kind}" for kind in types),
    )
    return RawSQL(sql, [bulk.array_literal(array) for array in arrays], output_field=BooleanField())


def _recompute_activity(
    key: str, event: StoredEvent, touched: Touched, reads: SourceReads, writes: SourceWrites
) -> None:
    p = parsed(event)
    items = caliper.timeback_items(p)
    active = reads.active_of(event)
    attempt = attempt_of(event)
    earned = credit.activity_credit(items, active_seconds=active, attempt=attempt)
    common = {
        "student_id": event.student_id,
        "course_id": event.course_id,
        "partner_app_id": event.partner_app_id,
        "occurred_on": day_of(event),
    }
    if earned.claimed:
        writes.flags.append(
            {"source_key": key, "reported_xp": earned.xp, "active_seconds": active, **common}
        )
    _credit_xp(
        key,
        earned.xp,
        reads,
        writes,
        kind=earned.kind,
        lesson_id=event.lesson_id,
        caused_by_event=event.pk,
        **common,
    )
    touched.add(event.student_id, event.course_id, day_of(event))
    if earned.reports_units_or_questions:
        # The activity's own report of mastery and questions (EduBridge's totalQuestions and
        # correctQuestions, the dashboards' accuracy); a repeat of the attempt replaces it.
        writes.units.append(
            {
                "source_key": key,
                "units": earned.units,
                "student_id": event.student_id,
                "course_id": event.course_id,
                "occurred_on": day_of(event),
                "questions": earned.questions,
                "correct_questions": earned.correct,
            }
        )
    if _masters_lesson(event, earned.accuracy, reads.mastered):
        writes.master(event)
    if references.wants_result(event.raw) and event.course_id:
        # Recorded as Timeback records attempts (docs/xp-and-mastery.md#attempts): one
        # result per attempt, under the activity's `caliper_<sha256>` line item, numbered in
        # metadata.attempt and dated at the event's time; an activity outside the catalogue
        # too, since the SDK numbers its attempts from these results.
        writes.results.append(
            {
                "sourced_id": credit.attempt_result_id(
                    event.partner_app_id, event.student_id, event.activity_key
                ),
                "line_item_id": credit.attempt_line_item_id(
                    references.object_id(event.raw) or "", event.course.sourced_id
                ),
                "line_item_title": references.activity_name(event.raw),
                "lesson": event.lesson,
                "course_id": event.course_id,
                "student_id": event.student_id,
                "app": event.partner_app,
                "score": earned.accuracy,
                "score_status": "fully graded",
                "score_date": event.event_time,
                "metadata": {
                    **credit.result_metadata(items, earned),
                    "attempt": attempt,
                },
            }
        )


def attempt_of(event: StoredEvent) -> int:
    """The attempt an ActivityEvent stands for: the number of its activity key, which
    ingestion sets to `generated.attempt` (1 when absent), or to the earlier attempt a
    resent submission repeats (events.services.RetriedAttempts)."""
    number = event.activity_key.rpartition("|")[2]
    return int(number) if number.isdigit() else 1


def _recompute_xp_grade(
    key: str, event: StoredEvent, touched: Touched, reads: SourceReads, writes: SourceWrites
) -> None:
    given, _, _ = caliper.score_of(parsed(event))
    earned = credit.xp_grade_credit(given)
    active = reads.active_of(event)
    common = {
        "student_id": event.student_id,
        "course_id": event.course_id,
        "partner_app_id": event.partner_app_id,
        "occurred_on": day_of(event),
    }
    writes.flags.append(
        {"source_key": key, "reported_xp": earned.xp, "active_seconds": active, **common}
    )
    _credit_xp(
        key,
        earned.xp,
        reads,
        writes,
        kind=earned.kind,
        lesson_id=event.lesson_id,
        caused_by_event=event.pk,
        **common,
    )
    touched.add(event.student_id, event.course_id, day_of(event))


def _masters_lesson(
    event: StoredEvent, accuracy: Decimal | None, mastered: dict, *, threshold_met: bool = False
) -> bool:
    """The event masters its lesson (`threshold_met`: its accuracy is known to reach the
    course's threshold), and no earlier mastery of it is known."""
    if accuracy is None or event.lesson_id is None or event.course is None:
        return False
    already = mastered.get((event.student_id, event.lesson_id))
    if already is not None and already <= event.event_time:
        return False  # mastered no later than this event: recording it would change nothing
    return threshold_met or credit.reaches_mastery(event.course.metadata, accuracy)


def _score_type(event) -> str | None:
    """The scoreType of a GradeEvent (None for other events: they are not parsed for it)."""
    return caliper.score_of(parsed(event))[2] if event.type == "GradeEvent" else None


def result_id(event: StoredEvent) -> str:
    return credit.event_result_id(event.partner_app_id, event.event_id)
