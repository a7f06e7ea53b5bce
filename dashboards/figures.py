"""Pure helpers the dashboard selectors share: summing rollup rows into goal and diagnosis
figures, judging days, bucketing distributions. No Django."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

from gradebook.diagnosis import Window
from gradebook.goals import DayFigures, Goals, is_school_day, judge_day


def day_figures(row) -> DayFigures:
    """A DailyActivity row (model or values() dict) as the goal rules' DayFigures."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    return DayFigures(
        xp=Decimal(get("xp")),
        lessons_mastered=get("lessons_mastered"),
        active_seconds=get("active_seconds"),
        items_answered=get("items_answered"),
        items_correct=get("items_correct"),
        mastered_units=Decimal(get("mastered_units")),
    )


def met_days(
    by_day: Mapping[date, Mapping[int, DayFigures]], goals: Mapping[int, Goals]
) -> set[date]:
    """The days on which every course judged that day (one with activity) met its goals."""
    return {
        day
        for day, courses in by_day.items()
        if courses
        and all(
            judge_day(figures, goals.get(course, Goals())).met
            for course, figures in courses.items()
        )
    }


def window(rows: Iterable, start: date, end: date) -> Window:
    """A diagnosis window over the rows whose day lies in [start, end]; school days counted
    in the calendar, not from the rows, so days without any work count against effort."""
    active = wasted = answered = correct = 0
    for row in rows:
        if start <= row.day <= end:
            active += row.active_seconds
            wasted += row.wasted_seconds
            answered += row.items_answered
            correct += row.items_correct
    school_days = sum(
        1 for n in range((end - start).days + 1) if is_school_day(start + timedelta(days=n))
    )
    return Window(
        school_days=school_days,
        active_seconds=active,
        wasted_seconds=wasted,
        items_answered=answered,
        items_correct=correct,
    )


def percent(part, whole) -> Decimal | None:
    return Decimal(100) * Decimal(part) / Decimal(whole) if whole else None


def waste_percent(active_seconds: int, wasted_seconds: int) -> Decimal | None:
    return percent(wasted_seconds, active_seconds + wasted_seconds)


def histogram(values: Iterable[Decimal | float], edges: list[float]) -> list[int]:
    """Counts per bucket [edges[i], edges[i+1]); the last bucket includes its upper edge."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= value < edges[i + 1] or (last and value == edges[-1]):
                counts[i] += 1
                break
    return counts


def quantile(sorted_values: list, q: float):
    """The nearest-rank quantile of already sorted values; None when empty."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]


def group_rows_by_day(rows: Iterable) -> dict[date, dict[int, DayFigures]]:
    by_day = defaultdict(dict)
    for row in rows:
        by_day[row.day][row.course_id] = day_figures(row)
    return by_day
