"""Partner authentication: OAuth2 bearer tokens from allauth's OIDC provider, and scopes.

A client-credentials token has no user; the partner is `request.auth.client`, and its app
is `partner_app(request)`.
"""

from allauth.idp.oidc.contrib.rest_framework.authentication import TokenAuthentication
from allauth.idp.oidc.models import Token
from rest_framework.permissions import BasePermission

from rostering.partners import app_for_client
from rostering.scopes import is_granted


class PartnerTokenAuthentication(TokenAuthentication):
    """allauth's token check, answering 401 (not 403) with a Bearer challenge."""

    def authenticate_header(self, request):
        return 'Bearer realm="timeback"'


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
