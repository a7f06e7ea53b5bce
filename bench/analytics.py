"""Benchmark: partner read-back over a long history (issue 4: GET /analytics/1.0/activity for
a 30-student class over 180 days answers in under 100 ms with 1,000,000 events stored).

    scripts/test-services.sh start      # or your own throwaway PostgreSQL
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_analytics'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_analytics \\
        .venv/bin/python bench/analytics.py            # --reuse skips the load next time

Phases:
1. load (bench/school.py): a school of `--students` students in classes of 30, two courses,
   `--days` calendar days of history on school days, about `--events` stored events with
   what the pipeline derives from them, rollups built by analytics.rollups.recompute.
2. requests through Django's test client (the whole middleware, authentication and view
   stack; no network), DEBUG off, the garbage collector set up as timeback/wsgi.py does, with a real bearer token from /auth/1.0/token: after
   warm-up, `--repeat` requests of each case, p50/p95/max in ms. The headline case is the
   activity of one class (its 30 students, its course) over the last 180 days, one page
   of up to 3,000 rows; the others are for context.
"""

import argparse
import base64
import gc
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

# The project before bench/: this script's name is also the project's `analytics` app.
sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]
import school as school_loader  # noqa: E402


def production_like_env() -> None:
    """DEBUG off (as served), with a throwaway ID-token key that settings then require."""
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-analytics-secret-key-not-for-production-0123")
    if not os.environ.get("OIDC_PRIVATE_KEY"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        os.environ["OIDC_PRIVATE_KEY"] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


TARGET_MS = 100.0


def token(client, client_id: str, secret: str) -> str:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post(
        "/auth/1.0/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def existing_school(prefix: str, events: int):
    """The school of a previous run, when its events are still stored."""
    from analytics.models import DailyActivity
    from events.models import CaliperEvent
    from rostering import partners
    from rostering.models import Class, PartnerApp

    app = PartnerApp.objects.filter(name=f"{prefix} bench app").first()
    stored = CaliperEvent.objects.count()
    if app is None or stored < events * 0.95:
        return None
    client, secret = partners.issue_client_credentials(app=app)
    classes = list(
        Class.objects.filter(course__partner_app=app)
        .order_by("sourced_id")
        .values_list("sourced_id", flat=True)
    )
    days = DailyActivity.objects.filter(course__partner_app=app).order_by("day")
    return school_loader.School(
        app_id=app.pk,
        client_id=client.id,
        client_secret=secret,
        course_refs=sorted({c.rsplit("-class-", 1)[0] for c in classes}),
        class_refs=classes,
        student_refs=[],
        first_day=days.first().day,
        last_day=days.last().day,
        events=stored,
    )


def measure(client, path: str, auth: str, repeat: int, warmup: int = 5) -> dict:
    for _ in range(warmup):
        response = client.get(path, HTTP_AUTHORIZATION=auth)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, HTTP_AUTHORIZATION=auth)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "max": times[-1],
        "bytes": len(response.content),
        "rows": response.headers.get("X-Total-Count", "-"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--prefix", default="school")
    parser.add_argument("--reuse", action="store_true", help="keep a previous run's school")
    args = parser.parse_args()

    production_like_env()
    school_loader.setup_django()
    from django.db import connection
    from django.test import Client

    school = existing_school(args.prefix, args.events) if args.reuse else None
    if school is None:
        started = time.perf_counter()
        school = school_loader.build_school(
            students=args.students, class_size=30, days=args.days, events=args.events,
            prefix=args.prefix,
        )  # fmt: skip
        print(
            f"load: {school.events:,} events in {time.perf_counter() - started:.0f} s ({school.timings})"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM events_caliperevent")
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM events_dailyactivity")
        rollups = cursor.fetchone()[0]
    print(f"stored events: {stored:,}; rollup rows: {rollups:,}")

    # As served (timeback/wsgi.py): view modules loaded, long-lived objects frozen out of
    # the garbage collector's sight.
    gc.collect()
    import timeback.wsgi  # noqa: F401

    client = Client()
    auth = "Bearer " + token(client, school.client_id, school.client_secret)
    klass = school.class_refs[0]
    end = school.last_day
    start = end - timedelta(days=179)
    window = f"startDate={start}&endDate={end}"
    student = f"{args.prefix}-stu-0001"
    cases = [
        ("activity, one class, 180 days, limit 3000", f"/analytics/1.0/activity?class={klass}&{window}&limit=3000"),
        ("activity, one class, 180 days, first 100", f"/analytics/1.0/activity?class={klass}&{window}"),
        ("activity, whole app, 180 days, first 100", f"/analytics/1.0/activity?{window}"),
        ("activity, one student, 180 days", f"/analytics/1.0/activity?student={student}&{window}&limit=3000"),
        ("insights, one student", f"/insights/1.0/users/{student}?date={end}"),
        ("xp entries, one student, first 100", f"/xp/1.0/users/{student}/entries"),
        ("EduBridge enrollmentFacts, one course, first 100", f"/ims/edubridge/analytics/v1p0/enrollmentFacts?courseId={school.course_refs[0]}"),
        ("EduBridge activity, one student, 180 days", f"/edubridge/analytics/activity?studentId={student}&{window}"),
    ]  # fmt: skip
    print(f"{args.repeat} requests each after 5 warm-up, Django test client, ms:")
    headline = None
    for name, path in cases:
        figures = measure(client, path, auth, args.repeat)
        headline = headline or figures
        print(
            f"  {name:<50} p50 {figures['p50']:6.1f}  p95 {figures['p95']:6.1f}  "
            f"max {figures['max']:6.1f}  rows {figures['rows']:>5}  {figures['bytes']:,} bytes"
        )
    ok = headline["p95"] < TARGET_MS
    print(
        f"target: class activity over 180 days under {TARGET_MS:.0f} ms: "
        f"p50 {headline['p50']:.1f} ms, p95 {headline['p95']:.1f} ms: {'met' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
