"""Read-only admin view of remediation plans and their history: plans change through
mastery tests and the guide's form (remediation.services), never by hand here."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import PlanChange, RemediationPlan


class PlanChangeInline(admin.TabularInline):
    model = PlanChange
    fields = ("at", "kind", "by", "reason", "detail")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RemediationPlan)
class RemediationPlanAdmin(ReadOnlyAdmin):
    list_display = ("student", "subject", "status", "renewals", "tested_at", "updated_at")
    list_filter = ("status", "subject")
    search_fields = ("student__sourced_id", "student__username", "subject")
    list_select_related = ("student",)
    inlines = [PlanChangeInline]
