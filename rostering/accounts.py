"""Browser login (django-allauth): accounts come from rosters, never from self-signup, and
failed-login limits that slow guessing without letting anyone lock a student out
(docs/access.md#browser-login)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit  # allauth's adapter uses the same internals
from allauth.core.internal.ratelimit import RateLimitUsage, get_ip

APP = "allauth.account"  # where ACCOUNT_RATE_LIMITS is read

# allauth counts failed logins per account name across every address, so five wrong passwords
# sent from anywhere locked the real student out. Here `login_failed` (settings
# ACCOUNT_RATE_LIMITS) counts per account *and* address, and this second action caps the
# account's failures across all addresses, far higher, so guessing stays slow overall.
ACCOUNT_WIDE = "login_failed_account"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Students, guides and guardians are rostered (SIS sync, CSV import, admin).
        return False

    def pre_authenticate(self, request, **credentials):
        account = self._get_login_attempts_cache_key(request, **credentials)
        here = ratelimit.consume(
            request, app=APP, action="login_failed", key=f"{account}|{get_ip(request)}"
        )
        if not here:
            raise self.validation_error("too_many_login_attempts")
        everywhere = ratelimit.consume(request, app=APP, action=ACCOUNT_WIDE, key=account)
        if not everywhere:
            here.rollback()  # refused before any password was tried: not a failure here
            raise self.validation_error("too_many_login_attempts")
        # allauth rolls this back when the password is right, so only failures count.
        self._login_failed_rl_usage = RateLimitUsage(usage=here.usage + everywhere.usage)

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # A password reset (itself rate limited) lifts the account-wide limit and this
        # address's; other addresses' counts expire on their own.
        super()._delete_login_attempts_cached_email(request, **credentials)
        account = self._get_login_attempts_cache_key(request, **credentials)
        ratelimit.clear(request, app=APP, action="login_failed", key=f"{account}|{get_ip(request)}")
        ratelimit.clear(request, app=APP, action=ACCOUNT_WIDE, key=account)
