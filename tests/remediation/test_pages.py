"""Hole filling on the pages (docs/hole-filling.md#pages): the student's "Your plan" with
the next lesson first, the guide's class view with each open plan, readiness and the
most-missed standards, and the guide's form to close or adjust a plan."""

import pytest

from remediation.models import RemediationPlan

from .conftest import ID, grade_event, later, put_mastery_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world, holes):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60, G3_FRA_1=20)
    put_mastery_test(world.math.api, "stu-2", sourced_id="mt-ben", G3_MUL_3=50)
    return RemediationPlan.objects.get(student=world.ada)


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_student_sees_your_plan_with_the_next_lesson_first(client, world, plan, send):
    html = page(client, world.ada, "/me/")
    assert "Your plan" in html
    assert "Next lesson: <strong>Groups of objects</strong>" in html
    assert "0 of 2 lessons mastered" in html
    assert "content gap" in html
    assert html.index("G3.MUL.2") < html.index("G3.MUL.3")

    send(grade_event(lesson="lesson-mul-2", given=100, at=later(1)))

    html = page(client, world.ada, "/me/")
    assert "Next lesson: <strong>Lesson 2</strong>" in html
    assert "1 of 2 lessons mastered" in html


def test_the_student_is_told_when_ready_to_retest(client, world, plan, send):
    send(grade_event(lesson="lesson-mul-2", given=100, at=later(1)))
    send(grade_event(lesson="lesson-2", given=100, at=later(1)))

    html = page(client, world.ada, "/me/")
    assert "Ready to retest" in html
    assert "Next lesson" not in html


def test_a_student_without_a_plan_sees_no_plan_section(client, world, holes):
    assert "Your plan" not in page(client, world.ada, "/me/")


def test_the_guardian_sees_the_childs_plan_without_the_guide_form(client, world, plan):
    html = page(client, world.guardian, f"/students/{world.ada.pk}/")
    assert "Hole-filling plan" in html and "Next lesson" in html
    assert "Close or adjust" not in html


def test_the_guide_sees_each_students_plan_readiness_and_the_most_missed_standards(
    client, world, plan
):
    html = page(client, world.rivera, f"/classes/{world.math.klass.pk}/")
    assert 'data-testid="plan-row-stu-1"' in html and 'data-testid="plan-row-stu-2"' in html
    assert "Close or adjust" in html
    most = html[html.index('data-testid="most-missed"') :]
    # G3.MUL.3 is missed by both students, G3.FRA.1 by Ada alone.
    assert most.index("G3.MUL.3") < most.index("G3.FRA.1")
    assert "2 students" in most


def test_the_guide_closes_a_plan_with_a_reason_through_the_form(client, world, plan):
    client.force_login(world.rivera)
    back = f"/classes/{world.math.klass.pk}/"
    response = client.post(
        f"/plans/{plan.pk}/change/",
        {"action": "close", "reason": "Taught again in a small group.", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    plan.refresh_from_db()
    assert plan.status == "closed"
    assert plan.changes.get(kind="closed").reason == "Taught again in a small group."
    assert 'data-testid="plan-row-stu-1"' not in page(client, world.rivera, back)


def test_the_guide_takes_a_standard_out_of_a_plan(client, world, plan):
    client.force_login(world.rivera)
    response = client.post(
        f"/plans/{plan.pk}/change/",
        {"action": "adjust", "standards": [ID["G3.FRA.1"]], "reason": "Not taught this year."},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert ID["G3.FRA.1"] not in [s["identifier"] for s in plan.steps]
    assert plan.excluded == {ID["G3.FRA.1"]: "Not taught this year."}


def test_a_change_without_a_reason_is_refused(client, world, plan):
    client.force_login(world.rivera)
    response = client.post(f"/plans/{plan.pk}/change/", {"action": "close", "reason": ""})
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == "open"


@pytest.mark.parametrize("who", ["ada", "guardian", "okafor"])
def test_only_a_guide_or_administrator_of_the_student_may_change_a_plan(client, world, plan, who):
    client.force_login(getattr(world, who))
    response = client.post(f"/plans/{plan.pk}/change/", {"action": "close", "reason": "x"})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.status == "open"


def test_the_plans_course_is_not_counted_among_the_students_courses_and_goals(world, plan):
    from analytics.selectors import student_insights

    courses = [c.course_ref for c in student_insights(world.ada, later(0).date()).courses]
    assert courses == ["course-1"]


def test_an_administrator_reads_a_plan_and_its_history_in_the_admin(admin_client, plan):
    response = admin_client.get(f"/admin/remediation/remediationplan/{plan.pk}/change/")
    assert response.status_code == 200
    assert "opened" in response.content.decode()
    assert (
        admin_client.post(f"/admin/remediation/remediationplan/{plan.pk}/delete/").status_code
        == 403
    )
