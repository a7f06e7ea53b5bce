from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Reads over the rollups shared by the read-back APIs, EduBridge and the dashboards."""

    name = "analytics"
