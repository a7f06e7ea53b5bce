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
  grow; then the time to drain it.
"""

import argparse
import importlib.util
import os
import sys
import uuid
from pathlib import Path

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--envelope", type=int, default=100)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--lessons", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--profile")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
    os.environ.setdefault("CELERY_BROKER_URL", "")
    ingest.setup_django()
    ingest.ensure_catalogue(args.students, args.lessons)
    if args.in_process:
        in_process(args)


if __name__ == "__main__":
    main()
