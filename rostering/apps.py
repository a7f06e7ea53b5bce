from django.apps import AppConfig


class RosteringConfig(AppConfig):
    name = "rostering"

    def ready(self):
        from django.db.models.signals import pre_delete

        from . import partners
        from .models import PartnerApp

        # However an app is deleted (the admin, a command, a shell, a queryset delete), its
        # OAuth clients go with it: they are not deleted by cascade (the link points from
        # PartnerClient to Client) and would otherwise still get tokens.
        pre_delete.connect(
            partners.revoke_clients_on_delete,
            sender=PartnerApp,
            dispatch_uid="rostering.partners.revoke_clients_on_delete",
        )
