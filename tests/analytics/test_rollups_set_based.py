"""The daily rollups written for many keys by one set-based statement (analytics.rollups)
equal what the rule gave one key at a time: each source summed per (student, course, day),
then the measures derived in Python (the rule as it stood before it moved into SQL)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum

from analytics import rollups
from analytics.models import DailyActivity
from events.models import CaliperEvent, TimeSpentFact
from gradebook.models import ItemResult, LessonMastery, MasteryCredit, XpEntry
from logger.models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog, SessionTime
from rostering import zones
from rostering.models import User

from .conftest import TODAY

YESTERDAY = TODAY - timedelta(days=1)


def per_key_reference(student, course, day) -> dict:
    """The rule one key at a time: one aggregate per source, then the measures in Python."""
    of = {"student_id": student, "course_id": course, "occurred_on": day}
    zone = zones.org_zone(User.objects.select_related("primary_org").get(pk=student).primary_org)
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = start + timedelta(days=1)
    xp = XpEntry.objects.filter(**of).aggregate(v=Sum("amount"))["v"]
    time = TimeSpentFact.objects.filter(**of).aggregate(
        active=Sum("active"), inactive=Sum("inactive"), waste=Sum("waste"), anti=Sum("anti_pattern")
    )
    items = ItemResult.objects.filter(**of).aggregate(
        n=Count("pk"), right=Count("pk", Q(correct=True))
    )
    lessons = LessonMastery.objects.filter(
        student_id=student, course_id=course, mastered_at__gte=start, mastered_at__lt=end
    ).count()
    credits = MasteryCredit.objects.filter(**of).aggregate(
        units=Sum("units"), questions=Sum("questions"), right=Sum("correct_questions")
    )
    logged = SessionTime.objects.filter(**of).aggregate(v=Sum("seconds"))["v"]
    attempts = AttemptLog.objects.filter(**of).aggregate(
        n=Count("pk"), right=Count("pk", Q(correct=1))
    )

    answered, correct = items["n"], items["right"]
    if (credits["questions"] or 0) > answered:
        answered, correct = credits["questions"], credits["right"]
    wasted = None
    if time["active"] is not None:
        wasted = time["inactive"] + time["waste"] + time["anti"]
    return {
        "xp": xp or 0,
        "active_seconds": (time["active"] or 0) + round(logged or 0),
        "wasted_seconds": wasted or 0,
        "inactive_seconds": time["inactive"] or 0,
        "items_answered": answered + attempts["n"],
        "items_correct": (correct or 0) + (attempts["right"] or 0),
        "lessons_mastered": lessons,
        "mastered_units": credits["units"] or 0,
    }


def _event(app, n, at):
    return CaliperEvent.objects.create(
        partner_app=app,
        event_id=f"urn:uuid:rollup-{n}",
        type="TimeSpentEvent",
        action="SpentTime",
        event_time=at,
        received_at=at,
        raw={},
        status="processed",
    )


def _sources(app, student, course, lesson, day, *, n, seconds, reported, answered, attempts):
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=15)
    XpEntry.objects.create(
        source_key=f"s-{n}",
        seq=0,
        amount=Decimal("12.50"),
        kind="computed",
        student=student,
        course=course,
        occurred_on=day,
    )
    XpEntry.objects.create(
        source_key=f"s-{n}",
        seq=1,
        amount=Decimal("-2.25"),
        kind="computed",
        student=student,
        course=course,
        occurred_on=day,
    )
    TimeSpentFact.objects.create(
        event=_event(app, n, at),
        student=student,
        course=course,
        at=at,
        occurred_on=day,
        active=100 + n,
        inactive=10,
        waste=5,
        anti_pattern=3,
    )
    for i in range(answered):
        ItemResult.objects.create(
            source_event=n * 100 + i,
            student=student,
            course=course,
            item_ref=f"i{i}",
            correct=[True, False, None][i % 3],
            answered_at=at,
            occurred_on=day,
        )
    MasteryCredit.objects.create(
        source_key=f"m-{n}",
        student=student,
        course=course,
        units=Decimal("1.50"),
        questions=reported,
        correct_questions=reported // 2,
        occurred_on=day,
    )
    LessonMastery.objects.create(
        student=student, lesson=lesson, course=course, mastered_at=at, source_key=f"l-{n}"
    )
    summary = ContentSummaryLog.objects.create(
        id=f"00000000-0000-0000-0000-{n:012d}",
        student=student,
        course=course,
        content_id=f"c-{n}",
        kind="exercise",
    )
    try_ = MasteryLog.objects.create(
        id=f"00000000-0000-0000-0001-{n:012d}",
        summary=summary,
        student=student,
        mastery_level=1,
        mastery_criterion={"type": "m_of_n", "m": 5, "n": 5},
    )
    session = ContentSessionLog.objects.create(
        summary=summary,
        mastery_log=try_,
        student=student,
        course=course,
        content_id=f"c-{n}",
        kind="exercise",
    )
    SessionTime.objects.create(
        session=session, student=student, course=course, occurred_on=day, seconds=seconds
    )
    for i, correct in enumerate(attempts):
        AttemptLog.objects.create(
            mastery_log=try_,
            session=session,
            student=student,
            course=course,
            number=i + 1,
            item=f"q{i}",
            start_timestamp=at,
            end_timestamp=at,
            occurred_on=day,
            correct=correct,
        )


def test_the_set_based_rollups_equal_the_per_key_rule(math_app, ada, math, make_student, enroll):
    bob = make_student("bob")
    enroll(bob, math)
    first, second = math.components.filter(kind="lesson").order_by("sourced_id")
    # Reported questions beyond the answered ones, and fewer; a logged time ending in .5 on
    # an even and an odd second (rounded half to even); partial attempt scores.
    _sources(
        math_app.app,
        ada,
        math,
        first,
        TODAY,
        n=1,
        seconds=2.5,
        reported=5,
        answered=3,
        attempts=[1, 0.5, 1],
    )
    _sources(
        math_app.app,
        ada,
        math,
        second,
        YESTERDAY,
        n=2,
        seconds=3.5,
        reported=1,
        answered=4,
        attempts=[0],
    )
    _sources(
        math_app.app,
        bob,
        math,
        first,
        TODAY,
        n=3,
        seconds=7.25,
        reported=0,
        answered=0,
        attempts=[],
    )
    keys = {
        (ada.pk, math.pk, TODAY),
        (ada.pk, math.pk, YESTERDAY),
        (bob.pk, math.pk, TODAY),
        (bob.pk, math.pk, YESTERDAY),  # nothing on that day: a row of zeros
    }

    rollups.recompute(keys)

    rows = {
        (r.student_id, r.course_id, r.day): {f: getattr(r, f) for f in rollups.EMPTY}
        for r in DailyActivity.objects.all()
    }
    expected = {key: per_key_reference(*key) for key in keys}
    assert rows == expected
    assert rollups._derive(keys) == expected
    assert rows[(ada.pk, math.pk, TODAY)]["items_answered"] == 5 + 3
    assert rows[(ada.pk, math.pk, TODAY)]["active_seconds"] == 101 + 2
    assert rows[(ada.pk, math.pk, YESTERDAY)]["active_seconds"] == 102 + 4


def test_one_key_or_many_cost_the_same_two_statements(
    math_app, ada, math, django_assert_num_queries
):
    few = {(ada.pk, math.pk, TODAY)}
    many = {(ada.pk, math.pk, TODAY - timedelta(days=d)) for d in range(600)}

    # The keys' locks, then one statement that derives and writes every key.
    with django_assert_num_queries(2):
        rollups.recompute(few)
    with django_assert_num_queries(2):
        rollups.recompute(many)

    assert DailyActivity.objects.count() == 600
