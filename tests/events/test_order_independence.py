"""Results never depend on the order events arrive in (docs/xp-and-mastery.md#order-never-matters):
any shuffle of a student's events, sent in any grouping, gives the same ledger totals, mastery and
time."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.models import DailyActivity
from events.models import CaliperEvent, TimeSpentFact
from gradebook.models import LessonMastery, MasteryCredit, XpEntry, XpFlag

from ..conftest import examples
from .conftest import START, activity, time_spent

pytestmark = pytest.mark.django_db


def a_students_day():
    """Runs with late and early time, a repeated attempt, a re-attempt, reported XP."""
    minute = START.replace
    return [
        activity(
            lesson="lesson-1",
            run="a",
            totalQuestions=10,
            correctQuestions=10,
            masteredUnits=1,
            at=minute(minute=5),
        ),
        time_spent(lesson="lesson-1", run="a", active=300, at=minute(minute=3)),
        time_spent(lesson="lesson-1", run="a", active=300, inactive=40, at=minute(minute=6)),
        activity(
            lesson="lesson-2",
            run="b",
            attempt=2,
            totalQuestions=20,
            correctQuestions=17,
            at=minute(minute=20),
        ),
        time_spent(lesson="lesson-2", run="b", active=600, waste=20, at=minute(minute=21)),
        activity(
            lesson="lesson-2",
            run="c",
            attempt=3,
            xpEarned=40,
            masteredUnits=1,
            at=minute(minute=40),
        ),
        activity(
            lesson="lesson-2", run="c", attempt=3, xpEarned=8, masteredUnits=2, at=minute(minute=45)
        ),
        time_spent(lesson="lesson-2", run="c", active=420, at=minute(minute=44)),
    ]


def outcome():
    day = DailyActivity.objects.get(student__sourced_id="stu-1", day=START.date())
    return {
        "xp": XpEntry.objects.aggregate(s=Sum("amount"))["s"],
        "units": MasteryCredit.objects.aggregate(s=Sum("units"))["s"],
        "lessons": sorted(LessonMastery.objects.values_list("lesson__sourced_id", "mastered_at")),
        "active": TimeSpentFact.objects.aggregate(s=Sum("active"))["s"],
        "flags": sorted(XpFlag.objects.values_list("source_key", "flagged")),
        "rollup": (
            day.xp,
            day.active_seconds,
            day.wasted_seconds,
            day.lessons_mastered,
            day.mastered_units,
        ),
    }


EXPECTED_XP = Decimal("12.50") + Decimal("5.00") + Decimal("8.00")


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.permutations(range(8)),
    st.lists(st.integers(min_value=1, max_value=4), min_size=8, max_size=8),
)
def test_any_order_and_grouping_of_a_students_events_gives_the_same_results(
    catalogue, send, order, sizes
):
    for model in (
        XpEntry,
        XpFlag,
        MasteryCredit,
        LessonMastery,
        TimeSpentFact,
        DailyActivity,
        CaliperEvent,
    ):
        model.objects.all().delete()
    events = a_students_day()
    shuffled = [events[i] for i in order]
    position = 0
    for size in sizes:
        if position >= len(shuffled):
            break
        send(*shuffled[position : position + size])
        position += size

    result = outcome()
    assert result["xp"] == EXPECTED_XP
    assert result["units"] == Decimal(3)
    assert result["active"] == 1620
    assert result["rollup"] == (EXPECTED_XP, 1620, 60, 1, Decimal(3))
    assert [lesson for lesson, _ in result["lessons"]] == ["lesson-1"]
