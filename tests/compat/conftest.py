"""The official clients against a live test server (docs/api.md#path-profiles).

The clients need Python 3.12 (this project runs on the machine's Python); setup.sh builds
.venv-compat with them, once, and the tests run scenario.py in it as a subprocess against
pytest-django's `live_server`, on the test database. Without a broker Celery runs eagerly,
so the server processes an envelope's events right after committing them, in the request.
"""

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.factories import PartnerAppFactory

HERE = Path(__file__).resolve().parent


class Seen(dict):
    """What the scenario printed; `step(name)` fails the test with the step's error."""

    def step(self, name: str) -> "Seen":
        error = self.get("errors", {}).get(name)
        assert error is None, f"the {name} step failed in the official client:\n{error}"
        return self


@pytest.fixture(scope="session")
def compat_python() -> str:
    """The python of .venv-compat (built on first use; a fresh machine takes ~20 s, or
    minutes when pyenv must first build Python 3.12)."""
    done = subprocess.run(
        [str(HERE / "setup.sh")], capture_output=True, text=True, timeout=3600, check=False
    )
    assert done.returncode == 0, f"tests/compat/setup.sh failed:\n{done.stderr[-4000:]}"
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def school_app(db):
    """A partner's sandbox app, as a partner starts (not a roster source): it builds its
    test class inside the `partner-sandbox` org (docs/api.md#sandbox-scaffolding), as the
    scenario does, and reads back what it made."""
    app = PartnerAppFactory(name="Compat Partner App", sandbox=True)
    return app, app.oauth_client.id, app.client_secret


# What the scenario saw, per profile. It runs once per profile (the first test that asks
# for it; ~5 s each): later tests only read what the clients saw, not the database (which
# every transactional test empties behind it).
_seen_by_profile: dict[str, "Seen"] = {}


@pytest.fixture
def seen_on(request):
    """seen_on(profile) → what the official clients saw on that path profile."""

    def seen(profile: str) -> "Seen":
        if profile not in _seen_by_profile:
            _seen_by_profile[profile] = request.getfixturevalue("run_scenario")(profile)
        return _seen_by_profile[profile]

    return seen


@pytest.fixture(params=["BEYOND_AI", "LEARNWITH_AI"])
def seen(request, seen_on) -> "Seen":
    """What the official clients saw on one path profile (each test runs for both)."""
    return seen_on(request.param)


@pytest.fixture
def run_scenario(compat_python, live_server, school_app):
    """run_scenario(profile) → what scenario.py saw, as a dict (fails on any error)."""

    def run(profile: str) -> dict:
        _, client_id, secret = school_app
        config = {
            "base_url": live_server.url,
            "client_id": client_id,
            "client_secret": secret,
            "profile": profile,
            "sandbox": True,
            "prefix": f"{profile.lower()}-{uuid.uuid4().hex[:8]}",
            "day": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        }
        done = subprocess.run(
            [compat_python, str(HERE / "scenario.py"), json.dumps(config)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        seen = json.loads(done.stdout)
        assert "error" not in seen, f"{seen['error']}\n{seen.get('traceback', '')}"
        return Seen({**seen, "config": config})

    return run
