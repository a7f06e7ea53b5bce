"""The systemd units of deploy/systemd/ (README, "Production shape"): each long-running
service restarts itself, runs the documented command, and the health check runs on a timer."""

import configparser
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
README = (UNITS.parent.parent / "README.md").read_text()


def unit(name):
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("timeback-web.service", "gunicorn -c gunicorn.conf.py timeback.wsgi"),
        ("timeback-worker.service", "celery -A timeback worker --concurrency 2"),
        ("timeback-beat.service", "celery -A timeback beat"),
    ],
)
def test_each_service_restarts_itself_and_runs_the_documented_command(name, command):
    service = unit(name)["Service"]

    assert service["Restart"] == "always"
    assert command in service["ExecStart"]
    assert command in README  # the README's production commands are the units' commands
    assert service["EnvironmentFile"] == "/etc/timeback/timeback.env"
    assert f"deploy/systemd/{name}" in README


def test_the_health_check_runs_every_minute_and_fails_when_the_pipeline_is_behind():
    assert "manage.py pipeline_health" in unit("timeback-health.service")["Service"]["ExecStart"]
    assert unit("timeback-health.timer")["Timer"]["OnUnitActiveSec"] == "1min"
