"""The class page's repeated markup, built once in Python (issue 16).

A class of 50 students is 50 XP bars, 50 table rows of 10 cells, a goals grid of 250 cells
and a mastery grid of 4,000: through template loops, every cell's `{% if %}` chain,
`|floatformat` and `|date` filters cost ~70 % of the page's Python. Here each row is one
f-string and each distinct cell (a goals-grid state on a day, a formatted date) is made once.
The markup is the one the templates wrote before, byte for byte (the templates keep the
page's structure and say where these strings go); names and flag texts are escaped as the
template's autoescape did (`html.escape`, as `django.utils.html.escape`)."""

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from html import escape

from django.template.defaultfilters import floatformat
from django.utils import dateformat
from django.utils.safestring import SafeString, mark_safe

ONE = Decimal(1)
TENTH = Decimal("0.1")


def number(value, places: int) -> str:
    """`{{ value|floatformat:places }}` for places 0 ("12") and -1 ("12", "12.5"), the
    class page's two: Decimal arithmetic without the filter's localisation machinery
    (the class page has no thousand separator: USE_THOUSAND_SEPARATOR off, English). Other
    values (None, non-finite, strings) go to the filter itself."""
    if value.__class__ is not Decimal and value.__class__ is not int:
        return floatformat(value, places)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return floatformat(value, places)
    if not d.is_finite():
        return floatformat(value, places)
    if d == d.to_integral_value():
        return str(int(d))
    exp = ONE if places == 0 else TENTH
    digits = len(d.as_tuple().digits) + 2
    rounded = d.quantize(exp, ROUND_HALF_UP, Context(prec=max(28, digits)))
    if not rounded:
        rounded = abs(rounded)  # the filter never prints "-0"
    return f"{rounded:f}"


class DayFormats(dict):
    """{day: `{{ day|date:format }}`}, each distinct day formatted once (the weekday and
    month names in the active language, as the filter does)."""

    def __init__(self, format: str):
        super().__init__()
        self.format = format

    def __missing__(self, day):
        text = "" if day is None else dateformat.format(day, self.format)
        self[day] = text
        return text


def xp_bars(rows) -> SafeString:
    """The "XP against the goal" list's items."""
    out = []
    for row in rows:
        student = row.student
        if row.xp_goal and row.xp >= row.xp_goal:
            fill = "fill done"
        else:
            fill = "fill"
        if not row.started:
            what = "not started"
        elif not row.xp_goal:
            what = f"{number(row.xp, -1)} XP, {_no_goal(row)}"
        else:
            what = f"{number(row.xp, -1)} of {number(row.xp_goal, -1)} XP"
        out.append(
            "<li>\n"
            f'      <span class="who">{escape(student.first_name)} {escape(student.last_name[:1])}.</span>\n'
            f'      <span class="bar" aria-hidden="true"><span class="{fill}" style="width: {row.xp_goal_percent}%"></span></span>\n'
            f'      <span class="what">{what}</span>\n'
            "    </li>"
        )
    return mark_safe("".join(out))  # noqa: S308 (escaped above)


def _no_goal(row) -> str:
    """Why a row asks no XP: its course is finished (by rule no goal), or the period has no
    school day or the course no daily goal. "of 0 XP" read as a goal of zero, met."""
    return "course finished" if row.progress.complete else "no goal"


def _goal_of(row) -> str:
    return f"/ {number(row.xp_goal, -1)}" if row.xp_goal else _no_goal(row)


def _goal_cell(row, single_day: bool) -> str:
    if not row.started:
        return '<span class="muted">not started</span>'
    if not row.days_expected:
        return '<span class="muted">no school day</span>'
    met = row.goal_met
    if single_day:
        return '<span class="met">met</span>' if met else '<span class="not-met">not met</span>'
    return (
        f'<span class="{"met" if met else "not-met"}">'
        f"{row.days_met} of {row.days_expected} days</span>"
    )


def _flags_cell(row) -> str:
    if not row.started:
        return '<span class="muted">not started</span>'
    if not row.flags:
        return "–"
    return "".join(
        f'<details class="flag-reason"><summary><span class="flag {escape(f.code)}">'
        f"{escape(f.label)}</span></summary><span>{escape(f.reason)}</span></details>"
        for f in row.flags
    )


NOT_STARTED_CLASS = ' class="not-started"'


def class_rows(rows, class_pk: int, single_day: bool) -> SafeString:
    """The class table's body rows, in the order given (the table's sort)."""
    if not rows:
        return mark_safe('<tr><td colspan="10">No students in this class.</td></tr>')
    last_active = DayFormats("D j M")
    out = []
    for row in rows:
        student = row.student
        accuracy = row.period_accuracy
        waste = row.waste_percent
        out.append(
            f'<tr data-student="{escape(student.sourced_id)}"'
            f"{'' if row.started else NOT_STARTED_CLASS}>\n"
            f'    <th scope="row" data-label="Student"><a href="/classes/{class_pk}/students/'
            f'{student.pk}/">{escape(row.name)}</a></th>\n'
            f'    <td class="num" data-col="xp" data-label="XP">{number(row.xp, -1)} '
            f"<small>{_goal_of(row)}</small></td>\n"
            f'    <td data-col="goal" data-label="Goals met">{_goal_cell(row, single_day)}</td>\n'
            f'    <td class="num" data-col="accuracy" data-label="Accuracy">'
            f"{'–' if accuracy is None else number(accuracy, 0) + '%'}</td>\n"
            f'    <td class="num" data-col="active" data-label="Active min">'
            f"{number(row.active_minutes, 0)}</td>\n"
            f'    <td class="num" data-col="waste" data-label="Off task">'
            f"{'–' if waste is None else number(waste, 0) + '%'}</td>\n"
            f'    <td class="num" data-col="mastered" data-label="Lessons mastered">'
            f"{row.lessons_mastered}</td>\n"
            f'    <td class="num" data-col="progress" data-label="Course">'
            f"{number(row.progress.pct_complete, 0)}%</td>\n"
            f'    <td data-col="last_active" data-label="Last active">'
            f"{last_active[row.last_active] or 'never'}</td>\n"
            f'    <td data-col="flag" data-label="Flag">{_flags_cell(row)}</td>\n'
            "  </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 (escaped above)


GOAL_MARKS = {
    "met": '✓<span class="visually-hidden"> goals met</span>',
    "worked": '○<span class="visually-hidden"> worked, goals not met</span>',
}
NO_WORK = '–<span class="visually-hidden"> no work</span>'


def goals_grid(report) -> SafeString:
    """The goals-met grid's body: a row per student (the report's order), a cell per school
    day of the grid's week; the 3 × days distinct cells made once."""
    if not report.rows:
        return mark_safe(
            f'<tr><td colspan="{len(report.grid_days) + 1}">No students in this class.</td></tr>'
        )
    cells = {}
    for day in report.grid_days:
        iso = day.isoformat()
        for state in ("met", "worked", "none"):
            cells[day, state] = (
                f'<td class="goal-{state}" data-day="{iso}">{GOAL_MARKS.get(state, NO_WORK)}</td>'
            )
    days = report.grid_days
    out = []
    for row in report.rows:
        met_by_day = row.met_by_day
        out.append(
            f'<tr><th scope="row">{escape(row.name)}</th>'
            + "".join([cells[day, met_by_day.get(day, "none")] for day in days])
            + "</tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 (escaped above)


def mastery_head(rows) -> SafeString:
    """The mastery grid's column headings: a student each, initials with the full name."""
    out = []
    for row in rows:
        first, last = escape(row.student.first_name), escape(row.student.last_name)
        initials = escape(row.student.first_name[:1]) + escape(row.student.last_name[:1])
        out.append(
            f'<th scope="col"><abbr title="{first} {last}">{initials}</abbr>'
            f'<span class="visually-hidden"> {first} {last}</span></th>'
        )
    return mark_safe("".join(out))  # noqa: S308 (escaped above)


def mastery_body(report) -> SafeString:
    """The mastery grid's rows: a lesson each, its cells from ClassReport.grid_html."""
    return mark_safe(  # noqa: S308 (escaped here, cells of dates and constants)
        "".join(
            f'<tr><th scope="row" class="lesson">{escape(lesson.title)}</th>{cells}</tr>'
            for lesson, cells in report.grid_html()
        )
    )
