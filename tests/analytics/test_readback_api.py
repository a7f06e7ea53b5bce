"""Partner read-back: /xp/1.0, /analytics/1.0, /insights/1.0, /gradebook/1.0/assessment-results."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core import scopes
from gradebook.models import AssessmentLineItem, AssessmentResult
from gradebook.services import credit_xp, set_mastered_units
from rostering.models import CourseComponent

from .conftest import GOOD_DAY, TODAY, rollup

pytestmark = pytest.mark.django_db

ACTIVITY = "/analytics/1.0/activity"


def xp_entry(student, course, day, amount, *, seq_of=None, lesson=None):
    return credit_xp(
        source_key=seq_of or f"src-{student.pk}-{course.pk}-{day}-{amount}",
        target=Decimal(amount),
        kind="reported",
        student_id=student.pk,
        course_id=course.pk,
        lesson_id=lesson.pk if lesson else None,
        partner_app_id=course.partner_app_id,
        occurred_on=day,
    )


def result(student, course, lesson, score, day):
    line_item, _ = AssessmentLineItem.objects.get_or_create(
        sourced_id=f"{lesson.sourced_id}:assessment",
        defaults={"title": "Quiz", "course": course, "lesson": lesson},
    )
    return AssessmentResult.objects.create(
        sourced_id=f"r-{student.sourced_id}-{lesson.sourced_id}-{day}",
        line_item=line_item,
        student=student,
        course=course,
        lesson=lesson,
        score=score,
        score_date=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        metadata={"accuracy": float(score)},
    )


# --- activity -------------------------------------------------------------------------


def test_activity_answers_one_row_per_student_course_and_day(math_app, ada, math):
    rollup(
        ada,
        math,
        TODAY,
        xp=Decimal("42.5"),
        active_seconds=1890,
        wasted_seconds=240,
        items_answered=20,
        items_correct=17,
        lessons_mastered=2,
        mastered_units=Decimal(1),
    )
    response = math_app.get(ACTIVITY)
    assert response.status_code == 200
    assert response.json()["activity"] == [
        {
            "studentId": "ada",
            "courseId": "math",
            "date": "2026-11-20",
            "xp": 42.5,
            "activeMinutes": 31.5,
            "wastedMinutes": 4.0,
            "activeSeconds": 1890,
            "wastedSeconds": 240,
            "accuracy": 85.0,
            "itemsAnswered": 20,
            "itemsCorrect": 17,
            "lessonsMastered": 2,
            "masteredUnits": 1,
        }
    ]


def test_accuracy_is_null_when_nothing_was_answered(math_app, ada, math):
    rollup(ada, math, TODAY, active_seconds=60)
    assert math_app.get(ACTIVITY).json()["activity"][0]["accuracy"] is None


def test_activity_is_filtered_by_date_range_student_course_and_class(
    math_app, ada, math, make_student, enroll, make_course
):
    bea = make_student("bea")
    enroll(bea, math)
    for day in (TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY):
        rollup(ada, math, day, xp=Decimal(1))
        rollup(bea, math, day, xp=Decimal(2))
    science = make_course(math_app.app, "science")
    enroll(ada, science)
    rollup(ada, science, TODAY, xp=Decimal(3))

    def keys(query):
        body = math_app.get(ACTIVITY + query).json()
        return [(r["studentId"], r["courseId"], r["date"][-2:]) for r in body["activity"]]

    assert keys("?startDate=2026-11-19&endDate=2026-11-19") == [
        ("ada", "math", "19"),
        ("bea", "math", "19"),
    ]
    assert keys("?student=bea&startDate=2026-11-20") == [("bea", "math", "20")]
    assert keys("?course=science") == [("ada", "science", "20")]
    assert keys("?class=science-class") == [("ada", "science", "20")]
    assert math_app.get(ACTIVITY + "?class=science-class&course=math").status_code == 404


def test_activity_pages_with_total_count_and_link_headers(math_app, ada, math):
    for offset in range(3):
        rollup(ada, math, TODAY - timedelta(days=offset))
    response = math_app.get(ACTIVITY + "?limit=2")
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and "offset=2" in response["Link"]
    body = response.json()
    assert (len(body["activity"]), body["totalCount"], body["pageCount"]) == (2, 3, 2)
    assert len(math_app.get(ACTIVITY + "?limit=2&offset=2").json()["activity"]) == 1


def test_activity_refuses_a_lesson_filter_because_rollups_are_per_course(math_app, ada):
    response = math_app.get(ACTIVITY + "?lesson=math-l1")
    assert response.status_code == 400
    assert "lesson" in response.json()["imsx_description"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?startDate=yesterday", "startDate"),
        ("?endDate=2026-13-45", "endDate"),
        ("?startDate=2026-11-20&endDate=2026-11-01", "startDate"),
        ("?limit=-1", "limit"),
        ("?limit=many", "limit"),
        ("?offset=1e9999", "offset"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(math_app, ada, query, field):
    response = math_app.get(ACTIVITY + query)
    assert response.status_code == 400
    assert field in response.json()["imsx_description"]


def test_iso_timestamps_count_as_their_utc_day(math_app, ada, math):
    rollup(ada, math, TODAY)
    query = "?startDate=2026-11-20T00:00:00.000Z&endDate=2026-11-20T23:59:59.999Z"
    assert len(math_app.get(ACTIVITY + query).json()["activity"]) == 1


def test_activity_reads_take_the_same_queries_whatever_the_history(
    math_app, ada, math, make_student, enroll, django_assert_max_num_queries
):
    rollup(ada, math, TODAY, **GOOD_DAY)
    with django_assert_max_num_queries(12) as small:
        assert math_app.get(ACTIVITY + "?limit=3000").status_code == 200
    for n in range(5):
        student = make_student(f"s{n}")
        enroll(student, math)
        for offset in range(1, 40):
            rollup(student, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = math_app.get(ACTIVITY + "?limit=3000").json()
    assert body["totalCount"] == 1 + 5 * 39


# --- isolation ------------------------------------------------------------------------


def test_another_apps_students_and_courses_answer_404(other_app, math_app, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(5))
    for path in (
        "/xp/1.0/users/ada/entries",
        "/insights/1.0/users/ada",
        ACTIVITY + "?course=math",
        ACTIVITY + "?student=ada",
        ACTIVITY + "?class=math-class",
        "/gradebook/1.0/assessment-results?lesson=math-l1",
    ):
        response = other_app.get(path)
        assert response.status_code == 404, path
        assert response.json()["imsx_description"]


def test_another_apps_rows_never_appear_in_a_collection(other_app, make_course, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(5))
    make_course(other_app.app, "art")
    assert other_app.get(ACTIVITY).json()["activity"] == []
    assert other_app.get("/gradebook/1.0/assessment-results").json()["assessmentResults"] == []


def test_a_student_not_enrolled_in_the_apps_courses_answers_404(math_app, make_student):
    make_student("zed")
    assert math_app.get("/insights/1.0/users/zed").status_code == 404
    assert math_app.get("/xp/1.0/users/nobody/entries").status_code == 404


def test_a_roster_source_reads_every_course(roster_api, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(5))
    assert [r["courseId"] for r in roster_api.get(ACTIVITY).json()["activity"]] == ["math"]


def test_read_back_needs_the_analytics_scope(make_partner, ada):
    client = make_partner("Writer", scopes=[scopes.EVENTS_WRITE])
    assert client.get(ACTIVITY).status_code == 403
    assert client.get("/insights/1.0/users/ada").status_code == 403


def test_read_back_needs_a_token(client, db):
    assert client.get(ACTIVITY).status_code == 401


# --- XP ledger ------------------------------------------------------------------------


def test_xp_entries_list_credits_and_corrections_with_their_total(math_app, ada, math):
    lesson = CourseComponent.objects.get(sourced_id="math-l1")
    xp_entry(ada, math, TODAY, 10, seq_of="act-1", lesson=lesson)
    xp_entry(ada, math, TODAY, 8, seq_of="act-1", lesson=lesson)  # corrected down to 8
    body = math_app.get("/xp/1.0/users/ada/entries").json()
    assert [(e["xp"], e["correction"], e["lessonId"]) for e in body["entries"]] == [
        (10, False, "math-l1"),
        (-2, True, "math-l1"),
    ]
    assert body["totalXp"] == 8


def test_xp_entries_are_filtered_by_course_lesson_and_dates(
    math_app, ada, math, make_course, enroll
):
    science = make_course(math_app.app, "science")
    enroll(ada, science)
    lesson = CourseComponent.objects.get(sourced_id="math-l2")
    xp_entry(ada, math, TODAY - timedelta(days=1), 4)
    xp_entry(ada, math, TODAY, 5, lesson=lesson)
    xp_entry(ada, science, TODAY, 6)

    def amounts(query):
        return [
            e["xp"] for e in math_app.get("/xp/1.0/users/ada/entries" + query).json()["entries"]
        ]

    assert amounts("?course=math") == [4, 5]
    assert amounts("?lesson=math-l2") == [5]
    assert amounts("?startDate=2026-11-20") == [5, 6]
    assert math_app.get("/xp/1.0/users/ada/entries?course=math").json()["totalXp"] == 9


def test_xp_entries_take_the_same_queries_for_a_longer_ledger(
    math_app, ada, math, django_assert_max_num_queries
):
    xp_entry(ada, math, TODAY, 1)
    with django_assert_max_num_queries(12) as small:
        math_app.get("/xp/1.0/users/ada/entries")
    for n in range(60):
        xp_entry(ada, math, TODAY - timedelta(days=n % 30), n + 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(math_app.get("/xp/1.0/users/ada/entries").json()["entries"]) == 61


# --- insights -------------------------------------------------------------------------


def test_insights_answer_goals_today_streak_progress_and_flags(math_app, ada, math):
    for offset in range(3):
        rollup(ada, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    set_mastered_units(
        source_key="a", units=4, student_id=ada.pk, course_id=math.pk, occurred_on=TODAY
    )
    body = math_app.get("/insights/1.0/users/ada?date=2026-11-20").json()["insights"]
    assert (body["studentId"], body["date"], body["xpToday"], body["xpGoalToday"]) == (
        "ada",
        "2026-11-20",
        120,
        100,
    )
    assert (body["goalMetToday"], body["streak"], body["goalMetDays"]) == (True, 3, 3)
    assert body["timeBack"] == {"goalMetSchoolDays": 3, "hours": 15, "schoolDays": 2.1}
    assert body["flags"] == []
    (course,) = body["courses"]
    assert course["courseId"] == "math"
    assert course["goals"]["dailyXp"] == 100
    assert course["goalsMet"]["all"] is True
    assert course["progress"] == {"masteredUnits": 4, "totalUnits": 10, "pctCompleteApp": 40}


def test_insights_flag_a_student_with_reasons(math_app, ada, math):
    rollup(ada, math, TODAY, active_seconds=60, items_answered=20, items_correct=10)
    flags = math_app.get("/insights/1.0/users/ada?date=2026-11-20").json()["insights"]["flags"]
    assert [f["code"] for f in flags] == ["low_effort", "too_hard"]
    assert all(f["reason"] for f in flags)


def test_insights_leave_out_another_apps_courses(math_app, other_app, make_course, enroll, ada):
    art = make_course(other_app.app, "art")
    enroll(ada, art)
    rollup(ada, art, TODAY, xp=Decimal(50))
    body = math_app.get("/insights/1.0/users/ada?date=2026-11-20").json()["insights"]
    assert [c["courseId"] for c in body["courses"]] == ["math"]
    assert body["xpToday"] == 0


def test_insights_take_the_same_queries_for_more_history(
    math_app, ada, math, django_assert_max_num_queries
):
    rollup(ada, math, TODAY, **GOOD_DAY)
    with django_assert_max_num_queries(12) as small:
        math_app.get("/insights/1.0/users/ada?date=2026-11-20")
    for offset in range(1, 100):
        rollup(ada, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert (
            math_app.get("/insights/1.0/users/ada?date=2026-11-20").json()["insights"][
                "goalMetDays"
            ]
            == 100
        )


def test_insights_refuse_a_bad_date(math_app, ada):
    response = math_app.get("/insights/1.0/users/ada?date=2026-02-30")
    assert response.status_code == 400
    assert "date" in response.json()["imsx_description"]


# --- assessment results ---------------------------------------------------------------


def test_assessment_results_are_listed_and_filtered(math_app, ada, math, make_student, enroll):
    bea = make_student("bea")
    enroll(bea, math)
    l1, l2 = (CourseComponent.objects.get(sourced_id=f"math-l{n}") for n in (1, 2))
    result(ada, math, l1, Decimal(90), TODAY - timedelta(days=1))
    result(ada, math, l2, Decimal(70), TODAY)
    result(bea, math, l1, Decimal(50), TODAY)
    path = "/gradebook/1.0/assessment-results"

    def scores(query=""):
        return [r["score"] for r in math_app.get(path + query).json()["assessmentResults"]]

    assert scores() == [90, 70, 50]
    assert scores("?lesson=math-l1") == [90, 50]
    assert scores("?student=ada&startDate=2026-11-20") == [70]
    first = math_app.get(path + "?limit=1").json()["assessmentResults"][0]
    assert first == {
        "sourcedId": "r-ada-math-l1-2026-11-19",
        "status": "active",
        "dateLastModified": first["dateLastModified"],
        "studentId": "ada",
        "courseId": "math",
        "lessonId": "math-l1",
        "assessmentLineItemId": "math-l1:assessment",
        "score": 90,
        "scoreStatus": "fully graded",
        "scoreDate": "2026-11-19T10:00:00Z",
        "comment": "",
        "metadata": {"accuracy": 90.0},
    }


def test_assessment_results_take_the_same_queries_for_more_results(
    math_app, ada, math, django_assert_max_num_queries
):
    lesson = CourseComponent.objects.get(sourced_id="math-l1")
    result(ada, math, lesson, Decimal(90), TODAY)
    with django_assert_max_num_queries(12) as small:
        math_app.get("/gradebook/1.0/assessment-results")
    for n in range(1, 30):
        result(ada, math, lesson, Decimal(n), TODAY - timedelta(days=n))
    with django_assert_max_num_queries(len(small.captured_queries)):
        math_app.get("/gradebook/1.0/assessment-results")


def test_the_schema_documents_the_read_back_with_examples(client, db):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/xp/1.0/users/{user_id}/entries/",
        "/analytics/1.0/activity/",
        "/insights/1.0/users/{user_id}/",
        "/gradebook/1.0/assessment-results/",
    ):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert content["examples"], path
