from datetime import timedelta

from django.core.management.base import BaseCommand

from events import sweep


class Command(BaseCommand):
    help = "Run the sweep once: re-queue (or, without a broker, process) events left pending or parked."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age",
            type=int,
            default=None,
            help="Only pending events older than this many seconds (default: the setting).",
        )

    def handle(self, *args, min_age=None, **options):
        counts = sweep.run(min_age=None if min_age is None else timedelta(seconds=min_age))
        self.stdout.write(
            f"pending re-queued: {counts['pending']}, parked retried: {counts['parked']}, "
            f"rejections pruned: {counts['rejections_pruned']}"
        )
