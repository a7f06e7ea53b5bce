"""The navigation of every page, by role. Lazy: pages that never show it (the admin, APIs)
run no query for it."""

from django.utils.functional import SimpleLazyObject

from rostering import access


def navigation(request):
    return {"nav_links": SimpleLazyObject(lambda: nav_links(request.user))}


def nav_links(user) -> list[tuple[str, str]]:
    """(label, url) pairs for what this person may open."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = access.roles_of_user(user)
    links = []
    if "student" in roles:
        links.append(("My progress", "/me/"))
    if user.is_superuser or roles & ({"teacher"} | set(access.ADMIN_ROLES)):
        links.append(("Classes", "/classes/"))
    if roles & set(access.GUARDIAN_ROLES):
        links.append(("My children", "/children/"))
    for app_id, name in (
        access.apps_visible_to_user(user).order_by("name").values_list("pk", "name")[:5]
    ):
        links.append((name, f"/developers/apps/{app_id}/"))
    if user.is_staff:
        links.append(("Admin", "/admin/"))
    return links
