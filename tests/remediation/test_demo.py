"""The demo has a student with an open hole-filling plan, reached through the real engine:
the skills check's per-standard scores, written through the gradebook service, open it, and
what the simulated history mastered counts towards it (docs/hole-filling.md#demo)."""

from io import StringIO

import pytest
from django.core.management import call_command

from events import demo_holes
from gradebook.models import AssessmentResult
from remediation import selectors
from remediation.models import PlanChange, RemediationPlan
from rostering.models import User


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks, time_machine):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    time_machine.move_to("2026-11-20T18:00:00Z", tick=False)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--students", "4", "--days", "5", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_student_has_an_open_plan_from_the_skills_check(seeded):
    assert "Hole filling: framework 'Synthetic Demo Math Framework'" in seeded
    student = User.objects.get(sourced_id=demo_holes.STUDENT)
    (view,) = selectors.open_plans(student)
    assert view.plan.subject == "Mathematics"
    assert [(s.human_coding_scheme, s.role) for s in view.standards] == [
        ("DEMO.3.FRA.2", "prerequisite"),
        ("DEMO.3.MUL.3", "missed"),
        ("DEMO.4.FRA.1", "missed"),
    ]
    assert [s.human_coding_scheme for s in view.content_gaps] == ["DEMO.3.FRA.2"]
    lessons = [x.title for s in view.standards for x in s.lessons]
    assert lessons == [
        "Converting Units of Measure",
        "Volume of Rectangular Prisms",
        "Equivalent Fractions",
    ]
    # The plan was opened by the result's signal, from the stored result.
    result = AssessmentResult.objects.get(line_item__sourced_id=demo_holes.TEST_LINE_ITEM)
    assert view.plan.result == result
    assert view.plan.course.title == "Hole filling: Mathematics"
    assert PlanChange.objects.filter(plan=view.plan, kind="opened").count() == 1


@pytest.mark.django_db
def test_seeding_the_demo_again_leaves_the_plan_as_it_was(
    seeded, django_capture_on_commit_callbacks
):
    before = list(RemediationPlan.objects.values("pk", "steps", "renewals", "updated_at"))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--students", "4", "--days", "5", stdout=StringIO())

    assert list(RemediationPlan.objects.values("pk", "steps", "renewals", "updated_at")) == before
