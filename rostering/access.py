"""Who may write what in the roster (SPEC §4.3). One place, used by every API surface.

- A learning app owns its courses, their units, lessons and resources; it may create new
  courses (which it then owns) and change only its own.
- Orgs, users, classes, enrollments and guardian links belong to the school: only a
  `roster_source` app (a school's SIS sync) writes them, except that a sandbox app may
  scaffold test users, classes and enrollments inside the `partner-sandbox` org.
- Refusals are 403 with an explanation, so an app developer knows what to do.
"""

from django.db.models import Q
from rest_framework.exceptions import PermissionDenied

from .models import SANDBOX_ORG_SOURCED_ID, Course, Org, PartnerApp, Resource, User

SANDBOX_ONLY = (
    "Users, classes, enrollments and guardian links are rostered by the school. "
    "Partner apps may only create them for testing: the app must be a sandbox app and "
    f"everything must sit in the '{SANDBOX_ORG_SOURCED_ID}' org."
)


def can_write_roster_anywhere(app: PartnerApp | None) -> bool:
    return app is not None and app.roster_source


def require_roster_source(app: PartnerApp | None, what: str) -> None:
    if not can_write_roster_anywhere(app):
        raise PermissionDenied(f"Only the school's roster source may write {what}.")


def require_sandbox_scaffolding(app: PartnerApp | None, orgs: list[Org]) -> None:
    """Allow a roster write by a roster source, or by a sandbox app inside the sandbox org."""
    if can_write_roster_anywhere(app):
        return
    if app is None or not app.sandbox:
        raise PermissionDenied(SANDBOX_ONLY + " This app is not a sandbox app.")
    outside = sorted({o.sourced_id for o in orgs if o.sourced_id != SANDBOX_ORG_SOURCED_ID})
    if outside or not orgs:
        named = ", ".join(outside) or "no org"
        raise PermissionDenied(SANDBOX_ONLY + f" This request names {named}.")


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
        raise PermissionDenied(
            f"Course '{course.sourced_id}' belongs to another app; an app may only change its own courses."
        )


def require_resource_owner(app: PartnerApp | None, resource: Resource | None) -> None:
    """A resource published by an app is changed only by that app (or a roster source)."""
    if resource is None or resource.partner_app_id is None or can_write_roster_anywhere(app):
        return
    if app is None or resource.partner_app_id != app.pk:
        raise PermissionDenied(f"Resource '{resource.sourced_id}' belongs to another app.")


# --- Reads: what a partner app may see (SPEC §5). Out-of-scope objects answer 404. ---
#
# A learning app sees its own courses and the students enrolled (as students) in classes of
# those courses. A roster source (the school's SIS sync) sees the whole roster. Every read
# surface (OneRoster, gradebook, read-back, EduBridge, logger, Caliper read-back) scopes
# its querysets with these, so the rule lives here once.


def app_sees_everything(app: PartnerApp | None) -> bool:
    return can_write_roster_anywhere(app)


def courses_visible_to_app(app: PartnerApp | None):
    """Courses the app may read: its own (all of them for a roster source)."""
    if app_sees_everything(app):
        return Course.objects.all()
    if app is None:
        return Course.objects.none()
    return Course.objects.filter(partner_app=app)


def students_visible_to_app(app: PartnerApp | None):
    """Users the app may read: students enrolled in a class of one of its courses."""
    if app_sees_everything(app):
        return User.objects.all()
    if app is None:
        return User.objects.none()
    return User.objects.filter(pk__in=student_ids_of_app(app))


def student_ids_of_app(app: PartnerApp):
    """A subquery of the user ids enrolled as students in classes of the app's courses."""
    from .models import Enrollment

    return Enrollment.objects.filter(role="student", klass__course__partner_app=app).values(
        "user_id"
    )


# --- Reads: what a logged-in person may see (SPEC §5). Out-of-scope objects answer 404. ---
#
# A student sees themselves; a guardian their linked children; a guide the classes they teach
# and their students; an administrator the classes and students of their org and the orgs
# below it; a superuser everything. A person with several roles sees the union.

GUARDIAN_ROLES = ("guardian", "parent", "relative")
ADMIN_ROLES = ("administrator", "siteAdministrator", "districtAdministrator", "systemAdministrator")
MAX_ORG_DEPTH = 8  # national > state > district > school > department, with room to spare


def roles_of_user(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.roles.values_list("role", flat=True))


def _org_subtree(org_ids: set[int]) -> set[int]:
    """The orgs and every org below them, one query per level."""
    seen, frontier = set(org_ids), set(org_ids)
    for _ in range(MAX_ORG_DEPTH):
        frontier = set(Org.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
    return seen


def _administered_orgs(user) -> set[int]:
    return _org_subtree(
        set(user.roles.filter(role__in=ADMIN_ROLES).values_list("org_id", flat=True))
    )


def classes_visible_to_user(user):
    """Classes a person may open: those they teach; those of orgs they administer."""
    from .models import Class, Enrollment

    if not getattr(user, "is_authenticated", False):
        return Class.objects.none()
    if user.is_superuser:
        return Class.objects.all()
    taught = Enrollment.objects.filter(user=user, role="teacher", status="active")
    scope = Q(pk__in=taught.values("klass_id"))
    administered = _administered_orgs(user)
    if administered:
        scope |= Q(school_id__in=administered)
    return Class.objects.filter(scope)


def students_visible_to_user(user):
    """Users whose learning a person may see: themselves, their linked children (guardians),
    the students of the classes they may open."""
    from .models import Enrollment

    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    scope = Q(pk=user.pk)
    roles = roles_of_user(user)
    if roles & set(GUARDIAN_ROLES):
        scope |= Q(agents=user)
    enrolled = Enrollment.objects.filter(
        role="student", status="active", klass__in=classes_visible_to_user(user)
    )
    scope |= Q(pk__in=enrolled.values("user_id"))
    return User.objects.filter(scope).distinct()


def can_view_student(user, student) -> bool:
    return students_visible_to_user(user).filter(pk=student.pk).exists()


def apps_visible_to_user(user):
    """Partner apps whose developer dashboard a person may open: the apps they own."""
    if not getattr(user, "is_authenticated", False):
        return PartnerApp.objects.none()
    if user.is_superuser:
        return PartnerApp.objects.all()
    return PartnerApp.objects.filter(owners=user)
