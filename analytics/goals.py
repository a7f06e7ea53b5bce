"""Daily goals, goal-met days, streaks and time back
(docs/xp-and-mastery.md#daily-goals-streaks-and-time-back), pure: no Django.

Goals are five numbers set on a course's or an enrollment's `metadata.goals`; the
enrollment wins key by key, then the course, then the defaults. A day is judged per
student × course from that day's rollup figures; a student's school day is goal-met when
every course judged that day met its goals. Streaks count consecutive goal-met school days;
weekends (non-school days) neither break nor extend a streak, and today only extends it
once met (a day in progress does not break it).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from . import figures

SCHOOL_DAYS = frozenset(range(5))  # Monday..Friday, date.weekday()


@dataclass(frozen=True)
class Goals:
    daily_xp: Decimal = Decimal(100)
    daily_lessons: Decimal = Decimal(3)
    daily_active_minutes: Decimal = Decimal(25)
    daily_accuracy: Decimal = Decimal(80)  # percent
    daily_mastered_units: Decimal = Decimal(2)


# The goals of a course the student has completed: nothing more is asked.
NOTHING_ASKED = Goals(*(Decimal(0),) * 5)

# metadata.goals keys (camelCase, as partners write them) → Goals fields.
GOAL_KEYS = {
    "dailyXp": "daily_xp",
    "dailyLessons": "daily_lessons",
    "dailyActiveMinutes": "daily_active_minutes",
    "dailyAccuracy": "daily_accuracy",
    "dailyMasteredUnits": "daily_mastered_units",
}


def goals_from_metadata(*metadatas: Mapping | None) -> Goals:
    """The goals from `metadata.goals` of each source, later sources winning key by key
    (pass the course's metadata, then the enrollment's). Values that are not non-negative
    numbers are ignored, so a partner's typo cannot zero a student's goal."""
    chosen = {}
    for metadata in metadatas:
        goals = (metadata or {}).get("goals") if isinstance(metadata, Mapping) else None
        if not isinstance(goals, Mapping):
            continue
        for key, name in GOAL_KEYS.items():
            value = _non_negative(goals.get(key))
            if value is not None:
                chosen[name] = value
    return Goals(**chosen)


def _non_negative(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


@dataclass(frozen=True)
class DayFigures:
    """What a student did in one course on one day (a DailyActivity row, or a sum of them)."""

    xp: Decimal = Decimal(0)
    lessons_mastered: int = 0
    active_seconds: int = 0
    items_answered: int = 0
    items_correct: int = 0
    mastered_units: Decimal = Decimal(0)

    @property
    def accuracy(self) -> Decimal | None:
        return figures.accuracy(Decimal(self.items_correct), self.items_answered)

    @property
    def active_minutes(self) -> Decimal:
        return figures.active_minutes(Decimal(self.active_seconds))

    def __add__(self, other: "DayFigures") -> "DayFigures":
        return DayFigures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class GoalVerdict:
    xp: bool
    lessons: bool
    active_minutes: bool
    accuracy: bool
    mastered_units: bool

    @property
    def met(self) -> bool:
        return all((self.xp, self.lessons, self.active_minutes, self.accuracy, self.mastered_units))


def judge_day(figures: DayFigures, goals: Goals) -> GoalVerdict:
    """Each goal met or not. The accuracy goal holds when nothing was answered (there is
    nothing to be inaccurate about); the other goals then decide."""
    accuracy = figures.accuracy
    return GoalVerdict(
        xp=Decimal(figures.xp) >= goals.daily_xp,
        lessons=figures.lessons_mastered >= goals.daily_lessons,
        active_minutes=figures.active_minutes >= goals.daily_active_minutes,
        accuracy=accuracy is None or accuracy >= goals.daily_accuracy,
        mastered_units=Decimal(figures.mastered_units) >= goals.daily_mastered_units,
    )


def is_school_day(day: date, school_days=SCHOOL_DAYS) -> bool:
    """`school_days` is a set of weekdays (Monday 0), or a school calendar: any object with
    an `is_school_day(day)` method (rostering.zones.Calendar: terms and holidays)."""
    judge = getattr(school_days, "is_school_day", None)
    if judge is not None:
        return judge(day)
    return day.weekday() in school_days


def streak(met_days: Iterable[date], today: date, school_days=SCHOOL_DAYS) -> int:
    """Consecutive goal-met school days up to today. Today counts when met; when not (yet)
    met, the streak runs up to the previous school day. Non-school days are skipped."""
    met = set(met_days)
    if not met:
        return 0
    count = 0
    day = today
    if day not in met:
        day -= timedelta(days=1)
    # A streak cannot reach before the first day that was met, which bounds the walk.
    earliest = min(met)
    while day >= earliest:
        if not is_school_day(day, school_days):
            day -= timedelta(days=1)
            continue
        if day not in met:
            break
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class TimeBack:
    days_met: int
    hours: Decimal  # hours given back
    school_days: Decimal  # the same, in traditional school days


def time_back(
    met_school_days: int, *, school_day_hours=Decimal(7), learning_hours=Decimal(2)
) -> TimeBack:
    """Each goal-met school day gives back the traditional day's hours beyond the learning
    time (default 7 h − 2 h = 5 h)."""
    school_day_hours = Decimal(school_day_hours)
    per_day = max(Decimal(0), school_day_hours - Decimal(learning_hours))
    hours = per_day * met_school_days
    days = hours / school_day_hours if school_day_hours else Decimal(0)
    return TimeBack(days_met=met_school_days, hours=hours, school_days=days)
