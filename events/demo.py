"""Simulated learning history for the demo school (`seed_demo --days D`).

Each student follows a profile (diligent, struggling, distracted, accelerating) that decides
how often they work, for how long, how accurately and how much of their time is wasted. What
they do becomes Caliper events, TimebackProfile and AssessmentItemEvents as a partner app
would send them, pushed through the real ingestion (`events.services.ingest`) in batched
envelopes and processed by the real pipeline (eagerly without a broker). Nothing is written
to the derived tables directly.

Deterministic: the same seed, students, days and end day give the same events (event ids are
uuid5 of what they describe), so a resend is counted as duplicates and credits nothing.
Rollup days are the events' UTC days; `received_at` is when the demo ran (the developer
page shows the ingestion as it happened, today).
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import orjson

from rostering.models import ComponentKind, Course, CourseComponent, PartnerApp, User

from . import services
from .caliper import EnvelopeError

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
SENSOR = "https://demo-app.timeback.example"
NAMESPACE = uuid.UUID("6f1d3c1e-6c1b-4f0b-9a43-5e1f0c2b7d10")
ENVELOPE_EVENTS = 1000  # the most an envelope may carry: fewer, larger commits


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
    events: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    profiles: dict[str, int] = field(default_factory=dict)


def simulate(
    *,
    app: PartnerApp,
    students: list[User],
    courses: list[Course],
    days: int,
    today: date,
    seed: int = 7,
) -> SimulationResult:
    """`days` days of learning up to `today`, ingested envelope by envelope."""
    result = SimulationResult()
    lessons = {
        course.pk: list(
            CourseComponent.objects.filter(course=course, kind=ComponentKind.LESSON).order_by(
                "parent__sort_order", "sort_order", "pk"
            )
        )
        for course in courses
    }
    for n, _ in enumerate(students):
        name = profile_of(n).name
        result.profiles[name] = result.profiles.get(name, 0) + 1
    batch = []
    for event in _events(students, courses, lessons, days, today, random.Random(seed)):
        batch.append(event)
        if len(batch) >= ENVELOPE_EVENTS:
            _send(app, batch, result)
            batch = []
    if batch:
        _send(app, batch, result)
    return result


def _send(app: PartnerApp, events: list[dict], result: SimulationResult) -> None:
    body = orjson.dumps(
        {
            "sensor": SENSOR,
            "sendTime": _iso(max(e["eventTime"] for e in events)),
            "dataVersion": DATA_VERSION,
            "data": events,
        }
    )
    try:
        answer = services.ingest(app=app, body=body)
    except EnvelopeError as error:  # a bug in the simulation, not a client's mistake
        raise RuntimeError(f"the demo built an invalid envelope: {error}") from error
    result.events += len(events)
    result.accepted += answer.accepted
    result.duplicates += answer.duplicates
    result.rejected += len(answer.rejected)


def _events(students, courses, lessons, days, today, rng) -> Iterator[dict]:
    position = {(s.pk, c.pk): 0 for s in students for c in courses}  # next lesson index
    mastered_lessons = set()  # (student, lesson) pairs already reported mastered
    first = today - timedelta(days=days - 1)
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        progress = offset / max(1, days - 1)
        for n, student in enumerate(students):
            profile = profile_of(n)
            for c, course in enumerate(courses):
                if rng.random() > profile.attendance or not lessons[course.pk]:
                    continue
                start = datetime.combine(day, time(8 + 2 * c, rng.randrange(0, 50)), UTC)
                sessions = 2 if rng.random() < 0.3 else 1
                for session in range(sessions):
                    at = start + timedelta(hours=4 * session)
                    key = (student.pk, course.pk)
                    course_lessons = lessons[course.pk]
                    lesson = course_lessons[min(position[key], len(course_lessons) - 1)]
                    first_time = (student.pk, lesson.pk) not in mastered_lessons
                    mastered, events = _session(
                        student,
                        course,
                        lesson,
                        profile,
                        progress,
                        at,
                        rng,
                        day,
                        session,
                        first_time,
                    )
                    if mastered:
                        mastered_lessons.add((student.pk, lesson.pk))
                    if mastered and position[key] < len(course_lessons) - 1:
                        position[key] += 1
                    yield from events
        yield from _mistakes(students, courses, day, rng)


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
    mastered = right / items >= 0.9
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
