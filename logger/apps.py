from django.apps import AppConfig


class LoggerConfig(AppConfig):
    """The progress-tracking ("logger") API and its logs, after Kolibri's kolibri/core/logger."""

    name = "logger"
