"""The rostering resource types: for each, its JSON names, queryset, queryable fields,
representer, input and writer, and the scopes that guard it. The views are generic over
these descriptions, so every collection behaves the same way.
"""

from collections.abc import Callable
from dataclasses import replace

from core import scopes as s
from core.api.query import Field
from core.api.resources import BASE_FIELDS, COMMON_OUT, ResourceType
from rostering import access

from .. import selectors, services
from ..models import (
    AcademicSession,
    Class,
    ComponentKind,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Org,
    Resource,
    User,
)
from . import inputs, writers
from . import representations as rep

ROSTER_READ = [s.oneroster("roster-core.readonly"), s.oneroster("roster.readonly")]
ROSTER_WRITE = [s.oneroster("roster.createput")]
ROSTER_DELETE = [s.oneroster("roster.delete")]
DEMOGRAPHICS_READ = [s.oneroster("roster-demographics.readonly")]
DEMOGRAPHICS_WRITE = [s.oneroster("roster-demographics.createput")]
DEMOGRAPHICS_DELETE = [s.oneroster("roster-demographics.delete")]
RESOURCE_READ = [s.oneroster("resource.readonly"), *ROSTER_READ]
RESOURCE_WRITE = [s.oneroster("resource.createput"), *ROSTER_WRITE]
RESOURCE_DELETE = [s.oneroster("resource.delete"), *ROSTER_DELETE]


def _delete_rostered(app, obj) -> None:
    writers.may_delete(app, obj)
    services.soft_delete(obj)


def roster_type(**kwargs) -> ResourceType:
    """A rostering resource type: the roster scopes and the rostering delete rules
    (writers.may_delete, then a soft delete) unless the type names its own."""
    defaults = {
        "read_scopes": ROSTER_READ,
        "write_scopes": ROSTER_WRITE,
        "delete_scopes": ROSTER_DELETE,
        "delete": _delete_rostered,
    }
    return ResourceType(**{**defaults, **kwargs})


# Partner read scoping (docs/access.md, rostering.access): an app reads its own courses, their
# structure and classes, the enrollments of those classes, and the students and guides of
# those classes. Orgs and academic sessions are not personal data and are visible to all.
def _within(path: str, visible_to_app: Callable) -> Callable:
    """`visible` for a type whose rows belong to `path` (a lookup) of rows the app sees."""

    def visible(queryset, app):
        if access.app_sees_everything(app):
            return queryset
        return queryset.filter(**{f"{path}__in": visible_to_app(app).values("pk")})

    return visible


ORG = roster_type(
    singular="org",
    plural="orgs",
    model=Org,
    queryset=selectors.orgs,
    represent=rep.org,
    fields={
        **BASE_FIELDS,
        "name": Field("name"),
        "type": Field("type"),
        "identifier": Field("identifier"),
        "parent.sourcedId": Field("parent__sourced_id"),
    },
    output_fields=(*COMMON_OUT, "name", "type", "identifier", "parent", "children"),
    input=inputs.OrgInput,
    write=writers.write_org,
    search=("name", "identifier", "sourced_id"),
)

SCHOOL = replace(ORG, queryset=selectors.schools, forced={"type": "school"})

SESSION_FIELDS = {
    **BASE_FIELDS,
    "title": Field("title"),
    "type": Field("type"),
    "startDate": Field("start_date", "date"),
    "endDate": Field("end_date", "date"),
    "schoolYear": Field("school_year"),
    "parent.sourcedId": Field("parent__sourced_id"),
    "org.sourcedId": Field("org__sourced_id"),
}
ACADEMIC_SESSION = roster_type(
    singular="academicSession",
    plural="academicSessions",
    model=AcademicSession,
    queryset=selectors.academic_sessions,
    represent=rep.academic_session,
    fields=SESSION_FIELDS,
    output_fields=(
        *COMMON_OUT,
        "title",
        "type",
        "startDate",
        "endDate",
        "schoolYear",
        "parent",
        "children",
    ),
    input=inputs.AcademicSessionInput,
    write=writers.write_academic_session,
    search=("title", "sourced_id"),
)
TERM = replace(
    ACADEMIC_SESSION,
    queryset=selectors.terms,
    forced={"type": "term"},
    wrappers=("term",),
    client_keys=("term", "terms"),
)
GRADING_PERIOD = replace(
    ACADEMIC_SESSION,
    queryset=selectors.grading_periods,
    forced={"type": "gradingPeriod"},
    wrappers=("gradingPeriod",),
    client_keys=("gradingPeriod", "gradingPeriods"),
)

USER = roster_type(
    singular="user",
    plural="users",
    model=User,
    queryset=selectors.users,
    represent=rep.user,
    fields={
        **BASE_FIELDS,
        "username": Field("username"),
        "givenName": Field("first_name"),
        "familyName": Field("last_name"),
        "middleName": Field("middle_name"),
        "preferredFirstName": Field("preferred_first_name"),
        "preferredLastName": Field("preferred_last_name"),
        "email": Field("email"),
        "identifier": Field("identifier"),
        "userMasterIdentifier": Field("user_master_identifier"),
        "enabledUser": Field("enabled_user", "bool"),
        "grades": Field("grades", "list"),
        "primaryOrg.sourcedId": Field("primary_org__sourced_id"),
        "role": Field("roles__role", many=True),
        "roles.role": Field("roles__role", many=True),
        "roles.roleType": Field("roles__role_type", many=True),
        "roles.org.sourcedId": Field("roles__org__sourced_id", many=True),
        "agents.sourcedId": Field("agents__sourced_id", many=True),
    },
    output_fields=(
        *COMMON_OUT,
        "userMasterIdentifier",
        "username",
        "userIds",
        "enabledUser",
        "givenName",
        "familyName",
        "middleName",
        "preferredFirstName",
        "preferredMiddleName",
        "preferredLastName",
        "pronouns",
        "roles",
        "userProfiles",
        "primaryOrg",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
        "grades",
    ),
    input=inputs.UserInput,
    write=writers.write_user,
    search=("first_name", "last_name", "username", "email", "sourced_id", "identifier"),
    visible=_within("pk", access.users_visible_to_app),
)

STUDENT = replace(USER, queryset=selectors.students)
TEACHER = replace(USER, queryset=selectors.teachers)

COURSE = roster_type(
    singular="course",
    plural="courses",
    model=Course,
    queryset=selectors.courses,
    represent=rep.course,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "courseCode": Field("course_code"),
        "grades": Field("grades", "list"),
        "subjects": Field("subjects", "list"),
        "subjectCodes": Field("subject_codes", "list"),
        "org.sourcedId": Field("org__sourced_id"),
        "schoolYear.sourcedId": Field("school_year__sourced_id"),
    },
    output_fields=(
        *COMMON_OUT,
        "title",
        "schoolYear",
        "courseCode",
        "grades",
        "subjects",
        "org",
        "subjectCodes",
    ),
    input=inputs.CourseInput,
    write=writers.write_course,
    search=("title", "course_code", "sourced_id"),
    visible=_within("pk", access.courses_visible_to_app),
)

CLASS = roster_type(
    singular="class",
    plural="classes",
    model=Class,
    queryset=selectors.classes,
    represent=rep.klass,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "classCode": Field("class_code"),
        "classType": Field("class_type"),
        "location": Field("location"),
        "grades": Field("grades", "list"),
        "subjects": Field("subjects", "list"),
        "course.sourcedId": Field("course__sourced_id"),
        "school.sourcedId": Field("school__sourced_id"),
        "org.sourcedId": Field("school__sourced_id"),
        "terms.sourcedId": Field("terms__sourced_id", many=True),
    },
    output_fields=(
        *COMMON_OUT,
        "title",
        "classCode",
        "classType",
        "location",
        "grades",
        "subjects",
        "course",
        "school",
        "terms",
        "subjectCodes",
        "periods",
    ),
    input=inputs.ClassInput,
    write=writers.write_class,
    search=("title", "class_code", "sourced_id"),
    visible=_within("course", access.courses_visible_to_app),
)

ENROLLMENT = roster_type(
    singular="enrollment",
    plural="enrollments",
    model=Enrollment,
    queryset=selectors.enrollments,
    represent=rep.enrollment,
    fields={
        **BASE_FIELDS,
        "role": Field("role"),
        "primary": Field("primary", "bool"),
        "beginDate": Field("begin_date", "date"),
        "endDate": Field("end_date", "date"),
        "user.sourcedId": Field("user__sourced_id"),
        "class.sourcedId": Field("klass__sourced_id"),
        "school.sourcedId": Field("school__sourced_id"),
    },
    output_fields=(
        *COMMON_OUT,
        "user",
        "class",
        "school",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
    input=inputs.EnrollmentInput,
    write=writers.write_enrollment,
    search=("sourced_id", "user__sourced_id", "klass__sourced_id"),
    visible=_within("klass", access.classes_visible_to_app),
)

DEMOGRAPHICS = roster_type(
    singular="demographics",
    plural="demographics",
    model=Demographics,
    queryset=selectors.demographics,
    represent=rep.demographics,
    fields={**BASE_FIELDS, "sex": Field("sex"), "birthDate": Field("birth_date", "date")},
    output_fields=(
        *COMMON_OUT,
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ),
    input=inputs.DemographicsInput,
    write=writers.write_demographics,
    read_scopes=DEMOGRAPHICS_READ,
    write_scopes=DEMOGRAPHICS_WRITE,
    delete_scopes=DEMOGRAPHICS_DELETE,
    visible=_within("user", access.users_visible_to_app),
)

COMPONENT_FIELDS = {
    **BASE_FIELDS,
    "title": Field("title"),
    "sortOrder": Field("sort_order", "int"),
    "course.sourcedId": Field("course__sourced_id"),
    "parent.sourcedId": Field("parent__sourced_id"),
    "courseComponent.sourcedId": Field("parent__sourced_id"),
    "unlockDate": Field("unlock_date", "datetime"),
    "componentType": Field("kind"),
}
COURSE_COMPONENT = roster_type(
    singular="courseComponent",
    plural="courseComponents",
    model=CourseComponent,
    queryset=selectors.course_components,
    represent=rep.course_component,
    fields=COMPONENT_FIELDS,
    output_fields=(
        *COMMON_OUT,
        "course",
        "courseComponent",
        "parent",
        "title",
        "sortOrder",
        "prerequisites",
        "prerequisiteCriteria",
        "unlockDate",
    ),
    input=inputs.CourseComponentInput,
    write=writers.write_course_component,
    search=("title", "sourced_id"),
    visible=_within("course", access.courses_visible_to_app),
)


def _component_kind(kind):
    def write(**kwargs):
        return writers.write_course_component(kind=kind, **kwargs)

    return write


UNIT = replace(
    COURSE_COMPONENT,
    singular="unit",
    plural="units",
    wrappers=("courseComponent",),
    queryset=lambda: selectors.course_components().filter(kind=ComponentKind.UNIT),
    write=_component_kind(ComponentKind.UNIT),
)
LESSON = replace(
    COURSE_COMPONENT,
    singular="lesson",
    plural="lessons",
    wrappers=("courseComponent",),
    queryset=lambda: selectors.course_components().filter(kind=ComponentKind.LESSON),
    write=_component_kind(ComponentKind.LESSON),
)

COMPONENT_RESOURCE = roster_type(
    singular="componentResource",
    plural="componentResources",
    model=ComponentResource,
    queryset=selectors.component_resources,
    represent=rep.component_resource,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "sortOrder": Field("sort_order", "int"),
        "courseComponent.sourcedId": Field("course_component__sourced_id"),
        "resource.sourcedId": Field("resource__sourced_id"),
    },
    output_fields=(*COMMON_OUT, "courseComponent", "resource", "title", "sortOrder"),
    input=inputs.ComponentResourceInput,
    write=writers.write_component_resource,
    search=("title", "sourced_id"),
    visible=_within("course_component__course", access.courses_visible_to_app),
)

RESOURCE = roster_type(
    singular="resource",
    plural="resources",
    model=Resource,
    queryset=selectors.resources,
    represent=rep.resource,
    fields={
        **BASE_FIELDS,
        "title": Field("title"),
        "vendorResourceId": Field("vendor_resource_id"),
        "vendorId": Field("vendor_id"),
        "applicationId": Field("application_id"),
        "importance": Field("importance"),
        "roles": Field("roles", "list"),
    },
    output_fields=(
        *COMMON_OUT,
        "title",
        "roles",
        "importance",
        "vendorResourceId",
        "vendorId",
        "applicationId",
    ),
    input=inputs.ResourceInput,
    write=writers.write_resource,
    search=("title", "vendor_resource_id", "sourced_id"),
    read_scopes=RESOURCE_READ,
    write_scopes=RESOURCE_WRITE,
    delete_scopes=RESOURCE_DELETE,
    visible=_within("pk", access.resources_visible_to_app),
)
