"""Partner apps and their OAuth2 client credentials (allauth's OIDC provider stores them)."""

import secrets
from urllib.parse import urlsplit

from allauth.idp.oidc.models import Client, Token
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from core import scopes as scope_names

from .models import PartnerApp, PartnerClient, User


@transaction.atomic
def create_partner_app(
    *, name: str, sandbox: bool = False, owner: User | None = None
) -> PartnerApp:
    app = PartnerApp.objects.create(name=name, sandbox=sandbox)
    if owner is not None:
        app.owners.add(owner)
    return app


def add_owner(*, app: PartnerApp, user: User) -> None:
    """Let `user` manage the app in the developer portal (adding an owner twice is a no-op)."""
    app.owners.add(user)


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
    _apply_redirect_uris(client, clean_redirect_uris(redirect_uris or []))
    client.save()
    PartnerClient.objects.create(client=client, app=app)
    return client, secret


def clean_redirect_uris(uris: list[str]) -> list[str]:
    """Redirect URIs as a partner registers them: absolute https URLs without a fragment
    (http only for localhost, for development). Raises ValidationError naming the bad one."""
    cleaned = []
    for uri in (u.strip() for u in uris):
        if not uri:
            continue
        parts = urlsplit(uri)
        local = parts.hostname in ("localhost", "127.0.0.1", "[::1]", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValidationError(f"'{uri}' must be an https:// URL (http only for localhost).")
        if not parts.hostname or parts.fragment or "*" in uri:
            raise ValidationError(f"'{uri}' must name a host, without a fragment or wildcard.")
        if uri not in cleaned:
            cleaned.append(uri)
    return cleaned


def _apply_redirect_uris(client: Client, uris: list[str]) -> None:
    """Registering redirect URIs turns on "Sign in with Timeback" for the client: the
    authorization code grant and the sign-in scopes. Removing them all turns it off."""
    client.set_redirect_uris(uris)
    grant_types = [Client.GrantType.CLIENT_CREDENTIALS]
    allowed = [s for s in client.get_scopes() if s not in scope_names.SIGN_IN_SCOPES]
    if uris:
        grant_types.append(Client.GrantType.AUTHORIZATION_CODE)
        allowed += scope_names.SIGN_IN_SCOPES
    client.set_grant_types(grant_types)
    client.set_scopes(allowed)


@transaction.atomic
def set_redirect_uris(*, client: Client, uris: list[str]) -> Client:
    _apply_redirect_uris(client, clean_redirect_uris(uris))
    client.save()
    return client


@transaction.atomic
def rotate_client_secret(*, client: Client) -> str:
    """A new secret for the client, answered in clear text once. The old secret stops
    working at once, and so do the tokens obtained with it (a rotation usually follows a
    leak; partners fetch a new token with the new secret)."""
    secret = secrets.token_urlsafe(32)
    client.set_secret(secret)
    client.save(update_fields=["secret"])
    Token.objects.filter(client=client).delete()
    return secret


@transaction.atomic
def revoke_client(*, client: Client) -> None:
    """Delete the client: its tokens and its link to the app go with it."""
    client.delete()


@transaction.atomic
def revoke_app_clients(*, app: PartnerApp) -> int:
    """Revoke every OAuth client of the app (their tokens stop working at once); answer how
    many clients were revoked."""
    client_ids = list(PartnerClient.objects.filter(app=app).values_list("client_id", flat=True))
    Client.objects.filter(id__in=client_ids).delete()
    return len(client_ids)


@transaction.atomic
def delete_partner_app(*, app: PartnerApp) -> None:
    """Delete a partner app and revoke its credentials. Courses and resources it published
    keep it from being deleted (PROTECT): a school's catalogue outlives no app silently."""
    revoke_app_clients(app=app)
    app.delete()


@receiver(pre_delete, sender=PartnerApp, dispatch_uid="rostering.partners.revoke_clients")
def revoke_clients_on_delete(sender, instance: PartnerApp, **kwargs) -> None:
    """However an app is deleted (the admin, a command, a shell, a queryset delete), its
    OAuth clients go with it: they are not deleted by cascade (the link points from
    PartnerClient to Client) and would otherwise still get tokens."""
    revoke_app_clients(app=instance)


def app_for_client(client: Client | None) -> PartnerApp | None:
    if client is None:
        return None
    link = PartnerClient.objects.select_related("app").filter(client=client).first()
    return link.app if link else None
