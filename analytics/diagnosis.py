"""Diagnosis flags shown to guides and developers (docs/xp-and-mastery.md#diagnosis), pure:
no Django.

- low effort: few active minutes, or waste ≥ 30 % — a motivation problem, upstream of content;
- too hard: accuracy < 70 % — a placement or curriculum problem;
- too easy: accuracy ≥ 95 % with little time — the student could be accelerated.

Judged over a window of school days (the caller sums the rollups). Accuracy-based flags need
enough answered items to mean something. Low effort is listed first: when a student barely
works, their accuracy says little about the content.
"""

from dataclasses import dataclass
from decimal import Decimal

from . import figures


@dataclass(frozen=True)
class Thresholds:
    low_effort_minutes_per_day: Decimal = Decimal(10)
    low_effort_waste_percent: Decimal = Decimal(30)
    too_hard_accuracy: Decimal = Decimal(70)
    too_easy_accuracy: Decimal = Decimal(95)
    too_easy_minutes_per_day: Decimal = Decimal(15)
    min_items_for_accuracy: int = 10


@dataclass(frozen=True)
class Window:
    """A student's totals over the judged window."""

    school_days: int
    active_seconds: int
    wasted_seconds: int
    items_answered: int
    items_correct: int

    @property
    def minutes_per_day(self) -> Decimal:
        if self.school_days <= 0:
            return Decimal(0)
        return figures.active_minutes(Decimal(self.active_seconds)) / self.school_days

    @property
    def waste_percent(self) -> Decimal | None:
        return figures.waste_percent(Decimal(self.active_seconds), Decimal(self.wasted_seconds))

    @property
    def accuracy(self) -> Decimal | None:
        return figures.accuracy(Decimal(self.items_correct), self.items_answered)


@dataclass(frozen=True)
class Flag:
    code: str  # low_effort | too_hard | too_easy
    label: str
    reason: str


DEFAULT_THRESHOLDS = Thresholds()


def diagnose(window: Window, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> list[Flag]:
    """The flags that apply, most upstream first; [] when nothing stands out."""
    flags = []
    minutes = window.minutes_per_day
    waste = window.waste_percent
    if minutes < thresholds.low_effort_minutes_per_day:
        flags.append(
            Flag(
                "low_effort",
                "Low effort",
                f"{_n(minutes)} active minutes per school day "
                f"(under {_n(thresholds.low_effort_minutes_per_day)}).",
            )
        )
    elif waste is not None and waste >= thresholds.low_effort_waste_percent:
        flags.append(
            Flag(
                "low_effort",
                "Low effort",
                f"{_n(waste)}% of time wasted (at least {_n(thresholds.low_effort_waste_percent)}%).",
            )
        )
    accuracy = window.accuracy
    if accuracy is None or window.items_answered < thresholds.min_items_for_accuracy:
        return flags
    if accuracy < thresholds.too_hard_accuracy:
        flags.append(
            Flag(
                "too_hard",
                "Too hard",
                f"{_n(accuracy)}% accuracy (under {_n(thresholds.too_hard_accuracy)}%) "
                f"over {window.items_answered} questions.",
            )
        )
    elif accuracy >= thresholds.too_easy_accuracy and minutes < thresholds.too_easy_minutes_per_day:
        flags.append(
            Flag(
                "too_easy",
                "Too easy",
                f"{_n(accuracy)}% accuracy in {_n(minutes)} active minutes per school day.",
            )
        )
    return flags


def _n(value: Decimal) -> str:
    """A figure for people: whole numbers without decimals, else one decimal."""
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return (
        str(rounded.to_integral_value()) if rounded == rounded.to_integral_value() else str(rounded)
    )
