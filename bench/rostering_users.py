"""Benchmark: GET /ims/oneroster/rostering/v1p2/users?limit=100 with 10,000 users stored.

Runs against PostgreSQL (DATABASE_URL must point at it), through a real gunicorn server on
127.0.0.1, with a real bearer token, and prints latency percentiles.

    DATABASE_URL=postgres://... .venv/bin/python bench/rostering_users.py [--users 10000] [--requests 300]

`make bench` starts the throwaway PostgreSQL and runs it.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_users(count: int) -> None:
    from rostering.models import Org, User, UserRole

    school, _ = Org.objects.get_or_create(
        sourced_id="bench-school", defaults={"name": "Bench School", "type": "school"}
    )
    existing = User.objects.filter(sourced_id__startswith="bench-user-").count()
    if existing >= count:
        return
    users = [
        User(
            sourced_id=f"bench-user-{i:06d}",
            username=f"bench-user-{i:06d}",
            first_name=f"Given{i}",
            last_name=f"Family{i % 997}",
            email=f"user{i}@bench.example",
            grades=["05"],
            password="!",
        )
        for i in range(existing, count)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    created = User.objects.filter(sourced_id__startswith="bench-user-", roles__isnull=True)
    UserRole.objects.bulk_create(
        [UserRole(user=u, org=school, role="student") for u in created.only("id")], batch_size=2000
    )


def token() -> str:
    from rostering import partners
    from rostering.models import PartnerApp

    PartnerApp.objects.filter(name="Bench App").delete()
    app = partners.create_partner_app(name="Bench App", sandbox=False)
    client, secret = partners.issue_client_credentials(app=app)
    return client.id, secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-not-for-production-use-0123456789",
    }
    env.setdefault("OIDC_PRIVATE_KEY", (ROOT / "var" / "oidc-dev-key.pem").read_text())
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "timeback.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/schema/", timeout=1)
            return server
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or still warming
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def measure(session, url, count):
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        response = session.get(url, timeout=10)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:300]
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "p99": timings[int(len(timings) * 0.99) - 1],
        "mean": statistics.fmean(timings),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (make bench does).")
    setup_django()
    ensure_users(args.users)
    client_id, secret = token()
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        answer = requests.post(
            f"{base}/auth/1.0/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=10,
        )
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
        cases = {
            "GET /users?limit=100": "/ims/oneroster/rostering/v1p2/users?limit=100",
            "GET /users?limit=100&offset=9000": "/ims/oneroster/rostering/v1p2/users?limit=100&offset=9000",
            "GET /users?filter=roles.role='student' AND familyName~'Family1'": "/ims/oneroster/rostering/v1p2/users?limit=100&filter=roles.role%3D%27student%27%20AND%20familyName~%27Family1%27",
            "GET /students?limit=100&sort=familyName": "/ims/oneroster/rostering/v1p2/students?limit=100&sort=familyName",
        }
        from rostering.models import User

        print(
            f"users stored: {User.objects.count()}, requests per case: {args.requests}, gunicorn 2 workers, PostgreSQL"
        )
        for name, path in cases.items():
            measure(session, base + path, 10)  # warm-up
            stats = measure(session, base + path, args.requests)
            print(
                f"{name:70s} p50 {stats['p50']:6.1f} ms  p95 {stats['p95']:6.1f} ms  p99 {stats['p99']:6.1f} ms  mean {stats['mean']:6.1f} ms"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
