"""Admin pages of the progress-tracking ("logger") logs: read-only, since they are what
students did (the API writes them)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog


@admin.register(ContentSummaryLog)
class ContentSummaryLogAdmin(ReadOnlyAdmin):
    list_display = ("end_timestamp", "student", "course", "content_id", "kind", "progress")
    list_filter = ("kind",)
    search_fields = ("content_id", "student__sourced_id", "student__username")
    list_select_related = ("student", "course")


@admin.register(ContentSessionLog)
class ContentSessionLogAdmin(ReadOnlyAdmin):
    list_display = ("start_timestamp", "student", "content_id", "kind", "progress", "time_spent")
    search_fields = ("content_id", "student__sourced_id", "student__username")
    list_select_related = ("student",)


@admin.register(MasteryLog)
class MasteryLogAdmin(ReadOnlyAdmin):
    list_display = ("end_timestamp", "student", "summary", "mastery_level", "complete")
    list_filter = ("complete",)
    search_fields = ("summary__content_id", "student__sourced_id")
    list_select_related = ("student", "summary")


@admin.register(AttemptLog)
class AttemptLogAdmin(ReadOnlyAdmin):
    list_display = ("end_timestamp", "student", "item", "correct", "complete", "hinted")
    list_filter = ("complete", "hinted", "error")
    search_fields = ("item", "student__sourced_id")
    list_select_related = ("student",)
