"""The class page's markup built in Python (dashboards.markup) writes what the template loops
it replaced wrote, byte for byte: the loops are kept here as the reference."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from analytics.diagnosis import Flag
from dashboards import markup
from dashboards.selectors import ClassReport, Period, StudentRow
from gradebook.selectors import Progress
from rostering.models import Class, CourseComponent, User

# The template loops of class_detail.html and _class_table.html before issue 16's change
# (with the no-goal wording added after it: a finished course asks no XP, "of 0 XP" misread).
XP_BARS = """{% for row in report.rows %}<li>
      <span class="who">{{ row.student.first_name }} {{ row.student.last_name|first }}.</span>
      <span class="bar" aria-hidden="true"><span class="fill{% if row.xp_goal and row.xp >= row.xp_goal %} done{% endif %}" style="width: {{ row.xp_goal_percent }}%"></span></span>
      <span class="what">{% if not row.started %}not started{% elif not row.xp_goal %}{{ row.xp|floatformat:"-1" }} XP, {% if row.progress.complete %}course finished{% else %}no goal{% endif %}{% else %}{{ row.xp|floatformat:"-1" }} of {{ row.xp_goal|floatformat:"-1" }} XP{% endif %}</span>
    </li>{% endfor %}"""  # noqa: E501
CLASS_ROWS = """{% for row in rows %}<tr data-student="{{ row.student.sourced_id }}"{% if not row.started %} class="not-started"{% endif %}>
    <th scope="row" data-label="Student"><a href="/classes/{{ report.klass.pk }}/students/{{ row.student.pk }}/">{{ row.name }}</a></th>
    <td class="num" data-col="xp" data-label="XP">{{ row.xp|floatformat:"-1" }} <small>{% if not row.xp_goal %}{% if row.progress.complete %}course finished{% else %}no goal{% endif %}{% else %}/ {{ row.xp_goal|floatformat:"-1" }}{% endif %}</small></td>
    <td data-col="goal" data-label="Goals met">{% if not row.started %}<span class="muted">not started</span>{% elif not row.days_expected %}<span class="muted">no school day</span>{% elif report.period.single_day %}{% if row.goal_met %}<span class="met">met</span>{% else %}<span class="not-met">not met</span>{% endif %}{% else %}<span class="{% if row.goal_met %}met{% else %}not-met{% endif %}">{{ row.days_met }} of {{ row.days_expected }} days</span>{% endif %}</td>
    <td class="num" data-col="accuracy" data-label="Accuracy">{% if row.period_accuracy is None %}–{% else %}{{ row.period_accuracy|floatformat:0 }}%{% endif %}</td>
    <td class="num" data-col="active" data-label="Active min">{{ row.active_minutes|floatformat:0 }}</td>
    <td class="num" data-col="waste" data-label="Off task">{% if row.waste_percent is None %}–{% else %}{{ row.waste_percent|floatformat:0 }}%{% endif %}</td>
    <td class="num" data-col="mastered" data-label="Lessons mastered">{{ row.lessons_mastered }}</td>
    <td class="num" data-col="progress" data-label="Course">{{ row.progress.pct_complete|floatformat:0 }}%</td>
    <td data-col="last_active" data-label="Last active">{{ row.last_active|date:"D j M"|default:"never" }}</td>
    <td data-col="flag" data-label="Flag">{% if not row.started %}<span class="muted">not started</span>{% else %}{% for f in row.flags %}<details class="flag-reason"><summary><span class="flag {{ f.code }}">{{ f.label }}</span></summary><span>{{ f.reason }}</span></details>{% empty %}–{% endfor %}{% endif %}</td>
  </tr>{% empty %}<tr><td colspan="10">No students in this class.</td></tr>{% endfor %}"""  # noqa: E501
GOALS_GRID = """{% for row, cells in report.goals_grid %}<tr><th scope="row">{{ row.name }}</th>{% for day, state in cells %}<td class="goal-{{ state }}" data-day="{{ day|date:'Y-m-d' }}">{% if state == "met" %}✓<span class="visually-hidden"> goals met</span>{% elif state == "worked" %}○<span class="visually-hidden"> worked, goals not met</span>{% else %}–<span class="visually-hidden"> no work</span>{% endif %}</td>{% endfor %}</tr>{% empty %}<tr><td colspan="{{ report.grid_days|length|add:1 }}">No students in this class.</td></tr>{% endfor %}"""  # noqa: E501
MASTERY_HEAD = """{% for row in report.rows %}<th scope="col"><abbr title="{{ row.student.first_name }} {{ row.student.last_name }}">{{ row.student.first_name|first }}{{ row.student.last_name|first }}</abbr><span class="visually-hidden"> {{ row.student.first_name }} {{ row.student.last_name }}</span></th>{% endfor %}"""  # noqa: E501
MASTERY_BODY = """{% for lesson, cells in report.grid_html %}<tr><th scope="row" class="lesson">{{ lesson.title }}</th>{{ cells }}</tr>{% endfor %}"""  # noqa: E501

NUMBERS = [
    0, 1, -1, 7, 1234567, Decimal(0), Decimal("-0"), Decimal("0.04"), Decimal("-0.04"),
    Decimal("0.05"), Decimal("-0.05"), Decimal("0.45"), Decimal("0.5"), Decimal("-0.5"),
    Decimal("1.25"), Decimal("2.35"), Decimal("2.04"), Decimal("-2.96"), Decimal("99.95"),
    Decimal("12.00"), Decimal("1E+3"), Decimal("1.5E+2"), Decimal("12345678.951"),
    Decimal(100) * Decimal(7) / Decimal(9), Decimal(1) / Decimal(3), Decimal(22) / Decimal(3),
    Decimal(7) / Decimal(60), Decimal("Infinity"), Decimal("NaN"), 2.5, None,
]  # fmt: skip


@pytest.mark.parametrize("value", NUMBERS, ids=repr)
@pytest.mark.parametrize("places", [0, -1])
def test_numbers_read_as_the_floatformat_filter_writes_them(value, places):
    assert markup.number(value, places) == floatformat(value, places)


def _student(pk, first, last):
    return User(pk=pk, sourced_id=f"s-{pk}&<{pk}>", first_name=first, last_name=last)


def _rows():
    flags = [
        Flag("too_hard", "Too hard", 'Accuracy "low" & <falling>'),
        Flag("low_effort", "Low effort", "Few minutes"),
    ]
    days = (date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7))
    return [
        StudentRow(
            student=_student(1, "Ada", "O'Lovelace & <Co>"),
            xp_today=Decimal("12.5"),
            xp_week=Decimal(40),
            goal_met_today=True,
            accuracy=Decimal("81.25"),
            active_seconds_week=3000,
            wasted_seconds_week=120,
            lessons_mastered=3,
            progress=Progress(Decimal(3), 12, Decimal(25)),
            last_active=date(2026, 10, 7),
            flags=flags,
            xp=Decimal("45.25"),
            xp_goal=Decimal(45),
            days_met=2,
            days_expected=3,
            period_accuracy=Decimal(200) / Decimal(3),
            active_seconds=1530,
            wasted_seconds=29,
            met_by_day={days[0]: "met", days[1]: "worked", days[2]: "none"},
        ),
        StudentRow(
            student=_student(2, "Émile", ""),
            xp_today=Decimal(0),
            xp_week=Decimal(0),
            goal_met_today=False,
            accuracy=None,
            active_seconds_week=0,
            wasted_seconds_week=0,
            lessons_mastered=0,
            progress=Progress(0, 0, 0),
            last_active=None,
            flags=[],
            started=False,
        ),
        StudentRow(
            student=_student(3, "Bo", "Ng"),
            xp_today=Decimal(20),
            xp_week=Decimal(50),
            goal_met_today=True,
            accuracy=Decimal(90),
            active_seconds_week=600,
            wasted_seconds_week=0,
            lessons_mastered=80,
            progress=Progress(Decimal(80), 80, Decimal(100)),
            last_active=date(2026, 10, 6),
            flags=[],
            xp=Decimal("9.95"),
            xp_goal=Decimal(0),
            days_met=0,
            days_expected=0,
            period_accuracy=None,
            active_seconds=0,
            wasted_seconds=0,
            met_by_day={days[1]: "met"},
        ),
    ]


def _report(rows, single_day):
    days = [date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)]
    lessons = [
        CourseComponent(pk=10, title="Fractions & <ratios>"),
        CourseComponent(pk=11, title="Decimals"),
    ]
    end = days[0] if single_day else days[-1]
    return ClassReport(
        klass=Class(pk=7, title="Math"),
        today=days[-1],
        rows=rows,
        lessons=lessons,
        mastery={(1, 10): days[0], (3, 10): days[1], (3, 11): days[1]},
        period=Period(kind="this-week", start=days[0], end=end, school_days=tuple(days)),
        grid_days=days,
    )


@pytest.mark.parametrize("single_day", [False, True])
@pytest.mark.parametrize("students", [3, 0])
def test_the_class_pages_rows_and_grids_are_the_template_loops_markup(single_day, students):
    report = _report(_rows()[:students], single_day)
    rows = list(reversed(report.rows))  # the table's own order (a sort)
    context = Context({"report": report, "rows": rows})
    with translation.override("en-us"):
        expected = {name: Template(text).render(context) for name, text in [
            ("xp_bars", XP_BARS), ("class_rows", CLASS_ROWS), ("goals", GOALS_GRID),
            ("head", MASTERY_HEAD), ("body", MASTERY_BODY),
        ]}  # fmt: skip
        built = {
            "xp_bars": markup.xp_bars(report.rows),
            "class_rows": markup.class_rows(rows, report.klass.pk, report.period.single_day),
            "goals": markup.goals_grid(report),
            "head": markup.mastery_head(report.rows),
            "body": markup.mastery_body(report),
        }
    assert built == expected
    if students:
        assert "O&#x27;Lovelace &amp; &lt;Co&gt;" in built["class_rows"]
        assert "Wed 7 Oct" in built["class_rows"]


def test_a_row_without_an_xp_goal_says_why_instead_of_of_0_xp():
    """A finished course (and a period without school days) asks no XP: the bar and the
    table say so rather than "9.95 of 0 XP" (row 3 finished; row 1 given no goal)."""
    rows = _rows()
    rows[0] = dataclasses.replace(rows[0], xp_goal=Decimal(0))
    bars = markup.xp_bars(rows)
    table = markup.class_rows(rows, class_pk=7, single_day=False)
    assert "of 0 XP" not in bars and "/ 0<" not in table
    finished, given_none = (markup.number(rows[i].xp, -1) for i in (2, 0))
    assert f"{finished} XP, course finished" in bars and f"{given_none} XP, no goal" in bars
    assert f"{finished} <small>course finished</small>" in table
    assert f"{given_none} <small>no goal</small>" in table
