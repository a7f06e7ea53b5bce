"""Benchmark: the dashboard pages at school scale (docs/dashboards.md#speed), through a real
gunicorn server.

Targets: the guide's class page and the developer page under 200 ms p95, the student page
under 100 ms p95, with 600 students, 20 classes per course and 180 days of history
(≥ 5,000,000 stored events).

    scripts/test-services.sh start      # throwaway PostgreSQL and Redis
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_dash'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_dash \\
        .venv/bin/python bench/dashboards.py --build

`--build` loads the school first with bench/school.py (its bulk loader: roster, events and
what the pipeline derives, rollups by the real rollup code; about 15-25 minutes for 5.3
million events on 2 cores); without it the school already in the database is measured.
Then: a guide teaching the first class, a developer owning the school's app, logged-in
sessions for them and a student; gunicorn (2 sync workers, DEBUG off) on 127.0.0.1; per
page, warm-up requests and then `--requests` sequential GETs, timed end to end; and the SQL
queries each page runs (Django's test client, in process).
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from rostering_users import free_port, measure, start_server  # noqa: E402
from school import build_school, setup_django  # noqa: E402

BENCH_SECRET_KEY = "bench-secret-key-not-for-production-use-0123456789"  # start_server's
PREFIX = "school"  # bench/school.py's default: its sourcedIds start with it


def people():
    """The guide of the first math class, the developer of the app, the first student."""
    from rostering import services
    from rostering.models import Class, Enrollment, PartnerApp, User

    klass = Class.objects.filter(sourced_id__startswith=f"{PREFIX}-").order_by("sourced_id")[0]
    guide, _ = services.upsert_user(
        sourced_id=f"{PREFIX}-bench-guide", username=f"{PREFIX}-bench-guide", first_name="G"
    )
    services.upsert_enrollment(
        sourced_id=f"{PREFIX}-bench-guide-enrollment", user=guide, klass=klass, role="teacher"
    )
    developer, _ = services.upsert_user(
        sourced_id=f"{PREFIX}-bench-dev", username=f"{PREFIX}-bench-dev", first_name="D"
    )
    app = klass.course.partner_app
    app.owners.add(developer)
    student = (
        Enrollment.objects.filter(klass=klass, role="student")
        .select_related("user")
        .order_by("user__sourced_id")[0]
        .user
    )
    assert isinstance(app, PartnerApp) and isinstance(student, User)
    return klass, guide, developer, app, student


def session_cookie(user) -> dict:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def query_count(user, url) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def sizes() -> str:
    from analytics.models import DailyActivity
    from events.models import CaliperEvent
    from gradebook.models import ItemResult, LessonMastery, XpEntry
    from rostering.models import Class, User

    return (
        f"{CaliperEvent.objects.count():,} stored events, {DailyActivity.objects.count():,} "
        f"rollup rows, {XpEntry.objects.count():,} XP entries, {ItemResult.objects.count():,} "
        f"item results, {LessonMastery.objects.count():,} lesson masteries; "
        f"{User.objects.filter(roles__role='student').count():,} students, "
        f"{Class.objects.count()} classes"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="load the school first")
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--events", type=int, default=5_300_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    # The sessions made here must be readable by the server: the same key, DEBUG off alike.
    os.environ.update(DEBUG="false", SECRET_KEY=BENCH_SECRET_KEY)
    os.environ.setdefault(
        "OIDC_PRIVATE_KEY", (BENCH.parent / "var" / "oidc-dev-key.pem").read_text()
    )
    setup_django()
    if args.build:
        build_school(
            students=args.students,
            days=args.days,
            events=args.events,
            prefix=PREFIX,
            end=datetime.now(UTC).date(),  # the history ends today, as the pages see it
        )
    klass, guide, developer, app, student = people()
    pages = [
        ("student   /me/", student, "/me/"),
        ("guide     /classes/{id}/", guide, f"/classes/{klass.pk}/"),
        (
            "guide     /classes/{id}/?sort=flag&dir=desc",
            guide,
            f"/classes/{klass.pk}/?sort=flag&dir=desc",
        ),
        ("guide     /classes/{id}/students.csv", guide, f"/classes/{klass.pk}/students.csv"),
        ("guide     drill-down", guide, f"/classes/{klass.pk}/students/{student.pk}/"),
        ("developer /developers/apps/{id}/", developer, f"/developers/apps/{app.pk}/"),
    ]
    queries = {name: query_count(user, url) for name, user, url in pages}
    print(sizes())
    port = free_port()
    server = start_server(port)
    try:
        print(
            f"gunicorn 2 sync workers on 127.0.0.1, DEBUG off, {args.requests} sequential "
            f"requests per page after {args.warmup} warm-up requests; class of "
            f"{klass.enrollments.filter(role='student').count()} students"
        )
        print("| page | SQL queries | p50 | p95 | p99 | mean |\n|---|---|---|---|---|---|")
        for name, user, url in pages:
            session = requests.Session()
            session.cookies.update(session_cookie(user))
            base = f"http://127.0.0.1:{port}{url}"
            first = session.get(base, allow_redirects=False, timeout=30)
            assert first.status_code == 200, (
                name,
                first.status_code,
            )  # logged in, not sent to login
            measure(session, base, args.warmup)
            figures = measure(session, base, args.requests)
            print(
                f"| {name} | {queries[name]} | {figures['p50']:.1f} ms | "
                f"**{figures['p95']:.1f} ms** | {figures['p99']:.1f} ms | {figures['mean']:.1f} ms |"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
