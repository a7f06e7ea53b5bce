from django.apps import AppConfig

from gradebook.signals import results_recorded


class RemediationConfig(AppConfig):
    """Hole filling: remediation plans built from the standards a student missed on a mastery test, their lessons, and the retest that closes a plan."""

    name = "remediation"

    def ready(self):
        # Imported once the models are ready (receivers reach them through services).
        from . import receivers

        results_recorded.connect(receivers.on_results_recorded, dispatch_uid="remediation.plans")
