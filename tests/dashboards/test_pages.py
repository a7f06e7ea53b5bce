"""The dashboard pages: who lands where, who may open what, and the figures they show."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from analytics.models import DailyActivity
from events.models import CaliperEvent, RejectedEvent
from gradebook.models import MasteryCredit, XpFlag

from .conftest import TODAY


def test_each_role_lands_on_its_page_after_login(school, login):
    assert login(school.students[0]).get("/dashboard/").url == "/me/"
    assert login(school.guide).get("/dashboard/").url == "/classes/"
    assert login(school.guardian).get("/dashboard/").url == "/children/"
    assert login(school.developer).get("/dashboard/").url == f"/developers/apps/{school.app.pk}/"
    assert login(school.admin).get("/dashboard/").url == "/classes/"


def test_pages_ask_anonymous_visitors_to_log_in(school, client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_student_page_shows_the_students_own_figures(school, login):
    # Three of four lessons mastered: the course still asks for its daily goals.
    MasteryCredit.objects.filter(student=school.students[1], course=school.course).first().delete()
    page = login(school.students[1]).get("/me/")
    assert page.status_code == 200
    summary = page.context["summary"]
    assert summary.xp_today == Decimal(11)  # student 1 earns 10 + 1 XP a day
    assert summary.xp_goal == Decimal(20)  # the course's metadata.goals.dailyXp
    assert summary.week_active_seconds == 7 * 660
    assert summary.courses[0].progress.pct_complete == Decimal(75)
    assert [m.lesson.title for m in summary.recent_mastered][:1] == ["Lesson 4"]
    html = page.content.decode()
    assert "11 <small>/ 20 XP</small>" in html
    assert 'id="xp-per-day-data"' in html  # the chart's data, with its table
    assert "XP per day: data table" in html


def test_a_student_meeting_every_goal_keeps_a_streak_and_earns_time_back(school, login):
    student = school.students[2]
    DailyActivity.objects.filter(student=student).update(
        xp=50, active_seconds=1800, lessons_mastered=3, mastered_units=2
    )
    summary = login(student).get("/me/").context["summary"]
    assert summary.insights.goal_met_today
    assert summary.insights.streak == 8  # ten days of history: Fri..Mon, Fri..Wed are 8 school days
    assert summary.insights.time_back.hours == Decimal(40)


def test_a_student_cannot_open_another_students_page(school, login):
    client = login(school.students[0])
    assert client.get(f"/students/{school.students[1].pk}/").status_code == 404


def test_a_guardian_sees_their_child_and_no_one_else(school, login):
    client = login(school.guardian)
    assert str(school.students[0].pk) in client.get("/children/").content.decode()
    assert client.get(f"/students/{school.students[0].pk}/").status_code == 200
    assert client.get(f"/students/{school.students[1].pk}/").status_code == 404


def test_a_guide_sees_only_the_classes_they_teach(school, login):
    client = login(school.guide)
    listing = client.get("/classes/").content.decode()
    assert "Fractions A" in listing and "Fractions B" not in listing
    assert client.get(f"/classes/{school.other_class.pk}/").status_code == 404
    assert client.get(f"/classes/{school.other_class.pk}/students.csv").status_code == 404
    assert (
        client.get(f"/classes/{school.klass.pk}/students/{school.outsider.pk}/").status_code == 404
    )


def test_the_class_table_holds_each_students_figures(school, login):
    page = login(school.guide).get(f"/classes/{school.klass.pk}/")
    rows = {row.student.sourced_id: row for row in page.context["rows"]}
    row = rows["stu-002"]
    assert row.xp_today == Decimal(12)
    assert row.xp_week == Decimal(7 * 12)
    assert row.accuracy == Decimal(80)
    assert row.active_seconds_week == 7 * 720
    assert row.lessons_mastered == 4
    assert row.last_active == TODAY
    assert [f.code for f in row.flags] == []
    assert len(page.context["report"].grid()) == 4


def test_a_student_with_few_active_minutes_is_flagged_low_effort_with_the_reason(school, login):
    DailyActivity.objects.filter(student=school.students[0]).update(active_seconds=60)
    page = login(school.guide).get(f"/classes/{school.klass.pk}/")
    html = page.content.decode()
    assert (
        '<summary><span class="flag low_effort">Low effort</span></summary>'
        "<span>1.4 active minutes per school day (under 10).</span>" in html
    )


def test_the_class_table_sorts_by_a_column_in_either_direction(school, login):
    client = login(school.guide)
    ascending = client.get(f"/classes/{school.klass.pk}/?sort=xp_today")
    descending = client.get(f"/classes/{school.klass.pk}/?sort=xp_today&dir=desc")
    assert [r.xp_today for r in ascending.context["rows"]] == [10, 11, 12]
    assert [r.xp_today for r in descending.context["rows"]] == [12, 11, 10]


def test_an_htmx_sort_answers_only_the_table(school, login):
    response = login(school.guide).get(
        f"/classes/{school.klass.pk}/?sort=name&dir=desc", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="class-table"' in html


def test_the_class_csv_has_one_line_per_student(school, login):
    response = login(school.guide).get(f"/classes/{school.klass.pk}/students.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [line["sourcedId"] for line in lines] == ["stu-000", "stu-001", "stu-002"]
    assert lines[2]["xpToday"] == "12.00"
    assert lines[2]["accuracyPercent"] == "80.0"
    assert lines[2]["lessonsMastered"] == "4"


def test_the_drill_down_shows_the_student_page_with_work_per_lesson(school, login):
    student = school.students[1]
    page = login(school.guide).get(f"/classes/{school.klass.pk}/students/{student.pk}/")
    assert page.status_code == 200
    assert page.context["summary"].student == student
    work = page.context["lessons"]
    assert [w.lesson.title for w in work] == ["Lesson 1", "Lesson 2", "Lesson 3", "Lesson 4"]
    assert all(w.mastered_at for w in work)


def test_the_developer_page_counts_accepted_and_rejected_events_per_day(school, login):
    yesterday = datetime(2026, 11, 19, 12, tzinfo=UTC)
    CaliperEvent.objects.bulk_create(
        [
            CaliperEvent(
                partner_app=school.app,
                event_id=f"e-{n}",
                type="ViewEvent",
                action="Viewed",
                event_time=yesterday,
                received_at=yesterday,
                raw={},
                status="processed",
            )
            for n in range(3)
        ]
    )
    RejectedEvent.objects.create(
        partner_app=school.app,
        envelope_id="00000000-0000-0000-0000-000000000001",
        index=0,
        errors=["actor: required"],
        raw={"id": "bad-1"},
        received_at=yesterday,
    )
    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    report = page.context["report"]
    day = {d.day: d for d in report.ingestion}[yesterday.date()]
    assert (day.accepted, day.rejected, day.received) == (3, 1, 4)
    assert report.reasons[0].reason == "actor: required"
    assert report.reasons[0].example == {"id": "bad-1"}
    assert "bad-1" in page.content.decode()


def test_the_developer_page_shows_failed_events_with_their_error(school, login):
    moment = datetime(2026, 11, 19, 12, tzinfo=UTC)
    CaliperEvent.objects.create(
        partner_app=school.app,
        event_id="urn:uuid:poison",
        type="ActivityEvent",
        action="Completed",
        event_time=moment,
        received_at=moment,
        raw={},
        status="failed",
        error="DataError: numeric field overflow",
    )
    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    report = page.context["report"]
    assert report.unprocessed["failed"] == 1
    assert [(f.event_id, f.error) for f in report.failures] == [
        ("urn:uuid:poison", "DataError: numeric field overflow")
    ]
    html = page.content.decode()
    assert "urn:uuid:poison" in html and "numeric field overflow" in html


def test_the_developer_page_shows_outcomes_of_the_apps_courses(school, login):
    XpFlag.objects.create(
        source_key="s-1",
        student=school.students[0],
        course=school.course,
        partner_app=school.app,
        reported_xp=90,
        active_seconds=60,
        flagged=True,
        occurred_on=TODAY,
    )
    report = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    assert report.active_students == 3
    assert report.flagged_count == 1
    assert dict(report.accuracy_buckets)["80–90%"] == 3
    lesson_1 = report.lessons[0]
    assert (lesson_1.mastered, lesson_1.enrolled) == (3, 4)  # 3 of class A + 1 of class B
    # Days of work: ten; lesson 1 mastered on the first day, lesson 2 two days later.
    assert lesson_1.median_days == pytest.approx(10 / 24)
    assert report.lessons[1].median_days == pytest.approx(2)
    # 330 XP over 330 active minutes (students earn 10, 11, 12 XP in 10, 11, 12 minutes).
    assert report.xp_per_active_minute == Decimal(1)
    assert report.waste_percent == pytest.approx(Decimal(100) * 1800 / (19800 + 1800))


def test_only_an_apps_owners_open_its_developer_page(school, login):
    assert login(school.guide).get(f"/developers/apps/{school.app.pk}/").status_code == 404
    assert login(school.developer).get(f"/developers/apps/{school.app.pk}/").status_code == 200


def test_settled_days_are_counted_once_and_today_is_counted_live(school, login):
    def store(event_id, at):
        CaliperEvent.objects.create(
            partner_app=school.app,
            event_id=event_id,
            type="ViewEvent",
            action="Viewed",
            event_time=at,
            received_at=at,
            raw={},
            status="processed",
        )

    yesterday = datetime(2026, 11, 19, 12, tzinfo=UTC)
    today = datetime(2026, 11, 20, 9, tzinfo=UTC)
    store("y-1", yesterday)
    store("t-1", today)
    client = login(school.developer)
    client.get(f"/developers/apps/{school.app.pk}/")
    # A late row for yesterday (it cannot happen: received_at is when an event is stored)
    # shows the count was not read again; today's new event is.
    store("y-2", yesterday)
    store("t-2", today)
    report = client.get(f"/developers/apps/{school.app.pk}/").context["report"]
    by_day = {d.day: d.accepted for d in report.ingestion}
    assert by_day[yesterday.date()] == 1
    assert by_day[today.date()] == 2


# The mastery grid's cells as the class page's template wrote them one by one before the
# grid was built in Python (issue 16); the page must show exactly the same markup.
CELLS_BY_TEMPLATE = (
    '{% for lesson, cells in report.grid %}<tr><th scope="row" class="lesson">{{ lesson.title }}'
    '</th>{% for at in cells %}{% if at %}<td class="cell-yes" title="mastered '
    "{{ at|date:'Y-m-d' }}\">✓<span class=\"visually-hidden\"> mastered {{ at|date:'Y-m-d' }}"
    '</span></td>{% else %}<td class="cell-no">·<span class="visually-hidden"> not mastered'
    "</span></td>{% endif %}{% endfor %}</tr>{% endfor %}"
)


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/Los_Angeles"])
def test_the_mastery_grid_shows_each_mastery_on_its_local_day_as_the_template_did(
    school, login, zone
):
    from zoneinfo import ZoneInfo

    from django.template import Context, Template
    from django.utils import timezone

    from gradebook.models import LessonMastery

    # Masteries near midnight, so that the school's zone decides the day shown.
    for n, mastery in enumerate(LessonMastery.objects.all()):
        mastery.mastered_at = datetime(2026, 11, 2 + n % 5, 23 if n % 2 else 0, 30, tzinfo=UTC)
        mastery.save()
    school.klass.school.timezone = zone
    school.klass.school.save()
    page = login(school.guide).get(f"/classes/{school.klass.pk}/")
    report = page.context["report"]
    assert any(day for _, cells in report.grid() for day in cells)
    # The template's cells from the stored mastery times, in the zone the page renders in.
    at = {(m.student_id, m.lesson_id): m.mastered_at for m in LessonMastery.objects.all()}
    grid = [
        (lesson, [at.get((row.student.pk, lesson.pk)) for row in report.rows])
        for lesson in report.lessons
    ]
    with timezone.override(ZoneInfo(zone)):
        expected = Template(CELLS_BY_TEMPLATE).render(Context({"report": {"grid": grid}}))
        built = "".join(
            f'<tr><th scope="row" class="lesson">{lesson.title}</th>{cells}</tr>'
            for lesson, cells in report.grid_html()
        )
    assert built == expected
    assert expected in page.content.decode()


def test_time_to_mastery_runs_from_the_previous_mastery_even_one_before_the_window(school, login):
    from datetime import time as clock
    from datetime import timedelta

    from dashboards.selectors import lessons_of
    from gradebook.models import LessonMastery

    student = school.students[0]
    first, second = lessons_of(school.course)[:2]
    LessonMastery.objects.filter(student=student).delete()
    LessonMastery.objects.filter(lesson=second).delete()
    for lesson, days_ago in ((first, 40), (second, 10)):
        LessonMastery.objects.create(
            student=student,
            lesson=lesson,
            course=school.course,
            mastered_at=datetime.combine(TODAY - timedelta(days=days_ago), clock(10), UTC),
            source_key=f"m-{lesson.pk}",
        )
    report = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    outcomes = {o.lesson.pk: o for o in report.lessons}
    # Thirty days after the first lesson (mastered before the page's thirty days), not
    # counted from the student's first day of work; the first lesson is outside the window.
    assert outcomes[second.pk].median_days == 30.0
    assert outcomes[second.pk].p25_days == outcomes[second.pk].p75_days == 30.0
    assert outcomes[first.pk].mastered == LessonMastery.objects.filter(lesson=first).count()


def test_the_flagged_count_is_every_flagged_claim_of_the_app_beyond_those_listed(school, login):
    from datetime import timedelta

    from tests.factories import PartnerAppFactory

    other = PartnerAppFactory(name="Other")
    for n in range(45):
        for app, flagged in ((school.app, n % 3 != 0), (other, True)):
            XpFlag.objects.create(
                source_key=f"s-{app.pk}-{n}",
                student=school.students[n % 2],
                course=school.course,
                partner_app=app,
                reported_xp=90,
                active_seconds=60,
                flagged=flagged,
                occurred_on=TODAY - timedelta(days=n * 5),
            )
    report = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    assert report.flagged_count == 30  # 45 claims, a third of them plausible
    assert len(report.flagged) == 20
    assert [f.occurred_on for f in report.flagged] == sorted(
        (f.occurred_on for f in report.flagged), reverse=True
    )
    assert report.flagged[0].source_key == f"s-{school.app.pk}-1"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13])
def test_time_to_mastery_quartiles_are_the_nearest_rank_quantiles_of_the_days(school, login, count):
    """Computed where the masteries lie (one row per quartile), they are
    dashboards.figures.quantile of the sorted days, for every count's rounding."""
    from datetime import time as clock
    from datetime import timedelta

    from dashboards import figures
    from dashboards.selectors import lessons_of
    from gradebook.models import LessonMastery
    from tests.factories import StudentFactory

    first, second = lessons_of(school.course)[:2]
    LessonMastery.objects.filter(lesson__in=[first, second]).delete()
    days = []
    for n in range(count):
        student = StudentFactory(sourced_id=f"q-{n}", org=school.klass.school)
        taken = timedelta(days=n % 4, hours=(7 * n) % 13, minutes=n)
        start = datetime.combine(TODAY - timedelta(days=20), clock(8), UTC)
        for lesson, at in ((first, start), (second, start + taken)):
            LessonMastery.objects.create(
                student=student, lesson=lesson, course=school.course, mastered_at=at,
                source_key=f"q-{n}-{lesson.pk}",
            )  # fmt: skip
        days.append(taken.total_seconds() / 86400)
    report = login(school.developer).get(f"/developers/apps/{school.app.pk}/").context["report"]
    outcome = next(o for o in report.lessons if o.lesson.pk == second.pk)
    days.sort()
    assert outcome.p25_days == figures.quantile(days, 0.25)
    assert outcome.median_days == figures.quantile(days, 0.5)
    assert outcome.p75_days == figures.quantile(days, 0.75)
