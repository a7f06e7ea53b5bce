"""The Caliper patterns come first in the URL map (timeback/urls.py: the single-event POST
skips ~200 µs of matching, issue 16). That changes no answer only while no other pattern
matches a Caliper path; these tests fail when one does."""

import pytest
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

from events.api import caliper
from events.api.urls import caliper_urlpatterns

CALIPER_PATHS = {
    "ims/caliper/v1p2/events": caliper.CaliperEventsView,
    "ims/caliper/v1p2/events/": caliper.CaliperEventsView,
    "events/1.0": caliper.CaliperEventsView,
    "events/1.0/": caliper.CaliperEventsView,
    "caliper/event": caliper.CaliperEventsView,
    "caliper/event/": caliper.CaliperEventsView,
    "caliper/v1p2": caliper.CaliperEventsView,
    "caliper/v1p2/": caliper.CaliperEventsView,
    "caliper/event/validate": caliper.CaliperValidateView,
    "caliper/event/validate/": caliper.CaliperValidateView,
    "caliper/events": caliper.StoredEventsView,
    "caliper/events/": caliper.StoredEventsView,
    "caliper/events/urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594": caliper.StoredEventView,
    "caliper/events/some-id/": caliper.StoredEventView,
    "jobs/5b0a7c0e-3f4e-4a53-9a3d-2d1f4f1c9e11/status": caliper.JobStatusView,
    "jobs/some-job/status/": caliper.JobStatusView,
}


@pytest.mark.parametrize("path", sorted(CALIPER_PATHS))
def test_each_caliper_path_resolves_to_its_caliper_view(path):
    assert resolve("/" + path).func.view_class is CALIPER_PATHS[path]


@pytest.mark.parametrize("path", sorted(CALIPER_PATHS))
def test_no_pattern_outside_the_caliper_surface_matches_a_caliper_path(path):
    """Resolving against the URL map without the Caliper patterns finds nothing but the
    JSON 404 of unknown API URLs, the catch-all at the map's end."""
    others = URLResolver(
        RegexPattern(r"^/"),
        [p for p in get_resolver().url_patterns if p not in caliper_urlpatterns],
    )
    try:
        match = others.resolve("/" + path)
    except Resolver404:
        return
    assert match.url_name is None and match.func.__name__ == "handler404", match
