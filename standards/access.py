"""Who may read and write the CASE frameworks (docs/access.md#who-writes-what).

Frameworks are public standards: every partner app with the CASE read scope reads them all.
Writing one (the CASE API's CFPackages POST/PUT) is the school's: its roster source (the
integration that also writes the roster) and, through the admin and `import_case`, its
administrators. A learning app never changes the standards other apps align to.
"""

from core.exceptions import AccessDenied
from rostering.models import PartnerApp


def require_may_write_frameworks(app: PartnerApp | None) -> None:
    if app is None or not app.roster_source:
        raise AccessDenied(
            "Only the school's roster source (or an administrator, in the admin or with "
            "`manage.py import_case`) may upload CASE frameworks; partner apps read them."
        )
