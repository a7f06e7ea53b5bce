"""Who may read and write what in the gradebook (docs/access.md). One place, used by every
gradebook surface; built on rostering.access (own courses, their enrolled students).

Reads: an app sees line items, score scales and results of classes of its own courses,
assessment line items and results of its own courses, results only of students it may
see, and the categories it created, the school's, or those its line items use. Out of
scope answers 404.

Writes: an app writes the gradebook of its own courses' classes only, and results only
for students it may see; categories it created. Refusals raise AccessDenied (403 in the API) with an explanation.
Results the Caliper pipeline derived from events are corrected by sending events.

Standardized test results (NWEA MAP Growth, state tests; docs/closed-loop.md) are the
school's: their line items and results (sourcedIds starting with `stdtest_`) are read and
written only by the school's roster source (and the importer, through the services). A
partner app never sees them here, not even when it knows their sourcedIds (404), and may
not write into that sourcedId space (403): it sees only the aggregates of the outcomes API.
"""

from django.db.models import Q

from core.exceptions import AccessDenied
from gradebook.credit import EVENT_RESULT_PREFIX, STANDARDIZED_TEST_PREFIX
from rostering.access import (
    app_sees_everything,
    courses_visible_to_app,
    require_course_owner,
    student_ids_of_app,
)

EVENT_RESULTS_ARE_READ_ONLY = (
    "Result '{}': sourcedIds starting with 'caliper:' are results the pipeline derived "
    "from Caliper events; correct them by sending an event, not through the gradebook API."
)


# --- reads: (queryset, app) -> the rows the app may see ---


def _students(app):
    return Q(student_id__in=student_ids_of_app(app))


def classes_of_courses(queryset, app, path="klass__course"):
    if app_sees_everything(app):
        return queryset
    return queryset.filter(**{f"{path}__in": courses_visible_to_app(app)})


def visible_categories(queryset, app):
    if app_sees_everything(app):
        return queryset
    # Its own, the school's (written by the roster source), and those its line items use.
    mine = Q(partner_app=app) | Q(partner_app__isnull=True)
    used = Q(line_items__klass__course__in=courses_visible_to_app(app))
    return queryset.filter(pk__in=queryset.model._base_manager.filter(mine | used))


def visible_results(queryset, app):
    if app_sees_everything(app):
        return queryset
    return classes_of_courses(queryset, app).filter(_students(app))


def visible_assessment_line_items(queryset, app):
    if app_sees_everything(app):
        return queryset
    return queryset.filter(
        Q(course__in=courses_visible_to_app(app)) | Q(course__isnull=True, partner_app=app)
    ).exclude(sourced_id__startswith=STANDARDIZED_TEST_PREFIX)


def visible_assessment_results(queryset, app):
    if app_sees_everything(app):
        return queryset
    own = Q(course__in=courses_visible_to_app(app)) | Q(
        course__isnull=True, line_item__partner_app=app
    )
    return (
        queryset.filter(own, _students(app))
        .exclude(sourced_id__startswith=STANDARDIZED_TEST_PREFIX)
        .exclude(line_item__sourced_id__startswith=STANDARDIZED_TEST_PREFIX)
    )


# --- writes: raise AccessDenied (core.exceptions; the API answers 403) with the reason ---


def require_class_owner(app, klass) -> None:
    """The gradebook of a class is written by the app owning its course."""
    if klass is not None:
        require_course_owner(app, klass.course)


def require_category_owner(app, category) -> None:
    """An app changes the categories it created; the school's only its roster source."""
    if category is None or app_sees_everything(app):
        return
    if app is None or category.partner_app_id != app.pk:
        owner = "the school" if category.partner_app_id is None else "another app"
        raise AccessDenied(
            f"Category '{category.sourced_id}' belongs to {owner}; an app may only change its own categories."
        )


def require_assessment_line_item_owner(app, item) -> None:
    if item is None or app_sees_everything(app):
        return
    if item.course_id is not None:
        require_course_owner(app, item.course)
    elif app is None or item.partner_app_id not in (None, app.pk):
        raise AccessDenied(f"Assessment line item '{item.sourced_id}' belongs to another app.")


def require_writable_result(sourced_id: str) -> None:
    if sourced_id.startswith(EVENT_RESULT_PREFIX):
        raise AccessDenied(EVENT_RESULTS_ARE_READ_ONLY.format(sourced_id))


def require_standardized_test_writer(app, *sourced_ids: str) -> None:
    """Standardized test line items and results are the school's: only its roster source
    writes them (a partner app could otherwise plant or alter the results the outcomes
    statistics judge it by)."""
    if app_sees_everything(app):
        return
    for sourced_id in sourced_ids:
        if sourced_id and sourced_id.startswith(STANDARDIZED_TEST_PREFIX):
            raise AccessDenied(
                f"'{sourced_id}': sourcedIds starting with '{STANDARDIZED_TEST_PREFIX}' are "
                "standardized test results of the school; only its roster source writes them."
            )
