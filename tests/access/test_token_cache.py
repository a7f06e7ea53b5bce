"""A partner's checked bearer token is remembered briefly (core/api/auth.py): later
requests skip the token queries, and deleting the token forgets it at once."""

from datetime import timedelta
from unittest import mock

from allauth.idp.oidc.models import Token
from django.core.cache import cache
from django.utils import timezone

from core.api import auth
from rostering import partners

COURSES = "/rostering/1.0/courses"


def token_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "allauth_idp_oidc_token" in q["sql"]]


def test_a_second_request_with_the_same_token_does_not_read_the_token(
    partner_api, django_assert_max_num_queries
):
    assert partner_api.get(COURSES).status_code == 200

    with django_assert_max_num_queries(100) as captured:
        assert partner_api.get(COURSES).status_code == 200

    assert token_queries(captured) == []


def test_revoking_the_client_refuses_its_remembered_token_at_once(partner_api):
    assert partner_api.get(COURSES).status_code == 200

    partners.revoke_client(client=Token.objects.get().client)

    assert partner_api.get(COURSES).status_code == 401


def test_a_deleted_token_is_refused_at_once(partner_api):
    assert partner_api.get(COURSES).status_code == 200

    Token.objects.all().delete()

    assert partner_api.get(COURSES).status_code == 401


def test_a_token_is_remembered_no_longer_than_it_lives(partner_api):
    Token.objects.update(expires_at=timezone.now() + timedelta(seconds=10))

    with mock.patch.object(cache, "set", wraps=cache.set) as remember:
        assert partner_api.get(COURSES).status_code == 200

    timeout = remember.call_args.args[2]
    assert 0 < timeout <= 10 < auth.TOKEN_CACHE_SECONDS


def test_a_token_about_to_expire_is_not_remembered(partner_api):
    Token.objects.update(expires_at=timezone.now() + timedelta(milliseconds=500))

    with mock.patch.object(cache, "set") as remember:
        assert partner_api.get(COURSES).status_code == 200

    remember.assert_not_called()


def test_a_remembered_token_answers_the_same_app_and_scopes(make_partner):
    from core import scopes

    reader = make_partner("Reader", scopes=[scopes.ANALYTICS_READONLY])
    assert reader.get(COURSES).status_code == 403
    assert reader.get(COURSES).status_code == 403  # from the cache: still lacks the scope


def test_a_cache_outage_falls_back_to_checking_the_token(partner_api):
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError),
        mock.patch.object(cache, "set", side_effect=ConnectionError),
    ):
        assert partner_api.get(COURSES).status_code == 200
