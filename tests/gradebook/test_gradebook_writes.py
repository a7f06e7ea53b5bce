"""Writes of the gradebook API: POST answers sourcedIdPairs, PUT is an upsert (201, then
200), DELETE is soft; lenient where real clients are; bad input answers 400 naming the
field and changes nothing."""

import pytest

from gradebook.models import LineItem, Result

from .conftest import PARTNER, V1P2, ok

LINE_ITEM = {
    "title": "Quiz 2",
    "assignDate": "2026-11-01T08:00:00Z",
    "dueDate": "2026-11-08T08:00:00Z",
    "class": {"sourcedId": "class-1"},
    "category": {"sourcedId": "cat-1"},
}


def test_post_answers_201_with_the_sourced_id_pair_and_the_object(gradebook):
    body = ok(
        gradebook.api.post_json(
            f"{V1P2}/lineItems", {"lineItem": {**LINE_ITEM, "sourcedId": "li-2"}}
        ),
        201,
    )

    assert body["sourcedIdPairs"] == {"suppliedSourcedId": "li-2", "allocatedSourcedId": "li-2"}
    assert body["lineItem"]["title"] == "Quiz 2"


def test_post_without_a_sourced_id_allocates_one(gradebook):
    body = ok(gradebook.api.post_json(f"{V1P2}/lineItems", {"lineItem": LINE_ITEM}), 201)

    allocated = body["sourcedIdPairs"]["allocatedSourcedId"]
    assert LineItem.objects.filter(sourced_id=allocated).exists()


def test_post_of_an_existing_sourced_id_answers_409(gradebook):
    response = gradebook.api.post_json(
        f"{V1P2}/lineItems", {"lineItem": {**LINE_ITEM, "sourcedId": "li-1"}}
    )

    assert response.status_code == 409


def test_put_creates_with_201_then_updates_with_200(gradebook):
    created = gradebook.api.put_json(f"{V1P2}/categories/cat-2", {"category": {"title": "Tests"}})
    updated = gradebook.api.put_json(f"{V1P2}/categories/cat-2", {"category": {"title": "Exams"}})

    assert (created.status_code, updated.status_code) == (201, 200)
    assert updated.json()["category"]["title"] == "Exams"


def test_an_identical_put_does_not_move_date_last_modified(gradebook):
    before = gradebook.api.get(f"{V1P2}/lineItems/li-1").json()["lineItem"]["dateLastModified"]

    again = ok(gradebook.api.put_json(f"{V1P2}/lineItems/li-1", {"lineItem": {"title": "Quiz 1"}}))

    assert again["lineItem"]["dateLastModified"] == before


def test_delete_is_a_soft_delete(gradebook):
    assert gradebook.api.delete(f"{V1P2}/lineItems/li-1").status_code == 204

    assert LineItem.objects.get(sourced_id="li-1").status == "tobedeleted"


def test_post_to_a_class_line_items_files_it_under_that_class(gradebook):
    body = {k: v for k, v in LINE_ITEM.items() if k != "class"}

    created = ok(
        gradebook.api.post_json(f"{V1P2}/classes/class-1/lineItems", {"lineItem": body}), 201
    )

    assert created["lineItem"]["class"]["sourcedId"] == "class-1"


def test_the_partner_mount_writes_the_same_objects(gradebook):
    ok(gradebook.api.put_json(f"{PARTNER}/lineItems/li-1", {"lineItem": {"title": "Renamed"}}))

    assert gradebook.api.get(f"{V1P2}/lineItems/li-1").json()["lineItem"]["title"] == "Renamed"


# --- leniency ---


def test_references_may_be_bare_sourced_ids(gradebook):
    ok(
        gradebook.api.put_json(
            f"{V1P2}/results/res-2", {"lineItem": "li-1", "student": "stu-1", "score": 5}
        ),
        201,
    )

    assert Result.objects.get(sourced_id="res-2").line_item.sourced_id == "li-1"


def test_a_result_score_date_may_be_a_date_time(gradebook):
    body = ok(
        gradebook.api.put_json(
            f"{V1P2}/results/res-1", {"result": {"scoreDate": "2026-11-03T10:00:15.170059Z"}}
        )
    )

    assert body["result"]["scoreDate"] == "2026-11-03"


def test_a_score_above_the_line_items_maximum_is_kept_with_a_warning_in_metadata(gradebook):
    response = gradebook.api.put_json(f"{V1P2}/results/res-1", {"result": {"score": 12}})

    assert response.status_code == 200, response.json()
    result = response.json()["result"]
    assert result["score"] == 12
    assert "above resultValueMax" in result["metadata"]["scoreWarning"]


def test_the_warning_goes_once_the_score_is_back_in_range(gradebook):
    gradebook.api.put_json(f"{V1P2}/results/res-1", {"result": {"score": 12}})

    result = ok(gradebook.api.put_json(f"{V1P2}/results/res-1", {"result": {"score": 9}}))["result"]

    assert "scoreWarning" not in result["metadata"]


def test_an_assessment_score_above_the_maximum_is_kept_with_a_warning(gradebook):
    response = gradebook.api.put_json(f"{V1P2}/assessmentResults/ar-1", {"score": 130})

    assert response.status_code == 200
    assert "scoreWarning" in response.json()["assessmentResult"]["metadata"]


def test_a_line_item_without_dates_is_assigned_and_due_now(gradebook):
    body = {k: v for k, v in LINE_ITEM.items() if k not in ("assignDate", "dueDate")}

    item = ok(gradebook.api.put_json(f"{V1P2}/lineItems/li-3", body), 201)["lineItem"]

    assert item["assignDate"] == item["dueDate"]


# --- bad input: 400 naming the field, nothing written ---


def description(response) -> str:
    assert response.status_code == 400, response.json()
    return response.json()["imsx_description"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lineItem": "li-1", "student": "stu-1", "score": "lots"}, "score"),
        ({"lineItem": "nothing", "student": "stu-1"}, "lineItem"),
        ({"lineItem": "li-1", "student": "nobody"}, "student"),
        ({"lineItem": "li-1"}, "student"),
        ({"lineItem": "li-1", "student": "stu-1", "scoreStatus": "great"}, "scoreStatus"),
        ({"lineItem": "li-1", "student": "stu-1", "scoreDate": "yesterday"}, "scoreDate"),
        ({"lineItem": "li-1", "student": "stu-1", "score": 1e300}, "score"),
        ({"lineItem": ["li-1"], "student": "stu-1"}, "lineItem"),
    ],
)
def test_a_bad_result_answers_400_naming_the_field(gradebook, body, field):
    response = gradebook.api.put_json(f"{V1P2}/results/res-new", {"result": body})

    assert field in description(response)
    assert not Result.objects.filter(sourced_id="res-new").exists()


@pytest.mark.parametrize(
    ("metadata", "field"),
    [
        ({"xp": "lots"}, "xp"),
        ({"masteredUnits": True}, "masteredUnits"),
        ({"accuracy": 1e12}, "accuracy"),
    ],
)
def test_non_numeric_timeback_figures_answer_400(gradebook, metadata, field):
    response = gradebook.api.put_json(f"{V1P2}/assessmentResults/ar-1", {"metadata": metadata})

    assert field in description(response)


def test_a_result_cannot_move_to_another_student(gradebook, school):
    from rostering.models import Enrollment, User

    other = User.objects.create(username="other", sourced_id="student-a2")
    Enrollment.objects.create(
        sourced_id="enr-a2", user=other, klass=gradebook.klass, school=school, role="student"
    )

    response = gradebook.api.put_json(f"{V1P2}/results/res-1", {"student": "student-a2"})

    assert "student" in description(response)


def test_a_bad_item_of_a_set_answers_400_naming_it_and_writes_none(gradebook):
    response = gradebook.api.post_json(
        f"{V1P2}/lineItems/li-1/results",
        {
            "results": [
                {"sourcedId": "ok-1", "student": "stu-1"},
                {"student": "stu-1", "score": "x"},
            ]
        },
    )

    assert "results[1]" in description(response)
    assert not Result.objects.filter(sourced_id="ok-1").exists()


@pytest.mark.parametrize("body", [[], "text", {"results": "no"}, {"results": []}, {"results": [1]}])
def test_a_malformed_body_answers_400(gradebook, body):
    response = gradebook.api.post_json(f"{V1P2}/lineItems/li-1/results", body)

    assert response.status_code == 400, response.json()


def test_required_fields_of_a_new_line_item_are_named(gradebook):
    response = gradebook.api.put_json(f"{V1P2}/lineItems/li-9", {"lineItem": {"title": "Untitled"}})

    assert "class" in description(response) and "category" in description(response)


def test_event_derived_results_are_not_written_through_the_api(gradebook):
    response = gradebook.api.put_json(
        f"{V1P2}/assessmentResults/caliper:1:abc",
        {"assessmentLineItem": "ali-1", "student": "stu-1"},
    )

    assert response.status_code == 403
    assert "sending an event" in response.json()["imsx_description"]


def test_a_set_of_line_items_posted_to_a_school_is_created(gradebook):
    items = [{**LINE_ITEM, "sourcedId": f"li-s{i}"} for i in range(2)]

    body = ok(
        gradebook.api.post_json(f"{V1P2}/schools/school/lineItems", {"lineItems": items}), 201
    )

    assert [p["allocatedSourcedId"] for p in body["sourcedIdPairs"]] == ["li-s0", "li-s1"]
    assert LineItem.objects.get(sourced_id="li-s1").school.sourced_id == "school"


def test_results_posted_for_a_class_and_session_must_be_of_that_class(gradebook, b):
    path = f"{V1P2}/classes/class-1/academicSessions/term-1/results"

    created = gradebook.api.post_json(path, {"results": [{"lineItem": "li-1", "student": "stu-1"}]})

    assert created.status_code == 201, created.json()
    assert (
        b.api.post_json(path, {"results": [{"lineItem": "li-1", "student": "stu-1"}]}).status_code
        == 404
    )
