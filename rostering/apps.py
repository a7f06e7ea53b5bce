from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "rostering"

    def ready(self):
        # Connects partners' receivers (deleting a PartnerApp revokes its OAuth clients)
        # in every process, whatever deletes the app.
        from . import partners  # noqa: F401
