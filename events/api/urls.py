from django.urls import re_path

from .caliper import CaliperEventsView

# One implementation on every path the clients use (SPEC §4.2, §4.6).
caliper_urlpatterns = [
    re_path(r"^ims/caliper/v1p2/events/?$", CaliperEventsView.as_view()),
    re_path(r"^events/1\.0/?$", CaliperEventsView.as_view()),
]
