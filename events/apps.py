from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from gradebook.signals import learning_changed

        from . import rollups

        learning_changed.connect(rollups.on_learning_changed, dispatch_uid="events.rollups")
