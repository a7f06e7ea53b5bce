from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "rostering"

    def ready(self):
        # Connects partners' receivers in every process, whatever deletes the row: deleting a
        # PartnerApp revokes its OAuth clients; a deleted token leaves the token cache.
        from . import partners  # noqa: F401
