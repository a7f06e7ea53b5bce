"""Hole filling in a browser, over the seeded demo (docs/hole-filling.md#pages): the demo
student with an open plan sees "Your plan" with the next lesson first; their guide sees the
plan, its missed standards and readiness on the class page, with the most-missed standards.
Screenshots go to docs/screenshots/ (hole-filling-student.png, hole-filling-guide.png)."""

import pytest

from events import demo_holes
from remediation import selectors
from rostering import demo as roster_demo
from rostering.models import Class, User

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_student_sees_their_plan_next_lesson_first(demo, page_for):
    student = User.objects.get(sourced_id=demo_holes.STUDENT)
    (plan,) = selectors.open_plans(student)
    page = page_for()
    log_in(page, student.username, roster_demo.STUDENT_PASSWORD)
    assert page.url.endswith("/me/")
    section = page.get_by_test_id("your-plan")
    assert section.locator("h2").inner_text() == "Your plan"
    assert (
        section.get_by_test_id("next-lesson").inner_text()
        == f"Next lesson: {plan.next_lesson.title}"
    )
    done, total = plan.progress
    assert section.get_by_test_id("plan-progress").inner_text() == (
        f"{done} of {total} lesson{'s' if total != 1 else ''} mastered"
    )
    steps = section.get_by_test_id("plan-steps").locator(":scope > li strong")
    assert steps.all_inner_texts() == ["DEMO.3.FRA.2", "DEMO.3.MUL.3", "DEMO.4.FRA.1"]
    section.scroll_into_view_if_needed()
    screenshot(page, "hole-filling-student")


def test_the_guide_sees_the_plan_readiness_and_most_missed_standards(demo, page_for):
    klass = Class.objects.get(sourced_id="demo-class-math-g5")
    student = User.objects.get(sourced_id=demo_holes.STUDENT)
    page = page_for()
    log_in(page, "guide1", roster_demo.GUIDE_PASSWORD)
    page.goto(f"/classes/{klass.pk}/")
    row = page.get_by_test_id(f"plan-row-{student.sourced_id}")
    assert student.first_name in row.inner_text()
    assert "DEMO.3.MUL.3, DEMO.4.FRA.1" in row.inner_text()
    assert "Not yet" in row.inner_text() or "Ready" in row.inner_text()
    most = page.get_by_test_id("most-missed").locator("li").all_inner_texts()
    assert [m.split()[0] for m in most] == ["DEMO.3.MUL.3", "DEMO.4.FRA.1"]
    row.locator("summary").click()  # the guide's form to close or adjust
    assert row.locator("textarea[name=reason]").is_visible()
    page.get_by_test_id("class-plans").scroll_into_view_if_needed()
    screenshot(page, "hole-filling-guide")
