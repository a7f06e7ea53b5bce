"""With settings.ROLLUPS_AFTER_COMMIT (a broker's worker recomputes), a logger PUT does not
recompute the daily rollup in the request: it marks the rollup stale and a task recomputes
it after the commit; the sweep repairs a rollup whose task was lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from analytics.models import DailyActivity, StaleRollup
from analytics.tasks import recompute_rollups
from events import sweep

from .conftest import START, answer, exercise_start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rollups_after_commit(settings):
    settings.ROLLUPS_AFTER_COMMIT = True


@pytest.fixture
def queued():
    """The recompute tasks handed to the broker (not run)."""
    calls = []
    with mock.patch.object(
        recompute_rollups, "apply_async", side_effect=lambda args, **_: calls.append(args)
    ):
        yield calls


def answer_one(browser, django_capture_on_commit_callbacks, *, commit_hooks=True):
    session = browser.post(START, exercise_start(), format="json").json()["session_id"]
    with django_capture_on_commit_callbacks(execute=commit_hooks):
        response = browser.put(
            f"{START}/{session}",
            {"time_spent_delta": 60, "interactions": [answer("q1")]},
            format="json",
        )
    assert response.status_code == 200, response.content


def key_of(student, course):
    return [student.pk, course.pk, timezone.now().date().isoformat()]


def test_a_put_enqueues_one_recompute_of_its_rollup_after_commit(
    browser, student, logger_course, queued, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks)

    assert queued == [[[key_of(student, logger_course)]]]
    assert not DailyActivity.objects.exists()
    assert StaleRollup.objects.filter(student=student, course=logger_course).exists()


def test_running_the_recompute_writes_the_right_row_and_clears_the_marker(
    browser, student, logger_course, queued, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks)

    assert recompute_rollups(*queued[0]) == 1

    row = DailyActivity.objects.get(student=student, course=logger_course)
    assert (row.active_seconds, row.items_answered, row.items_correct) == (60, 1, 1)
    assert row.xp > 0
    assert not StaleRollup.objects.exists()


def test_a_recompute_whose_marker_was_already_claimed_does_nothing(
    browser, student, logger_course, queued, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks)
    recompute_rollups(*queued[0])

    with mock.patch("analytics.rollups.recompute") as recompute:
        assert recompute_rollups(*queued[0]) == 0
    recompute.assert_called_once_with(set())


def test_the_sweep_recomputes_a_rollup_whose_task_was_lost(
    browser, student, logger_course, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks, commit_hooks=False)
    assert not DailyActivity.objects.exists()

    counts = sweep.run(min_age=timedelta(0))  # no broker in tests: the task runs in process

    assert counts["stale_rollups"] == 1
    assert DailyActivity.objects.get(student=student, course=logger_course).items_answered == 1
    assert not StaleRollup.objects.exists()


def test_the_sweep_leaves_a_fresh_marker_to_its_task(
    browser, logger_course, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks, commit_hooks=False)

    assert sweep.run(min_age=timedelta(minutes=5))["stale_rollups"] == 0
    assert StaleRollup.objects.exists()


def test_a_broker_outage_still_answers_the_put_and_keeps_the_marker(
    browser, logger_course, django_capture_on_commit_callbacks
):
    with mock.patch.object(recompute_rollups, "apply_async", side_effect=ConnectionError):
        answer_one(browser, django_capture_on_commit_callbacks)

    assert StaleRollup.objects.count() == 1


def test_a_marker_keeps_the_time_its_rollup_first_went_stale(
    browser, logger_course, queued, django_capture_on_commit_callbacks
):
    answer_one(browser, django_capture_on_commit_callbacks)
    first = StaleRollup.objects.get().since
    answer_one(browser, django_capture_on_commit_callbacks)

    assert StaleRollup.objects.get().since == first
    assert len(queued) == 2


def test_a_put_with_one_interaction_then_takes_a_bounded_number_of_queries(
    browser, logger_course, queued, django_assert_num_queries
):
    session = browser.post(START, exercise_start(), format="json").json()["session_id"]
    browser.put(f"{START}/{session}", {"interactions": [answer("q0", correct=0)]}, format="json")

    # Session login (2), the transaction's savepoint (2, inside the test's transaction),
    # the locked session and summary, the locked try with its window and XP so far, one
    # statement for every write, the stale marker, the outcomes' staleness read; no rollup
    # aggregates.
    with django_assert_num_queries(9):
        response = browser.put(
            f"{START}/{session}",
            {"time_spent_delta": 10, "interactions": [answer("q1", correct=0)]},
            format="json",
        )
    assert response.status_code == 200
