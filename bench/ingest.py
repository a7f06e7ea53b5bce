"""Benchmark: Caliper ingestion (accepted events/s, latency) and processing (events/s, RSS).

Runs against PostgreSQL through a real gunicorn server on 127.0.0.1 with a real bearer
token, and a real Celery worker on Redis, then prints figures:

    scripts/test-services.sh start      # throwaway PostgreSQL :55432 and Redis :56379
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_ingest'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_ingest \\
    REDIS_URL=redis://127.0.0.1:56379/15 .venv/bin/python bench/ingest.py

`--in-process N` only measures the CPU of N 100-event envelopes in this process (the
service alone, then through the view with Django's test client) and PostgreSQL's backend
CPU, which the machine's load moves far less than the rates; `--profile FILE` adds a
cProfile of the service's envelopes.

`--events 1000000 --single-events 2000 --poll 5` is the long run (about 27 minutes on 2
cores, most of it processing). `make test` stops the shared servers when it ends: to keep
it from doing so mid-run, prefix the command with
`flock ${TMPDIR:-/tmp}/timeback-test-services-$(id -u).lock`, the lock `make test` and
`make bench` take.

The bench database is the bench's own: every run empties the event store and everything
derived from it (the events and gradebook tables) and keeps the catalogue. The broker is
database 15 of the Redis server of REDIS_URL, flushed at the start.

Workload: `--students` students of one course (owned by the bench's partner app) with
`--lessons` lessons; each run of a student is a TimeSpentEvent and an ActivityEvent
(TimebackProfile, same runId): 10 questions, 60-100 % right, a quarter with xpEarned, a
tenth with masteredUnits, an eighth asking for an AssessmentResult, every tenth a second
attempt; 20,000 events a day. Every event is new (a new uuid per event and per run).

Phases, in this order:
1. setup: migrate; the partner app with new client credentials; course, lessons, students
   (rostering.services).
2. ingestion: `--clients` client processes POST to gunicorn (`--server-workers` sync
   workers, CELERY_BROKER_URL = the Redis database: a request stores and enqueues, and no
   worker runs meanwhile): accepted events/s with 1-event envelopes (`--single-events`),
   sequential single-event POST latency (`--latency-requests`), accepted events/s with
   `--envelope`-event envelopes (`--events`). Bodies are built before the clock starts.
3. the rows of phase 2's big envelopes written with one plain `COPY` (psycopg) into an
   unindexed jsonb table: events/s, and the ratio ingestion / COPY.
4. processing by ONE worker: `celery -A timeback worker --pool=solo --concurrency=1`
   started on the queue the ingestion filled (FIFO: the 1-event tasks first), timed from its
   "ready" until no stored event is pending (polling the count every `--poll` seconds);
   events/s overall and per envelope size; its VmRSS (/proc/<pid>/status) at each poll.
"""

import argparse
import http.client
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")

PATH = "/ims/caliper/v1p2/events"
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
APP_NAME = "Bench Ingest App"
COURSE = "bench-ingest-course"
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
RUNS_PER_DAY = 10_000  # 200 students x 50 activities a day: 20,000 events a day
TARGETS = {
    "accepted": 5_000,  # events/s, 100-event envelopes
    "p50": 15.0,  # ms, single-event POST
    "processed": 1_000,  # events/s, one worker
    "rss": 10.0,  # percent, worker RSS drift first -> last
}


# --- events ---------------------------------------------------------------------------


class Shape:
    """Which student, lesson, attempt and time event number `index` of a run is about."""

    def __init__(self, seed: int, students: int, lessons: int):
        self.seed, self.students, self.lessons = seed, students, lessons

    def event(self, index: int) -> dict:
        run, is_activity = divmod(index, 2)
        student_number, nth = run % self.students, run // self.students
        student = f"bench-stu-{student_number:04d}"
        # The student's nth activity, ten to a lesson; every tenth is a second attempt at
        # the activity before it.
        lesson = f"bench-lesson-{nth // 10 % self.lessons:03d}"
        activity, attempt = (nth - 1, 2) if nth % 10 == 9 else (nth, 1)
        at = START + timedelta(seconds=run * 86_400 // RUNS_PER_DAY + is_activity)
        mix = nth + student_number  # varies what each student's activities report
        event = {
            "@context": DATA_VERSION,
            "id": f"urn:uuid:{uuid.UUID(int=(self.seed << 64) | index, version=4)}",
            "type": "ActivityEvent" if is_activity else "TimeSpentEvent",
            "action": "Completed" if is_activity else "SpentTime",
            "profile": "TimebackProfile",
            "eventTime": at.isoformat().replace("+00:00", "Z"),
            "actor": {"id": USERS + student, "type": "TimebackUser"},
            "object": {
                "id": lesson,
                "type": "TimebackActivityContext",
                "activity": {"id": f"bench-activity-{student_number}-{activity}"},
                "course": {"id": COURSE},
            },
            "extensions": {
                "course": {"id": COURSE},
                "lesson": {"id": lesson},
                "runId": f"run-{self.seed:x}-{run}",
            },
        }
        if is_activity:
            items = [("totalQuestions", 10), ("correctQuestions", 6 + mix % 5)]
            if mix % 4 == 0:
                items.append(("xpEarned", 8 + mix % 5))
            if mix % 10 == 0:
                items.append(("masteredUnits", 1))
            if mix % 8 == 1:
                event["object"]["process"] = True  # asks for an AssessmentResult
            event["generated"] = {
                "id": f"urn:uuid:{uuid.UUID(int=(self.seed << 64) | index, version=1)}",
                "type": "TimebackActivityMetricsCollection",
                "attempt": attempt,
                "items": [{"type": name, "value": value} for name, value in items],
            }
        else:
            seconds = {"active": 240 + mix * 37 % 300, "inactive": 20 + mix % 40}
            if mix % 6 == 0:
                seconds["waste"] = 15
            event["generated"] = {
                "id": f"urn:uuid:{uuid.UUID(int=(self.seed << 64) | index, version=1)}",
                "type": "TimebackTimeSpentMetricsCollection",
                "items": [{"type": name, "value": value} for name, value in seconds.items()],
            }
        return event

    def envelope(self, first: int, count: int) -> bytes:
        return orjson.dumps(
            {
                "sensor": "https://bench-ingest.example",
                "sendTime": START.isoformat().replace("+00:00", "Z"),
                "dataVersion": DATA_VERSION,
                "data": [self.event(i) for i in range(first, first + count)],
            }
        )


# --- setup ----------------------------------------------------------------------------


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty_event_store() -> None:
    """Every run starts from an empty event store and ledger (the catalogue stays)."""
    from django.apps import apps
    from django.db import connection

    tables = [
        model._meta.db_table
        for label in ("events", "gradebook")
        for model in apps.get_app_config(label).get_models()
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def ensure_catalogue(students: int, lessons: int):
    from rostering import partners, services
    from rostering.models import ComponentKind, CourseComponent, PartnerApp, User

    app = PartnerApp.objects.filter(name=APP_NAME).first() or partners.create_partner_app(
        name=APP_NAME
    )
    school, _ = services.upsert_org(sourced_id="bench-ingest-school", name="Bench", type="school")
    course, _ = services.upsert_course(
        sourced_id=COURSE, title="Bench Math", partner_app=app, metadata={"totalUnits": 10}
    )
    unit, _ = services.upsert_course_component(
        sourced_id="bench-unit", title="Unit", course=course, kind=ComponentKind.UNIT
    )
    have = set(
        CourseComponent.objects.filter(course=course, kind=ComponentKind.LESSON).values_list(
            "sourced_id", flat=True
        )
    )
    for n in range(lessons):
        if f"bench-lesson-{n:03d}" not in have:
            services.upsert_course_component(
                sourced_id=f"bench-lesson-{n:03d}",
                title=f"Lesson {n}",
                course=course,
                parent=unit,
                kind=ComponentKind.LESSON,
            )
    have = set(
        User.objects.filter(sourced_id__startswith="bench-stu-").values_list(
            "sourced_id", flat=True
        )
    )
    for n in range(students):
        if f"bench-stu-{n:04d}" not in have:
            services.upsert_user(
                sourced_id=f"bench-stu-{n:04d}",
                first_name="Student",
                last_name=str(n),
                roles=[services.RoleAssignment(org=school, role="student")],
            )
    client, secret = partners.issue_client_credentials(app=app)
    return client.id, secret


def bench_env(broker: str) -> dict:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-not-for-production-use-0123456789",
        "CELERY_BROKER_URL": broker,
    }
    env.setdefault("OIDC_PRIVATE_KEY", (ROOT / "var" / "oidc-dev-key.pem").read_text())
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, broker: str) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "timeback.wsgi"),
            *("-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=bench_env(broker),
        stdout=subprocess.DEVNULL,  # gunicorn.conf.py's access log: one line per request
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


# --- clients --------------------------------------------------------------------------


def post(port: int, token: str, body: bytes) -> dict:
    """One POST on a new connection (gunicorn's sync workers close every connection)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            PATH,
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"POST answered {response.status}: {data[:300]!r}")
    return orjson.loads(data)


def _client(shape, port, token, envelopes, size, barrier, results) -> None:
    bodies = [shape.envelope(first, size) for first in envelopes]  # built before the clock
    accepted = duplicates = rejected = 0
    barrier.wait()
    for body in bodies:
        answer = post(port, token, body)
        accepted += answer["accepted"]
        duplicates += answer["duplicates"]
        rejected += len(answer["rejected"])
    results.put((accepted, duplicates, rejected, time.perf_counter()))


def ingest(shape, port, token, first: int, events: int, size: int, clients: int) -> dict:
    """Post events [first, first + events) in envelopes of `size` from `clients` processes."""
    from django.db import connections

    connections.close_all()
    starts = list(range(first, first + events, size))
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(clients + 1), context.Queue()
    processes = [
        context.Process(
            target=_client,
            args=(shape, port, token, starts[k::clients], size, barrier, results),
        )
        for k in range(clients)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    began = time.perf_counter()
    answers = [results.get() for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a client failed (exit code {process.exitcode})")
    seconds = max(a[3] for a in answers) - began
    accepted = sum(a[0] for a in answers)
    return {
        "accepted": accepted,
        "duplicates": sum(a[1] for a in answers),
        "rejected": sum(a[2] for a in answers),
        "seconds": seconds,
        "rate": accepted / seconds,
        "requests": len(starts),
    }


def latency(shape, port, token, first: int, count: int) -> dict:
    bodies = [shape.envelope(first + i, 1) for i in range(count)]
    timings = []
    for body in bodies:
        began = time.perf_counter()
        answer = post(port, token, body)
        timings.append((time.perf_counter() - began) * 1000)
        if answer["accepted"] != 1:
            raise SystemExit(f"a single event was not accepted: {answer}")
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "p99": timings[int(len(timings) * 0.99) - 1],
        "mean": statistics.fmean(timings),
    }


# --- CPU ------------------------------------------------------------------------------


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by process `root` and its descendants,
    those that ended included (a parent that waited for them holds their time)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, stack = 0, [(root, True)]
    while stack:
        pid, is_root = stack.pop()
        fields = _stat(pid)
        if fields is None:
            continue
        total += int(fields[11]) + int(fields[12])
        if is_root:
            total += int(fields[13]) + int(fields[14])  # children already waited for
        stack.extend((child, False) for child in children.get(pid, ()))
    return total / TICK


def postmaster_pid() -> int | None:
    """The pid of the PostgreSQL server of DATABASE_URL, when it runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        directory = cursor.fetchone()[0]
    try:
        return int((Path(directory) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CpuMeter:
    """CPU seconds the web server (gunicorn and its workers) and PostgreSQL spend over a
    phase: what the phase costs whatever else runs on the machine."""

    def __init__(self, server_pid: int | None, pg_pid: int | None):
        self.pids = {"web": server_pid, "PostgreSQL": pg_pid}
        self.start = self.read()

    def read(self) -> dict[str, float]:
        return {name: tree_cpu(pid) if pid else 0.0 for name, pid in self.pids.items()}

    def per(self, count: int) -> str:
        """'web 95 µs + PostgreSQL 80 µs' per counted unit since the meter was made."""
        now = self.read()
        parts = [
            f"{name} {(now[name] - self.start[name]) / count * 1e6:.0f} µs"
            for name, pid in self.pids.items()
            if pid
        ]
        return " + ".join(parts)


def pg_settings() -> str:
    """The server's durability settings, which the figures depend on."""
    from django.db import connection

    names = ("server_version", "fsync", "synchronous_commit", "full_page_writes")
    with connection.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(values)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- COPY -----------------------------------------------------------------------------


def copy_rate(shape, first: int, events: int) -> dict:
    """The same rows, written by one plain COPY into a table of (random uuid primary key,
    jsonb): a store that keeps the rows unique, with nothing else to do."""
    from django.db import connection

    rows = [
        (str(uuid.uuid4()), orjson.dumps(shape.event(i)).decode())
        for i in range(first, first + events)
    ]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_raw")
        cursor.execute("CREATE TABLE bench_copy_raw (id uuid PRIMARY KEY, raw jsonb NOT NULL)")
        began = time.perf_counter()
        with cursor.copy("COPY bench_copy_raw (id, raw) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        seconds = time.perf_counter() - began
        cursor.execute("SELECT count(*) FROM bench_copy_raw")
        stored = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy_raw")
    return {"events": stored, "seconds": seconds, "rate": stored / seconds}


# --- worker ---------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pending() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_caliperevent WHERE status = 'pending'")
        return cursor.fetchone()[0]


def start_worker(broker: str, problems: list, concurrency: int = 1) -> subprocess.Popen:
    """One Celery worker, once it is ready: solo (one process) by default, else the
    README's production command (`--concurrency N`, prefork); its log lines with errors or
    retries are appended to `problems`."""
    pool = ("--pool=solo",) if concurrency == 1 else ("--pool=prefork",)
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "timeback", "worker"),
            *(*pool, f"--concurrency={concurrency}", "--loglevel=INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=bench_env(broker),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    ready = threading.Event()

    def read_log():
        for line in worker.stderr:
            if " ready." in line:
                ready.set()
            elif "ERROR" in line or "Retry" in line or "Traceback" in line:
                problems.append(line.rstrip())

    threading.Thread(target=read_log, daemon=True).start()
    if not ready.wait(120):
        worker.kill()
        raise SystemExit("the celery worker did not start")
    return worker


def process_all(broker: str, total: int, tail: int, poll: float) -> dict:
    """Start one solo worker, wait until nothing is pending; sample its RSS meanwhile."""
    problems = []
    worker = start_worker(broker, problems)
    began = time.perf_counter()
    samples = []  # (seconds, pending, rss KiB)
    tail_began = None
    try:
        while True:
            left = pending()
            now = time.perf_counter() - began
            samples.append((now, left, rss_kib(worker.pid)))
            if tail_began is None and left <= tail:
                tail_began = now
            if left == 0:
                break
            if worker.poll() is not None:
                raise SystemExit(f"the worker exited ({worker.returncode}) with {left} pending")
            stalled = [s for s in samples if s[1] == left]
            if now - stalled[0][0] > 120:
                raise SystemExit(f"no progress for 120 s with {left} events pending")
            time.sleep(poll)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    seconds = samples[-1][0]
    return {
        "seconds": seconds,
        "rate": total / seconds,
        "tail_rate": tail / (seconds - tail_began),
        "head_rate": (total - tail) / tail_began if tail_began else None,
        "samples": samples,
        "problems": problems,
    }


# --- in process -------------------------------------------------------------------------


def in_process(envelopes: int, size: int, profile: str | None) -> None:
    """CPU per event of `envelopes` new envelopes of `size` events: the ingestion service
    alone (`events.services.ingest`), then the whole request (Django's test client through
    the view, token included); this process's CPU and its PostgreSQL backend's (read from
    /proc: the server must run on this machine), and the statements per envelope. The
    on-commit hand-off publishes to the broker of CELERY_BROKER_URL (no worker runs)."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from events import services
    from rostering.models import PartnerApp

    client_id, secret = ensure_catalogue(200, 20)
    app = PartnerApp.objects.get(name=APP_NAME)
    shape = Shape(random.getrandbits(64), 200, 20)
    bodies = iter([shape.envelope(n * size, size) for n in range(3 * envelopes + 20)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = _stat(backend)
        return (int(fields[11]) + int(fields[12])) / TICK

    def measure(send, count: int, profiler=None) -> str:
        python, pg = time.process_time(), backend_cpu()
        if profiler:
            profiler.enable()
        for _ in range(count):
            send(next(bodies))
        if profiler:
            profiler.disable()
        events = count * size
        return (
            f"Python {(time.process_time() - python) / events * 1e6:.1f} µs + PostgreSQL "
            f"{(backend_cpu() - pg) / events * 1e6:.1f} µs per event"
        )

    def service(body: bytes) -> None:
        answer = services.ingest(app=app, body=body)
        assert answer.accepted == size, answer.body()

    browser = DjangoClient()
    token = browser.post(
        "/auth/1.0/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def request(body: bytes) -> None:
        response = browser.post(PATH, body, content_type="application/json", headers=headers)
        assert response.status_code == 200 and response.json()["accepted"] == size, response

    for _ in range(5):  # warm-up: imports, connection, caches
        service(next(bodies))
        request(next(bodies))
    with CaptureQueriesContext(connection) as queries:
        service(next(bodies))
    print(pg_settings() + "; " + load())
    print(f"{size}-event envelopes, in process, {envelopes} each:")
    print(f"  service: {measure(service, envelopes)}; {len(queries)} statements per envelope")
    print(f"  request: {measure(request, envelopes)}")
    if profile:
        profiler = cProfile.Profile(time.process_time)
        measure(service, envelopes, profiler)
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


# --- main -----------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in big envelopes")
    parser.add_argument("--envelope", type=int, default=100, help="events per big envelope")
    parser.add_argument("--single-events", type=int, default=10_000)
    parser.add_argument("--latency-requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--server-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=20)
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--rounds", type=int, default=2, help="ingestion/COPY alternations")
    parser.add_argument("--no-processing", action="store_true", help="stop after ingestion")
    parser.add_argument(
        "--in-process", type=int, metavar="N", help="only: CPU per event of N envelopes in process"
    )
    parser.add_argument("--profile", metavar="FILE", help="with --in-process: cProfile to FILE")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")
    if not os.environ.get("REDIS_URL"):
        raise SystemExit("Set REDIS_URL to a Redis database for the broker (see the docstring).")
    os.environ.pop("CELERY_BROKER_URL", None)  # this process enqueues nothing
    broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))
    import redis

    redis.Redis.from_url(broker).flushdb()

    if args.in_process:
        os.environ["CELERY_BROKER_URL"] = broker  # read by the settings django.setup() loads
        setup_django()
        empty_event_store()
        return in_process(args.in_process, args.envelope, args.profile)
    setup_django()
    empty_event_store()
    client_id, secret = ensure_catalogue(args.students, args.lessons)
    shape = Shape(random.getrandbits(64), args.students, args.lessons)
    pg_pid = postmaster_pid()
    print(pg_settings())
    port = free_port()
    server = start_server(port, args.server_workers, broker)
    try:
        answer = requests.post(
            f"http://127.0.0.1:{port}/auth/1.0/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=120,  # the workers import Django on their first request: slow under load
        )
        token = answer.json()["access_token"]
        for _ in range(4 * args.server_workers):  # warm-up: each worker's first requests
            requests.get(
                f"http://127.0.0.1:{port}{PATH}", headers={"Authorization": f"Bearer {token}"}
            )
        print(
            f"PostgreSQL, gunicorn {args.server_workers} sync workers on 127.0.0.1, broker "
            f"{broker} (no worker running), {args.clients} client processes, "
            f"{os.cpu_count()} cores; {args.students} students, {args.lessons} lessons; "
            "TimeSpentEvent + ActivityEvent pairs (TimebackProfile); load average "
            + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )
        first = 0
        meter = CpuMeter(server.pid, pg_pid)
        single = ingest(shape, port, token, first, args.single_events, 1, args.clients)
        first += args.single_events
        print(
            f"accepted, 1-event envelopes:   {single['rate']:8.0f} events/s "
            f"({single['accepted']} events, {single['seconds']:.1f} s; CPU per event "
            f"{meter.per(max(single['accepted'], 1))}; {load()})"
        )
        lat = latency(shape, port, token, first, args.latency_requests)
        first += args.latency_requests
        print(
            f"single-event POST, sequential: p50 {lat['p50']:.1f} ms  p95 {lat['p95']:.1f} ms  "
            f"p99 {lat['p99']:.1f} ms  mean {lat['mean']:.1f} ms ({args.latency_requests} requests)"
        )
        # Ours and COPY alternate, round by round on the same rows, so that both see the
        # same machine (its load varies from minute to minute).
        rounds = []
        per_round = args.events // args.rounds
        for _ in range(args.rounds):
            meter = CpuMeter(server.pid, pg_pid)
            bulk = ingest(shape, port, token, first, per_round, args.envelope, args.clients)
            cpu = meter.per(bulk["accepted"])
            copied = copy_rate(shape, first, per_round)
            first += per_round
            rounds.append((bulk, copied))
            print(
                f"accepted, {args.envelope}-event envelopes: {bulk['rate']:8.0f} events/s "
                f"({bulk['accepted']} events in {bulk['requests']} requests, "
                f"{bulk['seconds']:.1f} s; CPU per event {cpu}); COPY of the same rows "
                f"{copied['rate']:.0f} rows/s; ingestion / COPY = "
                f"{bulk['rate'] / copied['rate']:.2f}; {load()}"
            )
        bulk = {
            "accepted": sum(b["accepted"] for b, _ in rounds),
            "duplicates": sum(b["duplicates"] for b, _ in rounds),
            "rejected": sum(b["rejected"] for b, _ in rounds),
        }
        bulk["rate"] = bulk["accepted"] / sum(b["seconds"] for b, _ in rounds)
        copied_rate = sum(c["events"] for _, c in rounds) / sum(c["seconds"] for _, c in rounds)
        for name, phase in (("1-event", single), (f"{args.envelope}-event", bulk)):
            if phase["duplicates"] or phase["rejected"]:
                print(
                    f"  !! {name} envelopes: {phase['duplicates']} duplicates, "
                    f"{phase['rejected']} rejected"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"ingestion, all rounds: {bulk['rate']:.0f} events/s; COPY (random uuid primary key, "
        f"jsonb) {copied_rate:.0f} rows/s; ingestion / COPY = {bulk['rate'] / copied_rate:.2f}"
    )
    if args.no_processing:
        return

    total = pending()
    print(f"processing {total} pending events with one worker (celery --pool=solo) ...")
    done = process_all(broker, total, bulk["accepted"], args.poll)
    head = total - bulk["accepted"]  # the 1-event envelopes' tasks, queued first (FIFO)
    print(
        f"processed, one worker:         {done['rate']:8.0f} events/s overall "
        f"({total} events, {done['seconds']:.1f} s from 'ready'): "
        f"{done['tail_rate']:.0f} events/s over the {bulk['accepted']} events of "
        f"{args.envelope}-event envelopes, "
        f"{done['head_rate'] or 0:.0f} events/s over the {head} of 1-event envelopes"
    )
    samples = [s for s in done["samples"] if s[1] < total] or done["samples"]
    rss = [s[2] for s in samples]
    drift = (rss[-1] - rss[0]) / rss[0] * 100
    # (seconds, RSS) when each tenth of the events had been processed
    at = {
        tenth: next((t, kib) for t, left, kib in samples if total - left >= tenth * total / 10)
        for tenth in range(1, 11)
    }
    warm_drift = (rss[-1] - at[1][1]) / at[1][1] * 100
    print(
        f"worker RSS: first {rss[0] / 1024:.1f} MiB, last {rss[-1] / 1024:.1f} MiB "
        f"({drift:+.1f} %; {warm_drift:+.1f} % from 10 % processed), "
        f"min {min(rss) / 1024:.1f}, max {max(rss) / 1024:.1f} MiB"
    )
    print("  by tenth processed: events/s over the tenth, RSS (MiB) at its end")
    previous = 0.0
    for tenth, (t, kib) in at.items():
        rate = total / 10 / (t - previous) if t > previous else float("nan")
        print(f"    {tenth * 10:3d} %  {rate:7.0f} events/s  {kib / 1024:6.1f} MiB")
        previous = t
    if done["problems"]:
        print(f"  !! {len(done['problems'])} worker log lines with errors/retries, e.g.:")
        for line in done["problems"][:5]:
            print("    " + line[:200])
    report_outcome()
    print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "targets: accepted >= 5,000 events/s: "
        f"{verdict(bulk['rate'] >= TARGETS['accepted'])}; single-event p50 <= 15 ms: "
        f"{verdict(lat['p50'] <= TARGETS['p50'])}; one worker >= 1,000 events/s: "
        f"{verdict(done['tail_rate'] >= TARGETS['processed'])}; RSS within +-10 %: "
        f"{verdict(abs(drift) <= TARGETS['rss'])}"
    )


def report_outcome() -> None:
    """What processing produced, as a sanity check of the figures."""
    from django.db.models import Count

    from analytics.models import DailyActivity
    from events.models import CaliperEvent, TimeSpentFact
    from gradebook.models import AssessmentResult, LessonMastery, XpEntry, XpFlag

    statuses = dict(CaliperEvent.objects.values_list("status").annotate(n=Count("id")))
    print(
        f"  events by status {statuses}; time facts {TimeSpentFact.objects.count()}, "
        f"XP entries {XpEntry.objects.count()}, XP flags {XpFlag.objects.count()}, "
        f"results {AssessmentResult.objects.count()}, "
        f"lesson masteries {LessonMastery.objects.count()}, "
        f"daily rollups {DailyActivity.objects.count()}"
    )


if __name__ == "__main__":
    main()
