"""`manage.py seed_demo [--students N] [--days D]`: the demo school (rostering.demo), D days
of simulated learning pushed through the real ingestion and pipeline (events.demo), then the
URLs and logins to try.

Safe to run again: the roster is upserted, and the history is simulated only while the demo
app has no events yet. Refuses to run without DEBUG unless `--force`: the demo passwords
must never land in production. The command lives in the events app because it composes
the roster (rostering) with ingestion (events); rostering must not import events.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from events import demo as history
from events.models import CaliperEvent
from rostering import demo
from rostering.models import Course, User

BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Seed (or refresh) the demo school and print its URLs, logins and partner credentials."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=30, help="Number of students (default 30)."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days of simulated learning history up to today "
            f"(default {settings.DEMO_HISTORY_DAYS}; 0 for none).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off. The demo accounts have well-known passwords.",
        )

    def handle(self, *args, students, days, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with well-known passwords. "
                "Pass --force if this really is a throwaway installation."
            )
        try:
            result = demo.seed_demo(students=students)
        except demo.DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        days = settings.DEMO_HISTORY_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        self.stdout.write(render_summary(result))
        self.stdout.write(self._history(result, days) + "\n")

    def _history(self, result: demo.DemoResult, days: int) -> str:
        if days == 0:
            return "  Learning history: none asked (--days 0)."
        if CaliperEvent.objects.filter(partner_app=result.app).exists():
            return "  Learning history: already there (the demo app has events); left alone."
        students = list(
            User.objects.filter(sourced_id__startswith="demo-student-").order_by("sourced_id")
        )
        courses = list(Course.objects.filter(partner_app=result.app).order_by("sourced_id"))
        started = time.monotonic()
        outcome = history.simulate(
            app=result.app,
            students=students,
            courses=courses,
            days=days,
            today=timezone.now().date(),
        )
        seconds = time.monotonic() - started
        mix = ", ".join(f"{n} {name}" for name, n in sorted(outcome.profiles.items()))
        return (
            f"  Learning history: {days} days of {len(students)} students ({mix}): "
            f"{outcome.accepted} events accepted, {outcome.rejected} rejected (on purpose, "
            f"for the developer page), ingested and processed in {seconds:.0f} s."
        )


def render_summary(result: demo.DemoResult) -> str:
    width = max(len(login.username) for login in result.logins)
    pwidth = max(len(login.password) for login in result.logins)
    logins = [
        f"    {login.username:<{width}}  {login.password or '(unchanged)':<{pwidth}}  {login.description}"
        for login in result.logins
    ]
    sandbox = " (sandbox)" if result.app.sandbox else ""
    lines = [
        "",
        "Timeback demo is ready.",
        "",
        f"  Open      {BASE_URL}/   (make run serves it; or: .venv/bin/python manage.py runserver)",
        f"  Pages     {BASE_URL}/dashboard/   (log in: students, guides, guardians and developers"
        " each land on their page)",
        f"  Admin     {BASE_URL}/admin/",
        f"  API docs  {BASE_URL}/api/docs/",
        "",
        "  Logins (demo passwords, for this local demo only):",
        *logins,
        "",
        f"  Partner app {result.app.name!r}{sandbox}, app id {result.app.pk}:",
        f"    client_id      {result.client_id}",
        f"    client_secret  {result.client_secret}",
        f"    (kept in {result.credentials_path}, mode 0600)",
        "  Get a token:",
        f"    curl -s -X POST {BASE_URL}/auth/1.0/token -u {result.client_id}:{result.client_secret}"
        " -d grant_type=client_credentials",
        "",
    ]
    return "\n".join(lines)
