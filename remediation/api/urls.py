"""URL patterns of the remediation API surface (mounted in timeback/urls.py)."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(
        r"^analytics/1\.0/users/(?P<user_id>[^/]+)/remediation/?$",
        views.RemediationView.as_view(),
    ),
]
