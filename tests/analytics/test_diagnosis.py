from decimal import Decimal

import pytest

from analytics.diagnosis import Thresholds, Window, diagnose


def window(minutes_per_day=30, days=5, waste_percent=10, answered=40, accuracy=85):
    active = int(minutes_per_day * 60 * days)
    wasted = round(active * waste_percent / (100 - waste_percent)) if waste_percent < 100 else 0
    return Window(
        school_days=days,
        active_seconds=active,
        wasted_seconds=wasted,
        items_answered=answered,
        items_correct=round(answered * accuracy / 100),
    )


def codes(w, thresholds=None):
    return [f.code for f in diagnose(w, thresholds or Thresholds())]


@pytest.mark.parametrize(
    "w, expected",
    [
        (window(), []),
        (window(minutes_per_day=5), ["low_effort"]),
        (Window(5, 7000, 3000, 40, 34), ["low_effort"]),  # exactly 30 % wasted
        (Window(5, 7100, 2900, 40, 34), []),
        (window(accuracy=60), ["too_hard"]),
        (window(accuracy=70), []),
        (window(accuracy=100, minutes_per_day=12), ["too_easy"]),
        (window(accuracy=100, minutes_per_day=40), []),
        # Low effort comes first: it is upstream of content.
        (window(minutes_per_day=5, accuracy=50), ["low_effort", "too_hard"]),
        # Too few answers say nothing about difficulty.
        (window(accuracy=20, answered=5), []),
        (window(days=0, answered=0), ["low_effort"]),
    ],
)
def test_flags(w, expected):
    assert codes(w) == expected


def test_each_flag_says_why():
    (flag,) = diagnose(window(accuracy=60))
    assert flag.label == "Too hard"
    assert "60% accuracy" in flag.reason and "40 questions" in flag.reason


def test_thresholds_are_settings_not_constants():
    strict = Thresholds(too_hard_accuracy=Decimal(90))
    assert codes(window(accuracy=85), strict) == ["too_hard"]
