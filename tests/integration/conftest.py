"""PostgreSQL, a real redis-server and real `celery worker` processes
(docs/architecture.md#conventions: the pipeline gets integration tests on PostgreSQL + Redis + a
real worker).

`make test` starts the servers and exports DATABASE_URL and REDIS_URL. These tests need
both: without them they fail (they never skip, or CI would pass without running them).

Every test runs on pytest-django's test database with real commits
(`django_db(transaction=True)`), so the worker processes, which connect to that same
database, see what the test wrote, and the test sees what they wrote. Settings leave
Celery eager (no CELERY_BROKER_URL); the `broker` fixture points the test process's Celery
app at a Redis database of its own instead, so the endpoint's on-commit enqueue goes to
the real broker, and restores the eager configuration afterwards.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest.mock import ANY
from urllib.parse import quote, urlsplit

import kombu.pools
import orjson
import pytest
import redis
from django.db import connection
from django.db.models import Count, Sum
from redis.backoff import NoBackoff
from redis.retry import Retry

from analytics.models import DailyActivity, PendingRollup
from events import publish
from events.models import CaliperEvent, EventStatus, TimeSpentFact
from gradebook.models import PendingLessonMastery, XpEntry
from rostering.models import User
from tests.factories import StudentFactory
from timeback.celery import app as celery_app

from ..events import conftest as events_conftest
from ..events.conftest import START, activity, envelope, time_spent

# The partner app and catalogue fixtures of tests/events (the example world's Math App and
# its course), used here too.
app_api = events_conftest.app_api
catalogue = events_conftest.catalogue

REPO = Path(__file__).resolve().parents[2]
BROKER_DB = 11  # a Redis database of the integration tests alone, flushed by each test
QUEUE = "celery"  # Celery's default queue: a Redis list of that name
RUN_VIA_MAKE_TEST = (
    "The integration tests need the throwaway PostgreSQL and Redis servers: run them via "
    "`make test` (it exports DATABASE_URL and REDIS_URL), e.g. "
    '`make test PYTEST_ARGS="tests/integration"`.'
)
POST_PATH = "/ims/caliper/v1p2/events"


# --------------------------------------------------------------------------- services


class RedisServer:
    """The Redis server of REDIS_URL. The outage test stops it and starts it again the way
    scripts/test-services.sh started it: same executable, port, bind address, pid file,
    directory and log file, read from the running server (CONFIG GET) before it stops, so
    that `scripts/test-services.sh stop` still finds and stops the new process."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.broker_url = f"redis://{self.host}:{self.port}/{BROKER_DB}"
        self.client = redis.Redis(
            host=self.host,
            port=self.port,
            db=BROKER_DB,
            socket_timeout=5,
            socket_connect_timeout=2,
            # No retries: "is Redis down?" must be answered at once (redis-py retries
            # failed connections three times with backoff by default, ~4 s).
            retry=Retry(NoBackoff(), 0),
        )
        self._start_command: list[str] | None = None

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def flush(self) -> None:
        self.client.flushdb()

    def queued_messages(self) -> int:
        """Messages waiting in the queue plus messages delivered but not yet acknowledged
        (acks_late: acknowledged when the task has finished)."""
        waiting = sum(self.client.llen(key) for key in self.client.keys(f"{QUEUE}*"))
        return waiting + self.client.hlen("unacked")

    def _remember_start_command(self) -> None:
        config = self.client.config_get("*")
        info = self.client.info("server")
        executable = info.get("executable") or ""
        if not os.path.isfile(executable):  # Redis joins a bare argv[0] to its working dir
            executable = shutil.which("redis-server") or "redis-server"
        pidfile = config.get("pidfile") or str(Path(config["dir"]) / f"redis-{self.port}.pid")
        self._start_command = [
            executable,
            "--port",
            str(self.port),
            "--bind",
            *(config.get("bind") or self.host).split(),
            "--save",
            config.get("save", ""),
            "--appendonly",
            config.get("appendonly", "no"),
            "--daemonize",
            "yes",
            "--pidfile",
            pidfile,
            "--dir",
            config["dir"],
            "--logfile",
            config.get("logfile", ""),
        ]

    def stop(self) -> None:
        """SHUTDOWN NOSAVE, then wait until the server no longer answers and has exited."""
        self._remember_start_command()
        pid = int(self.client.info("server")["process_id"])
        self.client.shutdown(nosave=True)  # redis-py expects the connection to drop
        wait_for(
            lambda: not self.ping() and not _process_alive(pid),
            timeout=10,
            what=f"Redis (pid {pid}) to stop after SHUTDOWN NOSAVE",
        )

    def start(self) -> None:
        assert self._start_command, "start() restarts a server that stop() stopped"
        subprocess.run(
            self._start_command,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=10,
        )
        wait_for(self.ping, timeout=10, what=f"Redis to answer again on port {self.port}")

    def ensure_running(self) -> None:
        """Never leave Redis stopped: the rest of the suite (and other tests) need it."""
        if not self.ping() and self._start_command:
            self.start()


def _process_alive(pid: int) -> bool:
    """Whether `pid` is a live process. A zombie is not: the daemonised redis-server is
    not our child, and whoever reaps it (init) may take seconds to."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.fixture(scope="session")
def redis_server() -> RedisServer:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.fail(f"REDIS_URL is not set. {RUN_VIA_MAKE_TEST}", pytrace=False)
    server = RedisServer(url)
    if not server.ping():
        pytest.fail(f"No Redis answers at {url}. {RUN_VIA_MAKE_TEST}", pytrace=False)
    return server


@pytest.fixture(autouse=True)
def _requires_redis(redis_server):
    """Every integration test needs the broker (redis_server fails with how to start it)."""


def _reset_broker_connections() -> None:
    """Drop the test process's broker connections, so that the next publish connects to
    the broker now configured. The pools live in kombu's process-wide registry, keyed by
    URL: closing one without clearing the registry would hand the closed pool back."""
    kombu.pools.reset()
    publish._kept.clear()  # the producers kept by events.publish
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def broker(redis_server):
    """The test process publishes to the real Redis (a database of its own, emptied)."""
    redis_server.ensure_running()
    redis_server.flush()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    _reset_broker_connections()
    celery_app.conf.update(broker_url=redis_server.broker_url, task_always_eager=False)
    assert celery_app.conf.broker_url == redis_server.broker_url
    yield redis_server
    _reset_broker_connections()
    celery_app.conf.update(saved)
    redis_server.ensure_running()


# --------------------------------------------------------------------------- workers


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    s = connection.settings_dict
    auth = ""
    if s.get("USER"):
        auth = quote(s["USER"], safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        auth += "@"
    host = quote(s.get("HOST") or "localhost", safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{quote(s['NAME'], safe='')}"


def subprocess_env(broker_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_SETTINGS_MODULE": "timeback.settings",
        "FAST_PASSWORD_HASHER": "1",
        "PYTHONUNBUFFERED": "1",
    }


class Worker:
    """One `celery worker` process, in a process group of its own (its pid is the group
    id), so that teardown can kill it together with any pool children it forked."""

    def __init__(self, name: str, pool: str, concurrency: int, env: dict, log: Path):
        self.name = name
        self.log = log
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "timeback",
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            "-l",
            "warning",
            "-n",
            f"{name}@%h",
            # Nothing to synchronise with: a faster start, and no broadcast chatter.
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        self._log_file = open(log, "ab")  # closed in kill()
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def pool_processes(self) -> list[int]:
        """The pids of the prefork pool's child processes."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.pid:  # the parent pid
                children.append(int(stat.parent.name))
        return children

    def sigkill(self) -> None:
        """SIGKILL the worker process itself (no warm shutdown, nothing acknowledged)."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def kill(self) -> None:
        """Teardown: SIGKILL the worker's process group (the worker and any pool children,
        which outlive a worker killed alone)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=10)
        finally:
            self._log_file.close()

    def describe(self) -> str:
        state = "running" if self.alive() else f"exited with {self.process.returncode}"
        tail = self.log.read_text(errors="replace").splitlines()[-30:]
        return f"worker {self.name} (pid {self.pid}) {state}; log tail:\n" + "\n".join(tail)


@pytest.fixture
def start_worker(broker, tmp_path):
    """start_worker(pool="solo", concurrency=1, env=None) → a running Worker on the test
    database (`env`: environment variables added to the usual ones)."""
    started: list[Worker] = []

    def start(pool: str = "solo", concurrency: int = 1, env: dict | None = None) -> Worker:
        name = f"integration-{len(started) + 1}"
        environment = {**subprocess_env(broker.broker_url), **(env or {})}
        worker = Worker(name, pool, concurrency, environment, tmp_path / f"{name}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        try:
            worker.kill()
        except Exception:  # noqa: BLE001 - kill the others whatever happens to one
            pass


# --------------------------------------------------------------------------- waiting


def wait_for(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    interval: float = 0.05,
    workers: list | tuple = (),
    details: Callable[[], str] = lambda: "",
):
    """Poll `condition` until it is true; fail with `what` (and the state of the workers)
    after `timeout` seconds, or as soon as every worker given has died."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if workers and not any(w.alive() for w in workers):
            described = "\n".join(w.describe() for w in workers)
            pytest.fail(f"Every worker died while waiting for {what}. {details()}\n{described}")
        if time.monotonic() > deadline:
            described = "\n".join(w.describe() for w in workers)
            pytest.fail(
                f"Timed out after {timeout:.0f}s waiting for {what}. {details()}\n{described}"
            )
        time.sleep(interval)


def status_counts() -> dict[str, int]:
    rows = CaliperEvent.objects.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def unprocessed() -> int:
    return CaliperEvent.objects.filter(status__in=[EventStatus.PENDING, EventStatus.PARKED]).count()


def unsettled() -> int:
    """Lesson masteries and rollups committed batches left to settle: a worker settles them
    right after its batch commits (events.pipeline.settle), so they lag the events' status
    by milliseconds."""
    return PendingLessonMastery.objects.count() + PendingRollup.objects.count()


def processed() -> int:
    return CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count()


def other_database_sessions() -> list[int]:
    """Pids of the client sessions on the test database other than the test's own: the
    workers' (a killed worker's session ends when PostgreSQL notices, not at once)."""
    with connection.cursor() as cursor:
        # Within a transaction PostgreSQL answers from one snapshot of the activity.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def ledger_total():
    return XpEntry.objects.aggregate(total=Sum("amount"))["total"]


def sources_credited_more_than_once() -> list:
    return list(
        XpEntry.objects.values("source_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("source_key", "n")[:10]
    )


def credited_by_activity(app_id: int) -> dict:
    """(student sourcedId, activity id) → the XP the ledger holds for that activity."""
    sourced_ids = dict(User.objects.values_list("pk", "sourced_id"))
    totals = {}
    for row in XpEntry.objects.values("source_key").annotate(total=Sum("amount")):
        # activity:{app}:{student pk}:{activity id}|{attempt}
        kind, app, student_pk, activity_key = row["source_key"].split(":", 3)
        assert (kind, int(app)) == ("activity", app_id), row["source_key"]
        activity_id, attempt = activity_key.rsplit("|", 1)
        assert attempt == "1", row["source_key"]
        totals[(sourced_ids[int(student_pk)], activity_id)] = row["total"]
    return totals


def stale_rollups() -> list:
    """Rollup keys whose XP or active seconds differ from a recomputation from scratch."""
    xp = defaultdict(Decimal)
    for row in XpEntry.objects.values("student_id", "course_id", "occurred_on").annotate(
        total=Sum("amount")
    ):
        xp[(row["student_id"], row["course_id"], row["occurred_on"])] = row["total"]
    active = defaultdict(int)
    for row in TimeSpentFact.objects.values("student_id", "course_id", "occurred_on").annotate(
        total=Sum("active")
    ):
        active[(row["student_id"], row["course_id"], row["occurred_on"])] = row["total"]
    rollups = {
        (r.student_id, r.course_id, r.day): (r.xp, r.active_seconds)
        for r in DailyActivity.objects.all()
    }
    keys = set(xp) | set(active) | set(rollups)
    return sorted(
        (key, rollups.get(key), (xp[key], active[key]))
        for key in keys
        if rollups.get(key) != (xp[key], active[key])
    )


def assert_processed_exactly_once(app_id: int, expected: dict, runs: int) -> None:
    """Every stored event processed, each activity credited its expected XP by exactly one
    ledger entry, one time fact per TimeSpentEvent, and rollups that match the ledger."""
    assert status_counts() == {"processed": 2 * runs}
    assert TimeSpentFact.objects.count() == runs
    assert sources_credited_more_than_once() == []
    assert XpEntry.objects.count() == len(expected)  # one entry per activity, no correction
    assert credited_by_activity(app_id) == expected
    assert ledger_total() == sum(expected.values())
    wait_for(lambda: unsettled() == 0, timeout=30, what="the batches' rollups to be settled")
    assert stale_rollups() == []


# --------------------------------------------------------------------------- workload

ENVELOPE_SIZE = 100


def workload(students: list[str], runs: int, seed: int = 20261102):
    """The events of `runs` runs, each an ActivityEvent and its TimeSpentEvent, shuffled
    into envelopes of ENVELOPE_SIZE (an activity and the time spent on it usually travel in
    different envelopes, so in different tasks); and the XP each activity must be credited,
    computed here from the rules of docs/xp-and-mastery.md#computed-xp, not by the code under test.

    Every activity is its own XP source (`object.activity.id` is unique): half report
    `xpEarned`, half report 10 questions and get computed XP from their run's active time.
    Answers (envelopes, {(student, activity id): XP}).
    """
    rng = random.Random(seed)
    events, expected = [], {}
    for i in range(runs):
        student = students[i % len(students)]
        lesson = ("lesson-1", "lesson-2")[(i // len(students)) % 2]
        run, activity_id = f"run-{i}", f"quiz-{i}"
        at = START + timedelta(minutes=i)  # 5,000 runs span four UTC days
        active = 60 * (1 + i % 10)
        if i % 2 == 0:
            reported = Decimal(1 + i % 13) / 2  # 0.5 … 6.5
            event = activity(student, lesson, at=at, run=run, xpEarned=float(reported))
            xp = reported
        else:
            correct = 10 if i % 4 == 1 else 9  # 100 % → ×1.25, 90 % → ×1.0
            event = activity(
                student, lesson, at=at, run=run, totalQuestions=10, correctQuestions=correct
            )
            xp = Decimal(active) / 60 * (Decimal("1.25") if correct == 10 else 1)
        event["object"]["activity"]["id"] = activity_id
        events.append(event)
        events.append(time_spent(student, lesson, at=at, run=run, active=active, inactive=30))
        expected[(student, activity_id)] = xp.quantize(Decimal("0.01"))
    rng.shuffle(events)
    envelopes = [
        envelope(*events[start : start + ENVELOPE_SIZE])
        for start in range(0, len(events), ENVELOPE_SIZE)
    ]
    return envelopes, expected


# --------------------------------------------------------------------------- posting


def post_envelope(api, body: dict, path: str = POST_PATH):
    """POST an envelope through the real endpoint; answer (response, seconds taken)."""
    data = orjson.dumps(body)
    started = time.monotonic()
    response = api.generic("POST", path, data, content_type="application/json")
    return response, time.monotonic() - started


def post_all(api, envelopes: list[dict]) -> float:
    """POST every envelope (each must be accepted whole); answer the seconds it took."""
    started = time.monotonic()
    for body in envelopes:
        response, _ = post_envelope(api, body)
        assert response.status_code == 200, response.content
        assert response.json() == {
            "accepted": len(body["data"]),
            "duplicates": 0,
            "rejected": [],
            "jobId": ANY,
        }
    return time.monotonic() - started


@pytest.fixture
def students(catalogue, school):
    """stu-1 and stu-2 (Ada and Ben, of the catalogue's class) and two students of the school
    in no class, stu-4 and stu-5."""
    for sid in ("stu-4", "stu-5"):
        StudentFactory(sourced_id=sid, org=school)
    return ["stu-1", "stu-2", "stu-4", "stu-5"]
