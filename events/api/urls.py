from django.urls import re_path

from .caliper import (
    CaliperValidateView,
    JobStatusView,
    StoredEventsView,
    StoredEventView,
    caliper_events_view,
)

# One implementation on every path the clients use (docs/events.md#endpoints,
# docs/api.md#path-profiles): the BEYOND_AI profile sends to /caliper/event, the LEARNWITH_AI
# profile to /caliper/v1p2.
caliper_urlpatterns = [
    re_path(r"^ims/caliper/v1p2/events/?$", caliper_events_view),
    re_path(r"^events/1\.0/?$", caliper_events_view),
    re_path(r"^caliper/event/?$", caliper_events_view),
    re_path(r"^caliper/v1p2/?$", caliper_events_view),
    re_path(r"^caliper/event/validate/?$", CaliperValidateView.as_view()),
    re_path(r"^caliper/events/?$", StoredEventsView.as_view()),
    re_path(r"^caliper/events/(?P<event_id>[^/]+)/?$", StoredEventView.as_view()),
    re_path(r"^jobs/(?P<job_id>[^/]+)/status/?$", JobStatusView.as_view()),
]
