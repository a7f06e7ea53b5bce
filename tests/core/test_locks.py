"""The advisory-lock key space (core/locks.py): every use has its own space, a lock in one
space never blocks the same key in another, and every caller locks in its own space."""

import uuid
from datetime import date

import pytest
from django.db import connection

from analytics import rollups
from core import locks
from events import jobs, pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_session():
    """A second database session, as another worker would hold (autocommit: each of its
    statements is its own transaction, so a lock it gets is released at once)."""
    other = connection.copy()
    other.connect()
    yield other
    other.close()


def could_lock(session, space: locks.KeySpace, value) -> bool:
    with session.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [space.id, locks.key_of(value)])
        return cursor.fetchone()[0]


def test_every_key_space_has_its_own_first_key_in_the_int4_range():
    ids = [space.id for space in locks.SPACES]

    assert len(set(ids)) == len(ids)
    assert all(-(2**31) <= i < 2**31 for i in ids)


@pytest.mark.parametrize("value", ["", "x", "rollup:1:2:2026-12-05", uuid.UUID(int=0), b"\xff"])
def test_a_key_is_a_signed_int4(value):
    assert -(2**31) <= locks.key_of(value) < 2**31


@pytest.mark.parametrize("space", locks.SPACES, ids=lambda space: hex(space.id))
def test_a_lock_in_one_space_leaves_the_same_key_free_in_every_other(space, other_session):
    locks.xact_lock(space, ["item-1"])  # held until the test's transaction ends

    for other in locks.SPACES:
        if other != space:
            assert could_lock(other_session, other, "item-1"), other.name
    assert not could_lock(other_session, space, "item-1")  # the control: it is held
    assert could_lock(other_session, space, "item-2")


def test_shared_locks_let_each_other_in_and_keep_an_exclusive_one_out(other_session):
    locks.xact_lock(locks.JOBS, ["envelope"], shared=True)

    with other_session.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock_shared(%s, %s)",
            [locks.JOBS.id, locks.key_of("envelope")],
        )
        assert cursor.fetchone()[0]
    assert not could_lock(other_session, locks.JOBS, "envelope")
    assert locks.is_held(locks.JOBS, "envelope")
    assert not locks.is_held(locks.XP_SOURCES, "envelope")


def test_all_the_keys_of_a_transaction_are_taken_in_one_statement(
    django_assert_num_queries, other_session
):
    values = [f"source-{i}" for i in range(50)]

    with django_assert_num_queries(1):
        locks.xact_lock(locks.XP_SOURCES, values)

    assert not any(could_lock(other_session, locks.XP_SOURCES, v) for v in values)


def test_nothing_to_lock_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        locks.xact_lock(locks.ROLLUPS, [])


def test_each_caller_locks_in_its_own_space():
    envelope_id = uuid.uuid4()
    jobs.hold_while_processing({envelope_id})
    pipeline._lock_xp_sources({"app|student|activity|1"})
    rollups._lock({(1, 2, date(2026, 12, 5))})

    assert locks.is_held(locks.JOBS, envelope_id)
    assert locks.is_held(locks.XP_SOURCES, "app|student|activity|1")
    assert locks.is_held(locks.ROLLUPS, "rollup:1:2:2026-12-05")
    assert not locks.is_held(locks.ROLLUPS, envelope_id)
    assert not locks.is_held(locks.JOBS, "rollup:1:2:2026-12-05")
