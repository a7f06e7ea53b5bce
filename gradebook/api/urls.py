"""Routes of the OneRoster 1.2 gradebook API: one implementation, mounted under both
/ims/oneroster/gradebook/v1p2/ and /gradebook/1.0/ (timeback/urls.py), as rostering is.

Every path of the official gradebook binding and of Timeback's openapi.yaml is here
(tests/gradebook/test_gradebook_routes.py walks both files). Collections answer with or
without a trailing slash.
"""

from django.urls import re_path

from core.api.oneroster import ObjectView
from rostering import selectors as roster
from rostering.access import students_visible_to_app
from rostering.models import AcademicSession

from .. import access, selectors
from . import resources as t
from .views import GradebookCollectionView

ID = r"(?P<sourced_id>[^/]+)"
CLASS = r"classes/(?P<class_id>[^/]+)"
SCHOOL = r"schools/(?P<school_id>[^/]+)"


# --- parents of nested routes: (url kwargs, partner app) -> the object, or None (404) ---


def class_(kwargs, app):
    classes = access.classes_of_courses(roster.classes(), app, "course")
    return classes.filter(sourced_id=kwargs["class_id"]).first()


def school(kwargs, app):
    return roster.schools().filter(sourced_id=kwargs["school_id"]).first()


def student(kwargs, app):
    return students_visible_to_app(app).filter(sourced_id=kwargs["student_id"]).first()


def line_item(kwargs, app):
    items = access.classes_of_courses(selectors.line_items(), app)
    return items.filter(sourced_id=kwargs["line_item_id"]).first()


def line_item_of_class(kwargs, app):
    item = line_item(kwargs, app)
    return item if item is not None and item.klass.sourced_id == kwargs["class_id"] else None


def class_and_student(kwargs, app):
    klass, user = class_(kwargs, app), student(kwargs, app)
    return (klass, user) if klass is not None and user is not None else None


def class_and_session(kwargs, app):
    klass = class_(kwargs, app)
    session = AcademicSession.objects.filter(sourced_id=kwargs["session_id"]).first()
    return (klass, session) if klass is not None and session is not None else None


# --- route builders ---


def collection(pattern, resource, parent=None, nested_body=None):
    view = GradebookCollectionView.as_view(
        resource=resource, parent=parent, nested_body=nested_body
    )
    return re_path(rf"^{pattern}/?$", view)


def top_level(plural, resource):
    return [
        collection(plural, resource),
        re_path(rf"^{plural}/{ID}/?$", ObjectView.as_view(resource=resource)),
    ]


urlpatterns = [
    *top_level("categories", t.CATEGORY),
    *top_level("scoreScales", t.SCORE_SCALE),
    *top_level("lineItems", t.LINE_ITEM),
    *top_level("results", t.RESULT),
    *top_level("assessmentLineItems", t.ASSESSMENT_LINE_ITEM),
    *top_level("assessmentResults", t.ASSESSMENT_RESULT),
    # Nested reads and the writes of sets.
    collection(f"{CLASS}/categories", t.CATEGORY, (class_, selectors.categories_of_class)),
    collection(
        f"{CLASS}/scoreScales",
        t.SCORE_SCALE,
        (class_, lambda klass: selectors.score_scales().filter(klass=klass)),
    ),
    collection(
        f"{CLASS}/lineItems",
        t.LINE_ITEM,
        (class_, lambda klass: selectors.line_items().filter(klass=klass)),
        nested_body=lambda klass: {"class": klass.sourced_id},
    ),
    collection(
        f"{CLASS}/lineItems/(?P<line_item_id>[^/]+)/results",
        t.RESULT,
        (line_item_of_class, lambda item: selectors.results().filter(line_item=item)),
    ),
    collection(
        f"{CLASS}/results",
        t.RESULT,
        (class_, lambda klass: selectors.results().filter(klass=klass)),
    ),
    collection(
        f"{CLASS}/students/(?P<student_id>[^/]+)/results",
        t.RESULT,
        (
            class_and_student,
            lambda pair: selectors.results().filter(klass=pair[0], student=pair[1]),
        ),
    ),
    collection(
        f"{CLASS}/academicSessions/(?P<session_id>[^/]+)/lineItems",
        t.LINE_ITEM,
        (class_and_session, lambda pair: selectors.line_items_of_class_and_session(*pair)),
    ),
    collection(
        f"{CLASS}/academicSessions/(?P<session_id>[^/]+)/results",
        t.RESULT,
        (
            class_and_session,
            lambda pair: selectors.results().filter(
                line_item__in=selectors.line_items_of_class_and_session(*pair)
            ),
        ),
        nested_body=lambda pair: {"class": pair[0].sourced_id},
    ),
    collection(
        r"lineItems/(?P<line_item_id>[^/]+)/results",
        t.RESULT,
        (line_item, lambda item: selectors.results().filter(line_item=item)),
        nested_body=lambda item: {"lineItem": item.sourced_id},
    ),
    collection(
        f"{SCHOOL}/lineItems",
        t.LINE_ITEM,
        (school, selectors.line_items_of_school),
        nested_body=lambda org: {"school": org.sourced_id},
    ),
    collection(f"{SCHOOL}/scoreScales", t.SCORE_SCALE, (school, selectors.score_scales_of_school)),
    collection(
        r"students/(?P<student_id>[^/]+)/assessmentResults",
        t.ASSESSMENT_RESULT,
        (student, lambda user: selectors.assessment_results().filter(student=user)),
    ),
]
