"""Events in, XP, mastery, time on task and rollups out (docs/events.md, docs/xp-and-mastery.md),
through the real endpoint and the real pipeline (tasks run eagerly here; tests/integration runs
workers)."""

import uuid
from decimal import Decimal
from unittest.mock import ANY

import pytest
from django.core.management import call_command
from django.db.models import Sum

from analytics.models import DailyActivity
from events.models import CaliperEvent, EventStatus, RejectedEvent, TimeSpentFact
from gradebook.models import AssessmentResult, LessonMastery, MasteryCredit, XpEntry, XpFlag
from rostering import services
from rostering.models import Org, User
from rostering.services import RoleAssignment

from .conftest import START, activity, envelope, item, time_spent

pytestmark = pytest.mark.django_db


def total_xp(student="stu-1"):
    return XpEntry.objects.filter(student__sourced_id=student).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)


def rollup(student="stu-1"):
    return DailyActivity.objects.get(
        student__sourced_id=student, course__sourced_id="course-1", day=START.date()
    )


def test_reported_xp_is_credited_once_and_rolled_up(catalogue, send):
    response = send(
        activity(xpEarned=12, totalQuestions=10, correctQuestions=9), time_spent(active=600)
    )

    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": [], "jobId": ANY}
    assert total_xp() == Decimal("12.00")
    day = rollup()
    assert (day.xp, day.active_seconds) == (Decimal("12.00"), 600)


def test_the_same_envelope_twice_credits_once(catalogue, app_api, send):
    events = [activity(xpEarned=12), time_spent(active=600)]
    first = send(*events)
    second = send(*events)

    assert first.json()["accepted"] == 2
    assert second.json() == {"accepted": 0, "duplicates": 2, "rejected": [], "jobId": ANY}
    assert total_xp() == Decimal("12.00")
    assert CaliperEvent.objects.count() == 2


def test_computed_xp_follows_the_worked_example(catalogue, send):
    send(
        activity(run="run-1", totalQuestions=10, correctQuestions=10),
        time_spent(run="run-1", active=600),
    )
    assert total_xp() == Decimal("12.50")


def test_a_time_spent_event_processed_after_its_activity_still_counts(catalogue, send):
    send(activity(run="run-1", totalQuestions=10, correctQuestions=10))
    assert total_xp() == Decimal("0.00")

    send(time_spent(run="run-1", active=600))

    assert total_xp() == Decimal("12.50")
    entries = list(XpEntry.objects.order_by("seq").values_list("seq", "amount"))
    assert entries == [(0, Decimal("12.50"))]  # 0 credited first wrote nothing; then one entry


def test_a_re_attempt_at_85_percent_earns_half(catalogue, send):
    send(
        activity(run="r2", attempt=2, totalQuestions=20, correctQuestions=17),
        time_spent(run="r2", active=600),
    )
    assert total_xp() == Decimal("5.00")


def test_a_repeated_activity_attempt_replaces_its_values_with_a_correcting_entry(catalogue, send):
    send(activity(lesson="lesson-1", attempt=1, xpEarned=20, at=START))
    send(activity(lesson="lesson-1", attempt=1, xpEarned=15, at=START.replace(minute=30)))

    assert total_xp() == Decimal("15.00")
    assert list(XpEntry.objects.order_by("seq").values_list("amount", flat=True)) == [
        Decimal("20.00"),
        Decimal("-5.00"),
    ]


def test_an_older_repeat_arriving_late_does_not_override_the_newer_values(catalogue, send):
    send(activity(lesson="lesson-1", attempt=1, xpEarned=15, at=START.replace(minute=30)))
    send(activity(lesson="lesson-1", attempt=1, xpEarned=20, at=START))
    assert total_xp() == Decimal("15.00")


def test_a_negative_xp_earned_corrects_the_total(catalogue, send):
    send(activity(lesson="lesson-1", xpEarned=30), activity(lesson="lesson-2", xpEarned=-10))
    assert total_xp() == Decimal("20.00")


def test_implausible_reported_xp_is_credited_but_flagged(catalogue, send):
    send(activity(run="r", xpEarned=100), time_spent(run="r", active=600))

    assert total_xp() == Decimal("100.00")
    flag = XpFlag.objects.get()
    assert flag.flagged and flag.active_seconds == 600


def test_plausible_reported_xp_is_not_flagged(catalogue, send):
    send(activity(run="r", xpEarned=12), time_spent(run="r", active=600))
    assert not XpFlag.objects.get().flagged


def test_mastered_units_accumulate_per_course_and_lessons_master_at_90_percent(catalogue, send):
    send(
        activity(lesson="lesson-1", totalQuestions=10, correctQuestions=9, masteredUnits=1),
        activity(lesson="lesson-2", totalQuestions=10, correctQuestions=8, masteredUnits=2),
    )

    assert MasteryCredit.objects.aggregate(s=Sum("units"))["s"] == Decimal(3)
    assert list(LessonMastery.objects.values_list("lesson__sourced_id", flat=True)) == ["lesson-1"]
    day = rollup()
    assert (day.lessons_mastered, day.mastered_units) == (1, Decimal(3))


def test_questions_an_activity_reports_count_as_answered_and_a_repeat_replaces_them(
    catalogue, send
):
    send(
        activity(lesson="lesson-1", totalQuestions=10, correctQuestions=9),
        activity(lesson="lesson-2", totalQuestions=4, correctQuestions=2),
    )
    day = rollup()
    assert (day.items_answered, day.items_correct) == (14, 11)

    # The same (student, activity, attempt) again: its values replace the earlier ones.
    send(activity(lesson="lesson-2", totalQuestions=5, correctQuestions=5))
    day = rollup()
    assert (day.items_answered, day.items_correct) == (15, 14)


def test_questions_sent_both_per_item_and_as_activity_totals_count_once(catalogue, send):
    items = [item(lesson="lesson-1", correct=n < 3) for n in range(4)]
    send(*items, activity(lesson="lesson-1", totalQuestions=4, correctQuestions=3))
    day = rollup()
    assert (day.items_answered, day.items_correct) == (4, 3)


def test_process_true_writes_an_assessment_result_with_timeback_metadata(catalogue, send):
    event = activity(run="r", totalQuestions=10, correctQuestions=10, masteredUnits=1)
    event["object"]["process"] = True
    send(event, time_spent(run="r", active=600))

    result = AssessmentResult.objects.get()
    assert result.metadata == {
        "xp": 12.5,
        "accuracy": 100.0,
        "multiplier": 1.25,
        "totalQuestions": 10,
        "correctQuestions": 10,
        "masteredUnits": 1,
        "attempt": 1,
    }


def test_wasted_time_is_inactive_plus_waste_plus_anti_pattern(catalogue, send):
    send(time_spent(active=600, inactive=60, waste=30, anti_pattern=10, unknown=99))
    day = rollup()
    assert (day.active_seconds, day.wasted_seconds) == (600, 100)
    assert TimeSpentFact.objects.get().unknown == 99


def test_a_graded_event_naming_no_course_or_lesson_is_rejected_and_kept_for_developers(
    catalogue, send
):
    event = activity(xpEarned=10)
    del event["extensions"]
    event["object"] = {"type": "TimebackActivityContext"} | {"id": "x"}
    event["object"].pop("id")
    response = send(event)

    body = response.json()
    assert (
        body["accepted"] == 0
        and body["rejected"][0]["index"] == 0
        and body["rejected"][0]["errors"]
    )
    assert RejectedEvent.objects.count() == 1
    assert total_xp() == 0


def test_an_event_for_another_apps_course_is_rejected(catalogue, make_partner, send):
    intruder = make_partner("Other App")
    response = send(activity(xpEarned=10), api=intruder)
    assert response.json()["accepted"] == 0
    assert "another app" in response.json()["rejected"][0]["errors"][0]


def test_an_event_for_a_student_rostered_later_is_parked_then_credited(catalogue, send, school):
    response = send(activity(student="newcomer", xpEarned=7))
    assert response.json()["accepted"] == 1
    assert CaliperEvent.objects.get().status == EventStatus.PARKED
    assert total_xp("newcomer") == 0

    services.upsert_user(
        sourced_id="newcomer",
        first_name="N",
        last_name="C",
        roles=[RoleAssignment(org=school, role="student")],
    )
    call_command("process_pending", min_age=0)

    assert CaliperEvent.objects.get().status == EventStatus.PROCESSED
    assert total_xp("newcomer") == Decimal("7.00")


def test_a_graded_event_for_a_lesson_published_later_is_parked_then_counted(catalogue, send):
    from gradebook.models import ItemResult

    send(item(lesson="lesson-9"))
    assert CaliperEvent.objects.get().status == EventStatus.PARKED

    services.upsert_course_component(
        sourced_id="lesson-9", title="Late", course=catalogue, kind="lesson"
    )
    call_command("process_pending", min_age=0)

    assert CaliperEvent.objects.get().status == EventStatus.PROCESSED
    assert ItemResult.objects.get().lesson.sourced_id == "lesson-9"


def test_an_activity_outside_the_catalogue_is_credited_to_its_course(catalogue, send):
    run = str(uuid.uuid4())
    outside = "https://app.example/activities/math/g3/fractions-warmup"
    spent = time_spent(lesson=outside, run=run, active=300, waste=60)
    done = activity(
        lesson=outside, run=run, xpEarned=6, totalQuestions=5, correctQuestions=4, masteredUnits=1
    )
    del spent["extensions"]["lesson"], done["extensions"]["lesson"]
    response = send(spent, done)

    assert response.json()["accepted"] == 2
    assert set(CaliperEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
    entry = XpEntry.objects.get()
    assert (entry.amount, entry.lesson, entry.course.sourced_id) == (
        Decimal("6.00"),
        None,
        "course-1",
    )
    assert outside in entry.source_key
    day = DailyActivity.objects.get()
    assert (day.xp, day.active_seconds, day.wasted_seconds) == (Decimal("6.00"), 300, 60)
    assert (day.items_answered, day.items_correct, day.mastered_units) == (5, 4, 1)


def test_an_activity_outside_the_catalogue_waits_for_its_unknown_course(catalogue, send):
    outside = "https://app.example/activities/math/g3/fractions-warmup"
    event = activity(lesson=outside, course="course-later", xpEarned=6)
    del event["extensions"]["lesson"]
    send(event)
    assert CaliperEvent.objects.get().status == EventStatus.PARKED
    assert total_xp() == 0


def test_an_activity_naming_no_course_waits_for_its_lesson(catalogue, send):
    event = activity(lesson="lesson-9", xpEarned=4)
    del event["extensions"]["course"], event["object"]["course"]
    send(event)
    assert CaliperEvent.objects.get().status == EventStatus.PARKED

    services.upsert_course_component(
        sourced_id="lesson-9", title="Late", course=catalogue, kind="lesson"
    )
    call_command("process_pending", min_age=0)

    assert total_xp() == Decimal("4.00")


def test_an_attempt_outside_the_catalogue_writes_its_result_under_its_activity(catalogue, send):
    outside = "https://app.example/activities/math/g3/fractions-warmup"
    event = activity(lesson=outside, attempt=2, xpEarned=6, totalQuestions=5, correctQuestions=5)
    event["object"]["process"] = True
    del event["extensions"]["lesson"]
    send(event)

    result = AssessmentResult.objects.select_related("line_item").get()
    assert (result.lesson, result.course.sourced_id) == (None, "course-1")
    assert result.metadata["attempt"] == 2
    assert result.line_item.sourced_id.startswith("caliper_")
    assert result.line_item.course.sourced_id == "course-1"


def test_a_sweep_processes_events_whose_task_was_lost(catalogue, app_api):
    # Posted without running the on-commit hand-off: as if the broker lost the task.
    app_api.post("/events/1.0/", envelope(activity(xpEarned=5)), format="json")
    assert CaliperEvent.objects.get().status == EventStatus.PENDING

    call_command("process_pending", min_age=0)
    call_command("process_pending", min_age=0)

    assert total_xp() == Decimal("5.00")


def test_other_valid_caliper_events_are_stored_and_counted_not_processed(catalogue, send):
    event = activity(xpEarned=5)
    event.update(type="NavigationEvent", action="NavigatedTo", profile=None)
    event.pop("profile")
    event.pop("generated")
    event["object"] = {"id": "https://app.example/page", "type": "WebPage"}
    event["actor"]["type"] = "Person"
    response = send(event)
    assert response.json()["accepted"] == 1, response.json()
    assert CaliperEvent.objects.get().status == EventStatus.STORED


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/json", b"{not json", 400),
        ("application/json", b"[]", 400),
        (
            "application/json",
            b'{"sensor": "x", "sendTime": "2026-01-01T00:00:00Z", "data": []}',
            400,
        ),
        (
            "application/json",
            b'{"sensor": "x", "sendTime": "2026-01-01T00:00:00Z", "dataVersion": "http://purl.imsglobal.org/ctx/caliper/v1p1", "data": []}',
            422,
        ),
        ("text/plain", b"{}", 415),
    ],
)
def test_envelope_errors_answer_the_caliper_codes_and_store_nothing(
    catalogue, app_api, content_type, body, status
):
    response = app_api.generic("POST", "/ims/caliper/v1p2/events", body, content_type=content_type)
    assert response.status_code == status, response.content
    assert response.json()["imsx_description"]
    assert CaliperEvent.objects.count() == 0


def test_no_token_is_401_and_a_token_without_events_write_is_403(catalogue, client, make_partner):
    assert (
        client.post("/ims/caliper/v1p2/events", {}, content_type="application/json").status_code
        == 401
    )
    reader = make_partner(
        "Reader", scopes=["https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly"]
    )
    assert reader.post("/ims/caliper/v1p2/events", envelope(), format="json").status_code == 403


def test_a_body_over_the_limit_answers_413(catalogue, app_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    big = envelope(*[activity(xpEarned=1) for _ in range(20)])
    response = app_api.post("/ims/caliper/v1p2/events", big, format="json")
    assert response.status_code == 413
    assert CaliperEvent.objects.count() == 0


def test_the_endpoint_answers_its_configuration(app_api):
    body = app_api.get("/ims/caliper/v1p2/events").json()
    assert "http://purl.imsglobal.org/ctx/caliper/v1p2" in body["caliperSupportedVersions"]


def test_students_outside_the_roster_are_not_created(catalogue, send):
    send(activity(student="ghost", xpEarned=3))
    assert not User.objects.filter(sourced_id="ghost").exists()
    assert Org.objects.filter(sourced_id="school").exists()


def grade(student="stu-1", lesson="lesson-1", *, given, maximum, at):
    return {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "GradeEvent",
        "action": "Graded",
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "actor": {"id": "https://app.example/grader", "type": "SoftwareApplication"},
        "object": {
            "id": f"https://app.example/attempts/{uuid.uuid4()}",
            "type": "Attempt",
            "assignee": {"id": f"https://timeback.example/users/{student}", "type": "Person"},
            "assignable": {
                "id": f"https://app.example/lessons/{lesson}",
                "type": "AssignableDigitalResource",
            },
        },
        "generated": {
            "id": f"https://app.example/scores/{uuid.uuid4()}",
            "type": "Score",
            "scoreGiven": given,
            "maxScore": maximum,
        },
        "extensions": {"course": {"id": "course-1"}, "lesson": {"id": lesson}},
    }


def test_a_graded_lesson_counts_on_the_day_it_was_first_mastered_whatever_the_order(
    catalogue, send
):
    later, earlier = START.replace(day=5), START.replace(day=3)
    send(grade(given=95, maximum=100, at=later))
    send(grade(given=92, maximum=100, at=earlier))

    counts = dict(
        DailyActivity.objects.filter(student__sourced_id="stu-1").values_list(
            "day", "lessons_mastered"
        )
    )
    assert counts == {earlier.date(): 1, later.date(): 0}
    assert AssessmentResult.objects.count() == 2


def test_a_points_grade_never_becomes_xp_when_time_of_its_run_arrives(catalogue, send):
    scored = grade(given=8, maximum=10, at=START)
    scored["extensions"]["runId"] = "run-9"
    send(scored)
    send(time_spent(run="run-9", active=600))

    assert total_xp() == 0
    assert not XpFlag.objects.exists()
