"""The class page a guide opens at 8 am (docs/dashboards.md#the-class-page): a period switch,
the last school day with work by default when today has none yet, "not started" rather than a
diagnosis, the class picture and the goals-met grid; course progress never shows more mastered
than the course has."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from analytics.models import DailyActivity
from gradebook.models import MasteryCredit
from rostering.models import Org
from tests.factories import EnrollmentFactory

from .conftest import TODAY, _user

FRIDAY = TODAY
MONDAY_8AM_LOS_ANGELES = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 08:00 PST


@pytest.fixture
def los_angeles(school):
    Org.objects.filter(pk=school.klass.school_id).update(timezone="America/Los_Angeles")
    return school


def class_page(client, school, query=""):
    return client.get(f"/classes/{school.klass.pk}/{query}")


def test_at_8_am_on_monday_the_class_page_shows_the_last_school_day(los_angeles, login):
    client = login(los_angeles.guide)
    with time_machine.travel(MONDAY_8AM_LOS_ANGELES, tick=False):
        page = class_page(client, los_angeles)
    report = page.context["report"]
    assert report.today == date(2026, 11, 23)
    assert (report.period.kind, report.period.start, report.period.end) == (
        "last-school-day",
        FRIDAY,
        FRIDAY,
    )
    assert [row.xp for row in report.rows] == [Decimal(10), Decimal(11), Decimal(12)]
    html = page.content.decode()
    assert "Friday 20 November 2026" in html and "(UTC)" not in html


def test_with_work_today_the_class_page_shows_today(school, login):
    report = class_page(login(school.guide), school).context["report"]
    assert (report.period.kind, report.period.start) == ("today", TODAY)


def test_the_period_switch_shows_this_week_last_week_and_a_date(school, login):
    client = login(school.guide)
    this_week = class_page(client, school, "?period=this-week").context["report"]
    assert (this_week.period.start, this_week.period.end) == (date(2026, 11, 16), TODAY)
    assert this_week.rows[0].xp == 5 * 10  # Monday to Friday at 10 XP a day
    assert this_week.rows[0].days_expected == 5

    last_week = class_page(client, school, "?period=last-week").context["report"]
    assert (last_week.period.start, last_week.period.end) == (date(2026, 11, 9), date(2026, 11, 15))
    # The history holds ten days: Wednesday 11 November to today.
    assert last_week.rows[0].xp == 5 * 10

    one_day = class_page(client, school, "?period=date&date=2026-11-17").context["report"]
    assert (one_day.period.kind, one_day.period.start) == ("date", date(2026, 11, 17))
    assert one_day.rows[2].xp == 12

    sorted_links = class_page(client, school, "?period=last-week").content.decode()
    assert "?period=last-week&amp;sort=xp&amp;dir=asc" in sorted_links


def test_a_student_who_has_not_started_shows_not_started_and_no_diagnosis(school, login):
    newcomer = _user("stu-new", school.klass.school, "student", first_name="Newcomer")
    EnrollmentFactory(user=newcomer, klass=school.klass)
    page = class_page(login(school.guide), school)
    row = next(r for r in page.context["report"].rows if r.student == newcomer)
    assert not row.started and row.flags == []
    assert page.context["report"].not_started == 1
    html = page.content.decode()
    newcomer_row = html[html.index('data-student="stu-new"') :]
    newcomer_row = newcomer_row[: newcomer_row.index("</tr>")]
    assert "not started" in newcomer_row and "Low effort" not in newcomer_row


def test_the_goals_grid_has_a_cell_per_student_and_school_day(school, login):
    DailyActivity.objects.filter(student=school.students[0], day=TODAY - timedelta(days=1)).update(
        xp=0, active_seconds=0, items_answered=0, items_correct=0
    )
    report = class_page(login(school.guide), school).context["report"]
    assert report.grid_days == [date(2026, 11, d) for d in (16, 17, 18, 19, 20)]
    first, cells = report.goals_grid()[0]
    assert first.student == school.students[0]
    assert dict(cells)[date(2026, 11, 19)] == "none"
    assert dict(cells)[TODAY] == "met"


def test_flags_carry_their_reason_in_text_reachable_without_hovering(school, login):
    DailyActivity.objects.filter(student=school.students[0]).update(active_seconds=60)
    html = class_page(login(school.guide), school).content.decode()
    assert '<details class="flag-reason"><summary>' in html
    assert "1.4 active minutes per school day (under 10)." in html
    assert 'title="' not in html.split('data-testid="class-table"')[1].split("</table>")[0]


def test_the_page_never_shows_more_mastered_than_the_course_has(school, login):
    # A repeated report adds to the raw cumulative sum: 4 lessons mastered, 9 units reported.
    MasteryCredit.objects.create(
        source_key="repeat",
        student=school.students[0],
        course=school.course,
        units=5,
        occurred_on=TODAY,
    )
    client = login(school.students[0])
    page = client.get("/me/")
    progress = page.context["summary"].courses[0].progress
    assert progress.mastered_units == 9  # the APIs keep the raw sum
    html = page.content.decode()
    assert "(4 of 4 mastery steps)" in html and "9 of 4" not in html
    assert "100%" in html


def test_a_completed_course_asks_for_nothing(school, login):
    page = login(school.students[0]).get("/me/")
    summary = page.context["summary"]
    assert summary.courses[0].progress.complete
    assert summary.xp_goal == 0 and summary.open_courses == []
    html = page.content.decode()
    assert 'data-testid="course-complete"' in html
    assert 'data-testid="goals"' not in html


def test_the_student_page_lists_each_of_the_five_goals_with_its_own_check(school, login):
    MasteryCredit.objects.filter(student=school.students[1]).first().delete()  # 3 of 4
    page = login(school.students[1]).get("/me/")
    html = page.content.decode()
    goals = html[html.index('data-testid="goals"') :]
    goals = goals[: goals.index("</ul>")]
    # dailyXp 20 (11 earned), 3 lessons, 25 minutes, 80 % accuracy, 2 mastery steps.
    assert goals.count("<li") == 5
    assert 'data-goal="xp"' in goals and "XP: 11 of 20" in goals
    assert 'data-goal="accuracy"' in goals and "Right answers: 80%" in goals
    assert "(not yet)" in goals and "(done)" in goals
    assert "goals not met yet" not in html


def test_the_class_page_counts_no_day_after_today_and_reads_a_chosen_day_long_ago(school, login):
    """The page reads only the rollups of the days it shows (issue 16): a row dated after
    today (a clock ahead) counts in no figure, and a date chosen months back still shows
    its day and its goals."""
    student = school.students[0]
    ahead = DailyActivity.objects.filter(student=student, day=TODAY).first()
    ahead.pk, ahead.day, ahead.xp = None, TODAY + timedelta(days=1), Decimal(1000)
    ahead.save()
    old = DailyActivity.objects.filter(student=student, day=TODAY).first()
    old.pk, old.day = None, date(2026, 10, 7)  # a Wednesday, long before the lookback
    old.save()
    client = login(school.guide)
    report = class_page(client, school).context["report"]
    row = next(r for r in report.rows if r.student == student)
    assert row.xp_week == 7 * 10 and row.xp == 10  # not the 1,000 XP of tomorrow
    assert row.last_active == TODAY + timedelta(days=1)  # as the whole history says
    long_ago = class_page(client, school, "?period=date&date=2026-10-07").context["report"]
    row = next(r for r in long_ago.rows if r.student == student)
    assert (row.xp, row.days_expected) == (old.xp, 1)
    assert row.days_met == 1 and dict(long_ago.goals_grid()[0][1])[date(2026, 10, 7)] == "met"
