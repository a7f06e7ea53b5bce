"""Simulated learning history for the demo school (`seed_demo --days D`).

Each student follows a profile (diligent, struggling, distracted, accelerating) that decides
how often they work, for how long, how accurately and how much of their time is wasted. What
they do becomes Caliper events, TimebackProfile and AssessmentItemEvents as a partner app
would send them, pushed through the real ingestion (`events.services.ingest`) in batched
envelopes and processed by the real pipeline (eagerly without a broker). Nothing is written
to the derived tables directly.

The history ends yesterday (today is left to whoever tries the demo) and is topped up: a
demo started again days later simulates only the days it misses, through the same path,
from where each student stood (`Progress.stored`), so "last active" stays recent.

Deterministic: each day draws from its own generator (seeded with the day), and a student's
progress is what they mastered before, so a day's events are the same whether the history
was simulated in one go or topped up day by day; event ids are uuid5 of what they
describe, so a resend is counted as duplicates and credits nothing. Rollup days are the
events' local days in the demo school's zone (SCHOOL_TIME_ZONE when the demo creates it); `received_at` is when the demo ran (the developer page shows the
ingestion as it happened, today).
"""

import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import orjson
from django.db import connections
from django.db.models import Max, Min

from gradebook import credit
from gradebook.models import LessonMastery
from rostering.models import ComponentKind, Course, CourseComponent, PartnerApp, User

from . import services
from .caliper import EnvelopeError
from .models import CaliperEvent, Envelope

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
SENSOR = "https://demo-app.timeback.example"
NAMESPACE = uuid.UUID("6f1d3c1e-6c1b-4f0b-9a43-5e1f0c2b7d10")
ENVELOPE_EVENTS = 1000  # the most an envelope may carry: fewer, larger commits
# Days over which an "accelerating" student's accuracy climbs from its first value to its
# last (and every profile's moves a little): the default history's length, whatever the
# length asked, so that a topped-up day draws what it would have in one long history.
RAMP_DAYS = 59


@dataclass(frozen=True)
class Profile:
    name: str
    attendance: float  # chance of working in a course on a school day
    minutes: tuple[int, int]  # active minutes per session
    accuracy: tuple[float, float]  # chance of a right answer, from the first day to the last
    waste: float  # wasted seconds per active second
    overclaims: float = 0.0  # chance that a session reports implausibly high XP


PROFILES = (
    Profile("diligent", 0.95, (22, 34), (0.84, 0.9), 0.08),
    Profile("struggling", 0.85, (18, 28), (0.55, 0.68), 0.15),
    Profile("distracted", 0.6, (5, 14), (0.7, 0.82), 0.6, overclaims=0.3),
    Profile("accelerating", 0.9, (10, 16), (0.8, 0.99), 0.05),
)
# Most students are diligent; profiles are dealt in this order, student n gets n % len.
DEAL = (0, 0, 1, 0, 2, 3, 0, 1, 0, 2, 3, 0)


def profile_of(n: int) -> Profile:
    return PROFILES[DEAL[n % len(DEAL)]]


@dataclass
class SimulationResult:
    first: date | None = None  # the days simulated this time (None: none were missing)
    last: date | None = None
    events: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    profiles: dict[str, int] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return 0 if self.first is None else (self.last - self.first).days + 1


@dataclass
class Progress:
    """Where each student stands: the lesson they work on in each course, and the lessons
    they have mastered (a lesson's unit is reported mastered the first time only)."""

    position: dict[tuple[int, int], int] = field(default_factory=dict)  # (student, course)
    mastered: set[tuple[int, int]] = field(default_factory=set)  # (student, lesson)

    @classmethod
    def stored(cls, students, courses, lessons) -> "Progress":
        """The progress the history sent so far left, read back from the lesson masteries
        the pipeline derived from it: a student moves on when they master their lesson, so
        the lessons they mastered are the first ones of the course."""
        ids = {lesson.pk: course.pk for course in courses for lesson in lessons[course.pk]}
        mastered = set(
            LessonMastery.objects.filter(student__in=students, lesson_id__in=list(ids)).values_list(
                "student_id", "lesson_id"
            )
        )
        done = {}
        for student_id, lesson_id in mastered:
            key = (student_id, ids[lesson_id])
            done[key] = done.get(key, 0) + 1
        position = {}  # as simulate keeps it: only the students who moved on
        for (student_id, course_id), count in done.items():
            if at := min(count, len(lessons[course_id]) - 1):
                position[(student_id, course_id)] = at
        return cls(position=position, mastered=mastered)


def top_up(
    *,
    app: PartnerApp,
    students: list[User],
    courses: list[Course],
    days: int,
    today: date,
    seed: int = 7,
    clients: int = 1,
) -> SimulationResult:
    """Bring the history up to yesterday: `days` days when there is none yet, else the
    days after its last one (at most `days` of them), ingested envelope by envelope (by
    `clients` senders at once, see `simulate`)."""
    yesterday = today - timedelta(days=1)
    span = history_span(app)
    if span is None:
        first = yesterday - timedelta(days=days - 1)
        start = first
        while start.weekday() >= 5:  # the first school day, as a top-up finds it later
            start += timedelta(days=1)
    else:
        start, last = span
        first = max(last + timedelta(days=1), yesterday - timedelta(days=days - 1))
    lessons = lessons_of(courses)
    progress = Progress.stored(students, courses, lessons) if span else Progress()
    return simulate(
        app=app,
        students=students,
        courses=courses,
        first=first,
        last=yesterday,
        start=start,
        progress=progress,
        seed=seed,
        clients=clients,
    )


def history_span(app: PartnerApp) -> tuple[date, date] | None:
    """(first, last) UTC day of the events the demo sent (its envelopes' sensor tells them
    from what someone trying the demo app's credentials sends), or None."""
    envelopes = Envelope.objects.filter(partner_app=app, sensor=SENSOR).values("id")
    span = CaliperEvent.objects.filter(partner_app=app, envelope_id__in=envelopes).aggregate(
        first=Min("event_time"), last=Max("event_time")
    )
    if span["first"] is None:
        return None
    return span["first"].astimezone(UTC).date(), span["last"].astimezone(UTC).date()


def lessons_of(courses: list[Course]) -> dict[int, list[CourseComponent]]:
    by_course = {course.pk: [] for course in courses}
    for lesson in CourseComponent.objects.filter(
        course__in=courses, kind=ComponentKind.LESSON
    ).order_by("parent__sort_order", "sort_order", "pk"):
        by_course[lesson.course_id].append(lesson)
    return by_course


def simulate(
    *,
    app: PartnerApp,
    students: list[User],
    courses: list[Course],
    first: date,
    last: date,
    start: date | None = None,
    progress: Progress | None = None,
    seed: int = 7,
    clients: int = 1,
) -> SimulationResult:
    """The days `first`..`last` of a history that began on `start` (default `first`), from
    `progress` (default: nobody has started), ingested envelope by envelope.

    `clients` > 1: the students are dealt to that many senders, each its own thread and
    database connection, that ingest their envelopes at the same time, as several apps
    (or devices) would; without a broker each ingest processes its envelope in its sender,
    so processing runs side by side too, as with as many workers. A sender's envelopes
    name its students only, so two batches never touch the same student's ledger, masteries
    or rollups (nor wait on each other's locks); what the pipeline derives does not depend
    on how events are grouped or ordered (docs/architecture.md#the-event-pipeline), so the
    outcome is the one sender's, with other envelopes. The roster must be committed for
    the other connections to see it."""
    result = SimulationResult()
    for n, _ in enumerate(students):
        name = profile_of(n).name
        result.profiles[name] = result.profiles.get(name, 0) + 1
    if first > last:
        return result
    result.first, result.last = first, last
    lessons = lessons_of(courses)
    progress = progress or Progress()
    clients = max(1, min(clients, len(students)))
    sender_of = {USERS + s.sourced_id: n % clients for n, s in enumerate(students)}
    batches: list[list[dict]] = [[] for _ in range(clients)]
    envelopes: list[list[tuple[bytes, int]]] = [[] for _ in range(clients)]
    for day in _days(first, last):
        for event in day_events(students, courses, lessons, day, start or first, progress, seed):
            # What no demo student sent (the app's mistakes) goes with the first sender.
            sender = sender_of.get((event.get("actor") or {}).get("id"), 0)
            batches[sender].append(event)
            if len(batches[sender]) == ENVELOPE_EVENTS:
                envelopes[sender].append(_envelope(batches[sender]))
                batches[sender] = []
    for sender, batch in enumerate(batches):
        if batch:
            envelopes[sender].append(_envelope(batch))
    if clients == 1:
        _send_all(app, envelopes[0], result)
        return result
    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="demo-sender") as pool:
        parts = list(pool.map(lambda bodies: _sender(app, bodies), envelopes))
    for part in parts:
        result.events += part.events
        result.accepted += part.accepted
        result.duplicates += part.duplicates
        result.rejected += part.rejected
    return result


def _days(first: date, last: date) -> Iterator[date]:
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _envelope(events: list[dict]) -> tuple[bytes, int]:
    body = orjson.dumps(
        {
            "sensor": SENSOR,
            "sendTime": _iso(max(e["eventTime"] for e in events)),
            "dataVersion": DATA_VERSION,
            "data": events,
        }
    )
    return body, len(events)


def _sender(app: PartnerApp, envelopes: list[tuple[bytes, int]]) -> SimulationResult:
    """One sender's thread: its envelopes in order, on its own connection (closed after)."""
    result = SimulationResult()
    try:
        _send_all(app, envelopes, result)
    finally:
        connections.close_all()  # this thread's connections only
    return result


def _send_all(app: PartnerApp, envelopes: list[tuple[bytes, int]], result) -> None:
    for body, count in envelopes:
        try:
            answer = services.ingest(app=app, body=body)
        except EnvelopeError as error:  # a bug in the simulation, not a client's mistake
            raise RuntimeError(f"the demo built an invalid envelope: {error}") from error
        result.events += count
        result.accepted += answer.accepted
        result.duplicates += answer.duplicates
        result.rejected += len(answer.rejected)


def day_events(students, courses, lessons, day, start, progress: Progress, seed) -> list[dict]:
    """One day of the history that began on `start`: what each student did, from where
    they stood (`progress`, moved on as they master lessons). Weekends are quiet."""
    if day.weekday() >= 5:
        return []
    rng = random.Random(f"{seed}/{day.isoformat()}")
    ramp = min(1.0, (day - start).days / RAMP_DAYS)
    events = []
    for n, student in enumerate(students):
        profile = profile_of(n)
        for c, course in enumerate(courses):
            if rng.random() > profile.attendance or not lessons[course.pk]:
                continue
            begin = datetime.combine(day, time(8 + 2 * c, rng.randrange(0, 50)), UTC)
            sessions = 2 if rng.random() < 0.3 else 1
            for session in range(sessions):
                at = begin + timedelta(hours=4 * session)
                key = (student.pk, course.pk)
                course_lessons = lessons[course.pk]
                position = progress.position.get(key, 0)
                lesson = course_lessons[min(position, len(course_lessons) - 1)]
                first_time = (student.pk, lesson.pk) not in progress.mastered
                mastered, sitting = _session(
                    student, course, lesson, profile, ramp, at, rng, day, session, first_time
                )
                if mastered:
                    progress.mastered.add((student.pk, lesson.pk))
                    if position < len(course_lessons) - 1:
                        progress.position[key] = position + 1
                events += sitting
    events += _mistakes(students, courses, day, rng)
    return events


def _session(student, course, lesson, profile, progress, at, rng, day, session, first_time):
    """One sitting at one lesson: answered items, the time spent, the activity's result.
    A lesson's unit is reported mastered the first time only (a student who finished the
    course keeps practising its last lesson without passing 100 %)."""
    ident = f"{student.sourced_id}/{course.sourced_id}/{day.isoformat()}/{session}"
    run = str(uuid.uuid5(NAMESPACE, ident))
    low, high = profile.accuracy
    chance = low + (high - low) * progress
    items = rng.randrange(6, 13)
    right = sum(1 for _ in range(items) if rng.random() < chance)
    active = rng.randrange(*profile.minutes) * 60
    wasted = int(active * profile.waste * rng.uniform(0.5, 1.5))
    context = {"course": {"id": course.sourced_id}, "lesson": {"id": lesson.sourced_id}}
    events = []
    correct_flags = [True] * right + [False] * (items - right)
    rng.shuffle(correct_flags)
    for i, correct in enumerate(correct_flags):
        events.append(
            _item_event(student, lesson, ident, i, correct, at + timedelta(minutes=i), context)
        )
    end = at + timedelta(seconds=active + wasted)
    events.append(_time_spent(student, lesson, ident, run, end, active, wasted, context))
    # The simulated app reports the unit mastered when Timeback masters the lesson.
    mastered = credit.reaches_mastery(course.metadata, credit.percent_correct(right, items))
    metrics = {"totalQuestions": items, "correctQuestions": right}
    if mastered and first_time:
        metrics["masteredUnits"] = 1
    if profile.overclaims and rng.random() < profile.overclaims:
        metrics["xpEarned"] = round(active / 60 * rng.uniform(2, 4), 1)  # flagged
    events.append(_activity(student, lesson, ident, run, end, metrics, context))
    return mastered, events


def _base(student, type_, action, ident, at, **extra) -> dict:
    return {
        "@context": DATA_VERSION,
        "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{type_}/{ident}')}",
        "type": type_,
        "action": action,
        "eventTime": _iso(at),
        **extra,
    }


def _item_event(student, lesson, ident, i, correct, at, context) -> dict:
    item = f"{SENSOR}/lessons/{lesson.sourced_id}/items/{i + 1}"
    return _base(
        student,
        "AssessmentItemEvent",
        "Completed",
        f"{ident}/item/{i}",
        at,
        profile="AssessmentProfile",
        actor={"id": USERS + student.sourced_id, "type": "Person"},
        object={"id": item, "type": "AssessmentItem"},
        generated={
            "id": f"{item}/responses/{uuid.uuid5(NAMESPACE, ident)}",
            "type": "Response",
            "extensions": {"isCorrect": correct},
        },
        extensions=context,
    )


def _time_spent(student, lesson, ident, run, at, active, wasted, context) -> dict:
    inactive = wasted // 2
    return _base(
        student,
        "TimeSpentEvent",
        "SpentTime",
        ident,
        at,
        profile="TimebackProfile",
        actor={"id": USERS + student.sourced_id, "type": "TimebackUser"},
        object={
            "id": lesson.sourced_id,
            "type": "TimebackActivityContext",
            "course": context["course"],
        },
        generated={
            "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, f'time/{ident}')}",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": [
                {"type": "active", "value": active},
                {"type": "inactive", "value": inactive},
                {"type": "waste", "value": wasted - inactive},
            ],
        },
        extensions={**context, "runId": run},
    )


def _activity(student, lesson, ident, run, at, metrics, context) -> dict:
    return _base(
        student,
        "ActivityEvent",
        "Completed",
        ident,
        at,
        profile="TimebackProfile",
        actor={"id": USERS + student.sourced_id, "type": "TimebackUser"},
        # Each sitting is a new exercise of the lesson (a first attempt): repeating one
        # activity's attempt 1 would replace the earlier sitting's result
        # (docs/xp-and-mastery.md#the-ledger-and-corrections).
        object={
            "id": f"{SENSOR}/exercises/{run}",
            "type": "TimebackActivityContext",
            "activity": {"id": f"{SENSOR}/exercises/{run}"},
            "course": context["course"],
            "process": True,
        },
        generated={
            "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, f'metrics/{ident}')}",
            "type": "TimebackActivityMetricsCollection",
            "attempt": 1,
            "items": [{"type": name, "value": value} for name, value in metrics.items()],
        },
        extensions={**context, "runId": run},
    )


def _mistakes(students, courses, day, rng) -> Iterator[dict]:
    """What an app under development gets wrong now and then, for the developer page: an
    event for a student the roster does not know yet (parked), and malformed ones
    (rejected with their reasons)."""
    if not students or not courses or rng.random() > 0.5:
        return
    at = datetime.combine(day, time(15), UTC)
    context = {"course": {"id": courses[0].sourced_id}}
    ident = f"mistake/{day.isoformat()}"
    yield _base(
        None,
        "TimeSpentEvent",
        "SpentTime",
        f"{ident}/unknown-student",
        at,
        profile="TimebackProfile",
        actor={"id": USERS + "not-yet-rostered", "type": "TimebackUser"},
        object={
            "id": courses[0].sourced_id,
            "type": "TimebackActivityContext",
            "course": context["course"],
        },
        generated={
            "id": f"urn:uuid:{uuid.uuid5(NAMESPACE, ident)}",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": [{"type": "active", "value": 300}],
        },
        extensions=context,
    )
    bad = _base(
        None,
        "ActivityEvent",
        "Completed",
        f"{ident}/no-actor",
        at,
        profile="TimebackProfile",
        object={"id": "lesson-x", "type": "TimebackActivityContext", "course": context["course"]},
        extensions=context,
    )
    yield bad
    yield _base(
        None,
        "AssessmentItemEvent",
        "Graded",  # not an action AssessmentItemEvent allows
        f"{ident}/bad-action",
        at,
        actor={"id": USERS + students[0].sourced_id, "type": "Person"},
        object={"id": f"{SENSOR}/items/1", "type": "AssessmentItem"},
        extensions=context,
    )


def _iso(moment) -> str:
    if isinstance(moment, str):
        return moment
    return moment.isoformat().replace("+00:00", "Z")
