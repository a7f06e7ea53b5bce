"""Reads over the daily rollups (analytics.DailyActivity) shared by the read-back APIs,
EduBridge and the dashboards. Every function answers in a constant number of queries,
whatever the number of events, rows or students it covers.

Scoping is the caller's: pass `courses` (a Course queryset such as
`rostering.access.courses_visible_to_app(app)`, or course ids) and students (a User
queryset or ids) to narrow what is read. `None` means "no narrowing".

- `activity_rows(...)`: the rollup rows, per student × course × local day of the student's school, as a queryset
  ready to page (`student_ref`/`course_ref` are the sourcedIds).
- `student_insights(student, today, courses=None)`: one student's goals, today's figures
  and verdicts, goal-met days, streak, time back, progress and diagnosis flags per course.
  `insights_for_students(student_ids, today, courses=None)` does the same for many
  students at once (a class), in the same number of queries.
- `diagnosis_thresholds()`, `time_back_of(...)`: the settings-driven rules.
"""

from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet

from events.models import CaliperEvent, TimeSpentFact
from gradebook.models import MasteryCredit, XpEntry
from gradebook.selectors import Progress, course_progress
from rostering import access
from rostering.models import Course, Enrollment, EnrollmentRole, Status

from . import diagnosis, figures, goals
from .models import DailyActivity

# --- Rollup rows -----------------------------------------------------------------------


def activity_rows(
    *,
    students=None,
    courses=None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet:
    """DailyActivity rows (student × course × local day) in [start, end], oldest day first,
    annotated with `student_ref` and `course_ref` (sourcedIds). Lazy: page it (count
    `rollups(...)` with the same arguments: the same rows without the joins)."""
    return (
        rollups(students=students, courses=courses, start=start, end=end)
        .annotate(student_ref=F("student__sourced_id"), course_ref=F("course__sourced_id"))
        .order_by("day", "student_id", "course_id")
    )


def rollups(*, students=None, courses=None, start=None, end=None) -> QuerySet:
    """The DailyActivity rows of the students and courses (ids or id subqueries; None = all)
    within [start, end], unordered."""
    rows = DailyActivity.objects.all()
    if students is not None:
        rows = rows.filter(student_id__in=students)
    if courses is not None:
        rows = rows.filter(course_id__in=courses)
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    return rows


def figures_of(row) -> goals.DayFigures:
    """The goal-relevant figures of one rollup row (a DailyActivity or a named tuple of it)."""
    return goals.DayFigures(
        xp=row.xp,
        lessons_mastered=row.lessons_mastered,
        active_seconds=row.active_seconds,
        items_answered=row.items_answered,
        items_correct=row.items_correct,
        mastered_units=row.mastered_units,
    )


# --- Settings-driven rules -------------------------------------------------------------


def diagnosis_thresholds() -> diagnosis.Thresholds:
    """The diagnosis thresholds of docs/xp-and-mastery.md#diagnosis, from settings (DIAGNOSIS_*)."""
    return diagnosis.Thresholds(
        low_effort_minutes_per_day=_decimal(settings.DIAGNOSIS_LOW_EFFORT_MINUTES_PER_DAY),
        low_effort_waste_percent=_decimal(settings.DIAGNOSIS_LOW_EFFORT_WASTE_PERCENT),
        too_hard_accuracy=_decimal(settings.DIAGNOSIS_TOO_HARD_ACCURACY),
        too_easy_accuracy=_decimal(settings.DIAGNOSIS_TOO_EASY_ACCURACY),
        too_easy_minutes_per_day=_decimal(settings.DIAGNOSIS_TOO_EASY_MINUTES_PER_DAY),
        min_items_for_accuracy=settings.DIAGNOSIS_MIN_ITEMS,
    )


def diagnosis_window(today: date) -> tuple[date, date]:
    """The days judged for diagnosis: the last DIAGNOSIS_WINDOW_DAYS days up to today."""
    return today - timedelta(days=max(1, settings.DIAGNOSIS_WINDOW_DAYS) - 1), today


def time_back_of(met_school_days: int) -> goals.TimeBack:
    return goals.time_back(
        met_school_days,
        school_day_hours=_decimal(settings.TIME_BACK_SCHOOL_DAY_HOURS),
        learning_hours=_decimal(settings.TIME_BACK_LEARNING_HOURS),
    )


def _decimal(value) -> Decimal:
    return Decimal(str(value))


# --- Student insights ------------------------------------------------------------------


@dataclass(frozen=True)
class CourseInsight:
    """One course of a student: goals, today's figures and verdicts, progress, flags."""

    course_id: int
    course_ref: str  # sourcedId
    title: str
    goals: goals.Goals
    today: goals.DayFigures
    verdict: goals.GoalVerdict
    active_today: bool  # judged today (has a rollup row today)
    progress: Progress
    flags: list[diagnosis.Flag]


@dataclass(frozen=True)
class StudentInsights:
    """What a student (and their guide, and a partner app) sees about them.

    `xp_goal_today` is the sum of the courses' `dailyXp` goals. A day is goal-met when every
    course the student worked in that day met its goals (analytics.goals); `met_days` lists
    them, oldest first, and feed `streak` and `time_back`. `flags` judge all courses together
    over the diagnosis window; each CourseInsight has that course's own flags.
    """

    student_id: int
    today: date
    today_figures: goals.DayFigures
    xp_goal_today: Decimal
    goal_met_today: bool
    met_days: list[date]  # from `judge_from` on when given (insights_for_students)
    streak: int | None  # None: not judged (insights_for_students' `judge_from`)
    time_back: goals.TimeBack | None
    courses: list[CourseInsight]
    flags: list[diagnosis.Flag]
    last_activity: date | None  # the last day showing learning (analytics.figures)
    window: tuple[date, date]  # the days judged for diagnosis
    judged: diagnosis.Window  # the student's totals over those days (accuracy, waste, ...)


def student_insights(
    student, today: date, courses=None, calendar=goals.SCHOOL_DAYS
) -> StudentInsights:
    """Insights of one student (a User or its id); see `insights_for_students`."""
    student_id = getattr(student, "pk", student)
    return insights_for_students([student_id], today, courses, calendar)[student_id]


def insights_for_students(
    student_ids: Iterable[int],
    today: date,
    courses=None,
    calendar=goals.SCHOOL_DAYS,
    *,
    judge_from: date | None = None,
) -> dict[int, StudentInsights]:
    """Insights of each student, over the courses they are enrolled in as students or have
    activity in (narrowed to `courses` when given). Four queries whatever the number of
    students, courses or days of history: enrollments, course progress (two) and the
    history (`_history`: the rows of the diagnosis window, every goal-met day, each course's
    last active day). Students with activity in a course they are not enrolled in cost four
    more: that course, its progress (two), and the history judged again with its goals.

    The history is judged in the database: the rows read into Python are those of the
    diagnosis window, so a page costs about the same after a year of history as after a
    week (docs/performance.md, issue 16). `_JUDGE_SQL` is `analytics.goals.judge_day` in SQL
    (tests check the two agree).

    `today` is a local day of the students' school and `calendar` its school days
    (rostering.zones.calendar_of; Monday to Friday by default): rollup days are local days.

    `judge_from` (with `courses` as a list of ids) judges only the days from that day on: a
    page that shows goal-met days of a period (the class page) but neither streaks nor time
    back then reads a bounded number of rows whatever the history. `met_days` holds only
    those days, and `streak` and `time_back` are None (not judged); each course's last
    active day is still the latest of the whole history (one index probe a pair)."""
    student_ids = set(student_ids)
    if not student_ids:
        return {}
    goals_by_pair, course_info = _goals_and_courses(student_ids, courses)
    progress = _progress(goals_by_pair)
    start, _ = diagnosis_window(today)
    if judge_from is not None and not isinstance(courses, list | tuple | set):
        raise ValueError("judge_from needs the courses as a list of ids")
    history = (student_ids, courses, start, today, judge_from)
    rows, met_days, last_active = _history(goals_by_pair, *history)
    unenrolled = set(last_active) - set(goals_by_pair)
    if unenrolled:
        # Courses with activity but no (active) enrollment count too, with the course's
        # goals: their days are judged again with them.
        _add_unenrolled_courses(unenrolled, goals_by_pair, course_info)
        progress.update(
            _progress({pair: goals_by_pair[pair] for pair in unenrolled}, goals_by_pair)
        )
        rows, met_days, last_active = _history(goals_by_pair, *history)
    thresholds = diagnosis_thresholds()
    courses_of = defaultdict(list)
    for s, c in goals_by_pair:
        courses_of[s].append(c)
    last_of = defaultdict(list)
    for (s, _), day in last_active.items():
        if day is not None:
            last_of[s].append(day)
    return {
        s: _insights(
            s,
            today,
            rows.get(s, []),
            met_days.get(s, []),
            max(last_of[s], default=None),
            sorted(courses_of[s], key=lambda c: course_info[c][0]),
            goals_by_pair,
            course_info,
            progress,
            thresholds,
            calendar,
            judge_from is None,
        )
        for s in student_ids
    }


def _goals_and_courses(student_ids, courses):
    """The goals of each (student, course) the students are enrolled in as students
    (the enrollment's metadata over the course's over the defaults), and each course's
    (sourcedId, title, metadata). One query."""
    enrollments = Enrollment.objects.filter(
        user_id__in=student_ids, role=EnrollmentRole.STUDENT, status=Status.ACTIVE
    ).exclude(
        # An assembled hole-filling course (docs/hole-filling.md) collects no learning of its
        # own (its lessons are learnt in their apps' courses): it has no daily goals, and
        # counting it would leave every day's goals unmet.
        klass__course__metadata__has_key=access.ASSEMBLED_COURSE_MARK
    )
    if courses is not None:
        enrollments = enrollments.filter(klass__course__in=courses)
    goals_by_pair: dict[tuple[int, int], goals.Goals] = {}
    course_info: dict[int, tuple[str, str, dict]] = {}
    for e in enrollments.order_by("-primary", "pk").values(
        "user_id",
        "metadata",
        "klass__course_id",
        "klass__course__sourced_id",
        "klass__course__title",
        "klass__course__metadata",
    ):
        course_id = e["klass__course_id"]
        course_info[course_id] = (
            e["klass__course__sourced_id"],
            e["klass__course__title"],
            e["klass__course__metadata"],
        )
        # A student in two classes of one course: the primary (then oldest) enrollment wins.
        goals_by_pair.setdefault(
            (e["user_id"], course_id),
            goals.goals_from_metadata(e["klass__course__metadata"], e["metadata"]),
        )
    return goals_by_pair, course_info


def _progress(pairs: dict, goals_by_pair: dict | None = None) -> dict:
    """Course progress of the pairs (two queries); a course the student has completed asks
    nothing more of them (its goals in `goals_by_pair`, default `pairs`, become
    NOTHING_ASKED)."""
    goals_by_pair = pairs if goals_by_pair is None else goals_by_pair
    progress = course_progress(pairs)
    for pair, course_progress_of_pair in progress.items():
        if course_progress_of_pair.complete and pair in goals_by_pair:
            goals_by_pair[pair] = goals.NOTHING_ASKED
    return progress


def _add_unenrolled_courses(pairs, goals_by_pair, course_info) -> None:
    """Courses a student has activity in without an (active) enrollment still count, with
    the course's goals. At most one query, none when every course is known."""
    missing = {c for _, c in pairs} - set(course_info)
    if missing:
        for c in Course.objects.filter(pk__in=missing).values(
            "pk", "sourced_id", "title", "metadata"
        ):
            course_info[c["pk"]] = (c["sourced_id"], c["title"], c["metadata"])
    for key in pairs:
        if key not in goals_by_pair and key[1] in course_info:
            goals_by_pair[key] = goals.goals_from_metadata(course_info[key[1]][2])


def _history(goals_by_pair, student_ids, courses, start: date, today: date, judge_from=None):
    """({student: rollup rows of [start, today] as named tuples (DailyActivity's attribute
    names)}, {student: goal-met days, oldest first}, {(student, course): the last day
    showing learning, None when no row does} for every pair with rollup rows). One
    statement: the rows of the window come out as they are; the whole history is judged
    where it lies, and only the goal-met days (a day is met when every course the student
    worked in met its goals, analytics.goals: a pair without goals here is judged by the
    defaults) and each pair's last active day come out. With `judge_from`, only the days
    from it on are judged, and each pair's last active day is one backward probe of the
    (student, course, day) index, so the rows read do not grow with the history."""
    pairs = list(goals_by_pair.items())
    course_filter, course_params = "", []
    if courses is not None:
        if isinstance(courses, QuerySet):
            sql, params = courses.values("pk").query.sql_with_params()
            course_filter, course_params = f"AND d.course_id IN ({sql})", list(params)
        else:
            course_filter, course_params = "AND d.course_id = ANY(%s)", [[int(c) for c in courses]]
    measures = ", ".join(f"d.{name}" for name in figures.ROLLUP_MEASURES)
    default = goals.Goals()
    nulls = ", ".join(["NULL"] * len(figures.ROLLUP_MEASURES))
    active = " OR ".join(f"d.{name} > 0" for name in figures.ACTIVITY_FIELDS)
    if judge_from is None:
        judged_days, window_days = "", "WHERE day >= %s AND day <= %s"
        last_active_sql = f"""
            SELECT 2, student_id, course_id, MAX(day) FILTER (WHERE active), {nulls}, NULL
            FROM r GROUP BY student_id, course_id"""
    else:
        # r holds the days from the earlier of the window's start and judge_from.
        judged_days, window_days = "AND d.day >= %s", "WHERE day >= %s AND day <= %s"
        # Every (student, course) pair with a row (the unenrolled courses among them), and
        # its latest active day, each from the unique (student, course, day) index.
        last_active_sql = f"""
            SELECT 2, p.s, p.c, (
                SELECT d.day FROM {_table(DailyActivity)} d
                WHERE d.student_id = p.s AND d.course_id = p.c AND ({active})
                ORDER BY d.day DESC LIMIT 1
            ), {nulls}, NULL
            FROM unnest(%s::bigint[]) AS s(s) CROSS JOIN unnest(%s::bigint[]) AS c(c),
                 LATERAL (SELECT s.s, c.c) AS p,
                 -- LIMIT 1: an index probe (an EXISTS is planned as a scan of every row).
                 LATERAL (SELECT 1 FROM {_table(DailyActivity)} d
                          WHERE d.student_id = p.s AND d.course_id = p.c LIMIT 1) AS e"""
    sql = f"""
        WITH g (student_id, course_id, xp, lessons, minutes, accuracy, units) AS (
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::numeric[],
                                 %s::numeric[], %s::numeric[], %s::numeric[])
        ), r AS (
            SELECT d.student_id, d.course_id, d.day, {measures}, {_JUDGE_SQL} AS met,
                   ({active}) AS active
            FROM {_table(DailyActivity)} d
            LEFT JOIN g ON g.student_id = d.student_id AND g.course_id = d.course_id
            WHERE d.student_id = ANY(%s) {course_filter} {judged_days}
        )
        SELECT 0, student_id, course_id, day, {", ".join(figures.ROLLUP_MEASURES)}, NULL
        FROM r {window_days}
        UNION ALL
        SELECT 1, student_id, NULL, NULL, {nulls}, array_agg(day ORDER BY day)
        FROM (SELECT student_id, day FROM r
              WHERE %s::date IS NULL OR day >= %s::date
              GROUP BY student_id, day HAVING bool_and(met)) m
        GROUP BY student_id
        UNION ALL
        {last_active_sql}
    """
    params = [
        [s for (s, _), _ in pairs],
        [c for (_, c), _ in pairs],
        *(
            [getattr(g, name) for _, g in pairs]
            for name in (
                "daily_xp",
                "daily_lessons",
                "daily_active_minutes",
                "daily_accuracy",
                "daily_mastered_units",
            )
        ),
        default.daily_xp,
        default.daily_lessons,
        default.daily_active_minutes,
        default.daily_accuracy,
        default.daily_mastered_units,
        list(student_ids),
        *course_params,
        *([] if judge_from is None else [min(start, judge_from)]),
        start,
        today,
        judge_from,
        judge_from,
        *([] if judge_from is None else [list(student_ids), [int(c) for c in courses]]),
    ]
    rows, met_days, last_active = defaultdict(list), {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, student_id, course_id, day, *measures_, met in cursor.fetchall():
            if kind == 0:
                rows[student_id].append(WindowRow(student_id, course_id, day, *measures_))
            elif kind == 1:
                met_days[student_id] = met
            else:
                last_active[(student_id, course_id)] = day
    return rows, met_days, last_active


# analytics.goals.judge_day of a rollup row `d` against its pair's goals `g` (the defaults
# when the pair has none), in SQL. Divisions are written as products, so that the database
# compares exactly what judge_day computes: minutes = seconds / 60, accuracy = 100 ×
# correct / answered (no accuracy asked of a day without answers).
_JUDGE_SQL = """(
    d.xp >= COALESCE(g.xp, %s)
    AND d.lessons_mastered >= COALESCE(g.lessons, %s)
    AND d.active_seconds >= 60 * COALESCE(g.minutes, %s)
    AND (d.items_answered <= 0
         OR 100 * d.items_correct >= COALESCE(g.accuracy, %s) * d.items_answered)
    AND d.mastered_units >= COALESCE(g.units, %s)
)"""

WindowRow = namedtuple("WindowRow", ["student_id", "course_id", "day", *figures.ROLLUP_MEASURES])


def _insights(
    student_id,
    today,
    rows,
    met_days,
    last_activity,
    course_ids,
    goals_by_pair,
    course_info,
    progress,
    thresholds,
    calendar,
    whole_history=True,
):
    """One student's insights from the rows of the diagnosis window (today's among them),
    the goal-met days and the last day of learning. Without the `whole_history` of goal-met
    days, the streak and time back are not judged (None)."""
    by_course_day = {(r.course_id, r.day): figures_of(r) for r in rows}
    start, end = diagnosis_window(today)
    school_days = sum(
        goals.is_school_day(start + timedelta(days=i), calendar)
        for i in range((end - start).days + 1)
    )
    window_rows = [r for r in rows if start <= r.day <= end]
    per_course = []
    for course_id in course_ids:
        course_goals = goals_by_pair[(student_id, course_id)]
        day = by_course_day.get((course_id, today), goals.DayFigures())
        ref, title, _ = course_info[course_id]
        course_window = [r for r in window_rows if r.course_id == course_id]
        per_course.append(
            CourseInsight(
                course_id=course_id,
                course_ref=ref,
                title=title,
                goals=course_goals,
                today=day,
                verdict=goals.judge_day(day, course_goals),
                active_today=(course_id, today) in by_course_day,
                progress=progress[(student_id, course_id)],
                flags=_diagnose(course_window, school_days, thresholds),
            )
        )
    return StudentInsights(
        student_id=student_id,
        today=today,
        today_figures=sum((c.today for c in per_course), goals.DayFigures()),
        xp_goal_today=sum((c.goals.daily_xp for c in per_course), Decimal(0)),
        goal_met_today=today in met_days,
        met_days=met_days,
        streak=goals.streak(met_days, today, calendar) if whole_history else None,
        time_back=(
            time_back_of(sum(goals.is_school_day(d, calendar) for d in met_days))
            if whole_history
            else None
        ),
        courses=per_course,
        flags=_diagnose(window_rows, school_days, thresholds),
        last_activity=last_activity,
        judged=_window(window_rows, school_days),
        window=(start, end),
    )


def _diagnose(rows, school_days: int, thresholds) -> list[diagnosis.Flag]:
    """Flags over the window's rows; none when the window holds no school day (nothing was
    expected of the student)."""
    if school_days <= 0:
        return []
    return diagnosis.diagnose(_window(rows, school_days), thresholds)


def _window(rows, school_days: int) -> diagnosis.Window:
    return diagnosis.Window(
        school_days=school_days,
        active_seconds=sum(r.active_seconds for r in rows),
        wasted_seconds=sum(r.wasted_seconds for r in rows),
        items_answered=sum(r.items_answered for r in rows),
        items_correct=sum(r.items_correct for r in rows),
    )


def active_day() -> Q:
    """Rollup rows that show learning, as a query condition: analytics.figures.is_active_day
    in SQL (tests check the two agree)."""
    condition = Q()
    for name in figures.ACTIVITY_FIELDS:
        condition |= Q(**{f"{name}__gt": 0})
    return condition


# --- Activities outside the catalogue ------------------------------------------------


@dataclass(frozen=True)
class ActivityFigures:
    """What an app's activity that is not a published lesson earned its students
    (docs/events.md#rejected-parked-and-failed): credited to the course, reported here
    under the activity's id."""

    activity: str
    students: int
    attempts: int
    xp: Decimal
    active_seconds: int
    wasted_seconds: int
    questions: int
    correct: int
    mastered_units: Decimal

    @property
    def accuracy(self) -> Decimal | None:
        return figures.accuracy(Decimal(self.correct), self.questions) if self.questions else None

    @property
    def active_minutes(self) -> Decimal:
        return Decimal(self.active_seconds) / 60


def outside_activities(app_id: int, since: date, limit: int = 50) -> list[ActivityFigures]:
    """Per activity outside the catalogue of the app (its ActivityEvents and TimeSpentEvents
    processed without a lesson) since `since`: students, attempts, XP, active and wasted
    time, questions and mastered units, most XP first. Three grouped queries over the
    window, whatever the number of students."""
    # activity_key is "{activity id}|{attempt}"; XP and units are keyed by
    # "activity:{app}:{student}:{activity_key}" (gradebook.credit.activity_key). One
    # statement: the page that shows this counts its queries.
    events, facts = _table(CaliperEvent), _table(TimeSpentFact)
    xp, credits = _table(XpEntry), _table(MasteryCredit)
    sql = f"""
        WITH acts AS (
            SELECT regexp_replace(e.activity_key, '\\|[^|]*$', '') AS activity,
                   e.student_id, e.activity_key,
                   'activity:' || e.partner_app_id || ':' || e.student_id || ':'
                       || e.activity_key AS key
            FROM {events} e
            WHERE e.partner_app_id = %(app)s AND e.type = 'ActivityEvent'
              AND e.status = 'processed' AND e.lesson_id IS NULL
              AND e.course_id IS NOT NULL AND e.event_time >= %(since)s
        ), per AS (
            SELECT activity, COUNT(DISTINCT student_id) AS students,
                   COUNT(DISTINCT (student_id, activity_key)) AS attempts,
                   array_agg(DISTINCT key) AS keys
            FROM acts GROUP BY activity ORDER BY activity LIMIT %(limit)s
        ), spent AS (
            -- From the app's events outside the catalogue (the partial index
            -- event_outside_catalogue) to their facts, which carry the event's lesson,
            -- course and time: never a scan of every fact.
            SELECT COALESCE(e.raw->'object'->'activity'->>'id', e.raw->'object'->>'id')
                       AS activity,
                   SUM(f.active) AS active,
                   SUM(f.inactive + f.waste + f.anti_pattern) AS wasted
            FROM {events} e JOIN {facts} f ON f.event_id = e.id
            WHERE e.partner_app_id = %(app)s AND e.lesson_id IS NULL
              AND e.course_id IS NOT NULL AND e.event_time >= %(since)s
              AND f.lesson_id IS NULL AND f.course_id IS NOT NULL AND f.at >= %(since)s
            GROUP BY 1
        )
        SELECT p.activity, p.students, p.attempts,
               (SELECT COALESCE(SUM(x.amount), 0) FROM {xp} x WHERE x.source_key = ANY(p.keys)),
               COALESCE(s.active, 0), COALESCE(s.wasted, 0),
               c.questions, c.correct, c.units
        FROM per p
        LEFT JOIN spent s ON s.activity = p.activity
        CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(m.questions), 0) AS questions,
                   COALESCE(SUM(m.correct_questions), 0) AS correct,
                   COALESCE(SUM(m.units), 0) AS units
            FROM {credits} m WHERE m.source_key = ANY(p.keys)
        ) c
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"app": app_id, "since": _day_start(since), "limit": limit})
        rows = cursor.fetchall()
    answer = [
        ActivityFigures(
            activity=activity,
            students=students,
            attempts=attempts,
            xp=xp_total,
            active_seconds=int(active),
            wasted_seconds=int(wasted),
            questions=int(questions),
            correct=int(correct),
            mastered_units=units,
        )
        for activity, students, attempts, xp_total, active, wasted, questions, correct, units in rows
    ]
    return sorted(answer, key=lambda a: (-a.xp, a.activity))


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
