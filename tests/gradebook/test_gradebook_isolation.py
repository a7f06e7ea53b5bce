"""Two learning apps share a school: each sees only the gradebook of its own courses and
their enrolled students (404 otherwise), and writes only its own (403 with the reason)."""

import pytest

from core import scopes

from .conftest import PARTNER, V1P2

SINGLES = [
    "categories/cat-1",
    "scoreScales/scale-1",
    "lineItems/li-1",
    "results/res-1",
    "assessmentLineItems/ali-1",
    "assessmentResults/ar-1",
]
NESTED = [
    "classes/class-1/lineItems",
    "classes/class-1/results",
    "classes/class-1/categories",
    "classes/class-1/scoreScales",
    "classes/class-1/lineItems/li-1/results",
    "classes/class-1/students/stu-1/results",
    "lineItems/li-1/results",
    "students/stu-1/assessmentResults",
]
COLLECTIONS = [
    "categories",
    "scoreScales",
    "lineItems",
    "results",
    "assessmentLineItems",
    "assessmentResults",
]


@pytest.mark.parametrize("mount", [V1P2, PARTNER])
@pytest.mark.parametrize("path", SINGLES)
def test_another_apps_object_answers_404(gradebook, b, path, mount):
    assert gradebook.api.get(f"{mount}/{path}").status_code == 200

    assert b.api.get(f"{mount}/{path}").status_code == 404


@pytest.mark.parametrize("path", NESTED)
def test_a_nested_read_under_another_apps_object_answers_404(gradebook, b, path):
    assert gradebook.api.get(f"{V1P2}/{path}").status_code == 200

    assert b.api.get(f"{V1P2}/{path}").status_code == 404


@pytest.mark.parametrize("path", COLLECTIONS)
def test_collections_list_only_the_apps_own_objects(gradebook, b, path):
    assert gradebook.api.get(f"{V1P2}/{path}").json()["totalCount"] == 1

    assert b.api.get(f"{V1P2}/{path}").json()["totalCount"] == 0


def test_results_of_a_student_no_longer_enrolled_are_not_seen(gradebook):
    gradebook.student.enrollments.all().delete()

    assert gradebook.api.get(f"{V1P2}/results/res-1").status_code == 404
    assert gradebook.api.get(f"{V1P2}/assessmentResults/ar-1").status_code == 404


def test_a_roster_source_sees_every_apps_gradebook(gradebook, roster_api):
    assert roster_api.get(f"{V1P2}/results/res-1").status_code == 200
    assert roster_api.get(f"{V1P2}/assessmentResults").json()["totalCount"] == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("lineItems/li-1", {"title": "Mine now"}),
        ("lineItems/li-b", {"title": "In A's class", "class": "class-1", "category": "cat-b"}),
        ("results/res-1", {"score": 1}),
        ("scoreScales/scale-1", {"title": "Mine"}),
        ("categories/cat-1", {"title": "Mine"}),
        ("assessmentLineItems/ali-1", {"title": "Mine"}),
        ("assessmentLineItems/ali-b", {"title": "On A's lesson", "component": "lesson-1"}),
        ("assessmentResults/ar-1", {"score": 1}),
    ],
)
def test_writing_another_apps_gradebook_answers_403_with_the_reason(gradebook, b, path, body):
    b.api.put_json(f"{V1P2}/categories/cat-b", {"title": "B's"})

    response = b.api.put_json(f"{V1P2}/{path}", body)

    assert response.status_code == 403, response.json()
    assert "another app" in response.json()["imsx_description"]


def test_a_result_for_a_student_the_app_may_not_see_names_the_student_unknown(gradebook, b):
    b.api.put_json(f"{V1P2}/categories/cat-b", {"title": "B's"})
    b.api.put_json(
        f"{V1P2}/lineItems/li-b", {"title": "B quiz", "class": "class-2", "category": "cat-b"}
    )

    response = b.api.put_json(f"{V1P2}/results/res-b", {"lineItem": "li-b", "student": "stu-1"})

    assert response.status_code == 400
    assert "student" in response.json()["imsx_description"]


def test_deleting_another_apps_result_answers_404_and_keeps_it(gradebook, b):
    assert b.api.delete(f"{V1P2}/assessmentResults/ar-1").status_code == 404

    assert (
        gradebook.api.get(f"{V1P2}/assessmentResults/ar-1").json()["assessmentResult"]["status"]
        == "active"
    )


# --- scopes say what kind of call; the official files say which scope guards which ---


def test_a_gradebook_reader_cannot_write(make_partner, gradebook):
    reader = make_partner("Reader", scopes=[scopes.oneroster("gradebook.readonly")])

    assert reader.get(f"{V1P2}/lineItems").status_code == 200
    assert reader.put_json(f"{V1P2}/categories/c", {"title": "x"}).status_code == 403


def test_assessments_need_the_assessment_scope(make_partner, gradebook):
    reader = make_partner("Reader", scopes=[scopes.oneroster("gradebook.readonly")])

    assert reader.get(f"{V1P2}/assessmentResults").status_code == 403


def test_the_v1p1_and_core_read_scopes_read_the_gradebook(make_partner, gradebook):
    for name in (
        "https://purl.imsglobal.org/spec/or/v1p1/scope/gradebook.readonly",
        scopes.oneroster("gradebook-core.readonly"),
    ):
        reader = make_partner(f"Reader {name}", scopes=[name])
        assert reader.get(f"{V1P2}/categories").status_code == 200


def test_a_learning_app_is_granted_gradebook_and_assessment_writes_and_deletes():
    granted = set(scopes.learning_app_scopes())

    for name in (
        "gradebook.createput",
        "gradebook.delete",
        "assessment.createput",
        "assessment.delete",
    ):
        assert scopes.oneroster(name) in granted
