from django.apps import AppConfig


class RemediationConfig(AppConfig):
    """Hole filling: remediation plans built from the standards a student missed on a mastery test, their lessons, and the retest that closes a plan."""

    name = "remediation"
