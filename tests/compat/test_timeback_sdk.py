"""Timeback's partner SDK (`timeback-sdk` 0.4.0, FastAPI) against a live server, played as a
partner's front-end plays it (sdk_scenario.py, in .venv-compat): sign-in with Timeback
through the real login form, heartbeats and submits, a retried submit, a second attempt, an
activity outside the catalogue, and the submit that completes the course. Every number the
front-end sent comes back exact through EduBridge, the gradebook the SDK reads, and the
student's dashboard (docs/api.md#the-partner-sdk)."""

import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections

from gradebook.models import AssessmentResult
from rostering import services
from tests.factories import (
    PASSWORD,
    ClassFactory,
    CourseFactory,
    EnrollmentFactory,
    LessonFactory,
    PartnerAppFactory,
    ResourceFactory,
    SchoolFactory,
    StudentFactory,
    api_of,
)

from .conftest import HERE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

COURSE = "fractions-g3"
CALLBACK = "https://fractions.example/api/timeback/identity/callback"
ACTIVITY_URL = "https://fractions.example/activities/Math/g3/"
WARMUP = {"id": "fractions-warmup", "name": "Fractions warm-up"}
BONUS = {"id": "bonus-puzzle", "name": "Bonus puzzle"}  # not a published lesson
REVIEW = {"id": "fractions-review", "name": "Fractions review"}
# What the front-end sends: (elapsedMs, pausedMs) per heartbeat, then the submit's metrics.
PLAN = [
    {
        **WARMUP,
        "heartbeats": [[300_000, 0], [240_000, 30_000]],
        "metrics": {
            "xpEarned": 12,
            "totalQuestions": 10,
            "correctQuestions": 8,
            "masteredUnits": 1,
        },
    },
    {"resend": True},  # the same submit again: a retry, not an attempt
    {
        **WARMUP,
        "heartbeats": [[180_000, 0]],
        "metrics": {"xpEarned": 8, "totalQuestions": 5, "correctQuestions": 5, "masteredUnits": 1},
    },
    {
        **BONUS,
        "heartbeats": [[120_000, 0]],
        "metrics": {"xpEarned": 5, "totalQuestions": 4, "correctQuestions": 3, "masteredUnits": 1},
    },
    {
        **REVIEW,
        "heartbeats": [[240_000, 0]],
        "metrics": {"xpEarned": 10, "totalQuestions": 6, "correctQuestions": 6, "masteredUnits": 1},
    },
]
SENT = [step for step in PLAN if "metrics" in step]
XP = sum(step["metrics"]["xpEarned"] for step in SENT)  # 35: both attempts add
ACTIVE = sum(e for step in SENT for e, _ in step["heartbeats"]) // 1000  # 1080 s
PAUSED = sum(p for step in SENT for _, p in step["heartbeats"]) // 1000  # 30 s
UNITS = sum(step["metrics"]["masteredUnits"] for step in SENT)  # 4 of 4
QUESTIONS = sum(step["metrics"]["totalQuestions"] for step in SENT)
CORRECT = sum(step["metrics"]["correctQuestions"] for step in SENT)


@pytest.fixture(autouse=True)
def _live_server_closes_its_connections():
    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def partner(transactional_db):
    """The partner's app with one confidential client (API and sign-in), its course synced
    as `timeback resources push` leaves it (lessons, the `{course}-cr` component resource the
    SDK's completion entry names), and a student enrolled in a class of it."""
    app = PartnerAppFactory(name="Fractions Quest", client__redirect_uris=[CALLBACK])
    app.oauth_client.skip_consent = True  # an admin's decision for a trusted app
    app.oauth_client.save()
    school = SchoolFactory()
    course = CourseFactory(
        sourced_id=COURSE, title="Math G3", partner_app=app, org=school, metadata={"totalUnits": 4}
    )
    lessons = [
        LessonFactory(sourced_id=WARMUP["id"], course=course),
        LessonFactory(sourced_id="fractions-compare", course=course),
        LessonFactory(sourced_id=REVIEW["id"], course=course),
    ]
    resource = ResourceFactory(sourced_id=f"{COURSE}-resource", partner_app=app)
    services.upsert_component_resource(
        sourced_id=f"{COURSE}-cr", course_component=lessons[0], resource=resource, title="Complete"
    )
    student = StudentFactory(sourced_id="stu-ada", email="ada@school.example", org=school)
    klass = ClassFactory(sourced_id="math-g3-a", course=course, school=school)
    EnrollmentFactory(sourced_id="enr-ada", user=student, klass=klass)
    return app, student


_observed: dict = {}


@pytest.fixture
def seen(request) -> dict:
    """What the SDK's front-end saw, and what this server then answers about the student
    (EduBridge, the gradebook, the student's page). The scenario runs once, for the first
    test that asks (~20 s); later tests read what was observed, not the database (which
    every transactional test empties behind it)."""
    if not _observed:
        _observed.update(_run_and_observe(request))
    return _observed


def _run_and_observe(request) -> dict:
    app, student = request.getfixturevalue("partner")
    compat_python = request.getfixturevalue("compat_python")
    live_server = request.getfixturevalue("live_server")
    now = datetime.now(UTC).replace(microsecond=0)
    start = max(now - timedelta(minutes=40), now.replace(hour=0, minute=0, second=1))
    config = {
        "base_url": live_server.url,
        "client_id": app.oauth_client.id,
        "client_secret": app.client_secret,
        "course": COURSE,
        "total_lessons": 4,
        "username": student.username,
        "password": PASSWORD,
        "start": start.isoformat(),
        "plan": PLAN,
    }
    done = subprocess.run(
        [compat_python, str(HERE / "sdk_scenario.py"), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd="/",  # the SDK's package is `timeback`, like this project's
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout)
    assert "error" not in seen, f"{seen['error']}\n{seen.get('traceback', '')}"
    day = start.date().isoformat()
    api = api_of(app)
    activity = api.get(
        "/edubridge/analytics/activity", {"studentId": "stu-ada", "startDate": day, "endDate": day}
    )
    assert activity.status_code == 200, activity.content
    totals = {}
    assert day in activity.json()["facts"], json.dumps(seen)[:6000]
    for subject in activity.json()["facts"][day].values():
        for group in ("activityMetrics", "timeSpentMetrics"):
            for name, value in subject[group].items():
                totals[name] = totals.get(name, 0) + value
    facts = api.get("/ims/edubridge/analytics/v1p0/enrollmentFacts", {"studentId": "stu-ada"})
    results = {
        r.line_item.sourced_id: r
        for r in AssessmentResult.objects.select_related("line_item", "student")
    }
    page = request.getfixturevalue("client")
    page.force_login(student)
    summary = page.get("/me/").context["summary"]
    return {
        **seen,
        "edubridge": totals,
        "enrollment_facts": facts.json()["enrollmentFacts"],
        "attempts": {
            item: sorted(
                (r.metadata.get("attempt"), r.metadata.get("xp"), r.lesson_id is None)
                for r in results_of(item)
            )
            for item in {r.line_item.sourced_id for r in results.values()}
            if item.startswith("caliper_")
        },
        "completion": [
            (r.student.sourced_id, r.line_item.sourced_id)
            for r in results.values()
            if r.metadata.get("isMasteryCompletion")
        ],
        "dashboard": {
            "pct": [c.progress.pct_complete for c in summary.courses],
            "units": [c.progress.mastered_units for c in summary.courses],
            "xp": sum(xp for _, xp in summary.daily_xp),
            "active": summary.week_active_seconds,
        },
    }


def results_of(line_item: str):
    return AssessmentResult.objects.filter(line_item__sourced_id=line_item)


def caliper_line_item(activity: dict) -> str:
    name = f"{ACTIVITY_URL}{activity['id']}_{COURSE}"
    return "caliper_" + hashlib.sha256(name.encode()).hexdigest()


def test_the_student_signs_in_with_timeback_through_the_sdk(seen):
    assert seen["login_status"] == 302
    assert seen["callback_status"] == 302, seen.get("sign_in_error")
    assert seen["signed_in"] == {"id": "stu-ada", "email": "ada@school.example"}


def test_every_heartbeat_and_submit_is_accepted(seen):
    assert [(c["kind"], c["status"]) for c in seen["calls"]] == [
        ("heartbeat", 204),
        ("heartbeat", 204),
        ("submit", 204),
        ("resubmit", 204),
        ("heartbeat", 204),
        ("submit", 204),
        ("heartbeat", 204),
        ("submit", 204),
        ("heartbeat", 204),
        ("submit", 204),
    ]


def test_edubridge_answers_exactly_what_the_front_end_sent(seen):
    metrics = seen["edubridge"]
    assert metrics["xpEarned"] == XP  # both attempts of the warm-up add; the retry does not
    assert metrics["activeSeconds"] == ACTIVE
    assert metrics["inactiveSeconds"] == PAUSED
    assert metrics["masteredUnits"] == UNITS
    assert (metrics["totalQuestions"], metrics["correctQuestions"]) == (QUESTIONS, CORRECT)


def test_the_course_is_complete_at_the_end(seen):
    (fact,) = seen["enrollment_facts"]
    assert (fact["xpEarned"], fact["masteredUnits"], fact["pctCompleteApp"]) == (XP, UNITS, 100)
    # The SDK's own completion entry, written when its progress reached 100 %.
    ((student, line_item),) = seen["completion"]
    assert student == "stu-ada" and line_item.startswith("timeback_sdk_")


def test_the_warm_up_has_two_attempts_numbered_as_the_sdk_reads_them(seen):
    assert seen["attempts"][caliper_line_item(WARMUP)] == [(1, 12, False), (2, 8, False)]


def test_the_activity_outside_the_catalogue_is_credited_under_its_own_line_item(seen):
    assert seen["attempts"][caliper_line_item(BONUS)] == [(1, 5, True)]


def test_the_students_dashboard_shows_the_same_numbers(seen):
    dashboard = seen["dashboard"]
    assert dashboard["pct"] == [100]
    assert dashboard["units"] == [UNITS]
    assert dashboard["xp"] == XP
    assert dashboard["active"] == ACTIVE
