"""A production-shaped web server for the fault suite: the documented command (`gunicorn -c
gunicorn.conf.py timeback.wsgi`, DEBUG off) on the test database and the integration
tests' broker; and a PostgreSQL restart of the test server (the embedded PostgreSQL that
scripts/test-services.sh starts). No pytest here: bench/faults.py uses it too."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from timeback import embedded_pg

REPO = Path(__file__).resolve().parents[2]
SECRET_KEY = "fault-suite-secret-key-not-for-production-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(env: dict, oidc_private_key: str) -> dict:
    """`env` (DATABASE_URL, CELERY_BROKER_URL, ...) with the settings production sets:
    DEBUG off, a secret key, the OIDC key; plain-HTTP cookies (no TLS on 127.0.0.1) and one
    trusted proxy, so that a test may say which address a request comes from
    (X-Forwarded-For)."""
    return {
        **env,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "OIDC_PRIVATE_KEY": oidc_private_key,
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "TRUSTED_PROXY_COUNT": "1",
    }


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py timeback.wsgi` on a free port of 127.0.0.1, in a
    process group of its own (stop() kills it with its workers)."""

    def __init__(self, env: dict, log: Path, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._log_file = open(log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "timeback.wsgi"],
            cwd=REPO,
            env={
                **env,
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(workers),
            },
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("gunicorn did not start:\n" + self.tail()) from None
                time.sleep(0.1)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        self._log_file.close()


def restart_postgres(data_directory: str, port: int) -> float:
    """Stop the PostgreSQL server of `data_directory` (fast shutdown: sessions are cut, open
    transactions roll back) and start it again as scripts/test-services.sh started it.
    Answers the seconds it was down."""
    cluster = embedded_pg.Cluster(Path(data_directory).parent, port=port)
    if embedded_pg.running_pid(cluster) is None:
        raise RuntimeError(
            f"No embedded PostgreSQL runs on {data_directory}: the fault suite restarts the "
            "server scripts/test-services.sh starts (make test)."
        )
    stopped = time.monotonic()
    embedded_pg.stop(cluster)
    embedded_pg.start(cluster, throwaway=True)
    return time.monotonic() - stopped
