"""Mastery models of the progress-tracking ("logger") API (docs/logger.md), pure: no Django.

Kolibri, whose logger API ours reproduces, scores mastery in the browser; Timeback scores
it here, on the server, so that every client gets the same answer. The rules are Kolibri's
(`MasteryModelGenerators` and `exerciseProgress` of its learn plugin):

- `m_of_n`: the `correct` scores of the last `n` attempts add up to at least `m`;
- `num_correct_in_a_row_N`: `m_of_n` with m = n = N;
- `do_all`: `m_of_n` with m = n = the number of items of the exercise;
- `quiz` (coach-assigned): met once the quiz is submitted with a score at or above the
  pass mark, where only the first attempt at each item counts.

An attempt is one item shown in one try; its `correct` (0..1) is the first answer given,
so later answers to the same item (without `replace`) do not change it. Attempts are given
most recent first, as the logger reads them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from gradebook import credit

M_OF_N = "m_of_n"
DO_ALL = "do_all"
QUIZ = "quiz"
IN_A_ROW = {f"num_correct_in_a_row_{n}": n for n in (2, 3, 5, 10)}
TYPES = (M_OF_N, *IN_A_ROW, DO_ALL, QUIZ)

# The largest window a criterion may ask for: the start answer reads this many past
# attempts at most, whatever the history (docs/architecture.md#the-event-pipeline: bounded work).
MAX_WINDOW = 100
# A quiz reads all its items' attempts; a coach-assigned quiz larger than this is refused.
MAX_QUIZ_ITEMS = 500
# A quiz passes at the lesson mastery threshold; its default lives in the credit policy.
DEFAULT_PASS_FRACTION = credit.quiz_pass_fraction(None)
# A try that has started shows some progress, even with nothing right yet (as Kolibri).
STARTED_PROGRESS = 0.001


class CriterionError(ValueError):
    """A mastery model a client sent that cannot be used; `field` names the bad part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Criterion:
    type: str
    m: int | None = None
    n: int | None = None

    @property
    def window(self) -> int:
        """How many of the most recent attempts decide mastery (and the start answer shows)."""
        if self.type == QUIZ:
            return MAX_QUIZ_ITEMS
        return self.n

    def as_json(self) -> dict:
        """The criterion as frozen on a mastery log and answered to clients."""
        if self.type == QUIZ:
            return {"type": QUIZ, "coach_assigned": True}
        if self.type == M_OF_N:
            return {"type": M_OF_N, "m": self.m, "n": self.n}
        if self.type == DO_ALL:
            return {"type": DO_ALL, "n": self.n}
        return {"type": self.type}


@dataclass(frozen=True)
class Attempt:
    item: str
    correct: float


def parse(raw, *, item_count: int | None = None) -> Criterion:
    """A client's mastery model (`{"type": "m_of_n", "m": 3, "n": 5}`, ...) as a Criterion.

    `do_all` needs the number of items: the model's `n`, else `item_count` (known from the
    content). Raises CriterionError naming the field at fault.
    """
    if not isinstance(raw, dict):
        raise CriterionError("mastery_model", "must be an object with a type.")
    kind = raw.get("type")
    if kind not in TYPES:
        raise CriterionError("mastery_model.type", f"must be one of {', '.join(TYPES)}.")
    if kind in IN_A_ROW:
        return Criterion(kind, m=IN_A_ROW[kind], n=IN_A_ROW[kind])
    if kind == QUIZ:
        return Criterion(QUIZ)
    if kind == DO_ALL:
        n = raw.get("n", item_count)
        if n is None:
            raise CriterionError(
                "mastery_model.n", "do_all needs the number of items of the exercise."
            )
        n = _count(n, "mastery_model.n")
        return Criterion(DO_ALL, m=n, n=n)
    n = _count(raw.get("n"), "mastery_model.n")
    m = _count(raw.get("m"), "mastery_model.m")
    if m > n:
        raise CriterionError("mastery_model.m", "must not be larger than n.")
    return Criterion(M_OF_N, m=m, n=n)


def _count(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CriterionError(field, "must be a whole number.")
    if not 1 <= value <= MAX_WINDOW:
        raise CriterionError(field, f"must be between 1 and {MAX_WINDOW}.")
    return value


def is_met(
    criterion: Criterion,
    attempts: Sequence[Attempt],
    *,
    submitted: bool = False,
    pass_fraction: Decimal = DEFAULT_PASS_FRACTION,
) -> bool:
    """Whether the attempts (most recent first) meet the criterion."""
    if criterion.type == QUIZ:
        score = quiz_score(attempts)
        return submitted and score is not None and score >= pass_fraction
    return _correct_in_window(criterion, attempts) >= criterion.m


def progress(criterion: Criterion, attempts: Sequence[Attempt]) -> float:
    """How far an exercise try is towards mastery, 0..1 (Kolibri's exerciseProgress)."""
    if not attempts:
        return 0.0
    if is_met(criterion, attempts):
        return 1.0
    return max(STARTED_PROGRESS, min(1.0, _correct_in_window(criterion, attempts) / criterion.m))


def quiz_score(attempts: Sequence[Attempt]) -> Decimal | None:
    """The fraction right over the items attempted, counting the first attempt at each
    item only; None when nothing was attempted."""
    first = {}
    for attempt in reversed(attempts):  # oldest first, so the first one seen stays
        first.setdefault(attempt.item, attempt.correct)
    if not first:
        return None
    return Decimal(str(math.fsum(first.values()))) / len(first)


def _correct_in_window(criterion: Criterion, attempts: Sequence[Attempt]) -> float:
    return math.fsum(a.correct for a in attempts[: criterion.n])
