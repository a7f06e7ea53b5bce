"""`make bench`: ours and the peers measured in the same run, alternating, with ratios.

    make bench                                   # servers of scripts/test-services.sh
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/peers.py \\
        [--rounds 2] [--events 20000] [--single 1000] [--puts 1000]

Sides, each on this machine and 127.0.0.1 only:
- ours: gunicorn with 2 sync workers (the README's production shape, gunicorn.conf.py),
  PostgreSQL of DATABASE_URL (its settings printed), Celery broker = Redis database 15 of
  REDIS_URL, so that a request stores and enqueues; then ONE `celery worker --pool=solo`
  drains what the run stored (processing: timed from "ready" until nothing is pending);
- PostgreSQL COPY of the same rows into a (random uuid primary key, jsonb) table;
- Ralph LRS 5.1 (`ralph-malph[lrs,cli]`, file-system backend, one uvicorn worker, an empty
  store at the start of each round; bench/peers/ralph_server.py patches its backend to
  append), sent xAPI statements built from the same events;
- Kolibri 0.19.5, its own server and SQLite (a provisioned home kept in the cache, copied
  fresh for each run), learners logged in through /api/auth/session/ with CSRF, content
  sessions of synthetic UUID content ids (no content import).
Last, the 100-event ingest and COPY again with fsync, synchronous_commit and
full_page_writes on (`--no-durable` to skip; the other phases use the server's own settings,
printed). Then the goals without a peer: processing on the standard mix (bench/processing.py: one
worker against 2,000 events/s, two workers ÷ one with lock waits, 60 s of mixed load with one
solo worker, then with the README's production worker command, `--concurrency 2`), the
demo's seeding against 30 s (bench/seeding.py, `--no-seeding` to skip) and the pages at
0.5 M and 5 M events (bench/pages.py in a database of its own, `--pages` with no size to
skip: generating 5 M events takes minutes).
Ralph and Kolibri are installed from the package index into their own virtualenvs under
$TIMEBACK_BENCH_CACHE (default ~/.cache/timeback-bench) on first use.

Every phase runs ours, then the peer, `--rounds` times, so both see the same machine; the
table gives each side's figures from all rounds, the ratio, and the load average (the
machine is shared: absolute figures move with it, ratios much less). The load generator
is the same for every side: client processes, a new connection per request, bodies built
before the clock starts. Not part of `make test`.
"""

import argparse
import base64
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest  # noqa: E402 - bench/ is not a package


def _bench_module(name: str):
    """bench/<name>.py by its path: `logger` is also the name of the project's app."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


logger_bench = _bench_module("logger")

CACHE = Path(os.environ.get("TIMEBACK_BENCH_CACHE", Path.home() / ".cache" / "timeback-bench"))
# Ralph 5.1's API imports requests (its OIDC module) without its extras requiring it.
RALPH = ("ralph", ["ralph-malph[lrs,cli]==5.1.0", "requests"])
KOLIBRI = ("kolibri", ["kolibri==0.19.5"])
LEARNER_PASSWORD = "bench-learner-pass"
MODEL = logger_bench.MODEL


# --- peers' installs ---------------------------------------------------------------------


def ensure_venv(name: str, specs: list[str]) -> Path:
    """The peer's own virtualenv under the cache, created and filled from the package index
    on first use (or when the specs change); answers its bin directory."""
    home = CACHE / name
    marker = home / ".bench-specs"
    if not (marker.exists() and marker.read_text() == "\n".join(specs)):
        print(f"installing {' '.join(specs)} into {home} ...", flush=True)
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        subprocess.run(
            [str(home / "bin" / "python"), "-m", "pip", "install", "-q", *specs], check=True
        )
        marker.write_text("\n".join(specs))
    return home / "bin"


def peer_environ() -> dict:
    """This environment less what is ours (Django's settings module, our database)."""
    ours = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}
    return {k: v for k, v in os.environ.items() if k not in ours}


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 180) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited ({process.returncode}) before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port} after {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server this bench started, and its children (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


# --- the load generator (every side) -----------------------------------------------------

Request = tuple[str, str, bytes, dict]  # method, path, body, headers


def _client(port: int, requests: list[Request], barrier, results) -> None:
    timings = []
    barrier.wait()
    for method, path, body, headers in requests:
        began = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        if response.status >= 300:
            results.put(f"{method} {path} answered {response.status}: {data[:300]!r}")
            return
        timings.append((time.perf_counter() - began) * 1000)
    results.put((timings, time.perf_counter()))


def drive(port: int, per_client: list[list[Request]]) -> dict:
    """Send each list of requests from its own process, all starting together; answer the
    rate (requests/s), p50 and p99 (ms) over all of them."""
    from django.db import connections

    connections.close_all()  # the children are forked
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(len(per_client) + 1), context.Queue()
    processes = [
        context.Process(target=_client, args=(port, requests, barrier, results))
        for requests in per_client
    ]
    for process in processes:
        process.start()
    barrier.wait()
    began = time.perf_counter()
    answers = [results.get() for _ in processes]
    for process in processes:
        process.join()
    failed = [a for a in answers if isinstance(a, str)]
    if failed:
        raise SystemExit(failed[0])
    timings = sorted(t for a in answers for t in a[0])
    seconds = max(a[1] for a in answers) - began
    return {
        "requests": len(timings),
        "rate": len(timings) / seconds,
        "p50": statistics.median(timings),
        "p99": timings[max(0, int(len(timings) * 0.99) - 1)],
    }


def split(requests: list, clients: int) -> list[list]:
    return [requests[k::clients] for k in range(clients)]


# --- ours ----------------------------------------------------------------------------------


class Ours:
    def __init__(self, broker: str, workers: int):
        ingest.setup_django()
        ingest.empty_event_store()
        client_id, secret = ingest.ensure_catalogue(200, 20)
        logger_id, logger_secret = logger_bench.ensure_catalogue(students=16)
        self.shape = ingest.Shape(random.getrandbits(64), 200, 20)
        self.next_event = 0
        self.port = ingest.free_port()
        self.pg_pid = ingest.postmaster_pid()
        self.server = ingest.start_server(self.port, workers, broker)
        caliper_token = logger_bench.token(self.port, client_id, secret)
        self.caliper_headers = {
            "Authorization": f"Bearer {caliper_token}",
            "Content-Type": "application/json",
        }
        self.logger = logger_bench.Client(
            self.port, logger_bench.token(self.port, logger_id, logger_secret)
        )
        self.next_student = 0
        for _ in range(8):  # warm-up: each worker's first requests
            ingest.post(self.port, caliper_token, self.shape.envelope(self.take(1), 1))

    def take(self, count: int) -> int:
        first, self.next_event = self.next_event, self.next_event + count
        return first

    def caliper(self, envelopes: int, size: int) -> tuple[list[Request], int]:
        first = self.take(envelopes * size)
        requests = [
            ("POST", ingest.PATH, self.shape.envelope(first + i * size, size), self.caliper_headers)
            for i in range(envelopes)
        ]
        return requests, first

    def logger_puts(self, clients: int, puts: int) -> list[list[Request]]:
        """`puts` PUTs with one interaction, shared by `clients` students, each on their
        own new session."""
        per_client = []
        for _ in range(clients):
            student, self.next_student = self.next_student, (self.next_student + 1) % 16
            session = self.logger.start(student)[1]["session_id"]
            path = f"{logger_bench.START_PATH}/{session}"
            per_client.append(
                [("PUT", path, _put_body(n), self.logger.headers) for n in range(puts // clients)]
            )
        return per_client

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def _put_body(n: int) -> bytes:
    return json.dumps(
        {"time_spent_delta": 5, "interactions": [logger_bench.interaction(n)]}
    ).encode()


# --- Ralph ---------------------------------------------------------------------------------


class Ralph:
    """Ralph LRS on its file-system backend, started on an empty store."""

    USER, PASSWORD = "bench", "bench-secret"

    def __init__(self):
        self.bin = ensure_venv(*RALPH)
        self.server = None
        self.home = None

    def start(self) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="bench-ralph-"))
        (self.home / "store").mkdir()
        subprocess.run(
            [
                str(self.bin / "python"),
                "-c",
                "import bcrypt, json, sys; json.dump([{'agent': {'mbox': 'mailto:bench@example.org'},"
                " 'scopes': ['all'], 'username': sys.argv[2], 'hash': bcrypt.hashpw("
                "sys.argv[3].encode(), bcrypt.gensalt(4)).decode()}], open(sys.argv[1], 'w'))",
                str(self.home / "auth.json"),
                self.USER,
                self.PASSWORD,
            ],
            check=True,
        )
        env = {
            **peer_environ(),
            "RALPH_APP_DIR": str(self.home),
            "RALPH_AUTH_FILE": str(self.home / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.home / "store"),
        }
        self.port = ingest.free_port()
        self.server = subprocess.Popen(
            [str(self.bin / "python"), str(HERE / "peers" / "ralph_server.py"), str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.server)
        basic = base64.b64encode(f"{self.USER}:{self.PASSWORD}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        }

    def stop(self) -> None:
        if self.server is not None:
            stop(self.server)
            shutil.rmtree(self.home, ignore_errors=True)
            self.server = None

    def statements(self, shape, first: int, envelopes: int, size: int) -> list[Request]:
        """The same events as ours, as xAPI statements: `envelopes` requests of `size`."""
        requests = []
        for e in range(envelopes):
            batch = [statement(shape.event(first + e * size + i)) for i in range(size)]
            body = orjson.dumps(batch[0] if size == 1 else batch)
            requests.append(("POST", "/xAPI/statements", body, self.headers))
        return requests


def statement(event: dict) -> dict:
    """An xAPI statement saying what the Caliper event says (same ids, times and figures)."""
    student = event["actor"]["id"].rsplit("/", 1)[1]
    items = {item["type"]: item["value"] for item in event["generated"]["items"]}
    return {
        "id": str(uuid.UUID(event["id"].rsplit(":", 1)[1])),
        "timestamp": event["eventTime"],
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://bench.example", "name": student},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {
            "objectType": "Activity",
            "id": f"https://bench.example/activities/{event['object']['activity']['id']}",
        },
        "result": {"extensions": {"https://bench.example/metrics": items}},
        "context": {
            "registration": str(uuid.uuid5(uuid.NAMESPACE_URL, event["extensions"]["runId"])),
            "extensions": {
                "https://bench.example/course": event["extensions"]["course"]["id"],
                "https://bench.example/lesson": event["extensions"]["lesson"]["id"],
            },
        },
    }


# --- Kolibri -------------------------------------------------------------------------------


class Kolibri:
    """Kolibri's own server on its own SQLite; learners logged in with CSRF."""

    LEARNERS = 8

    def __init__(self):
        self.bin = ensure_venv(*KOLIBRI)
        self.template = CACHE / "kolibri-home"
        if not (self.template / ".bench-provisioned").exists():
            print("provisioning a Kolibri home (migrations: a minute or two) ...", flush=True)
            shutil.rmtree(self.template, ignore_errors=True)
            self._manage(self.template, "migrate")
            self._manage(
                self.template,
                "shell",
                "-c",
                f"exec(open({str(HERE / 'peers' / 'kolibri_provision.py')!r}).read())",
            )
            (self.template / ".bench-provisioned").write_text("ok")
        self.home = Path(tempfile.mkdtemp(prefix="bench-kolibri-"))
        shutil.copytree(self.template, self.home, dirs_exist_ok=True)
        self.port = ingest.free_port()
        self.server = subprocess.Popen(
            [str(self.bin / "kolibri"), "start", "--foreground", "--skip-update"]
            + ["--port", str(self.port)],
            env=self._env(self.home),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port, self.server)
        self.facility = self._facility()
        self.next_learner = 0

    def _env(self, home: Path) -> dict:
        return {
            **peer_environ(),
            "KOLIBRI_HOME": str(home),
            "BENCH_LEARNERS": str(self.LEARNERS),
            "BENCH_LEARNER_PASSWORD": LEARNER_PASSWORD,
            "KOLIBRI_RUN_MODE": "bench",
        }

    def _manage(self, home: Path, *args: str) -> str:
        home.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [str(self.bin / "kolibri"), "manage", *args],
            env=self._env(home),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise SystemExit(f"kolibri manage {args[0]} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def _facility(self) -> str:
        import requests

        answer = requests.get(f"http://127.0.0.1:{self.port}/api/public/v1/facility/", timeout=60)
        return answer.json()[0]["id"]

    def login(self) -> dict:
        """A learner's session: the headers (cookies and CSRF token) their requests carry."""
        import requests

        learner, self.next_learner = self.next_learner, (self.next_learner + 1) % self.LEARNERS
        session = requests.Session()
        base = f"http://127.0.0.1:{self.port}"
        # Kolibri's session endpoint sets the CSRF cookie, whatever it answers to a GET.
        session.get(base + "/api/auth/session/current/?active=false", timeout=60)
        if "kolibri_csrftoken" not in session.cookies:
            session.get(base + "/en/user/", timeout=60)
        answer = session.post(
            base + "/api/auth/session/",
            json={
                "username": f"learner{learner}",
                "password": LEARNER_PASSWORD,
                "facility": self.facility,
            },
            headers={"X-CSRFToken": session.cookies["kolibri_csrftoken"]},
            timeout=60,
        )
        answer.raise_for_status()
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.get_dict().items()),
            "X-CSRFToken": session.cookies["kolibri_csrftoken"],
            "Content-Type": "application/json",
        }
        return headers

    def puts(self, clients: int, puts: int) -> list[list[Request]]:
        """`puts` PUTs with one interaction shared by `clients` learners, each on a new
        content session of an exercise (m of n as ours)."""
        per_client = []
        for _ in range(clients):
            headers = self.login()
            body = json.dumps(
                {
                    "node_id": uuid.uuid4().hex,
                    "content_id": uuid.uuid4().hex,
                    "channel_id": uuid.uuid4().hex,
                    "kind": "exercise",
                    "mastery_model": MODEL,
                }
            )
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            connection.request("POST", "/api/logger/trackprogress/", body, headers)
            response = connection.getresponse()
            session = json.loads(response.read())["session_id"]
            connection.close()
            path = f"/api/logger/trackprogress/{session}/"
            per_client.append(
                [("PUT", path, _put_body(n), headers) for n in range(puts // clients)]
            )
        return per_client

    def close(self) -> None:
        stop(self.server)
        shutil.rmtree(self.home, ignore_errors=True)


# --- the run -------------------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Table:
    def __init__(self):
        self.rows = []

    def add(
        self,
        what: str,
        ours: list[float],
        peer_name: str,
        peer: list[float],
        unit: str,
        loads: list[str],
        higher_is_better: bool = True,
    ):
        ratio = [o / p if higher_is_better else p / o for o, p in zip(ours, peer, strict=True)]
        self.rows.append((what, ours, peer_name, peer, unit, ratio, loads))
        print(
            f"  {what}: ours {fmt(ours)} {unit}; {peer_name} {fmt(peer)} {unit}; "
            f"ours ÷ peer {fmt(ratio, 2)}; load {' | '.join(loads)}",
            flush=True,
        )

    def print(self):
        print(
            "\n| what | ours | peer | peer's figure | ours ÷ peer | load average (1, 5, 15 min) |"
        )
        print("|---|---|---|---|---|---|")
        for what, ours, peer_name, peer, unit, ratio, loads in self.rows:
            print(
                f"| {what} | {fmt(ours)} {unit} | {peer_name} | {fmt(peer)} {unit} | "
                f"**{fmt(ratio, 2)} ×** | {' · '.join(loads)} |"
            )


def fmt(values: list[float], digits: int = 0) -> str:
    return " / ".join(f"{v:,.{digits}f}" if digits else f"{v:,.0f}" for v in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--events", type=int, default=20_000, help="per round, in 100s")
    parser.add_argument(
        "--single", type=int, default=1_000, help="1-event POSTs per round, 4 clients"
    )
    parser.add_argument("--first", type=int, default=200, help="1-event POSTs, 1 client")
    parser.add_argument("--puts", type=int, default=1_000, help="logger PUTs per round, 4 clients")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--no-processing", action="store_true")
    parser.add_argument("--no-peers", action="store_true", help="ours and COPY only")
    parser.add_argument("--no-seeding", action="store_true", help="skip the demo's seeding")
    parser.add_argument(
        "--no-durable",
        action="store_true",
        help="skip the ingest round with fsync, synchronous_commit and full_page_writes on",
    )
    parser.add_argument(
        "--pages",
        type=int,
        nargs="*",
        default=[500_000, 5_000_000],
        help="history sizes (events) the pages are measured at; none to skip",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL (see the docstring).")
    os.environ.pop("CELERY_BROKER_URL", None)
    from urllib.parse import urlsplit, urlunsplit

    import redis

    broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))
    redis.Redis.from_url(broker).flushdb()

    ours = Ours(broker, args.server_workers)
    ralph = kolibri = None
    try:
        if not args.no_peers:
            ralph = Ralph()
            kolibri = Kolibri()
        print(ingest.pg_settings())
        print(
            f"gunicorn {args.server_workers} sync workers; {args.clients} client processes; "
            f"{os.cpu_count()} cores; rounds: {args.rounds}; load average {load()}",
            flush=True,
        )
        table = Table()
        run_phases(args, ours, ralph, kolibri, table)
    finally:
        ours.close()
        if ralph:
            ralph.stop()
        if kolibri:
            kolibri.close()
    if not args.no_processing:
        total = ingest.pending()
        bulk = ours.bulk_events
        done = ingest.process_all(broker, total, bulk, 1.0)
        print(
            f"processing, one worker (celery --pool=solo): {done['tail_rate']:,.0f} events/s "
            f"over the {bulk} events of 100-event envelopes (queued last), "
            f"{done['head_rate'] or 0:,.0f} events/s over the {total - bulk} of 1-event "
            f"envelopes; {done['seconds']:.1f} s from 'ready'; load {load()}"
        )
        if done["problems"]:
            print(
                f"  !! {len(done['problems'])} worker log lines with errors, e.g. {done['problems'][0][:200]}"
            )
        table.rows.append(
            (
                "processing, one worker, 100-event envelopes (events/s)",
                [done["tail_rate"]],
                "target",
                [2000.0],
                "events/s",
                [done["tail_rate"] / 2000],
                [load()],
            )
        )
        processing_phases(args, broker, table)
    if not args.no_seeding:
        seeding = _bench_module("seeding")
        seeding.add_to(table, os.environ["DATABASE_URL"], rounds=1)
    table.print()
    if args.pages:
        pages_phase(args.pages)


def pages_phase(sizes: list[int]) -> None:
    """Issue 16's pages at scale (bench/pages.py): a school's history generated at each
    size into a database of its own (`timeback_bench_pages`, emptied and refilled), the
    guide's class page, a student's page and the developer page measured at each; prints
    its own table (p50/p95, the ratio between sizes, the goals)."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = os.environ["DATABASE_URL"]
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'timeback_bench_pages'"
        ).fetchone():
            connection.execute("CREATE DATABASE timeback_bench_pages")
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path="/timeback_bench_pages")),
    }
    print(f"\npages at {', '.join(f'{n:,}' for n in sizes)} events (bench/pages.py); load {load()}")
    subprocess.run(
        [sys.executable, str(HERE / "pages.py"), "--sizes", *map(str, sizes)], env=env, check=True
    )


def add_against_peer(
    table: Table,
    what: str,
    runs: list,
    field: str,
    peer_name: str,
    unit: str,
    scale: int = 1,
    higher_is_better: bool = True,
) -> None:
    """One row of the table from a phase's rounds, each (ours, the peer's, load): the same
    figure of both sides (`scale`: events per request)."""
    table.add(
        what,
        [a[field] * scale for a, _, _ in runs],
        peer_name,
        [b[field] * scale for _, b, _ in runs],
        unit,
        [x for *_, x in runs],
        higher_is_better=higher_is_better,
    )


def bulk_round(ours: Ours, events: int, clients: int) -> tuple[dict, int]:
    """Ours: `events` events in 100-event envelopes from `clients` clients, with the CPU
    per accepted event; and the first event's number, for COPY to send the same rows."""
    requests, start = ours.caliper(events // 100, 100)
    meter = ingest.CpuMeter(ours.server.pid, ours.pg_pid)
    a = drive(ours.port, split(requests, clients))
    a["cpu"] = meter.per(a["requests"] * 100)
    return a, start


def add_against_copy(table: Table, what: str, rounds: list, settings: str) -> None:
    """The rounds of `bulk_round` beside COPY's, and ours' CPU per accepted event."""
    under = f", {settings}" if settings else ""
    table.add(
        f"{what}{under} (events/s)",
        [a["rate"] * 100 for a, _, _ in rounds],
        f"PostgreSQL COPY, same rows{', same settings' if settings else ''} (rows/s)",
        [c["rate"] for _, c, _ in rounds],
        "",
        [x for *_, x in rounds],
    )
    print(f"  ours, CPU per accepted event{under}: " + " | ".join(a["cpu"] for a, _, _ in rounds))


def logger_round(ours: Ours, kolibri: Kolibri | None, clients: int, puts: int):
    """One round of the logger phase: ours, then Kolibri's, each with the CPU its server
    spent per PUT (ours: gunicorn and PostgreSQL; Kolibri: its server process, SQLite
    inside), which depends less on the machine's load than the rates do."""
    requests = ours.logger_puts(clients, puts)
    meter = ingest.CpuMeter(ours.server.pid, ours.pg_pid)
    a = drive(ours.port, requests)
    a["cpu"] = meter.per(a["requests"])
    b = None
    if kolibri:
        requests = kolibri.puts(clients, puts)
        meter = ingest.CpuMeter(kolibri.server.pid, None)
        b = drive(kolibri.port, requests)
        b["cpu"] = meter.per(b["requests"]).replace("web", "Kolibri")
    return a, b


def print_logger_cpu(put1: list, put4: list, clients: int) -> None:
    """CPU per logger PUT of each side, and the p99 goal at `clients` clients (issue 16:
    ≤ 30 ms)."""
    rounds = put1 + put4
    print("  ours, CPU per logger PUT: " + " | ".join(a["cpu"] for a, _, _ in rounds))
    if all(b is not None for _, b, _ in rounds):
        print("  Kolibri, CPU per logger PUT: " + " | ".join(b["cpu"] for _, b, _ in rounds))
    p99 = [a["p99"] for a, _, _ in put4]
    print(
        f"  ours, logger PUT p99 at {clients} clients: "
        + ", ".join(f"{x:.1f} ms" for x in p99)
        + (" (goal ≤ 30 ms: met)" if max(p99) <= 30 else " (goal ≤ 30 ms: not met)")
    )


DURABLE = ("fsync", "synchronous_commit", "full_page_writes")


@contextlib.contextmanager
def durable_settings():
    """The server with every commit flushed to disk (fsync, synchronous_commit and
    full_page_writes on, the settings a school's server keeps), for the block: set with ALTER
    SYSTEM and a reload, which the open sessions (gunicorn's kept connections too) take at
    their next statement, then reset to what the cluster was started with."""
    from django.db import connection

    def apply(sql: str) -> None:
        with connection.cursor() as cursor:
            for name in DURABLE:
                cursor.execute(sql.format(name=name))
            cursor.execute("SELECT pg_reload_conf()")
        time.sleep(1)  # the reload reaches every backend (a signal, not waited for)
        print(ingest.pg_settings(), flush=True)

    apply("ALTER SYSTEM SET {name} = on")
    try:
        yield
    finally:
        apply("ALTER SYSTEM RESET {name}")


def processing_phases(args, broker: str, table: Table) -> None:
    """Issue 16's processing goals on the standard mix (bench/processing.py): one worker's
    events/s and CPU per event, two workers ÷ one with lock waits sampled from
    pg_stat_activity, and 60 s of mixed load (8 posters, 8 page readers) with one solo
    worker, then with the README's production command (one worker, `--concurrency 2`)."""
    processing = _bench_module("processing")
    shape = argparse.Namespace(
        events=args.events,
        envelope=100,
        students=200,
        lessons=40,
        rounds=1,
        load=60.0,
        load_concurrency=1,
    )
    ingest.ensure_catalogue(shape.students, shape.lessons)
    runs = processing.workers_phase(shape, broker)[0]
    one, two = runs["one"], runs["two"]
    table.add(
        "processing, one worker, standard mix (events/s)",
        [one["rate"]],
        "target",
        [2000.0],
        "events/s",
        [load()],
    )
    table.add(
        "processing, two workers ÷ one (events/s)",
        [two["rate"]],
        "one worker",
        [one["rate"]],
        "events/s",
        [load()],
    )
    for concurrency, worker in ((1, "one solo worker"), (2, "worker --concurrency 2")):
        shape.load_concurrency = concurrency
        loaded = processing.load_phase(shape, broker)
        table.add(
            f"processing under 60 s load, {worker}, processed ÷ arriving (events/s)",
            [loaded["processed"]],
            "arriving",
            [loaded["arrived"]],
            "events/s",
            [load()],
        )


def run_phases(args, ours: Ours, ralph: Ralph | None, kolibri: Kolibri | None, table: Table):
    clients, rounds = args.clients, args.rounds
    first, single, bulk_copy, many = ([] for _ in range(4))
    put1, put4 = [], []
    # Phase by phase, each phase ours then the peer, `rounds` times. The 1-event phases come
    # first, so that the worker's queue (FIFO) holds their tasks before the 100-event ones.
    for _ in range(rounds):
        # single-event POST, one client: Ralph's first requests, on an empty store
        requests, _ = ours.caliper(args.first, 1)
        a = drive(ours.port, [requests])
        b = None
        if ralph:
            ralph.start()
            b = drive(ralph.port, [ralph.statements(ours.shape, 10**9, args.first, 1)])
            ralph.stop()
        first.append((a, b, load()))
    for _ in range(rounds):
        # single-event POST, 4 clients
        requests, _ = ours.caliper(args.single, 1)
        meter = ingest.CpuMeter(ours.server.pid, ours.pg_pid)
        a = drive(ours.port, split(requests, clients))
        a["cpu"] = meter.per(a["requests"])
        b = None
        if ralph:
            ralph.start()
            statements = ralph.statements(ours.shape, 2 * 10**9, args.single, 1)
            b = drive(ralph.port, split(statements, clients))
            ralph.stop()
        single.append((a, b, load()))
    ours.bulk_first = ours.next_event
    for _ in range(rounds):
        # 100-event envelopes, 4 clients; COPY of the same rows; Ralph, 100 statements a POST
        a, start = bulk_round(ours, args.events, clients)
        bulk_copy.append((a, ingest.copy_rate(ours.shape, start, args.events), load()))
        if ralph:
            ralph.start()
            statements = ralph.statements(ours.shape, start, args.events // 100, 100)
            b = drive(ralph.port, split(statements, clients))
            ralph.stop()
            many.append((a, b, load()))
    for _ in range(rounds):
        # logger PUT with one interaction, 1 client then 4
        put1.append((*logger_round(ours, kolibri, 1, args.puts // 3), load()))
    for _ in range(rounds):
        put4.append((*logger_round(ours, kolibri, clients, args.puts), load()))
    durable = []
    if not args.no_durable:
        # The same 100-event envelopes and COPY with every write flushed (last: the
        # settings are the server's, the other phases ran without them)
        with durable_settings():
            for _ in range(rounds):
                a, start = bulk_round(ours, args.events, clients)
                durable.append((a, ingest.copy_rate(ours.shape, start, args.events), load()))
    ours.bulk_events = (len(bulk_copy) + len(durable)) * args.events

    print()
    add_against_copy(table, f"ingest, 100-event envelopes, {clients} clients", bulk_copy, "")
    if durable:
        add_against_copy(
            table, f"ingest, 100-event envelopes, {clients} clients", durable, "durable settings"
        )
    if ralph:
        add_against_peer(
            table,
            f"ingest, 100 events (statements) a POST, {clients} clients (events/s)",
            many,
            "rate",
            "Ralph LRS 5.1",
            "",
            scale=100,
        )
        add_against_peer(
            table,
            "single-event POST, 1 client, p50 (ms; Ralph on its empty store)",
            first,
            "p50",
            "Ralph LRS 5.1",
            "ms",
            higher_is_better=False,
        )
        add_against_peer(
            table,
            f"single-event POST, {clients} clients (requests/s)",
            single,
            "rate",
            "Ralph LRS 5.1",
            "",
        )
        add_against_peer(
            table,
            f"single-event POST, {clients} clients, p99 (ms)",
            single,
            "p99",
            "Ralph LRS 5.1",
            "ms",
            higher_is_better=False,
        )
    print(
        "  ours, single-event POST, 1 client: "
        + " | ".join(f"p50 {a['p50']:.1f} ms p99 {a['p99']:.1f} ms" for a, _, _ in first)
    )
    print("  ours, CPU per single-event POST: " + " | ".join(a["cpu"] for a, _, _ in single))
    if kolibri:
        add_against_peer(
            table,
            "logger PUT, 1 interaction, 1 client (requests/s)",
            put1,
            "rate",
            "Kolibri 0.19.5",
            "",
        )
        add_against_peer(
            table,
            "logger PUT, 1 interaction, 1 client, p50 (ms)",
            put1,
            "p50",
            "Kolibri 0.19.5",
            "ms",
            higher_is_better=False,
        )
        add_against_peer(
            table, f"logger PUT, {clients} clients (requests/s)", put4, "rate", "Kolibri 0.19.5", ""
        )
        add_against_peer(
            table,
            f"logger PUT, {clients} clients, p99 (ms)",
            put4,
            "p99",
            "Kolibri 0.19.5",
            "ms",
            higher_is_better=False,
        )
    print_logger_cpu(put1, put4, clients)


if __name__ == "__main__":
    main()
