"""Sign in with Timeback: allauth's OpenID Connect provider, adapted
(docs/access.md#sign-in-with-timeback).

- The `sourcedid` scope adds the user's OneRoster sourcedId to the ID token and userinfo
  as the claim `sourcedId`, so a partner app knows which rostered student signed in.
- Every authorization code flow must use PKCE with S256: allauth (oauthlib) requires PKCE
  only of public clients, Timeback of confidential ones too.
"""

from allauth.core.internal import httpkit
from allauth.idp.oidc import views as oidc_views
from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from allauth.idp.oidc.models import Client
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from oauthlib.oauth2.rfc6749 import errors

from core import scopes

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
        return claims

    def populate_server_metadata(self, data):
        data["scopes_supported"] = sorted({*data.get("scopes_supported", []), scopes.SOURCEDID})
        data["claims_supported"] = sorted({*data.get("claims_supported", []), SOURCEDID_CLAIM})
        data["code_challenge_methods_supported"] = ["S256"]


def pkce_refusal(params) -> str | None:
    """Why an authorization request must be refused for lack of PKCE, or None."""
    if "code" not in params.get("response_type", "").split():
        return None
    if not params.get("code_challenge"):
        return "Sign in with Timeback requires PKCE: send code_challenge (S256)."
    if params.get("code_challenge_method") != "S256":
        return "Sign in with Timeback requires code_challenge_method=S256."
    return None


def authorization(request, *args, **kwargs):
    """allauth's authorization endpoint, refusing code flows without PKCE S256.

    Checking the GET is enough: the consent POST carries the signed request of a GET that
    passed, and a POST without it is redirected back to a GET by allauth."""
    reason = pkce_refusal(request.GET) if request.method == "GET" else None
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

    allauth still authenticates the client: a wrong secret answers 401 as before."""
    if request.method == "POST" and request.POST.get("grant_type") == "client_credentials":
        client = _client_of_token_request(request)
        body = request.POST.copy()
        if client is not None:
            body["scope"] = " ".join(granted_partner_scopes(client))
        else:
            body.pop("scope", None)
        request.POST = body
    return oidc_views.token(request, *args, **kwargs)
