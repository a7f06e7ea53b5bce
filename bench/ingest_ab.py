"""Benchmark: CPU per accepted event of the event POST, this tree against another, alternating.

Two processes, one per source tree (this repository and `--other`, e.g. a `git worktree` or
`git archive` of main), each POSTing 100-event envelopes through its own
`timeback.wsgi.application` in process (the whole Django request: middleware, the view,
the service; no HTTP server), batch by batch in turn (ABBA order), so that both see the
same machine load. Prints, for each side, the median Python CPU and PostgreSQL backend CPU
per event, the Python function calls per event (one profiled batch: a count the machine's
load does not move) and the ratio of each pair of batches.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/timeback_bench_ingest \\
    REDIS_URL=redis://127.0.0.1:56379/15 .venv/bin/python bench/ingest_ab.py \\
        --other /path/to/main [--envelopes 15 --batches 10]

Both trees run with this repository's virtualenv, on the database and workload of
bench/ingest.py (its catalogue and event shape); the broker is db 15 of REDIS_URL (no
worker runs). The other tree must have var/oidc-dev-key.pem (copied from here if missing).
"""

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker(envelopes: int, batches: int) -> None:
    """One side: read a command per line on stdin ("go" or "profile"), answer on stdout."""
    import cProfile
    import pstats
    import random
    from urllib.parse import urlsplit, urlunsplit

    sys.path.insert(0, os.getcwd())
    sys.path.insert(0, os.path.join(os.getcwd(), "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")
    import ingest as bench  # this side's bench/ingest.py

    broker = urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))
    os.environ.update(bench.bench_env(broker))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from timeback.wsgi import application

    client_id, secret = bench.ensure_catalogue(200, 20)
    token = (
        Client()
        .post(
            "/auth/1.0/token",
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        )
        .json()["access_token"]
    )
    shape = bench.Shape(random.getrandbits(64), 200, 20)
    bodies = iter([shape.envelope(n * 100, 100) for n in range(envelopes * (batches + 2) + 10)])

    def post() -> None:
        body = next(bodies)
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/caliper/event",
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
        }
        status = []
        answer = application(environ, lambda s, headers, exc_info=None: status.append(s))
        b"".join(answer)
        answer.close()
        assert status[0].startswith("200"), status

    for _ in range(8):  # warm-up: imports, connections, the token in the cache
        post()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = bench._stat(backend)
        return (int(fields[11]) + int(fields[12])) / bench.TICK

    print("ready", flush=True)
    events = envelopes * 100
    for line in sys.stdin:
        if line.strip() == "profile":
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(envelopes):
                post()
            profiler.disable()
            print(f"{pstats.Stats(profiler).total_calls / events:.0f}", flush=True)
            continue
        python, pg = time.process_time(), backend_cpu()
        for _ in range(envelopes):
            post()
        print(
            f"{(time.process_time() - python) / events * 1e6:.2f} "
            f"{(backend_cpu() - pg) / events * 1e6:.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="the other source tree (e.g. main)")
    parser.add_argument("--envelopes", type=int, default=15, help="100-event envelopes a batch")
    parser.add_argument("--batches", type=int, default=10, help="batches per side")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.envelopes, args.batches)
    other = Path(args.other).resolve()
    key = other / "var" / "oidc-dev-key.pem"
    if not key.exists():
        key.parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / "var" / "oidc-dev-key.pem", key)
    sides = {"other": other, "this": ROOT}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--other", "-"]
    command += ["--envelopes", str(args.envelopes), "--batches", str(args.batches)]
    processes = {
        name: subprocess.Popen(
            command, cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for name, tree in sides.items()
    }
    for process in processes.values():
        while (line := process.stdout.readline()).strip() != "ready":
            if not line:
                raise SystemExit("a side did not start")

    def ask(process, command: str) -> str:
        process.stdin.write(command + "\n")
        process.stdin.flush()
        return process.stdout.readline()

    results = {name: [] for name in sides}
    for batch in range(args.batches):
        order = list(processes.items())
        for name, process in order if batch % 2 == 0 else reversed(order):
            results[name].append(tuple(map(float, ask(process, "go").split())))
    calls = {name: ask(process, "profile").strip() for name, process in processes.items()}
    for process in processes.values():
        process.stdin.close()
        process.wait()
    for name, tree in sides.items():
        python = [x for x, _ in results[name]]
        pg = [y for _, y in results[name]]
        print(
            f"{name} ({tree}): Python {statistics.median(python):.1f} µs per event (median of "
            f"{len(python)} batches of {args.envelopes} envelopes; {min(python):.1f}-"
            f"{max(python):.1f}), PostgreSQL backend {statistics.median(pg):.1f} µs; "
            f"{calls[name]} Python function calls per event"
        )
    ratios = [b[0] / a[0] for a, b in zip(results["other"], results["this"], strict=True)]
    print(
        f"this ÷ other, Python CPU per batch pair: median {statistics.median(ratios):.2f} "
        f"({' '.join(f'{r:.2f}' for r in ratios)}); load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )


if __name__ == "__main__":
    main()
