"""Ingestion: a Caliper envelope in, accepted events durably stored, rejected ones explained.

Accept fast (docs/architecture.md#the-event-pipeline): parse once with orjson, validate with the
compiled schemas of `events.caliper`, resolve references (and retried attempts) with one query
for the whole envelope, store every event of the envelope, the envelope and its rejections in
one statement (`INSERT ... SELECT ... FROM jsonb_to_recordset(...) ON CONFLICT DO NOTHING
RETURNING`), and enqueue one task (ids only) after commit.
"""

import logging
import uuid
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.db import prepared_cursor
from rostering.models import ComponentKind, Course, CourseComponent, PartnerApp, User

from . import caliper
from .caliper import references
from .models import CaliperEvent, Envelope, EventStatus, RejectedEvent
from .queue import enqueue

logger = logging.getLogger(__name__)

# Event types the pipeline turns into facts, XP, results and mastery
# (docs/events.md#event-types-that-are-processed); any other valid Caliper event is stored and
# counted, not processed.
PROCESSED_TYPES = {
    "SessionEvent",
    "ViewEvent",
    "AssignableEvent",
    "AssessmentItemEvent",
    "AssessmentEvent",
    "GradeEvent",
    "ActivityEvent",
    "TimeSpentEvent",
}


@dataclass
class IngestAnswer:
    envelope_id: uuid.UUID
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    stored_ids: list[int] = field(default_factory=list)

    def body(self) -> dict:
        """What every send path answers; `jobId` is what the official clients track."""
        return {
            "jobId": str(self.envelope_id),
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
        }


@dataclass
class CheckedEnvelope:
    """An envelope parsed and checked against the roster: what would be stored, what not."""

    sensor: str
    sent_at: object
    rows: list[dict]
    rejections: list[dict]
    duplicates: int  # repeated within the envelope itself

    def rejected(self) -> list[dict]:
        return [
            {"index": r["index"], "id": r["event_id"], "errors": r["errors"]}
            for r in self.rejections
        ]


def parse_body(body: bytes) -> tuple[dict, list]:
    """The envelope and its events, or EnvelopeError (400/422) for a body that is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise caliper.EnvelopeError(400, f"The body is not valid JSON: {error}") from None
    events = caliper.validate_envelope(data)
    limit = settings.CALIPER_MAX_EVENTS_PER_ENVELOPE
    if len(events) > limit:
        raise caliper.EnvelopeError(
            400, f"An envelope may carry at most {limit} events; this one has {len(events)}."
        )
    return data, events


def check(*, app: PartnerApp, body: bytes, envelope_id: uuid.UUID) -> CheckedEnvelope:
    """Validate an envelope and resolve its references, storing nothing (the send paths
    store the result; `POST /caliper/event/validate` only reports it)."""
    data, events = parse_body(body)
    limits = event_limits()
    within = caliper.bounds.body_within(body, limits.max_depth)
    parsed = [
        caliper.parse_event(index, raw, limits, shape_checked=within)
        for index, raw in enumerate(events)
    ]
    refs = References.resolve(parsed, app)
    checked = CheckedEnvelope(
        sensor=data["sensor"].strip()[:400],
        sent_at=caliper.parse_datetime(data["sendTime"]),
        rows=[],
        rejections=[],
        duplicates=0,
    )
    seen_ids = set()
    retries = refs.retries
    rows, rejections = checked.rows, checked.rejections
    for event in parsed:
        errors = event.errors
        if not errors:
            # The event's lesson and course once: the app check, the row and its status all
            # read them (each was looked up three times, issue 16).
            lesson_ref = refs.lesson_of(event)
            course = refs.course_of(event, lesson_ref)
            errors = refs.problems(event, app, lesson_ref, course)
            if not errors:
                row = _row(event, refs, lesson_ref, course)
                errors = _key_problems(row)
        if errors:
            rejections.append(_rejection(event, errors))
        elif event.id in seen_ids:
            checked.duplicates += 1
        else:
            seen_ids.add(event.id)
            if event.type == "ActivityEvent":  # the only type a retry renumbers
                row["activity_key"] = retries.key_of(event, row["activity_key"])
            rows.append(row)
    return checked


class RetriedAttempts:
    """A submission sent again is the same attempt (docs/xp-and-mastery.md#attempts).

    Timeback's SDK numbers an ActivityEvent with `object.process: true` from the results
    of earlier attempts: a result whose `scoreDate` equals the submission's time is a retry
    and keeps its attempt number, any other makes max + 1. Our results answer `scoreDate` as
    a date (the 1EdTech OneRoster 1.2 schema), which the SDK never finds equal to a
    date-time, so it numbers a resent submission as a new attempt. The server applies the
    SDK's own rule instead: an ActivityEvent asking for a result whose student, activity and
    event time are those of an attempt already stored is that attempt again, whatever
    `generated.attempt` it carries (within one envelope, numbered attempts stay apart: the
    SDK sends one submission per envelope). Read with the envelope's references (one query),
    through the (app, event time) index."""

    def __init__(self, stored: list[tuple]):
        # (pk, student ref, event time, activity key) of the stored ActivityEvents of the
        # app at the envelope's times and students (read by `References.resolve`, in the
        # same round trip as the references); the earliest stored attempt wins.
        self.known = {}  # (student ref, activity id, event time) -> activity key
        for _, student_ref, at, key in sorted(stored, key=lambda row: row[0]):
            self.known.setdefault((student_ref, key.rpartition("|")[0], at), key)

    @staticmethod
    def wanted(parsed: list) -> list:
        """The events whose attempt may be one already stored."""
        return [p for p in parsed if not p.errors and _numbered_by_results(p)]

    def key_of(self, event, key: str) -> str:
        if not _numbered_by_results(event):
            return key
        attempt = (event.student_ref, key.rpartition("|")[0], event.event_time)
        return self.known.get(attempt, key)


def _numbered_by_results(event) -> bool:
    return event.type == "ActivityEvent" and references.wants_result(event.raw)


def ingest(*, app: PartnerApp, body: bytes) -> IngestAnswer:
    answer = IngestAnswer(envelope_id=uuid.uuid4())
    checked = check(app=app, body=body, envelope_id=answer.envelope_id)
    rows = checked.rows
    # One statement stores the events, the envelope and the rejections (atomic by itself:
    # no transaction to open and commit, one round trip instead of five).
    inserted = store(app, answer.envelope_id, checked)
    stored = [
        (inserted[row["event_id"]], row["status"]) for row in rows if row["event_id"] in inserted
    ]
    answer.stored_ids = [pk for pk, _ in stored]
    answer.accepted = len(stored)
    answer.duplicates = checked.duplicates + len(rows) - answer.accepted
    answer.rejected = checked.rejected()
    to_process = [pk for pk, status in stored if status == EventStatus.PENDING]
    if to_process:
        # Right away in autocommit; after the caller's commit inside its transaction.
        transaction.on_commit(lambda: enqueue(to_process))
    return answer


def event_limits() -> caliper.Limits:
    return caliper.Limits(
        max_id_length=settings.CALIPER_MAX_ID_LENGTH,
        max_depth=settings.CALIPER_MAX_DEPTH,
        max_xp=settings.CALIPER_MAX_XP_PER_EVENT,
        max_seconds=settings.CALIPER_MAX_SECONDS_PER_ITEM,
        max_questions=settings.CALIPER_MAX_QUESTIONS,
        max_score=settings.CALIPER_MAX_SCORE,
    )


# The run and activity keys are stored in 400-character columns.
KEY_LENGTH = CaliperEvent._meta.get_field("run_key").max_length


def _key_problems(row: dict) -> list[str]:
    """A run key made of the student and the object may outgrow its column even when each
    id is within bounds."""
    if len(row["run_key"]) > KEY_LENGTH:
        return [
            f"run: the student and object ids together are longer than {KEY_LENGTH} "
            "characters; send a shorter object id or extensions.runId"
        ]
    if len(row["activity_key"]) > KEY_LENGTH:
        return [f"object.activity.id: longer than {KEY_LENGTH} characters"]
    return []


def _resolve_sql(with_retries: bool) -> str:
    """The envelope's students, courses and lessons (and the stored attempts a resent
    submission may repeat) in one query, each kind by its index. The names travel as one
    JSON document, `{"s": [students], "c": [courses], "l": [lessons], "t": [event times]}`:
    psycopg adapts a Python list of strings element by element (~1.5 µs each, a third of a
    millisecond for an envelope's 200 names), orjson writes them at once."""
    user, course, component, event = (
        m._meta.db_table for m in (User, Course, CourseComponent, CaliperEvent)
    )

    def names(key: str, kind: str = "") -> str:
        return f"ARRAY(SELECT jsonb_array_elements_text(%(refs)s::jsonb -> '{key}'){kind})"

    sql = (
        f"SELECT 's', sourced_id, id, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::text"
        f" FROM {user} WHERE sourced_id = ANY({names('s')})"
        f" UNION ALL SELECT 'c', sourced_id, id, NULL, partner_app_id, NULL, NULL FROM {course}"
        f" WHERE sourced_id = ANY({names('c')})"
        f" UNION ALL SELECT 'l', l.sourced_id, l.id, l.course_id, c.partner_app_id, NULL, NULL"
        f" FROM {component} l JOIN {course} c ON c.id = l.course_id"
        f" WHERE l.sourced_id = ANY({names('l')}) AND l.kind = '{ComponentKind.LESSON.value}'"
    )
    if with_retries:
        # RetriedAttempts: the app's stored ActivityEvents at the envelope's event times (its
        # (app, event time) index), of the students of the events that ask for a result.
        sql += (
            f" UNION ALL SELECT 'r', student_ref, id, NULL, NULL, event_time, activity_key"
            f" FROM {event} WHERE partner_app_id = %(app)s AND type = 'ActivityEvent'"
            f" AND event_time = ANY({names('t', '::timestamptz')})"
            f" AND student_ref = ANY({names('r')})"
        )
    return sql


RESOLVE_SQL = _resolve_sql(False)
RESOLVE_WITH_RETRIES_SQL = _resolve_sql(True)


_UNKNOWN = object()  # an argument the caller did not give (None is an answer)


class References:
    """Students, courses and lessons named by an envelope, looked up once for all its events."""

    def __init__(self, students, courses, lessons, retries=None):
        self.students = students  # sourcedId → (pk)
        self.courses = courses  # sourcedId → (pk, partner_app_id)
        self.lessons = lessons  # sourcedId → (pk, course_id, course partner_app_id)
        self.retries = retries or RetriedAttempts([])

    @classmethod
    def resolve(cls, parsed: list, app: PartnerApp) -> "References":
        valid = [p for p in parsed if not p.errors]
        student_refs = list({p.student_ref for p in valid if p.student_ref})
        course_refs = list({p.course_ref for p in valid if p.course_ref})
        lesson_refs = list({ref for p in valid for ref in p.lesson_refs})
        students, courses, lessons, stored = {}, {}, {}, []
        if not (student_refs or course_refs or lesson_refs):
            return cls(students, courses, lessons)
        # One round trip for the three kinds and the attempts a resent submission may repeat
        # (an ORM query costs about as much to build as to run), each by its index.
        refs = {"s": student_refs, "c": course_refs, "l": lesson_refs}
        wanted = RetriedAttempts.wanted(valid)
        if wanted:
            refs["t"] = list({p.event_time for p in wanted})
            refs["r"] = list({p.student_ref for p in wanted})
        with prepared_cursor() as cursor:
            cursor.execute(
                RESOLVE_WITH_RETRIES_SQL if wanted else RESOLVE_SQL,
                {"refs": orjson.dumps(refs).decode(), "app": app.pk},
            )
            for kind, sid, pk, course_id, app_id, at, key in cursor.fetchall():
                if kind == "s":
                    students[sid] = pk
                elif kind == "c":
                    courses[sid] = (pk, app_id)
                elif kind == "l":
                    lessons[sid] = (pk, course_id, app_id)
                else:
                    stored.append((pk, sid, at, key))
        return cls(students, courses, lessons, RetriedAttempts(stored))

    def lesson_of(self, event):
        """The first candidate that names a published lesson
        (docs/events.md#resolving-references)."""
        lessons = self.lessons
        for ref in event.lesson_refs:
            if ref in lessons:
                return ref
        return None

    def course_of(self, event, lesson=_UNKNOWN):
        """(pk, owning app id) of the named course, else of the lesson's course (`lesson`:
        the event's `lesson_of`, when the caller has it already)."""
        if event.course_ref:
            return self.courses.get(event.course_ref)
        if lesson is _UNKNOWN:
            lesson = self.lesson_of(event)
        if lesson is not None:
            _, course_id, app_id = self.lessons[lesson]
            return course_id, app_id
        return None

    def problems(self, event, app: PartnerApp, lesson=_UNKNOWN, course=_UNKNOWN) -> list[str]:
        """Reasons to reject an otherwise valid event (an unknown reference is not one);
        `lesson`, `course`: the event's `lesson_of` and `course_of`, when the caller has them."""
        graded = event.graded
        if graded and not event.course_ref and not event.lesson_refs:
            return [
                f"{event.type} names no course: send extensions.course.id (and extensions.lesson.id)."
            ]
        if graded and not event.lesson_refs:
            return [f"{event.type} names no lesson: send extensions.lesson.id."]
        if course is _UNKNOWN:
            course = self.course_of(event, lesson)
        if course is not None and course[1] not in (None, app.pk) and not app.roster_source:
            reference = event.course_ref or (
                self.lesson_of(event) if lesson is _UNKNOWN else lesson
            )
            return [
                f"The course of '{reference}' belongs to another app; an app sends events for its own courses."
            ]
        return []

    def unresolved(self, event, lesson=_UNKNOWN) -> list[str]:
        """Why the event cannot be processed yet (empty: it can)."""
        if lesson is _UNKNOWN:
            lesson = self.lesson_of(event)
        return references.unresolved(
            event.type,
            student_ref=event.student_ref or "",
            student_known=event.student_ref in self.students,
            course_ref=event.course_ref or "",
            course_known=event.course_ref in self.courses,
            lesson_refs=event.lesson_refs,
            lesson_known=lesson is not None,
        )

    def status(self, event, lesson=_UNKNOWN) -> str:
        if event.type not in PROCESSED_TYPES:
            return EventStatus.STORED
        return EventStatus.PARKED if self.unresolved(event, lesson) else EventStatus.PENDING


def _row(event, refs: References, lesson_ref, course) -> dict:
    """An event's columns but those of its envelope (the app, the envelope id, the time
    received), which the store statement adds; `lesson_ref` and `course`: the event's
    `refs.lesson_of` and `refs.course_of`."""
    return {
        "event_id": event.id,
        "type": event.type,
        "action": event.action,
        "event_time": event.event_time,
        "raw": event.raw,
        "student_ref": event.student_ref or "",
        "course_ref": event.course_ref or "",
        "lesson_refs": event.lesson_refs,
        "student_id": refs.students.get(event.student_ref),
        "course_id": course[0] if course else None,
        "lesson_id": refs.lessons[lesson_ref][0] if lesson_ref else None,
        "run_key": run_key(event),
        "activity_key": activity_key(event),
        "status": refs.status(event, lesson_ref),
    }


def run_key(event) -> str:
    """The run an event belongs to (docs/xp-and-mastery.md#runs): extensions.runId, else the
    session's urn:uuid, else the student and the object."""
    return event.run_key or f"{event.student_ref}|{references.object_id(event.raw) or ''}"


def activity_key(event) -> str:
    """(activity, attempt) of an ActivityEvent: a repeat of the same key replaces the earlier values."""
    if event.type != "ActivityEvent":
        return ""
    return f"{references.activity_id(event.raw) or ''}|{event.attempt or 1}"


def _rejection(event, errors) -> dict:
    """What is kept of a rejected event. Its body is kept only when it can be stored (small,
    not too deep for orjson and PostgreSQL, without NUL); its id, type and reasons always,
    made storable."""
    return {
        "index": event.index,
        "event_id": _storable(event.id or "")[:255],
        "type": _storable(event.type or "")[:64],
        "errors": [_storable(error) for error in errors],
        "raw": _raw_sample(event.raw),
    }


def _raw_sample(raw):
    if caliper.bounds.depth_error(raw, settings.CALIPER_MAX_DEPTH) or caliper.bounds.has_nul(raw):
        return None
    try:
        size = len(orjson.dumps(raw))
    except (orjson.JSONEncodeError, RecursionError):
        return None
    return raw if size <= settings.REJECTED_EVENT_MAX_BYTES else None


def _storable(text: str) -> str:
    return text.replace("\x00", "\\u0000")


# The columns ingestion writes, in this order (bench/school.py COPYs rows of them), with
# their PostgreSQL types. The app, the envelope id and the time received are the
# envelope's, passed once per statement (ENVELOPE_COLUMNS); the others are each event's,
# in one JSON array of records.
COLUMN_TYPES = {
    "partner_app_id": "bigint",
    "event_id": "text",
    "envelope_id": "uuid",
    "type": "text",
    "action": "text",
    "event_time": "timestamptz",
    "received_at": "timestamptz",
    "raw": "jsonb",
    "student_ref": "text",
    "course_ref": "text",
    "lesson_refs": "jsonb",
    "student_id": "bigint",
    "course_id": "bigint",
    "lesson_id": "bigint",
    "run_key": "text",
    "activity_key": "text",
    "status": "text",
}
COLUMNS = tuple(COLUMN_TYPES)


REJECTION_TYPES = {
    "partner_app_id": "bigint",
    "envelope_id": "uuid",
    "received_at": "timestamptz",
    "index": "integer",
    "event_id": "text",
    "type": "text",
    "errors": "jsonb",
    "raw": "jsonb",
}
ENVELOPE_COLUMNS = {
    "partner_app_id": "%(app)s",
    "envelope_id": "%(envelope)s",
    "received_at": "%(now)s",
}


def _insert_from_json(model, types: dict[str, str], placeholder: str) -> str:
    """`INSERT INTO table (columns) SELECT app, envelope, now, columns FROM
    jsonb_to_recordset(<placeholder>)`: the rows travel as one JSON document (orjson writes
    the datetimes and UUIDs) that PostgreSQL reads back as records. A placeholder per value
    (17 per event) spent most of an envelope's insert in the driver, splitting a query that
    is never the same twice and quoting each value; `json_to_recordset` (not jsonb) parsed
    every event's body twice, once in the document and once into its jsonb column (~15 µs
    of PostgreSQL CPU per event more). Run by `core.db.prepared_cursor`: bound on the
    server (the ~100 KB document is not quoted into the query text) and planned once per
    connection."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in types)
    values = ", ".join(ENVELOPE_COLUMNS.get(name, quote(name)) for name in types)
    record = ", ".join(
        f"{quote(name)} {kind}" for name, kind in types.items() if name not in ENVELOPE_COLUMNS
    )
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
        f"SELECT {values} FROM jsonb_to_recordset({placeholder}::jsonb) AS r({record})"
    )


def _store_sql(with_rejections: bool) -> str:
    envelope = connection.ops.quote_name(Envelope._meta.db_table)
    rejections = (
        f", rejections AS ({_insert_from_json(RejectedEvent, REJECTION_TYPES, '%(rejections)s')})"
        if with_rejections
        else ""
    )
    return (
        f"WITH events AS ({_insert_from_json(CaliperEvent, COLUMN_TYPES, '%(events)s')}"
        " ON CONFLICT (partner_app_id, event_id) DO NOTHING RETURNING id, event_id),"
        f" envelope AS (INSERT INTO {envelope} (id, partner_app_id, sensor, sent_at,"
        " received_at, accepted, duplicates, rejected) SELECT %(envelope)s, %(app)s,"
        " %(sensor)s, %(sent_at)s, %(now)s, count(*), %(candidates)s - count(*),"
        f" %(rejected)s FROM events){rejections}"
        " SELECT id, event_id FROM events"
    )


STORE_SQL = {False: _store_sql(False), True: _store_sql(True)}


def store(app: PartnerApp, envelope_id: uuid.UUID, checked: CheckedEnvelope) -> dict[str, int]:
    """Store the envelope's events, the envelope (its counts) and its rejections in one
    statement; answer {event id: row id} of the events actually inserted (a row whose
    (app, event id) is already stored is a duplicate and skipped)."""
    params = {
        "events": orjson.dumps(checked.rows).decode(),
        "envelope": envelope_id,
        "app": app.pk,
        "sensor": checked.sensor,
        "sent_at": checked.sent_at,
        "now": timezone.now(),
        "candidates": checked.duplicates + len(checked.rows),
        "rejected": len(checked.rejections),
    }
    if checked.rejections:
        params["rejections"] = orjson.dumps(checked.rejections).decode()
    with prepared_cursor() as cursor:
        cursor.execute(STORE_SQL[bool(checked.rejections)], params)
        return {event_id: pk for pk, event_id in cursor.fetchall()}


def reprocess_failed(*, app_id: int | None = None) -> int:
    """Put the events set aside as failed back to pending and hand them over (in process
    without a broker); answer how many (docs/operations.md#failed-events)."""
    failed = CaliperEvent.objects.filter(status=EventStatus.FAILED)
    if app_id is not None:
        failed = failed.filter(partner_app_id=app_id)
    ids = list(failed.order_by("pk").values_list("pk", flat=True))
    CaliperEvent.objects.filter(pk__in=ids).update(
        status=EventStatus.PENDING, error="", processed_at=None
    )
    for start in range(0, len(ids), REPROCESS_BATCH):
        enqueue(ids[start : start + REPROCESS_BATCH])
    return len(ids)


REPROCESS_BATCH = 100
