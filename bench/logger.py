"""Benchmark: the progress-tracking ("logger") API (docs/logger.md) under gunicorn on PostgreSQL.

Prints requests/s, p50 and p99 of `PUT /api/logger/contentsession/{id}` with one interaction
(and 5 s of time), with 1 and 4 concurrent clients, each a different student with their own
session, as a student's exercise sends them; then the latency of the start answer
(`POST /api/logger/contentsession` of an exercise) and of the PUT for a student with no
history and for one with `--history` (6,000) past attempts on the same exercise.

The web processes get a broker (`--broker`, default REDIS_URL) as in production. Each PUT
recomputes its daily rollup in the request; with `--deferred-rollups` (ROLLUPS_AFTER_COMMIT)
it marks it stale and one Celery worker on the same machine recomputes it after the commit.
At the end the bench checks every rollup against a fresh recompute. `--in-process N`
instead measures the CPU one PUT costs (Django test client in this process, and its
PostgreSQL backend), which depends less on the machine's load; `--profile FILE` adds a
cProfile of those PUTs.

    eval "$(scripts/test-services.sh start)"      # throwaway PostgreSQL and Redis
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_logger'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_logger REDIS_URL=... \\
        .venv/bin/python bench/logger.py [--requests 2000] [--server-workers 4] [--in-process N]

The bench database is the bench's own: it is migrated, and each run deletes the logs,
XP, mastery and rollups of the bench course before it starts. Targets (issue 5): ≥ 300
PUT/s, p99 < 50 ms at 4 clients, no slow-down with the history.
"""

import argparse
import http.client
import json
import os
import statistics
import threading
import time
from pathlib import Path

from ingest import bench_env, free_port, setup_django, start_server, start_worker

APP_NAME = "Bench Logger App"
COURSE = "bench-logger-course"
LESSON = "bench-logger-lesson"
START_PATH = "/api/logger/contentsession"
MODEL = {"type": "m_of_n", "m": 10, "n": 10}
TARGETS = {"rate": 300.0, "p99": 50.0}


def ensure_catalogue(students: int):
    """The bench app's course, one lesson, one class with `students` students; the logs of
    earlier runs deleted. Answers the app's client id and secret."""
    from analytics.models import DailyActivity, StaleRollup
    from gradebook.models import LessonMastery, XpEntry
    from logger.models import ContentSummaryLog
    from rostering import partners, services
    from rostering.models import PartnerApp
    from rostering.services import RoleAssignment

    app = PartnerApp.objects.filter(name=APP_NAME).first() or partners.create_partner_app(
        name=APP_NAME, sandbox=False
    )
    client, secret = partners.issue_client_credentials(app=app)
    school, _ = services.upsert_org(sourced_id="bench-logger-school", name="School", type="school")
    course, _ = services.upsert_course(sourced_id=COURSE, title="Bench", partner_app=app)
    services.upsert_course_component(
        sourced_id=LESSON, title="Lesson", course=course, kind="lesson"
    )
    klass, _ = services.upsert_class(
        sourced_id="bench-logger-class", title="Class", course=course, school=school
    )
    for i in range(students):
        student, _ = services.upsert_user(
            sourced_id=f"bench-logger-student-{i}",
            first_name="Bench",
            last_name=str(i),
            roles=[RoleAssignment(org=school, role="student")],
        )
        services.upsert_enrollment(
            sourced_id=f"bench-logger-enrollment-{i}", user=student, klass=klass, role="student"
        )
    ContentSummaryLog.objects.filter(course=course).delete()
    for model in (XpEntry, LessonMastery, DailyActivity, StaleRollup):
        model.objects.filter(course=course).delete()
    return client.id, secret


class Client:
    """One HTTP client (a new connection per request: gunicorn's sync workers close them)."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict) -> tuple[float, dict]:
        payload = json.dumps(body)
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, payload, self.headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise SystemExit(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return elapsed, json.loads(data)

    def start(self, student: int, repeat: bool = False) -> tuple[float, dict]:
        return self.call(
            "POST",
            START_PATH,
            {
                "user_id": f"bench-logger-student-{student}",
                "node_id": LESSON,
                "kind": "exercise",
                "mastery_model": MODEL,
                "repeat": repeat,
            },
        )

    def put(self, session_id: str, interactions: list[dict]) -> float:
        body = {"time_spent_delta": 5, "interactions": interactions}
        return self.call("PUT", f"{START_PATH}/{session_id}", body)[0]


def token(port: int, client_id: str, secret: str) -> str:
    import base64

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    connection.request(
        "POST",
        "/auth/1.0/token",
        "grant_type=client_credentials",
        {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    return json.loads(connection.getresponse().read())["access_token"]


def interaction(n: int) -> dict:
    # Mostly wrong, so that m_of_n 10/10 is never met and every PUT scores the try.
    return {
        "item": f"item-{n}",
        "correct": 1 if n % 3 == 0 else 0,
        "time_spent": 5,
        "answer": {"n": n},
    }


def summary(timings: list[float], seconds: float | None = None) -> dict:
    """Latency percentiles (ms), and the rate when the timings ran for `seconds`."""
    timings = sorted(timings)
    return {
        "rate": len(timings) / seconds if seconds else None,
        "p50": statistics.median(timings),
        "p99": timings[max(0, int(len(timings) * 0.99) - 1)],
    }


def put_load(client: Client, first_student: int, clients: int, requests: int) -> dict:
    """`requests` PUTs shared by `clients` threads, each on its own student's session."""
    sessions = [client.start(first_student + i)[1]["session_id"] for i in range(clients)]
    timings: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def run(index: int):
        barrier.wait()
        for n in range(requests // clients):
            timings[index].append(client.put(sessions[index], [interaction(n)]))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return summary([t for per in timings for t in per], time.perf_counter() - began)


def with_history(client: Client, student: int, attempts: int, samples: int) -> dict:
    """Start-answer and PUT latency for a student whose try holds `attempts` attempts."""
    session = client.start(student)[1]["session_id"]
    for batch in range(0, attempts, 100):
        client.put(session, [interaction(batch + i) for i in range(min(100, attempts - batch))])
    starts, puts = [], []
    for n in range(samples):
        elapsed, answer = client.start(student)
        starts.append(elapsed)
        puts.append(client.put(answer["session_id"], [interaction(attempts + n)]))
    assert answer["totalattempts"] >= attempts, answer["totalattempts"]
    # The last start came after all but its own PUT: the window, or all there were.
    assert len(answer["pastattempts"]) == min(MODEL["n"], attempts + samples - 1)
    return {"start": summary(starts), "put": summary(puts)}


def in_process_settings(broker: str) -> None:
    """The in-process PUTs run with the web server's settings (bench_env: DEBUG off), so
    that Django's debug cursor (which formats and keeps every query) is not counted."""
    for name, value in bench_env(broker).items():
        if name in ("DEBUG", "SECRET_KEY", "OIDC_PRIVATE_KEY"):
            os.environ[name] = value


def in_process(requests: int, profile: str | None) -> None:
    """CPU cost of one PUT (Django test client in this process, same database), which
    depends less on the machine's load than the rates: this process's CPU, its PostgreSQL
    backend's (read from /proc: the server must run on this machine), and the queries; then
    the same for the recompute of one rollup, the worker's share of a PUT when nothing
    coalesces. With `profile`, writes a cProfile of the PUTs to that file."""
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test import Client as DjangoClient

    client_id, secret = ensure_catalogue(students=16)
    browser = DjangoClient()
    answer = browser.post(
        "/auth/1.0/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()
    headers = {"Authorization": f"Bearer {answer['access_token']}"}

    def call(method, path, body):
        response = getattr(browser, method)(
            path, body, content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.content[:300]
        return response.json()

    start = {"user_id": "bench-logger-student-0", "node_id": LESSON, "kind": "exercise"}
    session = call("post", START_PATH, {**start, "mastery_model": MODEL})["session_id"]
    path = f"{START_PATH}/{session}"
    for n in range(50):  # warm-up: imports, connection, caches
        call("put", path, {"time_spent_delta": 5, "interactions": [interaction(n)]})
    queries = []  # counted by a wrapper: each request resets Django's own query log
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        call("put", path, {"time_spent_delta": 5, "interactions": [interaction(50)]})

    # CPU clock: waits on PostgreSQL and the run queue are not the PUT's Python cost.
    profiler = cProfile.Profile(time.process_time) if profile else None
    with cpu_meter(connection) as put_cpu:
        if profiler:
            profiler.enable()
        for n in range(requests):
            call("put", path, {"time_spent_delta": 5, "interactions": [interaction(51 + n)]})
        if profiler:
            profiler.disable()
    print(f"PUT contentsession with one interaction, in process, {requests} requests, per PUT:")
    print(cpu_line(put_cpu, requests) + f"; {len(queries)} queries")
    if os.environ.get("BENCH_SHOW_QUERIES"):
        print("\n".join(q[:140] for q in queries))
    if profiler:
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    settle_in_process()
    if settings.ROLLUPS_AFTER_COMMIT:
        recompute_cost(requests)


def recompute_cost(times: int) -> None:
    """The recompute of one rollup key, as the worker's task runs it (marker included)."""
    from django.db import connection

    from analytics import rollups
    from analytics.models import DailyActivity

    key = DailyActivity.objects.filter(course__sourced_id=COURSE).values_list(
        "student_id", "course_id", "day"
    )[0]
    with cpu_meter(connection) as cpu:
        for _ in range(times):
            rollups.mark_stale([key])
            rollups.recompute_stale([key])
    print("Recompute of one rollup key (the worker's task, without Celery's own overhead):")
    print(cpu_line(cpu, times))


def process_cpu(pid: int) -> float | None:
    """CPU seconds a process of this machine has used, None when /proc does not show it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class cpu_meter:
    """CPU seconds of this process and of its PostgreSQL backend (None when /proc does not
    show the backend), and wall seconds, spent inside the block."""

    def __init__(self, connection):
        self.connection = connection

    def backend(self) -> float | None:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        return process_cpu(pid)

    def __enter__(self):
        self.started = (time.process_time(), self.backend(), time.perf_counter())
        return self

    def __exit__(self, *exc):
        ended = (time.process_time(), self.backend(), time.perf_counter())
        self.python = ended[0] - self.started[0]
        self.postgres = None if ended[1] is None else ended[1] - self.started[1]
        self.wall = ended[2] - self.started[2]


def cpu_line(cpu: cpu_meter, times: int) -> str:
    postgres = "n/a" if cpu.postgres is None else f"{cpu.postgres / times * 1000:.2f} ms"
    return (
        f"  {cpu.python / times * 1000:.2f} ms CPU in Python, {postgres} CPU in PostgreSQL,"
        f" {cpu.wall / times * 1000:.2f} ms wall"
    )


def settle_in_process() -> None:
    """No worker ran: recompute what the PUTs left stale, and drop their queued tasks."""
    from celery import current_app

    from analytics import rollups
    from analytics.models import StaleRollup

    rollups.recompute_stale(list(StaleRollup.objects.values_list("student_id", "course_id", "day")))
    if os.environ["CELERY_BROKER_URL"]:
        current_app.control.purge()


def rollups_settled(timeout: float = 120) -> dict:
    """Wait until the worker has recomputed every stale rollup of the bench course; answers
    how long that took after the load and whether every row equals a fresh derivation."""
    from analytics import rollups
    from analytics.models import DailyActivity, StaleRollup

    began = time.perf_counter()
    stale = StaleRollup.objects.filter(course__sourced_id=COURSE)
    while stale.exists():
        if time.perf_counter() - began > timeout:
            raise SystemExit(f"{stale.count()} rollups still stale after {timeout} s")
        time.sleep(0.05)
    lag = time.perf_counter() - began
    rows = DailyActivity.objects.filter(course__sourced_id=COURSE)
    keys = set(rows.values_list("student_id", "course_id", "day"))
    fresh = rollups._derive(keys)
    fields = list(rollups.EMPTY)
    wrong = [
        row
        for row in rows
        if [getattr(row, f) for f in fields]
        != [fresh[(row.student_id, row.course_id, row.day)][f] for f in fields]
    ]
    return {"lag": lag, "rows": len(keys), "wrong": len(wrong)}


def line(name: str, figures: dict) -> str:
    rate = f"{figures['rate']:7.0f} req/s  " if figures["rate"] else " " * 14
    return f"  {name:<38} {rate}p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="PUTs per load phase")
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--history", type=int, default=6000, help="past attempts of one student")
    parser.add_argument("--samples", type=int, default=200, help="starts measured per history")
    parser.add_argument(
        "--in-process", type=int, metavar="N", help="only: CPU ms of N PUTs in this process"
    )
    parser.add_argument("--profile", metavar="FILE", help="with --in-process: cProfile to FILE")
    parser.add_argument(
        "--broker", default=os.environ.get("REDIS_URL", ""), help="default: REDIS_URL"
    )
    parser.add_argument(
        "--deferred-rollups",
        action="store_true",
        help="ROLLUPS_AFTER_COMMIT: rollups recomputed after commit by one Celery worker",
    )
    args = parser.parse_args()
    if args.deferred_rollups and not args.broker:
        parser.error("--deferred-rollups needs a broker")

    os.environ["CELERY_BROKER_URL"] = args.broker
    os.environ["ROLLUPS_AFTER_COMMIT"] = "true" if args.deferred_rollups else "false"
    if args.in_process:
        in_process_settings(args.broker)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.in_process:
        return in_process(args.in_process, args.profile)
    client_id, secret = ensure_catalogue(students=16)
    port = free_port()
    server = start_server(port, args.server_workers, broker=args.broker)
    problems = []  # the worker's log lines with errors or retries
    worker = start_worker(args.broker, problems) if args.deferred_rollups else None
    try:
        client = Client(port, token(port, client_id, secret))
        put_load(client, 10, 2, 200)  # warm-up: every worker imports and connects
        worker_cpu = [process_cpu(worker.pid) if worker else None]
        one = put_load(client, 0, 1, args.requests)
        four = put_load(client, 1, 4, args.requests)
        settled_load = rollups_settled()
        worker_cpu.append(process_cpu(worker.pid) if worker else None)
        fresh = with_history(client, 5, 0, args.samples)
        long = with_history(client, 6, args.history, args.samples)
        settled = rollups_settled()
    finally:
        server.terminate()
        server.wait()
        if worker:
            worker.terminate()
            worker.wait(timeout=30)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Logger API, gunicorn {args.server_workers} sync workers, PostgreSQL, 127.0.0.1")
    if worker:
        print("Rollups recomputed after commit by one Celery worker (solo) on the same machine")
    else:
        print("Rollups recomputed in each request (ROLLUPS_AFTER_COMMIT off)")
    print(f"Load average at the end (1, 5, 15 min): {load}")
    print(f"PUT contentsession with one interaction ({args.requests} requests per phase):")
    print(line("1 client", one))
    print(line("4 clients", four))
    if None not in worker_cpu:
        per_put = (worker_cpu[1] - worker_cpu[0]) / (2 * args.requests) * 1000
        print(f"  the worker's CPU: {per_put:.2f} ms per PUT (its recomputes coalesce under load)")
        print(f"  rollups settled {settled_load['lag']:.2f} s after the last PUT")
    print(f"Start answer and PUT of an exercise, {args.samples} sequential requests each:")
    print(line("start, no past attempts", fresh["start"]))
    print(line(f"start, {args.history} past attempts", long["start"]))
    print(line("PUT, no past attempts", fresh["put"]))
    print(line(f"PUT, {args.history} past attempts", long["put"]))
    for problem in problems[:5]:
        print(f"  !! worker: {problem}")
    print(
        f"Rollups: {settled['rows']} rows, settled {settled['lag']:.2f} s after the last request,"
        f" {settled['wrong']} differing from a fresh recompute"
    )
    met = four["rate"] >= TARGETS["rate"] and four["p99"] < TARGETS["p99"]
    print(
        f"Targets: ≥ {TARGETS['rate']:.0f} PUT/s and p99 < {TARGETS['p99']:.0f} ms at 4 clients: "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
