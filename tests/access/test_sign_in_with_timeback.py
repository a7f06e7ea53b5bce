""" "Sign in with Timeback" end to end: a live server, a browser session that signs in
through the real login form, and Authlib as the partner app's OIDC client (code + PKCE)."""

import secrets

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from django.db import connections
from joserfc import jwt
from joserfc.jwk import KeySet

from rostering import partners
from rostering.models import User

PASSWORD = "correct horse battery staple"
CALLBACK = "https://app.example/callback"

# serialized_rollback: like tests/integration, so the data migrations' rows (content types,
# the sandbox org) come back after the flush and the next transactional test finds them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _live_server_closes_its_connections():
    """The live server's request threads must not keep connections open past the test
    (they would block dropping the test database)."""
    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def student(transactional_db):
    return User.objects.create_user(username="ada", sourced_id="stu-ada", password=PASSWORD)


@pytest.fixture
def oidc_app(transactional_db):
    app = partners.create_partner_app(name="Reading App")
    client, secret = partners.issue_client_credentials(app=app, redirect_uris=[CALLBACK])
    client.skip_consent = True  # an admin's decision for a trusted app
    client.save()
    return client, secret


@pytest.fixture
def provider(live_server):
    discovery = requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200
    return discovery.json()


@pytest.fixture
def browser(live_server, student):
    """A browser session signed in with a real POST to the login form (CSRF included)."""
    session = requests.Session()
    login_url = f"{live_server.url}/accounts/login/"
    session.get(login_url, timeout=10)
    answer = session.post(
        login_url,
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "login": "ada",
            "password": PASSWORD,
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return session


def partner_session(client, secret, code_challenge_method="S256"):
    return OAuth2Session(
        client.id,
        secret,
        scope="openid profile sourcedid",
        redirect_uri=CALLBACK,
        code_challenge_method=code_challenge_method,
    )


def verified_claims(id_token, provider):
    """The ID token's claims, after checking its signature against the published JWKS and
    its expiry."""
    keys = KeySet.import_key_set(requests.get(provider["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(exp={"essential": True}).validate(token.claims)
    return token.claims


def authorize(browser, oauth, provider, verifier):
    """The browser follows the authorization URL; answers the redirect back to the app."""
    url, _state = oauth.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=verifier
    )
    answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(CALLBACK)
    return answer.headers["Location"]


def test_the_code_flow_with_pkce_signs_a_student_in_with_their_sourced_id(
    oidc_app, provider, browser
):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)

    token = oauth.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    claims = verified_claims(token["id_token"], provider)
    assert claims["iss"] == provider["issuer"]
    assert claims["aud"] == client.id
    assert claims["sourcedId"] == "stu-ada"
    userinfo = oauth.get(provider["userinfo_endpoint"], timeout=10).json()
    assert userinfo["sourcedId"] == "stu-ada"


def test_discovery_advertises_pkce_s256_and_the_sourcedid_scope(provider):
    assert provider["code_challenge_methods_supported"] == ["S256"]
    assert "sourcedid" in provider["scopes_supported"]
    assert "sourcedId" in provider["claims_supported"]


def test_without_the_sourcedid_scope_the_id_token_has_no_sourced_id(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = OAuth2Session(
        client.id, secret, scope="openid", redirect_uri=CALLBACK, code_challenge_method="S256"
    )
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)

    token = oauth.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    assert "sourcedId" not in verified_claims(token["id_token"], provider)


def test_a_token_request_without_the_code_verifier_is_refused(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    callback = authorize(browser, oauth, provider, secrets.token_urlsafe(48))

    with pytest.raises(OAuthError) as refused:
        oauth.fetch_token(provider["token_endpoint"], authorization_response=callback)

    assert refused.value.error == "invalid_request"


def test_a_wrong_code_verifier_is_refused(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    callback = authorize(browser, oauth, provider, secrets.token_urlsafe(48))

    with pytest.raises(OAuthError) as refused:
        oauth.fetch_token(
            provider["token_endpoint"],
            authorization_response=callback,
            code_verifier=secrets.token_urlsafe(48),
        )

    assert refused.value.error == "invalid_grant"


def test_a_confidential_client_requiring_pkce_is_refused_without_a_code_challenge(
    oidc_app, provider, browser
):
    client, secret = oidc_app
    partners.set_pkce_required(client=client, required=True)
    oauth = partner_session(client, secret, code_challenge_method=None)
    url, _ = oauth.create_authorization_url(provider["authorization_endpoint"])

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "PKCE" in answer.text


def test_a_confidential_client_signs_in_without_pkce_by_default(oidc_app, provider, browser):
    # Timeback's partner SDK: a confidential client sending its secret and no PKCE.
    client, secret = oidc_app
    oauth = OAuth2Session(client.id, secret, scope="openid email sourcedid", redirect_uri=CALLBACK)
    url, _ = oauth.create_authorization_url(provider["authorization_endpoint"])
    answer = browser.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text

    token = oauth.fetch_token(
        provider["token_endpoint"], authorization_response=answer.headers["Location"]
    )

    assert verified_claims(token["id_token"], provider)["sourcedId"] == "stu-ada"


def test_a_public_client_is_refused_without_a_code_challenge(oidc_app, provider, browser):
    client, _ = oidc_app
    client.type = client.Type.PUBLIC
    client.save()
    oauth = OAuth2Session(client.id, scope="openid", redirect_uri=CALLBACK)
    url, _ = oauth.create_authorization_url(provider["authorization_endpoint"])

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "PKCE" in answer.text


@pytest.mark.parametrize(
    "challenge",
    ["short", "a" * 42, "a" * 129, "a" * 42 + "!", "a" * 42 + "/"],
)
def test_a_code_challenge_outside_rfc_7636_is_refused(oidc_app, provider, browser, challenge):
    client, secret = oidc_app
    oauth = partner_session(client, secret, code_challenge_method=None)
    url, _ = oauth.create_authorization_url(
        provider["authorization_endpoint"], code_challenge=challenge, code_challenge_method="S256"
    )

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "RFC 7636" in answer.text


def test_a_code_verifier_outside_rfc_7636_is_refused(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    verifier = "a" * 42 + "!"
    callback = authorize(browser, oauth, provider, verifier)

    with pytest.raises(OAuthError) as refused:
        oauth.fetch_token(
            provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )

    assert refused.value.error == "invalid_request"


def test_a_redirect_uri_with_an_added_query_string_is_refused(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = OAuth2Session(
        client.id,
        secret,
        scope="openid",
        redirect_uri=CALLBACK + "?next=https://evil.example/",
        code_challenge_method="S256",
    )
    url, _ = oauth.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 400
    assert "evil.example" not in answer.headers.get("Location", "")


def test_userinfo_carries_the_email_when_the_scope_asks_for_it(
    oidc_app, provider, browser, student
):
    student.email = "ada@school.example"
    student.save()
    client, secret = oidc_app
    oauth = OAuth2Session(
        client.id, secret, scope="openid email", redirect_uri=CALLBACK, code_challenge_method="S256"
    )
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)
    oauth.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    userinfo = oauth.get(provider["userinfo_endpoint"], timeout=10).json()

    assert userinfo["email"] == "ada@school.example"


def test_userinfo_has_no_email_when_the_scope_does_not_ask_for_it(
    oidc_app, provider, browser, student
):
    student.email = "ada@school.example"
    student.save()
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)
    oauth.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    assert "email" not in oauth.get(provider["userinfo_endpoint"], timeout=10).json()


def test_an_unregistered_redirect_uri_is_refused_and_not_redirected_to(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = OAuth2Session(
        client.id,
        secret,
        scope="openid sourcedid",
        redirect_uri="https://evil.example/callback",
        code_challenge_method="S256",
    )
    url, _ = oauth.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code != 302
    assert "evil.example" not in answer.headers.get("Location", "")


def test_a_code_exchanged_with_another_redirect_uri_is_refused(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)
    oauth.redirect_uri = "https://app.example/other"

    with pytest.raises(OAuthError):
        oauth.fetch_token(
            provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )


def test_a_code_is_good_for_one_exchange_only(oidc_app, provider, browser):
    client, secret = oidc_app
    oauth = partner_session(client, secret)
    verifier = secrets.token_urlsafe(48)
    callback = authorize(browser, oauth, provider, verifier)
    oauth.fetch_token(
        provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    with pytest.raises(OAuthError) as refused:
        oauth.fetch_token(
            provider["token_endpoint"], authorization_response=callback, code_verifier=verifier
        )

    assert refused.value.error == "invalid_grant"


def test_a_client_not_flagged_to_skip_asks_the_student_for_consent(oidc_app, provider, browser):
    client, secret = oidc_app
    client.skip_consent = False
    client.save()
    oauth = partner_session(client, secret)
    url, _ = oauth.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=secrets.token_urlsafe(48)
    )

    answer = browser.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 200
    assert "student ID at this school" in answer.text
