"""The CASE 1.1 API at /ims/case/v1p1/ (docs/api.md#case-11-competency-frameworks): the
standard's JSON with what Timeback's client requires (sourcedId on every object and
LinkURI, CFPackageURI, CFItemType), paging and filters, imsx_StatusInfo errors, and who may
upload packages."""

import copy

import pytest

from core import scopes
from standards.models import CFDocument, CFItem
from standards.services import import_package

from .conftest import DEMO_DOCUMENT, ITEM_TYPE, load

pytestmark = pytest.mark.django_db
BASE = "/ims/case/v1p1"


@pytest.fixture
def imported(demo_math):
    import_package(copy.deepcopy(demo_math))
    return demo_math


def assert_link(value, identifier=None):
    assert set(value) >= {"title", "identifier", "sourcedId", "uri"}
    assert value["sourcedId"] == value["identifier"]
    if identifier:
        assert value["identifier"] == identifier


def test_documents_list_answers_each_framework_with_its_package_link(partner_api, imported):
    response = partner_api.get(f"{BASE}/CFDocuments")

    assert response.status_code == 200
    assert response["X-Total-Count"] == "1"
    (document,) = response.json()["CFDocuments"]
    assert document["sourcedId"] == document["identifier"] == DEMO_DOCUMENT
    assert document["title"] == "Synthetic Demo Math Framework"
    assert document["subject"] == ["Mathematics"]
    assert document["lastChangeDateTime"] == "2026-01-01T00:00:00+00:00"
    assert_link(document["licenseURI"])
    assert_link(document["CFPackageURI"], DEMO_DOCUMENT)
    assert document["CFPackageURI"]["uri"] == f"http://testserver{BASE}/CFPackages/{DEMO_DOCUMENT}"


def test_a_document_is_read_by_its_identifier_and_an_unknown_one_is_an_ims_404(
    partner_api, imported
):
    found = partner_api.get(f"{BASE}/CFDocuments/{DEMO_DOCUMENT}")
    missing = partner_api.get(f"{BASE}/CFDocuments/nope")

    assert found.json()["CFDocument"]["identifier"] == DEMO_DOCUMENT
    assert missing.status_code == 404
    body = missing.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert "nope" in body["imsx_description"]
    minor = body["imsx_codeMinor"]["imsx_codeMinorField"][0]
    assert minor["imsx_codeMinorFieldValue"] == "unknownobject"


def test_an_item_carries_its_type_document_link_and_codes(partner_api, imported, demo_codes):
    identifier = demo_codes["DEMO.3.MUL.1"]

    item = partner_api.get(f"{BASE}/CFItems/{identifier}").json()["CFItem"]

    assert item["sourcedId"] == identifier
    assert item["humanCodingScheme"] == "DEMO.3.MUL.1"
    assert item["CFItemType"] == "Standard"
    assert item["educationLevel"] == ["03"]
    assert_link(item["CFItemTypeURI"])
    assert_link(item["CFDocumentURI"], DEMO_DOCUMENT)


def test_an_item_without_a_type_still_answers_cfitemtype(partner_api):
    package = load(ITEM_TYPE)
    del package["CFItems"][0]["CFItemType"]
    del package["CFItems"][0]["CFItemTypeURI"]
    import_package(package)

    item = partner_api.get(f"{BASE}/CFItems/00000000-0000-0000-0000-000000000001").json()["CFItem"]

    assert item["CFItemType"] == ""
    assert "CFItemTypeURI" not in item


def test_items_page_sort_and_filter_like_oneroster(partner_api, imported):
    first = partner_api.get(f"{BASE}/CFItems", {"limit": 3, "sort": "humanCodingScheme"})
    codes = [i["humanCodingScheme"] for i in first.json()["CFItems"]]
    standards = partner_api.get(
        f"{BASE}/CFItems", {"filter": "CFItemType='Standard' AND humanCodingScheme~'FRA'"}
    )
    by_document = partner_api.get(
        f"{BASE}/CFItems", {"filter": f"CFDocumentURI.sourcedId='{DEMO_DOCUMENT}'"}
    )

    assert first["X-Total-Count"] == "9"
    assert 'rel="next"' in first["Link"]
    assert codes == ["DEMO.3", "DEMO.3.FRA", "DEMO.3.FRA.1"]
    assert sorted(i["humanCodingScheme"] for i in standards.json()["CFItems"]) == [
        "DEMO.3.FRA.1",
        "DEMO.3.FRA.2",
        "DEMO.4.FRA.1",
    ]
    assert by_document["X-Total-Count"] == "9"


def test_a_bad_filter_or_sort_answers_400_with_the_code_minor(partner_api, imported):
    bad_field = partner_api.get(f"{BASE}/CFItems", {"filter": "colour='red'"})
    bad_sort = partner_api.get(f"{BASE}/CFDocuments", {"sort": "subject"})

    assert bad_field.status_code == 400
    assert (
        bad_field.json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "invalid_filter_field"
    )
    assert bad_sort.status_code == 400
    assert "Cannot sort by 'subject'" in bad_sort.json()["imsx_description"]


def test_an_association_names_both_ends_with_sourced_ids_even_the_document(partner_api, imported):
    top = imported["CFAssociations"][0]
    precedes = next(a for a in imported["CFAssociations"] if a["associationType"] == "precedes")

    first = partner_api.get(f"{BASE}/CFAssociations/{top['identifier']}").json()["CFAssociation"]
    second = partner_api.get(f"{BASE}/CFAssociations/{precedes['identifier']}").json()[
        "CFAssociation"
    ]

    assert first["associationType"] == "isChildOf"
    assert first["sequenceNumber"] == 1
    assert_link(first["destinationNodeURI"], DEMO_DOCUMENT)
    assert first["destinationNodeURI"]["title"] == "Synthetic Demo Math Framework"
    assert_link(second["originNodeURI"], precedes["originNodeURI"]["identifier"])
    assert_link(second["destinationNodeURI"], precedes["destinationNodeURI"]["identifier"])
    assert_link(second["CFDocumentURI"], DEMO_DOCUMENT)


def test_a_package_reads_back_whole_with_its_definitions(partner_api, imported):
    package = partner_api.get(f"{BASE}/CFPackages/{DEMO_DOCUMENT}").json()

    assert package["sourcedId"] == DEMO_DOCUMENT
    assert package["CFDocument"]["identifier"] == DEMO_DOCUMENT
    assert [i["identifier"] for i in package["CFItems"]] == [
        i["identifier"] for i in imported["CFItems"]
    ]
    assert len(package["CFAssociations"]) == 14
    assert package["CFDefinitions"]["CFItemTypes"] == imported["CFDefinitions"]["CFItemTypes"]
    assert package["CFDefinitions"]["CFLicenses"] == imported["CFDefinitions"]["CFLicenses"]


def test_package_groups_answer_the_is_child_of_tree_grouped_by_item_type(partner_api, imported):
    body = partner_api.get(f"{BASE}/CFPackages/{DEMO_DOCUMENT}/groups").json()

    content = body["structuredContent"]
    assert [i["humanCodingScheme"] for i in content["Grade"]] == ["DEMO.3"]
    assert [i["humanCodingScheme"] for i in content["Standard"]] == ["DEMO.4.FRA.1"]
    grade = content["Grade"][0]
    domains = grade["childGroups"]["Domain"]
    assert [d["humanCodingScheme"] for d in domains] == ["DEMO.3.MUL", "DEMO.3.FRA"]
    assert [s["humanCodingScheme"] for s in domains[0]["childGroups"]["Standard"]] == [
        "DEMO.3.MUL.1",
        "DEMO.3.MUL.2",
        "DEMO.3.MUL.3",
    ]
    assert domains[0]["childGroups"]["Standard"][0]["childGroups"] == {}


def test_the_roster_source_posts_then_puts_a_package(roster_api, demo_math):
    created = roster_api.post_json(f"{BASE}/CFPackages", demo_math)
    again = roster_api.post_json(f"{BASE}/CFPackages", demo_math)
    demo_math["CFItems"][0]["fullStatement"] = "Grade 3 (revised)"
    replaced = roster_api.put_json(f"{BASE}/CFPackages/{DEMO_DOCUMENT}", demo_math)

    assert created.status_code == 201
    assert created.json()["result"] == {
        "documentId": DEMO_DOCUMENT,
        "stats": {"documents": 1, "items": 9, "associations": 14},
        "success": True,
    }
    assert again.status_code == 409
    assert replaced.status_code == 200
    assert (
        CFItem.objects.get(identifier=demo_math["CFItems"][0]["identifier"]).full_statement
        == "Grade 3 (revised)"
    )


def test_put_of_an_unknown_package_is_404_so_clients_upsert_with_post(roster_api, demo_math):
    response = roster_api.put_json(f"{BASE}/CFPackages/{DEMO_DOCUMENT}", demo_math)

    assert response.status_code == 404
    assert not CFDocument.objects.exists()


def test_put_naming_another_document_than_the_url_is_refused(roster_api, imported, demo_math):
    response = roster_api.put_json(f"{BASE}/CFPackages/something-else", demo_math)

    assert response.status_code == 400
    assert "something-else" in response.json()["imsx_description"]


def test_a_broken_package_is_a_400_listing_its_problems_and_nothing_is_written(
    roster_api, demo_math
):
    del demo_math["CFItems"][0]["identifier"]
    del demo_math["CFAssociations"][2]["identifier"]

    response = roster_api.post_json(f"{BASE}/CFPackages", demo_math)

    assert response.status_code == 400
    description = response.json()["imsx_description"]
    assert "CFItems[0] has no identifier" in description
    assert "CFAssociations[2] has no identifier" in description
    assert not CFDocument.objects.exists()


def test_a_learning_app_reads_but_may_not_upload_packages(partner_api, demo_math):
    response = partner_api.post_json(f"{BASE}/CFPackages", demo_math)

    assert response.status_code == 403
    assert "roster source" in response.json()["imsx_description"]
    assert not CFDocument.objects.exists()


def test_a_token_without_the_case_scope_is_refused_and_no_token_is_401(
    make_partner, client, imported
):
    without = [s for s in scopes.learning_app_scopes() if "/case/" not in s]
    partner = make_partner("No CASE", scopes=without)

    refused = partner.get(f"{BASE}/CFDocuments")
    anonymous = client.get(f"{BASE}/CFDocuments")

    assert refused.status_code == 403
    assert scopes.CASE_READONLY in refused.json()["imsx_description"]
    assert anonymous.status_code == 401


def test_the_case_1_0_scope_spelling_reads_too(make_partner, imported):
    partner = make_partner(
        "CASE 1.0 reader", scopes=["https://purl.imsglobal.org/spec/case/v1p0/scope/core.readonly"]
    )

    assert partner.get(f"{BASE}/CFDocuments").status_code == 200


def test_the_learnwith_ai_path_profile_serves_the_same(partner_api, imported):
    response = partner_api.get(f"/case/1.1/CFDocuments/{DEMO_DOCUMENT}")

    assert response.status_code == 200
    assert response.json()["CFDocument"]["CFPackageURI"]["uri"].startswith(
        "http://testserver/case/1.1/CFPackages/"
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda p: p.update(CFItems={"not": "a list"}), "CFItems is not a list"),
        (lambda p: p["CFItems"].append("text"), "CFItems[9] is not an object"),
        (lambda p: p["CFItems"][0].update(identifier="x" * 300), "identifier longer than 255"),
        (lambda p: p["CFItems"][0].update(uri="https://x/" + "y" * 3000), "uri longer than 2048"),
        (
            lambda p: p["CFAssociations"][0].update(originNodeURI="DEMO.3"),
            "originNodeURI.identifier",
        ),
        (
            lambda p: p["CFDefinitions"].update(CFSubjects=[{"title": "Math"}]),
            "CFSubjects[0] (CFSubject) has no identifier",
        ),
        (lambda p: p.pop("CFDocument"), "CFDocument is missing"),
    ],
)
def test_hostile_packages_answer_400_naming_the_problem_and_write_nothing(
    roster_api, demo_math, change, named
):
    change(demo_math)

    response = roster_api.post_json(f"{BASE}/CFPackages", demo_math)

    assert response.status_code == 400
    assert named in response.json()["imsx_description"]
    assert not CFDocument.objects.exists()


def test_a_package_with_a_nul_character_is_refused_by_the_import(demo_math):
    from standards.services import PackageRejected

    demo_math["CFItems"][0]["notes"] = "a\x00b"

    with pytest.raises(PackageRejected) as raised:
        import_package(demo_math)
    assert "NUL" in raised.value.problems[0]


def test_a_body_that_is_not_an_object_is_a_400(roster_api):
    response = roster_api.post_json(f"{BASE}/CFPackages", [1, 2])

    assert response.status_code == 400
    assert "CFDocument is missing" in response.json()["imsx_description"]
