from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Timeback core"

    def ready(self):
        # Registers the receiver that forgets a deleted token in every process, whether or
        # not it serves the API (a worker or a management command may delete tokens).
        from .api import auth  # noqa: F401
