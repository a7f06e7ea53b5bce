"""Who may write and read what (docs/access.md#who-writes-what, docs/access.md#who-sees-what).
One place, used by every API surface and page.

- A learning app owns its courses, their units, lessons and resources; it may create new
  courses (which it then owns) and change only its own.
- Orgs, users, classes, enrollments and guardian links belong to the school: only a
  `roster_source` app (a school's SIS sync) writes them, except that a sandbox app may
  scaffold test users, classes, enrollments and academic sessions inside the
  `partner-sandbox` org.
- Refusals raise `core.exceptions.AccessDenied` with an explanation (the API answers 403),
  so an app developer knows what to do; the admin, the CSV import and workers reuse them.
"""

from django.db.models import Q

from core.exceptions import AccessDenied

from .models import (
    SANDBOX_ORG_SOURCED_ID,
    Class,
    ComponentResource,
    Course,
    Enrollment,
    EnrollmentRole,
    Org,
    PartnerApp,
    Resource,
    Role,
    User,
    UserRole,
)

SANDBOX_ONLY = (
    "Users, classes, enrollments, guardian links and academic sessions are rostered by the "
    "school. "
    "Partner apps may only create them for testing: the app must be a sandbox app and "
    f"everything must sit in the '{SANDBOX_ORG_SOURCED_ID}' org."
)


def can_write_roster_anywhere(app: PartnerApp | None) -> bool:
    return app is not None and app.roster_source


def require_roster_source(app: PartnerApp | None, what: str) -> None:
    if not can_write_roster_anywhere(app):
        raise AccessDenied(f"Only the school's roster source may write {what}.")


def require_may_scaffold(app: PartnerApp | None) -> None:
    """Refuse roster writes to an app that is neither a roster source nor a sandbox app
    (checked before any lookup, so the refusal reveals nothing about what exists)."""
    if not can_write_roster_anywhere(app) and (app is None or not app.sandbox):
        raise AccessDenied(SANDBOX_ONLY + " This app is not a sandbox app.")


def require_sandbox_scaffolding(app: PartnerApp | None, orgs: list[Org]) -> None:
    """Allow a roster write by a roster source, or by a sandbox app inside the sandbox org."""
    require_may_scaffold(app)
    if can_write_roster_anywhere(app):
        return
    outside = sorted({o.sourced_id for o in orgs if o.sourced_id != SANDBOX_ORG_SOURCED_ID})
    if outside or not orgs:
        named = ", ".join(outside) or "no org"
        raise AccessDenied(SANDBOX_ONLY + f" This request names {named}.")


def require_own_test_person(app: PartnerApp | None, user: User) -> None:
    """A sandbox app changes only the test people it created itself (every sandbox app sees
    the sandbox org's people, so one app must not rename or re-link another's). A roster
    source changes anyone."""
    if can_write_roster_anywhere(app):
        return
    if app is None or user.scaffolded_by_id != app.pk:
        raise AccessDenied(
            f"The user '{user.sourced_id}' was not created by this app: a sandbox app may "
            "change, link or delete only the test users it created."
        )


def sandbox_orgs_of_user(user: User) -> list[Org]:
    """The orgs a user belongs to, for the sandbox check on an existing user."""
    orgs = [r.org for r in user.roles.select_related("org")]
    if user.primary_org_id:
        orgs.append(user.primary_org)
    return orgs


def require_course_owner(app: PartnerApp | None, course: Course | None) -> None:
    """A course (and its structure) may be changed by its owning app or a roster source."""
    if course is None or can_write_roster_anywhere(app):
        return
    if app is None or course.partner_app_id != app.pk:
        raise AccessDenied(
            f"Course '{course.sourced_id}' belongs to another app; an app may only change its own courses."
        )


def require_resource_owner(app: PartnerApp | None, resource: Resource | None) -> None:
    """A resource published by an app is changed only by that app (or a roster source)."""
    if resource is None or resource.partner_app_id is None or can_write_roster_anywhere(app):
        return
    if app is None or resource.partner_app_id != app.pk:
        raise AccessDenied(f"Resource '{resource.sourced_id}' belongs to another app.")


# --- Reads: what a partner app may see (docs/access.md#who-sees-what). ---
# Out-of-scope objects answer 404.
#
# A learning app sees its own courses and the students enrolled (as students) in classes of
# those courses. A roster source (the school's SIS sync) sees the whole roster. Every read
# surface (OneRoster, gradebook, read-back, EduBridge, logger, Caliper read-back) scopes
# its querysets with these, so the rule lives here once.


def app_sees_everything(app: PartnerApp | None) -> bool:
    return can_write_roster_anywhere(app)


# A course the platform assembles for one student from several apps' lessons (a hole-filling
# plan, docs/hole-filling.md) carries this metadata key; it belongs to no app.
ASSEMBLED_COURSE_MARK = "holeFilling"


def courses_visible_to_app(app: PartnerApp | None):
    """Courses the app may read: its own (all of them for a roster source), and the
    assembled courses (hole-filling plans) that hold one of its lessons: the app sees the
    plan its lessons are part of, as it sees its own students' classes."""
    if app_sees_everything(app):
        return Course.objects.all()
    if app is None:
        return Course.objects.none()
    holding = ComponentResource.objects.filter(
        resource__partner_app=app,
        course_component__course__metadata__has_key=ASSEMBLED_COURSE_MARK,
    ).values("course_component__course_id")
    return Course.objects.filter(Q(partner_app=app) | Q(pk__in=holding))


def students_visible_to_app(app: PartnerApp | None):
    """Users the app may read: students enrolled in a class of one of its courses."""
    if app_sees_everything(app):
        return User.objects.all()
    if app is None:
        return User.objects.none()
    return User.objects.filter(pk__in=student_ids_of_app(app))


def student_ids_of_app(app: PartnerApp):
    """A subquery of the user ids enrolled as students in classes of the app's courses."""
    return Enrollment.objects.filter(
        role=EnrollmentRole.STUDENT, klass__course__partner_app=app
    ).values("user_id")


def users_visible_to_app(app: PartnerApp | None):
    """Users the app may read through the roster API: its students (above) and the guides
    teaching classes of its courses (an app shows a class's teacher; enrollments it can
    read name them anyway). Guardians and everyone else stay hidden, except that a sandbox
    app also sees the test users of the `partner-sandbox` org."""
    if app_sees_everything(app):
        return User.objects.all()
    if app is None:
        return User.objects.none()
    members = Enrollment.objects.filter(
        role__in=(EnrollmentRole.STUDENT, EnrollmentRole.TEACHER), klass__course__partner_app=app
    )
    visible = Q(pk__in=members.values("user_id"))
    if app.sandbox:
        # The test people sandbox apps scaffold in the sandbox org are readable before they
        # are enrolled; they are not real students.
        in_sandbox = UserRole.objects.filter(org__sourced_id=SANDBOX_ORG_SOURCED_ID)
        visible |= Q(pk__in=in_sandbox.values("user_id"))
        visible |= Q(primary_org__sourced_id=SANDBOX_ORG_SOURCED_ID)
    return User.objects.filter(visible)


def classes_visible_to_app(app: PartnerApp | None):
    """Classes of the courses the app may read."""
    if app_sees_everything(app):
        return Class.objects.all()
    return Class.objects.filter(course__in=courses_visible_to_app(app))


def resources_visible_to_app(app: PartnerApp | None):
    """Resources the app published, and those linked to lessons of its courses."""
    if app_sees_everything(app):
        return Resource.objects.all()
    if app is None:
        return Resource.objects.none()
    linked = Resource.objects.filter(
        component_links__course_component__course__partner_app=app
    ).values("pk")
    return Resource.objects.filter(Q(partner_app=app) | Q(pk__in=linked))


# --- Reads: what a signed-in person may see (docs/access.md#who-sees-what). ---
# Out-of-scope objects answer 404.
#
# A student sees only themselves; a guardian their linked children; a guide the classes
# they teach and the students of those classes; an org administrator their org, its child
# orgs, and the classes and students there. A superuser sees everything. Dashboards, the
# logger API and every other page call these; nothing else decides who sees whom.

ORG_ADMIN_ROLES = (
    Role.ADMINISTRATOR,
    Role.SITE_ADMINISTRATOR,
    Role.DISTRICT_ADMINISTRATOR,
    Role.SYSTEM_ADMINISTRATOR,
)
GUARDIAN_ROLES = (Role.GUARDIAN, Role.PARENT, Role.RELATIVE)
# Enrollment roles that teach a class (and so see its students).
TEACHING_ROLES = (EnrollmentRole.TEACHER, EnrollmentRole.AIDE)


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def user_sees_everything(user) -> bool:
    return _signed_in(user) and user.is_superuser


def org_ids_administered_by(user) -> set[int]:
    """Ids of the orgs the user administers (an administrator role there) and of every org
    below them. One query per level of the org tree (a handful: district → school → ...)."""
    if not _signed_in(user):
        return set()
    frontier = set(
        UserRole.objects.filter(user=user, role__in=ORG_ADMIN_ROLES).values_list(
            "org_id", flat=True
        )
    )
    seen: set[int] = set()
    while frontier:
        seen |= frontier
        frontier = (
            set(Org.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - seen
        )
    return seen


def orgs_visible_to_user(user):
    """Orgs the user administers and their child orgs (all for a superuser)."""
    if user_sees_everything(user):
        return Org.objects.all()
    return Org.objects.filter(pk__in=org_ids_administered_by(user))


def classes_taught_by(user):
    """Classes where the user is enrolled as teacher (or aide): the guide's classes."""
    if not _signed_in(user):
        return Class.objects.none()
    taught = Enrollment.objects.filter(user=user, role__in=TEACHING_ROLES)
    return Class.objects.filter(pk__in=taught.values("klass_id"))


def classes_visible_to_user(user):
    """Classes the user may open as a whole, with their list of students: the classes they
    teach and the classes of schools in orgs they administer (all for a superuser).

    A student or guardian opens no class as a whole: what they see of a class comes through
    a student they may see (`can_view_student`)."""
    if user_sees_everything(user):
        return Class.objects.all()
    if not _signed_in(user):
        return Class.objects.none()
    return _classes_of(user, org_ids_administered_by(user))


def _classes_of(user, admin_org_ids: set[int]):
    taught = Enrollment.objects.filter(user=user, role__in=TEACHING_ROLES).values("klass_id")
    return Class.objects.filter(Q(pk__in=taught) | Q(school_id__in=admin_org_ids))


def children_of_guardian(user):
    """The students linked to a guardian or parent (the user's agents holding a student
    role). Empty for a user holding no guardian, parent or relative role. Lazy: no query
    until evaluated."""
    if not _signed_in(user):
        return User.objects.none()
    students = UserRole.objects.filter(role=Role.STUDENT).values("user_id")
    # One filter() call: the guardian role must belong to the same `agent_of` user.
    return User.objects.filter(
        agent_of=user, agent_of__roles__role__in=GUARDIAN_ROLES, pk__in=students
    )


def students_visible_to_user(user):
    """Users whose learning data the user may see:

    - themselves (a student sees only themselves);
    - a guardian: their linked children (`children_of_guardian`);
    - a guide: the students enrolled in the classes they teach;
    - an org administrator: the students holding a role in, having as primary org, or
      enrolled at a school in an org they administer or below;
    - a superuser: everyone. Anonymous or inactive users: no one.

    Costs one query per level of administered orgs (one for a non-administrator) before
    the queryset itself.
    """
    if user_sees_everything(user):
        return User.objects.all()
    if not _signed_in(user):
        return User.objects.none()
    admin_orgs = org_ids_administered_by(user)
    classes = _classes_of(user, admin_orgs).values("pk")
    in_classes = Enrollment.objects.filter(role=EnrollmentRole.STUDENT, klass__in=classes)
    at_orgs = UserRole.objects.filter(role=Role.STUDENT, org_id__in=admin_orgs)
    # A primary org in the administered orgs makes a *student* visible, not a teacher,
    # guardian or fellow administrator whose primary org it is (their pages are not the
    # administrator's to read).
    students = UserRole.objects.filter(role=Role.STUDENT).values("user_id")
    return User.objects.filter(
        Q(pk=user.pk)
        | Q(pk__in=children_of_guardian(user).values("pk"))
        | Q(pk__in=in_classes.values("user_id"))
        | Q(pk__in=at_orgs.values("user_id"))
        | Q(primary_org_id__in=admin_orgs, pk__in=students)
    )


def can_view_student(user, student: User) -> bool:
    """True when `students_visible_to_user(user)` includes `student` (two queries for a
    non-administrator)."""
    return students_visible_to_user(user).filter(pk=student.pk).exists()


def can_view_class(user, klass: Class) -> bool:
    """True when `classes_visible_to_user(user)` includes `klass` (two queries for a
    non-administrator)."""
    return classes_visible_to_user(user).filter(pk=klass.pk).exists()


def partner_apps_visible_to_user(user):
    """The partner apps a developer owns (all of them for a superuser): the developer
    portal and the developer dashboard show only these; any other app answers 404."""
    if user_sees_everything(user):
        return PartnerApp.objects.all()
    if not _signed_in(user):
        return PartnerApp.objects.none()
    return PartnerApp.objects.filter(owners=user)
