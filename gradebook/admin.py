from django.contrib import admin

from .models import (
    AssessmentLineItem,
    AssessmentResult,
    Category,
    ItemResult,
    LessonMastery,
    LineItem,
    MasteryCredit,
    Result,
    ScoreScale,
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
    raw_id_fields = ("course", "lesson", "klass", "parent", "score_scale")


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
    raw_id_fields = ("student", "line_item", "course", "lesson", "score_scale")


@admin.register(ItemResult, MasteryCredit, LessonMastery)
class LearningFactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "student", "course")
    list_select_related = ("student", "course")
    search_fields = ("student__sourced_id",)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "weight", "partner_app", "status")
    list_filter = ("status", "partner_app")
    search_fields = ("sourced_id", "title")


@admin.register(ScoreScale)
class ScoreScaleAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "type", "klass", "status")
    list_filter = ("status",)
    search_fields = ("sourced_id", "title", "klass__sourced_id")
    list_select_related = ("klass",)
    raw_id_fields = ("klass", "course")


@admin.register(LineItem)
class LineItemAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "title", "klass", "category", "due_date", "status")
    list_filter = ("status", "category")
    search_fields = ("sourced_id", "title", "klass__sourced_id")
    list_select_related = ("klass", "category")
    raw_id_fields = (
        "klass",
        "school",
        "category",
        "grading_period",
        "academic_session",
        "score_scale",
    )


@admin.register(Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ("sourced_id", "student", "line_item", "score", "score_status", "score_date")
    list_filter = ("score_status", "status")
    search_fields = ("sourced_id", "student__sourced_id", "line_item__sourced_id")
    list_select_related = ("student", "line_item")
    raw_id_fields = ("student", "line_item", "klass", "score_scale")
