"""School days are Monday to Friday unless the school's calendar (its terms' dates, its
holidays) says otherwise; streaks skip days without school."""

from datetime import date

import pytest

from analytics import goals
from rostering.zones import WEEKDAYS, Calendar

FRI, SAT, MON, TUE, WED = (date(2026, 11, d) for d in (20, 21, 23, 24, 25))
THANKSGIVING, BLACK_FRIDAY = date(2026, 11, 26), date(2026, 11, 27)
CALENDAR = Calendar(
    terms=((date(2026, 8, 1), date(2026, 12, 18)),),
    holidays=frozenset({THANKSGIVING, BLACK_FRIDAY}),
)


@pytest.mark.parametrize(
    ("day", "school"),
    [
        (FRI, True),
        (SAT, False),
        (THANKSGIVING, False),  # a holiday of the school
        (date(2026, 12, 21), False),  # a Monday after the term's end
        (date(2026, 7, 31), False),  # a Friday before the term
        (WED, True),
    ],
)
def test_a_school_day_is_a_weekday_in_a_term_and_not_a_holiday(day, school):
    assert CALENDAR.is_school_day(day) is school
    assert goals.is_school_day(day, CALENDAR) is school


def test_without_terms_every_weekday_is_a_school_day():
    assert WEEKDAYS.is_school_day(date(2027, 7, 1)) and not WEEKDAYS.is_school_day(SAT)


def test_a_streak_runs_over_holidays_and_weekends():
    monday_after = date(2026, 11, 30)
    met = [TUE, WED, monday_after]
    # Thanksgiving, Black Friday and the weekend neither break nor extend it.
    assert goals.streak(met, monday_after, CALENDAR) == 3
    # Without the holidays in the calendar, Thursday and Friday break it.
    assert goals.streak(met, monday_after, WEEKDAYS) == 1


def test_the_last_school_day_before_monday_skips_the_weekend_and_holidays():
    assert CALENDAR.last_school_day(MON) == FRI
    assert CALENDAR.last_school_day(date(2026, 11, 30)) == WED
