"""Reads of the rostering domain: the querysets every API surface starts from.

Each queryset selects or prefetches exactly what its representer reads, so the cost of a
page does not grow with its size.
"""

from django.db.models import Prefetch, Q

from .models import (
    AcademicSession,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Org,
    Resource,
    Role,
    SessionType,
    User,
    UserRole,
)


def _sourced_ids(model):
    return model._base_manager.only("id", "sourced_id")


def orgs():
    return Org.objects.select_related("parent").prefetch_related(
        Prefetch("children", queryset=_sourced_ids(Org))
    )


def schools():
    return orgs().filter(type="school")


def academic_sessions():
    return AcademicSession.objects.select_related("parent", "org").prefetch_related(
        Prefetch("children", queryset=_sourced_ids(AcademicSession))
    )


def terms():
    return academic_sessions().filter(type=SessionType.TERM)


def grading_periods():
    return academic_sessions().filter(type=SessionType.GRADING_PERIOD)


def users():
    return User.objects.select_related("primary_org").prefetch_related(
        Prefetch("roles", queryset=UserRole.objects.select_related("org").order_by("id")),
        Prefetch("agents", queryset=_sourced_ids(User)),
    )


def users_with_role(role: str):
    holders = UserRole.objects.filter(role=role).values("user_id")
    return users().filter(pk__in=holders)


def students():
    return users_with_role(Role.STUDENT)


def teachers():
    return users_with_role(Role.TEACHER)


def courses():
    return Course.objects.select_related("org", "school_year")


def classes():
    return Class.objects.select_related("course", "school").prefetch_related(
        Prefetch("terms", queryset=_sourced_ids(AcademicSession))
    )


def enrollments():
    return Enrollment.objects.select_related("user", "klass", "school").only(
        *(f.attname for f in Enrollment._meta.concrete_fields),
        "user__sourced_id",
        "klass__sourced_id",
        "school__sourced_id",
    )


def demographics():
    return Demographics.objects.all()


def course_components():
    return CourseComponent.objects.select_related("course", "parent")


def component_resources():
    return ComponentResource.objects.select_related("course_component", "resource")


def resources():
    return Resource.objects.all()


# --- nested collections: rows related to one parent object ---


def classes_of_school(school: Org):
    return classes().filter(school=school)


def courses_of_school(school: Org):
    return courses().filter(org=school)


def enrollments_of_school(school: Org):
    return enrollments().filter(school=school)


def enrollments_of_class(klass: Class):
    return enrollments().filter(klass=klass)


def users_enrolled_in(klass: Class, role: str):
    enrolled = Enrollment.objects.filter(klass=klass, role=role).values("user_id")
    return users().filter(pk__in=enrolled)


def users_at_org(org: Org, role: str):
    holders = UserRole.objects.filter(org=org, role=role).values("user_id")
    return users().filter(pk__in=holders)


def terms_of_school(school: Org):
    used = Class.terms.through.objects.filter(
        class_id__in=Class.objects.filter(school=school).values("pk")
    )
    return terms().filter(Q(org=school) | Q(pk__in=used.values("academicsession_id")))


def classes_of_user(user: User, role: str | None = None):
    mine = Enrollment.objects.filter(user=user)
    if role:
        mine = mine.filter(role=role)
    return classes().filter(pk__in=mine.values("klass_id"))


def classes_of_term(term: AcademicSession):
    return classes().filter(terms=term)


def grading_periods_of_term(term: AcademicSession):
    return grading_periods().filter(parent=term)
