"""Hole filling through the real engine (docs/hole-filling.md): a mastery test with
per-standard scores opens a plan, lessons mastered through Caliper events make the student
ready, and a retest closes the plan or renews it for what is still missed."""

import pytest

from gradebook.models import AssessmentResult
from remediation import selectors
from remediation.models import PlanChange, RemediationPlan

from .conftest import ID, TEST_DAY, grade_event, later, put_mastery_test, scores

pytestmark = pytest.mark.django_db


def plan_of(student):
    (view,) = selectors.plans_of(student)
    return view


def codes(view):
    return [(s.human_coding_scheme, s.role) for s in view.standards]


def test_a_mastery_test_below_the_threshold_opens_a_plan_with_prerequisites_and_gaps(world, holes):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)

    view = plan_of(world.ada)
    # G3.MUL.1 scored 95: mastered, so only G3.MUL.2 is an unmastered prerequisite.
    assert codes(view) == [("G3.MUL.2", "prerequisite"), ("G3.MUL.3", "missed")]
    # Ada is enrolled with the Math App only: the Science App's lesson-3 is not hers.
    assert [[x.sourced_id for x in s.lessons] for s in view.standards] == [
        ["lesson-mul-2"],
        ["lesson-2"],
    ]
    assert view.status == "open" and not view.ready_for_retest
    assert view.plan.subject == "Mathematics"
    assert view.plan.missed == [ID["G3.MUL.3"]]


def test_a_score_at_the_threshold_is_not_missed(world, holes):
    put_mastery_test(world.math.api, G3_MUL_3=90)

    assert RemediationPlan.objects.count() == 0


def test_a_test_that_is_not_a_mastery_test_opens_nothing(world, holes, send):
    send(grade_event(lesson="lesson-1", given=50, at=TEST_DAY, objectives=scores(G3_MUL_3=10)))

    (result,) = AssessmentResult.objects.all()
    assert result.learning_objective_set == scores(G3_MUL_3=10)
    assert RemediationPlan.objects.count() == 0


def test_mastering_the_plans_lessons_through_events_makes_the_student_ready(world, holes, send):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)

    send(grade_event(lesson="lesson-mul-2", given=95, at=later(1)))
    view = plan_of(world.ada)
    assert view.progress == (1, 2) and view.next_lesson.sourced_id == "lesson-2"
    assert view.standards[0].mastered and not view.standards[1].mastered

    send(grade_event(lesson="lesson-2", given=80, at=later(2)))  # below 90 %: not mastered
    assert not plan_of(world.ada).ready_for_retest

    send(grade_event(lesson="lesson-2", given=100, at=later(3)))
    view = plan_of(world.ada)
    assert view.ready_for_retest and view.status == "ready" and view.next_lesson is None


def test_a_passing_retest_through_caliper_closes_the_plan(world, holes, send):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)
    send(grade_event(lesson="lesson-mul-2", given=95, at=later(1)))
    send(grade_event(lesson="lesson-2", given=95, at=later(2)))

    send(grade_event(lesson="test-1", given=92, at=later(3), objectives=scores(G3_MUL_3=92)))

    plan = RemediationPlan.objects.get()
    assert plan.status == "closed" and "G3.MUL.3" in plan.close_reason
    assert plan_of(world.ada).status == "closed"
    assert [c.kind for c in plan.changes.all()] == ["opened", "closed"]
    # The student leaves the plan's class; the course stays for the record.
    assert plan.enrollment.status == "tobedeleted"


def test_a_failing_retest_renews_the_plan_for_what_is_still_missed(world, holes, send):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_2=70, G3_MUL_3=60)
    assert plan_of(world.ada).plan.missed == sorted([ID["G3.MUL.2"], ID["G3.MUL.3"]])
    send(grade_event(lesson="lesson-mul-2", given=95, at=later(1)))
    send(grade_event(lesson="lesson-2", given=95, at=later(2)))

    retest = scores(G3_MUL_2=95, G3_MUL_3=75)
    send(grade_event(lesson="test-1", given=85, at=later(3), objectives=retest))

    plan = RemediationPlan.objects.get()
    assert plan.status == "open" and plan.renewals == 1
    assert plan.missed == [ID["G3.MUL.3"]]
    view = plan_of(world.ada)
    # G3.MUL.2 now scored 95 and its lesson is mastered: no longer a prerequisite to work on.
    assert codes(view) == [("G3.MUL.3", "missed")]
    # lesson-2 was mastered already; the renewed plan is ready at once.
    assert view.ready_for_retest
    assert [c.kind for c in plan.changes.all()] == ["opened", "renewed"]


def test_a_retest_before_ready_counts_the_same(world, holes):
    put_mastery_test(world.math.api, G3_MUL_3=60)

    put_mastery_test(world.math.api, sourced_id="mt-2", at=later(1), G3_MUL_3=96)

    assert RemediationPlan.objects.get().status == "closed"


def test_an_older_test_written_late_changes_nothing(world, holes):
    put_mastery_test(world.math.api, at=later(5), G3_MUL_3=60)

    put_mastery_test(world.math.api, sourced_id="mt-old", at=later(1), G3_MUL_3=99)

    assert RemediationPlan.objects.get().status == "open"


def test_the_same_result_written_again_renews_nothing(world, holes):
    put_mastery_test(world.math.api, G3_MUL_3=60)
    put_mastery_test(world.math.api, G3_MUL_3=60)

    plan = RemediationPlan.objects.get()
    assert plan.renewals == 0 and plan.changes.count() == 1


def test_a_later_mastery_test_closes_the_plan_then_a_new_failure_opens_another(world, holes):
    put_mastery_test(world.math.api, G3_MUL_3=60)
    put_mastery_test(world.math.api, sourced_id="mt-2", at=later(1), G3_MUL_3=96)
    put_mastery_test(world.math.api, sourced_id="mt-3", at=later(9), G3_MUL_1=40)

    statuses = list(RemediationPlan.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["closed", "open"]


def test_the_plan_is_a_course_with_units_lessons_a_class_and_an_enrollment(world, holes):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)

    plan = RemediationPlan.objects.select_related("course", "klass", "enrollment").get()
    assert plan.course.title == "Hole filling: Mathematics"
    assert plan.course.partner_app_id is None
    units = list(plan.course.components.filter(status="active").order_by("sort_order"))
    assert [u.learning_standards for u in units] == [[ID["G3.MUL.2"]], [ID["G3.MUL.3"]]]
    named = [
        [link.resource.vendor_resource_id for link in u.component_resources.all()] for u in units
    ]
    assert named == [["lesson-mul-2"], ["lesson-2"]]
    assert plan.klass.course == plan.course
    assert (plan.enrollment.user, plan.enrollment.role) == (world.ada, "student")


def test_a_renewal_retires_the_units_of_standards_that_left_the_plan(world, holes):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_2=70, G3_MUL_3=60)
    put_mastery_test(world.math.api, sourced_id="mt-2", at=later(1), G3_MUL_2=99, G3_MUL_3=60)

    plan = RemediationPlan.objects.get()
    statuses = {
        tuple(standards): status
        for standards, status in plan.course.components.values_list("learning_standards", "status")
    }
    assert statuses == {(ID["G3.MUL.2"],): "tobedeleted", (ID["G3.MUL.3"],): "active"}


def test_a_missed_domain_brings_its_unmastered_children(world, holes):
    put_mastery_test(world.math.api, G3_MUL=50, G3_MUL_2=95)

    assert codes(plan_of(world.ada)) == [
        ("G3.MUL", "missed"),
        ("G3.MUL.1", "child"),
        ("G3.MUL.3", "child"),
    ]
    gaps = [s.human_coding_scheme for s in plan_of(world.ada).content_gaps]
    assert gaps == ["G3.MUL"]


def test_a_standard_with_no_lesson_in_any_app_is_a_content_gap(world, holes):
    put_mastery_test(world.math.api, G3_FRA_1=20)

    view = plan_of(world.ada)
    assert [s.human_coding_scheme for s in view.content_gaps] == ["G3.FRA.1"]
    assert view.ready_for_retest  # nothing to learn here: the guide sees the gap


def test_a_guide_closes_a_plan_with_a_reason_kept(world, holes):
    from remediation import services

    put_mastery_test(world.math.api, G3_MUL_3=60)
    plan = RemediationPlan.objects.get()

    services.close_plan(plan, reason="Retaught in class; retest next week.", by=world.rivera)

    plan.refresh_from_db()
    assert plan.status == "closed"
    change = plan.changes.get(kind=PlanChange.Kind.CLOSED)
    assert (change.by, change.reason) == (world.rivera, "Retaught in class; retest next week.")


def test_a_guide_adjusts_a_plan_and_the_reason_is_kept(world, holes):
    from remediation import services

    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)
    plan = RemediationPlan.objects.get()

    services.adjust_plan(
        plan, remove=[ID["G3.MUL.2"]], reason="Known from last year.", by=world.rivera
    )

    assert codes(plan_of(world.ada)) == [("G3.MUL.3", "missed")]
    change = plan.changes.get(kind="adjusted")
    assert change.reason == "Known from last year." and change.detail["removed"] == [ID["G3.MUL.2"]]


def test_an_imported_standardized_test_opens_a_plan(world, holes):
    from gradebook.services import record_standardized_results

    line_item = {
        "sourced_id": "stdtest_math_fall",
        "title": "MAP Growth Mathematics, Fall 2026-2027",
        "metadata": {
            "standardizedTest": {"source": "map-growth", "subject": "Mathematics"},
            "masteryTest": True,
        },
    }
    result = {
        "sourced_id": "stdtest_ada_math_fall",
        "line_item_id": "stdtest_math_fall",
        "student_id": world.ada.pk,
        "score": 201,
        "score_date": TEST_DAY,
        "learning_objective_set": scores(G3_MUL_1=40),
        "metadata": {"standardizedTest": {"rit": 201}},
    }

    record_standardized_results(line_items=[line_item], results=[result])

    view = plan_of(world.ada)
    assert codes(view) == [("G3.MUL.1", "missed")]
    assert view.plan.result.sourced_id == "stdtest_ada_math_fall"
