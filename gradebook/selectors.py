"""Reads of the gradebook used by every surface (APIs, EduBridge, dashboards): course progress,
and the querysets the gradebook API starts from (each selects what its representer reads, so a
page costs the same number of queries whatever its size)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from rostering.models import ComponentKind, Course, Status

from . import xp as rules
from .models import (
    AssessmentLineItem,
    AssessmentResult,
    Category,
    LineItem,
    MasteredUnitsTotal,
    Result,
    ScoreScale,
)


@dataclass(frozen=True)
class Progress:
    mastered_units: Decimal  # cumulative, all sources
    total_units: int
    pct_complete: Decimal  # pctCompleteApp, capped at 100

    @property
    def mastered_shown(self) -> Decimal:
        """What pages print as "N of total": the raw cumulative sum (kept by the APIs, a repeat
        report adds to it) capped at the total, so a page never says "13 of 12"."""
        if self.total_units <= 0:
            return Decimal(self.mastered_units)
        return min(Decimal(self.mastered_units), Decimal(self.total_units))

    @property
    def complete(self) -> bool:
        """Every mastery unit of the course is mastered: the course asks nothing more."""
        return self.total_units > 0 and self.pct_complete >= 100


def total_units_of(course_ids: Iterable[int]) -> dict[int, int]:
    """Each course's `metadata.totalUnits`, else its number of (active) lessons. One query."""
    courses = Course.objects.filter(pk__in=set(course_ids)).annotate(
        lesson_count=Count(
            "components",
            filter=Q(
                components__kind=ComponentKind.LESSON,
                components__status=Status.ACTIVE,
            ),
        )
    )
    return {
        c.pk: c.total_units_declared if c.total_units_declared is not None else c.lesson_count
        for c in courses.only("pk", "metadata")
    }


def course_progress(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Progress]:
    """Course progress (docs/xp-and-mastery.md#units-mastered-and-pctcompleteapp) of each
    (student_id, course_id) pair, in two queries whatever the number of pairs and credits.
    Pairs with nothing mastered answer 0 %."""
    pairs = set(pairs)
    if not pairs:
        return {}
    students = {s for s, _ in pairs}
    courses = {c for _, c in pairs}
    totals = total_units_of(courses)
    # The stored sum of each pair's credits (MasteredUnitsTotal, summed over its lanes): a
    # few rows a pair, however many credits the history holds.
    mastered = {
        (row["student_id"], row["course_id"]): row["units"]
        for row in MasteredUnitsTotal.objects.filter(student_id__in=students, course_id__in=courses)
        .values("student_id", "course_id")
        .annotate(units=Sum("units"))
    }
    result = {}
    for pair in pairs:
        units = mastered.get(pair) or Decimal(0)
        total = totals.get(pair[1], 0)
        result[pair] = Progress(units, total, rules.pct_complete(units, total))
    return result


def categories():
    return Category.objects.all()


def score_scales():
    return ScoreScale.objects.select_related("klass", "course")


def line_items():
    return LineItem.objects.select_related(
        "klass", "school", "category", "grading_period", "academic_session", "score_scale"
    )


def results():
    return Result.objects.select_related("line_item", "student", "klass", "score_scale")


def assessment_line_items():
    return AssessmentLineItem.objects.select_related(
        "klass", "parent", "score_scale", "course", "lesson", "component_resource"
    )


def assessment_results():
    return AssessmentResult.objects.select_related(
        "line_item", "student", "score_scale", "course", "lesson"
    )


# --- nested reads ---


def categories_of_class(klass):
    """The categories a class's line items use, and the school's own (written by the school
    or its roster source), which every class may use: a OneRoster 1.2 category belongs to
    no class, and a class fresh from the SIS has no line items yet (Google's OneRoster
    suite picks the category of its first line item here)."""
    used = LineItem.objects.filter(klass=klass).values("category_id")
    schools = Q(partner_app__isnull=True) | Q(partner_app__roster_source=True)
    return categories().filter(Q(pk__in=used) | schools)


def score_scales_of_school(school):
    return score_scales().filter(klass__school=school)


def line_items_of_school(school):
    return line_items().filter(school=school)


def line_items_of_class_and_session(klass, session):
    return line_items().filter(klass=klass, academic_session=session) | line_items().filter(
        klass=klass, grading_period=session
    )
