"""The partner-token cache (core.api.auth reads and fills it): a checked client-credentials
token and its app, keyed by the token's hash (never the token). Kept apart from the API
module so that whatever deletes a token (a worker, a command, the admin) can forget it
without importing DRF: rostering.partners connects `forget_token` to Token deletion."""

from django.core.cache import cache


def _key(token_hash: str) -> str:
    return f"partner-token:{token_hash}"


def remembered(token_hash: str):
    try:
        return cache.get(_key(token_hash))
    except Exception:  # noqa: BLE001 - the cache is an optimisation: check the token instead
        return None


def remember(token_hash: str, entry, seconds: int) -> None:
    try:
        cache.set(_key(token_hash), entry, seconds)
    except Exception:  # noqa: BLE001 - the next request checks the token again
        pass


def forget_token(sender, instance, **kwargs):
    """post_delete receiver of allauth's Token. Not guarded: when the cache cannot forget,
    the deletion (a revocation) fails rather than leave the token usable."""
    cache.delete(_key(instance.hash))
