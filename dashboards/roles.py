"""Which pages a signed-in person has, by the roles they hold: one place for the landing
after login and for the navigation. Who may see *what* is rostering.access."""

from rostering import access
from rostering.models import Role


def pages_of(user) -> list[tuple[str, str]]:
    """(label, url) of the person's pages, their landing page first."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = set(user.roles.values_list("role", flat=True))
    pages = []
    if Role.STUDENT in roles:
        pages.append(("My progress", "/me/"))
    if user.is_superuser or roles & {Role.TEACHER, *access.ORG_ADMIN_ROLES}:
        pages.append(("Classes", "/classes/"))
    if user.is_superuser or roles & set(access.ORG_ADMIN_ROLES):
        pages.append(("Apps compared", "/outcomes/"))
    if roles & set(access.GUARDIAN_ROLES):
        pages.append(("My children", "/children/"))
    apps = list(access.partner_apps_visible_to_user(user).order_by("pk").values_list("pk")[:2])
    if len(apps) == 1 and not pages:
        pages.append(("My app", f"/developers/apps/{apps[0][0]}/"))
    elif apps:
        pages.append(("Developers", "/developers/"))
    if user.is_staff:
        pages.append(("Admin", "/admin/"))
    return pages


def landing_url(user) -> str:
    pages = pages_of(user)
    return pages[0][1] if pages else "/"
