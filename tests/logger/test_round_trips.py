"""A PUT waits for PostgreSQL as few times as it can (issue 16): the writes, the daily
rollup's lock and derivation and the outcomes' look are sent together (core.db's
one_round_trip), and what they write is what they wrote one by one."""

import tempfile
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from psycopg import pq

from analytics.models import DailyActivity
from analytics.rollups import _derive
from outcomes.models import GrowthObservation, StaleOutcomes

from .conftest import answer, exercise_start, put_ok, start_session

pytestmark = pytest.mark.django_db

MODEL = {"type": "m_of_n", "m": 10, "n": 10}


def waits_for_the_server(action) -> int:
    """How many times the client waited for the server's answers while `action` ran: each
    time it sent messages (a query, a Sync, a Flush) and then read the server's, counted in
    libpq's protocol trace."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    with tempfile.TemporaryFile("w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            action()
        finally:
            pgconn.untrace()
        trace.flush()
        trace.seek(0)
        senders = [line.split("\t", 1)[0] for line in trace.read().splitlines()]
    pairs = zip(senders, senders[1:], strict=False)
    return sum(1 for sent, then in pairs if (sent, then) == ("F", "B"))


def test_an_update_with_one_interaction_waits_for_the_server_three_times(browser):
    session = start_session(browser, exercise_start(model=MODEL))
    put_ok(browser, session, {"interactions": [answer("q0", correct=0)]})

    # Besides the test's own: Django's session login (2) and the savepoint and its release
    # around the view's transaction (2). The update's: the locked session and summary; the
    # locked try; then the writes, the rollup's lock and derivation and the outcomes'
    # marking, sent together (4 waits one by one).
    waits = waits_for_the_server(
        lambda: put_ok(browser, session, {"time_spent_delta": 5, "interactions": [answer("a")]})
    )

    assert waits == 4 + 3


def test_the_rollup_written_with_the_update_equals_a_fresh_derivation(
    browser, student, logger_course
):
    session = start_session(browser, exercise_start(model=MODEL))
    for i in range(5):
        put_ok(
            browser,
            session,
            {"time_spent_delta": 7, "interactions": [answer(f"q{i}", correct=i % 2)]},
        )

    row = DailyActivity.objects.get(student=student, course=logger_course)
    key = (student.pk, logger_course.pk, row.day)
    fresh = _derive({key})[key]
    assert {name: getattr(row, name) for name in fresh} == fresh
    assert (row.items_answered, row.items_correct, row.active_seconds) == (5, 2, 35)


def test_an_update_inside_an_observed_window_marks_the_apps_outcomes_stale(
    browser, student, logger_course
):
    today = timezone.localdate()
    GrowthObservation.objects.create(
        app=logger_course.partner_app,
        student=student,
        subject="Mathematics",
        term_pair="FallToWinter",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=30),
        start_score=200,
    )
    session = start_session(browser, exercise_start(model=MODEL))
    assert not StaleOutcomes.objects.exists()

    put_ok(browser, session, {"time_spent_delta": 5, "interactions": [answer("a")]})

    assert list(StaleOutcomes.objects.values_list("app", flat=True)) == [
        logger_course.partner_app_id
    ]


def test_outcomes_are_marked_stale_for_days_within_a_day_of_an_observed_window(
    world, student, logger_course
):
    from outcomes.services import mark_stale

    first = timezone.localdate() - timedelta(days=40)
    GrowthObservation.objects.create(
        app=logger_course.partner_app,
        student=student,
        subject="Mathematics",
        term_pair="FallToWinter",
        start_date=first,
        end_date=first + timedelta(days=10),
        start_score=200,
    )
    other = world.ben
    course = logger_course.pk

    mark_stale({(student.pk, course, first - timedelta(days=2)), (other.pk, course, first)})
    assert not StaleOutcomes.objects.exists()  # a day too early; a student not observed

    mark_stale({(student.pk, course, first + timedelta(days=11))})  # the day after the end
    assert list(StaleOutcomes.objects.values_list("app", flat=True)) == [
        logger_course.partner_app_id
    ]
