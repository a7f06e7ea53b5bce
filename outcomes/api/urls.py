"""URL patterns of the outcomes API surface (mounted at the root in timeback/urls.py, before
the analytics patterns)."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^analytics/1\.0/outcomes/?$", views.OutcomesView.as_view()),
]
