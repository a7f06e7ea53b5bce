"""core.db's prepared statements are planned again while the tables they read may have grown:
a generic plan made against an almost empty table scans it, and PostgreSQL keeps that plan
until it next analyzes the table (issue 16: ingestion's look for resent submissions read
every stored event of the app for each envelope, the first minute after a TRUNCATE)."""

import re

import pytest
from django.db import connection

from core import db

# transaction=True: each test starts on a new connection (its schedule of plans from the
# start); serialized_rollback as every transactional test here.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOOKUP = "SELECT v FROM replan_probe WHERE k BETWEEN %s AND %s"


class Clock:
    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    connection.close()
    fake = Clock(1_000.0)
    monkeypatch.setattr(db.time, "monotonic", fake)
    return fake


def lookup(low: int, high: int) -> list:
    with db.prepared_cursor() as cursor:
        cursor.execute(LOOKUP, [low, high])
        return cursor.fetchall()


def rows_the_plan_expects() -> int:
    """The rows the connection's prepared lookup was planned for (its generic plan: the
    table's size when it was made, whatever the values)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM replan_probe%"],
        )
        (name,) = cursor.fetchone()
        cursor.execute(f"EXPLAIN EXECUTE {name}(1, 2)")
        return int(re.search(r" rows=(\d+)", cursor.fetchone()[0]).group(1))


def grow_the_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO replan_probe SELECT n, n FROM generate_series(1, 100000) n")


@pytest.fixture
def empty_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE replan_probe (k int PRIMARY KEY, v int)")


def test_a_plan_made_on_an_empty_table_is_made_again_for_the_grown_table(clock, empty_table):
    assert lookup(1, 1) == []
    made_for = rows_the_plan_expects()
    grow_the_table()  # no ANALYZE: PostgreSQL keeps the plan

    clock.now += db.REPLAN_FIRST_AFTER / 2
    assert lookup(1, 2) == [(1,), (2,)]
    assert rows_the_plan_expects() == made_for

    clock.now += db.REPLAN_FIRST_AFTER
    assert lookup(3, 3) == [(3,)]
    assert rows_the_plan_expects() > 10 * made_for


def test_the_plans_are_made_again_less_and_less_often(clock, empty_table):
    lookup(1, 1)
    made_again_after = []
    last = clock.now
    for _ in range(400):
        clock.now += 0.5
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT prepare_time FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM replan_probe%"],
            )
            before = cursor.fetchone()
        lookup(1, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT prepare_time FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%FROM replan_probe%"],
            )
            if cursor.fetchone() != before:
                made_again_after.append(clock.now - last)
                last = clock.now
    assert made_again_after[:7] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    assert set(made_again_after[7:]) == {db.REPLAN_AT_MOST_EVERY}
