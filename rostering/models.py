"""The rostering domain (docs/domain.md): who learns where, and what content they learn.

Every OneRoster object carries a caller-chosen `sourced_id` (unique per type, stable
forever), a `status` (soft delete is `tobedeleted`), a server-set `date_last_modified`
and free `metadata`.
"""

import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.oneroster import Status


def new_sourced_id() -> str:
    return str(uuid.uuid4())


NOT_ROSTER_FIELDS = {"last_login", "password"}


class OneRosterFields(models.Model):
    sourced_id = models.CharField("sourced ID", max_length=255, unique=True, default=new_sourced_id)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    date_last_modified = models.DateTimeField("last modified", default=timezone.now, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # The server, never the client, decides when an object last changed. Saves of
        # login bookkeeping (last_login, password) are not roster changes.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not set(update_fields) <= NOT_ROSTER_FIELDS:
            self.date_last_modified = timezone.now()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "date_last_modified"}
        super().save(*args, **kwargs)


class OrgType(models.TextChoices):
    DEPARTMENT = "department"
    SCHOOL = "school"
    DISTRICT = "district"
    LOCAL = "local"
    STATE = "state"
    NATIONAL = "national"


SANDBOX_ORG_SOURCED_ID = "partner-sandbox"


def default_time_zone() -> str:
    return settings.SCHOOL_TIME_ZONE


def check_time_zone(value: str) -> None:
    """An IANA time zone name zoneinfo (and PostgreSQL's AT TIME ZONE) knows."""
    if not is_time_zone(value):
        raise ValidationError(
            f"{value!r} is not an IANA time zone name (for example America/Los_Angeles)."
        )


def is_time_zone(value) -> bool:
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class Org(OneRosterFields):
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=OrgType.choices, default=OrgType.SCHOOL)
    identifier = models.CharField(max_length=255, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # A student's days (rollups, today, goals, streaks, charts) are local days of their
    # school (docs/dashboards.md#days-are-the-schools-local-days). OneRoster writes it as
    # metadata.timezone; a column so that SQL can bucket days with AT TIME ZONE.
    timezone = models.CharField(
        "time zone",
        max_length=64,
        default=default_time_zone,
        validators=[check_time_zone],
        help_text="IANA time zone of the school, e.g. America/Los_Angeles.",
    )
    # Days without school besides weekends and the days outside its terms (ISO dates),
    # e.g. ["2026-11-26", "2026-12-24"]; OneRoster writes them as metadata.holidays.
    holidays = models.JSONField(
        default=list,
        blank=True,
        help_text='Days without school, as ISO dates: ["2026-11-26", "2026-12-24"].',
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["type"]), models.Index(fields=["name"])]

    def __str__(self):
        return f"{self.name} ({self.type})"


class SessionType(models.TextChoices):
    GRADING_PERIOD = "gradingPeriod"
    SEMESTER = "semester"
    SCHOOL_YEAR = "schoolYear"
    TERM = "term"


class AcademicSession(OneRosterFields):
    title = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=SessionType.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    school_year = models.CharField(max_length=8, help_text="The school year, e.g. 2027")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    org = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="academic_sessions"
    )

    class Meta:
        ordering = ["start_date", "title"]
        indexes = [models.Index(fields=["type"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="academic_session_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.type} {self.school_year})"


class Role(models.TextChoices):
    STUDENT = "student"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    PARENT = "parent"
    ADMINISTRATOR = "administrator"
    AIDE = "aide"
    PROCTOR = "proctor"
    COUNSELOR = "counselor"
    PRINCIPAL = "principal"
    RELATIVE = "relative"
    DISTRICT_ADMINISTRATOR = "districtAdministrator"
    SITE_ADMINISTRATOR = "siteAdministrator"
    SYSTEM_ADMINISTRATOR = "systemAdministrator"


class RosterUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser, OneRosterFields):
    """A person: student, guide (teacher), guardian or administrator, and the login user.

    `first_name`/`last_name` are OneRoster's `givenName`/`familyName`.
    """

    middle_name = models.CharField(max_length=150, blank=True, default="")
    preferred_first_name = models.CharField(max_length=150, blank=True, default="")
    preferred_middle_name = models.CharField(max_length=150, blank=True, default="")
    preferred_last_name = models.CharField(max_length=150, blank=True, default="")
    pronouns = models.CharField(max_length=64, blank=True, default="")
    user_master_identifier = models.CharField(max_length=255, blank=True, default="")
    identifier = models.CharField(max_length=255, blank=True, default="")
    enabled_user = models.BooleanField("enabled", default=True)
    grades = models.JSONField(default=list, blank=True)
    user_ids = models.JSONField("user IDs", default=list, blank=True)
    user_profiles = models.JSONField("user profiles", default=list, blank=True)
    sms = models.CharField(max_length=64, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    primary_org = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.SET_NULL, related_name="primary_users"
    )
    agents = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="agent_of",
        help_text="Guardians/parents of a student, or the students of a guardian.",
    )
    # The sandbox app that created this test person: only that app may change or delete them
    # (docs/api.md#sandbox-scaffolding). Null for people the school rosters.
    scaffolded_by = models.ForeignKey(
        "PartnerApp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="created by sandbox app",
    )

    objects = RosterUserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self):
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name or self.username} ({self.sourced_id})"

    @property
    def given_name(self) -> str:
        return self.first_name

    @property
    def family_name(self) -> str:
        return self.last_name


class UserRole(models.Model):
    """One role a user holds in one org (OneRoster `roles[]`)."""

    class RoleType(models.TextChoices):
        PRIMARY = "primary"
        SECONDARY = "secondary"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="user_roles")
    role = models.CharField(max_length=32, choices=Role.choices)
    role_type = models.CharField(max_length=16, choices=RoleType.choices, default=RoleType.PRIMARY)
    user_profile = models.CharField(max_length=255, blank=True, default="")
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="unique_user_role_per_org")
        ]
        indexes = [models.Index(fields=["role", "org"])]

    def __str__(self):
        return f"{self.role} at {self.org.name}"


class PartnerApp(models.Model):
    """A learning app plugged into Timeback: owns courses, holds OAuth2 clients."""

    name = models.CharField(max_length=200, unique=True)
    sandbox = models.BooleanField(
        default=False,
        help_text="May use the testing-only scaffolding endpoints inside the partner-sandbox org.",
    )
    roster_source = models.BooleanField(
        default=False,
        help_text="A school-operated integration (e.g. SIS sync) that may write orgs, users, "
        "classes and enrollments anywhere. Learning apps never get this.",
    )
    owners = models.ManyToManyField(User, blank=True, related_name="partner_apps")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name + (" (sandbox)" if self.sandbox else "")


class PartnerClient(models.Model):
    """Links an allauth OAuth2 client (client id + hashed secret) to its partner app."""

    client = models.OneToOneField(
        "allauth_idp_oidc.Client",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="partner",
    )
    app = models.ForeignKey(PartnerApp, on_delete=models.CASCADE, related_name="clients")

    def __str__(self):
        return f"{self.app.name}: {self.client_id}"


class Course(OneRosterFields):
    title = models.CharField(max_length=255)
    course_code = models.CharField(max_length=255, blank=True, default="")
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    subject_codes = models.JSONField(default=list, blank=True)
    org = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="courses"
    )
    school_year = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses"
    )
    partner_app = models.ForeignKey(
        PartnerApp,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        help_text="The app that owns this course's content; only it may change the course.",
    )

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["title"])]

    def __str__(self):
        return f"{self.title} ({self.sourced_id})"

    @property
    def total_units_declared(self) -> int | None:
        value = (self.metadata or {}).get("totalUnits")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None


class ComponentKind(models.TextChoices):
    UNIT = "unit"
    LESSON = "lesson"


class CourseComponent(OneRosterFields):
    """A unit or a lesson of a course (OneRoster `courseComponent`).

    Units may nest under units; lessons sit under a unit. The lesson is the reporting grain.
    """

    kind = models.CharField(max_length=8, choices=ComponentKind.choices)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="components")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=255)
    sort_order = models.IntegerField(default=0)
    prerequisites = models.JSONField(default=list, blank=True)
    prerequisite_criteria = models.CharField(max_length=64, blank=True, default="")
    unlock_date = models.DateTimeField(null=True, blank=True)
    learning_standards = models.JSONField(
        default=list, blank=True, help_text="Aligned academic standards (CASE item identifiers)."
    )

    class Meta:
        ordering = ["course_id", "sort_order", "id"]
        indexes = [models.Index(fields=["course", "kind", "sort_order"])]

    def __str__(self):
        return f"{self.kind.title()} {self.title} ({self.sourced_id})"


class UnitManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=ComponentKind.UNIT)


class LessonManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=ComponentKind.LESSON)


class Unit(CourseComponent):
    objects = UnitManager()

    class Meta:
        proxy = True


class Lesson(CourseComponent):
    objects = LessonManager()

    class Meta:
        proxy = True


class Resource(OneRosterFields):
    title = models.CharField(max_length=255)
    vendor_resource_id = models.CharField(max_length=255)
    vendor_id = models.CharField(max_length=255, blank=True, default="")
    application_id = models.CharField(max_length=255, blank=True, default="")
    roles = models.JSONField(default=list, blank=True)
    importance = models.CharField(
        max_length=16,
        blank=True,
        default="",
        choices=[("primary", "primary"), ("secondary", "secondary")],
    )
    partner_app = models.ForeignKey(
        PartnerApp, null=True, blank=True, on_delete=models.PROTECT, related_name="resources"
    )

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return f"{self.title} ({self.sourced_id})"


class ComponentResource(OneRosterFields):
    """Links a resource to a lesson (or unit) of a course."""

    course_component = models.ForeignKey(
        CourseComponent, on_delete=models.CASCADE, related_name="component_resources"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="component_links")
    title = models.CharField(max_length=255, blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["course_component_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course_component", "resource"], name="unique_resource_per_component"
            )
        ]

    def __str__(self):
        return f"{self.resource.title} in {self.course_component.title}"


class ClassType(models.TextChoices):
    HOMEROOM = "homeroom"
    SCHEDULED = "scheduled"


class Class(OneRosterFields):
    title = models.CharField(max_length=255)
    class_code = models.CharField(max_length=255, blank=True, default="")
    class_type = models.CharField(
        max_length=32, choices=ClassType.choices, default=ClassType.SCHEDULED
    )
    location = models.CharField(max_length=255, blank=True, default="")
    grades = models.JSONField(default=list, blank=True)
    subjects = models.JSONField(default=list, blank=True)
    subject_codes = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="classes")
    school = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="classes")
    terms = models.ManyToManyField(AcademicSession, blank=True, related_name="classes")

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "classes"
        indexes = [models.Index(fields=["title"])]

    def __str__(self):
        return f"{self.title} ({self.sourced_id})"


class EnrollmentRole(models.TextChoices):
    STUDENT = "student"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    ADMINISTRATOR = "administrator"
    PROCTOR = "proctor"
    AIDE = "aide"


class Enrollment(OneRosterFields):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="enrollments")
    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="enrollments", verbose_name="class"
    )
    school = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="enrollments")
    role = models.CharField(max_length=32, choices=EnrollmentRole.choices)
    primary = models.BooleanField(default=False)
    begin_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["klass", "role"]),
            models.Index(fields=["user", "role"]),
        ]

    def __str__(self):
        return f"{self.user.username} as {self.role} in {self.klass.title}"


class Demographics(OneRosterFields):
    """CEDS demographics for one user; its sourcedId is the user's."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="demographics")
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=32, blank=True, default="")
    american_indian_or_alaska_native = models.BooleanField(null=True, blank=True)
    asian = models.BooleanField(null=True, blank=True)
    black_or_african_american = models.BooleanField(null=True, blank=True)
    native_hawaiian_or_other_pacific_islander = models.BooleanField(null=True, blank=True)
    white = models.BooleanField(null=True, blank=True)
    demographic_race_two_or_more_races = models.BooleanField(null=True, blank=True)
    hispanic_or_latino_ethnicity = models.BooleanField(null=True, blank=True)
    country_of_birth_code = models.CharField(max_length=8, blank=True, default="")
    state_of_birth_abbreviation = models.CharField(max_length=8, blank=True, default="")
    city_of_birth = models.CharField(max_length=255, blank=True, default="")
    public_school_residence_status = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name_plural = "demographics"

    def __str__(self):
        return f"Demographics of {self.user.username}"
