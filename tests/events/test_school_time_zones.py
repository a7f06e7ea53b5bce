"""A student's days are local days of their school (docs/dashboards.md#days-are-the-schools-local-days):
an event at 22:30 in Los Angeles counts on that Los Angeles day everywhere it is read, through
the real endpoint, pipeline, rollups, read-back, insights and EduBridge."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from analytics.models import DailyActivity
from events.models import TimeSpentFact
from gradebook.models import LessonMastery, XpEntry
from rostering.models import Org, User

from .conftest import activity, time_spent

pytestmark = pytest.mark.django_db

# Monday 2 November 2026, 22:30 in Los Angeles (PST, UTC-8) is Tuesday 06:30 UTC.
EVENING = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
LOCAL_DAY = date(2026, 11, 2)


@pytest.fixture
def los_angeles(world):
    Org.objects.filter(sourced_id="school").update(timezone="America/Los_Angeles")
    User.objects.filter(sourced_id="stu-1").update(primary_org=Org.objects.get(sourced_id="school"))


def evening_homework(send):
    run = {"run": "run-la", "at": EVENING}
    quiz = activity(totalQuestions=10, correctQuestions=10, **run)
    quiz["object"]["process"] = True  # also writes an assessment result, scored at EVENING
    return send(time_spent(active=600, **run), quiz)


def test_an_evening_event_in_los_angeles_counts_on_that_local_day(los_angeles, catalogue, send):
    assert evening_homework(send).json()["accepted"] == 2

    (rollup,) = DailyActivity.objects.filter(student__sourced_id="stu-1")
    assert rollup.day == LOCAL_DAY
    assert (rollup.xp, rollup.active_seconds, rollup.lessons_mastered) == (12.5, 600, 1)
    assert set(XpEntry.objects.values_list("occurred_on", flat=True)) == {LOCAL_DAY}
    assert set(TimeSpentFact.objects.values_list("occurred_on", flat=True)) == {LOCAL_DAY}
    assert LessonMastery.objects.get().mastered_at == EVENING


def test_the_same_event_in_a_utc_school_counts_on_the_utc_day(world, catalogue, send):
    evening_homework(send)
    assert DailyActivity.objects.get(student__sourced_id="stu-1").day == date(2026, 11, 3)


def test_read_back_filters_and_edubridge_dates_are_the_local_day(
    los_angeles, catalogue, send, app_api
):
    evening_homework(send)
    day = LOCAL_DAY.isoformat()

    activity_rows = app_api.get(f"/analytics/1.0/activity?startDate={day}&endDate={day}")
    assert [row["date"] for row in activity_rows.json()["activity"]] == [day]
    assert app_api.get("/analytics/1.0/activity?startDate=2026-11-03").json()["activity"] == []

    query = f"studentId=stu-1&startDate={day}&endDate={day}"
    facts = app_api.get(f"/edubridge/analytics/activity?{query}").json()["facts"]
    assert list(facts) == [day]

    results = "/gradebook/1.0/assessment-results"
    local = app_api.get(f"{results}?startDate={day}&endDate={day}").json()["assessmentResults"]
    assert [r["scoreDate"] for r in local] == ["2026-11-03T06:30:00Z"]
    assert app_api.get(f"{results}?startDate=2026-11-03").json()["assessmentResults"] == []

    (entry,) = app_api.get("/xp/1.0/users/stu-1/entries").json()["entries"]
    assert entry["date"] == day


def test_insights_count_today_in_the_students_school(los_angeles, catalogue, send, app_api):
    evening_homework(send)
    user = User.objects.get(sourced_id="stu-1")
    # 23:00 in Los Angeles is already the next day in UTC: "today" is still Monday there.
    with time_machine.travel(datetime(2026, 11, 3, 7, 0, tzinfo=UTC), tick=False):
        body = app_api.get(f"/insights/1.0/users/{user.sourced_id}").json()["insights"]
    assert body["date"] == LOCAL_DAY.isoformat()
    assert body["xpToday"] == 12.5
