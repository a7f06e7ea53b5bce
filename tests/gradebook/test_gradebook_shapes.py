"""Every gradebook read answers what 1EdTech's official OneRoster 1.2 gradebook schemas
describe (used as published), under both mounts."""

import pytest

from tests.rostering.test_oneroster_shapes import (
    CONFORMANCE,
    PAGING_FIELDS,
    assert_valid,
    code_minor,
    official_validators,
)

from .conftest import PARTNER, V1P2

GRADEBOOK_FILE = CONFORMANCE / "oneroster-v1p2/onerosterv1p2gradebookservice_openapi3_v1p0.json"
GRADEBOOK_DOCUMENT, gradebook_schema = official_validators(
    GRADEBOOK_FILE, "urn:oneroster-v1p2:gradebook"
)

COLLECTIONS = {
    "categories": "CategoriesSetDType",
    "scoreScales": "ScoreScaleSetDType",
    "lineItems": "LineItemSetDType",
    "results": "ResultSetDType",
    "assessmentLineItems": "AssessmentLineItemSetDType",
    "assessmentResults": "AssessmentResultSetDType",
    "classes/class-1/categories": "CategoriesSetDType",
    "classes/class-1/scoreScales": "ScoreScaleSetDType",
    "classes/class-1/lineItems": "LineItemSetDType",
    "classes/class-1/lineItems/li-1/results": "ResultSetDType",
    "classes/class-1/results": "ResultSetDType",
    "classes/class-1/students/stu-1/results": "ResultSetDType",
    "classes/class-1/academicSessions/term-1/lineItems": "LineItemSetDType",
    "lineItems/li-1/results": "ResultSetDType",
    "schools/school/lineItems": "LineItemSetDType",
    "schools/school/scoreScales": "ScoreScaleSetDType",
    "students/stu-1/assessmentResults": "AssessmentResultSetDType",
}
SINGLES = {
    "categories/cat-1": "SingleCategoryDType",
    "scoreScales/scale-1": "SingleScoreScaleDType",
    "lineItems/li-1": "SingleLineItemDType",
    "results/res-1": "SingleResultDType",
    "assessmentLineItems/ali-1": "SingleAssessmentLineItemDType",
    "assessmentResults/ar-1": "SingleAssessmentResultDType",
}


@pytest.fixture
def with_term(gradebook):
    """Line item li-1 belongs to term-1, the world's Fall term (for the academicSessions
    nested read)."""
    response = gradebook.api.put_json(f"{V1P2}/lineItems/li-1", {"academicSession": "term-1"})
    assert response.status_code == 200, response.json()
    return gradebook


def test_every_read_of_the_official_binding_is_read_by_a_shape_test():
    import re

    official = [p.lstrip("/") for p, ops in GRADEBOOK_DOCUMENT["paths"].items() if "get" in ops]
    reads = [*COLLECTIONS, *SINGLES]
    unread = [
        p
        for p in official
        if not any(re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), read) for read in reads)
    ]
    assert not unread


@pytest.mark.parametrize("mount", [V1P2, PARTNER])
@pytest.mark.parametrize("path", list(COLLECTIONS))
def test_collection_answers_the_official_set_schema(with_term, path, mount):
    response = with_term.api.get(f"{mount}/{path}")

    assert response.status_code == 200, response.json()
    body = response.json()
    paging = {name: body.pop(name) for name in PAGING_FIELDS}
    (items,) = body.values()
    assert items, "the gradebook fixture should give every collection something to validate"
    assert_valid(gradebook_schema(COLLECTIONS[path]), body)
    assert paging["totalCount"] == len(items) and response["X-Total-Count"] == str(len(items))


@pytest.mark.parametrize("mount", [V1P2, PARTNER])
@pytest.mark.parametrize("path", list(SINGLES))
def test_single_read_answers_the_official_single_schema(gradebook, path, mount):
    response = gradebook.api.get(f"{mount}/{path}")

    assert response.status_code == 200, response.json()
    assert_valid(gradebook_schema(SINGLES[path]), response.json())


def test_an_assessment_result_carries_timebacks_figures_in_metadata(gradebook):
    body = gradebook.api.get(f"{V1P2}/assessmentResults/ar-1").json()["assessmentResult"]

    assert body["metadata"] == {"xp": 5, "masteredUnits": 1, "accuracy": 70}
    assert body["scoreDate"] == "2026-11-02"
    assert body["assessmentLineItem"]["href"].endswith(
        "/ims/oneroster/gradebook/v1p2/assessmentLineItems/ali-1"
    )
    assert body["student"]["href"].endswith("/ims/oneroster/rostering/v1p2/users/stu-1")


def test_an_assessment_line_item_names_its_lesson_and_course_in_metadata(gradebook):
    body = gradebook.api.get(f"{V1P2}/assessmentLineItems/ali-1").json()["assessmentLineItem"]

    assert body["metadata"]["component"] == {"sourcedId": "lesson-1"}
    assert body["metadata"]["course"] == {"sourcedId": "course-1"}


def test_a_soft_deleted_result_still_answers_the_official_schema(gradebook):
    assert gradebook.api.delete(f"{V1P2}/results/res-1").status_code == 204

    response = gradebook.api.get(f"{V1P2}/results/res-1")

    assert response.json()["result"]["status"] == "tobedeleted"
    assert_valid(gradebook_schema("SingleResultDType"), response.json())


def test_an_unknown_sourced_id_answers_404_with_the_official_status_payload(gradebook):
    response = gradebook.api.get(f"{V1P2}/lineItems/nothing")

    assert response.status_code == 404
    assert_valid(gradebook_schema("imsx_StatusInfoDType"), response.json())
    assert code_minor(response.json()) == "unknownobject"


def test_a_set_post_answers_the_official_guid_pair_set(gradebook):
    response = gradebook.api.post_json(
        f"{V1P2}/lineItems/li-1/results",
        {
            "results": [
                {"sourcedId": "res-2", "student": "stu-1", "score": 3},
                {"score": 4, "student": "stu-1"},
            ]
        },
    )

    assert response.status_code == 201, response.json()
    assert_valid(gradebook_schema("GUIDPairSetDType"), response.json())
    pairs = response.json()["sourcedIdPairs"]
    assert pairs[0] == {"suppliedSourcedId": "res-2", "allocatedSourcedId": "res-2"}
    assert len(pairs) == 2


def test_a_nested_read_under_an_unknown_parent_answers_404_unknownobject(gradebook):
    response = gradebook.api.get(f"{V1P2}/classes/no-such-class/lineItems")

    assert response.status_code == 404
    assert code_minor(response.json()) == "unknownobject"
