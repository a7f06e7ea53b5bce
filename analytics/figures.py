"""The figures every reader shows, each defined once (pure: no Django): the dashboards, the
read-back and EduBridge APIs and the goal and diagnosis rules all compute them here, from
rollup rows or sums of them, so no two surfaces can disagree.

The arithmetic follows the caller's numbers: integers (as the read-back API reads them, for
speed) give floats, Decimals give exact Decimals (the dashboards and the rules pass
Decimals); the formula is the same.
"""

from datetime import date
from decimal import Decimal


def accuracy(correct, answered):
    """Percent of the answered questions that were right; None when none were answered
    (there is nothing to be accurate about)."""
    return 100 * correct / answered if answered and answered > 0 else None


def waste_percent(active_seconds, wasted_seconds):
    """Wasted time (inactive + waste + anti-pattern) as a percent of all time on the app:
    wasted / (active + wasted); None when no time was recorded."""
    total = active_seconds + wasted_seconds
    return 100 * wasted_seconds / total if total else None


def active_minutes(active_seconds):
    return active_seconds / 60


def is_active_day(*, xp, active_seconds, items_answered, lessons_mastered, mastered_units) -> bool:
    """Whether a rollup row (a student's day in a course) shows learning: XP earned, active
    time, a question answered, a lesson or unit mastered. A row can exist without any of
    these — only idle (inactive or wasted) time, or XP credited then withdrawn the same day
    (a result deleted or moved to another day) — and such a day is not activity."""
    return (
        xp > 0
        or active_seconds > 0
        or items_answered > 0
        or lessons_mastered > 0
        or (mastered_units > 0)
    )


# The rollup columns is_active_day reads (for selectors that read only what they need).
ACTIVITY_FIELDS = ("xp", "active_seconds", "items_answered", "lessons_mastered", "mastered_units")
# Every measure a daily rollup row carries (analytics.models.DailyActivity), in one place
# for the readers that select them all.
ROLLUP_MEASURES = (
    "xp",
    "active_seconds",
    "wasted_seconds",
    "items_answered",
    "items_correct",
    "lessons_mastered",
    "mastered_units",
)


def last_activity(rows) -> date | None:
    """The last day among rollup rows (anything with `day` and the ACTIVITY_FIELDS) that
    shows learning (is_active_day); None when none does."""
    return max(
        (r.day for r in rows if is_active_day(**{f: getattr(r, f) for f in ACTIVITY_FIELDS})),
        default=None,
    )


def as_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)
