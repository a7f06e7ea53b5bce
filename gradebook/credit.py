"""The credit policy: what an activity earns. One module, called by every surface that
credits learning — the Caliper pipeline (events.pipeline), the progress-tracking logger and
the gradebook API (gradebook.services) — so the same work earns the same XP, mastery and
question counts whichever way it arrives (docs/architecture.md names it as the place XP is
decided).

It decides, without writing anything:
- which events are XP sources (`is_xp_source`) and the ledger source key of each kind of
  source (`*_key`): every key format lives here;
- reported vs computed XP (`activity_credit`, `xp_grade_credit`, `try_credit`,
  `result_credit`): XP an app reports is credited as reported (and its plausibility
  checked), otherwise Timeback computes it from active time, accuracy and the attempt
  (gradebook.xp, the pure XP arithmetic);
- the accuracy an activity or result shows (`percent_correct`, `result_accuracy`);
- lesson mastery at the course's threshold (`mastery_threshold`, `reaches_mastery`; the
  90 % default is `DEFAULT_MASTERY_THRESHOLD`, the only copy);
- the masteredUnits and questions a source reports (`Credit.units`, `Credit.questions`);
- how far a negative XP source (a correction) may go (`correction_refusal`).

The writers (gradebook.services: the ledger, flags, mastery credits, lesson mastery,
results) apply these decisions; they never decide them.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import xp as rules

REPORTED = "reported"
COMPUTED = "computed"

# Accuracy (percent) at which an assessment masters its lesson unless the course's
# `metadata.masteryThreshold` says otherwise; a coach-assigned logger quiz passes at the same
# mark.
DEFAULT_MASTERY_THRESHOLD = Decimal(90)

# Results derived from Caliper events carry this prefix in their sourcedId; the gradebook
# API refuses to write such sourcedIds (gradebook.access), so apps cannot overwrite them.
EVENT_RESULT_PREFIX = "caliper:"

# Standardized test results (NWEA MAP Growth, state tests; docs/closed-loop.md) carry this
# prefix in their line items' and results' sourcedIds. They belong to the school: only its
# roster source writes them, no partner app reads them (gradebook.access), and they earn
# nothing (no course: an external test is not learning in an app).
STANDARDIZED_TEST_PREFIX = "stdtest_"


# --- corrections ----------------------------------------------------------------------


def correction_refusal(*, target, change, credited) -> str | None:
    """Why a correction may not be credited, or None (docs/xp-and-mastery.md#corrections).

    A negative XP source (`target` < 0: an ActivityEvent's negative xpEarned, a result's
    negative metadata.xp) takes back at most what the app has credited the student in the
    course: `credited` is that total before, `change` what the ledger would add. The
    student's XP from an app and course never goes below zero, so a wrong or hostile
    correction cannot wipe XP other apps, or other courses, earned."""
    if target >= 0 or credited + change >= 0:
        return None
    return (
        f"an XP correction of {target} takes back more than the {credited} XP this app has "
        "credited the student in this course; a correction may take back at most that"
    )


# --- source keys: one format per kind of source ------------------------------------------


def activity_key(partner_app_id, student_id, activity_key) -> str:
    """An ActivityEvent attempt: (app, student, activity and attempt) — a repeat of the
    attempt replaces its credit."""
    return f"activity:{partner_app_id}:{student_id}:{activity_key}"


def grade_key(event_pk) -> str:
    """A GradeEvent scored in XP: the event itself."""
    return f"grade:{event_pk}"


def event_key(event_pk) -> str:
    """The lesson mastery an event (graded activity or grade) reached."""
    return f"event:{event_pk}"


def result_key(sourced_id: str) -> str:
    """The mastered units, questions and lesson mastery of an API-written result."""
    return f"result:{sourced_id}"


def result_xp_key(sourced_id: str, day: date) -> str:
    """The XP of an API-written result on the UTC day of its scoreDate (moving the day moves
    the XP to another source)."""
    return f"{result_key(sourced_id)}:{day.isoformat()}"


def logger_try_key(try_id) -> str:
    """One try (mastery log) of a logger content session: XP and lesson mastery."""
    return f"logger:try:{try_id}"


def correction_key(source_key: str, correction_id: str) -> str:
    """A correction an operator made to the XP of `source_key` (gradebook.services.correct_xp):
    its own source, so recomputing the corrected source never undoes it."""
    return f"correction:{correction_id}:{source_key}"[:400]


def event_result_id(partner_app_id, event_id) -> str:
    """The sourcedId of the assessment result a Caliper event produced."""
    return f"{EVENT_RESULT_PREFIX}{partner_app_id}:{event_id}"[:255]


def attempt_result_id(partner_app_id, student_id, activity_key: str) -> str:
    """The sourcedId of the assessment result of an ActivityEvent attempt (app, student,
    activity and attempt): a retry of the attempt replaces it, a redelivery keeps it."""
    digest = hashlib.sha256(f"{student_id}|{activity_key}".encode()).hexdigest()
    return f"{EVENT_RESULT_PREFIX}{partner_app_id}:attempt:{digest}"


def attempt_line_item_id(object_id: str, course_sourced_id: str) -> str:
    """The assessment line item Timeback records an activity's attempts under
    (`caliper_<hex sha256 of "{object.id}_{course sourcedId}">`): the official timeback-sdk
    lists its results to number the next attempt."""
    digest = hashlib.sha256(f"{object_id}_{course_sourced_id}".encode()).hexdigest()
    return f"caliper_{digest}"


# --- which events earn XP ------------------------------------------------------------------


def is_xp_score(score_type) -> bool:
    """A GradeEvent whose score is XP (any case), not points."""
    return isinstance(score_type, str) and score_type.upper() == "XP"


def is_xp_source(event_type: str, score_type=None) -> bool:
    """Only ActivityEvents and GradeEvents scored in XP credit XP; a points grade of the
    same run is not an XP source (its accuracy may master the lesson)."""
    return event_type == "ActivityEvent" or (event_type == "GradeEvent" and is_xp_score(score_type))


# --- accuracy and mastery ----------------------------------------------------------------


def percent_correct(correct, total) -> Decimal | None:
    """Percent right, to the hundredth, clamped to [0, 100]; None when nothing was asked
    (or either number is missing)."""
    if correct is None or total is None:
        return None
    fraction = rules.accuracy(correct, total)
    return None if fraction is None else (fraction * 100).quantize(rules.CENT)


def mastery_threshold(course_metadata: dict | None) -> Decimal:
    """Accuracy (percent) at which an assessment masters its lesson: the course's
    `metadata.masteryThreshold`, else 90."""
    value = (course_metadata or {}).get("masteryThreshold")
    try:
        return Decimal(str(value)) if value is not None else DEFAULT_MASTERY_THRESHOLD
    except ArithmeticError:
        return DEFAULT_MASTERY_THRESHOLD


def reaches_mastery(course_metadata: dict | None, accuracy) -> bool:
    """An assessment at `accuracy` percent masters its lesson: at the course's threshold,
    inclusive (docs/xp-and-mastery.md#lesson-mastery)."""
    return accuracy is not None and rules.as_decimal(accuracy) >= mastery_threshold(course_metadata)


def quiz_pass_fraction(course_metadata: dict | None) -> Decimal:
    """The fraction of a coach-assigned logger quiz to get right to pass: the same mark."""
    return mastery_threshold(course_metadata) / 100


# --- what a source earns -------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    """What one source earns.

    `xp` is the ledger's target for the source (a correcting entry brings it there);
    `kind` says whether the app reported it or Timeback computed it, and `claimed` whether
    it is an app's claim to check for plausibility against the observed active time.
    `accuracy` (percent) decides lesson mastery. `units`, `questions` and `correct` are the
    masteredUnits and question counts the source reports (None: it reports none)."""

    xp: Decimal
    kind: str = REPORTED
    claimed: bool = False
    accuracy: Decimal | None = None
    multiplier: Decimal | None = None
    units: Decimal | None = None
    questions: int | None = None
    correct: int | None = None

    @property
    def reports_units_or_questions(self) -> bool:
        return self.units is not None or self.questions is not None

    def masters(self, course_metadata: dict | None) -> bool:
        return reaches_mastery(course_metadata, self.accuracy)


def question_count(value) -> int:
    """A reported number of questions as a count: whole, not negative, 0 when absent."""
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError, ArithmeticError):
        return 0


def activity_credit(items: dict, *, active_seconds, attempt: int | None) -> Credit:
    """An ActivityEvent attempt, from its Timeback items (`xpEarned`, `totalQuestions`,
    `correctQuestions`, `masteredUnits`) and the active seconds of its run: reported XP when
    it says `xpEarned`, else computed XP when it reports questions, else nothing."""
    total, correct = items.get("totalQuestions"), items.get("correctQuestions")
    accuracy = percent_correct(correct, total)
    if "xpEarned" in items:
        xp, kind, claimed = rules.as_decimal(items["xpEarned"]), REPORTED, True
    elif total is not None and correct is not None:
        xp = rules.computed_xp(
            active_seconds=active_seconds, correct=correct, total=total, attempt=attempt
        )
        kind, claimed = COMPUTED, False
    else:
        xp, kind, claimed = Decimal(0), REPORTED, False
    reports = "masteredUnits" in items or total is not None
    return Credit(
        xp=xp,
        kind=kind,
        claimed=claimed,
        accuracy=accuracy,
        multiplier=(
            rules.multiplier(correct=correct, total=total, attempt=attempt)
            if accuracy is not None
            else None
        ),
        units=rules.as_decimal(items.get("masteredUnits", 0)) if reports else None,
        questions=question_count(total) if reports else None,
        correct=question_count(correct) if reports else None,
    )


def xp_grade_credit(score_given) -> Credit:
    """A GradeEvent scored in XP: its scoreGiven, reported (and checked for plausibility)."""
    return Credit(xp=rules.as_decimal(score_given or 0), kind=REPORTED, claimed=True)


def grade_accuracy(score_given, max_score) -> Decimal | None:
    """A points GradeEvent's accuracy: scoreGiven / maxScore in percent."""
    return percent_correct(score_given, max_score) if max_score is not None else None


def try_credit(*, time_spent, correct, attempts: int, try_number: int) -> Credit:
    """A logger try (the logger's activity attempt): computed XP from its time, the accuracy
    of its attempts (each attempt one question) and its number, as an ActivityEvent reporting
    the same questions and time would earn."""
    return Credit(
        xp=rules.computed_xp(
            active_seconds=time_spent, correct=correct, total=attempts, attempt=try_number
        ),
        kind=COMPUTED,
        accuracy=percent_correct(correct, attempts),
    )


def result_credit(metadata: dict | None, *, score=None, max_score=None, active=True) -> Credit:
    """An assessment result written through the gradebook API: `metadata.xp` reported (not
    checked: no active time is observed for it), `metadata.masteredUnits` and questions;
    its accuracy decides mastery. A withdrawn (soft-deleted) result earns nothing."""
    metadata = metadata or {}
    if not active:
        return Credit(xp=Decimal(0), units=Decimal(0), questions=0, correct=0)
    units = metadata.get("masteredUnits", 0)
    questions = metadata.get("totalQuestions", 0)
    return Credit(
        xp=rules.as_decimal(metadata.get("xp", 0)),
        kind=REPORTED,
        accuracy=result_accuracy(metadata, score=score, max_score=max_score),
        units=rules.as_decimal(units) if units else None,
        questions=question_count(questions) if questions else None,
        correct=question_count(metadata.get("correctQuestions", 0)),
    )


def result_accuracy(metadata: dict | None, *, score=None, max_score=None) -> Decimal | None:
    """Percent correct of a result: `metadata.accuracy`, else correctQuestions /
    totalQuestions, else score / the line item's resultValueMax (as a GradeEvent's
    scoreGiven / maxScore)."""
    metadata = metadata or {}
    if metadata.get("accuracy") is not None:
        return rules.as_decimal(metadata["accuracy"])
    total, correct = metadata.get("totalQuestions"), metadata.get("correctQuestions")
    if total and correct is not None:
        return percent_correct(correct, total)
    if score is not None and max_score:
        return percent_correct(score, max_score)
    return None


def result_metadata(items: dict, credit: Credit) -> dict:
    """The metadata of the result an ActivityEvent asking for one produces."""
    metadata = {"xp": float(credit.xp)}
    if credit.accuracy is not None:
        metadata["accuracy"] = float(credit.accuracy)
        metadata["multiplier"] = float(credit.multiplier)
    for name in ("totalQuestions", "correctQuestions", "masteredUnits"):
        if name in items:
            metadata[name] = items[name]
    return metadata
