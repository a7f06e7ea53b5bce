"""Redis down while events arrive (docs/operations.md#nothing-accepted-is-lost): the endpoint still
answers at once, the events are stored as pending, and once Redis is back the sweep and a worker
bring every one through, once."""

import contextlib
import subprocess
import sys
import time
from decimal import Decimal
from unittest.mock import ANY

import pytest

from events.models import CaliperEvent, EventStatus
from gradebook.models import XpEntry

from ..events.conftest import activity, envelope, time_spent
from .conftest import (
    REPO,
    ledger_total,
    post_envelope,
    processed,
    sources_credited_more_than_once,
    status_counts,
    subprocess_env,
    unprocessed,
    wait_for,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ENVELOPES = 20
RUNS_PER_ENVELOPE = 25  # an ActivityEvent (reported XP) and a TimeSpentEvent each


@contextlib.contextmanager
def pauses_recorded():
    """Records (instead of making) every pause the publishing code makes: the sleeps of
    kombu's and redis-py's retry loops (each imports `sleep` by name) and time.sleep. "Answers
    at once" means the endpoint never waits for the broker, whatever the machine's load; a
    wall-clock bound would fail on a busy machine and pass a short retry on a quiet one."""
    import kombu.utils.functional
    import redis.retry

    made = []
    modules = (kombu.utils.functional, redis.retry, time)
    saved = [module.sleep for module in modules]
    for module in modules:
        module.sleep = made.append
    try:
        yield made
    finally:
        for module, sleep in zip(modules, saved, strict=True):
            module.sleep = sleep


def outage_envelope(n: int, students: list[str]) -> tuple[dict, Decimal]:
    events, xp = [], Decimal(0)
    for i in range(RUNS_PER_ENVELOPE):
        student, run = students[i % len(students)], f"outage-{n}-{i}"
        reported = 1 + (n + i) % 5
        quiz = activity(student, run=run, xpEarned=reported)
        quiz["object"]["activity"]["id"] = run  # every activity its own XP source
        events += [quiz, time_spent(student, run=run, active=600)]
        xp += reported
    return envelope(*events), xp


def test_events_posted_while_redis_is_down_answer_fast_and_are_processed_after(
    app_api, students, broker, start_worker, caplog
):
    redis_server = broker  # its teardown starts Redis again if the test left it stopped
    worker = start_worker()
    # Before the outage: the worker consumes and the web side has published (its broker
    # connection is pooled, as in a long-running web process).
    before, _ = post_envelope(app_api, envelope(time_spent("stu-1", run="before", active=60)))
    assert before.json()["accepted"] == 1
    wait_for(lambda: processed() == 1, timeout=60, what="the warm-up event", workers=[worker])

    redis_server.stop()
    expected_xp = Decimal(0)
    durations = []
    caplog.set_level("WARNING", logger="events.services")
    with pauses_recorded() as pauses:
        for n in range(ENVELOPES):
            body, xp = outage_envelope(n, students)
            response, seconds = post_envelope(app_api, body)
            assert response.status_code == 200, response.content
            assert response.json() == {
                "jobId": ANY,
                "accepted": 2 * RUNS_PER_ENVELOPE,
                "duplicates": 0,
                "rejected": [],
            }
            durations.append(seconds)
            expected_xp += xp
    outage_events = ENVELOPES * 2 * RUNS_PER_ENVELOPE
    print(
        f"\nposts while Redis was down: slowest {max(durations) * 1000:.0f} ms, "
        f"mean {sum(durations) / len(durations) * 1000:.0f} ms"
    )
    # Answered at once: each post tried the broker, gave up without pausing or retrying, and
    # left its events pending for the sweep.
    assert pauses == [], f"the endpoint waited for the broker: pauses of {pauses} s"
    gave_up = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue")]
    assert len(gave_up) == ENVELOPES, [r.getMessage() for r in caplog.records]
    assert status_counts() == {"processed": 1, "pending": outage_events}
    assert not redis_server.ping(), "Redis came back during the outage"

    redis_server.start()
    back = time.monotonic()
    # What an operator (or cron) runs: the sweep, in a process of its own.
    sweep = subprocess.run(
        [sys.executable, "manage.py", "process_pending", "--min-age", "0"],
        cwd=REPO,
        env=subprocess_env(redis_server.broker_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert sweep.returncode == 0, sweep.stderr
    assert f"pending re-queued: {outage_events}," in sweep.stdout
    wait_for(
        lambda: unprocessed() == 0,
        timeout=60,
        what="the worker to process the swept events once Redis was back",
        workers=[worker],
        details=lambda: f"statuses: {status_counts()}",
    )
    recovery = time.monotonic() - back
    print(
        f"Redis back: the sweep and the worker (which reconnected by itself) processed "
        f"{outage_events} events in {recovery:.1f}s"
    )
    assert status_counts() == {"processed": 1 + outage_events}
    assert sources_credited_more_than_once() == []
    assert XpEntry.objects.count() == ENVELOPES * RUNS_PER_ENVELOPE
    assert ledger_total() == expected_xp

    # The web process publishes again by itself: a new event needs no sweep.
    after, _ = post_envelope(app_api, envelope(time_spent("stu-2", run="after", active=60)))
    assert after.json()["accepted"] == 1
    wait_for(
        lambda: (
            CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 2 + outage_events
        ),
        timeout=30,
        what="an event posted after the outage to be processed without a sweep",
        workers=[worker],
        details=lambda: f"statuses: {status_counts()}",
    )
