"""An assessment result written through the gradebook API counts as an event does: its
metadata.masteredUnits once per result (an update replaces it), metadata.xp on the ledger,
lesson mastery at the course's threshold, all visible in the daily rollups."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from analytics.models import DailyActivity
from gradebook.models import LessonMastery, MasteryCredit, XpEntry
from rostering.models import Org, User

from .conftest import V1P2, ok

DAY = date(2026, 11, 2)


def rollup(side, day=DAY):
    return DailyActivity.objects.filter(student=side.student, course=side.course, day=day).first()


def units(side) -> Decimal:
    return MasteryCredit.objects.filter(student=side.student, course=side.course).aggregate(
        total=Sum("units")
    )["total"] or Decimal(0)


def xp(side) -> Decimal:
    return XpEntry.objects.filter(student=side.student, course=side.course).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)


def put_result(side, sourced_id, **fields):
    return ok(
        side.api.put_json(f"{V1P2}/assessmentResults/{sourced_id}", {"assessmentResult": fields})
    )


def test_mastered_units_of_a_result_show_in_the_daily_rollup(gradebook):
    assert units(gradebook) == 1
    assert rollup(gradebook).mastered_units == 1


def test_the_same_put_again_counts_its_mastered_units_once(gradebook):
    put_result(gradebook, "ar-1", metadata={"xp": 5, "masteredUnits": 1, "accuracy": 70})

    assert units(gradebook) == 1
    assert rollup(gradebook).mastered_units == 1


def test_updating_a_result_corrects_its_mastered_units(gradebook):
    put_result(gradebook, "ar-1", metadata={"xp": 5, "masteredUnits": 3, "accuracy": 70})

    assert units(gradebook) == 3
    assert rollup(gradebook).mastered_units == 3


def test_two_results_each_count_their_mastered_units(gradebook):
    put_result(
        gradebook,
        "ar-2",
        assessmentLineItem="ali-1",
        student="stu-1",
        scoreDate="2026-11-02T11:00:00Z",
        metadata={"masteredUnits": 2},
    )

    assert rollup(gradebook).mastered_units == 3


def test_a_results_xp_is_credited_once_and_corrected_by_an_update(gradebook):
    assert xp(gradebook) == 5
    put_result(gradebook, "ar-1", metadata={"xp": 5, "masteredUnits": 1})
    assert xp(gradebook) == 5

    put_result(gradebook, "ar-1", metadata={"xp": 8, "masteredUnits": 1})

    assert xp(gradebook) == 8
    assert rollup(gradebook).xp == 8


def test_moving_a_results_score_date_moves_what_it_earned_to_that_day(gradebook):
    put_result(gradebook, "ar-1", scoreDate="2026-11-04T09:00:00Z")

    assert rollup(gradebook, DAY).xp == 0
    assert rollup(gradebook, DAY).mastered_units == 0
    assert rollup(gradebook, date(2026, 11, 4)).xp == 5
    assert rollup(gradebook, date(2026, 11, 4)).mastered_units == 1


def test_soft_deleting_a_result_withdraws_its_xp_and_mastered_units(gradebook):
    assert gradebook.api.delete(f"{V1P2}/assessmentResults/ar-1").status_code == 204

    assert (xp(gradebook), units(gradebook)) == (0, 0)
    assert rollup(gradebook).mastered_units == 0
    assert rollup(gradebook).xp == 0


def test_a_result_below_the_threshold_does_not_master_the_lesson(gradebook):
    assert not LessonMastery.objects.filter(student=gradebook.student).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"metadata": {"accuracy": 95}},
        {"metadata": {"totalQuestions": 10, "correctQuestions": 9}},
        {"score": 92, "metadata": {}},
    ],
)
def test_a_result_at_the_threshold_masters_the_lesson(gradebook, fields):
    put_result(gradebook, "ar-1", **fields)

    mastery = LessonMastery.objects.get(student=gradebook.student, lesson=gradebook.lesson)
    assert mastery.mastered_at.date() == DAY
    assert rollup(gradebook).lessons_mastered == 1


def test_the_course_threshold_decides_mastery(gradebook):
    gradebook.course.metadata = {"masteryThreshold": 60}
    gradebook.course.save()

    put_result(gradebook, "ar-1", comment="re-graded")

    assert LessonMastery.objects.filter(student=gradebook.student).exists()


def test_a_plain_line_item_result_earns_nothing(gradebook):
    """Results of OneRoster line items are grades; mastery and XP come from assessments."""
    ok(gradebook.api.put_json(f"{V1P2}/results/res-1", {"score": 10, "metadata": {"xp": 50}}))

    assert xp(gradebook) == 5


def put_raw(side, sourced_id, **fields):
    return side.api.put_json(f"{V1P2}/assessmentResults/{sourced_id}", {"assessmentResult": fields})


SECOND = {
    "assessmentLineItem": "ali-1",
    "student": "stu-1",
    "scoreDate": "2026-11-02T11:00:00Z",
    "scoreStatus": "fully graded",
}


def test_a_negative_xp_result_takes_back_at_most_what_the_app_credited(gradebook):
    assert xp(gradebook) == 5

    put_result(gradebook, "ar-2", **SECOND, metadata={"xp": -5})

    assert xp(gradebook) == 0


@pytest.mark.parametrize("amount", [-6, -1_000_000])
def test_a_negative_xp_result_beyond_what_was_credited_is_refused_with_the_reason(
    gradebook, amount
):
    response = put_raw(gradebook, "ar-2", **SECOND, metadata={"xp": amount})

    assert response.status_code == 400, response.content[:300]
    description = response.json()["imsx_description"]
    assert "metadata" in description and "5" in description, description
    assert xp(gradebook) == 5
    assert not gradebook.api.get(f"{V1P2}/assessmentResults/ar-2").status_code == 200


def test_a_result_scored_in_a_los_angeles_evening_counts_on_that_local_day(gradebook):
    school = Org.objects.get(sourced_id="school")
    Org.objects.filter(pk=school.pk).update(timezone="America/Los_Angeles")
    User.objects.filter(sourced_id="stu-1").update(primary_org=school)
    # Thursday 5 November 22:30 in Los Angeles is Friday 06:30 UTC.
    put_result(
        gradebook,
        "ar-evening",
        assessmentLineItem={"sourcedId": "ali-1"},
        student={"sourcedId": "stu-1"},
        scoreStatus="fully graded",
        score=90,
        scoreDate="2026-11-06T06:30:00Z",
        metadata={"xp": 7, "masteredUnits": 1},
    )

    assert rollup(gradebook, date(2026, 11, 5)).xp == 7
    assert rollup(gradebook, date(2026, 11, 6)) is None
