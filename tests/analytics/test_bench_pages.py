"""The pages benchmark's set-based generator (bench/pages.py) writes what the real pipeline
would: processing its stored events again from scratch gives the same facts, ledger, flags,
mastery credits and their per-course totals, lesson masteries, item results, attempt results
and rollups, row for row."""

import sys
from collections import Counter
from datetime import UTC, date
from pathlib import Path

import pytest

from analytics.models import (
    DailyActivity,
    EventDayCount,
    FlaggedClaimCount,
    LessonMasteryCount,
)
from events import pipeline
from events.models import (
    AssignableFact,
    CaliperEvent,
    EventStatus,
    SessionFact,
    TimeSpentFact,
    ViewFact,
)
from gradebook.models import (
    AssessmentResult,
    ItemResult,
    LessonMastery,
    MasteredUnitsTotal,
    MasteryCredit,
    XpEntry,
    XpFlag,
)
from tests.dashboards import test_week_activity_sums as week_sums

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import pages as bench_pages  # noqa: E402

pytestmark = [pytest.mark.django_db]

DERIVED = {
    TimeSpentFact: (
        "event_id", "student_id", "course_id", "lesson_id", "at", "occurred_on", "run_key",
        "active", "inactive", "waste", "unknown", "anti_pattern",
    ),
    XpEntry: (
        "student_id", "course_id", "lesson_id", "partner_app_id", "source_key", "seq", "amount",
        "kind", "occurred_on", "caused_by_event",
    ),
    XpFlag: (
        "source_key", "student_id", "course_id", "partner_app_id", "reported_xp",
        "active_seconds", "flagged", "occurred_on",
    ),
    MasteryCredit: (
        "source_key", "student_id", "course_id", "units", "questions", "correct_questions",
        "occurred_on",
    ),
    # After the credits: deleting them first brings the totals (their triggers) to zero.
    MasteredUnitsTotal: ("student_id", "course_id", "units"),
    LessonMastery: ("student_id", "lesson_id", "course_id", "mastered_at", "source_key"),
    ItemResult: (
        "source_event", "student_id", "course_id", "lesson_id", "item_ref", "correct",
        "answered_at", "occurred_on",
    ),
    AssessmentResult: (
        "sourced_id", "line_item_id", "student_id", "course_id", "lesson_id", "score",
        "score_status", "score_date", "metadata",
    ),
    DailyActivity: (
        "student_id", "course_id", "day", "xp", "active_seconds", "wasted_seconds",
        "inactive_seconds", "items_answered", "items_correct", "lessons_mastered",
        "mastered_units",
    ),
}  # fmt: skip


def snapshot() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list(*fields), key=repr)
        for model, fields in DERIVED.items()
    }


def test_the_generated_history_is_what_the_pipeline_derives_from_its_events():
    roster = bench_pages.build_roster(students=6, lessons=8)
    days = bench_pages.school_days_for(6 * 20 * 4, 6, date(2026, 11, 20))
    made = bench_pages.generate(roster, days, log=lambda *a: None)
    assert made["counts"]["events_caliperevent"] == 6 * 20 * 4
    # The developer page's per-day event counts (the triggers' deltas, folded) are a COUNT
    # over the events, as the triggers would have kept them.
    counts = {(c.partner_app_id, c.day): c.events for c in EventDayCount.objects.all()}
    assert counts == Counter(
        (app, at.astimezone(UTC).date())
        for app, at in CaliperEvent.objects.values_list("partner_app_id", "event_time")
    )
    assert mastery_counts() == Counter(LessonMastery.objects.values_list("course_id", "lesson_id"))
    assert flagged_counts() == flagged_claims()
    # The rollups' week sums (kept by triggers on the generator's inserts too) equal a SUM
    # over the rollups.
    assert week_sums.stored_sums() == week_sums.summed_rollups() != {}
    generated = snapshot()
    # Every kind of row the pages read is there, not only the events.
    assert all(generated[name] for name in generated), {k: len(v) for k, v in generated.items()}
    # Some reported XP claims are implausible for their time, some not.
    assert {flag[6] for flag in generated["XpFlag"]} == {True, False}

    for model in [*DERIVED, SessionFact, ViewFact, AssignableFact]:
        model.objects.all().delete()
    CaliperEvent.objects.update(status=EventStatus.PENDING, processed_at=None)
    pipeline.process(list(CaliperEvent.objects.order_by("pk").values_list("pk", flat=True)))

    assert CaliperEvent.objects.filter(status=EventStatus.PROCESSED).count() == 6 * 20 * 4
    assert not SessionFact.objects.exists() and not ViewFact.objects.exists()
    derived = snapshot()
    for model in DERIVED:
        assert derived[model.__name__] == generated[model.__name__], model.__name__
    # The masteries and flags deleted and written again through the gradebook: the
    # triggers' deltas sum to the same counts.
    assert mastery_counts() == Counter(LessonMastery.objects.values_list("course_id", "lesson_id"))
    assert flagged_counts() == flagged_claims() != Counter()
    assert week_sums.stored_sums() == week_sums.summed_rollups() != {}


def flagged_claims() -> Counter:
    return Counter(XpFlag.objects.filter(flagged=True).values_list("partner_app_id", flat=True))


def flagged_counts() -> Counter:
    totals = Counter()
    for app, n in FlaggedClaimCount.objects.values_list("partner_app_id", "claims"):
        totals[app] += n
    return +totals


def mastery_counts() -> Counter:
    totals = Counter()
    for course, lesson, n in LessonMasteryCount.objects.values_list(
        "course_id", "lesson_id", "masteries"
    ):
        totals[(course, lesson)] += n
    return +totals  # without the zeros
