"""EduBridge: the documented enrollmentFacts and the official client's activity/enrollment reads."""

from datetime import timedelta
from decimal import Decimal

import pytest

from gradebook.services import set_mastered_units
from rostering.models import Enrollment

from .conftest import GOOD_DAY, TODAY, rollup

pytestmark = pytest.mark.django_db

FACTS = "/ims/edubridge/analytics/v1p0/enrollmentFacts"
ACTIVITY = "/edubridge/analytics/activity"
# What the official client sends for start_date="2026-11-16", end_date="2026-11-20".
WEEK = "startDate=2026-11-16T00:00:00.000Z&endDate=2026-11-20T23:59:59.999Z"


# --- enrollmentFacts ------------------------------------------------------------------


def test_enrollment_facts_answer_xp_progress_and_last_activity(math_app, ada, math):
    rollup(ada, math, TODAY - timedelta(days=3), xp=Decimal(700))
    rollup(ada, math, TODAY - timedelta(days=2), xp=Decimal(550))
    set_mastered_units(
        source_key="s", units=3, student_id=ada.pk, course_id=math.pk, occurred_on=TODAY
    )
    response = math_app.get(FACTS + "?studentId=ada&courseId=math")
    assert response.status_code == 200
    assert response.json()["enrollmentFacts"] == [
        {
            "studentId": "ada",
            "courseId": "math",
            "xpEarned": 1250,
            "masteredUnits": 3,
            "totalUnits": 10,
            "pctCompleteApp": 30,
            "lastActivityDate": "2026-11-18",
        }
    ]


def test_enrollment_facts_list_one_fact_per_enrolled_student_and_course(
    math_app, ada, math, make_student, enroll, make_course
):
    enroll(make_student("bea"), math)
    enroll(ada, make_course(math_app.app, "science"))
    body = math_app.get(FACTS).json()
    assert [(f["studentId"], f["courseId"]) for f in body["enrollmentFacts"]] == [
        ("ada", "math"),
        ("ada", "science"),
        ("bea", "math"),
        # The example world's class of the Math App: Ada Lovelace and Ben, in course-1.
        ("stu-1", "course-1"),
        ("stu-2", "course-1"),
    ]
    assert body["enrollmentFacts"][2] == {
        "studentId": "bea",
        "courseId": "math",
        "xpEarned": 0,
        "masteredUnits": 0,
        "totalUnits": 10,
        "pctCompleteApp": 0,
        "lastActivityDate": None,
    }


def test_enrollment_facts_take_the_same_queries_for_more_students_and_history(
    math_app, ada, math, make_student, enroll, django_assert_max_num_queries
):
    rollup(ada, math, TODAY, **GOOD_DAY)
    with django_assert_max_num_queries(12) as small:
        math_app.get(FACTS)
    for n in range(5):
        student = make_student(f"s{n}")
        enroll(student, math)
        for offset in range(20):
            rollup(student, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        facts = math_app.get(FACTS).json()["enrollmentFacts"]
    assert {f["studentId"] for f in facts if f["courseId"] == "math"} == {
        "ada",
        *(f"s{n}" for n in range(5)),
    }


def test_enrollment_facts_of_another_apps_student_or_course_answer_404(other_app, ada, math):
    assert other_app.get(FACTS + "?studentId=ada").status_code == 404
    assert other_app.get(FACTS + "?courseId=math").status_code == 404
    assert other_app.get(FACTS).json()["enrollmentFacts"] == []


# --- the official client's activity ---------------------------------------------------


def metrics(xp, total, correct, units, active, inactive, waste, apps=("Math App",)):
    return {
        "activityMetrics": {
            "xpEarned": xp,
            "totalQuestions": total,
            "correctQuestions": correct,
            "masteredUnits": units,
        },
        "timeSpentMetrics": {
            "activeSeconds": active,
            "inactiveSeconds": inactive,
            "wasteSeconds": waste,
        },
        "apps": list(apps),
    }


def test_activity_answers_facts_per_date_and_subject_and_by_app(math_app, ada, math):
    rollup(
        ada,
        math,
        TODAY - timedelta(days=1),
        xp=Decimal("42.5"),
        items_answered=20,
        items_correct=17,
        mastered_units=Decimal(1),
        active_seconds=1890,
        wasted_seconds=165,
        inactive_seconds=120,
    )
    response = math_app.get(f"{ACTIVITY}?studentId=ada&{WEEK}")
    assert response.status_code == 200
    day = {"Math": metrics(42.5, 20, 17, 1, 1890, 120, 45)}
    assert response.json() == {
        "message": "Activity facts of ada from 2026-11-16 to 2026-11-20.",
        "studentId": "ada",
        "startDate": "2026-11-16T00:00:00.000Z",
        "endDate": "2026-11-20T23:59:59.999Z",
        "facts": {"2026-11-19": day},
        "factsByApp": {"Math App": {"2026-11-19": day}},
    }


def test_activity_sums_courses_of_one_subject(math_app, ada, math, make_course, enroll):
    algebra = make_course(math_app.app, "algebra", subjects=("Math",))
    enroll(ada, algebra)
    rollup(ada, math, TODAY, xp=Decimal(10), active_seconds=60)
    rollup(ada, algebra, TODAY, xp=Decimal(5), active_seconds=30)
    facts = math_app.get(f"{ACTIVITY}?studentId=ada&{WEEK}").json()["facts"]
    assert facts["2026-11-20"]["Math"]["activityMetrics"]["xpEarned"] == 15
    assert facts["2026-11-20"]["Math"]["timeSpentMetrics"]["activeSeconds"] == 90


def test_activity_finds_the_student_by_email_and_keeps_to_the_date_range(math_app, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(1))
    rollup(ada, math, TODAY - timedelta(days=10), xp=Decimal(1))
    body = math_app.get(f"{ACTIVITY}?email=ADA@school.example&{WEEK}").json()
    assert list(body["facts"]) == ["2026-11-20"]


@pytest.mark.parametrize(
    "query, field",
    [
        (WEEK, "studentId"),
        ("studentId=ada&endDate=2026-11-20", "startDate"),
        ("studentId=ada&startDate=2026-11-20", "endDate"),
        ("studentId=ada&startDate=nope&endDate=2026-11-20", "startDate"),
    ],
)
def test_activity_refuses_missing_or_bad_parameters(math_app, ada, query, field):
    response = math_app.get(f"{ACTIVITY}?{query}")
    assert response.status_code == 400
    assert field in response.json()["imsx_description"]


def test_activity_of_another_apps_student_answers_404(other_app, ada):
    assert other_app.get(f"{ACTIVITY}?studentId=ada&{WEEK}").status_code == 404
    assert other_app.get(f"{ACTIVITY}?email=ada@school.example&{WEEK}").status_code == 404


def test_activity_takes_the_same_queries_for_a_longer_range(
    math_app, ada, math, django_assert_max_num_queries
):
    rollup(ada, math, TODAY, **GOOD_DAY)
    query = f"{ACTIVITY}?studentId=ada&startDate=2026-01-01&endDate=2026-11-20"
    with django_assert_max_num_queries(12) as small:
        math_app.get(query)
    for offset in range(1, 90):
        rollup(ada, math, TODAY - timedelta(days=offset), **GOOD_DAY)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(math_app.get(query).json()["facts"]) == 90


# --- enrollment facts and enrollments of the official client --------------------------


def test_enrollment_activity_answers_the_enrollments_facts(math_app, ada, math):
    rollup(ada, math, TODAY, xp=Decimal(3), active_seconds=60)
    enrollment = Enrollment.objects.get(user=ada)
    body = math_app.get(f"/edubridge/analytics/enrollment/{enrollment.sourced_id}").json()
    assert body["enrollmentId"] == enrollment.sourced_id
    assert body["facts"]["2026-11-20"]["Math"]["activityMetrics"]["xpEarned"] == 3
    assert body["factsByApp"]["Math App"]["2026-11-20"]["Math"]["apps"] == ["Math App"]
    assert (body["startDate"], body["endDate"]) == (None, None)


def test_enrollment_activity_of_another_app_answers_404(other_app, ada):
    enrollment = Enrollment.objects.get(user=ada)
    assert (
        other_app.get(f"/edubridge/analytics/enrollment/{enrollment.sourced_id}").status_code == 404
    )
    assert other_app.get("/edubridge/analytics/enrollment/nope").status_code == 404


def test_user_enrollments_answer_the_clients_enrollment_model(math_app, ada, math, term):
    enrollment = Enrollment.objects.get(user=ada)
    enrollment.metadata = {"goals": {"dailyXp": 30}}
    enrollment.save()
    body = math_app.get("/edubridge/enrollments/user/ada").json()
    assert body == {
        "data": [
            {
                "id": enrollment.sourced_id,
                "role": "student",
                "beginDate": None,
                "endDate": None,
                "metadata": {
                    "goals": {
                        "dailyXp": 30,
                        "dailyLessons": 3,
                        "dailyActiveMinutes": 25,
                        "dailyAccuracy": 80,
                        "dailyMasteredUnits": 2,
                    }
                },
                "course": {
                    "id": "math",
                    "title": "Math",
                    "metadata": {"totalUnits": 10},
                    "subjects": ["Math"],
                    "grades": [],
                    "primaryApp": {"id": str(math_app.app.pk), "name": "Math App", "domains": []},
                },
                "school": {"id": "school", "name": "Maple Elementary"},
                "periods": [
                    {
                        "id": "term-1",
                        "title": "Fall",
                        "startDate": "2026-08-01",
                        "endDate": "2027-01-31",
                    }
                ],
                "testOutSupported": False,
                "testOutEligible": False,
            }
        ]
    }


def test_user_enrollments_of_another_app_answer_404(other_app, ada):
    assert other_app.get("/edubridge/enrollments/user/ada").status_code == 404
