"""Admin pieces shared by the apps."""

from django.contrib import admin


class NoManualEdits:
    """Refuses add, change and delete in the admin, for a ModelAdmin or an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoManualEdits, admin.ModelAdmin):
    """For records the system writes (events, facts, rollups, logs, the XP ledger, mastery):
    browsable, never added, edited or deleted by hand, so what a student earned cannot drift
    from what the events say behind the ledger's back. Corrections go through a service that
    writes a correcting record (e.g. gradebook.services.correct_xp)."""
