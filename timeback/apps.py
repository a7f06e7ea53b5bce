from django.apps import AppConfig


class TimebackConfig(AppConfig):
    """The project package: it composes the apps (settings, urls, the celery app)."""

    name = "timeback"
