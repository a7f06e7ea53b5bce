"""Sign in with Timeback: allauth's OpenID Connect provider, adapted
(docs/access.md#sign-in-with-timeback).

- The `sourcedid` scope adds the user's OneRoster sourcedId to the ID token and userinfo
  as the claim `sourcedId`, so a partner app knows which rostered student signed in.
- PKCE (RFC 7636, S256 only): public clients must use it; a confidential client (it proves
  itself with its secret at the token endpoint) may sign in without it unless its
  `require_pkce` setting is on (off by default: Timeback's partner SDK sends none). PKCE
  values sent are checked against RFC 7636 (43-128 characters of the unreserved set).
- Redirect URIs match a registered one exactly: allauth also accepts added query
  parameters, and a port change on loopback.
- Userinfo and the ID token carry `email` when the scope asks for it, from the user's
  account when allauth has no address for them (rostered users).
"""

import re

from allauth.core.internal import httpkit
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.models import Client
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from oauthlib.oauth2.rfc6749 import errors

from core import scopes

from .partners import REQUIRE_PKCE

SOURCEDID_CLAIM = "sourcedId"


class TimebackOIDCAdapter(DefaultOIDCAdapter):
    scope_display = {
        **DefaultOIDCAdapter.scope_display,
        scopes.SOURCEDID: _("Know your student ID at this school (sourcedId)"),
    }

    def get_claims(self, purpose, user, client, scopes_granted, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes_granted, email=email, **kwargs)
        if scopes.SOURCEDID in scopes_granted:
            claims[SOURCEDID_CLAIM] = user.sourced_id
        if "email" in scopes_granted and "email" not in claims and user.email:
            # Rostered users have an email on their account but no allauth EmailAddress.
            claims["email"] = user.email
            claims["email_verified"] = False
        return claims

    def populate_server_metadata(self, data):
        data["scopes_supported"] = sorted({*data.get("scopes_supported", []), scopes.SOURCEDID})
        data["claims_supported"] = sorted({*data.get("claims_supported", []), SOURCEDID_CLAIM})
        data["code_challenge_methods_supported"] = ["S256"]


# RFC 7636 section 4.1/4.2: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
PKCE_VALUE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def requires_pkce(client: Client | None) -> bool:
    """Public clients always; a confidential client when its setting says so."""
    if client is None or client.type == Client.Type.PUBLIC:
        return True
    return bool((client.data or {}).get(REQUIRE_PKCE, False))


def pkce_refusal(params, client: Client | None = None) -> str | None:
    """Why an authorization request must be refused for its PKCE, or None."""
    if "code" not in params.get("response_type", "").split():
        return None
    challenge = params.get("code_challenge")
    if not challenge:
        if requires_pkce(client):
            return "Sign in with Timeback requires PKCE: send code_challenge (S256)."
        return None
    if params.get("code_challenge_method") != "S256":
        return "Sign in with Timeback requires code_challenge_method=S256."
    if not PKCE_VALUE.match(challenge):
        return "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636)."
    return None


def redirect_uri_refusal(params, client: Client | None) -> str | None:
    """A redirect URI must be one the client registered, exactly."""
    uri = params.get("redirect_uri")
    if client is None or uri is None or uri in client.get_redirect_uris():
        return None
    return "redirect_uri must match a registered redirect URI exactly."


def authorization(request, *args, **kwargs):
    """allauth's authorization endpoint, refusing what allauth would let through: a
    missing PKCE where the client needs it, malformed PKCE values, a redirect URI that is
    not exactly a registered one.

    Checking the GET is enough: the consent POST carries the signed request of a GET that
    passed, and a POST without it is redirected back to a GET by allauth."""
    reason = None
    if request.method == "GET":
        client_id = request.GET.get("client_id")
        client = Client.objects.filter(id=client_id).first() if client_id else None
        reason = redirect_uri_refusal(request.GET, client) or pkce_refusal(request.GET, client)
    if reason:
        error = errors.InvalidRequestError(description=reason)
        return render(request, "idp/oidc/error.html", {"error": error}, status=400)
    return oidc_views.authorization(request, *args, **kwargs)


def granted_partner_scopes(client: Client) -> list[str]:
    """What a client-credentials token of `client` carries: every scope granted to the
    client, less the sign-in scopes (they only make sense with a signed-in user)."""
    return [s for s in client.get_scopes() if s not in scopes.SIGN_IN_SCOPES]


def _client_of_token_request(request) -> Client | None:
    client_id, _ = httpkit.extract_basic_auth(request.headers)
    client_id = client_id or request.POST.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        return None
    return Client.objects.filter(id=client_id).first()


@csrf_exempt
def token(request, *args, **kwargs):
    """allauth's token endpoint, where a client-credentials token carries every scope granted
    to its client whatever scope the request names (RFC 6749 section 3.3 lets the server
    decide; the answer's `scope` lists what was granted). The official client asks for the
    Caliper scope alone and uses that one token for every call; least privilege is set per
    app by the scopes its clients are granted (docs/access.md#partner-tokens-and-scopes).

    allauth still authenticates the client: a wrong secret answers 401 as before. A
    `code_verifier` must follow RFC 7636."""
    verifier = request.POST.get("code_verifier") if request.method == "POST" else None
    if verifier is not None and not PKCE_VALUE.match(verifier):
        return JsonResponse(
            {
                "error": "invalid_request",
                "error_description": "code_verifier must be 43 to 128 characters of "
                "A-Z a-z 0-9 - . _ ~ (RFC 7636).",
            },
            status=400,
        )
    if request.method == "POST" and request.POST.get("grant_type") == "client_credentials":
        client = _client_of_token_request(request)
        body = request.POST.copy()
        if client is not None:
            body["scope"] = " ".join(granted_partner_scopes(client))
        else:
            body.pop("scope", None)
        request.POST = body
    return oidc_views.token(request, *args, **kwargs)
