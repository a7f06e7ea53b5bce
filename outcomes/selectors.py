"""Reads of the closed loop (docs/closed-loop.md): the growth pairs in the imported
standardized test results, each student's usage of each app between the two tests (from the
daily rollups, in one statement per chunk of pairs), and the statistics of a set of
observations (outcomes.stats)."""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils.dateparse import parse_date

from analytics import diagnosis, figures, goals
from analytics.models import DailyActivity
from analytics.selectors import diagnosis_thresholds
from gradebook.models import AssessmentResult
from rostering.models import Class, Course, Enrollment, EnrollmentRole, PartnerApp, Status

from . import stats
from .models import GrowthMeasure, GrowthObservation, Outcome, Usage

# The storage contract's prefix of standardized-test line items and results.
PREFIX = "stdtest_"
TERM_PAIR = re.compile(r"^(Fall|Winter|Spring|Summer)To(Fall|Winter|Spring|Summer)$")
SEASONS = ("Fall", "Winter", "Spring", "Summer")
# An earlier test further back than this is not the start of a term pair (a year and a bit).
MAX_PAIR_DAYS = 400


# --- subjects --------------------------------------------------------------------------


def subject_names() -> dict[str, set[str]]:
    """Each normalised test subject and the names (case-folded) that mean it: itself and the
    course subjects of settings.STANDARDIZED_SUBJECTS."""
    return {
        key: {key.casefold(), *(a.casefold() for a in aliases)}
        for key, aliases in settings.STANDARDIZED_SUBJECTS.items()
    }


def normalise_subject(name: str | None) -> str | None:
    """The normalised subject of a test's subject as the file names it ("Mathematics",
    "Math", "mathematics" → "Mathematics"), or None when none matches. A name that starts
    with a subject's name ("Mathematics 6+") is that subject."""
    if not name:
        return None
    folded = name.strip().casefold()
    names = subject_names()
    for key, known in names.items():
        if folded in known:
            return key
    for key in names:
        if folded.startswith(key.casefold()):
            return key
    return None


def courses_by_subject() -> dict[str, list[tuple[int, int]]]:
    """(course id, app id) of the apps' courses per normalised subject. One query."""
    names = subject_names()
    found = defaultdict(list)
    for pk, app_id, subjects in Course.objects.filter(partner_app__isnull=False).values_list(
        "pk", "partner_app_id", "subjects"
    ):
        folded = {str(s).strip().casefold() for s in subjects or []}
        for key, known in names.items():
            if folded & known:
                found[key].append((pk, app_id))
    return found


# --- growth pairs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    subject: str
    season: str | None
    school_year: str
    day: date
    score: float
    grade: int | None
    rapid_guessing: float | None
    growth: dict


@dataclass(frozen=True)
class GrowthPair:
    """A student's two tests of a term pair and the growth the later one reports."""

    student_id: int
    subject: str
    term_pair: str
    school_year: str
    start_date: date
    end_date: date
    start_score: float
    end_score: float
    grade: int | None
    cgi: float | None
    projected: float | None
    observed: float | None
    rapid_guessing: bool


def growth_pairs(students=None) -> list[GrowthPair]:
    """The term pairs of the imported standardized results (of `students`: ids or a
    subquery; None = all). A pair's growth is on the later test's row (as MAP exports it);
    its start is the student's latest earlier test of the pair's first season in the same
    subject (within MAX_PAIR_DAYS). Pairs without that earlier test are left out: their
    window is unknown. One query."""
    return pairs_of(tests_of(students))


def tests_of(students=None) -> dict[tuple[int, str], list[Test]]:
    """The standardized tests of `students` (None = all) per (student, normalised subject),
    oldest first. One query."""
    results = AssessmentResult.objects.filter(
        sourced_id__startswith=PREFIX, line_item__sourced_id__startswith=PREFIX
    ).exclude(status=Status.TOBEDELETED)
    if students is not None:
        results = results.filter(student_id__in=students)
    tests = defaultdict(list)
    for student_id, score, score_date, metadata, line_item in results.values_list(
        "student_id", "score", "score_date", "metadata", "line_item__metadata"
    ):
        test = _test(score, score_date, metadata or {}, line_item or {})
        if test is not None:
            tests[(student_id, test.subject)].append(test)
    for taken in tests.values():
        taken.sort(key=lambda t: t.day)
    return tests


def pairs_of(tests: dict[tuple[int, str], list[Test]]) -> list[GrowthPair]:
    """The term pairs among each student's tests of a subject (see growth_pairs)."""
    limit = settings.OUTCOMES_RAPID_GUESSING_PERCENT
    pairs: dict[tuple, GrowthPair] = {}
    for (student_id, subject), taken in tests.items():
        for later in taken:
            for term_pair, growth in later.growth.items():
                match = TERM_PAIR.match(term_pair)
                if not match or not isinstance(growth, dict):
                    continue
                earlier = _earlier(taken, later, match.group(1))
                if earlier is None:
                    continue
                key = (student_id, subject, term_pair, later.school_year)
                pairs[key] = GrowthPair(  # a later retest of the same pair replaces it
                    student_id=student_id,
                    subject=subject,
                    term_pair=term_pair,
                    school_year=later.school_year,
                    start_date=earlier.day,
                    end_date=later.day,
                    start_score=earlier.score,
                    end_score=later.score,
                    grade=earlier.grade if earlier.grade is not None else later.grade,
                    cgi=_float(growth.get("cgi")),
                    projected=_float(growth.get("projected")),
                    observed=_float(growth.get("observed")),
                    rapid_guessing=any(
                        t.rapid_guessing is not None and t.rapid_guessing > limit
                        for t in (earlier, later)
                    ),
                )
    return list(pairs.values())


def _test(score, score_date, metadata: dict, line_item: dict) -> Test | None:
    about = line_item.get("standardizedTest") or {}
    result = metadata.get("standardizedTest") or {}
    subject = normalise_subject(about.get("subject"))
    value = _float(result.get("rit", score))
    if subject is None or value is None:
        return None
    day = parse_date(str(result.get("testDate") or "")) or score_date.date()
    season = about.get("season") or _season_of(about.get("term"))
    return Test(
        subject=subject,
        season=season,
        school_year=str(about.get("schoolYear") or ""),
        day=day,
        score=value,
        grade=_grade(result.get("grade")),
        rapid_guessing=_float(result.get("rapidGuessingPercent")),
        growth=result.get("growth") or {},
    )


def _earlier(taken: list[Test], later: Test, season: str) -> Test | None:
    candidates = [
        t
        for t in taken
        if t.season == season and t.day < later.day and (later.day - t.day).days <= MAX_PAIR_DAYS
    ]
    return candidates[-1] if candidates else None


def _season_of(term) -> str | None:
    words = str(term or "").split()
    return next((s for s in SEASONS if words and words[0].casefold() == s.casefold()), None)


def _grade(value) -> int | None:
    text = str(value or "").strip().upper()
    if text in ("K", "KG"):
        return 0
    try:
        return int(text)
    except ValueError:
        return None


def _float(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


# --- usage between the tests -----------------------------------------------------------

CHUNK = 500
USAGE_FIELDS = figures.ROLLUP_MEASURES


def observations(pairs: list[GrowthPair]) -> list[GrowthObservation]:
    """Unsaved GrowthObservations: each pair beside each app that has a course of the
    pair's subject the student is enrolled in or worked in between the tests, with the sums
    of the daily rollups of those courses over the days [first test, later test). One
    statement per CHUNK pairs (and one for the courses)."""
    courses = courses_by_subject()
    found = []
    for start in range(0, len(pairs), CHUNK):
        chunk = [p for p in pairs[start : start + CHUNK] if courses.get(p.subject)]
        if not chunk:
            continue
        with connection.cursor() as cursor:
            cursor.execute(*_usage_sql(chunk, courses))
            for position, app_id, *sums in cursor.fetchall():
                pair = chunk[position]
                found.append(
                    GrowthObservation(
                        app_id=app_id,
                        student_id=pair.student_id,
                        subject=pair.subject,
                        term_pair=pair.term_pair,
                        school_year=pair.school_year,
                        start_date=pair.start_date,
                        end_date=pair.end_date,
                        start_score=pair.start_score,
                        end_score=pair.end_score,
                        grade=pair.grade,
                        cgi=pair.cgi,
                        projected=pair.projected,
                        observed=pair.observed,
                        rapid_guessing=pair.rapid_guessing,
                        **dict(zip(USAGE_FIELDS, sums, strict=True)),
                    )
                )
    return found


def _usage_sql(chunk: list[GrowthPair], courses) -> tuple[str, list]:
    """Candidates are (pair, app) where the student is enrolled (as a student) in a class of
    one of the app's courses of the subject, or has a rollup there in the window; their
    usage is the sum of those courses' rollups in the window (zero when none)."""
    quote = connection.ops.quote_name
    rollups = quote(DailyActivity._meta.db_table)
    enrollments = quote(Enrollment._meta.db_table)
    classes = quote(Class._meta.db_table)
    subjects = sorted({p.subject for p in chunk})
    pair_rows = ", ".join(["(%s::integer, %s::bigint, %s::text, %s::date, %s::date)"] * len(chunk))
    pair_params = [
        v
        for i, p in enumerate(chunk)
        for v in (i, p.student_id, p.subject, p.start_date, p.end_date)
    ]
    course_list = [(s, c, a) for s in subjects for c, a in courses[s]]
    course_rows = ", ".join(["(%s::text, %s::bigint, %s::bigint)"] * len(course_list))
    course_params = [v for row in course_list for v in row]
    in_window = "d.day >= p.s AND d.day < p.e"
    sql = f"""
        WITH p(i, student, subject, s, e) AS (VALUES {pair_rows}),
        cs(subject, course, app) AS (VALUES {course_rows}),
        candidates AS (
            SELECT DISTINCT p.i, cs.app FROM p JOIN cs ON cs.subject = p.subject
            WHERE EXISTS (
                SELECT 1 FROM {enrollments} en JOIN {classes} k ON k.id = en.klass_id
                WHERE en.user_id = p.student AND en.role = %s AND k.course_id = cs.course
            ) OR EXISTS (
                SELECT 1 FROM {rollups} d
                WHERE d.student_id = p.student AND d.course_id = cs.course AND {in_window}
            )
        )
        SELECT c.i, c.app,
            COALESCE(SUM(d.xp), 0), COALESCE(SUM(d.active_seconds), 0),
            COALESCE(SUM(d.wasted_seconds), 0), COALESCE(SUM(d.items_answered), 0),
            COALESCE(SUM(d.items_correct), 0), COALESCE(SUM(d.lessons_mastered), 0),
            COALESCE(SUM(d.mastered_units), 0)
        FROM candidates c
        JOIN p ON p.i = c.i
        JOIN cs ON cs.subject = p.subject AND cs.app = c.app
        LEFT JOIN {rollups} d
            ON d.student_id = p.student AND d.course_id = cs.course AND {in_window}
        GROUP BY c.i, c.app
        ORDER BY c.i, c.app
    """
    return sql, [*pair_params, *course_params, EnrollmentRole.STUDENT]


# --- statistics ------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The statistics of one app × subject × term pair × usage figure."""

    app_id: int
    subject: str
    term_pair: str
    usage: str
    outcome: str
    excluded_rapid_guessing: int
    excluded_no_usage: int
    description: stats.Description

    @property
    def n(self) -> int:
        return self.description.n


@dataclass(frozen=True)
class Point:
    """One student of a group, for the scatter: usage (XP or active minutes) and growth."""

    usage: float
    growth: float


def groups(rows: Iterable[GrowthObservation]) -> list[Group]:
    """The statistics of the observations, per app × subject × term pair, one Group per
    usage figure (XP, active minutes), in that order."""
    found = []
    for (app_id, subject, term_pair), members in sorted(_by_group(rows).items()):
        kept, measure, rapid, no_usage = included(members)
        grades = _filled_grades(kept)
        for usage in Usage.values:
            found.append(
                Group(
                    app_id=app_id,
                    subject=subject,
                    term_pair=term_pair,
                    usage=usage,
                    outcome=measure,
                    excluded_rapid_guessing=rapid,
                    excluded_no_usage=no_usage,
                    description=stats.describe(
                        [usage_of(o, usage) for o in kept],
                        [growth_of(o, measure) for o in kept],
                        [o.start_score for o in kept],
                        grades,
                        [o.active_seconds / 3600 for o in kept],
                    ),
                )
            )
    return found


def _by_group(rows) -> dict[tuple, list[GrowthObservation]]:
    by = defaultdict(list)
    for o in rows:
        by[(o.app_id, o.subject, o.term_pair)].append(o)
    return by


def included(members: list[GrowthObservation]) -> tuple[list, str, int, int]:
    """(the observations the statistics use, the growth measure, excluded for rapid
    guessing, excluded for no usage). The measure is MAP's conditional growth index when
    every kept student has one, else observed − projected growth (students without it are
    left out); never the raw score gain."""
    rapid = sum(1 for o in members if o.rapid_guessing)
    valid = [o for o in members if not o.rapid_guessing]
    no_usage = sum(1 for o in valid if not _used(o))
    used = [o for o in valid if _used(o)]
    if used and all(o.cgi is not None for o in used):
        return used, GrowthMeasure.CGI.value, rapid, no_usage
    kept = [o for o in used if o.projected is not None and o.observed is not None]
    return kept, GrowthMeasure.VS_PROJECTED.value, rapid, no_usage


def _used(o: GrowthObservation) -> bool:
    return Decimal(o.xp) > 0 or o.active_seconds > 0


def usage_of(o: GrowthObservation, usage: str) -> float:
    return float(o.xp) if usage == Usage.XP else o.active_seconds / 60


def growth_of(o: GrowthObservation, measure: str) -> float:
    return o.cgi if measure == GrowthMeasure.CGI else o.observed - o.projected


def _filled_grades(kept) -> list[int]:
    """Grades, a missing one taken as the group's most common (a covariate needs a value)."""
    known = Counter(o.grade for o in kept if o.grade is not None)
    common = known.most_common(1)[0][0] if known else 0
    return [o.grade if o.grade is not None else common for o in kept]


def points(rows: Iterable[GrowthObservation], usage: str) -> dict[tuple, list[Point]]:
    """The scatter's points per (subject, term pair) of one app's observations."""
    found = {}
    for (_, subject, term_pair), members in sorted(_by_group(rows).items()):
        kept, measure, _, _ = included(members)
        found[(subject, term_pair)] = [
            Point(usage_of(o, usage), growth_of(o, measure)) for o in kept
        ]
    return found


# --- observations stored ---------------------------------------------------------------


def stored_observations(*, apps=None, students=None):
    """The stored GrowthObservations of the apps and students (ids or subqueries; None =
    all)."""
    rows = GrowthObservation.objects.all()
    if apps is not None:
        rows = rows.filter(app_id__in=apps)
    if students is not None:
        rows = rows.filter(student_id__in=students)
    return rows


# --- outcome rows, as readers see them -------------------------------------------------


@dataclass
class OutcomeRow:
    """One app × subject × term pair × usage figure, as the API and pages show it. `q` is
    the Benjamini–Hochberg q-value across the rows read together (`with_q_values`)."""

    app_id: int
    app_name: str
    subject: str
    term_pair: str
    usage: str
    outcome: str
    n: int
    excluded_rapid_guessing: int
    excluded_no_usage: int
    hidden: bool
    exploratory: bool
    statistics: dict
    p: float | None
    q: float | None = None


def stored_rows(*, apps=None, subject=None, term_pair=None) -> list[OutcomeRow]:
    """The stored outcomes (over every student) of the apps (ids or a subquery; None = all),
    narrowed to a subject and term pair, with q-values across them. One query."""
    rows = Outcome.objects.select_related("app")
    if apps is not None:
        rows = rows.filter(app_id__in=apps)
    if subject:
        rows = rows.filter(subject=subject)
    if term_pair:
        rows = rows.filter(term_pair=term_pair)
    return with_q_values(
        [
            OutcomeRow(
                app_id=o.app_id,
                app_name=o.app.name,
                subject=o.subject,
                term_pair=o.term_pair,
                usage=o.usage,
                outcome=o.outcome,
                n=o.n,
                excluded_rapid_guessing=o.excluded_rapid_guessing,
                excluded_no_usage=o.excluded_no_usage,
                hidden=o.hidden,
                exploratory=o.exploratory,
                statistics=o.statistics,
                p=o.p,
            )
            for o in rows
        ]
    )


def rows_of_students(*, students, apps=None, subject=None, term_pair=None) -> list[OutcomeRow]:
    """The outcomes over some students only (a school administrator's), computed from the
    stored observations of those students when read (the statistics of a few thousand
    students take milliseconds). Two queries."""
    found = stored_observations(apps=apps, students=students)
    if subject:
        found = found.filter(subject=subject)
    if term_pair:
        found = found.filter(term_pair=term_pair)
    found = list(found)
    names = dict(
        PartnerApp.objects.filter(pk__in={o.app_id for o in found}).values_list("pk", "name")
    )
    return with_q_values(
        [
            OutcomeRow(
                app_id=g.app_id,
                app_name=names[g.app_id],
                subject=g.subject,
                term_pair=g.term_pair,
                usage=g.usage,
                outcome=g.outcome,
                n=g.n,
                excluded_rapid_guessing=g.excluded_rapid_guessing,
                excluded_no_usage=g.excluded_no_usage,
                hidden=g.description.hidden,
                exploratory=g.description.exploratory,
                statistics={} if g.description.hidden else statistics_json(g.description),
                p=None if g.description.hidden else g.description.pearson.p,
            )
            for g in groups(found)
        ]
    )


def with_q_values(rows: list[OutcomeRow]) -> list[OutcomeRow]:
    """The rows in reading order (subject, term pair, app, XP before minutes), each with its
    q-value across the shown (not hidden) rows."""
    order = {u: i for i, u in enumerate(Usage.values)}
    rows.sort(key=lambda r: (r.subject, r.term_pair, r.app_name, r.app_id, order[r.usage]))
    for row, q in zip(rows, stats.benjamini_hochberg([r.p for r in rows]), strict=True):
        row.q = q
    return rows


def statistics_json(d: stats.Description) -> dict:
    """The statistics of a shown row, as stored and answered."""

    def correlation(c, name="r"):
        return {name: c.r, "ciLow": c.ci_low, "ciHigh": c.ci_high, "p": c.p}

    per_hour = d.growth_per_hour
    return {
        "pearson": correlation(d.pearson),
        "spearman": correlation(d.spearman, "rho"),
        "partial": {**correlation(d.partial), "controls": ["startingScore", "grade"]},
        "growthPerHour": None
        if per_hour is None
        else {"slope": per_hour.slope, "ciLow": per_hour.ci_low, "ciHigh": per_hour.ci_high},
        "fit": {"intercept": d.intercept, "slope": d.slope},
    }


# --- pages -----------------------------------------------------------------------------

GROWTH_LABELS = {
    GrowthMeasure.CGI: "Conditional growth index",
    GrowthMeasure.VS_PROJECTED: "Observed − projected growth (points)",
}
BAND_POINTS = 25


@dataclass
class Panel:
    """One subject × term pair of an app on its "Does it work?" panel: the active-minutes
    row (and the XP row), the scatter with its fitted line and band, r in words, and the
    app's rank by growth per hour among the apps shown there (the others unnamed)."""

    subject: str
    term_pair: str
    minutes: OutcomeRow
    xp: OutcomeRow | None
    words: str | None
    chart: dict | None
    rank: int | None
    ranked: int

    @property
    def chart_id(self) -> str:
        return "scatter-" + re.sub(r"[^a-z0-9]+", "-", f"{self.subject}-{self.term_pair}".lower())


def app_panels(app_id: int) -> list[Panel]:
    """The "Does it work?" panels of one app. One query, two when a scatter is drawn."""
    everyone = stored_rows(term_pair=None)
    mine = [r for r in everyone if r.app_id == app_id]
    shown = any(r.usage == Usage.ACTIVE_MINUTES and not r.hidden for r in mine)
    # The students' points only when a scatter is drawn (one query, none otherwise).
    found_points = points(stored_observations(apps=[app_id]), Usage.ACTIVE_MINUTES) if shown else {}
    panels = []
    for row in mine:
        if row.usage != Usage.ACTIVE_MINUTES:
            continue
        xp = next(
            (
                r
                for r in mine
                if r.usage == Usage.XP and (r.subject, r.term_pair) == (row.subject, row.term_pair)
            ),
            None,
        )
        rank, ranked = _rank(row, everyone)
        words = chart = None
        if not row.hidden:
            p = row.statistics["pearson"]
            words = stats.in_words(
                stats.Correlation(p["r"], p["ciLow"], p["ciHigh"], p["p"]), row.n
            )
            chart = scatter(found_points.get((row.subject, row.term_pair), []), row.outcome)
        panels.append(Panel(row.subject, row.term_pair, row, xp, words, chart, rank, ranked))
    return panels


def _rank(row: OutcomeRow, everyone: list[OutcomeRow]) -> tuple[int | None, int]:
    """The row's place by growth per hour among the shown rows of its subject and term pair
    (1 = the most growth per hour), and how many there are."""
    peers = [
        r
        for r in everyone
        if (r.subject, r.term_pair, r.usage) == (row.subject, row.term_pair, row.usage)
        and not r.hidden
        and r.statistics.get("growthPerHour")
    ]
    peers.sort(key=lambda r: -r.statistics["growthPerHour"]["slope"])
    place = next((i for i, r in enumerate(peers, start=1) if r.app_id == row.app_id), None)
    return place, len(peers)


def scatter(found: list[Point], measure: str) -> dict | None:
    """What the page's scatter draws: the points, the OLS line of growth on active minutes
    and its 95 % confidence band, at BAND_POINTS evenly spaced minutes."""
    if len(found) < 3:
        return None
    xs = [p.usage for p in found]
    ys = [p.growth for p in found]
    low, high = min(xs), max(xs)
    grid = [low + (high - low) * i / (BAND_POINTS - 1) for i in range(BAND_POINTS)]
    band = stats.fit_band(xs, ys, grid)
    return {
        "x": "Active minutes between the tests",
        "y": GROWTH_LABELS[GrowthMeasure(measure)],
        "points": [{"x": round(x, 1), "y": round(y, 3)} for x, y in zip(xs, ys, strict=True)],
        "line": [
            {"x": round(x, 1), "y": round(f, 4)} for x, (f, _, _) in zip(grid, band, strict=True)
        ],
        "low": [
            {"x": round(x, 1), "y": round(lo, 4)} for x, (_, lo, _) in zip(grid, band, strict=True)
        ],
        "high": [
            {"x": round(x, 1), "y": round(hi, 4)} for x, (_, _, hi) in zip(grid, band, strict=True)
        ],
    }


@dataclass
class Comparison:
    """A subject × term pair on the administrators' page: each app's active-minutes row."""

    subject: str
    term_pair: str
    rows: list[OutcomeRow]


def comparisons(rows: list[OutcomeRow]) -> list[Comparison]:
    """Rows grouped by subject and term pair, the apps in order of growth per hour (hidden
    rows last)."""
    by = defaultdict(list)
    for r in rows:
        if r.usage == Usage.ACTIVE_MINUTES:
            by[(r.subject, r.term_pair)].append(r)
    found = []
    for (subject, term_pair), members in sorted(by.items()):
        members.sort(
            key=lambda r: (
                r.hidden or not r.statistics.get("growthPerHour"),
                -((r.statistics.get("growthPerHour") or {}).get("slope") or 0),
                r.app_name,
            )
        )
        found.append(Comparison(subject, term_pair, members))
    return found


@dataclass
class StudentGrowth:
    """One subject of a student for their guide: the last two tests, the latest term pair's
    growth against its projection, and why it stalled (analytics.diagnosis)."""

    subject: str
    last_tests: list[Test]
    pair: GrowthPair | None
    diagnosis: diagnosis.GrowthDiagnosis | None


def student_growth(student_id: int) -> list[StudentGrowth]:
    """Per subject the student was tested in. One query, two when they were tested."""
    by_subject = tests_of([student_id])
    if not by_subject:
        return []
    tests = {subject: taken for (_, subject), taken in by_subject.items()}
    latest_pairs = {}
    for pair in pairs_of(by_subject):
        if pair.subject not in latest_pairs or pair.end_date > latest_pairs[pair.subject].end_date:
            latest_pairs[pair.subject] = pair
    used = defaultdict(list)
    for o in stored_observations(students=[student_id]):
        used[(o.subject, o.term_pair, o.school_year)].append(o)
    thresholds = diagnosis_thresholds()
    found = []
    for subject in sorted(tests):
        taken = tests[subject][-2:]
        pair = latest_pairs.get(subject)
        verdict = None
        if pair is not None:
            members = used.get((pair.subject, pair.term_pair, pair.school_year), [])
            verdict = diagnosis.diagnose_growth(_growth(pair, members), thresholds)
        found.append(StudentGrowth(subject, list(reversed(taken)), pair, verdict))
    return found


def _growth(pair: GrowthPair, members: list[GrowthObservation]) -> diagnosis.Growth:
    days = (pair.end_date - pair.start_date).days
    school_days = sum(
        goals.is_school_day(pair.start_date + timedelta(days=i)) for i in range(max(days, 0))
    )
    return diagnosis.Growth(
        window=diagnosis.Window(
            school_days=school_days,
            active_seconds=sum(o.active_seconds for o in members),
            wasted_seconds=sum(o.wasted_seconds for o in members),
            items_answered=sum(o.items_answered for o in members),
            items_correct=sum(o.items_correct for o in members),
        ),
        lessons_mastered=sum(o.lessons_mastered for o in members),
        observed=pair.observed,
        projected=pair.projected,
        cgi=pair.cgi,
    )
