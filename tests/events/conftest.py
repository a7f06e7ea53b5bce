"""Caliper events about the example world (tests/world.py): the Math App's course-1 and its
students stu-1 and stu-2; helpers to build and send them."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
_counter = itertools.count()


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def envelope(*events) -> dict:
    return {
        "sensor": "https://app.example",
        "sendTime": iso(START),
        "dataVersion": DATA_VERSION,
        "data": list(events),
    }


def _base(type_, action, student, at, **extra):
    return {
        "@context": DATA_VERSION,
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": type_,
        "action": action,
        "eventTime": iso(at),
        "actor": {
            "id": USERS + student,
            "type": "TimebackUser" if type_ in ("ActivityEvent", "TimeSpentEvent") else "Person",
        },
        **extra,
    }


def activity(
    student="stu-1", lesson="lesson-1", course="course-1", *, at=None, attempt=1, run=None, **items
):
    """A TimebackProfile ActivityEvent; items like xpEarned=12, totalQuestions=10."""
    at = at or START + timedelta(minutes=next(_counter))
    event = _base(
        "ActivityEvent",
        "Completed",
        student,
        at,
        profile="TimebackProfile",
        object={
            "id": lesson,
            "type": "TimebackActivityContext",
            "activity": {"id": lesson},
            "course": {"id": course},
        },
        generated={
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": "TimebackActivityMetricsCollection",
            "attempt": attempt,
            "items": [{"type": name, "value": value} for name, value in items.items()],
        },
        extensions={
            "course": {"id": course},
            "lesson": {"id": lesson},
            **({"runId": run} if run else {}),
        },
    )
    return event


def item(student="stu-1", lesson="lesson-1", course="course-1", *, correct=True, at=None):
    """An AssessmentItemEvent Completed: one answered question of the lesson."""
    at = at or START + timedelta(minutes=next(_counter))
    question = f"https://app.example/items/{uuid.uuid4()}"
    return _base(
        "AssessmentItemEvent",
        "Completed",
        student,
        at,
        profile="AssessmentProfile",
        object={"id": question, "type": "AssessmentItem"},
        generated={
            "id": f"{question}/response",
            "type": "Response",
            "extensions": {"isCorrect": correct},
        },
        extensions={"course": {"id": course}, "lesson": {"id": lesson}},
    )


def time_spent(
    student="stu-1", lesson="lesson-1", course="course-1", *, at=None, run=None, **seconds
):
    """A TimebackProfile TimeSpentEvent; seconds like active=600, inactive=60."""
    at = at or START + timedelta(minutes=next(_counter))
    return _base(
        "TimeSpentEvent",
        "SpentTime",
        student,
        at,
        profile="TimebackProfile",
        object={"id": lesson, "type": "TimebackActivityContext", "course": {"id": course}},
        generated={
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": "TimebackTimeSpentMetricsCollection",
            "items": [
                {"type": kind.replace("_", "-"), "value": value} for kind, value in seconds.items()
            ],
        },
        extensions={
            "course": {"id": course},
            "lesson": {"id": lesson},
            **({"runId": run} if run else {}),
        },
    )


@pytest.fixture(autouse=True)
def _events_start_at_nine():
    """Each test's events start at START again: the minutes of a session-wide counter once
    carried later tests' events past midnight, off the day their rollups are read for."""
    global _counter
    _counter = itertools.count()


@pytest.fixture
def app_api(world):
    """The Math App (tests/world.py), with a real bearer token."""
    return world.math.api


@pytest.fixture
def catalogue(world):
    """course-1 (the Math App's) with unit-1 → lesson-1, lesson-2; students stu-1 (Ada) and
    stu-2 (Ben) in its class."""
    return world.math.course


@pytest.fixture
def send(app_api, django_capture_on_commit_callbacks):
    """send(*events) posts one envelope and runs what the commit hands to workers (eagerly)."""

    def post(*events, api=None, path="/ims/caliper/v1p2/events"):
        with django_capture_on_commit_callbacks(execute=True):
            response = (api or app_api).post(path, envelope(*events), format="json")
        return response

    return post
