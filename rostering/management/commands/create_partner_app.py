"""`manage.py create_partner_app NAME [--sandbox] [--owner USERNAME]`

Prints exactly one JSON line on stdout, `{"app_id", "client_id", "client_secret"}`, so
scripts can parse it; the secret is stored hashed and cannot be shown again.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from rostering import partners
from rostering.models import PartnerApp, User


class Command(BaseCommand):
    help = "Create a partner app with OAuth2 client credentials; prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The app's name (unique).")
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="Allow the testing-only scaffolding endpoints inside the partner-sandbox org.",
        )
        parser.add_argument(
            "--owner", metavar="USERNAME", help="A developer user who owns the app."
        )

    def handle(self, *args, name, sandbox, owner, **options):
        name = name.strip()
        if not name:
            raise CommandError("The app name must not be empty.")
        owner_user = None
        if owner is not None:
            owner_user = User.objects.filter(username=owner).first()
            if owner_user is None:
                raise CommandError(f"No user with username {owner!r}: create the owner first.")
        if PartnerApp.objects.filter(name=name).exists():
            raise CommandError(f"A partner app named {name!r} already exists.")
        try:
            with transaction.atomic():
                app = partners.create_partner_app(name=name, sandbox=sandbox, owner=owner_user)
                client, secret = partners.issue_client_credentials(app=app)
        except IntegrityError as exc:  # a concurrent create with the same name
            raise CommandError(f"A partner app named {name!r} already exists.") from exc
        self.stdout.write(
            json.dumps({"app_id": app.pk, "client_id": client.id, "client_secret": secret})
        )
