"""The navigation of every page, by role. Lazy: pages that never show it (the admin, APIs)
run no query for it."""

from django.utils.functional import SimpleLazyObject

from .roles import pages_of


def navigation(request):
    return {"nav_links": SimpleLazyObject(lambda: pages_of(request.user))}
