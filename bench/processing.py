"""Benchmark: processing stored Caliper events (issue 16's processing goals).

The standard mix: 100-event envelopes of the ingestion bench's runs (bench/ingest.py,
`Shape`: a TimeSpentEvent and an ActivityEvent per run, same runId), with one event in ten
an AssessmentItemEvent (answered question of the run's lesson, 70 % right) and one in ten a
GradeEvent (points, 60-100 % of 10: some master their lesson; every fifth scored in XP).

    DATABASE_URL=postgres://postgres@127.0.0.1:PORT/timeback_bench_ingest \\
    REDIS_URL=redis://127.0.0.1:PORT/15 .venv/bin/python bench/processing.py --in-process

Phases (each empties the event store and ledger first, keeps the catalogue):
- `--in-process`: store `--events` events (events.services.ingest, in this process, no
  queue), then process them in this process as one worker's tasks do (one task per
  envelope, in order, claiming as a real worker's task does): this process's CPU and its
  PostgreSQL backend's CPU per event (read from /proc), statements per event; with
  `--profile FILE`, a cProfile of the processing.
- `--workers`: store the events, then start ONE solo Celery worker on the broker that holds
  their tasks and time it from ready until nothing is pending (events/s, its CPU and
  PostgreSQL's per event); again with TWO workers (two ÷ one); meanwhile
  `pg_stat_activity` is sampled for sessions waiting on a lock.
- `--load SECONDS`: one worker running while 8 client processes POST 100-event envelopes
  and 8 read pages, for SECONDS: the backlog (pending events) sampled every 5 s must not
  grow; then the time to drain it. `--load-concurrency N` runs the README's production
  command instead (`celery worker --concurrency N`, prefork: N processes).
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import ingest  # noqa: E402 - bench/ is not a package


def _bench_module(name: str):
    """bench/<name>.py by its path: `logger` is also the name of the project's app."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


logger_bench = _bench_module("logger")
cpu_meter, process_cpu = logger_bench.cpu_meter, logger_bench.process_cpu


class Mix(ingest.Shape):
    """The standard mix: of each ten events, eight are the ingestion bench's (four runs: a
    TimeSpentEvent and an ActivityEvent each), one an AssessmentItemEvent and one a
    GradeEvent about the last of those runs."""

    def event(self, index: int) -> dict:
        tens, nth = divmod(index, 10)
        if nth < 8:
            return super().event(tens * 8 + nth)
        base = super().event(tens * 8 + 7)  # the last run's ActivityEvent
        student, lesson = base["actor"]["id"], base["extensions"]["lesson"]["id"]
        at = base["eventTime"]
        eid = f"urn:uuid:{uuid.UUID(int=(self.seed << 64) | (1 << 40) | index, version=4)}"
        context = {"course": {"id": ingest.COURSE}, "lesson": {"id": lesson}}
        if nth == 8:
            question = f"https://bench.example/items/{index}"
            return {
                "@context": ingest.DATA_VERSION,
                "id": eid,
                "type": "AssessmentItemEvent",
                "action": "Completed",
                "eventTime": at,
                "actor": {"id": student, "type": "Person"},
                "profile": "AssessmentProfile",
                "object": {"id": question, "type": "AssessmentItem"},
                "generated": {
                    "id": f"{question}/response",
                    "type": "Response",
                    "extensions": {"isCorrect": tens % 10 < 7},
                },
                "extensions": context,
            }
        score = {"scoreGiven": 6 + tens % 5, "maxScore": 10}
        if tens % 5 == 0:
            score = {"scoreGiven": 5 + tens % 7, "scoreType": "XP"}
        return {
            "@context": ingest.DATA_VERSION,
            "id": eid,
            "type": "GradeEvent",
            "action": "Graded",
            "eventTime": at,
            "actor": {"id": "https://bench.example/grader", "type": "SoftwareApplication"},
            "object": {
                "id": f"https://bench.example/attempts/{index}",
                "type": "Attempt",
                "assignee": {"id": student, "type": "Person"},
                "assignable": {
                    "id": f"https://bench.example/lessons/{lesson}",
                    "type": "AssignableDigitalResource",
                },
            },
            "generated": {"id": f"https://bench.example/scores/{index}", "type": "Score", **score},
            "extensions": context,
        }


# --- in process --------------------------------------------------------------------------


def store(shape: Mix, events: int, size: int) -> list[list[int]]:
    """Store `events` events in `size`-event envelopes through ingestion, in this process;
    answer each envelope's task arguments (the ids ingestion hands the queue) in order."""
    from events import services
    from rostering.models import PartnerApp

    app = PartnerApp.objects.get(name=ingest.APP_NAME)
    tasks = []
    handed = services.enqueue
    services.enqueue = tasks.append
    try:
        for first in range(0, events, size):
            answer = services.ingest(app=app, body=shape.envelope(first, min(size, events - first)))
            assert not answer.rejected if hasattr(answer, "rejected") else True
    finally:
        services.enqueue = handed
    return tasks


def run_tasks(tasks: list[list[int]]) -> int:
    """What one worker does with the queue: each task in turn, as events.queue's task runs."""
    from events import queue

    return sum(queue.process_events.run(ids) for ids in tasks)


def in_process(args) -> None:
    import cProfile
    import pstats

    from django.db import connection

    from events.models import CaliperEvent, EventStatus

    rounds = []
    for round_ in range(args.rounds):
        ingest.empty_event_store()
        shape = Mix(seed=round_ + 1, students=args.students, lessons=args.lessons)
        tasks = store(shape, args.events, args.envelope)
        stored = sum(map(len, tasks))
        statements = []
        profiler = cProfile.Profile() if args.profile else None
        with connection.execute_wrapper(
            lambda execute, sql, *rest, seen=statements: seen.append(1) or execute(sql, *rest)
        ):
            with cpu_meter(connection) as cpu:
                if profiler:
                    profiler.enable()
                done = run_tasks(tasks)
                if profiler:
                    profiler.disable()
        left = CaliperEvent.objects.exclude(status=EventStatus.PROCESSED).count()
        per = 1e6 / stored
        rounds.append((cpu.python * per, (cpu.postgres or 0) * per))
        print(
            f"round {round_ + 1}: {stored} events stored in {len(tasks)} tasks, {done} processed"
            f" ({left} not processed): per event {cpu.python * per:.0f} µs CPU in Python +"
            f" {(cpu.postgres or 0) * per:.0f} µs in PostgreSQL,"
            f" {len(statements) / stored:.2f} statements; {stored / cpu.wall:,.0f} events/s wall"
        )
        if profiler:
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)


# --- real workers ------------------------------------------------------------------------

LOCK_WAITS = """
    SELECT wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 70), count(*)
    FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' GROUP BY 1, 2
"""


def pending() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM events_caliperevent WHERE status = 'pending'")
        return cursor.fetchone()[0]


def lock_waits(waits: dict) -> None:
    """One sample of the sessions waiting on a lock, added to `waits` by wait event."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LOCK_WAITS)
        for event, query, count in cursor.fetchall():
            waits[event] = waits.get(event, 0) + count
            if os.environ.get("BENCH_SHOW_WAITS"):
                waits[(event, query)] = waits.get((event, query), 0) + count


def stop(processes) -> None:
    """Stop the workers and servers this bench started (killed if they linger)."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def publish(broker: str, tasks: list[list[int]]) -> None:
    """Queue the tasks on `broker` as ingestion would, also when this process runs tasks
    eagerly (bench/peers.py sets Django up without a broker)."""
    from celery import current_app

    from events import queue

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        with current_app.connection_for_write(broker) as connection:
            for ids in tasks:
                queue.process_events.apply_async(
                    args=[ids], connection=connection, argsrepr=f"[{len(ids)} event ids]"
                )
    finally:
        current_app.conf.task_always_eager = eager


def drain(args, broker: str, workers: int, seed: int) -> dict:
    """Store the standard mix (tasks held back), start `workers` solo Celery workers, then
    hand them the tasks (one per envelope, in order) and time them until nothing is
    pending, sampling pg_stat_activity for lock waits every 50 ms."""
    import redis

    redis.Redis.from_url(broker).flushdb()
    ingest.empty_event_store()
    tasks = store(Mix(seed, args.students, args.lessons), args.events, args.envelope)
    total = sum(map(len, tasks))
    problems = []
    started = [ingest.start_worker(broker, problems) for _ in range(workers)]
    pg = ingest.postmaster_pid()
    try:
        cpu_before = sum(ingest.tree_cpu(w.pid) for w in started), ingest.tree_cpu(pg)
        began = time.perf_counter()
        publish(broker, tasks)
        waits, samples, last_count = {}, 0, 0.0
        while True:
            lock_waits(waits)
            samples += 1
            now = time.perf_counter()
            if now - last_count >= 0.5:
                last_count = now
                if pending() == 0:
                    break
                if any(w.poll() is not None for w in started):
                    raise SystemExit("a worker exited before the events were processed")
                if now - began > 600:
                    raise SystemExit("not processed in 10 minutes")
            time.sleep(0.05)
        seconds = time.perf_counter() - began
        cpu_after = sum(ingest.tree_cpu(w.pid) for w in started), ingest.tree_cpu(pg)
    finally:
        stop(started)
    return {
        "events": total,
        "seconds": seconds,
        "rate": total / seconds,
        "worker_us": (cpu_after[0] - cpu_before[0]) / total * 1e6,
        "pg_us": (cpu_after[1] - cpu_before[1]) / total * 1e6,
        "waits": waits,
        "samples": samples,
        "problems": problems,
    }


def workers_phase(args, broker: str) -> list[dict]:
    answers = []
    for round_ in range(args.rounds):
        one = drain(args, broker, 1, seed=100 + round_)
        two = drain(args, broker, 2, seed=200 + round_)
        answers.append({"one": one, "two": two})
        for name, run in (("one worker", one), ("two workers", two)):
            waits = ", ".join(f"{k} {v}" for k, v in run["waits"].items()) or "none"
            print(
                f"round {round_ + 1}, {name}: {run['events']:,} events in {run['seconds']:.1f} s ="
                f" {run['rate']:,.0f} events/s; CPU per event: worker {run['worker_us']:.0f} µs +"
                f" PostgreSQL {run['pg_us']:.0f} µs; sessions waiting on a lock in"
                f" {run['samples']} samples of pg_stat_activity: {waits}"
            )
            for line in run["problems"][:3]:
                print(f"  !! {line[:200]}")
        print(f"round {round_ + 1}: two workers ÷ one = {two['rate'] / one['rate']:.2f}")
    return answers


# --- mixed load --------------------------------------------------------------------------

# Read-back pages of the bench's app (its students are not enrolled in a class: the
# per-student pages would answer 404).
PAGES = ("/analytics/1.0/activity?limit=50", "/gradebook/1.0/assessment-results?limit=50")


def _poster(port, token, seed, args, deadline, results) -> None:
    shape = Mix(seed, args.students, args.lessons)
    first = accepted = 0
    while time.time() < deadline:
        body = shape.envelope(first, args.envelope)
        first += args.envelope
        accepted += ingest.post(port, token, body)["accepted"]
    results.put(("posted", accepted))


def _reader(port, token, number, args, deadline, results) -> None:
    import http.client

    reads, statuses = 0, {}
    while time.time() < deadline:
        student = f"bench-stu-{(number * 7 + reads) % args.students:04d}"
        path = PAGES[reads % len(PAGES)].format(student=student)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = connection.getresponse()
            response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
        finally:
            connection.close()
        reads += 1
    results.put(("read", reads, statuses))


def load_phase(args, broker: str) -> dict:
    """One worker (solo, or `--load-concurrency` processes) while 8 clients POST 100-event
    envelopes of the mix and 8 read pages through gunicorn (2 sync workers) for `--load`
    seconds; the backlog sampled every 5 s, then the time to drain it."""
    import multiprocessing

    import redis
    import requests

    redis.Redis.from_url(broker).flushdb()
    ingest.empty_event_store()
    client_id, secret = ingest.ensure_catalogue(args.students, args.lessons)
    port = ingest.free_port()
    server = ingest.start_server(port, 2, broker)
    problems = []
    worker = ingest.start_worker(broker, problems, args.load_concurrency)
    try:
        token = requests.post(
            f"http://127.0.0.1:{port}/auth/1.0/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=30,
        ).json()["access_token"]
        context = multiprocessing.get_context("fork")
        results = context.Queue()
        deadline = time.time() + args.load
        clients = [
            context.Process(target=_poster, args=(port, token, 1000 + n, args, deadline, results))
            for n in range(8)
        ] + [
            context.Process(target=_reader, args=(port, token, n, args, deadline, results))
            for n in range(8)
        ]
        for client in clients:
            client.start()
        began = time.perf_counter()
        backlog = []
        while time.time() < deadline:
            time.sleep(min(5, max(0, deadline - time.time())))
            backlog.append((round(time.perf_counter() - began), pending()))
        answers = [results.get() for _ in clients]
        for client in clients:
            client.join()
        load_seconds = time.perf_counter() - began
        left = pending()
        while pending():
            if time.perf_counter() - began > load_seconds + 600:
                raise SystemExit("the backlog did not drain in 10 minutes")
            time.sleep(0.5)
        drained = time.perf_counter() - began - load_seconds
    finally:
        stop([worker, server])
    posted = sum(a[1] for a in answers if a[0] == "posted")
    reads = [a for a in answers if a[0] == "read"]
    statuses = {}
    for _, _, seen in reads:
        for status, n in seen.items():
            statuses[status] = statuses.get(status, 0) + n
    result = {
        "seconds": load_seconds,
        "arrived": posted / load_seconds,
        "processed": (posted - left) / load_seconds,
        "reads": sum(a[1] for a in reads) / load_seconds,
        "statuses": statuses,
        "backlog": backlog,
        "left": left,
        "drained": drained,
        "problems": problems,
    }
    print(
        f"under load ({args.load:.0f} s: 8 posters of {args.envelope}-event envelopes, 8 page"
        f" readers, {_worker(args.load_concurrency)}): {result['arrived']:,.0f} events/s arriving,"
        f" {result['processed']:,.0f} events/s processed, {result['reads']:,.0f} pages/s read"
        f" ({statuses}); backlog (s, pending): {backlog}; {left:,} pending at the end,"
        f" drained {drained:.1f} s after"
    )
    for line in problems[:3]:
        print(f"  !! {line[:200]}")
    return result


def _worker(concurrency: int) -> str:
    return "one solo worker" if concurrency == 1 else f"one worker, concurrency {concurrency}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--envelope", type=int, default=100)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--profile")
    parser.add_argument("--workers", action="store_true", help="one worker, then two")
    parser.add_argument("--load", type=float, default=0, help="seconds of mixed load")
    parser.add_argument("--load-concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") and (args.workers or args.load):
        raise SystemExit("Set REDIS_URL to a Redis database for the broker.")
    broker = ""
    if os.environ.get("REDIS_URL"):
        broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))
    # Tasks this process hands over go to the workers' broker (the in-process phase calls
    # the task itself, and holds back what ingestion would queue).
    os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
    ingest.setup_django()
    ingest.ensure_catalogue(args.students, args.lessons)
    print(ingest.pg_settings())
    if args.in_process:
        in_process(args)
    if args.workers:
        workers_phase(args, broker)
    if args.load:
        load_phase(args, broker)


if __name__ == "__main__":
    main()
