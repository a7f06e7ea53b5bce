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


# --- Why growth stalled (docs/closed-loop.md#the-guides-diagnosis) ------------------------
#
# Between two standardized tests, a student who grew less than projected stalled for one of
# three reasons, judged most upstream first:
# - motivation: little active time per school day, or much of it wasted (they did not work);
# - placement: they worked, but their accuracy says the content was too hard or too easy for
#   them (they worked at the wrong level);
# - curriculum: they worked, at a fitting level, and completed content (lessons mastered),
#   yet did not grow: the content did not carry to what the test measures.
# Anything else (worked, fitting accuracy, nothing completed) is left undecided, with the
# evidence. A student who met their projection has no stall to explain.


@dataclass(frozen=True)
class Growth:
    """A student's growth over a term pair and what they did between the tests (all apps of
    the subject summed)."""

    window: Window
    lessons_mastered: int
    observed: float | None = None
    projected: float | None = None
    cgi: float | None = None

    @property
    def met_projection(self) -> bool | None:
        """CGI ≥ 0 where MAP reports it, else observed ≥ projected; None when unknown."""
        if self.cgi is not None:
            return self.cgi >= 0
        if self.observed is not None and self.projected is not None:
            return self.observed >= self.projected
        return None


@dataclass(frozen=True)
class GrowthDiagnosis:
    code: str  # on_track | motivation | placement | curriculum | undecided | unknown
    label: str
    evidence: list[str]


def diagnose_growth(growth: Growth, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> GrowthDiagnosis:
    """Why a student's growth stalled between two tests, with the figures that say so."""
    w = growth.window
    evidence = [_growth_evidence(growth), *_work_evidence(growth)]
    met = growth.met_projection
    if met is None:
        return GrowthDiagnosis("unknown", "No projection", evidence)
    if met:
        return GrowthDiagnosis("on_track", "Growth met the projection", evidence)
    waste = w.waste_percent
    if w.minutes_per_day < thresholds.low_effort_minutes_per_day or (
        waste is not None and waste >= thresholds.low_effort_waste_percent
    ):
        return GrowthDiagnosis("motivation", "Motivation", evidence)
    accuracy = w.accuracy
    if accuracy is not None and w.items_answered >= thresholds.min_items_for_accuracy:
        if accuracy < thresholds.too_hard_accuracy:
            return GrowthDiagnosis("placement", "Placement: too hard", evidence)
        if accuracy >= thresholds.too_easy_accuracy:
            return GrowthDiagnosis("placement", "Placement: too easy", evidence)
    if growth.lessons_mastered > 0:
        return GrowthDiagnosis("curriculum", "Curriculum", evidence)
    return GrowthDiagnosis("undecided", "Undecided", evidence)


def _growth_evidence(g: Growth) -> str:
    parts = []
    if g.observed is not None:
        parts.append(f"grew {_n(Decimal(str(g.observed)))} points")
    if g.projected is not None:
        parts.append(f"projected {_n(Decimal(str(g.projected)))}")
    if g.cgi is not None:
        parts.append(f"conditional growth index {g.cgi:+.2f}")
    return ", ".join(parts).capitalize() + "." if parts else "No growth figures."


def _work_evidence(g: Growth) -> list[str]:
    w = g.window
    lines = [
        f"{_n(w.minutes_per_day)} active minutes per school day over {w.school_days} school days."
    ]
    if w.waste_percent is not None:
        lines.append(f"{_n(w.waste_percent)}% of the time wasted.")
    if w.accuracy is not None:
        lines.append(f"{_n(w.accuracy)}% accuracy over {w.items_answered} questions.")
    lines.append(f"{g.lessons_mastered} lesson{'s' if g.lessons_mastered != 1 else ''} mastered.")
    return lines
