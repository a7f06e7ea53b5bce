"""The developer page's thirty-day learning outcomes read week sums of the daily rollups
that triggers on events_dailyactivity append (analytics.counts, migration analytics.0007):
whatever writes the rollups (the pipeline's recompute after ingestion, late histories,
duplicates, a deletion, a moved row), each (student, course, week)'s sums equal a SUM over
its rollups, and the window read from them equals the window summed from the rollups."""

import importlib
import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from analytics import counts
from analytics.models import DailyActivity, WeekActivitySum
from dashboards.selectors import _window_per_student
from events.models import RejectedEvent
from rostering.models import Course
from tests.factories import StudentFactory

from .conftest import NOW, TODAY
from .test_developer_why import timeback_event
from .test_window_per_student import student_by_student

pytestmark = [pytest.mark.django_db]

COLUMNS = counts.WEEK_COLUMNS


def summed_rollups() -> dict:
    """The truth: a SUM over the rollups per (student, course, week), zero keys left out."""
    sums = defaultdict(lambda: [0] * len(COLUMNS))
    for row in DailyActivity.objects.values("student_id", "course_id", "day", *COLUMNS):
        key = (row["student_id"], row["course_id"], row["day"] - timedelta(row["day"].weekday()))
        for n, column in enumerate(COLUMNS):
            sums[key][n] += row[column]
    return {key: tuple(v) for key, v in sums.items() if any(v)}


def stored_sums() -> dict:
    rows = WeekActivitySum.objects.values("student_id", "course_id", "week").annotate(
        **{f"s_{c}": Sum(c) for c in COLUMNS}
    )
    sums = {
        (r["student_id"], r["course_id"], r["week"]): tuple(r[f"s_{c}"] for c in COLUMNS)
        for r in rows
    }
    return {key: v for key, v in sums.items() if any(v)}


def test_the_week_sums_equal_the_rollups_after_ingesting_late_duplicate_and_rejected_events(
    school, login, send
):
    assert stored_sums() == summed_rollups() != {}  # the fixture's history
    course = school.course.sourced_id
    student = school.students[0].sourced_id

    def activity(days_ago, xp, total, correct, run):
        return timeback_event(
            "ActivityEvent",
            student,
            course,
            f"https://app.example/activities/{run}",
            {"xpEarned": xp, "totalQuestions": total, "correctQuestions": correct},
            at=NOW - timedelta(days=days_ago),
            run=run,
        )

    def spent(days_ago, seconds):
        return timeback_event(
            "TimeSpentEvent",
            student,
            course,
            "https://app.example/activities/t",
            {"active": seconds, "waste": 30},
            at=NOW - timedelta(days=days_ago),
        )

    first = [activity(0, 4, 10, 7, "a"), spent(0, 600), activity(2, 3, 5, 5, "b")]
    send(*first)
    # A history sent late (weeks already summed, one before the window), a duplicate of a
    # stored event, a second attempt of a run (recomputed, not added) and an event whose
    # eventTime is not a date-time (rejected, kept apart).
    broken = spent(1, 60)
    broken["eventTime"] = "20/11/2026"
    send(
        activity(9, 5, 8, 6, "c"),
        spent(9, 300),
        activity(40, 2, 4, 1, "d"),
        first[0],
        spent(2, 120),
        broken,
    )
    assert RejectedEvent.objects.filter(partner_app=school.app).count() == 1
    today = DailyActivity.objects.filter(student=school.students[0], day=TODAY)
    before = today.values_list(*COLUMNS).get()
    send(timeback_event(
        "ActivityEvent", student, course, "https://app.example/activities/a",
        {"xpEarned": 6, "totalQuestions": 10, "correctQuestions": 9}, at=NOW, run="a",
        attempt=2,
    ))  # fmt: skip
    assert stored_sums() == summed_rollups()
    assert today.values_list(*COLUMNS).get() != before  # recomputed in place
    # A deletion and a rollup moved to another week and student.
    DailyActivity.objects.filter(student=school.students[1]).delete()
    moved = DailyActivity.objects.filter(student=school.students[2]).first()
    DailyActivity.objects.filter(pk=moved.pk).update(
        day=moved.day - timedelta(days=8), student=StudentFactory(sourced_id="moved-to")
    )
    assert stored_sums() == summed_rollups()

    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    report = page.context["report"]
    courses = Course.objects.filter(partner_app=school.app).values("pk")
    start = TODAY - timedelta(days=29)
    active, totals, buckets = student_by_student(list(courses.values_list("pk", flat=True)),
                                                 start, TODAY)  # fmt: skip
    assert (report.active_students, report.xp) == (active, totals["xp"])
    assert (report.active_seconds, report.wasted_seconds) == (totals["active"], totals["wasted"])
    assert [n for _, n in report.accuracy_buckets] == buckets


@pytest.mark.parametrize("seed", [1, 2])
def test_every_window_read_from_the_week_sums_equals_the_window_summed_from_the_rollups(
    school, seed
):
    rng = random.Random(seed)
    course = school.course
    students = [StudentFactory(sourced_id=f"wk-{seed}-{n}") for n in range(12)]
    for student in students:
        for offset in rng.sample(range(-3, 60), 25):
            DailyActivity.objects.create(
                student=student,
                course=course,
                day=TODAY - timedelta(days=offset),  # some after today: a later local day
                xp=Decimal(rng.randrange(5000)) / 100,
                active_seconds=rng.randrange(3000),
                wasted_seconds=rng.randrange(600),
                items_answered=(answered := rng.randrange(20)),
                items_correct=rng.randrange(answered + 1),
            )
    courses = Course.objects.filter(partner_app=school.app).values("pk")
    ids = list(courses.values_list("pk", flat=True))
    # Windows ending on each day of the week (each way of reading the first and last
    # weeks), thirty days long and shorter than two weeks.
    for back in range(8):
        end = TODAY - timedelta(days=back)
        for length in (30, 10, 15):
            start = end - timedelta(days=length - 1)
            assert _window_per_student(courses, start, end) == student_by_student(
                ids, start, end
            ), (start, end)


def test_a_view_folds_a_weeks_many_deltas_into_one_row_a_key(school, login):
    student = school.students[0]
    for n in range(counts.FOLD_ABOVE + 20):  # one recompute each: one delta row each
        DailyActivity.objects.update_or_create(
            student=student, course=school.course, day=TODAY - timedelta(days=10),
            defaults={"xp": n + 1, "active_seconds": 60 * (n + 1)},
        )  # fmt: skip
    week = TODAY - timedelta(days=10 + (TODAY - timedelta(days=10)).weekday())
    key = {"student": student, "course": school.course, "week": week}
    assert WeekActivitySum.objects.filter(**key).count() > counts.FOLD_ABOVE
    before = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    assert WeekActivitySum.objects.filter(**key).count() == 1  # folded by the view
    assert stored_sums() == summed_rollups()
    after = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    assert (before.xp, before.active_seconds) == (after.xp, after.active_seconds)


def test_the_migration_backfills_the_sums_of_rollups_written_before_it(school):
    WeekActivitySum.objects.all().delete()
    assert stored_sums() == {} != summed_rollups()
    migration = importlib.import_module("analytics.migrations.0007_week_activity_sums")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert stored_sums() == summed_rollups()


def test_emptying_the_rollups_empties_the_sums(school):
    assert WeekActivitySum.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixture's rows: checked now
        cursor.execute("TRUNCATE events_dailyactivity")
    assert not WeekActivitySum.objects.exists()
