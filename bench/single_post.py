"""Benchmark: the single-event Caliper POST, CPU and round trips per request (issue 16).

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/single_post.py \\
        [--requests 500] [--in-process] [--profile 30] [--clients 4]

What a shared machine does not distort is measured first:
- `--in-process`: the project's WSGI application (timeback.wsgi: every middleware, DEBUG
  off) called in this process with a real bearer token and 1-event envelopes, as gunicorn
  calls it; per request: process CPU (`time.process_time`), the PostgreSQL backend's CPU
  (/proc of `pg_backend_pid()`), SQL queries (CaptureQueriesContext, a separate pass) and
  Redis commands (INFO commandstats of the Redis server of REDIS_URL, which should be
  the bench's own). `--profile N` prints cProfile's top N functions (CPU clock).
- default: gunicorn as gunicorn.conf.py runs it (`-w 2`, sync workers), sequential POSTs on
  a new connection each (p50, p99, web and PostgreSQL CPU per request from /proc), then
  `--clients` client processes (requests/s, p99).

Celery's broker is database 15 of REDIS_URL's server (flushed first), so a request stores
and enqueues and no worker runs. The event store is emptied first (bench/ingest.py's).
"""

import argparse
import contextlib
import cProfile
import io
import multiprocessing
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ingest  # noqa: E402 - bench/ is not a package

SIZE = 1


def broker_url() -> str:
    return urlunsplit(urlsplit(os.environ["REDIS_URL"])._replace(path="/15"))


def redis_commands() -> int:
    import redis

    stats = redis.Redis.from_url(os.environ["REDIS_URL"]).info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k not in ("cmdstat_info",))


def pg_cpu(pid: int) -> float:
    fields = ingest._stat(pid)
    return (int(fields[11]) + int(fields[12])) / ingest.TICK if fields else 0.0


def environ_for(body: bytes, token: str) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": ingest.PATH,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_USER_AGENT": "bench",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def call(application, environ) -> tuple[str, bytes]:
    status = []
    chunks = application(environ, lambda s, h, exc_info=None: status.append(s))
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return status[0], data


def in_process_token(application, client_id: str, secret: str) -> str:
    import base64

    import orjson

    body = b"grant_type=client_credentials"
    environ = environ_for(body, "")
    del environ["HTTP_AUTHORIZATION"]
    environ.update(
        PATH_INFO="/auth/1.0/token",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
    )
    status, data = call(application, environ)
    assert status.startswith("200"), (status, data)
    return orjson.loads(data)["access_token"]


@contextlib.contextmanager
def psycopg_statements():
    """Every statement psycopg sends (Django's health check `SELECT 1` included, which
    CaptureQueriesContext does not see)."""
    import psycopg

    sent, execute = [], psycopg.Cursor.execute

    def counted(self, query, *args, **kwargs):
        sent.append(query)
        return execute(self, query, *args, **kwargs)

    psycopg.Cursor.execute = counted
    try:
        yield sent
    finally:
        psycopg.Cursor.execute = execute


def in_process(args) -> None:
    os.environ.update(ingest.bench_env(broker_url()))
    ingest.setup_django()
    ingest.empty_event_store()
    client_id, secret = ingest.ensure_catalogue(200, 20)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from timeback.wsgi import application

    token = in_process_token(application, client_id, secret)
    shape = ingest.Shape(int(time.time() * 1000), 200, 20)
    bodies = [shape.envelope(i, SIZE) for i in range(args.requests * 3 + 20)]
    for body in bodies[:20]:  # warm-up: imports, compiled schemas, cached token
        status, data = call(application, environ_for(body, token))
        assert status.startswith("200"), (status, data)
    rest = iter(bodies[20:])

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    # CPU: the WSGI calls only, the clock read around each.
    cpu = []
    pg_before = pg_cpu(backend)
    redis_before = redis_commands()
    for _ in range(args.requests):
        environ = environ_for(next(rest), token)
        began = time.process_time()
        status, data = call(application, environ)
        cpu.append(time.process_time() - began)
        assert status.startswith("200") and b'"accepted":1' in data, (status, data)
    pg = (pg_cpu(backend) - pg_before) / args.requests
    redis_per = (redis_commands() - redis_before - 1) / args.requests
    # Queries: a separate pass (capturing costs CPU of its own).
    queries, statements = [], []
    for _ in range(min(args.requests, 50)):
        with CaptureQueriesContext(connection) as captured, psycopg_statements() as sent:
            call(application, environ_for(next(rest), token))
        queries.append(len(captured))
        statements.append(len(sent))
    print(
        f"in process, {args.requests} single-event POSTs: Python CPU per request "
        f"p50 {statistics.median(cpu) * 1e3:.2f} ms, mean {statistics.fmean(cpu) * 1e3:.2f} ms; "
        f"PostgreSQL backend {pg * 1e3:.2f} ms; SQL queries {statistics.mean(queries):.1f} "
        f"(statements sent, health checks included: {statistics.mean(statements):.1f}); "
        f"Redis commands {redis_per:.1f}; load {ingest.load()}"
    )
    if args.verbose_queries:
        with CaptureQueriesContext(connection) as captured:
            call(application, environ_for(next(rest), token))
        for query in captured.captured_queries:
            print("   ", query["sql"][:200])
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        for _ in range(args.requests):
            environ = environ_for(next(rest), token)
            profile.enable()
            call(application, environ)
            profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())


def _client(port, token, bodies, barrier, results) -> None:
    timings = []
    barrier.wait()
    for body in bodies:
        began = time.perf_counter()
        ingest.post(port, token, body)
        timings.append(time.perf_counter() - began)
    results.put((timings, time.perf_counter()))


def over_gunicorn(args) -> None:
    broker = broker_url()
    import redis

    redis.Redis.from_url(broker).flushdb()
    ingest.setup_django()
    ingest.empty_event_store()
    client_id, secret = ingest.ensure_catalogue(200, 20)
    from django.db import connections

    bench_logger = ingest_logger()
    port = ingest.free_port()
    server = ingest.start_server(port, args.server_workers, broker)
    try:
        token = None
        for _ in range(6):  # the port opens before the workers have booted (slow under load)
            try:
                token = bench_logger.token(port, client_id, secret)
                break
            except TimeoutError:
                continue
        shape = ingest.Shape(int(time.time() * 1000), 200, 20)
        for i in range(20):  # warm-up: each worker's first requests
            ingest.post(port, token, shape.envelope(10**8 + i, SIZE))
        connections.close_all()
        meter = ingest.CpuMeter(server.pid, ingest.postmaster_pid())
        connections.close_all()
        redis_before = redis_commands()
        timing = ingest.latency(shape, port, token, 0, args.requests)
        redis_per = (redis_commands() - redis_before - 1) / args.requests
        print(
            f"gunicorn ({args.server_workers} sync workers), 1 client, {args.requests} "
            f"single-event POSTs: p50 {timing['p50']:.2f} ms, p99 {timing['p99']:.2f} ms; CPU per "
            f"request {meter.per(args.requests)}; Redis commands {redis_per:.1f}; load {ingest.load()}",
            flush=True,
        )
        bodies = [shape.envelope(args.requests + i, SIZE) for i in range(args.requests)]
        barrier = multiprocessing.Barrier(args.clients + 1)
        results = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(
                target=_client,
                args=(port, token, bodies[k :: args.clients], barrier, results),
            )
            for k in range(args.clients)
        ]
        for worker in workers:
            worker.start()
        meter = ingest.CpuMeter(server.pid, ingest.postmaster_pid())
        barrier.wait()
        began = time.perf_counter()
        gathered = [results.get() for _ in workers]
        for worker in workers:
            worker.join()
        seconds = max(end for _, end in gathered) - began
        timings = sorted(t * 1e3 for ts, _ in gathered for t in ts)
        print(
            f"gunicorn, {args.clients} clients: {len(timings) / seconds:,.0f} requests/s, "
            f"p50 {statistics.median(timings):.2f} ms, p99 {timings[int(len(timings) * 0.99) - 1]:.2f} ms; "
            f"CPU per request {meter.per(len(timings))}; load {ingest.load()}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def ingest_logger():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_logger", HERE / "logger.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="top N functions (in process)")
    parser.add_argument("--verbose-queries", action="store_true")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--server-workers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and REDIS_URL (see the docstring).")
    os.environ.pop("CELERY_BROKER_URL", None)
    if args.in_process:
        in_process(args)
    else:
        over_gunicorn(args)


if __name__ == "__main__":
    main()
