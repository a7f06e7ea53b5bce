from django.contrib import admin

from .models import (
    AssessmentLineItem,
    AssessmentResult,
    ItemResult,
    LessonMastery,
    MasteryCredit,
    XpEntry,
    XpFlag,
)


@admin.register(XpEntry)
class XpEntryAdmin(admin.ModelAdmin):
    list_display = ("occurred_on", "student", "course", "amount", "kind", "source_key", "seq")
    list_filter = ("kind", "occurred_on")
    search_fields = ("source_key", "student__sourced_id", "student__username")
    list_select_related = ("student", "course")

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is never edited: corrections are new entries


@admin.register(XpFlag)
class XpFlagAdmin(admin.ModelAdmin):
    list_display = ("occurred_on", "student", "course", "reported_xp", "active_seconds", "flagged")
    list_filter = ("flagged", "partner_app")
    list_select_related = ("student", "course")


@admin.register(AssessmentLineItem)
class AssessmentLineItemAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "course", "lesson", "status")
    search_fields = ("sourced_id", "title")
    list_select_related = ("course", "lesson")
    raw_id_fields = ("course", "lesson")


@admin.register(AssessmentResult)
class AssessmentResultAdmin(admin.ModelAdmin):
    list_display = (
        "sourced_id",
        "student",
        "line_item",
        "score",
        "score_status",
        "score_date",
        "status",
    )
    list_filter = ("score_status", "status")
    search_fields = ("sourced_id", "student__sourced_id")
    list_select_related = ("student", "line_item")
    raw_id_fields = ("student", "line_item", "course", "lesson")


@admin.register(ItemResult, MasteryCredit, LessonMastery)
class LearningFactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "student", "course")
    list_select_related = ("student", "course")
    search_fields = ("student__sourced_id",)

    def has_change_permission(self, request, obj=None):
        return False


from . import logger_admin  # noqa: E402, F401 - registers the logger logs
