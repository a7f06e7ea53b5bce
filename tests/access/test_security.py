"""Security basics (docs/access.md#production-settings): production settings, secrets from the
environment, CSRF and no personal data in logs."""

import json
import logging
import os
import subprocess
import sys

import pytest
from allauth.idp.oidc.models import Client

from rostering.oidc import pkce_refusal
from timeback.logfilters import RedactPersonalData, redact

PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "s" * 50, "OIDC_PRIVATE_KEY": "unused-here"}
SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({k: str(getattr(s, k, None)) "
    "for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
    "'SESSION_COOKIE_HTTPONLY', 'CACHES']}))"
)


def settings_with(env: dict) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + SHOW],
        env={**clean, "DJANGO_SETTINGS_MODULE": "timeback.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_debug_the_demo_secret_key_is_refused():
    result = settings_with({"DEBUG": "false", "OIDC_PRIVATE_KEY": "x"})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_without_debug_the_oidc_signing_key_must_come_from_the_environment():
    result = settings_with({"DEBUG": "false", "SECRET_KEY": "s" * 50})
    assert result.returncode != 0
    assert "OIDC_PRIVATE_KEY" in result.stderr


def test_without_debug_cookies_are_secure_and_hsts_is_on():
    shown = json.loads(settings_with(PRODUCTION).stdout)
    assert shown["SESSION_COOKIE_SECURE"] == "True"
    assert shown["CSRF_COOKIE_SECURE"] == "True"
    assert int(shown["SECURE_HSTS_SECONDS"]) >= 31536000
    assert shown["SESSION_COOKIE_HTTPONLY"] == "True"


def test_with_redis_configured_the_cache_is_shared_in_redis():
    shown = json.loads(settings_with({**PRODUCTION, "REDIS_URL": "redis://cache:6379/1"}).stdout)
    assert "RedisCache" in shown["CACHES"] and "redis://cache:6379/1" in shown["CACHES"]


@pytest.mark.parametrize(
    ("message", "leak"),
    [
        ("Not Found: /users?filter=email='ada@home.example'", "ada@home.example"),
        ("POST /identity/o/api/token code=abc123&code_verifier=xyz", "abc123"),
        ("client_secret=s3cr3t failed", "s3cr3t"),
    ],
)
def test_log_messages_lose_emails_and_secrets(message, leak):
    assert leak not in redact(message)


def test_the_log_filter_masks_formatted_arguments(caplog):
    logger = logging.getLogger("timeback.test")
    logger.addFilter(RedactPersonalData())
    with caplog.at_level(logging.INFO, logger="timeback.test"):
        logger.info("reset asked for %s", "ada@home.example")
    assert "ada@home.example" not in caplog.text
    assert "[email]" in caplog.text


GOOD = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636 appendix B's challenge


@pytest.mark.parametrize(
    ("params", "refused"),
    [
        ({"response_type": "code", "code_challenge": GOOD, "code_challenge_method": "S256"}, False),
        ({"response_type": "code"}, True),
        ({"response_type": "code", "code_challenge": GOOD}, True),  # plain by default
        ({"response_type": "code", "code_challenge": GOOD, "code_challenge_method": "plain"}, True),
        ({"response_type": "code", "code_challenge": "c", "code_challenge_method": "S256"}, True),
        ({"response_type": "code id_token", "code_challenge_method": "S256"}, True),
        ({}, False),  # not a code flow: allauth answers it
    ],
)
def test_code_flows_without_a_client_setting_need_a_s256_code_challenge(params, refused):
    assert (pkce_refusal(params) is not None) is refused


def test_a_confidential_client_needs_pkce_only_when_its_setting_says_so():
    confidential = Client(type=Client.Type.CONFIDENTIAL)
    strict = Client(type=Client.Type.CONFIDENTIAL, data={"require_pkce": True})
    public = Client(type=Client.Type.PUBLIC, data={"require_pkce": False})
    no_pkce = {"response_type": "code"}

    assert pkce_refusal(no_pkce, confidential) is None
    assert pkce_refusal(no_pkce, strict) is not None
    assert pkce_refusal(no_pkce, public) is not None
