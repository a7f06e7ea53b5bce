"""The embedded PostgreSQL server (timeback/embedded_pg.py): the database of every process
started without DATABASE_URL, as `make run` and a fresh clone's manage.py commands are."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from timeback import embedded_pg
from timeback.embedded_pg import Cluster

REPO = Path(__file__).resolve().parents[1]
QUERY = (
    "from django.db import connection; c = connection.cursor(); "
    "c.execute('SELECT current_database(), pg_backend_pid(), version()'); "
    "print('|'.join(map(str, c.fetchone())))"
)


def django_without_database_url(var_dir: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter that loads the settings with no DATABASE_URL and runs a query."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + QUERY],
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "timeback.settings",
            "TIMEBACK_VAR_DIR": str(var_dir),
        },
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture
def var_dir(tmp_path):
    yield tmp_path
    embedded_pg.stop(Cluster(tmp_path / "pg"))


def test_without_database_url_the_settings_start_the_embedded_server_and_later_runs_reuse_it(
    var_dir,
):
    first = django_without_database_url(var_dir)
    assert first.returncode == 0, first.stderr
    database, _, version = first.stdout.strip().split("|")
    assert database == "timeback"
    assert version.startswith("PostgreSQL 18")
    cluster = Cluster(var_dir / "pg")
    server = embedded_pg.running_pid(cluster)
    assert server, "the server should keep running after the process that started it"
    assert "initdb" in first.stderr

    again = django_without_database_url(var_dir)
    assert again.returncode == 0, again.stderr
    assert embedded_pg.running_pid(cluster) == server
    assert "initdb" not in again.stderr and "starting" not in again.stderr

    assert embedded_pg.stop(cluster) is True
    assert embedded_pg.running_pid(cluster) is None
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=str(cluster.socket_dir), port=5432, user="postgres", connect_timeout=3)


def test_a_stopped_server_starts_again_on_its_data_with_a_tcp_port_when_asked(var_dir):
    cluster = embedded_pg.start(Cluster(var_dir / "pg"))
    with psycopg.connect(**_kwargs(cluster), autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (n int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    embedded_pg.stop(cluster)

    on_port = embedded_pg.start(Cluster(var_dir / "pg", port=_free_port()))
    with psycopg.connect(**_kwargs(on_port)) as conn:
        assert conn.execute("SELECT n FROM kept").fetchone() == (42,)
    assert on_port.url().startswith("postgres://postgres@127.0.0.1:")


def test_a_checkout_too_deep_for_a_unix_socket_gets_a_short_socket_directory():
    deep = Cluster(Path("/" + "deep/" * 30) / "var" / "pg")
    shallow = Cluster(Path("/srv/timeback/var/pg"))

    assert len(str(deep.socket_dir / ".s.PGSQL.5432")) < 100
    assert deep.socket_dir != Cluster(Path("/" + "other/" * 30) / "pg").socket_dir
    assert shallow.socket_dir == Path("/srv/timeback/var/pg/run")


def _kwargs(cluster: Cluster) -> dict:
    s = cluster.settings()
    return {"host": s["HOST"], "port": s["PORT"], "user": s["USER"], "dbname": s["NAME"]}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
