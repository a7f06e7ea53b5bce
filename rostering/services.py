"""Every rostering write with rules. The OneRoster API, the Partner API, the CSV import,
the admin and the demo seeder all end here, so a rule (upsert by sourcedId, soft delete,
"nothing changed means nothing is written", a tree has no loop, nobody is their own agent)
lives in one place.

Each rule is a `check_*` function raising Django's ValidationError keyed by the field at
fault: the write functions call it themselves, the CSV import calls it on a whole bundle
before writing anything, admin forms call it in `clean()`, and the API answers it as a 400.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from . import zones
from .models import (
    SANDBOX_ORG_SOURCED_ID,
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
    SessionType,
    Status,
    User,
    UserRole,
    check_time_zone,
)


@dataclass(frozen=True)
class RoleAssignment:
    org: Org
    role: str
    role_type: str = UserRole.RoleType.PRIMARY
    user_profile: str = ""
    begin_date: date | None = None
    end_date: date | None = None

    def key(self):
        return (
            self.org.pk,
            self.role,
            self.role_type,
            self.user_profile,
            self.begin_date,
            self.end_date,
        )


# --- rules -------------------------------------------------------------------------------

OWN_ANCESTOR = "'{}' would be its own ancestor"
OWN_AGENT = "a user cannot be their own agent"


def find_cycles(parent_of: Callable[[str], str | None], starts: Iterable[str]) -> set[str]:
    """The ids among `starts` whose chain of parents (`parent_of(id)`) leads back to
    themselves."""
    cyclic = set()
    for start in starts:
        seen, current = set(), parent_of(start)
        while current is not None and current not in seen:
            if current == start:
                cyclic.add(start)
                break
            seen.add(current)
            current = parent_of(current)
    return cyclic


def own_ancestors(
    model, proposed: Mapping[str, str | None], *, stored: Mapping[str, str | None] | None = None
) -> set[str]:
    """The sourcedIds of `proposed` ({sourcedId: parent's sourcedId}) that would be their own
    ancestor once their parents are set as proposed, every other object keeping its stored
    parent. Orgs, academic sessions and course components form trees (A under B and B under
    A is a loop, not only A under A).

    `stored` (every stored {sourcedId: parent}) spares a bulk check its queries; without it
    the chain is read one level at a time (trees here are a few levels deep)."""
    known = dict(stored) if stored is not None else {}

    def parent_of(sourced_id):
        if sourced_id in proposed:
            return proposed[sourced_id]
        if stored is None and sourced_id not in known:
            known[sourced_id] = (
                model._base_manager.filter(sourced_id=sourced_id)
                .values_list("parent__sourced_id", flat=True)
                .first()
            )
        return known.get(sourced_id)

    return find_cycles(parent_of, proposed)


def check_not_own_ancestor(model, *, sourced_id: str, parent) -> None:
    """Refuse a parent that would make the object its own ancestor (itself, or one of its
    descendants)."""
    if parent is None:
        return
    if own_ancestors(model, {sourced_id: parent.sourced_id}):
        raise ValidationError({"parent": OWN_ANCESTOR.format(sourced_id) + "."})


def school_calendar_fields(metadata) -> dict:
    """The org's time zone and holidays from OneRoster `metadata.timezone` and
    `metadata.holidays` (the API and the CSV import's metadata.* columns write them there), for
    the columns the day bucketing reads. Refuses a name that is not an IANA time zone."""
    fields = {}
    metadata = metadata if isinstance(metadata, dict) else {}
    if metadata.get("timezone") not in (None, ""):
        try:
            check_time_zone(metadata["timezone"])
        except ValidationError as error:
            raise ValidationError({"metadata.timezone": error.messages[0]}) from None
        fields["timezone"] = metadata["timezone"]
    if "holidays" in metadata:
        holidays = metadata["holidays"]
        if isinstance(holidays, str):  # a CSV cell: "2026-11-26 2026-12-24" or comma separated
            holidays = holidays.replace(",", " ").split()
        try:
            fields["holidays"] = zones.check_holidays(holidays)
        except ValidationError as error:
            raise ValidationError({"metadata.holidays": error.messages[0]}) from None
    return fields


def check_agents(*, sourced_id: str, agent_ids: Iterable[str], field: str = "agents") -> None:
    """Refuse a user among their own agents (guardians, parents...)."""
    if sourced_id in set(agent_ids):
        raise ValidationError({field: OWN_AGENT + "."})


# --- writes ------------------------------------------------------------------------------


def upsert_by_sourced_id(model, *, sourced_id: str, fields: dict):
    """Create the object, or update it when a field differs; answer (obj, created, changed).

    Re-sending identical data writes nothing, so `dateLastModified` only moves on real change.
    The row is locked while compared so two concurrent upserts cannot lose an update.
    """
    obj = model._base_manager.select_for_update().filter(sourced_id=sourced_id).first()
    if obj is None:
        obj = model(sourced_id=sourced_id, **fields)
        obj.save()
        return obj, True, True
    changed = [
        name for name, value in fields.items() if _stored_value(obj, name) != _comparable(value)
    ]
    if changed:
        for name in changed:
            setattr(obj, name, fields[name])
        obj.save(update_fields=[_attname(model, name) for name in changed])
    return obj, False, bool(changed)


def _attname(model, name):
    return model._meta.get_field(name).attname


def _stored_value(obj, name):
    """The stored value; for a foreign key its id, so comparing costs no query."""
    return getattr(obj, obj._meta.get_field(name).attname)


def _comparable(value):
    return value.pk if isinstance(value, models.Model) else value


def _touch(obj):
    obj.save(update_fields=["date_last_modified"])


@transaction.atomic
def upsert_org(*, sourced_id: str, **fields):
    check_not_own_ancestor(Org, sourced_id=sourced_id, parent=fields.get("parent"))
    fields.update(school_calendar_fields(fields.get("metadata")))
    obj, created, _ = upsert_by_sourced_id(Org, sourced_id=sourced_id, fields=fields)
    return obj, created


@transaction.atomic
def upsert_academic_session(*, sourced_id: str, **fields):
    check_not_own_ancestor(AcademicSession, sourced_id=sourced_id, parent=fields.get("parent"))
    obj, created, _ = upsert_by_sourced_id(AcademicSession, sourced_id=sourced_id, fields=fields)
    return obj, created


def sandbox_term(today: date | None = None) -> AcademicSession:
    """The sandbox org's term for the current school year (August to July, named by the year
    it ends in, as `schoolYear` is), created on first use: sandbox classes that name no term
    get it, because the official OneRoster client requires a class to have terms
    (docs/api.md#sandbox-scaffolding)."""
    today = today or timezone.localdate()
    first = today.year if today.month >= 8 else today.year - 1
    sandbox = Org.objects.get(sourced_id=SANDBOX_ORG_SOURCED_ID)
    term, _ = AcademicSession.objects.get_or_create(
        sourced_id=f"{SANDBOX_ORG_SOURCED_ID}-{first}-{first + 1}",
        defaults={
            "title": f"Sandbox school year {first}-{first + 1}",
            "type": SessionType.TERM,
            "start_date": date(first, 8, 1),
            "end_date": date(first + 1, 7, 31),
            "school_year": str(first + 1),
            "org": sandbox,
        },
    )
    return term


@transaction.atomic
def upsert_user(
    *,
    sourced_id: str,
    roles: list[RoleAssignment] | None = None,
    agents: list[User] | None = None,
    password: str | None = None,
    password_hash: str | None = None,
    **fields,
):
    """Upsert a person. `roles` and `agents`, when given, replace the current sets.
    `password_hash` (django.contrib.auth.hashers.make_password's) is set instead of hashing
    `password` when the person is created: the demo hashes each of its shared passwords once
    rather than once per student (a hash costs a third of a second of CPU on purpose)."""
    if agents is not None:
        check_agents(sourced_id=sourced_id, agent_ids=[a.sourced_id for a in agents])
    if not fields.get("username"):
        fields["username"] = _existing_username(sourced_id) or sourced_id
    obj, created, changed = upsert_by_sourced_id(User, sourced_id=sourced_id, fields=fields)
    if created and password_hash is not None:
        obj.password = password_hash
        obj.save(update_fields=["password"])
    elif created and password is None:
        obj.set_unusable_password()
        obj.save(update_fields=["password"])
    if password is not None and (created or not obj.check_password(password)):
        obj.set_password(password)
        obj.save(update_fields=["password"])
    related_changed = False
    if roles is not None:
        related_changed |= _replace_roles(obj, roles)
    if agents is not None:
        related_changed |= _replace_agents(obj, agents)
    if related_changed and not changed:
        _touch(obj)
    return obj, created


def _existing_username(sourced_id):
    return User.objects.filter(sourced_id=sourced_id).values_list("username", flat=True).first()


def _replace_roles(user: User, roles: list[RoleAssignment]) -> bool:
    current = {
        (r.org_id, r.role, r.role_type, r.user_profile, r.begin_date, r.end_date)
        for r in user.roles.all()
    }
    wanted = {r.key() for r in roles}
    if current == wanted:
        return False
    user.roles.all().delete()
    UserRole.objects.bulk_create(
        UserRole(
            user=user,
            org=r.org,
            role=r.role,
            role_type=r.role_type,
            user_profile=r.user_profile,
            begin_date=r.begin_date,
            end_date=r.end_date,
        )
        for r in _unique_by_org_and_role(roles)
    )
    return True


def _unique_by_org_and_role(roles):
    seen = set()
    for r in roles:
        if (r.org.pk, r.role) not in seen:
            seen.add((r.org.pk, r.role))
            yield r


def _replace_agents(user: User, agents: list[User]) -> bool:
    """Set a user's agents, keeping the reverse links OneRoster requires in step."""
    current = set(user.agents.values_list("pk", flat=True))
    wanted = {a.pk for a in agents}
    if current == wanted:
        return False
    user.agents.set(agents)
    links = User.agents.through
    links.objects.filter(from_user_id__in=current - wanted, to_user_id=user.pk).delete()
    links.objects.bulk_create(
        [links(from_user_id=pk, to_user_id=user.pk) for pk in wanted - current],
        ignore_conflicts=True,
    )
    User.objects.filter(pk__in=current ^ wanted).update(date_last_modified=timezone.now())
    return True


@transaction.atomic
def link_agent(*, student: User, agent: User) -> bool:
    """Link a guardian/parent to a student both ways (OneRoster models both views)."""
    check_agents(sourced_id=student.sourced_id, agent_ids=[agent.sourced_id], field="agentId")
    created = not student.agents.filter(pk=agent.pk).exists()
    if created:
        student.agents.add(agent)
        _touch(student)
    if not agent.agents.filter(pk=student.pk).exists():
        agent.agents.add(student)
        _touch(agent)
    return created


@transaction.atomic
def upsert_course(*, sourced_id: str, **fields):
    obj, created, _ = upsert_by_sourced_id(Course, sourced_id=sourced_id, fields=fields)
    return obj, created


@transaction.atomic
def upsert_course_component(*, sourced_id: str, kind: str | None = None, **fields):
    """Upsert a unit or lesson. Without an explicit kind, a component with no parent is a
    unit and one under a parent is a lesson; a lesson that gains children becomes a unit."""
    parent = fields.get("parent")
    check_not_own_ancestor(CourseComponent, sourced_id=sourced_id, parent=parent)
    if kind is None:
        existing = (
            CourseComponent.objects.filter(sourced_id=sourced_id)
            .values_list("kind", flat=True)
            .first()
        )
        kind = existing or (ComponentKind.LESSON if parent else ComponentKind.UNIT)
    fields["kind"] = kind
    obj, created, _ = upsert_by_sourced_id(CourseComponent, sourced_id=sourced_id, fields=fields)
    if parent is not None and parent.kind == ComponentKind.LESSON:
        parent.kind = ComponentKind.UNIT
        parent.save(update_fields=["kind"])
    return obj, created


@transaction.atomic
def upsert_resource(*, sourced_id: str, lessons: list[CourseComponent] | None = None, **fields):
    """Upsert a resource; `lessons`, when given, are linked to it (links are added, not removed)."""
    obj, created, _ = upsert_by_sourced_id(Resource, sourced_id=sourced_id, fields=fields)
    for lesson in lessons or []:
        ComponentResource.objects.get_or_create(
            course_component=lesson,
            resource=obj,
            defaults={"sourced_id": f"{lesson.sourced_id}:{obj.sourced_id}", "title": obj.title},
        )
    return obj, created


@transaction.atomic
def upsert_component_resource(*, sourced_id: str, **fields):
    obj, created, _ = upsert_by_sourced_id(ComponentResource, sourced_id=sourced_id, fields=fields)
    return obj, created


@transaction.atomic
def upsert_class(*, sourced_id: str, terms: list[AcademicSession] | None = None, **fields):
    obj, created, changed = upsert_by_sourced_id(Class, sourced_id=sourced_id, fields=fields)
    if terms is not None and set(obj.terms.values_list("pk", flat=True)) != {t.pk for t in terms}:
        obj.terms.set(terms)
        if not changed:
            _touch(obj)
    return obj, created


@transaction.atomic
def upsert_enrollment(*, sourced_id: str, **fields):
    if fields.get("school") is None and fields.get("klass") is not None:
        fields["school"] = fields["klass"].school
    obj, created, _ = upsert_by_sourced_id(Enrollment, sourced_id=sourced_id, fields=fields)
    return obj, created


@transaction.atomic
def upsert_demographics(*, sourced_id: str, **fields):
    obj, created, _ = upsert_by_sourced_id(Demographics, sourced_id=sourced_id, fields=fields)
    return obj, created


@transaction.atomic
def soft_delete(obj) -> None:
    """OneRoster DELETE: mark `tobedeleted`; nothing a student earned is ever removed."""
    if obj.status != Status.TOBEDELETED:
        obj.status = Status.TOBEDELETED
        obj.save(update_fields=["status"])


@transaction.atomic
def withdraw(queryset) -> int:
    """Mark many objects `tobedeleted` at once (what a bulk roster file leaves out), as
    soft_delete does one; answers how many changed."""
    return queryset.exclude(status=Status.TOBEDELETED).update(
        status=Status.TOBEDELETED, date_last_modified=timezone.now()
    )
