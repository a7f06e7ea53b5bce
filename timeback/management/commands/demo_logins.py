"""`manage.py demo_logins [--url URL]`: the demo's address, every demo login (role,
username, password, the page it lands on) and the demo partner app's client credentials,
in a box. `make run` prints it last, once the server answers, so it stays on screen.

Reads only: the logins are the ones `seed_demo` created, the credentials the ones it keeps
in `<VAR_DIR>/demo-credentials.json` (the same on every run). The project package owns
the command because it composes the roster (rostering) with where each person lands
(dashboards).
"""

from django.core.management.base import BaseCommand, CommandError

from dashboards.roles import landing_url
from rostering import demo
from rostering.models import User

DEFAULT_URL = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = "Print the demo's URL, logins and partner app credentials (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=DEFAULT_URL, help=f"Where the demo is served (default {DEFAULT_URL})."
        )

    def handle(self, *args, url, **options):
        try:
            result = demo.current_logins()
        except demo.DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(render(result, url.rstrip("/")))


def render(result: demo.DemoResult, url: str) -> str:
    users = {
        u.username: u for u in User.objects.filter(username__in=[x.username for x in result.logins])
    }
    rows = [("role", "username", "password", "lands on", "")]
    for login in result.logins:
        lands = landing_url(users[login.username]) if login.username in users else "/"
        rows.append(
            (login.role, login.username, login.password or "(unchanged)", lands, login.description)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    table = [
        "  "
        + "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]
    sandbox = ", sandbox" if result.app.sandbox else ""
    lines = [
        f"Timeback demo: {url}/",
        "",
        f"Log in at {url}/accounts/login/ (passwords for this local demo only):",
        *table,
        "",
        f"Partner app {result.app.name!r} (app id {result.app.pk}{sandbox}):",
        f"  client_id      {result.client_id}",
        f"  client_secret  {result.client_secret}",
        "  Get a token:",
        f"    curl -s -X POST {url}/auth/1.0/token -d grant_type=client_credentials \\",
        f"      -u {result.client_id}:{result.client_secret}",
        "",
        f"API docs {url}/api/docs/   Admin {url}/admin/",
    ]
    return box([line.rstrip() for line in lines])


def box(lines: list[str]) -> str:
    """The lines framed with box-drawing characters, as wide as the longest line."""
    width = max(len(line) for line in lines)
    top = "┌" + "─" * (width + 2) + "┐"
    bottom = "└" + "─" * (width + 2) + "┘"
    return "\n".join([top, *(f"│ {line.ljust(width)} │" for line in lines), bottom])
