"""Deleted objects leave the lists (docs/api.md#collections): collections, nested ones
included, leave out `tobedeleted` objects unless the request filters on `status` or
`dateLastModified`; single reads still answer them. Google's OneRoster conformance suite
deletes a result and a line item and expects them gone from the class's lists."""

from .conftest import PARTNER, V1P2, ok


def ids(body, key):
    return [o["sourcedId"] for o in body[key]]


def delete_result_and_line_item(api):
    assert api.delete(f"{V1P2}/results/res-1").status_code == 204
    assert api.delete(f"{V1P2}/lineItems/li-1").status_code == 204


def test_a_deleted_line_item_leaves_the_collection_and_the_classs_line_items(gradebook):
    delete_result_and_line_item(gradebook.api)

    assert ids(ok(gradebook.api.get(f"{V1P2}/lineItems"), 200), "lineItems") == []
    nested = ok(gradebook.api.get(f"{V1P2}/classes/class-1/lineItems"), 200)
    assert ids(nested, "lineItems") == []
    assert nested["totalCount"] == 0


def test_a_deleted_result_leaves_the_line_items_and_the_classs_results(gradebook):
    assert gradebook.api.delete(f"{V1P2}/results/res-1").status_code == 204

    for path in (
        f"{V1P2}/results",
        f"{V1P2}/lineItems/li-1/results",
        f"{V1P2}/classes/class-1/results",
        f"{V1P2}/classes/class-1/students/stu-1/results",
        f"{PARTNER}/results",
    ):
        assert ids(ok(gradebook.api.get(path), 200), "results") == [], path


def test_a_deleted_object_is_still_answered_by_its_single_read(gradebook):
    delete_result_and_line_item(gradebook.api)

    line_item = ok(gradebook.api.get(f"{V1P2}/lineItems/li-1"), 200)["lineItem"]
    result = ok(gradebook.api.get(f"{V1P2}/results/res-1"), 200)["result"]

    assert (line_item["status"], result["status"]) == ("tobedeleted", "tobedeleted")


def test_a_filter_on_status_lists_deleted_objects(gradebook):
    delete_result_and_line_item(gradebook.api)

    deleted = ok(gradebook.api.get(f"{V1P2}/lineItems", {"filter": "status='tobedeleted'"}), 200)
    nested = ok(
        gradebook.api.get(f"{V1P2}/classes/class-1/lineItems", {"filter": "status='tobedeleted'"}),
        200,
    )

    assert ids(deleted, "lineItems") == ids(nested, "lineItems") == ["li-1"]


def test_a_delta_sync_on_date_last_modified_sees_deletions(gradebook):
    delete_result_and_line_item(gradebook.api)

    delta = ok(
        gradebook.api.get(f"{V1P2}/results", {"filter": "dateLastModified>'2000-01-01T00:00:00Z'"}),
        200,
    )

    assert [(r["sourcedId"], r["status"]) for r in delta["results"]] == [("res-1", "tobedeleted")]


def test_a_filter_on_another_field_still_leaves_deleted_objects_out(gradebook):
    delete_result_and_line_item(gradebook.api)

    found = ok(gradebook.api.get(f"{V1P2}/lineItems", {"filter": "title='Quiz 1'"}), 200)

    assert ids(found, "lineItems") == []


def test_objects_not_deleted_stay_in_the_lists(gradebook):
    assert gradebook.api.delete(f"{V1P2}/results/res-1").status_code == 204

    assert ids(ok(gradebook.api.get(f"{V1P2}/lineItems"), 200), "lineItems") == ["li-1"]
