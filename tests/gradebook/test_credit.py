"""The credit policy (gradebook.credit), rule by rule: what an activity earns, whichever
surface reports it. Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from gradebook import credit


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (credit.activity_key(3, 7, "lesson-1|2"), "activity:3:7:lesson-1|2"),
        (credit.grade_key(42), "grade:42"),
        (credit.event_key(42), "event:42"),
        (credit.result_key("ar-1"), "result:ar-1"),
        (credit.result_xp_key("ar-1", date(2026, 11, 2)), "result:ar-1:2026-11-02"),
        (credit.logger_try_key("abc"), "logger:try:abc"),
        (credit.event_result_id(3, "urn:uuid:1"), "caliper:3:urn:uuid:1"),
    ],
)
def test_each_kind_of_source_has_one_key_format(key, expected):
    assert key == expected


def test_an_event_results_id_is_cut_to_the_columns_length_and_keeps_its_prefix():
    sourced_id = credit.event_result_id(3, "x" * 400)
    assert len(sourced_id) == 255
    assert sourced_id.startswith(credit.EVENT_RESULT_PREFIX)


@pytest.mark.parametrize(
    ("event_type", "score_type", "earns"),
    [
        ("ActivityEvent", None, True),
        ("GradeEvent", "XP", True),
        ("GradeEvent", "xp", True),
        ("GradeEvent", "points", False),
        ("GradeEvent", None, False),
        ("TimeSpentEvent", None, False),
        ("AssessmentItemEvent", "XP", False),
    ],
)
def test_only_activities_and_grades_scored_in_xp_are_xp_sources(event_type, score_type, earns):
    assert credit.is_xp_source(event_type, score_type) is earns


@pytest.mark.parametrize(
    ("correct", "total", "percent"),
    [
        (9, 10, Decimal("90.00")),
        (2, 3, Decimal("66.67")),
        (0, 4, Decimal("0.00")),
        (12, 10, Decimal("100.00")),  # an app's over-count is capped
        (-1, 10, Decimal("0.00")),
        (0, 0, None),  # nothing asked
        (None, 10, None),
        (5, None, None),
    ],
)
def test_percent_correct_is_to_the_hundredth_and_none_when_nothing_was_asked(
    correct, total, percent
):
    assert credit.percent_correct(correct, total) == percent


@pytest.mark.parametrize(
    ("metadata", "threshold"),
    [
        (None, Decimal(90)),
        ({}, Decimal(90)),
        ({"masteryThreshold": 80}, Decimal(80)),
        ({"masteryThreshold": "75.5"}, Decimal("75.5")),
        ({"masteryThreshold": "high"}, Decimal(90)),  # unusable: the default
    ],
)
def test_the_mastery_threshold_is_the_courses_else_90_percent(metadata, threshold):
    assert credit.mastery_threshold(metadata) == threshold


@pytest.mark.parametrize(
    ("metadata", "accuracy", "masters"),
    [
        (None, Decimal("90"), True),  # at the threshold: inclusive
        (None, Decimal("89.99"), False),
        (None, 100, True),
        (None, None, False),  # no accuracy, no mastery
        ({"masteryThreshold": 60}, Decimal("60"), True),
        ({"masteryThreshold": 60}, Decimal("59.99"), False),
        ({"masteryThreshold": 95}, Decimal("94"), False),
    ],
)
def test_an_accuracy_at_the_threshold_masters_the_lesson(metadata, accuracy, masters):
    assert credit.reaches_mastery(metadata, accuracy) is masters


@pytest.mark.parametrize(
    ("metadata", "fraction"), [(None, Decimal("0.9")), ({"masteryThreshold": 70}, Decimal("0.7"))]
)
def test_a_logger_quiz_passes_at_the_lessons_mastery_threshold(metadata, fraction):
    assert credit.quiz_pass_fraction(metadata) == fraction


@pytest.mark.parametrize(
    ("items", "active", "attempt", "xp", "kind", "claimed"),
    [
        # Reported XP is credited as reported, whatever the time (and checked for plausibility).
        ({"xpEarned": 12}, 60, 1, Decimal(12), "reported", True),
        ({"xpEarned": 12, "totalQuestions": 10, "correctQuestions": 10}, 600, 1, 12, "reported", True),
        # Otherwise computed: 10 active minutes × 1.25 (100 %) × 1.0 (first attempt).
        ({"totalQuestions": 10, "correctQuestions": 10}, 600, 1, Decimal("12.50"), "computed", False),
        ({"totalQuestions": 10, "correctQuestions": 8}, 600, 2, Decimal("5.00"), "computed", False),
        ({"totalQuestions": 10, "correctQuestions": 7}, 600, 1, Decimal("0.00"), "computed", False),
        # Nothing to go on: nothing earned.
        ({"masteredUnits": 1}, 600, 1, Decimal(0), "reported", False),
        ({}, 600, 1, Decimal(0), "reported", False),
    ],
)  # fmt: skip
def test_an_activity_earns_reported_xp_else_computed_xp(items, active, attempt, xp, kind, claimed):
    earned = credit.activity_credit(items, active_seconds=active, attempt=attempt)
    assert (earned.xp, earned.kind, earned.claimed) == (xp, kind, claimed)


@pytest.mark.parametrize(
    ("items", "units", "questions", "correct", "accuracy"),
    [
        ({"masteredUnits": 2}, Decimal(2), 0, 0, None),
        ({"totalQuestions": 10, "correctQuestions": 9}, Decimal(0), 10, 9, Decimal("90.00")),
        ({"totalQuestions": 4.0, "correctQuestions": 3}, Decimal(0), 4, 3, Decimal("75.00")),
        ({"xpEarned": 5}, None, None, None, None),  # reports neither: no mastery credit
    ],
)
def test_an_activity_reports_its_mastered_units_and_questions(
    items, units, questions, correct, accuracy
):
    earned = credit.activity_credit(items, active_seconds=0, attempt=1)
    assert (earned.units, earned.questions, earned.correct, earned.accuracy) == (
        units,
        questions,
        correct,
        accuracy,
    )
    assert earned.reports_units_or_questions is (units is not None)


def test_a_logger_try_earns_what_the_same_activity_attempt_earns():
    for correct, total, seconds, number in [(2, 2, 600, 1), (8, 10, 900, 2), (3, 10, 300, 1)]:
        activity = credit.activity_credit(
            {"totalQuestions": total, "correctQuestions": correct},
            active_seconds=seconds,
            attempt=number,
        )
        logger = credit.try_credit(
            time_spent=seconds, correct=correct, attempts=total, try_number=number
        )
        assert (logger.xp, logger.kind, logger.accuracy) == (
            activity.xp,
            activity.kind,
            activity.accuracy,
        )


@pytest.mark.parametrize(
    ("metadata", "score", "max_score", "accuracy"),
    [
        ({"accuracy": 95}, None, None, Decimal(95)),
        ({"accuracy": 95, "totalQuestions": 10, "correctQuestions": 1}, 0, 100, Decimal(95)),
        ({"totalQuestions": 10, "correctQuestions": 9}, None, None, Decimal("90.00")),
        ({"totalQuestions": 0, "correctQuestions": 0}, 5, 10, Decimal("50.00")),
        ({}, 92, 100, Decimal("92.00")),
        ({}, 92, None, None),
        ({}, None, 100, None),
        (None, None, None, None),
    ],
)
def test_a_results_accuracy_is_its_metadata_else_questions_else_score_over_maximum(
    metadata, score, max_score, accuracy
):
    assert credit.result_accuracy(metadata, score=score, max_score=max_score) == accuracy


def test_a_result_earns_its_reported_xp_units_and_questions():
    earned = credit.result_credit(
        {"xp": 12.5, "masteredUnits": 1, "totalQuestions": 10, "correctQuestions": 9}
    )
    assert (earned.xp, earned.kind, earned.claimed) == (Decimal("12.5"), "reported", False)
    assert (earned.units, earned.questions, earned.correct) == (Decimal(1), 10, 9)
    assert earned.masters(None)


def test_a_withdrawn_result_earns_nothing():
    earned = credit.result_credit({"xp": 12.5, "masteredUnits": 1, "accuracy": 100}, active=False)
    assert (earned.xp, earned.units, earned.questions, earned.accuracy) == (0, 0, 0, None)
    assert not earned.masters(None)


def test_an_xp_grade_is_a_reported_claim():
    earned = credit.xp_grade_credit(7.5)
    assert (earned.xp, earned.kind, earned.claimed) == (Decimal("7.5"), "reported", True)
    assert credit.xp_grade_credit(None).xp == 0


@pytest.mark.parametrize(
    ("given", "maximum", "accuracy"),
    [(9, 10, Decimal("90.00")), (9, None, None), (0, 0, None), (15, 10, Decimal("100.00"))],
)
def test_a_points_grade_shows_score_over_maximum(given, maximum, accuracy):
    assert credit.grade_accuracy(given, maximum) == accuracy


def test_an_activity_result_carries_the_credit_and_the_reported_figures():
    items = {"totalQuestions": 10, "correctQuestions": 10, "masteredUnits": 1}
    earned = credit.activity_credit(items, active_seconds=600, attempt=1)
    assert credit.result_metadata(items, earned) == {
        "xp": 12.5,
        "accuracy": 100.0,
        "multiplier": 1.25,
        "totalQuestions": 10,
        "correctQuestions": 10,
        "masteredUnits": 1,
    }
