"""Timeback's partner SDK (`timeback-sdk` 0.4.0) as a partner mounts it, against this server.

Not collected by pytest (it imports the SDK, which lives only in .venv-compat, and the SDK's
package is named `timeback`, like this project's): test_timeback_sdk.py runs it as a
subprocess and asserts on the JSON it prints.

    sdk_scenario.py '{"base_url", "client_id", "client_secret", "course", "username",
                      "password", "start", "plan": [...]}'

It mounts the SDK's FastAPI router (`TimebackFastAPI(...).router`) in a FastAPI app, with
"Sign in with Timeback" (SSO mode, a confidential OIDC client) and a timeback.config.json
naming the course. The SDK has no base-URL option: its API client is a
`TimebackClient(base_url=..., auth_url=...)` handed to it in place of the one it would
build for Timeback's hosted platform. Then it plays the partner's front-end:

1. signs the student in: the SDK's /identity/signin redirects a browser to this server's
   authorization endpoint; the browser signs in through the real login form (CSRF
   included) and is sent back to the SDK's callback, which exchanges the code, reads
   userinfo and resolves the Timeback user by email;
2. for each step of `plan`: heartbeats (`/activity/heartbeat`) and a submit
   (`/activity/submit`), as the SDK's front-end sends them; a step marked `resend` sends
   the previous submit again, unchanged (a retry).

Prints one JSON object: what each call answered.
"""

import json
import sys
import tempfile
import traceback
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import httpx
import timeback_core
from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse
from starlette.testclient import TestClient
from timeback.server import timeback as sdk_server
from timeback.server.adapters.fastapi import TimebackFastAPI
from timeback_core import TimebackClient

from timeback import ApiCredentials, SsoIdentityConfig, TimebackConfig

APP_ORIGIN = "https://fractions.example"  # the partner's own site, where the SDK is mounted
MOUNT = "/api/timeback"
SUBJECT, GRADE = "Math", 3

results: dict = {"calls": []}
sessions: dict[str, object] = {}  # the partner's sessions: cookie → Timeback user


def iso(moment: datetime) -> str:
    """endedAt as the SDK's front-end sends it (JavaScript's toISOString)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def point_the_sdk_at(base_url: str) -> None:
    """The SDK builds `TimebackClient(env=..., client_id=..., client_secret=...)` for
    Timeback's hosted platform wherever it needs one (its shared API client, and the user
    look-up of the sign-in callback) and has no base-URL option: it gets the client's
    self-hosted configuration instead, with the same credentials."""

    class SelfHosted(TimebackClient):
        def __init__(self, *, client_id: str, client_secret: str, **_hosted) -> None:
            super().__init__(
                base_url=base_url,
                auth_url=f"{base_url}/auth/1.0/token",
                client_id=client_id,
                client_secret=client_secret,
            )

    timeback_core.TimebackClient = SelfHosted  # imported by the callback's user look-up
    sdk_server.TimebackClient = SelfHosted  # the shared client's factory


def partner_app(config: dict, folder: Path) -> tuple[FastAPI, TimebackFastAPI]:
    (folder / "timeback.config.json").write_text(
        json.dumps(
            {
                "name": "Fractions Quest",
                "sensor": APP_ORIGIN,
                "courses": [
                    {
                        "subject": SUBJECT,
                        "grade": GRADE,
                        "ids": {"staging": config["course"]},
                        "metadata": {"metrics": {"totalLessons": config["total_lessons"]}},
                    }
                ],
            }
        )
    )

    def current_user(request: Request):
        return sessions.get(request.cookies.get("session", ""))

    def signed_in(ctx):
        key = uuid.uuid4().hex
        sessions[key] = ctx.user
        results["signed_in"] = {"id": ctx.user.id, "email": ctx.user.email}
        response = RedirectResponse("/", status_code=302)
        response.set_cookie("session", key)
        return response

    def sign_in_failed(ctx):
        results["sign_in_error"] = f"{ctx.error_code}: {ctx.error}"
        return RedirectResponse("/login?error=sso", status_code=302)

    timeback = TimebackFastAPI(
        TimebackConfig(
            env="staging",
            api=ApiCredentials(
                client_id=config["client_id"], client_secret=config["client_secret"]
            ),
            identity=SsoIdentityConfig(
                mode="sso",
                client_id=config["client_id"],
                client_secret=config["client_secret"],
                issuer=config["base_url"],
                redirect_uri=f"{APP_ORIGIN}{MOUNT}/identity/callback",
                get_user=current_user,
                on_callback_success=signed_in,
                on_callback_error=sign_in_failed,
            ),
            config_path=str(folder / "timeback.config.json"),
        )
    )
    app = FastAPI()
    app.include_router(timeback.router, prefix=MOUNT)
    return app, timeback


def sign_in(front: TestClient, config: dict) -> None:
    """The SSO round trip, with a browser that signs in through the real login form."""
    base = config["base_url"]
    browser = httpx.Client(timeout=30)
    login = f"{base}/accounts/login/"
    browser.get(login)
    answer = browser.post(
        login,
        data={
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "login": config["username"],
            "password": config["password"],
        },
        headers={"Referer": login},
    )
    results["login_status"] = answer.status_code
    to_provider = front.get(f"{MOUNT}/identity/signin", follow_redirects=False)
    results["signin_redirect"] = to_provider.headers.get("location", "")
    back = browser.get(to_provider.headers["location"], follow_redirects=False)
    callback = back.headers.get("location", "")
    results["authorize_status"] = back.status_code
    if not callback.startswith(APP_ORIGIN):
        raise RuntimeError(
            f"the provider did not send the browser back: {back.status_code} {back.text[:500]}"
        )
    parsed = urlparse(callback)
    done = front.get(f"{parsed.path}?{parsed.query}", follow_redirects=False)
    results["callback_status"] = done.status_code
    if "session" in done.cookies:
        front.cookies.set("session", done.cookies["session"])
    browser.close()


def record(kind: str, body: dict, answer) -> None:
    results["calls"].append(
        {"kind": kind, "body": body, "status": answer.status_code, "answer": answer.text[:2000]}
    )


def play(front: TestClient, config: dict) -> None:
    """The front-end: per step, its heartbeats then its submit (or the last submit again)."""
    start = datetime.fromisoformat(config["start"])
    course = {"subject": SUBJECT, "grade": GRADE}
    moment = start
    last_submit = None
    for step in config["plan"]:
        if step.get("resend"):
            record(
                "resubmit", last_submit, front.post(f"{MOUNT}/activity/submit", json=last_submit)
            )
            continue
        run = str(uuid.uuid4())
        for elapsed, paused in step["heartbeats"]:
            began = moment
            moment = moment + timedelta(milliseconds=elapsed + paused)
            beat = {
                "id": step["id"],
                "name": step["name"],
                "course": course,
                "runId": run,
                "startedAt": iso(began),
                "endedAt": iso(moment),
                "elapsedMs": elapsed,
                "pausedMs": paused,
            }
            record("heartbeat", beat, front.post(f"{MOUNT}/activity/heartbeat", json=beat))
        moment = moment + timedelta(seconds=1)
        last_submit = {
            "id": step["id"],
            "name": step["name"],
            "course": course,
            "runId": run,
            "endedAt": iso(moment),
            "metrics": step["metrics"],
        }
        record("submit", last_submit, front.post(f"{MOUNT}/activity/submit", json=last_submit))
        moment = moment + timedelta(seconds=5)


def main() -> int:
    config = json.loads(sys.argv[1])
    try:
        point_the_sdk_at(config["base_url"])
        with tempfile.TemporaryDirectory() as folder:
            app, timeback = partner_app(config, Path(folder))
            with TestClient(app, base_url=APP_ORIGIN) as front:
                sign_in(front, config)
                play(front, config)
                front.portal.call(timeback.close)  # on the loop its HTTP client lives on
    except Exception as error:  # noqa: BLE001 - reported to the test, which fails on it
        results["error"] = f"{type(error).__name__}: {error}"
        results["traceback"] = traceback.format_exc()
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
