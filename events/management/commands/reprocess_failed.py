from django.core.management.base import BaseCommand

from events import services


class Command(BaseCommand):
    help = (
        "Hand the events set aside as failed to the pipeline again (once what failed them is "
        "fixed); one that fails again is set aside again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--app", type=int, default=None, help="Only this partner app's (id).")

    def handle(self, *args, app=None, **options):
        count = services.reprocess_failed(app_id=app)
        self.stdout.write(f"{count} failed event(s) handed over again.")
