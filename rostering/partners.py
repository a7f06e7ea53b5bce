"""Partner apps and their OAuth2 client credentials (allauth's OIDC provider stores them)."""

import secrets

from allauth.idp.oidc.models import Client
from django.db import transaction

from . import scopes as scope_names
from .models import PartnerApp, PartnerClient, User


@transaction.atomic
def create_partner_app(
    *, name: str, sandbox: bool = False, owner: User | None = None
) -> PartnerApp:
    app = PartnerApp.objects.create(name=name, sandbox=sandbox)
    if owner is not None:
        app.owners.add(owner)
    return app


@transaction.atomic
def issue_client_credentials(
    *,
    app: PartnerApp,
    scopes: list[str] | None = None,
    redirect_uris: list[str] | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> tuple[Client, str]:
    """Create an OAuth2 client for the app; answer the client and its secret in clear text.

    The secret is stored hashed: this is the only moment it can be shown. A client that asks
    for no scope gets every scope granted here (default scopes = granted scopes).
    """
    granted = scopes if scopes is not None else scope_names.learning_app_scopes()
    secret = client_secret or secrets.token_urlsafe(32)
    client = Client(name=f"{app.name}"[:100], type=Client.Type.CONFIDENTIAL)
    if client_id:
        client.id = client_id
    client.set_secret(secret)
    client.set_scopes(granted)
    client.set_default_scopes(granted)
    grant_types = [Client.GrantType.CLIENT_CREDENTIALS]
    if redirect_uris:
        grant_types.append(Client.GrantType.AUTHORIZATION_CODE)
        client.set_redirect_uris(redirect_uris)
    client.set_grant_types(grant_types)
    client.save()
    PartnerClient.objects.create(client=client, app=app)
    return client, secret


def app_for_client(client: Client | None) -> PartnerApp | None:
    if client is None:
        return None
    link = PartnerClient.objects.select_related("app").filter(client=client).first()
    return link.app if link else None
