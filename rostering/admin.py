"""The Django admin for rostering: orgs, people, catalogue, classes, partner apps.

Big foreign keys (users, classes, courses, orgs) use autocomplete widgets so a change page
never renders a select with every student; changelists join what their columns show.
Partner credentials are created here only through `partners.issue_client_credentials`,
so the secret is shown once and stored hashed, exactly as the command line does it.
"""

from allauth.idp.oidc.admin import ClientAdmin
from allauth.idp.oidc.models import Client
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from core.admin import NoManualEdits

from . import partners, services, zones
from .models import (
    AcademicSession,
    Class,
    ComponentKind,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Lesson,
    Org,
    PartnerApp,
    PartnerClient,
    Resource,
    Unit,
    User,
    UserRole,
)

ONEROSTER_READONLY = ("date_last_modified",)


class RelatedOnly(admin.RelatedOnlyFieldListFilter):
    """Offer only the related objects actually in use (not every org in the district)."""


class TreeForm(forms.ModelForm):
    """Orgs, academic sessions and course components form trees: the same check as the API
    and the CSV import (services.check_not_own_ancestor) refuses a parent that would make
    the object its own ancestor."""

    def clean(self):
        cleaned = super().clean()
        if "parent" in self.fields:
            services.check_not_own_ancestor(
                self._meta.model._meta.concrete_model,
                sourced_id=cleaned.get("sourced_id") or self.instance.sourced_id,
                parent=cleaned.get("parent"),
            )
        return cleaned


# --- Orgs and sessions -------------------------------------------------------------------


class OrgForm(TreeForm):
    """The school's time zone is checked by the field (an IANA name); holidays with the same
    rule as OneRoster's metadata.holidays."""

    def clean_holidays(self):
        return zones.check_holidays(self.cleaned_data.get("holidays") or [])


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    form = OrgForm
    list_display = (
        "sourced_id",
        "name",
        "type",
        "identifier",
        "timezone",
        "parent",
        "status",
        "date_last_modified",
    )
    list_filter = ("type", "timezone", "status")
    search_fields = ("name", "sourced_id", "identifier")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ONEROSTER_READONLY
    ordering = ("name",)


@admin.register(AcademicSession)
class AcademicSessionAdmin(admin.ModelAdmin):
    form = TreeForm
    list_display = (
        "sourced_id",
        "title",
        "type",
        "school_year",
        "start_date",
        "end_date",
        "parent",
        "org",
        "status",
        "date_last_modified",
    )
    list_filter = ("type", "status", "school_year", ("org", RelatedOnly))
    search_fields = ("title", "sourced_id", "school_year")
    list_select_related = ("parent", "org")
    autocomplete_fields = ("parent", "org")
    readonly_fields = ONEROSTER_READONLY
    date_hierarchy = "start_date"


# --- People -------------------------------------------------------------------------------


class UserRoleInline(admin.TabularInline):
    model = UserRole
    fields = ("role", "org", "role_type", "user_profile", "begin_date", "end_date")
    autocomplete_fields = ("org",)
    extra = 0

    def get_queryset(self, request):
        # The tabular inline prints each row's __str__, which names the org.
        return super().get_queryset(request).select_related("org")


class RosterUserChangeForm(UserChangeForm):
    """A user is not their own agent: the same check as the API and the CSV import."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agents") is not None:
            services.check_agents(
                sourced_id=cleaned.get("sourced_id") or self.instance.sourced_id,
                agent_ids=[agent.sourced_id for agent in cleaned["agents"]],
            )
        return cleaned


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = RosterUserChangeForm
    list_display = (
        "username",
        "sourced_id",
        "first_name",
        "last_name",
        "email",
        "primary_org",
        "enabled_user",
        "is_staff",
        "status",
        "date_last_modified",
    )
    list_filter = (
        "roles__role",
        ("roles__org", RelatedOnly),
        "status",
        "enabled_user",
        "is_staff",
        "is_superuser",
    )
    search_fields = ("username", "sourced_id", "first_name", "last_name", "email", "identifier")
    list_select_related = ("primary_org",)
    autocomplete_fields = ("primary_org", "agents")
    readonly_fields = ("date_last_modified", "last_login", "date_joined")
    inlines = (UserRoleInline,)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Person",
            {
                "fields": (
                    ("first_name", "middle_name", "last_name"),
                    ("preferred_first_name", "preferred_middle_name", "preferred_last_name"),
                    "pronouns",
                    "email",
                    ("phone", "sms"),
                )
            },
        ),
        (
            "OneRoster",
            {
                "fields": (
                    "sourced_id",
                    "status",
                    "enabled_user",
                    "primary_org",
                    "grades",
                    "identifier",
                    "user_master_identifier",
                    "user_ids",
                    "user_profiles",
                    "agents",
                    "metadata",
                    "date_last_modified",
                )
            },
        ),
        (
            "Permissions",
            {
                "classes": ("collapse",),
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Important dates", {"classes": ("collapse",), "fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "sourced_id",
                    "first_name",
                    "last_name",
                    "email",
                    "primary_org",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org", "role_type", "begin_date", "end_date")
    list_filter = ("role", "role_type", ("org", RelatedOnly))
    search_fields = (
        "user__username",
        "user__sourced_id",
        "user__last_name",
        "org__name",
        "org__sourced_id",
    )
    list_select_related = ("user", "org")
    autocomplete_fields = ("user", "org")


@admin.register(Demographics)
class DemographicsAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "user", "sex", "birth_date", "status", "date_last_modified")
    list_filter = ("status", "sex")
    search_fields = ("sourced_id", "user__username", "user__sourced_id", "user__last_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ONEROSTER_READONLY


# --- Partner apps -------------------------------------------------------------------------


class PartnerClientInline(NoManualEdits, admin.TabularInline):
    """The app's OAuth2 clients, read-only: secrets are hashed and only ever shown once.
    Revoke a client by deleting it on its allauth client page."""

    model = PartnerClient
    fields = ("client_link", "granted_scopes", "grant_types", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "OAuth2 client"
    verbose_name_plural = (
        "OAuth2 clients (use the action “Issue new client credentials” to add one)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client", "app")

    @admin.display(description="client id")
    def client_link(self, link):
        url = reverse("admin:allauth_idp_oidc_client_change", args=[link.client_id])
        return format_html('<a href="{}"><code>{}</code></a>', url, link.client_id)

    @admin.display(description="granted scopes")
    def granted_scopes(self, link):
        return format_html_join(mark_safe("<br>"), "{}", ((s,) for s in link.client.get_scopes()))

    @admin.display(description="grant types")
    def grant_types(self, link):
        return ", ".join(link.client.get_grant_types())

    @admin.display(description="created")
    def created_at(self, link):
        return link.client.created_at


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "sandbox",
        "roster_source",
        "course_count",
        "client_count",
        "created_at",
    )
    list_filter = ("sandbox", "roster_source")
    search_fields = ("name", "owners__username", "owners__email")
    filter_horizontal = ("owners",)
    readonly_fields = ("created_at",)
    inlines = (PartnerClientInline,)
    actions = ("issue_new_client_credentials",)

    # Deleting an app revokes its credentials: the same service as every other way in.
    def delete_model(self, request, obj):
        partners.delete_partner_app(app=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for app in queryset:
            partners.delete_partner_app(app=app)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _courses=Count("courses", distinct=True),
                _clients=Count("clients", distinct=True),
            )
        )

    @admin.display(description="courses", ordering="_courses")
    def course_count(self, app):
        return app._courses

    @admin.display(description="OAuth2 clients", ordering="_clients")
    def client_count(self, app):
        return app._clients

    @admin.action(description="Issue new client credentials", permissions=["change"])
    def issue_new_client_credentials(self, request, queryset):
        for app in queryset:
            client, secret = partners.issue_client_credentials(app=app)
            self.message_user(
                request,
                f"New client credentials for {app.name}: client_id={client.id} "
                f"client_secret={secret} — copy the secret now: it is stored hashed "
                "and will not be shown again.",
                level=messages.SUCCESS,
            )


admin.site.unregister(Client)


@admin.register(Client)
class OAuthClientAdmin(ClientAdmin):
    """allauth's client admin (redirect URIs, scopes, skip consent; delete revokes), plus
    rotating a secret the way the developer portal does it."""

    list_display = (*ClientAdmin.list_display, "partner_app")
    list_select_related = ("partner__app",)
    actions = ("rotate_secret",)

    @admin.display(description="partner app")
    def partner_app(self, client):
        link = getattr(client, "partner", None)
        return link.app.name if link else "—"

    @admin.action(description="Rotate the secret (stops the old secret and its tokens)")
    def rotate_secret(self, request, queryset):
        for client in queryset:
            secret = partners.rotate_client_secret(client=client)
            self.message_user(
                request,
                f"New secret for {client.id}: {secret} — copy it now: it is stored hashed "
                "and will not be shown again.",
                level=messages.SUCCESS,
            )


# --- Catalogue: courses, units, lessons, resources ----------------------------------------


class KindForm(TreeForm):
    """Pins the component kind of the Unit/Lesson proxies (the field itself is not shown)."""

    component_kind: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = self.component_kind


class UnitForm(KindForm):
    component_kind = ComponentKind.UNIT


class LessonForm(KindForm):
    component_kind = ComponentKind.LESSON

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        course = cleaned.get("course")
        if parent is not None:
            if parent.kind != ComponentKind.UNIT:
                raise ValidationError(
                    {"parent": "A lesson sits under a unit, not under another lesson."}
                )
            if course is not None and parent.course_id != course.pk:
                raise ValidationError({"parent": "The unit belongs to another course."})
        return cleaned


class LessonUnderUnitForm(LessonForm):
    """A lesson added on its unit's page takes the unit's course."""

    def save(self, commit=True):
        if self.instance.parent_id is not None and self.instance.course_id is None:
            self.instance.course_id = self.instance.parent.course_id
        return super().save(commit)


class UnitInline(admin.TabularInline):
    model = Unit
    form = UnitForm
    fk_name = "course"
    fields = ("sort_order", "title", "sourced_id", "status")
    ordering = ("sort_order", "id")
    show_change_link = True
    extra = 0


class LessonInline(admin.TabularInline):
    model = Lesson
    form = LessonUnderUnitForm
    fk_name = "parent"
    fields = ("sort_order", "title", "sourced_id", "learning_standards", "status")
    ordering = ("sort_order", "id")
    show_change_link = True
    extra = 0


class ComponentResourceInline(admin.TabularInline):
    model = ComponentResource
    fields = ("resource", "title", "sort_order", "sourced_id", "status")
    autocomplete_fields = ("resource",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("resource", "course_component")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "title",
        "course_code",
        "org",
        "partner_app",
        "status",
        "date_last_modified",
    )
    list_filter = ("status", ("partner_app", RelatedOnly), ("org", RelatedOnly))
    search_fields = ("title", "sourced_id", "course_code")
    list_select_related = ("org", "partner_app")
    autocomplete_fields = ("org", "school_year", "partner_app")
    readonly_fields = ONEROSTER_READONLY
    inlines = (UnitInline,)


class ComponentAdminBase(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "title",
        "kind",
        "course",
        "parent",
        "sort_order",
        "status",
        "date_last_modified",
    )
    list_filter = ("kind", "status", ("course", RelatedOnly))
    search_fields = ("title", "sourced_id", "course__title", "course__sourced_id")
    list_select_related = ("course", "parent")
    autocomplete_fields = ("course", "parent")
    readonly_fields = ONEROSTER_READONLY
    ordering = ("course__title", "sort_order", "id")


@admin.register(CourseComponent)
class CourseComponentAdmin(ComponentAdminBase):
    """Every component, units and lessons together; also serves the `parent` autocomplete."""

    form = TreeForm

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # A lesson's (or unit's) parent is always a unit.
        if (
            request.GET.get("field_name") == "parent"
            and request.GET.get("app_label") == "rostering"
        ):
            queryset = queryset.filter(kind=ComponentKind.UNIT)
        return queryset, may_have_duplicates


@admin.register(Unit)
class UnitAdmin(ComponentAdminBase):
    form = UnitForm
    list_display = tuple(c for c in ComponentAdminBase.list_display if c != "kind")
    list_filter = ("status", ("course", RelatedOnly))
    fields = (
        "sourced_id",
        "title",
        "course",
        "parent",
        "sort_order",
        "prerequisites",
        "prerequisite_criteria",
        "unlock_date",
        "learning_standards",
        "status",
        "metadata",
        "date_last_modified",
    )
    inlines = (LessonInline,)


@admin.register(Lesson)
class LessonAdmin(ComponentAdminBase):
    form = LessonForm
    list_display = tuple(c for c in ComponentAdminBase.list_display if c != "kind")
    list_filter = ("status", ("course", RelatedOnly))
    fields = UnitAdmin.fields
    inlines = (ComponentResourceInline,)


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "title",
        "vendor_resource_id",
        "importance",
        "partner_app",
        "status",
        "date_last_modified",
    )
    list_filter = ("status", "importance", ("partner_app", RelatedOnly))
    search_fields = ("title", "sourced_id", "vendor_resource_id", "vendor_id")
    list_select_related = ("partner_app",)
    autocomplete_fields = ("partner_app",)
    readonly_fields = ONEROSTER_READONLY


@admin.register(ComponentResource)
class ComponentResourceAdmin(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "title",
        "course_component",
        "resource",
        "sort_order",
        "status",
        "date_last_modified",
    )
    list_filter = ("status",)
    search_fields = (
        "title",
        "sourced_id",
        "resource__title",
        "resource__sourced_id",
        "course_component__title",
        "course_component__sourced_id",
    )
    list_select_related = ("course_component", "resource")
    autocomplete_fields = ("course_component", "resource")
    readonly_fields = ONEROSTER_READONLY


# --- Classes and enrollments --------------------------------------------------------------


class EnrollmentForm(forms.ModelForm):
    """The school of an enrollment is its class's school unless said otherwise."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "school" in self.fields:
            self.fields["school"].required = False
            self.fields["school"].help_text = "Leave empty for the class's school."

    def clean(self):
        cleaned = super().clean()
        if "school" in self.fields and cleaned.get("school") is None:
            klass = cleaned.get("klass") or (
                self.instance.klass if self.instance.klass_id else None
            )
            if klass is not None:
                cleaned["school"] = klass.school
        return cleaned

    def save(self, commit=True):
        if self.instance.school_id is None and self.instance.klass_id is not None:
            self.instance.school_id = self.instance.klass.school_id
        return super().save(commit)


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    form = EnrollmentForm
    fk_name = "klass"
    fields = ("user", "role", "primary", "begin_date", "end_date", "sourced_id", "status")
    autocomplete_fields = ("user",)
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        # Each row prints "<username> as <role> in <class>".
        return super().get_queryset(request).select_related("user", "klass")


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "title",
        "class_code",
        "class_type",
        "course",
        "school",
        "status",
        "date_last_modified",
    )
    list_filter = ("class_type", "status", ("school", RelatedOnly))
    search_fields = ("title", "sourced_id", "class_code", "course__title", "course__sourced_id")
    list_select_related = ("course", "school")
    autocomplete_fields = ("course", "school", "terms")
    readonly_fields = ONEROSTER_READONLY
    inlines = (EnrollmentInline,)


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    form = EnrollmentForm
    list_display = (
        "sourced_id",
        "user",
        "role",
        "klass",
        "school",
        "primary",
        "status",
        "date_last_modified",
    )
    list_filter = ("role", "status", "primary", ("school", RelatedOnly))
    search_fields = (
        "sourced_id",
        "user__username",
        "user__sourced_id",
        "user__email",
        "user__last_name",
        "klass__title",
        "klass__sourced_id",
    )
    list_select_related = ("user", "klass", "school")
    autocomplete_fields = ("user", "klass", "school")
    readonly_fields = ONEROSTER_READONLY
