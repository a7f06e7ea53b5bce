"""Benchmark: 20,000 events through a production-shaped install while it is hurt: two worker
kills, a 20 s Redis outage and a PostgreSQL restart (docs/operations.md#faults-measured).

Production-shaped: the documented web command (`gunicorn -c gunicorn.conf.py timeback.wsgi`,
DEBUG off), the worker command of deploy/systemd/timeback-worker.service (`celery -A
timeback worker --concurrency 2`, prefork, restarted whenever it exits as `Restart=always`
does), PostgreSQL and Redis (the throwaway servers of scripts/test-services.sh: the
PostgreSQL restart needs that embedded server). No beat: the workers' own periodic sweep
(SWEEP_EVERY_SECONDS, default 60 s) is all that recovers lost tasks.

    eval "$(scripts/test-services.sh start)"
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_faults'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_faults \\
    REDIS_URL=redis://127.0.0.1:56379/0 .venv/bin/python bench/faults.py

Not part of `make test` (about 8 minutes on 2 shared cores; the fault suite,
tests/integration/test_fault_suite.py, is the short version). The bench database is its
own: each run empties the event store and the ledger; the broker is database 14 of REDIS_URL's
server, flushed at the start.

Workload: runs of a TimeSpentEvent and an ActivityEvent reporting `xpEarned` (every activity
its own XP source, so the XP each must be credited is known here, independently of the code
under test), shuffled into envelopes of 100, posted by `--clients` client threads that retry
what they are told to retry (503 after Retry-After; a refused connection after 1 s). Five
phases of a fifth of the events each; a fault strikes a third of the way into each of the
first four: worker killed (SIGKILL, pool included), Redis stopped for `--redis-outage`
seconds, PostgreSQL restarted, worker killed; the fifth is the control. After each phase's
last post the bench waits until nothing is pending (the time to drain).

Prints: lost, double-counted, manual steps, 500s, retryable 503s, connection errors, worker
restarts, and the time to drain after each fault.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ingest import COURSE, empty_event_store, ensure_catalogue, setup_django  # noqa: E402

PATH = "/ims/caliper/v1p2/events"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
START = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
ENVELOPE = 100
DRAIN_LIMIT = 600  # seconds; beyond it the bench runs the sweep by hand (a manual step)


# --- the workload -----------------------------------------------------------------------


def workload(runs: int, students: int, lessons: int, seed: int):
    """Envelopes of `runs` runs (an ActivityEvent with xpEarned and a TimeSpentEvent each),
    shuffled; and the XP each activity must be credited."""
    rng = random.Random(seed)
    events, expected = [], {}
    for i in range(runs):
        student = f"bench-stu-{i % students:04d}"
        lesson = f"bench-lesson-{i // students % lessons:03d}"
        at = (START + timedelta(seconds=i * 7)).isoformat().replace("+00:00", "Z")
        run, activity = f"faults-{seed:x}-{i}", f"faults-activity-{seed:x}-{i}"
        xp = Decimal(1 + i % 13) / 2
        common = {
            "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
            "profile": "TimebackProfile",
            "eventTime": at,
            "actor": {"id": USERS + student, "type": "TimebackUser"},
            "extensions": {"course": {"id": COURSE}, "lesson": {"id": lesson}, "runId": run},
        }
        context = {"id": lesson, "type": "TimebackActivityContext", "course": {"id": COURSE}}
        events.append(
            {
                **common,
                "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "type": "ActivityEvent",
                "action": "Completed",
                "object": {**context, "activity": {"id": activity}},
                "generated": {
                    "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    "type": "TimebackActivityMetricsCollection",
                    "attempt": 1,
                    "items": [{"type": "xpEarned", "value": float(xp)}],
                },
            }
        )
        events.append(
            {
                **common,
                "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                "type": "TimeSpentEvent",
                "action": "SpentTime",
                "object": context,
                "generated": {
                    "id": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                    "type": "TimebackTimeSpentMetricsCollection",
                    "items": [{"type": "active", "value": 60 + i % 600}],
                },
            }
        )
        expected[activity] = xp
    rng.shuffle(events)
    bodies = [
        orjson.dumps(
            {
                "sensor": "https://bench-faults.example",
                "sendTime": START.isoformat().replace("+00:00", "Z"),
                "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p2",
                "data": events[k : k + ENVELOPE],
            }
        )
        for k in range(0, len(events), ENVELOPE)
    ]
    return bodies, expected


# --- the install ------------------------------------------------------------------------


class Worker:
    """The worker command of the systemd unit, restarted whenever it exits (Restart=always)."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.process = None
        self.restarts = 0
        self.killed_by_us = 0
        self._stop = False
        self._start()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "timeback", "worker"]
            + ["--concurrency", "2", "-l", "info", "-n", "bench-faults@%h"],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=open(self.log, "ab"),  # noqa: SIM115 - the child keeps it
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _supervise(self):
        while not self._stop:
            if self.process.poll() is not None and not self._stop:
                time.sleep(1)  # systemd's RestartSec
                self.restarts += 1
                self._start()
            time.sleep(0.2)

    def kill(self):
        """SIGKILL the worker and its pool (the process group): no warm shutdown."""
        self.killed_by_us += 1
        os.killpg(self.process.pid, signal.SIGKILL)

    def stop(self):
        self._stop = True
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)


class Clients:
    """`n` client threads posting the envelopes in order, retrying what they are told to."""

    def __init__(self, url: str, token: str, n: int):
        self.url, self.headers, self.n = url + PATH, {"Authorization": f"Bearer {token}"}, n
        self.statuses = Counter()
        self.connection_errors = 0
        self.accepted = self.duplicates = self.rejected = 0
        self.lock = threading.Lock()

    def post_all(self, bodies: list[bytes]) -> None:
        threads = [
            threading.Thread(target=self._post, args=(bodies[k :: self.n],)) for k in range(self.n)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _post(self, bodies):
        headers = {**self.headers, "Content-Type": "application/json"}
        for body in bodies:
            while True:
                try:
                    response = requests.post(self.url, data=body, headers=headers, timeout=60)
                except requests.ConnectionError:
                    with self.lock:
                        self.connection_errors += 1
                    time.sleep(1)
                    continue
                with self.lock:
                    self.statuses[response.status_code] += 1
                if response.status_code == 503:
                    time.sleep(float(response.headers.get("Retry-After", 1)))
                    continue
                if response.status_code >= 500:
                    time.sleep(1)  # a 500 is a bug: counted, and retried as a client would
                    continue
                break
            if response.status_code == 200:
                answer = response.json()
                with self.lock:
                    self.accepted += answer["accepted"]
                    self.duplicates += answer["duplicates"]
                    self.rejected += len(answer["rejected"])


def unprocessed() -> int:
    from django.db import connection

    for _attempt in range(30):  # the bench's own session may have died with PostgreSQL
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM events_caliperevent WHERE status IN ('pending', 'parked')"
                )
                return cursor.fetchone()[0]
        except Exception:  # noqa: BLE001 - reconnect and ask again
            connection.close()
            time.sleep(1)
    raise SystemExit("the bench cannot reach PostgreSQL")


def drain(manual: list) -> float:
    """Seconds until nothing is pending; past DRAIN_LIMIT, one manual sweep (counted)."""
    began = time.monotonic()
    while unprocessed():
        if time.monotonic() - began > DRAIN_LIMIT * (1 + len(manual)):
            from django.core.management import call_command

            manual.append("process_pending")
            call_command("process_pending")
        time.sleep(0.5)
    return time.monotonic() - began


def outcome(expected: dict, accepted: int) -> dict:
    """Lost and double-counted, from the database against the independent expectations."""
    from django.db.models import Count, Sum

    from events.models import CaliperEvent, TimeSpentFact
    from gradebook.models import XpEntry

    statuses = dict(
        CaliperEvent.objects.values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    per_source = XpEntry.objects.values("source_key").annotate(n=Count("id"), total=Sum("amount"))
    credited = {}
    extra_entries = 0
    for row in per_source:
        activity = row["source_key"].split(":", 3)[3].rsplit("|", 1)[0]
        credited[activity] = row["total"]
        extra_entries += row["n"] - 1
    over = sum(credited[a] - expected[a] for a in expected if credited.get(a, 0) > expected[a])
    missing = [a for a in expected if credited.get(a, 0) < expected[a]]
    facts = TimeSpentFact.objects.count()
    return {
        "statuses": statuses,
        "lost": accepted - statuses.get("processed", 0),
        "activities_short": len(missing),
        "double_counted": extra_entries + max(0, facts - len(expected)),
        "xp_over": over,
        "ledger": XpEntry.objects.aggregate(t=Sum("amount"))["t"] or Decimal(0),
        "expected_ledger": sum(expected.values()),
        "time_facts": facts,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--redis-outage", type=float, default=20.0, help="seconds")
    parser.add_argument("--server-workers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL (see the docstring).")
    os.environ.pop("CELERY_BROKER_URL", None)
    broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/14"))
    import redis

    redis.Redis.from_url(broker).flushdb()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from tests.integration.conftest import RedisServer
    from tests.integration.production import Gunicorn, production_env, restart_postgres

    empty_event_store()
    client_id, secret = ensure_catalogue(args.students, args.lessons)
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_directory = cursor.fetchone()[0]
    pg_port = int(connection.settings_dict["PORT"])
    redis_server = RedisServer(os.environ["REDIS_URL"])

    env = production_env(
        {**os.environ, "CELERY_BROKER_URL": broker, "DJANGO_SETTINGS_MODULE": "timeback.settings"},
        settings.IDP_OIDC_PRIVATE_KEY,
    )
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-faults-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)
    web = Gunicorn(env, logs / "gunicorn.log", workers=args.server_workers)
    worker = Worker(env, logs / "worker.log")
    manual: list[str] = []
    try:
        token = requests.post(
            f"{web.url}/auth/1.0/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        ).json()["access_token"]
        bodies, expected = workload(args.events // 2, args.students, args.lessons, seed=0xFA17)
        clients = Clients(web.url, token, args.clients)

        def kill_worker():
            worker.kill()

        def redis_outage():
            redis_server.stop()
            time.sleep(args.redis_outage)
            redis_server.start()

        def postgres_restart():
            restart_postgres(data_directory, pg_port)
            connection.close()

        phases = [
            ("worker killed", kill_worker),
            (f"Redis down {args.redis_outage:.0f} s", redis_outage),
            ("PostgreSQL restarted", postgres_restart),
            ("worker killed again", kill_worker),
            ("no fault (control)", None),
        ]
        size = -(-len(bodies) // len(phases))
        print(
            f"{args.events} events in {len(bodies)} envelopes of {ENVELOPE}, {args.clients} "
            f"clients; gunicorn -c gunicorn.conf.py ({args.server_workers} workers), one "
            f"worker --concurrency 2 (restarted on exit), no beat, sweep every "
            f"{settings.SWEEP_EVERY_SECONDS} s; {os.cpu_count()} cores, load "
            + " ".join(f"{x:.2f}" for x in os.getloadavg()),
            flush=True,
        )
        began = time.monotonic()
        for n, (name, fault) in enumerate(phases):
            phase = bodies[n * size : (n + 1) * size]
            third = len(phase) // 3
            phase_began = time.monotonic()
            clients.post_all(phase[:third])
            fault_began = time.monotonic()
            if fault is not None:
                striking = threading.Thread(target=fault)
                striking.start()
                clients.post_all(phase[third:])
                striking.join()
            else:
                clients.post_all(phase[third:])
            fault_ended = time.monotonic()
            seconds = drain(manual)
            print(
                f"phase {n + 1} ({name}): {len(phase) * ENVELOPE} events posted in "
                f"{fault_ended - phase_began:.1f} s (fault at {fault_began - phase_began:.1f} s, "
                f"over {fault_ended - fault_began:.1f} s); drained {seconds:.1f} s after",
                flush=True,
            )
        total = time.monotonic() - began
        result = outcome(expected, clients.accepted)
        five_hundreds = (
            sum(n for status, n in clients.statuses.items() if status >= 500)
            - (clients.statuses[503])
        )
        print(f"statuses of the event store: {result['statuses']}")
        print(
            f"accepted {clients.accepted}, duplicates {clients.duplicates} (resends after a "
            f"503), rejected {clients.rejected}; answers {dict(sorted(clients.statuses.items()))}"
        )
        print(f"lost: {result['lost']} (activities credited short: {result['activities_short']})")
        print(f"double-counted: {result['double_counted']} (XP over: {result['xp_over']})")
        print(
            f"ledger {result['ledger']} = independent sum {result['expected_ledger']}: "
            f"{result['ledger'] == result['expected_ledger']}; time facts {result['time_facts']}"
        )
        print(f"manual steps: {len(manual)} {manual or ''}")
        print(
            f"500s: {five_hundreds}; retryable 503s: {clients.statuses[503]}; "
            f"refused connections retried: {clients.connection_errors}"
        )
        print(
            f"worker restarts: {worker.restarts} ({worker.killed_by_us} after our kills; "
            f"{worker.restarts - worker.killed_by_us} on its own)"
        )
        crashes = worker.log.read_text(errors="replace").count("Unrecoverable error")
        print(f"worker 'Unrecoverable error's: {crashes}; whole run {total:.0f} s")
    finally:
        worker.stop()
        web.stop()
        redis_server.ensure_running()


if __name__ == "__main__":
    main()
