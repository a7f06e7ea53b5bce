from django.apps import AppConfig

from events.signals import swept
from gradebook.signals import learning_changed, learning_committed


class AnalyticsConfig(AppConfig):
    """Read models: the daily rollups and every figure computed from them, read by the
    read-back APIs, EduBridge and the dashboards."""

    name = "analytics"

    def ready(self):
        # Imported once the models are ready (receivers reach them through rollups).
        from . import receivers

        learning_changed.connect(receivers.on_learning_changed, dispatch_uid="analytics.rollups")
        learning_committed.connect(
            receivers.on_learning_committed, dispatch_uid="analytics.rollups.pending"
        )
        swept.connect(receivers.on_sweep, dispatch_uid="analytics.rollups.sweep")
