import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from events import selectors


class Command(BaseCommand):
    help = (
        "Whether the event pipeline keeps up: one JSON line (pending, oldest pending age in "
        "seconds, parked, failed); exits 1 when an event has waited longer than --max-age."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-age",
            type=int,
            default=None,
            help="Seconds an event may stay pending (default: PIPELINE_MAX_PENDING_AGE_SECONDS).",
        )

    def handle(self, *args, max_age=None, **options):
        limit = settings.PIPELINE_MAX_PENDING_AGE_SECONDS if max_age is None else max_age
        backlog = selectors.pipeline_backlog()
        oldest = backlog["oldest_pending_seconds"]
        healthy = oldest is None or oldest <= limit
        answer = {"healthy": healthy, **backlog, "max_pending_age_seconds": limit}
        self.stdout.write(json.dumps(answer))
        if not healthy:
            sys.exit(1)  # a monitor (systemd, cron, a probe) reads the exit status
