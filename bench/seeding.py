"""Seeding the demo on an empty database: `manage.py seed_demo` as `make run` runs it (no
broker, so each envelope is processed in the ingesting process; DEBUG on), timed against
the goal of 30 s for the 60-day history (docs/performance.md, issue 16).

    DATABASE_URL=postgres://... .venv/bin/python bench/seeding.py [--rounds 2] [--days 60]

The lead's bench (bench/peers.py) calls `run(database_url)`. Each round migrates nothing:
a template database is migrated once per run, and every round seeds a fresh copy of it
(`CREATE DATABASE ... TEMPLATE`), in a child process, so that the round pays what `make
run` pays on a new installation (Django's start aside). The child times the seeding's
phases by wrapping the functions that do them (measurement only, nothing else changes):

- roster: the demo school, its people and enrolments (rostering.demo.seed_demo, less the
  catalogue), catalogue: courses, units, lessons, classes (rostering.demo._course_and_class),
- history: simulating the days and building the envelopes (events.demo, less what follows),
  ingestion (events.services.ingest, less the processing it triggers), processing
  (events.pipeline.process, less the rollups), rollups (analytics.rollups.recompute),
- holes (events.demo_holes.seed), test results (outcomes.demo.write_and_import).

Each phase gets its wall time, the Python process's CPU, the CPU of the PostgreSQL backend
serving it (every query of the seeding goes through one connection) and its query count.
Not part of `make test`.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOAL_SECONDS = 30.0
TEMPLATE = "timeback_seedbench_template"
TARGET = "timeback_seedbench"
PHASES = (
    "roster",
    "catalogue",
    "history",
    "ingestion",
    "processing",
    "rollups",
    "holes",
    "test results",
    "other",
)
TICK = os.sysconf("SC_CLK_TCK")


# --- parent: fresh databases, child processes, the report -----------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _child_env(url: str, var_dir: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "TIMEBACK_VAR_DIR": var_dir}
    env.pop("CELERY_BROKER_URL", None)  # no broker: eager tasks, as `make run` runs them
    env.pop("DEBUG", None)  # the demo's default (on)
    env.pop("FAST_PASSWORD_HASHER", None)  # the real hasher, as `make run` hashes
    env.pop("ROLLUPS_AFTER_COMMIT", None)
    env["DJANGO_SETTINGS_MODULE"] = "timeback.settings"
    return env


def prepare_template(database_url: str) -> None:
    """Migrate a template database once; every round copies it."""
    _admin(
        database_url,
        f"DROP DATABASE IF EXISTS {TARGET}",
        f"DROP DATABASE IF EXISTS {TEMPLATE}",
        f"CREATE DATABASE {TEMPLATE}",
    )
    env = _child_env(_with_database(database_url, TEMPLATE), _var_dir())
    subprocess.run(
        [sys.executable, "-c", _MIGRATE], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


_MIGRATE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
"""


def _var_dir() -> str:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"timeback-seedbench-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def seed_once(database_url: str, *, days: int, students: int, senders: int | None = None) -> dict:
    """Seed a fresh copy of the migrated template in a child process; answers its figures."""
    _admin(
        database_url,
        f"DROP DATABASE IF EXISTS {TARGET}",
        f"CREATE DATABASE {TARGET} TEMPLATE {TEMPLATE}",
    )
    var_dir = _var_dir()
    credentials = Path(var_dir) / "demo-credentials.json"
    credentials.unlink(missing_ok=True)  # a new installation has none
    env = _child_env(_with_database(database_url, TARGET), var_dir)
    done = subprocess.run(
        [
            sys.executable,
            str(HERE / "seeding.py"),
            "--child",
            f"--days={days}",
            f"--students={students}",
            *([f"--senders={senders}"] if senders else []),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(figures: dict) -> str:
    total = figures["total"]
    verdict = "meets" if total["wall"] <= GOAL_SECONDS else "misses"
    lines = [
        f"seed_demo on an empty database, {figures['days']} days, {figures['students']} "
        f"students, {figures['events']:,} events, {figures.get('senders', 1)} sender(s): {total['wall']:.1f} s wall ({verdict} the "
        f"{GOAL_SECONDS:.0f} s goal, {total['wall'] / GOAL_SECONDS:.2f} × it); CPU: Python "
        f"{total['cpu']:.1f} s + PostgreSQL server {total['pg']:.1f} s; "
        f"{int(total['queries']):,} queries; {figures['load']}",
    ]
    for name in PHASES:
        p = figures["phases"].get(name)
        if p is None or (p["wall"] < 0.05 and not p["queries"]):
            continue
        lines.append(
            f"  {name:<13} {p['wall']:6.2f} s wall, CPU Python {p['cpu']:6.2f} s + "
            f"PostgreSQL {p['pg']:6.2f} s, {int(p['queries']):6,} queries"
        )
    return "\n".join(lines)


def run(
    database_url: str | None = None,
    *,
    rounds: int = 1,
    days: int = 60,
    students: int = 30,
    senders: list[int | None] = (None,),
):
    """Time `seed_demo` on an empty database `rounds` times; prints each round and answers
    the list of figures (the lead's bench prints them against the goal)."""
    database_url = database_url or os.environ["DATABASE_URL"]
    prepare_template(database_url)
    results = []
    for _ in range(rounds):
        for count in senders:  # alternating, when several counts are asked
            figures = seed_once(database_url, days=days, students=students, senders=count)
            figures["load"] = load()
            print(report(figures), flush=True)
            results.append(figures)
    _admin(database_url, f"DROP DATABASE IF EXISTS {TARGET}", f"DROP DATABASE IF EXISTS {TEMPLATE}")
    return results


def add_to(table, database_url: str | None = None, *, rounds: int = 1) -> list[dict]:
    """For bench/peers.py: time the seeding `rounds` times and add its row to the peers'
    table (`Table.add`), against the 30 s goal (lower is better), with the CPU printed:

        import seeding
        seeding.add_to(table, os.environ["DATABASE_URL"], rounds=args.rounds)
    """
    results = run(database_url, rounds=rounds)
    table.add(
        "demo seeding, 60 days of history on an empty database (s)",
        [r["total"]["wall"] for r in results],
        "goal",
        [GOAL_SECONDS] * len(results),
        "s",
        [r["load"] for r in results],
        higher_is_better=False,
    )
    print(
        "  demo seeding, CPU: "
        + " | ".join(
            f"Python {r['total']['cpu']:.1f} s + PostgreSQL {r['total']['pg']:.1f} s"
            for r in results
        )
    )
    return results


# --- child: seed_demo with its phases timed --------------------------------------------


class Meter:
    """Exclusive wall, CPU, backend CPU and queries per phase: a phase nested in another
    (the processing an ingest triggers without a broker) is taken out of its parent's.
    Per thread (the demo's senders run side by side): each thread's own CPU
    (`time.thread_time`), its own connection's backend and queries, so phases add up to
    the work done, while their wall times overlap."""

    FIELDS = ("wall", "cpu", "pg", "queries")

    def __init__(self):
        self.local = threading.local()
        self.lock = threading.Lock()
        self.phases = {name: dict.fromkeys(self.FIELDS, 0.0) for name in PHASES}

    def _backend(self) -> Path:
        from django.db import connection

        connection.ensure_connection()  # a sender's thread opens its own
        if getattr(self.local, "connection", None) is not connection.connection:
            self.local.connection = connection.connection
            self.local.stat = Path(f"/proc/{connection.connection.info.backend_pid}/stat")
        return self.local.stat

    def read(self) -> list[float]:
        fields = self._backend().read_text().rsplit(")", 1)[1].split()
        pg = (int(fields[11]) + int(fields[12])) / TICK
        queries = float(getattr(self.local, "queries", 0))
        return [time.perf_counter(), time.thread_time(), pg, queries]

    def wrap(self, module, name: str, phase: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            stack = self.local.__dict__.setdefault("stack", [])
            start = self.read()
            stack.append([0.0, 0.0, 0.0, 0.0])  # what nested phases took
            try:
                return inner(*args, **kwargs)
            finally:
                end = self.read()
                nested = stack.pop()
                spent = [b - a for a, b in zip(start, end, strict=True)]
                with self.lock:
                    totals = self.phases.setdefault(phase, dict.fromkeys(self.FIELDS, 0.0))
                    for key, value, inner_part in zip(self.FIELDS, spent, nested, strict=True):
                        totals[key] += value - inner_part
                if stack:
                    for i, value in enumerate(spent):
                        stack[-1][i] += value

        setattr(module, name, timed)

    def count(self, execute, sql, params, many, context):
        self.local.queries = getattr(self.local, "queries", 0) + 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        """Count the queries of every connection, the senders' threads' too."""
        from django.db import connections
        from django.db.backends.signals import connection_created

        def counted(sender, connection, **kwargs):
            if self.count not in connection.execute_wrappers:
                connection.execute_wrappers.append(self.count)

        connection_created.connect(counted, weak=False)
        for connection in connections.all(initialized_only=True):
            counted(None, connection)


def server_cpu() -> float:
    """CPU seconds of the PostgreSQL server so far, its ended backends included (the
    senders' connections are closed before the end)."""
    from ingest import postmaster_pid, tree_cpu

    pid = postmaster_pid()
    return tree_cpu(pid) if pid else 0.0


def child(days: int, students: int, senders: int | None) -> None:
    import django

    django.setup()
    from timeback.management.commands import seed_demo

    if senders is not None:  # the A/B of one sender against several
        seed_demo.SENDERS = senders
    from django.core.management import call_command
    from django.db import connection

    import analytics.rollups
    import events.demo
    import events.demo_holes
    import events.pipeline
    import events.services
    import outcomes.demo
    import rostering.demo
    from events.models import CaliperEvent

    sys.path.insert(0, str(HERE))
    meter = Meter()
    meter.install()
    meter.wrap(rostering.demo, "seed_demo", "roster")
    meter.wrap(rostering.demo, "_course_and_class", "catalogue")
    meter.wrap(events.demo, "top_up", "history")
    meter.wrap(events.services, "ingest", "ingestion")
    meter.wrap(events.pipeline, "process", "processing")
    meter.wrap(analytics.rollups, "recompute", "rollups")
    meter.wrap(events.demo_holes, "seed", "holes")
    meter.wrap(outcomes.demo, "write_and_import", "test results")
    meter.wrap(sys.modules[__name__], "_seed", "other")
    connection.ensure_connection()
    started = [time.perf_counter(), time.process_time(), server_cpu()]
    _seed(call_command, days, students)
    ended = [time.perf_counter(), time.process_time(), server_cpu()]
    wall, cpu, pg = (b - a for a, b in zip(started, ended, strict=True))
    queries = sum(p["queries"] for p in meter.phases.values())
    total = {"wall": wall, "cpu": cpu, "pg": pg, "queries": queries}
    figures = {
        "senders": seed_demo.SENDERS,
        "days": days,
        "students": students,
        "events": CaliperEvent.objects.count(),
        "total": total,
        "phases": meter.phases,
    }
    print(json.dumps(figures))


def _seed(call_command, days, students):
    call_command("seed_demo", days=days, students=students, stdout=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument(
        "--senders",
        default=None,
        help="senders of the history (default: seed_demo's); '1,2' alternates the two",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        child(args.days, args.students, int(args.senders) if args.senders else None)
    else:
        counts = [int(n) for n in args.senders.split(",")] if args.senders else [None]
        run(rounds=args.rounds, days=args.days, students=args.students, senders=counts)


if __name__ == "__main__":
    main()
