"""Attempts as Timeback records them (docs/xp-and-mastery.md#attempts): an ActivityEvent with
`object.process: true` writes its result under the line item
`caliper_<sha256("{object.id}_{course sourcedId}")>` with `metadata.attempt` and the event's
time as scoreDate, so a client (the official timeback-sdk) that lists those results numbers
the next attempt; a new attempt adds to what the student earned, the same attempt again
replaces it."""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum

from gradebook.models import AssessmentLineItem, AssessmentResult, MasteryCredit, XpEntry
from rostering.models import ComponentResource

from .conftest import START, activity

RESULTS = "/ims/oneroster/gradebook/v1p2/assessmentResults"
LINE_ITEMS = "/ims/oneroster/gradebook/v1p2/assessmentLineItems"


def caliper_line_item(object_id="lesson-1", course="course-1"):
    return "caliper_" + hashlib.sha256(f"{object_id}_{course}".encode()).hexdigest()


def processed(attempt, *, at, name="Adding fractions", **items):
    event = activity(attempt=attempt, at=at, **items)
    event["object"]["process"] = True
    event["object"]["activity"]["name"] = name
    return event


def total_xp(student="stu-1"):
    return XpEntry.objects.filter(student__sourced_id=student).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)


def mastered_units(student="stu-1"):
    return MasteryCredit.objects.filter(student__sourced_id=student).aggregate(s=Sum("units"))[
        "s"
    ] or Decimal(0)


def sdk_lookup(api, line_item, student="stu-1"):
    """The timeback-sdk's look-up of earlier attempts, as it sends it."""
    query = f"assessmentLineItem.sourcedId='{line_item}' AND student.sourcedId='{student}'"
    response = api.get(RESULTS, {"filter": query})
    assert response.status_code == 200, response.content
    return response.json()["assessmentResults"]


def test_the_sdk_look_up_answers_each_attempt_with_its_number_and_score_date(
    catalogue, send, app_api
):
    first, second = START, START + timedelta(hours=1)
    send(processed(1, at=first, xpEarned=20), processed(2, at=second, xpEarned=5))

    found = sdk_lookup(app_api, caliper_line_item())

    # The API answers scoreDate as a date (the official gradebook schema); the moment is
    # stored (docs/decisions.md, "Attempts as Timeback records them").
    assert sorted((r["metadata"]["attempt"], r["scoreDate"]) for r in found) == [
        (1, first.date().isoformat()),
        (2, second.date().isoformat()),
    ]
    stored = AssessmentResult.objects.filter(line_item__sourced_id=caliper_line_item())
    assert sorted(r.score_date for r in stored) == [first, second]
    item = AssessmentLineItem.objects.get(sourced_id=caliper_line_item())
    assert (item.title, item.course.sourced_id, item.lesson.sourced_id) == (
        "Adding fractions",
        "course-1",
        "lesson-1",
    )


def test_an_event_naming_no_attempt_is_recorded_as_attempt_one(catalogue, send, app_api):
    event = processed(1, at=START, xpEarned=3)
    del event["generated"]["attempt"]
    send(event)

    [found] = sdk_lookup(app_api, caliper_line_item())
    assert found["metadata"]["attempt"] == 1


def test_a_second_attempt_adds_its_xp_and_mastered_units_to_the_first(catalogue, send, app_api):
    send(processed(1, at=START, xpEarned=20, masteredUnits=2))
    send(processed(2, at=START + timedelta(hours=1), xpEarned=5, masteredUnits=1))

    assert total_xp() == Decimal("25.00")
    assert mastered_units() == Decimal("3.00")
    assert len(sdk_lookup(app_api, caliper_line_item())) == 2


def test_the_same_attempt_again_is_a_retry_that_replaces_it(catalogue, send, app_api):
    send(processed(1, at=START, xpEarned=20, masteredUnits=2))
    send(processed(1, at=START + timedelta(minutes=5), xpEarned=13, masteredUnits=1))

    assert total_xp() == Decimal("13.00")
    assert mastered_units() == Decimal("1.00")
    [found] = sdk_lookup(app_api, caliper_line_item())
    assert found["metadata"]["attempt"] == 1
    stored = AssessmentResult.objects.get(sourced_id=found["sourcedId"])
    assert stored.score_date == START + timedelta(minutes=5)


def test_result_ids_are_stable_when_events_are_delivered_again(catalogue, send, app_api):
    one, two = processed(1, at=START, xpEarned=20), processed(2, at=START, xpEarned=5)
    send(one, two)
    before = set(AssessmentResult.objects.values_list("sourced_id", flat=True))

    send(two, one)  # redelivered, in another order
    send(processed(1, at=START - timedelta(minutes=1), xpEarned=9))  # an older retry

    assert set(AssessmentResult.objects.values_list("sourced_id", flat=True)) == before
    assert len(before) == 2
    assert total_xp() == Decimal("25.00")  # the older retry does not stand for attempt 1


def test_results_the_sdk_writes_itself_are_read_back_as_written(catalogue, app_api):
    link = ComponentResource.objects.filter(course_component__course=catalogue).first()
    line_item = "timeback_sdk_" + hashlib.sha256(b"mastery-completion_course-1").hexdigest()
    item = app_api.put(
        f"{LINE_ITEMS}/{line_item}",
        {
            "assessmentLineItem": {
                "sourcedId": line_item,
                "status": "active",
                "title": "Math App: Complete",
                "course": {"sourcedId": "course-1"},
                "componentResource": {"sourcedId": link.sourced_id},
                "resultValueMin": 0,
                "resultValueMax": 100,
                "metadata": {"lessonType": "quiz"},
            }
        },
        format="json",
    )
    assert item.status_code in (200, 201), item.content
    result_id = f"{line_item}:stu-1:completion"
    written = {
        "sourcedId": result_id,
        "status": "active",
        "assessmentLineItem": {"sourcedId": line_item},
        "student": {"sourcedId": "stu-1"},
        "score": 100,
        "scoreDate": "2026-11-02T10:00:00Z",
        "scoreStatus": "fully graded",
        "metadata": {"isMasteryCompletion": True, "xp": 0, "masteredUnits": 1},
    }
    put = app_api.put(f"{RESULTS}/{result_id}", {"assessmentResult": written}, format="json")
    assert put.status_code in (200, 201), put.content

    read = app_api.get(f"{RESULTS}/{result_id}").json()["assessmentResult"]
    assert read["metadata"] == written["metadata"]
    assert (read["assessmentLineItem"]["sourcedId"], read["student"]["sourcedId"]) == (
        line_item,
        "stu-1",
    )
    assert read["scoreDate"] == "2026-11-02"  # answered as a date, as every result
    assert float(read["score"]) == 100
    read_item = app_api.get(f"{LINE_ITEMS}/{line_item}").json()["assessmentLineItem"]
    assert read_item["metadata"]["lessonType"] == "quiz"
    assert read_item["metadata"]["course"] == {"sourcedId": "course-1"}
    assert read_item["componentResource"]["sourcedId"] == link.sourced_id
    listed = app_api.get(
        LINE_ITEMS, {"filter": f"componentResource.sourcedId='{link.sourced_id}'"}
    ).json()["assessmentLineItems"]
    assert [i["sourcedId"] for i in listed] == [line_item]


def test_a_component_resource_that_does_not_exist_answers_400_not_dropped(catalogue, app_api):
    response = app_api.put(
        f"{LINE_ITEMS}/timeback_sdk_x",
        {
            "assessmentLineItem": {
                "title": "Complete",
                "course": {"sourcedId": "course-1"},
                "componentResource": {"sourcedId": "course-1-cr-missing"},
            }
        },
        format="json",
    )
    assert response.status_code == 400
    assert "componentResource" in response.content.decode()


def test_a_resent_submission_numbered_as_a_new_attempt_is_the_same_attempt(
    catalogue, send, app_api
):
    # The SDK cannot tell a retry from our date-only scoreDate, so it numbers the resent
    # submission max + 1; its time is the first one's: the server keeps it attempt 1.
    send(processed(1, at=START, xpEarned=12, masteredUnits=1))
    send(processed(2, at=START, xpEarned=12, masteredUnits=1))

    assert total_xp() == Decimal("12.00")
    assert mastered_units() == Decimal("1.00")
    assert [r["metadata"]["attempt"] for r in sdk_lookup(app_api, caliper_line_item())] == [1]


def test_a_new_attempt_at_another_time_still_adds(catalogue, send, app_api):
    send(processed(1, at=START, xpEarned=12, masteredUnits=1))
    send(processed(2, at=START + timedelta(minutes=3), xpEarned=8, masteredUnits=1))

    assert total_xp() == Decimal("20.00")
    assert sorted(r["metadata"]["attempt"] for r in sdk_lookup(app_api, caliper_line_item())) == [
        1,
        2,
    ]


def exercises(prefix, *, student="stu-1"):
    """Three new activities (two lessons) as one app sends them: each its own line item."""
    events = []
    for n, lesson in enumerate(("lesson-1", "lesson-2", "lesson-1")):
        event = activity(
            student,
            lesson,
            at=START + timedelta(minutes=n),
            xpEarned=5 + n,
            totalQuestions=10,
            correctQuestions=6 + n,
        )
        exercise = f"https://app.example/{prefix}/exercise-{n}"
        event["object"].update(id=exercise, activity={"id": exercise, "name": f"Exercise {n}"})
        event["object"]["process"] = True
        events.append(event)
    return events


def line_items_and_results(prefix):
    """{exercise: (its line item's fields, its results' fields)} of the prefix's exercises."""
    found = {}
    for n in range(3):
        key = caliper_line_item(f"https://app.example/{prefix}/exercise-{n}")
        item = AssessmentLineItem.objects.get(sourced_id=key)
        results = sorted(
            (r.student.sourced_id, r.score, r.score_status, r.metadata["attempt"], r.lesson_id)
            for r in AssessmentResult.objects.filter(line_item=item)
        )
        found[n] = (
            (item.title, item.course.sourced_id, item.lesson.sourced_id, item.partner_app_id),
            results,
        )
    return found


def test_new_activities_of_one_batch_get_the_line_items_and_results_sent_one_by_one_get(
    catalogue, send
):
    send(*exercises("batch"))
    for event in exercises("alone"):
        send(event)

    batch, alone = line_items_and_results("batch"), line_items_and_results("alone")
    assert batch == alone
    assert [fields[0] for fields, _ in batch.values()] == ["Exercise 0", "Exercise 1", "Exercise 2"]
    assert [len(results) for _, results in batch.values()] == [1, 1, 1]


def test_a_line_item_that_exists_already_is_reused_as_it_is_by_a_batch(catalogue, send, world):
    key = caliper_line_item("https://app.example/batch/exercise-1")
    AssessmentLineItem.objects.create(
        sourced_id=key, title="Named by the app", course=catalogue, partner_app=world.math.app
    )

    send(*exercises("batch"), *exercises("batch", student="stu-2"))

    item = AssessmentLineItem.objects.get(sourced_id=key)
    assert item.title == "Named by the app"
    assert sorted(
        AssessmentResult.objects.filter(line_item=item).values_list(
            "student__sourced_id", flat=True
        )
    ) == ["stu-1", "stu-2"]
    assert AssessmentLineItem.objects.filter(sourced_id__startswith="caliper_").count() == 3
