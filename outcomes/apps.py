from django.apps import AppConfig

from events.signals import swept
from gradebook.signals import learning_changed, test_results_imported


class OutcomesConfig(AppConfig):
    """The closed loop: standardized test results (NWEA MAP Growth, state tests) imported as OneRoster assessment results, usage between two tests from the rollups, and the statistics that say whether time in an app went with growth."""

    name = "outcomes"

    def ready(self):
        from . import receivers

        test_results_imported.connect(
            receivers.on_test_results_imported, dispatch_uid="outcomes.imported"
        )
        learning_changed.connect(receivers.on_learning_changed, dispatch_uid="outcomes.usage")
        swept.connect(receivers.on_sweep, dispatch_uid="outcomes.sweep")
