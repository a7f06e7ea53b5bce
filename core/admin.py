"""Admin pieces shared by the apps."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records written only by the system (events, logs): browsable, never edited by
    hand, so what a student earned cannot be changed behind the ledger's back."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
