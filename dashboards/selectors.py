"""Reads behind the dashboards (docs/dashboards.md). Every page costs a constant number of queries,
whatever the number of students, days and events: each function reads the daily rollups
(analytics.DailyActivity) and a bounded number of gradebook rows with one query per kind, then
assembles in Python; every shared figure (accuracy, waste, active minutes, last activity,
goals, streaks, diagnosis) comes from analytics (analytics.figures, analytics.selectors).
"""

import json
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Q, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe

from analytics import counts as stored
from analytics import figures as shared
from analytics.diagnosis import Flag
from analytics.models import DailyActivity, FlaggedClaimCount
from analytics.selectors import (
    ActivityFigures,
    CourseInsight,
    StudentInsights,
    insights_for_students,
    outside_activities,
    rollups,
    student_insights,
)
from events.models import CaliperEvent, EventStatus, RejectedEvent
from events.selectors import parked_events
from gradebook.models import (
    AssessmentLineItem,
    AssessmentResult,
    ItemResult,
    LessonMastery,
    XpFlag,
)
from gradebook.selectors import Progress
from rostering import zones
from rostering.models import (
    ComponentKind,
    Course,
    CourseComponent,
    Enrollment,
    EnrollmentRole,
    PartnerApp,
    Status,
    User,
)
from standards import selectors as standards

from . import figures

CHART_DAYS = 28  # the student's XP chart: the last four weeks
WEEK_DAYS = 7  # "this week" on every page: the last seven days, today included
RECENT_MASTERED = 8
DEVELOPER_DAYS = 14  # ingestion health: the last two weeks
OUTCOME_DAYS = 30  # learning outcomes on the developer page: the last thirty days
REJECTION_SAMPLE = 500  # top rejection reasons are counted over the newest rejections
FLAGGED_SHOWN = 20
REJECTIONS_CHARTED = 20_000  # the events chart places at most this many newest rejections
FAILURES_SHOWN = 10  # failed events listed on the developer page (the count says how many)
SETTLED_AFTER = timedelta(hours=1)  # a day's stored-event count is final this long after it
ACCURACY_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


# --- Student ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StudentSummary:
    """The student page: analytics' insights (goals, today, streak, time back, progress,
    diagnosis) plus the XP chart, the week's time and the latest masteries."""

    student: User
    insights: StudentInsights
    daily_xp: list[tuple[date, Decimal]]
    week_active_seconds: int
    week_wasted_seconds: int
    recent_mastered: list
    school: zones.SchoolDays | None = None  # whose days: the student's school

    @property
    def week_xp(self) -> list[tuple[date, Decimal]]:
        """XP of each of the last seven days (the parent page's week chart)."""
        return self.daily_xp[-WEEK_DAYS:]

    @property
    def course_cards(self) -> list["CourseCard"]:
        return [CourseCard.of(c) for c in self.courses]

    @property
    def open_courses(self) -> list[CourseInsight]:
        """The courses still asking something of the student (not complete)."""
        return [c for c in self.courses if not c.progress.complete]

    @property
    def today(self) -> date:
        return self.insights.today

    @property
    def courses(self) -> list[CourseInsight]:
        return self.insights.courses

    @property
    def xp_today(self) -> Decimal:
        return self.insights.today_figures.xp

    @property
    def xp_goal(self) -> Decimal:
        return self.insights.xp_goal_today

    @property
    def xp_goal_percent(self) -> int:
        if not self.xp_goal:
            return 100
        return min(100, int(self.xp_today * 100 / self.xp_goal))

    @property
    def week_active_minutes(self) -> Decimal:
        return shared.active_minutes(Decimal(self.week_active_seconds))

    @property
    def week_waste_percent(self) -> Decimal | None:
        return shared.waste_percent(Decimal(self.week_active_seconds), self.week_wasted_seconds)


@dataclass(frozen=True)
class GoalLine:
    """One of the five daily goals of a course, with today's figure, in words."""

    key: str
    text: str
    met: bool


@dataclass(frozen=True)
class CourseCard:
    """A course as the student page shows it: the insight and its goals one by one."""

    course_id: int
    course_ref: str
    title: str
    progress: Progress
    verdict: object
    goal_lines: list[GoalLine]

    @property
    def goals_left(self) -> int:
        return sum(not g.met for g in self.goal_lines)

    @classmethod
    def of(cls, c: CourseInsight) -> "CourseCard":
        return cls(c.course_id, c.course_ref, c.title, c.progress, c.verdict, goal_lines(c))


def _n(value) -> str:
    """A figure as people read it: whole numbers without decimals, else one decimal."""
    rounded = Decimal(value).quantize(Decimal("0.1"))
    whole = rounded.to_integral_value()
    return f"{whole:f}" if rounded == whole else f"{rounded:f}"


def goal_lines(c: CourseInsight) -> list[GoalLine]:
    """Each of the five goals the course asks today (a goal of 0 asks nothing and is left
    out), with today's figure, in words a 10-year-old reads."""
    today, goals_, verdict = c.today, c.goals, c.verdict
    lines = []
    if goals_.daily_xp:
        lines.append(GoalLine("xp", f"XP: {_n(today.xp)} of {_n(goals_.daily_xp)}", verdict.xp))
    if goals_.daily_lessons:
        lines.append(
            GoalLine(
                "lessons",
                f"Lessons mastered: {today.lessons_mastered} of {_n(goals_.daily_lessons)}",
                verdict.lessons,
            )
        )
    if goals_.daily_active_minutes:
        lines.append(
            GoalLine(
                "active_minutes",
                f"Minutes of learning: {_n(today.active_minutes.to_integral_value())} of "
                f"{_n(goals_.daily_active_minutes)}",
                verdict.active_minutes,
            )
        )
    if goals_.daily_accuracy:
        goal = f"{_n(goals_.daily_accuracy)}% or more"
        text = (
            f"Right answers: {goal} (no questions answered yet today)"
            if today.accuracy is None
            else f"Right answers: {_n(today.accuracy)}% (goal {goal})"
        )
        lines.append(GoalLine("accuracy", text, verdict.accuracy))
    if goals_.daily_mastered_units:
        lines.append(
            GoalLine(
                "mastered_units",
                f"Mastery steps: {_n(today.mastered_units)} of {_n(goals_.daily_mastered_units)}",
                verdict.mastered_units,
            )
        )
    return lines


PARENT_WORDS = {
    "low_effort": (
        "{name} has spent little time on task lately ({reason}). Asking about the day's "
        "learning and setting a regular time for it usually helps; the guide sees this too."
    ),
    "too_hard": (
        "The work looks too hard for {name} right now ({reason}). That is a question of "
        "level, not effort: the guide can move {name} to material that fits better."
    ),
    "too_easy": (
        "The work looks too easy for {name} ({reason}). {name} may be ready for harder "
        "material; the guide can move them ahead."
    ),
}


def for_parents(flag: Flag, name: str) -> str:
    """A guide's diagnosis flag in words for a parent: the same finding and its figures."""
    words = PARENT_WORDS.get(flag.code, "{name}: {reason}")
    return words.format(name=name, reason=flag.reason.rstrip("."))


def student_summary(student: User, today: date | None = None) -> StudentSummary:
    """Everything the student page shows: analytics' five queries, then two, plus the
    student's school (its zone and calendar: their days are its local days)."""
    school = zones.school_days_of(zones.school_of(student))
    today = today or school.today
    insights = student_insights(student, today, calendar=school.calendar)
    chart_start = today - timedelta(days=CHART_DAYS - 1)
    week_start = today - timedelta(days=WEEK_DAYS - 1)
    xp_by_day = defaultdict(Decimal)
    active = wasted = 0
    for day, xp, active_seconds, wasted_seconds in rollups(
        students=[student.pk], start=chart_start, end=today
    ).values_list("day", "xp", "active_seconds", "wasted_seconds"):
        xp_by_day[day] += xp
        if day >= week_start:
            active += active_seconds
            wasted += wasted_seconds
    recent = list(
        LessonMastery.objects.filter(student=student)
        .select_related("lesson", "course")
        .order_by("-mastered_at")[:RECENT_MASTERED]
    )
    days = [chart_start + timedelta(days=n) for n in range(CHART_DAYS)]
    return StudentSummary(
        student=student,
        insights=insights,
        daily_xp=[(day, xp_by_day.get(day, Decimal(0))) for day in days],
        week_active_seconds=active,
        week_wasted_seconds=wasted,
        recent_mastered=recent,
        school=school,
    )


@dataclass(frozen=True)
class LessonWork:
    lesson: CourseComponent
    items_answered: int
    items_correct: int
    attempts: int
    best_score: Decimal | None
    mastered_at: datetime | None

    @property
    def accuracy(self) -> Decimal | None:
        return shared.accuracy(Decimal(self.items_correct), self.items_answered)


def lessons_of(course: Course, fields: tuple[str, ...] = ()) -> list[CourseComponent]:
    """The course's active lessons in syllabus order (unit order, then lesson order); with
    `fields`, only those (and the id) are read."""
    lessons = CourseComponent.objects.filter(
        course=course, kind=ComponentKind.LESSON, status=Status.ACTIVE
    ).order_by("parent__sort_order", "parent_id", "sort_order", "pk")
    return list(lessons.only(*fields) if fields else lessons)


def lesson_work(student: User, course: Course) -> list[LessonWork]:
    """Per lesson of a course: the student's answered items, accuracy, attempts (results
    written for the lesson) and mastery. Four queries."""
    lessons = lessons_of(course)
    items = {
        row["lesson_id"]: row
        for row in ItemResult.objects.filter(student=student, course=course)
        .values("lesson_id")
        .annotate(answered=Count("pk"), correct=Count("pk", filter=Q(correct=True)))
    }
    results = {
        row["lesson_id"]: row
        for row in AssessmentResult.objects.filter(student=student, course=course)
        .values("lesson_id")
        .annotate(attempts=Count("pk"), best=Max("score"))
    }
    mastered = dict(
        LessonMastery.objects.filter(student=student, course=course).values_list(
            "lesson_id", "mastered_at"
        )
    )
    work = []
    for lesson in lessons:
        item = items.get(lesson.pk, {})
        result = results.get(lesson.pk, {})
        work.append(
            LessonWork(
                lesson=lesson,
                items_answered=item.get("answered", 0),
                items_correct=item.get("correct", 0),
                attempts=result.get("attempts", 0),
                best_score=result.get("best"),
                mastered_at=mastered.get(lesson.pk),
            )
        )
    return work


# --- Guide -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The days a class page shows: today, the last school day, this week, last week or a
    chosen date, in the class's school (its local days)."""

    kind: str  # one of PERIODS
    start: date
    end: date
    school_days: tuple[date, ...]  # the school days in [start, end]

    @property
    def single_day(self) -> bool:
        return self.start == self.end

    @property
    def label(self) -> str:
        if self.single_day:
            return self.start.strftime("%A %-d %B %Y")
        return f"{self.start.strftime('%a %-d %b')} – {self.end.strftime('%a %-d %b %Y')}"


PERIODS = {
    "today": "Today",
    "last-school-day": "Last school day",
    "this-week": "This week",
    "last-week": "Last week",
    "date": "A date",
}
ACTIVITY_LOOKBACK = 31  # days searched back for the last school day with activity


def period_of(
    kind: str | None, today: date, calendar, *, chosen: date | None = None, last_active=None
) -> Period:
    """The period asked for; `kind` None picks today when the class has activity today, else
    the last school day with activity (`last_active`: the class's latest active day before
    today, or None)."""
    if kind not in PERIODS or (kind == "date" and chosen is None):
        kind = None
    if kind is None:
        kind = "today" if last_active == today else "last-school-day"
    if kind == "today":
        start = end = today
    elif kind == "last-school-day":
        if last_active is not None and last_active < today:
            start = end = last_active
        else:
            start = end = calendar.last_school_day(today)
    elif kind == "this-week":
        start, end = today - timedelta(days=today.weekday()), today
    elif kind == "last-week":
        start = today - timedelta(days=today.weekday() + 7)
        end = start + timedelta(days=6)
    else:
        start = end = min(chosen, today)
    days = tuple(
        start + timedelta(days=n)
        for n in range((end - start).days + 1)
        if calendar.is_school_day(start + timedelta(days=n))
    )
    return Period(kind=kind, start=start, end=end, school_days=days)


@dataclass(frozen=True)
class StudentRow:
    """One line of a guide's class table: the period's figures in the class's course, and the
    course-wide ones (lessons mastered, progress, last active)."""

    student: User
    xp_today: Decimal
    xp_week: Decimal
    goal_met_today: bool
    accuracy: Decimal | None  # over the diagnosis window
    active_seconds_week: int
    wasted_seconds_week: int
    lessons_mastered: int
    progress: Progress
    last_active: date | None
    flags: list[Flag]
    # The period shown (ClassReport.period), in this course:
    xp: Decimal = Decimal(0)
    xp_goal: Decimal = Decimal(0)  # the daily XP goal × the period's school days
    days_met: int = 0  # school days of the period with every goal met
    days_expected: int = 0  # school days of the period
    period_accuracy: Decimal | None = None
    active_seconds: int = 0
    wasted_seconds: int = 0
    started: bool = True  # any learning in this course, ever
    met_by_day: dict = field(default_factory=dict)  # day -> "met" | "worked" | "none"

    @property
    def active_minutes_week(self) -> Decimal:
        return shared.active_minutes(Decimal(self.active_seconds_week))

    @property
    def waste_percent_week(self) -> Decimal | None:
        return shared.waste_percent(Decimal(self.active_seconds_week), self.wasted_seconds_week)

    @property
    def active_minutes(self) -> Decimal:
        return shared.active_minutes(Decimal(self.active_seconds))

    @property
    def waste_percent(self) -> Decimal | None:
        return shared.waste_percent(Decimal(self.active_seconds), self.wasted_seconds)

    @property
    def xp_goal_percent(self) -> int:
        if not self.xp_goal:
            return 100 if self.xp else 0
        return min(100, int(self.xp * 100 / self.xp_goal))

    @property
    def goal_met(self) -> bool:
        """Every goal met on every school day of the period (a day without school: nothing
        asked)."""
        return self.days_met >= self.days_expected

    @property
    def name(self) -> str:
        return f"{self.student.last_name}, {self.student.first_name}".strip(", ")


# Sort keys of the class table: column name → key function; None sorts last.
SORT_KEYS = {
    "name": lambda r: (r.student.last_name.lower(), r.student.first_name.lower()),
    "xp": lambda r: r.xp,
    "xp_today": lambda r: r.xp_today,
    "xp_week": lambda r: r.xp_week,
    "goal": lambda r: (r.days_met, r.goal_met_today),
    "accuracy": lambda r: r.period_accuracy,
    "active": lambda r: r.active_seconds,
    "waste": lambda r: r.waste_percent,
    "mastered": lambda r: r.lessons_mastered,
    "progress": lambda r: r.progress.pct_complete,
    "last_active": lambda r: r.last_active,
    "flag": lambda r: (",".join(f.code for f in r.flags) or None) if r.started else None,
}


def sort_rows(rows: list[StudentRow], key: str, descending: bool) -> list[StudentRow]:
    """Rows sorted by a column of SORT_KEYS (unknown keys sort by name); rows without a
    value for the column come last in both directions, ties by name."""
    get = SORT_KEYS.get(key, SORT_KEYS["name"])
    by_name = sorted(rows, key=SORT_KEYS["name"])
    present = [r for r in by_name if get(r) is not None]
    missing = [r for r in by_name if get(r) is None]
    return sorted(present, key=get, reverse=descending) + missing


# The fields of a student the class page, its CSV and its plans read (ClassReport.rows).
STUDENT_FIELDS = ("id", "sourced_id", "first_name", "last_name")

NOT_MASTERED_CELL = '<td class="cell-no">·<span class="visually-hidden"> not mastered</span></td>'


@dataclass(frozen=True)
class ClassReport:
    klass: object
    today: date
    rows: list[StudentRow]
    lessons: list[CourseComponent]
    # (student, lesson) -> the local day of the school the lesson was mastered on
    mastery: dict[tuple[int, int], date] = field(default_factory=dict)
    period: Period | None = None
    school: zones.SchoolDays | None = None
    grid_days: list[date] = field(default_factory=list)  # the goals-met grid's school days

    def grid(self):
        """The lesson × student mastery grid: one line per lesson, a cell per student (the
        local day it was mastered, or None)."""
        students = [row.student.pk for row in self.rows]
        return [
            (lesson, [self.mastery.get((student, lesson.pk)) for student in students])
            for lesson in self.lessons
        ]

    def grid_html(self):
        """The mastery grid as (lesson, its row's cells as HTML): a class of 50 and a course
        of 80 lessons are 4,000 cells, and a template loop with two `|date` filters per
        cell cost more than the rest of the page (issue 16). The same markup the template
        wrote per cell, one string per day mastered (a cell is a dictionary lookup: after a
        long history nearly every cell is mastered)."""
        cell_of = {None: NOT_MASTERED_CELL}
        for day in set(self.mastery.values()):
            cell_of[day] = (
                f'<td class="cell-yes" title="mastered {day.isoformat()}">✓<span '
                f'class="visually-hidden"> mastered {day.isoformat()}</span></td>'
            )
        students = [row.student.pk for row in self.rows]
        mastered = self.mastery.get
        rows = []
        for lesson in self.lessons:
            lesson_id = lesson.pk
            html = "".join([cell_of[mastered((student, lesson_id))] for student in students])
            rows.append((lesson, mark_safe(html)))  # noqa: S308 (dates and constants)
        return rows

    def goals_grid(self):
        """The students × days grid of goals met: (row, [(day, "met"|"worked"|"none")])."""
        return [
            (row, [(day, row.met_by_day.get(day, "none")) for day in self.grid_days])
            for row in self.rows
        ]

    @property
    def not_started(self) -> int:
        return sum(not row.started for row in self.rows)


def class_report(klass, today: date | None = None, *, period: str | None = None, chosen=None):
    """The guide's table of one class for a period, its goals-met grid and its mastery grid:
    analytics' insights of every student in the class's course (goal-met days judged from
    the earliest day shown only: the page shows no streak or time back), plus five queries
    (enrollments, the class's active days, the rollups of the days shown, masteries, the
    lessons) and the school's calendar. Days are local days of the class's school. The rows
    read are bounded by the days shown and the class, whatever the length of the history
    (issue 16)."""
    course = klass.course
    school = zones.school_days_of(klass.school)
    today = today or school.today
    calendar = school.calendar
    students = {}
    for enrollment in (
        Enrollment.objects.filter(klass=klass, role=EnrollmentRole.STUDENT, status=Status.ACTIVE)
        .select_related("user")
        # Only what the page and the CSV show of a student: their JSON fields, decoded for
        # nothing, were a quarter of the class page's rows decoded (issue 16).
        .only(*(f"user__{name}" for name in STUDENT_FIELDS))
        .order_by("user__last_name", "user__first_name", "user_id")
    ):
        students.setdefault(enrollment.user_id, enrollment.user)
    week_start = today - timedelta(days=WEEK_DAYS - 1)
    # The days searched for the class's last active day: the lookback, or back to a date
    # chosen earlier.
    earliest = min(today - timedelta(days=ACTIVITY_LOOKBACK), chosen or today)
    last_active = next(
        (
            day
            for day in rollups(students=students, courses=[course.pk], start=earliest, end=today)
            # Any figure of learning other than zero (as `worked` below judges a row).
            .exclude(**{name: 0 for name in shared.ACTIVITY_FIELDS})
            .order_by("-day")
            .values_list("day", flat=True)
            .distinct()
            if day == today or calendar.is_school_day(day)
        ),
        None,
    )
    shown = period_of(period, today, calendar, chosen=chosen, last_active=last_active)
    grid_start = shown.end - timedelta(days=shown.end.weekday())
    grid_days = [
        grid_start + timedelta(days=n)
        for n in range(7)
        if grid_start + timedelta(days=n) <= today
        and calendar.is_school_day(grid_start + timedelta(days=n))
    ]
    # The rollup rows of the days shown: the last seven, the period and the grid's week,
    # none after today.
    ranges = [
        (week_start, today),
        (shown.start, min(shown.end, today)),
        (grid_start, min(grid_start + timedelta(6), today)),
    ]
    first_shown = min(start for start, _ in ranges)
    insights = insights_for_students(
        students, today, courses=[course.pk], calendar=calendar, judge_from=first_shown
    )
    recent = defaultdict(list)
    days_shown = Q()
    for start, end in ranges:
        days_shown |= Q(day__gte=start, day__lte=end)
    for row in (
        rollups(students=students, courses=[course.pk])
        .filter(days_shown)
        .values_list("student_id", "day", *shared.ROLLUP_MEASURES)
    ):
        recent[row[0]].append(RecentRow(*row[1:]))
    mastery = _mastered_days(course.pk, list(students), school.zone)
    mastered_count = Counter(student_id for student_id, _ in mastery)
    rows = []
    for student_id, student in students.items():
        insight = insights[student_id]
        history = recent[student_id]
        week = [r for r in history if r.day >= week_start]
        period_rows = [r for r in history if shown.start <= r.day <= shown.end]
        course_insight = insight.courses[0] if insight.courses else None
        daily_xp_goal = course_insight.goals.daily_xp if course_insight else Decimal(0)
        met = set(insight.met_days)
        worked = {r.day for r in history if any(getattr(r, n) for n in shared.ACTIVITY_FIELDS)}
        started = insight.last_activity is not None or mastered_count[student_id] > 0
        answered = sum(r.items_answered for r in period_rows)
        rows.append(
            StudentRow(
                student=student,
                xp_today=insight.today_figures.xp,
                xp_week=sum((r.xp for r in week), Decimal(0)),
                goal_met_today=insight.goal_met_today,
                accuracy=insight.judged.accuracy,
                active_seconds_week=sum(r.active_seconds for r in week),
                wasted_seconds_week=sum(r.wasted_seconds for r in week),
                lessons_mastered=mastered_count[student_id],
                progress=course_insight.progress if course_insight else Progress(0, 0, 0),
                last_active=insight.last_activity,
                # A student who has not started yet has nothing to diagnose.
                flags=insight.flags if started else [],
                xp=sum((r.xp for r in period_rows), Decimal(0)),
                xp_goal=daily_xp_goal * len(shown.school_days),
                days_met=sum(day in met for day in shown.school_days),
                days_expected=len(shown.school_days),
                period_accuracy=shared.accuracy(
                    Decimal(sum(r.items_correct for r in period_rows)), answered
                ),
                active_seconds=sum(r.active_seconds for r in period_rows),
                wasted_seconds=sum(r.wasted_seconds for r in period_rows),
                started=started,
                met_by_day={
                    # A day without work is "none" even when nothing was asked of it.
                    day: "none" if day not in worked else "met" if day in met else "worked"
                    for day in grid_days
                },
            )
        )
    return ClassReport(
        klass=klass,
        today=today,
        rows=rows,
        lessons=lessons_of(course, fields=("title",)),
        mastery=mastery,
        period=shown,
        school=school,
        grid_days=grid_days,
    )


def _mastered_days(course_id: int, student_ids: list[int], zone) -> dict[tuple[int, int], date]:
    """{(student, lesson): the local day in `zone` it was mastered on} of the course. Read
    as dates (a date read is cheaper than a time to convert, up to 4,000 times a page), in
    SQL without the ORM's per-value converters."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT student_id, lesson_id, (mastered_at AT TIME ZONE %s)::date"
            f" FROM {connection.ops.quote_name(LessonMastery._meta.db_table)}"
            " WHERE course_id = %s AND student_id = ANY(%s)",
            [zone.key, course_id, student_ids],
        )
        # fetchall: one call for up to 4,000 rows, not the cursor's iterator per row.
        return {(student_id, lesson_id): day for student_id, lesson_id, day in cursor.fetchall()}


RecentRow = namedtuple("RecentRow", ["day", *shared.ROLLUP_MEASURES])  # its student apart


# --- Developer -------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestionDay:
    day: date
    accepted: int
    rejected: int

    @property
    def received(self) -> int:
        return self.accepted + self.rejected


@dataclass(frozen=True)
class RejectionReason:
    reason: str
    count: int
    example: dict | None
    example_errors: list[str]

    @property
    def example_json(self) -> str:
        """The example event as the app sent it, as indented JSON (not Python's repr)."""
        return json.dumps(self.example, indent=2, ensure_ascii=False, sort_keys=False)


@dataclass(frozen=True)
class LessonOutcome:
    lesson: CourseComponent
    mastered: int
    enrolled: int
    # The nearest-rank quartiles (figures.quantile) of the days taken by the window's
    # masteries, computed where the masteries lie: {0.25: days, 0.5: ..., 0.75: ...}.
    quartiles: dict = field(default_factory=dict)

    @property
    def completion_percent(self) -> Decimal | None:
        return figures.percent(self.mastered, self.enrolled)

    def quantile(self, q: float):
        return self.quartiles.get(q)

    @property
    def median_days(self):
        return self.quantile(0.5)

    @property
    def p25_days(self):
        return self.quantile(0.25)

    @property
    def p75_days(self):
        return self.quantile(0.75)


@dataclass(frozen=True)
class AppReport:
    app: PartnerApp
    today: date
    ingestion: list[IngestionDay]
    unprocessed: dict[str, int]  # pending, parked, failed
    failures: list  # the latest failed events (event_id, type, error, received_at)
    reasons: list[RejectionReason]
    active_students: int
    lessons: list[LessonOutcome]
    accuracy_buckets: list[tuple[str, int]]
    xp: Decimal
    active_seconds: int
    wasted_seconds: int
    flagged_count: int
    flagged: list
    # The newest parked events with why each waits ([(event, [reason, ...])]).
    parked: list = field(default_factory=list)
    # Activities outside the catalogue (not published lessons), credited to their course.
    activities: list[ActivityFigures] = field(default_factory=list)
    # Per day of event time (when the learning happened, not when it was sent).
    event_days: list[IngestionDay] = field(default_factory=list)
    # The CASE standards the app's lessons and assessment line items name: unresolved ones,
    # covered standards and content gaps per framework (docs/dashboards.md).
    alignment: standards.AlignmentReport | None = None

    @property
    def xp_per_active_minute(self) -> Decimal | None:
        if not self.active_seconds:
            return None
        return self.xp / (Decimal(self.active_seconds) / 60)

    @property
    def waste_percent(self) -> Decimal | None:
        return shared.waste_percent(Decimal(self.active_seconds), self.wasted_seconds)

    @property
    def accepted_total(self) -> int:
        return sum(d.accepted for d in self.ingestion)

    @property
    def rejected_total(self) -> int:
        return sum(d.rejected for d in self.ingestion)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def app_report(app: PartnerApp, today: date) -> AppReport:
    """The developer dashboard of one partner app, in thirteen queries (three more when its
    lessons or line items name CASE standards)."""
    since = today - timedelta(days=DEVELOPER_DAYS - 1)
    accepted = accepted_per_day(app, since, today)
    rejected, rejected_by_event_day = _rejections_per_day(app, since, today)
    ingestion = [
        IngestionDay(d, accepted.get(d, 0), rejected.get(d, 0))
        for d in (since + timedelta(days=n) for n in range(DEVELOPER_DAYS))
    ]
    # The event store's partial index covers exactly these statuses.
    unprocessed = dict(
        CaliperEvent.objects.filter(
            partner_app=app,
            status__in=[EventStatus.PENDING, EventStatus.PARKED, EventStatus.FAILED],
        )
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    # A subquery in each read below, not a query of its own (the page counts its queries).
    courses = Course.objects.filter(partner_app=app).values("pk")
    outcome_start = today - timedelta(days=OUTCOME_DAYS - 1)
    # The window's rollups summed per student, then bucketed by accuracy, in SQL: a few
    # rows come back instead of one per student (2,000 rows of five sums were ~10 ms of the
    # page's Python, issue 16).
    active_students, totals, counts = _window_per_student(courses, outcome_start, today)
    buckets = [(f"{ACCURACY_EDGES[i]}–{ACCURACY_EDGES[i + 1]}%", n) for i, n in enumerate(counts)]
    # The newest flagged claims (the partial index xpflag_app_flagged_newest), each row
    # carrying the count of all of them, summed from the deltas the flags' triggers keep
    # (analytics.counts; counting read every flagged claim of the app), and how many delta
    # rows that read: one query.
    app_counts = FlaggedClaimCount.objects.filter(partner_app=app).values("partner_app")
    flagged = list(
        XpFlag.objects.filter(partner_app=app, flagged=True)
        .select_related("student", "course")
        .annotate(
            total=Subquery(app_counts.annotate(n=Sum("claims")).values("n")[:1]),
            count_rows=Subquery(app_counts.annotate(n=Count("*")).values("n")[:1]),
        )
        .order_by("-occurred_on", "-pk")[:FLAGGED_SHOWN]
    )
    if flagged and flagged[0].count_rows > stored.FOLD_ABOVE:
        stored.fold_flagged_quietly(app.pk)
    lessons = _lesson_outcomes(courses, outcome_start)
    alignment = standards.alignment_report(
        [o.lesson for o in lessons], other_references=_line_item_standards(app, courses)
    )
    return AppReport(
        app=app,
        today=today,
        ingestion=ingestion,
        unprocessed=unprocessed,
        failures=list(
            CaliperEvent.objects.filter(partner_app=app, status=EventStatus.FAILED)
            .only("event_id", "type", "error", "received_at")
            .order_by("-received_at", "-pk")[:FAILURES_SHOWN]
        )
        if unprocessed.get(EventStatus.FAILED)
        else [],
        reasons=_top_rejections(app),
        active_students=active_students,
        lessons=lessons,
        accuracy_buckets=buckets,
        xp=totals["xp"],
        active_seconds=totals["active"],
        wasted_seconds=totals["wasted"],
        flagged_count=flagged[0].total if flagged else 0,
        flagged=flagged,
        parked=parked_events(app) if unprocessed.get(EventStatus.PARKED) else [],
        activities=outside_activities(app.pk, outcome_start),
        event_days=events_per_event_day(app, since, today, rejected_by_event_day),
        alignment=alignment,
    )


def _accuracy_bucket_sql(edges: list[int]) -> str:
    """The SQL of figures.histogram's bucket index for a student's accuracy, 100 × correct
    ÷ answered, compared exactly in integers (value ≥ edge ⇔ 100 × correct ≥ edge ×
    answered): the number of edges at or below the value, less one (bisect_right), the
    last bucket including its upper edge; NULL when nothing was answered."""
    at_or_below = " + ".join(
        f"(CASE WHEN 100 * items_correct >= {int(edge)} * items_answered THEN 1 ELSE 0 END)"
        for edge in edges
    )
    return (
        "CASE WHEN items_answered IS NULL OR items_answered <= 0 THEN NULL"
        f" WHEN 100 * items_correct = {int(edges[-1])} * items_answered THEN {len(edges) - 2}"
        f" ELSE {at_or_below} - 1 END"
    )


def _window_per_student(courses, start: date, end: date) -> tuple[int, dict, list[int]]:
    """(active students, {"xp", "active", "wasted"} totals, students per ACCURACY_EDGES
    bucket) of the rollups of `courses` (an id subquery) in [start, end]: each student's
    sums over the window, a student active when their active seconds sum to more than 0,
    their accuracy shared.accuracy of their sums, bucketed as figures.histogram does. One
    statement over the week sums the rollups' triggers keep (analytics.counts: about five
    week rows and a few days of rollups a student, where summing thirty days of rollups
    read ~40,000 rows at 2,000 students); one row per bucket comes back."""
    per_student, params, weeks = stored.window_sums_per_student(courses, start, end)
    sql = f"""
        SELECT bucket, count(*), sum(xp), sum(active_seconds), sum(wasted_seconds),
               count(*) FILTER (WHERE active_seconds <> 0), sum(week_rows),
               count(*) FILTER (WHERE week_rows > 0)
        FROM (SELECT xp, active_seconds, wasted_seconds, week_rows,
                     {_accuracy_bucket_sql(ACCURACY_EDGES)} AS bucket
              FROM ({per_student}) per_student) bucketed
        GROUP BY bucket
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    counts = [0] * (len(ACCURACY_EDGES) - 1)
    totals = {"xp": Decimal(0), "active": 0, "wasted": 0}
    active_students = week_rows = students_with_weeks = 0
    for bucket, students, xp, active, wasted, active_here, read, with_weeks in rows:
        totals["xp"] += xp
        totals["active"] += int(active)  # sums of bigint answer numeric
        totals["wasted"] += int(wasted)
        active_students += active_here
        week_rows += int(read)
        students_with_weeks += with_weeks
        if bucket is not None and 0 <= bucket < len(counts):
            counts[bucket] += students
    stored.fold_weeks_after_read(courses, start, end, week_rows, students_with_weeks, weeks)
    return active_students, totals, counts


def events_per_event_day(
    app: PartnerApp, since: date, today: date, rejected: dict[date, int]
) -> list[IngestionDay]:
    """Accepted events per UTC day of their event time in [since, today] (an app that sends
    a history at once sees it on the days it happened), beside `rejected` per day
    (_rejections_per_day)."""
    accepted = accepted_per_event_day(app, since, today)
    return [
        IngestionDay(d, accepted.get(d, 0), rejected.get(d, 0))
        for d in (since + timedelta(days=n) for n in range((today - since).days + 1))
    ]


def accepted_per_event_day(app: PartnerApp, since: date, today: date) -> dict[date, int]:
    """Events stored per UTC day of their event time in [since, today] (any day can still
    grow: a history sent late). Summed from the per-(app, day) deltas the event store's
    triggers keep (analytics.counts), exact at every view: one query of a few rows a
    day, where counting two weeks of a 2,000-student school's app read ~200,000 events
    (~100 ms, issue 16)."""
    return stored.events_per_day(app.pk, since, today)


def _rejections_per_day(
    app: PartnerApp, since: date, today: date
) -> tuple[dict[date, int], dict[date, int]]:
    """Rejected events received since `since`, per UTC day received and per day of their
    event time: the eventTime the sample carries when it reads as a date-time, else the day
    received (a rejected event's time may be what was wrong with it). One query, over at
    most REJECTIONS_CHARTED rejections (the newest)."""
    received, happened = Counter(), Counter()
    recent = (
        RejectedEvent.objects.filter(partner_app=app, received_at__gte=_day_start(since))
        .annotate(moment=KT("raw__eventTime"))
        .order_by("-received_at")
        .values_list("moment", "received_at")[:REJECTIONS_CHARTED]
    )
    for moment, received_at in recent:
        received[received_at.astimezone(UTC).date()] += 1
        try:
            at = parse_datetime(moment) if moment else None
        except ValueError:  # shaped like a date-time but not one (the reason it was rejected)
            at = None
        day = (at if at and at.tzinfo else received_at).astimezone(UTC).date()
        if since <= day <= today:
            happened[day] += 1
    return received, happened


LINE_ITEMS_READ = 500  # assessment line items read for their CASE objectives (newest first)


def _line_item_standards(app: PartnerApp, course_ids: list[int]) -> dict[str, list[str]]:
    """{CFItem reference: ["assessment line item <title> (<sourcedId>)"]} of the app's
    assessment line items whose OneRoster 1.2 learningObjectiveSet has source CASE."""
    rows = (
        AssessmentLineItem.objects.filter(Q(partner_app=app) | Q(course_id__in=course_ids))
        .exclude(learning_objective_set=[])
        .order_by("-pk")
        .values_list("sourced_id", "title", "learning_objective_set")[:LINE_ITEMS_READ]
    )
    found: dict[str, list[str]] = defaultdict(list)
    for sourced_id, title, objectives in rows:
        for ref in standards.case_references(objectives):
            found[ref].append(f"assessment line item {title} ({sourced_id})")
    return found


def accepted_per_day(app: PartnerApp, since: date, today: date) -> dict[date, int]:
    """Events stored per UTC day of `received_at` in [since, today]. A day that ended more
    than an hour ago can no longer change (received_at is the moment of storing), so its
    count is cached for good and only the newer days are counted: one query over a day or
    two of rows rather than two weeks of them (~400,000 at 600 students)."""
    settled = timezone.now() - SETTLED_AFTER
    days = [since + timedelta(days=n) for n in range((today - since).days + 1)]
    keys = {day: f"dashboards:accepted:{app.pk}:{app.created_at.timestamp()}:{day}" for day in days}
    counts = {}
    cached = cache.get_many(list(keys.values()))
    for day in days:
        if keys[day] in cached:
            counts[day] = cached[keys[day]]
    first_missing = min((day for day in days if day not in counts), default=today)
    fresh = dict(
        CaliperEvent.objects.filter(partner_app=app, received_at__gte=_day_start(first_missing))
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("*"))  # COUNT(*): an index-only scan of (partner_app, received_at)
        .values_list("day", "n")
    )
    for day in days:
        if day >= first_missing:
            counts[day] = fresh.get(day, 0)
    cache.set_many(
        {
            keys[day]: counts[day]
            for day in days
            if day >= first_missing and _day_start(day + timedelta(days=1)) <= settled
        },
        timeout=None,
    )
    return counts


def _top_rejections(app: PartnerApp, limit: int = 5) -> list[RejectionReason]:
    """The most frequent reasons among the newest REJECTION_SAMPLE rejections (each reason
    an event's errors name, as often as it names it), ties in the order first met from the
    newest, each with one example: the newest rejection giving it, its body and all its
    errors. One statement counting in SQL; only the shown reasons come back (reading and
    decoding 500 rejections' errors was ~3 ms of the developer page's Python, issue 16)."""
    table = connection.ops.quote_name(RejectedEvent._meta.db_table)
    sql = f"""
        WITH recent AS (
            SELECT id, errors, row_number() OVER (ORDER BY received_at DESC, id DESC) AS n
            FROM {table} WHERE partner_app_id = %s
            ORDER BY received_at DESC, id DESC LIMIT %s
        ), reasons AS (
            SELECT e.reason, count(*) AS times, min(ARRAY[r.n, e.k]) AS first
            FROM recent r,
                 jsonb_array_elements_text(CASE WHEN jsonb_typeof(r.errors) = 'array'
                                                THEN r.errors ELSE '[]' END)
                     WITH ORDINALITY AS e(reason, k)
            GROUP BY e.reason ORDER BY times DESC, first LIMIT %s
        )
        SELECT reasons.reason, reasons.times, example.errors::text, example.raw::text
        FROM reasons
        JOIN recent ON recent.n = reasons.first[1]
        JOIN {table} example ON example.id = recent.id
        ORDER BY reasons.times DESC, reasons.first
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [app.pk, REJECTION_SAMPLE, limit])
        rows = cursor.fetchall()
    return [
        RejectionReason(
            reason, times, json.loads(raw) if raw is not None else None, json.loads(errors)
        )
        for reason, times, errors, raw in rows
    ]


def _lesson_outcomes(course_ids: list[int], since: date) -> list[LessonOutcome]:
    """Per lesson of the app's courses: how many enrolled students ever mastered it, and
    the days taken by the masteries since `since`. A lesson's time to mastery runs from the
    student's previous mastery in the course, however long ago (from their first day of
    activity for their first lesson): lessons are studied in sequence, and this needs only
    mastery rows and rollups, not the raw events. Four queries; the rows read are bounded
    by the window and the catalogue, whatever the history."""
    lessons = list(
        CourseComponent.objects.filter(
            course_id__in=course_ids, kind=ComponentKind.LESSON, status=Status.ACTIVE
        ).order_by("course_id", "parent__sort_order", "parent_id", "sort_order", "pk")
    )
    enrolled = dict(
        Enrollment.objects.filter(
            klass__course_id__in=course_ids, role=EnrollmentRole.STUDENT, status=Status.ACTIVE
        )
        .values("klass__course_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("klass__course_id", "n")
    )
    # Summed from the per-lesson deltas the masteries' triggers keep: counting the masteries
    # read every one of the course's (160,000 after a school year of 2,000 students).
    mastered = stored.masteries_per_lesson(course_ids)
    quartiles = _mastery_quartiles(course_ids, since)
    return [
        LessonOutcome(
            lesson=lesson,
            mastered=mastered.get(lesson.pk, 0),
            enrolled=enrolled.get(lesson.course_id, 0),
            quartiles=quartiles.get(lesson.pk, {}),
        )
        for lesson in lessons
    ]


QUARTILES = (0.25, 0.5, 0.75)


def _mastery_quartiles(course_ids, since: date) -> dict[int, dict[float, float]]:
    """{lesson id: {q: days}} for q in QUARTILES: the nearest-rank quantiles
    (dashboards.figures.quantile: rank round(q × (n − 1)), half to even) of the days each
    lesson mastery since `since` took, from the student's previous mastery in the course
    (the latest before it, ties by id) or, for a first mastery, from the start of their
    first day in the course. One statement over the window's masteries (index
    lessonmastery_course_time): the previous mastery of each is the one before it in the
    window (one sort, `lag`), except for a student's first mastery of the window, whose
    previous one (before the window) or first rollup day is one index probe. So the probes
    are at most one per student of the course, not one per mastery (18,400 at the start of
    a school year of 2,000 students: ~200 ms of PostgreSQL, issue 16); only three rows a
    lesson come out.
    """
    masteries = connection.ops.quote_name(LessonMastery._meta.db_table)
    days = connection.ops.quote_name(DailyActivity._meta.db_table)
    courses_sql, params = course_ids.query.sql_with_params()
    rank = (
        "CASE WHEN %(q)s * (n - 1) - floor(%(q)s * (n - 1)) = 0.5"
        " THEN floor(%(q)s * (n - 1)) + floor(%(q)s * (n - 1))::bigint %%%% 2"
        " ELSE round(%(q)s * (n - 1)) END"
    )
    ranks = " OR ".join(f"k = {rank % {'q': q}}" for q in QUARTILES)
    # COALESCE evaluates its subqueries only when `lag` found no previous mastery; the
    # intervals are sorted as they are (to seconds only for the three rows a lesson).
    sql = f"""
        WITH window_masteries AS (
            SELECT m.lesson_id, m.student_id, m.course_id, m.mastered_at,
                   lag(m.mastered_at) OVER (PARTITION BY m.student_id, m.course_id
                                            ORDER BY m.mastered_at, m.id) AS previous
            FROM {masteries} m
            WHERE m.course_id IN ({courses_sql}) AND m.mastered_at >= %s
        ), taken AS (
            SELECT w.lesson_id,
                   GREATEST(interval '0', w.mastered_at - COALESCE(
                       w.previous,
                       (SELECT e.mastered_at FROM {masteries} e
                        WHERE e.student_id = w.student_id AND e.course_id = w.course_id
                          AND e.mastered_at < %s
                        ORDER BY e.mastered_at DESC LIMIT 1),
                       (SELECT d.day FROM {days} d
                        WHERE d.student_id = w.student_id AND d.course_id = w.course_id
                        ORDER BY d.day LIMIT 1)::timestamp AT TIME ZONE 'UTC',
                       w.mastered_at)) AS taken
            FROM window_masteries w
        ), ranked AS (
            SELECT lesson_id, taken,
                   row_number() OVER (PARTITION BY lesson_id ORDER BY taken) - 1 AS k,
                   count(*) OVER (PARTITION BY lesson_id) AS n
            FROM taken
        )
        SELECT lesson_id, n, k, EXTRACT(EPOCH FROM taken) FROM ranked WHERE {ranks}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, _day_start(since), _day_start(since)])
        rows = cursor.fetchall()
    by_rank = defaultdict(dict)
    for lesson_id, n, k, seconds in rows:
        by_rank[lesson_id][k] = (n, float(seconds) / 86400)
    answer = {}
    for lesson_id, found in by_rank.items():
        n = next(iter(found.values()))[0]
        answer[lesson_id] = {q: found[max(0, min(n - 1, round(q * (n - 1))))][1] for q in QUARTILES}
    return answer
