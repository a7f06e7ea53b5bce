"""Browser login (django-allauth): accounts come from rosters, never from self-signup."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Students, guides and guardians are rostered (SIS sync, CSV import, admin).
        return False
