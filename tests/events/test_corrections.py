"""Corrections are bounded (docs/xp-and-mastery.md#corrections): a negative xpEarned takes
back at most what the app has credited the student in that course; beyond that the event is
set aside as failed with the reason, and the student's XP never goes below zero."""

from decimal import Decimal

from django.db.models import Sum

from events.models import CaliperEvent, EventStatus
from gradebook.models import XpEntry

from .conftest import activity


def total_xp(student="stu-1"):
    return XpEntry.objects.filter(student__sourced_id=student).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)


def status_of(event):
    return CaliperEvent.objects.get(event_id=event["id"]).status


def test_a_correction_may_take_back_all_that_was_credited(send, catalogue):
    send(activity(xpEarned=30, attempt=1))
    correction = activity(xpEarned=-30, attempt=2)
    send(correction)

    assert status_of(correction) == EventStatus.PROCESSED
    assert total_xp() == 0


def test_a_correction_beyond_what_was_credited_fails_with_the_reason(send, catalogue):
    send(activity(xpEarned=30, attempt=1))
    correction = activity(xpEarned=-31, attempt=2)
    send(correction)

    stored = CaliperEvent.objects.get(event_id=correction["id"])
    assert stored.status == EventStatus.FAILED
    assert "30" in stored.error and "-31" in stored.error, stored.error
    assert total_xp() == 30


def test_a_correction_with_nothing_credited_fails_and_credits_nothing(send, catalogue):
    correction = activity(xpEarned=-1000)
    send(correction)

    assert status_of(correction) == EventStatus.FAILED
    assert total_xp() == 0


def test_a_credit_and_its_correction_in_one_envelope_are_both_processed(send, catalogue):
    credit, correction = activity(xpEarned=20, attempt=1), activity(xpEarned=-20, attempt=2)
    send(credit, correction)

    assert (status_of(credit), status_of(correction)) == ("processed", "processed")
    assert total_xp() == 0


def test_one_students_credit_does_not_cover_another_students_correction(send, catalogue):
    send(activity(student="stu-1", xpEarned=50))
    correction = activity(student="stu-2", xpEarned=-10)
    send(correction)

    assert status_of(correction) == EventStatus.FAILED
    assert total_xp("stu-2") == 0
