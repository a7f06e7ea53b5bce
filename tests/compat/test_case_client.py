"""Timeback's official CASE client (`timeback-case` 0.4.0) works against this server
unchanged (docs/api.md#case-11-competency-frameworks), on both path profiles
(/ims/case/v1p1 for BEYOND_AI, /case/1.1 for LEARNWITH_AI): it uploads a CFPackage with its
upsert, replaces it, and reads every object back through its own pydantic models, which
require more than the standard (sourcedId on every LinkURI, CFPackageURI, CFItemType).
"""

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from .conftest import HERE, Seen

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = HERE.parent / "fixtures" / "case-v1p1" / "synthetic" / "demo-math-cfpackage-v1p1.json"
_seen_by_profile: dict[str, Seen] = {}


def run_case_scenario(compat_python, base_url, client_id, secret, profile) -> Seen:
    config = {
        "base_url": base_url,
        "client_id": client_id,
        "client_secret": secret,
        "profile": profile,
        "prefix": f"{profile.lower()}-{uuid.uuid4().hex[:8]}",
        "package": str(Path(PACKAGE)),
    }
    done = subprocess.run(
        [compat_python, str(HERE / "case_scenario.py"), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    seen = json.loads(done.stdout)
    assert "error" not in seen, f"{seen['error']}\n{seen.get('traceback', '')}"
    return Seen({**seen, "config": config})


@pytest.fixture(params=["BEYOND_AI", "LEARNWITH_AI"])
def case_seen(request, compat_python, live_server, school_app) -> Seen:
    """What the CASE client saw on one path profile (run once per profile, ~3 s)."""
    profile = request.param
    if profile not in _seen_by_profile:
        _, client_id, secret = school_app
        _seen_by_profile[profile] = run_case_scenario(
            compat_python, live_server.url, client_id, secret, profile
        )
    return _seen_by_profile[profile]


def test_the_client_upsert_creates_then_replaces_a_package(case_seen):
    seen = case_seen.step("upload")
    document = seen["package_sent"]["CFDocument"]["identifier"]
    for answer in (seen["created"], seen["replaced"]):
        assert answer["success"] is True
        assert answer["result"]["documentId"] == document
        assert answer["result"]["stats"] == {"documents": 1, "items": 9, "associations": 14}
    assert "created" in seen["created"]["message"]
    assert "replaced" in seen["replaced"]["message"]


def test_documents_read_back_through_the_clients_models(case_seen):
    seen = case_seen.step("reads")
    sent = seen["package_sent"]["CFDocument"]
    assert sent["identifier"] in [d["sourcedId"] for d in seen["documents"]]
    document = seen["document"]
    assert document["sourcedId"] == sent["identifier"]
    assert document["title"] == "Synthetic Demo Math Framework"
    assert document["CFPackageURI"]["sourcedId"] == sent["identifier"]
    assert document["CFPackageURI"]["uri"].endswith(f"/CFPackages/{sent['identifier']}")


def test_items_page_and_read_back_with_their_type(case_seen):
    seen = case_seen.step("reads")
    assert [i["humanCodingScheme"] for i in seen["items_page"]] == [
        "DEMO.3",
        "DEMO.3.FRA",
        "DEMO.3.FRA.1",
        "DEMO.3.FRA.2",
    ]
    item = seen["item"]
    assert item["sourcedId"] == seen["package_sent"]["CFItems"][2]["identifier"]
    assert item["CFItemType"] == "Standard"
    assert item["CFDocumentURI"]["sourcedId"] == seen["package_sent"]["CFDocument"]["identifier"]


def test_an_association_reads_back_with_both_ends(case_seen):
    seen = case_seen.step("reads")
    sent = next(
        a for a in seen["package_sent"]["CFAssociations"] if a["associationType"] == "precedes"
    )
    association = seen["association"]
    assert association["associationType"] == "precedes"
    assert association["originNodeURI"]["sourcedId"] == sent["originNodeURI"]["identifier"]
    assert (
        association["destinationNodeURI"]["sourcedId"] == sent["destinationNodeURI"]["identifier"]
    )


def test_the_replaced_package_and_its_groups_read_back(case_seen):
    seen = case_seen.step("reads")
    package = seen["package"]
    assert len(package["CFItems"]) == 9
    assert len(package["CFAssociations"]) == 14
    assert package["CFItems"][0]["fullStatement"] == "Grade 3 Mathematics (revised)"
    grades = seen["groups"]["structuredContent"]["Grade"]
    assert [g["humanCodingScheme"] for g in grades] == ["DEMO.3"]
    assert [d["humanCodingScheme"] for d in grades[0]["childGroups"]["Domain"]] == [
        "DEMO.3.MUL",
        "DEMO.3.FRA",
    ]


def test_an_unknown_document_is_the_clients_not_found(case_seen):
    unknown = case_seen.step("reads")["unknown_document"]
    assert unknown["status"] == 404
    assert "No CFDocument" in unknown["message"]
