"""Benchmark: the progress-tracking ("logger") API (SPEC §4.5) under gunicorn on PostgreSQL.

Prints requests/s, p50 and p99 of `PUT /api/logger/contentsession/{id}` with one interaction
(and 5 s of time), with 1 and 4 concurrent clients, each a different student with their own
session, as a student's exercise sends them; then the latency of the start answer
(`POST /api/logger/contentsession` of an exercise) and of the PUT for a student with no
history and for one with `--history` (6,000) past attempts on the same exercise.

    scripts/test-services.sh start      # throwaway PostgreSQL (and Redis, unused here)
    psql -h 127.0.0.1 -p 55432 -U postgres -c 'CREATE DATABASE timeback_bench_logger'
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_logger \\
        .venv/bin/python bench/logger.py [--requests 2000] [--server-workers 4]

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

from ingest import ROOT, free_port, setup_django, start_server  # noqa: F401 - ROOT sets sys.path

APP_NAME = "Bench Logger App"
COURSE = "bench-logger-course"
LESSON = "bench-logger-lesson"
START_PATH = "/api/logger/contentsession"
MODEL = {"type": "m_of_n", "m": 10, "n": 10}
TARGETS = {"rate": 300.0, "p99": 50.0}


def ensure_catalogue(students: int):
    """The bench app's course, one lesson, one class with `students` students; the logs of
    earlier runs deleted. Answers the app's client id and secret."""
    from events.models import DailyActivity
    from gradebook.models import ContentSummaryLog, LessonMastery, XpEntry
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
    for model in (XpEntry, LessonMastery, DailyActivity):
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


def line(name: str, figures: dict) -> str:
    rate = f"{figures['rate']:7.0f} req/s  " if figures["rate"] else " " * 14
    return f"  {name:<38} {rate}p50 {figures['p50']:6.1f} ms  p99 {figures['p99']:6.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="PUTs per load phase")
    parser.add_argument("--server-workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--history", type=int, default=6000, help="past attempts of one student")
    parser.add_argument("--samples", type=int, default=200, help="starts measured per history")
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    client_id, secret = ensure_catalogue(students=16)
    port = free_port()
    server = start_server(port, args.server_workers, broker="")
    try:
        client = Client(port, token(port, client_id, secret))
        put_load(client, 10, 2, 200)  # warm-up: every worker imports and connects
        one = put_load(client, 0, 1, args.requests)
        four = put_load(client, 1, 4, args.requests)
        fresh = with_history(client, 5, 0, args.samples)
        long = with_history(client, 6, args.history, args.samples)
    finally:
        server.terminate()
        server.wait()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Logger API, gunicorn {args.server_workers} sync workers, PostgreSQL, 127.0.0.1")
    print(f"Load average at the end (1, 5, 15 min): {load}")
    print(f"PUT contentsession with one interaction ({args.requests} requests per phase):")
    print(line("1 client", one))
    print(line("4 clients", four))
    print(f"Start answer and PUT of an exercise, {args.samples} sequential requests each:")
    print(line("start, no past attempts", fresh["start"]))
    print(line(f"start, {args.history} past attempts", long["start"]))
    print(line("PUT, no past attempts", fresh["put"]))
    print(line(f"PUT, {args.history} past attempts", long["put"]))
    met = four["rate"] >= TARGETS["rate"] and four["p99"] < TARGETS["p99"]
    print(
        f"Targets: ≥ {TARGETS['rate']:.0f} PUT/s and p99 < {TARGETS['p99']:.0f} ms at 4 clients: "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
