"""Reads of the gradebook: the querysets the gradebook API starts from. Each selects what
its representer reads, so a page costs the same number of queries whatever its size."""

from .models import AssessmentLineItem, AssessmentResult, Category, LineItem, Result, ScoreScale


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
        "klass", "parent", "score_scale", "course", "lesson"
    )


def assessment_results():
    return AssessmentResult.objects.select_related(
        "line_item", "student", "score_scale", "course", "lesson"
    )


# --- nested reads ---


def categories_of_class(klass):
    used = LineItem.objects.filter(klass=klass).values("category_id")
    return categories().filter(pk__in=used)


def score_scales_of_school(school):
    return score_scales().filter(klass__school=school)


def line_items_of_school(school):
    return line_items().filter(school=school)


def line_items_of_class_and_session(klass, session):
    return line_items().filter(klass=klass, academic_session=session) | line_items().filter(
        klass=klass, grading_period=session
    )
