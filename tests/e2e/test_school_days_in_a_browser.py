"""Every role at 1280 px and at phone width (390 px), in a Los Angeles school on Monday at
8 am: homework sent on Friday at 22:30 Los Angeles time shows on Friday everywhere (not on
Saturday, the UTC day), the class page opens on the last school day, no page shows more
mastered than the course has, and axe-core finds no serious or critical violation on any page.
Screenshots go to docs/screenshots/ (name-1280.png, name-390.png)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module
from io import StringIO

import orjson
import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db.models import Sum

from analytics.models import DailyActivity
from events import services as ingestion
from events.models import CaliperEvent, EventStatus
from events.pipeline import process
from rostering import demo as roster_demo
from rostering.models import Class, CourseComponent, Org, PartnerApp, User
from tests.events.conftest import activity, envelope

from .conftest import axe_violations, log_in, screenshot
from .test_dashboards_in_a_browser import xp

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_8AM = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # 08:00 in Los Angeles (PST)
FRIDAY, SATURDAY = date(2026, 12, 4), date(2026, 12, 5)
FRIDAY_EVENING = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)  # Friday 22:30 in Los Angeles
HOMEWORK_XP = Decimal("7.5")
MATH = "demo-class-math-g5"


@pytest.fixture
def los_angeles(settings, tmp_path):
    """The demo school in Los Angeles on Monday 7 December 2026 at 8 am, with two weeks of
    history through the real ingestion, and student01's Friday-evening homework sent last."""
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.SCHOOL_TIME_ZONE = "America/Los_Angeles"
    with time_machine.travel(MONDAY_8AM, tick=True):
        import_module("rostering.migrations.0003_partner_sandbox_org").create_sandbox_org(
            apps, None
        )
        call_command("seed_demo", "--students", "8", "--days", "14", stdout=StringIO())
        klass = Class.objects.select_related("course__partner_app").get(sourced_id=MATH)
        assert Org.objects.get(pk=klass.school_id).timezone == "America/Los_Angeles"
        student = User.objects.get(username="student01")
        lesson = CourseComponent.objects.filter(course=klass.course, kind="lesson").first()
        homework = activity(
            student.sourced_id,
            lesson.sourced_id,
            klass.course.sourced_id,
            at=FRIDAY_EVENING,
            xpEarned=float(HOMEWORK_XP),
        )
        before = day_xp(student, klass.course, FRIDAY)
        ingestion.ingest(app=klass.course.partner_app, body=orjson.dumps(envelope(homework)))
        pending = CaliperEvent.objects.filter(status=EventStatus.PENDING)
        process(list(pending.values_list("pk", flat=True)))
        assert day_xp(student, klass.course, FRIDAY) == before + HOMEWORK_XP
        yield klass, student


def day_xp(student, course, day) -> Decimal:
    rows = DailyActivity.objects.filter(student=student, day=day)
    if course is not None:
        rows = rows.filter(course=course)
    return rows.aggregate(s=Sum("xp"))["s"] or Decimal(0)


def check(page, name, width):
    """What every page must hold: no UTC date, never more mastered than total, no serious or
    critical axe violation; then its screenshot."""
    text = page.locator("body").inner_text()
    assert "(UTC)" not in text
    for shown in page.get_by_test_id("mastered-of-total").all_inner_texts():
        mastered, total = map(Decimal, re.search(r"([\d.]+) of ([\d.]+)", shown).groups())
        assert mastered <= total, shown
    assert axe_violations(page) == [], name
    screenshot(page, f"{name}-{width}")


def chart_row(page, table_id, label) -> str:
    return page.locator(f"#{table_id} tbody tr:has(th:text-is('{label}')) td").first.inner_text()


def no_sideways_scroll(page) -> bool:
    """The page fits the screen's width; else the elements that stick out, to say which."""
    wider = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !(e.closest(".table-wrap") && getComputedStyle(e.closest(".table-wrap")).overflowX === "auto"))
        .slice(0, 5).map(e => e.tagName + "." + e.className + " " + e.getBoundingClientRect().right)"""
    )
    assert wider == []
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_role_sees_los_angeles_days_on_every_screen(los_angeles, page_for, width):
    klass, student = los_angeles
    friday_all = xp(day_xp(student, None, FRIDAY))
    assert day_xp(student, None, SATURDAY) == 0  # the UTC day of the homework holds nothing

    # The student: today is Monday in Los Angeles; the chart puts the homework on Friday.
    page = page_for(width=width)
    log_in(page, "student01", roster_demo.STUDENT_PASSWORD)
    assert page.get_by_test_id("today").inner_text() == "Today is Monday 7 December 2026"
    page.locator("details.data-table summary").click()
    assert chart_row(page, "xp-per-day-table", "Fri 04 Dec") == friday_all
    assert chart_row(page, "xp-per-day-table", "Sat 05 Dec") == "0"
    assert no_sideways_scroll(page)
    check(page, "student", width)

    # The parent: the child's week chart, courses and the guide's diagnosis in words.
    page = page_for(width=width)
    log_in(page, "guardian1", roster_demo.GUARDIAN_PASSWORD)
    card = page.get_by_test_id(f"child-{student.sourced_id}")
    card.locator("details.data-table summary").click()
    assert chart_row(card, f"week-{student.pk}-table", "Fri 04 Dec") == friday_all
    assert chart_row(card, f"week-{student.pk}-table", "Sat 05 Dec") == "0"
    assert card.get_by_test_id("parent-diagnosis").count() == 1
    assert no_sideways_scroll(page)
    check(page, "parent", width)

    # The guide at 8 am: the class page opens on Friday, the last school day with work.
    page = page_for(width=width)
    log_in(page, "guide1", roster_demo.GUIDE_PASSWORD)
    check(page, "classes", width)
    page.goto(f"/classes/{klass.pk}/")
    assert "Friday 4 December 2026" in page.get_by_test_id("period-shown").inner_text()
    row = page.locator(f"[data-testid=class-table] tr[data-student={student.sourced_id}]")
    shown_xp = row.locator("td[data-col=xp]").inner_text().split()[0]
    assert shown_xp == xp(day_xp(student, klass.course, FRIDAY))
    if width >= 1280:
        # Nothing cut off: the table needs no sideways scroll and its last column is in view.
        wrap = page.locator("#class-table .table-wrap")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
        flag = page.locator("[data-testid=class-table] th a[data-sort=flag]")
        assert flag.bounding_box()["x"] + flag.bounding_box()["width"] <= width
    assert no_sideways_scroll(page)
    # Sorting from the keyboard keeps the focus on the header it used.
    page.locator("th a.sort[data-sort=xp]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("th[aria-sort=ascending] a[data-sort=xp]")
    assert page.evaluate("document.activeElement.dataset.sort") == "xp"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    check(page, "class", width)

    page.goto(f"/classes/{klass.pk}/?period=date&date={SATURDAY.isoformat()}")
    assert row.locator("td[data-col=xp]").inner_text().split()[0] == "0"

    page.goto(f"/classes/{klass.pk}/students/{student.pk}/")
    check(page, "drill-down", width)

    # The developer and the home page.
    app = PartnerApp.objects.get(name=roster_demo.DEMO_APP_NAME)
    page = page_for(width=width)
    log_in(page, "developer1", roster_demo.DEVELOPER_PASSWORD)
    page.goto(f"/developers/apps/{app.pk}/")
    check(page, "developer", width)
    page.goto("/")
    assert "coming soon" not in page.locator("main").inner_text().lower()
    check(page, "home", width)


def test_the_axe_check_fails_a_page_with_a_critical_violation(browser):
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><body><main><img src="x.png"></main></body></html>')
        assert any("image-alt" in violation for violation in axe_violations(page))
    finally:
        page.close()
