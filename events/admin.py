"""Read-only admin views of the event store, rejections and facts: operators look, the
pipeline writes."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import (
    AssignableFact,
    CaliperEvent,
    RejectedEvent,
    SessionFact,
    TimeSpentFact,
    ViewFact,
)


@admin.register(CaliperEvent)
class CaliperEventAdmin(ReadOnlyAdmin):
    list_display = (
        "event_id",
        "type",
        "action",
        "status",
        "student_ref",
        "course_ref",
        "event_time",
        "partner_app",
        "error",  # why a failed event failed (docs/operations.md#failed-events)
    )
    list_filter = ("status", "type", "partner_app")
    search_fields = ("event_id", "student_ref", "course_ref")
    list_select_related = ("partner_app",)
    date_hierarchy = "received_at"
    show_full_result_count = False


@admin.register(RejectedEvent)
class RejectedEventAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "partner_app", "type", "event_id", "index", "errors")
    list_filter = ("partner_app", "type")
    search_fields = ("event_id",)
    list_select_related = ("partner_app",)


@admin.register(TimeSpentFact, SessionFact, ViewFact, AssignableFact)
class FactAdmin(ReadOnlyAdmin):
    list_display = ("event", "student", "course", "lesson", "at")
    list_select_related = ("event", "student", "course", "lesson")
    search_fields = ("student__sourced_id",)
