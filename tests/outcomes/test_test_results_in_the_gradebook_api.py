"""Imported test results read back through the gradebook API for the school's roster source,
which may also write them; partner apps never see them there (docs/access.md: they see only
the outcomes aggregates), nor write into their sourcedId space (gradebook/access.py)."""

import pytest

from gradebook.models import AssessmentResult
from outcomes.imports import import_test_results

from .conftest import SAMPLE

V1P2 = "/ims/oneroster/gradebook/v1p2"


@pytest.fixture
def imported(map_students, world):
    # SYN0001 takes a Math App class, so the Math App sees the student.
    from tests.factories import EnrollmentFactory

    EnrollmentFactory(user=map_students["SYN0001"], klass=world.math.klass, role="student")
    import_test_results(SAMPLE, format="map-growth")
    return AssessmentResult.objects.get(
        student=map_students["SYN0001"], metadata__standardizedTest__testDate="2026-05-12"
    )


def test_the_roster_source_reads_an_imported_result_back(roster_api, imported):
    body = roster_api.get(f"{V1P2}/assessmentResults/{imported.sourced_id}").json()

    result = body["assessmentResult"]
    assert result["score"] == 215
    assert result["assessmentLineItem"]["sourcedId"] == imported.line_item.sourced_id
    assert result["metadata"]["standardizedTest"]["growth"]["FallToSpring"]["cgi"] == -0.29
    listed = roster_api.get(f"{V1P2}/assessmentResults?limit=100").json()
    assert listed["totalCount"] == 16
    item = roster_api.get(f"{V1P2}/assessmentLineItems/{imported.line_item.sourced_id}").json()
    assert item["assessmentLineItem"]["title"] == "MAP Growth Mathematics, Spring 2025-2026"


@pytest.mark.parametrize("path", ["assessmentResults/{result}", "assessmentLineItems/{item}"])
def test_a_partner_app_does_not_see_an_imported_result_even_by_its_id(world, imported, path):
    url = f"{V1P2}/" + path.format(result=imported.sourced_id, item=imported.line_item.sourced_id)

    assert world.math.api.get(url).status_code == 404


def test_a_partner_apps_lists_leave_imported_results_out(world, imported):
    student = imported.student.sourced_id
    for path in (
        "assessmentResults",
        "assessmentLineItems",
        f"students/{student}/assessmentResults",
    ):
        response = world.math.api.get(f"{V1P2}/{path}")
        ids = [
            r["sourcedId"]
            for r in next(v for k, v in response.json().items() if isinstance(v, list))
        ]
        assert not [i for i in ids if i.startswith("stdtest_")], path


def test_a_partner_app_may_not_write_into_the_standardized_test_space(world, imported):
    math = world.math.api

    planted = math.put_json(
        f"{V1P2}/assessmentLineItems/stdtest_planted", {"title": "MAP Growth Mathematics, Fall"}
    )
    onto = math.put_json(
        f"{V1P2}/assessmentResults/my-result",
        {
            "assessmentLineItem": imported.line_item.sourced_id,
            "student": imported.student.sourced_id,
            "score": 300,
        },
    )

    assert (planted.status_code, onto.status_code) == (403, 403)
    assert "only its roster source writes them" in planted.json()["imsx_description"]
    assert not AssessmentResult.objects.filter(sourced_id="my-result").exists()


def test_the_roster_source_may_correct_a_result_through_the_api_and_it_is_announced(
    roster_api, imported
):
    from gradebook.signals import test_results_imported

    calls = []
    test_results_imported.connect(
        lambda sender, signal, **kw: calls.append(kw), weak=False, dispatch_uid="t"
    )
    try:
        response = roster_api.put_json(
            f"{V1P2}/assessmentResults/{imported.sourced_id}", {"score": 217}
        )
    finally:
        test_results_imported.disconnect(dispatch_uid="t")

    assert response.status_code == 200
    imported.refresh_from_db()
    assert imported.score == 217
    assert calls == [
        {
            "student_ids": {imported.student_id},
            "subjects": {"Mathematics"},
            "line_item_ids": {imported.line_item.sourced_id},
        }
    ]


def test_the_rule_holds_even_for_a_standardized_line_item_stamped_with_the_app(world, imported):
    # The importer leaves course and app empty; the rule must not rest on that alone.
    item = imported.line_item
    item.partner_app = world.math.app
    item.save(update_fields=["partner_app"])

    assert world.math.api.get(f"{V1P2}/assessmentLineItems/{item.sourced_id}").status_code == 404
    assert world.math.api.get(f"{V1P2}/assessmentResults/{imported.sourced_id}").status_code == 404
