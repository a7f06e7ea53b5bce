"""`manage.py seed_demo [--students N]`: the demo school, then the URLs and logins to try.

Safe to run again (nothing changes the second time). Refuses to run without DEBUG unless
`--force`: the demo passwords must never land in production.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rostering import demo

BASE_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Seed (or refresh) the demo school and print its URLs, logins and partner credentials."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=30, help="Number of students (default 30)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off. The demo accounts have well-known passwords.",
        )

    def handle(self, *args, students, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with well-known passwords. "
                "Pass --force if this really is a throwaway installation."
            )
        try:
            result = demo.seed_demo(students=students)
        except demo.DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(render_summary(result))


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
