"""XP rules (docs/xp-and-mastery.md#xp), pure: no Django, no database.

1 XP ≈ 1 minute of productive, on-task learning. Apps report XP, or Timeback computes it
from active minutes, accuracy and the attempt number. XP is a ledger: a credit's value may
change later (a late TimeSpentEvent, a repeated ActivityEvent), and the change is written
as a correcting entry, never by editing an entry.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
PERFECT_MULTIPLIER = Decimal("1.25")
MASTERY_MULTIPLIER = Decimal("1.0")
MASTERY_ACCURACY = Decimal("0.8")
ATTEMPT_MULTIPLIERS = {1: Decimal("1.0"), 2: Decimal("0.5"), 3: Decimal("0.25")}
PLAUSIBLE_XP_PER_ACTIVE_MINUTE = Decimal("1.25")


def as_decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def xp(value) -> Decimal:
    """An XP amount, to the hundredth."""
    return as_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def accuracy(correct, total) -> Decimal | None:
    """correct / total as a fraction in [0, 1]; None when nothing was asked."""
    total = as_decimal(total)
    if total <= 0:
        return None
    return min(Decimal(1), max(Decimal(0), as_decimal(correct) / total))


def accuracy_multiplier(fraction: Decimal | None) -> Decimal:
    """1.25 at 100 %, 1.0 from 80 % up to (not including) 100 %, 0 below 80 %."""
    if fraction is None:
        return Decimal(0)
    if fraction >= 1:
        return PERFECT_MULTIPLIER
    if fraction >= MASTERY_ACCURACY:
        return MASTERY_MULTIPLIER
    return Decimal(0)


def attempt_multiplier(attempt: int | None) -> Decimal:
    """1.0 on the first attempt, 0.5 on the first re-attempt, 0.25 on the second, 0 after.

    An activity that does not say which attempt it is counts as a first attempt.
    """
    if attempt is None:
        return ATTEMPT_MULTIPLIERS[1]
    return ATTEMPT_MULTIPLIERS.get(attempt, Decimal(0))


def computed_xp(*, active_seconds, correct, total, attempt: int | None) -> Decimal:
    """XP for an activity that reports accuracy and time but no XP."""
    minutes = as_decimal(active_seconds) / 60
    return xp(minutes * accuracy_multiplier(accuracy(correct, total)) * attempt_multiplier(attempt))


def multiplier(*, correct, total, attempt: int | None) -> Decimal:
    return accuracy_multiplier(accuracy(correct, total)) * attempt_multiplier(attempt)


def is_implausible(*, reported_xp, active_seconds) -> bool:
    """More than 1.25 XP per observed active minute: credited, but flagged for developers."""
    reported = as_decimal(reported_xp)
    if reported <= 0:
        return False
    # Compared at the ledger's precision, so rounding a computed credit never flags it.
    return reported > xp(PLAUSIBLE_XP_PER_ACTIVE_MINUTE * as_decimal(active_seconds) / 60)


def correction(*, target, credited) -> Decimal:
    """The ledger entry that brings what was credited to the target (0: write nothing)."""
    return xp(as_decimal(target) - as_decimal(credited))


def pct_complete(mastered_units, total_units) -> Decimal:
    """pctCompleteApp (docs/xp-and-mastery.md#units-mastered-and-pctcompleteapp): mastered / total
    × 100, capped at 100; 0 without a total."""
    total = as_decimal(total_units)
    if total <= 0:
        return Decimal(0)
    return min(Decimal(100), max(Decimal(0), as_decimal(mastered_units) * 100 / total))
