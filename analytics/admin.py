"""Read-only admin view of the daily rollups: operators look, analytics recomputes them."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import DailyActivity


@admin.register(DailyActivity)
class DailyActivityAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "student",
        "course",
        "xp",
        "active_seconds",
        "wasted_seconds",
        "items_answered",
        "lessons_mastered",
    )
    list_filter = ("day",)
    search_fields = ("student__sourced_id", "student__username", "course__sourced_id")
    list_select_related = ("student", "course")
    date_hierarchy = "day"
