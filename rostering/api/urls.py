"""Routes of the OneRoster rostering API and the Partner rostering API (one implementation,
mounted under both /ims/oneroster/rostering/v1p2/ and /rostering/1.0/).

Collections answer with or without a trailing slash, as clients send both.
"""

from django.urls import re_path

from core.api.oneroster import CollectionView, ObjectView

from .. import selectors
from ..models import EnrollmentRole, Role
from . import resources as t
from .oneroster import ClassMembersView, StudentAgentView

ID = r"(?P<sourced_id>[^/]+)"


# Parent finders take the URL kwargs and the calling app: a parent the app may not see
# answers 404 like any other object outside its scope (rostering.access).
def find(resource, kwarg):
    def finder(kwargs, app):
        rows = resource.visible_to(resource.queryset(), app)
        return rows.filter(sourced_id=kwargs[kwarg]).first()

    return finder


def class_of_school(kwargs, app):
    return (
        t.CLASS.visible_to(selectors.classes(), app)
        .filter(school__sourced_id=kwargs["school_id"], sourced_id=kwargs["class_id"])
        .first()
    )


def collection(pattern, resource, parent=None, name=None, nested_body=None):
    view = CollectionView.as_view(resource=resource, parent=parent, nested_body=nested_body)
    return re_path(rf"^{pattern}/?$", view, name=name)


def single(pattern, resource):
    return re_path(rf"^{pattern}/{ID}/?$", ObjectView.as_view(resource=resource))


def members(pattern, finder, role):
    view = ClassMembersView.as_view(
        parent=(finder, lambda klass: selectors.users_enrolled_in(klass, role)), role=role
    )
    return re_path(rf"^{pattern}/?$", view)


def top_level(plural, resource):
    return [collection(plural, resource), single(plural, resource)]


CLASS_ID = r"(?P<class_id>[^/]+)"
SCHOOL_ID = r"(?P<school_id>[^/]+)"

rostering_urlpatterns = [
    # Course structure first: "components" must not be read as a course sourcedId.
    *top_level("courses/components", t.COURSE_COMPONENT),
    *top_level("courses/component-resources", t.COMPONENT_RESOURCE),
    *top_level("orgs", t.ORG),
    *top_level("schools", t.SCHOOL),
    *top_level("academicSessions", t.ACADEMIC_SESSION),
    *top_level("terms", t.TERM),
    *top_level("gradingPeriods", t.GRADING_PERIOD),
    *top_level("users", t.USER),
    *top_level("students", t.STUDENT),
    *top_level("teachers", t.TEACHER),
    *top_level("courses", t.COURSE),
    *top_level("classes", t.CLASS),
    *top_level("enrollments", t.ENROLLMENT),
    *top_level("demographics", t.DEMOGRAPHICS),
    # Nested reads.
    collection(
        f"schools/{SCHOOL_ID}/classes",
        t.CLASS,
        (find(t.SCHOOL, "school_id"), selectors.classes_of_school),
    ),
    collection(
        f"schools/{SCHOOL_ID}/classes/{CLASS_ID}/enrollments",
        t.ENROLLMENT,
        (class_of_school, selectors.enrollments_of_class),
    ),
    members(
        f"schools/{SCHOOL_ID}/classes/{CLASS_ID}/students", class_of_school, EnrollmentRole.STUDENT
    ),
    members(
        f"schools/{SCHOOL_ID}/classes/{CLASS_ID}/teachers", class_of_school, EnrollmentRole.TEACHER
    ),
    collection(
        f"schools/{SCHOOL_ID}/courses",
        t.COURSE,
        (find(t.SCHOOL, "school_id"), selectors.courses_of_school),
    ),
    collection(
        f"schools/{SCHOOL_ID}/enrollments",
        t.ENROLLMENT,
        (find(t.SCHOOL, "school_id"), selectors.enrollments_of_school),
    ),
    collection(
        f"schools/{SCHOOL_ID}/students",
        t.USER,
        (
            find(t.SCHOOL, "school_id"),
            lambda school: selectors.users_at_org(school, Role.STUDENT),
        ),
    ),
    collection(
        f"schools/{SCHOOL_ID}/teachers",
        t.USER,
        (
            find(t.SCHOOL, "school_id"),
            lambda school: selectors.users_at_org(school, Role.TEACHER),
        ),
    ),
    collection(
        f"schools/{SCHOOL_ID}/terms",
        t.TERM,
        (find(t.SCHOOL, "school_id"), selectors.terms_of_school),
    ),
    members(f"classes/{CLASS_ID}/students", find(t.CLASS, "class_id"), EnrollmentRole.STUDENT),
    members(f"classes/{CLASS_ID}/teachers", find(t.CLASS, "class_id"), EnrollmentRole.TEACHER),
    collection(
        r"courses/(?P<course_id>[^/]+)/classes",
        t.CLASS,
        (
            find(t.COURSE, "course_id"),
            lambda course: selectors.classes().filter(course=course),
        ),
    ),
    collection(
        r"users/(?P<user_id>[^/]+)/classes",
        t.CLASS,
        (find(t.USER, "user_id"), selectors.classes_of_user),
    ),
    collection(
        r"students/(?P<user_id>[^/]+)/classes",
        t.CLASS,
        (
            find(t.STUDENT, "user_id"),
            lambda u: selectors.classes_of_user(u, EnrollmentRole.STUDENT),
        ),
    ),
    collection(
        r"teachers/(?P<user_id>[^/]+)/classes",
        t.CLASS,
        (
            find(t.TEACHER, "user_id"),
            lambda u: selectors.classes_of_user(u, EnrollmentRole.TEACHER),
        ),
    ),
    collection(
        r"terms/(?P<term_id>[^/]+)/classes",
        t.CLASS,
        (find(t.TERM, "term_id"), selectors.classes_of_term),
    ),
    collection(
        r"terms/(?P<term_id>[^/]+)/gradingPeriods",
        t.GRADING_PERIOD,
        (find(t.TERM, "term_id"), selectors.grading_periods_of_term),
        nested_body=lambda term: {"parent": term.sourced_id},
    ),
]

# Partner API extras (docs/api.md#content-catalogue): the catalogue by its own names, and guardian
# links.
partner_urlpatterns = [
    *top_level("units", t.UNIT),
    *top_level("lessons", t.LESSON),
    *top_level("resources", t.RESOURCE),
    re_path(rf"^students/{ID}/agents/(?P<agent_id>[^/]+)/?$", StudentAgentView.as_view()),
]

resources_urlpatterns = [*top_level("resources", t.RESOURCE)]
