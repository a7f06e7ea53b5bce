"""The read-back of hole filling (docs/hole-filling.md#read-back) and who sees a plan: the
exact shape of GET /analytics/1.0/users/{id}/remediation, the open plan in insights, and
the plan's OneRoster course through the rostering API."""

import pytest

from core import scopes
from remediation.models import RemediationPlan
from tests.world import another_api

from .conftest import ID, grade_event, later, put_mastery_test

pytestmark = pytest.mark.django_db

ROSTER = "/ims/oneroster/rostering/v1p2"


def remediation(api, student="stu-1"):
    return api.get(f"/analytics/1.0/users/{student}/remediation")


def test_a_student_without_a_plan_reads_an_empty_list(world, holes):
    response = remediation(world.math.api)
    assert response.status_code == 200
    assert response.json() == {"plans": []}


def test_the_plan_reads_back_in_the_documented_shape(world, holes, send):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60, G3_FRA_1=30)
    send(grade_event(lesson="lesson-mul-2", given=95, at=later(1)))
    plan = RemediationPlan.objects.get()

    assert remediation(world.math.api).json() == {
        "plans": [
            {
                "id": str(plan.pk),
                "status": "open",
                "subject": "Mathematics",
                "course": {"sourcedId": plan.course.sourced_id},
                "standards": [
                    {
                        "identifier": ID["G3.MUL.2"],
                        "humanCodingScheme": "G3.MUL.2",
                        "role": "prerequisite",
                        "mastered": True,
                        "lessons": [
                            {
                                "sourcedId": "lesson-mul-2",
                                "title": "Groups of objects",
                                "mastered": True,
                            }
                        ],
                    },
                    {
                        "identifier": ID["G3.FRA.1"],
                        "humanCodingScheme": "G3.FRA.1",
                        "role": "missed",
                        "mastered": False,
                        "lessons": [],
                    },
                    {
                        "identifier": ID["G3.MUL.3"],
                        "humanCodingScheme": "G3.MUL.3",
                        "role": "missed",
                        "mastered": False,
                        "lessons": [
                            {"sourcedId": "lesson-2", "title": "Lesson 2", "mastered": False}
                        ],
                    },
                ],
                "contentGaps": [{"identifier": ID["G3.FRA.1"], "humanCodingScheme": "G3.FRA.1"}],
                "readyForRetest": False,
            }
        ]
    }


def test_status_reads_ready_then_closed(world, holes, send):
    put_mastery_test(world.math.api, G3_MUL_3=60)
    send(grade_event(lesson="lesson-2", given=95, at=later(1)))
    send(grade_event(lesson="lesson-mul-2", given=95, at=later(1)))
    send(grade_event(lesson="lesson-1", given=95, at=later(1)))
    (plan,) = remediation(world.math.api).json()["plans"]
    assert (plan["status"], plan["readyForRetest"]) == ("ready", True)

    put_mastery_test(world.math.api, sourced_id="mt-2", at=later(2), G3_MUL_3=100)

    (plan,) = remediation(world.math.api).json()["plans"]
    assert (plan["status"], plan["readyForRetest"]) == ("closed", False)


def test_a_plan_is_read_only_by_those_who_may_see_the_student(world, holes, roster_api):
    put_mastery_test(world.math.api, G3_MUL_3=60)

    assert len(remediation(roster_api).json()["plans"]) == 1
    # The Science App does not teach Ada: her plan is not there for it, as she is not.
    science = remediation(world.science.api)
    assert science.status_code == 404
    assert "plans" not in science.json()
    assert remediation(world.science.api, "nobody").status_code == 404
    world.math.api.credentials()
    assert remediation(world.math.api).status_code == 401


def test_a_token_without_the_analytics_scope_is_refused(world, holes):
    api = another_api(world.math.app, scopes=[scopes.oneroster("roster.readonly")])
    assert remediation(api).status_code == 403


def test_insights_carry_the_open_plan(world, holes):
    assert world.math.api.get("/insights/1.0/users/stu-1").json()["insights"]["remediation"] == {
        "plans": []
    }
    put_mastery_test(world.math.api, G3_MUL_3=60)

    insights = world.math.api.get("/insights/1.0/users/stu-1").json()["insights"]
    (plan,) = insights["remediation"]["plans"]
    assert plan == remediation(world.math.api).json()["plans"][0]


def test_the_plans_course_is_seen_by_the_roster_source_and_the_app_whose_lessons_it_holds(
    world, holes, roster_api
):
    put_mastery_test(world.math.api, G3_MUL_3=60)
    course = RemediationPlan.objects.get().course.sourced_id

    for api in (roster_api, world.math.api):
        body = api.get(f"{ROSTER}/courses/{course}").json()
        assert body["course"]["title"] == "Hole filling: Mathematics"
        enrollments = api.get(f"{ROSTER}/classes/{course}/students").json()["users"]
        assert [u["sourcedId"] for u in enrollments] == ["stu-1"]
    assert world.science.api.get(f"{ROSTER}/courses/{course}").status_code == 404
    # The components name the aligned lessons through their resources.
    links = world.math.api.get(f"{ROSTER}/courses/component-resources").json()
    in_plan = [
        link["resource"]["sourcedId"]
        for link in links["componentResources"]
        if link["title"] == "Lesson 2" and link["sourcedId"].startswith("holefill-")
    ]
    assert len(in_plan) == 1


def test_the_schema_documents_the_remediation_read_back_with_its_example(client, db):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/analytics/1.0/users/{user_id}/remediation/"]["get"]
    (example,) = operation["responses"]["200"]["content"]["application/json"]["examples"].values()
    plan = example["value"]["plans"][0]
    assert set(plan) == {
        "id",
        "status",
        "subject",
        "course",
        "standards",
        "contentGaps",
        "readyForRetest",
    }
    assert operation["security"] == [{"partnerToken": []}]


def test_the_read_back_takes_as_many_queries_for_many_plans_as_for_one(
    world, holes, django_assert_max_num_queries
):
    put_mastery_test(world.math.api, G3_MUL_3=60)
    with django_assert_max_num_queries(10) as one:
        remediation(world.math.api)
    # Read now: every request resets the connection's query log.
    queries_for_one = len(one.captured_queries)
    put_mastery_test(world.math.api, sourced_id="mt-2", at=later(1), G3_MUL_3=99)
    put_mastery_test(world.math.api, sourced_id="mt-3", at=later(2), G3_MUL=50, G3_FRA_1=10)

    assert len(remediation(world.math.api).json()["plans"]) == 2
    with django_assert_max_num_queries(queries_for_one):
        remediation(world.math.api)
