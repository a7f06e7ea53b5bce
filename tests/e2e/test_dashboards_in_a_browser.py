"""Each role logs in, lands on its page and sees what the database holds for them; the guide
sorts the class table, follows the drill-down and downloads the CSV. Screenshots of every
page go to docs/screenshots/."""

import csv
import io
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from analytics.models import DailyActivity
from analytics.selectors import student_insights
from events.models import CaliperEvent
from rostering import demo as roster_demo
from rostering.models import Class, PartnerApp, User

from .conftest import log_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def today():
    return timezone.now().astimezone(UTC).date()


def xp(value) -> str:
    """A figure as the pages print it (floatformat:"-1")."""
    return f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP).normalize():f}"


def test_a_student_lands_on_their_page_and_sees_their_figures(demo, page_for):
    student = User.objects.get(username="student01")
    insights = student_insights(student, today())
    page = page_for()
    log_in(page, "student01", roster_demo.STUDENT_PASSWORD)
    assert page.url.endswith("/me/")
    assert page.locator("h1").inner_text() == "My progress"
    figure = page.get_by_test_id("xp-today").inner_text()
    assert figure.startswith(f"{xp(insights.today_figures.xp)} / {xp(insights.xp_goal_today)} XP")
    assert page.get_by_test_id("streak").inner_text().startswith(str(insights.streak))
    for course in insights.courses:
        card = page.get_by_test_id(f"course-{course.course_ref}")
        assert card.get_by_test_id("pct").inner_text() == f"{xp(course.progress.pct_complete)}%"
    assert page.locator("canvas[data-chart]").count() == 1
    page.locator("details.data-table summary").click()  # the chart's table equivalent
    assert page.locator("#xp-per-day-table tbody tr").count() == 28
    screenshot(page, "student")


def test_the_student_page_fits_a_phone_screen(demo, page_for):
    page = page_for(width=375, height=812)
    log_in(page, "student01", roster_demo.STUDENT_PASSWORD)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "student-phone")


def test_a_guide_sorts_the_class_table_follows_the_drill_down_and_downloads_the_csv(demo, page_for):
    klass = Class.objects.get(sourced_id="demo-class-math-g5")
    page = page_for()
    log_in(page, "guide1", roster_demo.GUIDE_PASSWORD)
    assert page.url.endswith("/classes/")
    page.get_by_role("link", name=klass.title).click()
    page.wait_for_load_state("networkidle")
    table = page.get_by_test_id("class-table")
    assert table.locator("tbody tr").count() == 8
    screenshot(page, "class")

    # This week (Monday to today), sorted by XP, highest first: a second click on the header
    # (htmx swap).
    page.get_by_test_id("period-switch").get_by_role("link", name="This week").click()
    page.wait_for_load_state("networkidle")
    monday = today() - timedelta(days=today().weekday())
    week = {
        row["student__sourced_id"]: row["xp"]
        for row in DailyActivity.objects.filter(course=klass.course, day__gte=monday)
        .values("student__sourced_id")
        .annotate(xp=Sum("xp"))
    }
    page.locator("th a.sort[data-sort=xp]").click()
    page.wait_for_selector("th[aria-sort=ascending] a[data-sort=xp]")
    page.locator("th a.sort[data-sort=xp]").click()
    page.wait_for_selector("th[aria-sort=descending] a[data-sort=xp]")
    shown = page.locator("[data-testid=class-table] tbody td[data-col=xp]").all_inner_texts()
    expected = sorted((week.get(f"demo-student-{n:02d}", 0) for n in range(1, 9)), reverse=True)
    assert [cell.split(" ")[0] for cell in shown] == [xp(value) for value in expected]
    assert "sort=xp" in page.url and "period=this-week" in page.url  # htmx pushed the URL

    seven_days = {
        row["student__sourced_id"]: row["xp"]
        for row in DailyActivity.objects.filter(
            course=klass.course, day__gt=today() - timedelta(days=7)
        )
        .values("student__sourced_id")
        .annotate(xp=Sum("xp"))
    }
    with page.expect_download() as download_info:
        page.get_by_test_id("csv").click()
    content = open(download_info.value.path(), encoding="utf-8").read()
    lines = list(csv.DictReader(io.StringIO(content)))
    assert len(lines) == 8
    # In the table's order (this week's XP, highest first), with the CSV's own columns.
    assert [week.get(line["sourcedId"], 0) for line in lines] == expected
    assert {line["sourcedId"]: Decimal(line["xp7Days"]) for line in lines} == {
        line["sourcedId"]: Decimal(seven_days.get(line["sourcedId"], 0)).quantize(Decimal("0.01"))
        for line in lines
    }

    first = page.locator("[data-testid=class-table] tbody tr th a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == " ".join(reversed(name.split(", ")))
    assert page.get_by_test_id("lesson-work").locator("tbody tr").count() == 12
    screenshot(page, "drill-down")


def test_a_guardian_sees_their_childs_page(demo, page_for):
    page = page_for()
    log_in(page, "guardian1", roster_demo.GUARDIAN_PASSWORD)
    assert page.url.endswith("/children/")
    child = User.objects.get(username="student02")
    insights = student_insights(child, today())
    card = page.get_by_test_id(f"child-{child.sourced_id}")
    assert card.get_by_test_id("xp-today").inner_text().startswith(xp(insights.today_figures.xp))
    card.get_by_role("link", name="Full page").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/students/{child.pk}/")
    assert page.get_by_test_id("xp-today").inner_text().startswith(xp(insights.today_figures.xp))


def test_a_developer_sees_their_apps_ingestion_and_outcomes(demo, page_for):
    app = PartnerApp.objects.get(name=roster_demo.DEMO_APP_NAME)
    page = page_for()
    log_in(page, "admin", roster_demo.ADMIN_PASSWORD)
    assert page.url.endswith("/classes/")
    # Administrators reach the Django admin from every page.
    assert page.get_by_role("link", name="Admin", exact=True).count() == 1
    page.get_by_role("link", name="Developers", exact=True).click()  # the developer portal
    page.get_by_role("link", name=app.name).click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/developers/apps/{app.pk}/")
    accepted = CaliperEvent.objects.filter(partner_app=app).count()
    assert page.get_by_test_id("accepted").inner_text().startswith(str(accepted))
    assert page.get_by_test_id("rejection-reason").count() >= 1
    assert page.locator("canvas[data-chart]").count() == 3
    screenshot(page, "developer")


def test_the_demo_developer_lands_on_the_demo_apps_page(demo, page_for):
    app = PartnerApp.objects.get(name=roster_demo.DEMO_APP_NAME)
    page = page_for()
    log_in(page, "developer1", roster_demo.DEVELOPER_PASSWORD)
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/developers/apps/{app.pk}/")
    accepted = CaliperEvent.objects.filter(partner_app=app).count()
    assert page.get_by_test_id("accepted").inner_text().startswith(str(accepted))


@pytest.mark.parametrize(
    "username,password",
    [
        ("student01", roster_demo.STUDENT_PASSWORD),
        ("guide1", roster_demo.GUIDE_PASSWORD),
        ("admin", roster_demo.ADMIN_PASSWORD),
        ("developer1", roster_demo.DEVELOPER_PASSWORD),
    ],
)
def test_landing_pages_pass_basic_accessibility_checks(demo, page_for, username, password):
    page = page_for()
    log_in(page, username, password)
    problems = page.evaluate(
        """() => {
        const problems = [];
        if (!document.documentElement.lang) problems.push("no lang");
        if (document.querySelectorAll("h1").length !== 1) problems.push("not one h1");
        for (const el of document.querySelectorAll("input, select, textarea, progress")) {
          if (el.type === "hidden") continue;
          const labelled = el.labels && el.labels.length || el.getAttribute("aria-label");
          if (!labelled) problems.push("unlabelled " + el.outerHTML.slice(0, 60));
        }
        for (const c of document.querySelectorAll("canvas")) {
          if (!c.getAttribute("aria-label")) problems.push("canvas without label");
        }
        let last = 1;
        for (const h of document.querySelectorAll("main h1, main h2, main h3, main h4")) {
          const level = Number(h.tagName[1]);
          if (level > last + 1) problems.push("heading skips to " + h.tagName);
          last = level;
        }
        return problems;
    }"""
    )
    assert problems == []
