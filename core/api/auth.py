"""Partner authentication: OAuth2 bearer tokens from allauth's OIDC provider, and scopes.

A client-credentials token has no user; the partner is `request.auth.client`, and its app
is `partner_app(request)`, found by the function the `PARTNER_APP_FOR_CLIENT` setting names
(rostering's): the bottom layer knows that a client belongs to an app, not how apps are
stored.

A checked client-credentials token and its app are remembered in the cache (Redis when
configured, shared by the web processes) for TOKEN_CACHE_SECONDS at most, keyed by the
token's hash (never the token), so a partner's requests skip three queries and oauthlib's
checks. Deleting a token (revoking its client, the revoke endpoint, the admin) forgets it
at once; a token never outlives its expiry in the cache.
"""

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.contrib.rest_framework.authentication import TokenAuthentication
from allauth.idp.oidc.models import Token
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.permissions import BasePermission

from core import token_cache
from core.scopes import is_granted


def app_for_client(client):
    """The partner app owning an OAuth client (None for none), by the project's hook."""
    return import_string(settings.PARTNER_APP_FOR_CLIENT)(client)


class PartnerTokenAuthentication(TokenAuthentication):
    """allauth's token check, answering 401 (not 403) with a Bearer challenge."""

    def authenticate_header(self, request):
        return 'Bearer realm="timeback"'

    def authenticate(self, request):
        token_hash = _bearer_hash(request)
        remembered = token_cache.remembered(token_hash) if token_hash else None
        if remembered is not None:
            token, request._partner_app = remembered
            return None, token
        result = super().authenticate(request)
        if result is not None and token_hash and _rememberable(result[1]):
            token = result[1]
            request._partner_app = app_for_client(token.client)
            seconds = min(TOKEN_CACHE_SECONDS, (token.expires_at - timezone.now()).total_seconds())
            if seconds >= 1:
                token_cache.remember(token_hash, (token, request._partner_app), int(seconds))
        return result


TOKEN_CACHE_SECONDS = 30


def remembered_token(request):
    """(token, partner app) of the request's bearer token when the cache remembers it (a
    checked client-credentials token, as `PartnerTokenAuthentication` answers it), else
    None: a caller without DRF (the Caliper POST's lean path) then hands the request to DRF,
    which checks the token in full and answers every refusal."""
    token_hash = _bearer_hash(request)
    return token_cache.remembered(token_hash) if token_hash else None


def _bearer_hash(request) -> str | None:
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return get_adapter().hash_token(value.strip())


def _rememberable(token) -> bool:
    """Only what needs no per-request check: a client-credentials access token (no user whose
    account could be deactivated), not limited to resources, with an expiry."""
    return (
        isinstance(token, Token)
        and token.type == Token.Type.ACCESS_TOKEN
        and token.user_id is None
        and not token.get_resources()
        and token.expires_at is not None
    )


def partner_app(request):
    """The PartnerApp behind the request's token (cached on the request)."""
    if not hasattr(request, "_partner_app"):
        token = request.auth
        request._partner_app = app_for_client(token.client) if isinstance(token, Token) else None
    return request._partner_app


class IsTokenAuthenticated(BasePermission):
    message = "Send a valid bearer token: POST /auth/1.0/token with your client credentials."

    def has_permission(self, request, view):
        return isinstance(request.auth, Token) and request.auth.type == Token.Type.ACCESS_TOKEN


class HasScope(BasePermission):
    """Grants when the token holds any one of the scopes the view asks for this method.

    Views declare `required_scopes = {"GET": [...], "POST": [...], ...}`; a method missing
    from the map is refused.
    """

    def has_permission(self, request, view):
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed
        needed = getattr(view, "required_scopes", {}).get(request.method)
        if request.method in ("HEAD", "OPTIONS") and needed is None:
            needed = view.required_scopes.get("GET")
        if not needed:
            self.message = f"No scope allows {request.method} here."
            return False
        granted = frozenset(request.auth.get_scopes())
        if any(is_granted(scope, granted) for scope in needed):
            return True
        self.message = "The token lacks the scope for this request; it needs one of: " + ", ".join(
            needed
        )
        return False
