"""/developers/: a developer manages their own app's OAuth2 client credentials."""

import re

import pytest
from allauth.idp.oidc.models import Client as OAuthClient
from allauth.idp.oidc.models import Token
from django.test import Client

from core import scopes
from rostering import partners
from tests.conftest import obtain_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def developer(world):
    browser = Client()
    browser.force_login(world.apps["partner_a"].owners.get())
    return browser


@pytest.fixture
def app(world):
    return world.apps["partner_a"]


def credentials_url(app, *rest):
    return "/".join([f"/developers/apps/{app.pk}/credentials", *rest, ""])


def shown_secret(response):
    match = re.search(
        r'aria-label="client secret"|value="([^"]+)" aria-label', response.content.decode()
    )
    return match.group(1)


def test_the_portal_lists_only_the_developers_own_apps(world, developer):
    page = developer.get("/developers/").content.decode()
    assert "Math App" in page
    assert "Science App" not in page
    assert f"/developers/apps/{world.apps['partner_a'].pk}/" in page


def test_creating_credentials_shows_a_working_secret_once(app, developer):
    response = developer.post(credentials_url(app), follow=True)

    client_id = re.search(r"client_id: <code>([^<]+)</code>", response.content.decode()).group(1)
    secret = shown_secret(response)
    assert obtain_token(client_id, secret)
    assert secret not in developer.get(credentials_url(app)).content.decode()
    assert OAuthClient.objects.get(pk=client_id).secret != secret  # stored hashed


def test_rotating_a_secret_stops_the_old_secret_and_its_tokens(world, app, developer):
    client = world.oidc_clients["partner_a"]
    assert Token.objects.filter(client=client).exists()

    response = developer.post(credentials_url(app, client.pk, "rotate"), follow=True)

    new_secret = shown_secret(response)
    assert obtain_token(client.pk, new_secret)
    assert world.clients["partner_a"].get("/rostering/1.0/courses").status_code == 401


def test_revoking_a_client_deletes_it_and_its_tokens(world, app, developer):
    client = world.oidc_clients["partner_a"]

    developer.post(credentials_url(app, client.pk, "revoke"))

    assert not OAuthClient.objects.filter(pk=client.pk).exists()
    assert world.clients["partner_a"].get("/rostering/1.0/courses").status_code == 401


def test_rotate_and_revoke_ask_for_confirmation_before_acting(world, app, developer):
    client = world.oidc_clients["partner_a"]

    for action, button in [("rotate", "Rotate the secret"), ("revoke", "Revoke the client")]:
        page = developer.get(credentials_url(app, client.pk, action))
        assert page.status_code == 200
        html = page.content.decode()
        assert f'action="{credentials_url(app, client.pk, action)}"' in html
        assert button in html
        assert 'method="post"' in html

    assert OAuthClient.objects.filter(pk=client.pk).exists()
    assert world.clients["partner_a"].get("/rostering/1.0/courses").status_code == 200
    listing = developer.get(credentials_url(app)).content.decode()
    assert f'href="{credentials_url(app, client.pk, "rotate")}"' in listing
    assert f'href="{credentials_url(app, client.pk, "revoke")}"' in listing


def test_rotating_redirects_and_a_reload_neither_rotates_again_nor_shows_the_secret(
    world, app, developer
):
    client = world.oidc_clients["partner_a"]

    response = developer.post(credentials_url(app, client.pk, "rotate"))
    assert response.status_code == 302
    assert response["Location"] == credentials_url(app)
    shown = developer.get(response["Location"])
    secret = shown_secret(shown)
    assert "no-store" in shown["Cache-Control"]
    hashed = OAuthClient.objects.get(pk=client.pk).secret

    reloaded = developer.get(response["Location"]).content.decode()

    assert secret not in reloaded
    assert 'aria-label="client secret"' not in reloaded
    assert OAuthClient.objects.get(pk=client.pk).secret == hashed
    assert obtain_token(client.pk, secret)


def test_creating_credentials_redirects_and_a_reload_creates_nothing(app, developer):
    before = OAuthClient.objects.filter(partner__app=app).count()

    response = developer.post(credentials_url(app))
    assert response.status_code == 302
    developer.get(response["Location"])
    developer.get(response["Location"])

    assert OAuthClient.objects.filter(partner__app=app).count() == before + 1


def test_a_new_secret_waits_for_its_own_apps_page(world, app, developer):
    other = world.apps["partner_b"]
    other.owners.add(app.owners.get())
    client = world.oidc_clients["partner_a"]
    developer.post(credentials_url(app, client.pk, "rotate"))

    other_page = developer.get(credentials_url(other)).content.decode()
    assert 'aria-label="client secret"' not in other_page
    assert obtain_token(client.pk, shown_secret(developer.get(credentials_url(app))))


def test_registering_redirect_uris_turns_on_sign_in_with_timeback(world, app, developer):
    client = world.oidc_clients["partner_b"]
    world.apps["partner_b"].owners.add(world.apps["partner_a"].owners.get())
    url = f"/developers/apps/{world.apps['partner_b'].pk}/credentials/{client.pk}/redirect-uris/"

    developer.post(url, {"redirect_uris": "https://b.example/cb\nhttp://localhost:3000/cb"})

    client.refresh_from_db()
    assert client.get_redirect_uris() == ["https://b.example/cb", "http://localhost:3000/cb"]
    assert "authorization_code" in client.get_grant_types()
    assert scopes.SOURCEDID in client.get_scopes()


def test_removing_every_redirect_uri_turns_sign_in_off(world, app, developer):
    client = world.oidc_clients["partner_a"]

    developer.post(credentials_url(app, client.pk, "redirect-uris"), {"redirect_uris": ""})

    client.refresh_from_db()
    assert client.get_redirect_uris() == []
    assert client.get_grant_types() == ["client_credentials"]
    assert scopes.SOURCEDID not in client.get_scopes()


@pytest.mark.parametrize(
    "uri",
    ["http://app.example/cb", "https://app.example/cb#frag", "https://*.example/cb", "not a url"],
)
def test_a_bad_redirect_uri_is_refused_and_named(world, app, developer, uri):
    client = world.oidc_clients["partner_a"]
    before = client.get_redirect_uris()

    response = developer.post(
        credentials_url(app, client.pk, "redirect-uris"), {"redirect_uris": uri}
    )

    assert response.status_code == 400
    assert uri.split("#")[0] in response.content.decode()
    client.refresh_from_db()
    assert client.get_redirect_uris() == before


def test_the_page_shows_the_scopes_granted(world, app, developer):
    page = developer.get(credentials_url(app)).content.decode()
    assert scopes.oneroster("roster.readonly") in page


def test_forms_are_refused_without_a_csrf_token(world, app):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(app.owners.get())

    response = browser.post(credentials_url(app))

    assert response.status_code == 403
    assert partners.PartnerClient.objects.filter(app=app).count() == 1


def test_the_credentials_page_answers_quickly_whatever_the_number_of_clients(
    app, developer, django_assert_max_num_queries
):
    for _ in range(5):
        partners.issue_client_credentials(app=app)
    with django_assert_max_num_queries(8):
        developer.get(credentials_url(app))


def test_an_admin_rotates_a_secret_from_the_client_admin(world, admin_client):
    client = world.oidc_clients["partner_a"]

    response = admin_client.post(
        "/admin/allauth_idp_oidc/client/",
        {"action": "rotate_secret", "_selected_action": [client.pk]},
        follow=True,
    )

    secret = re.search(rf"New secret for {client.pk}: (\S+) ", response.content.decode())[1]
    assert obtain_token(client.pk, secret)
    assert world.clients["partner_a"].get("/rostering/1.0/courses").status_code == 401


def test_the_client_admin_lists_the_partner_app(world, admin_client):
    page = admin_client.get("/admin/allauth_idp_oidc/client/").content.decode()
    assert "Math App" in page and "Science App" in page
