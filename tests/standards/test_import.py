"""Importing CASE 1.1 CFPackages (docs/api.md#case-11-competency-frameworks): good packages,
lenient with what real exports carry, strict with what breaks meaning, re-import in place."""

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from standards.models import CFAssociation, CFDefinition, CFDocument, CFItem, DefinitionKind
from standards.services import PackageRejected, import_package, import_package_from

from .conftest import DEMO_DOCUMENT, DEMO_MATH, ITEM_TYPE, SMART_LEVEL, by_code, load

pytestmark = pytest.mark.django_db


def test_the_synthetic_math_framework_is_imported_with_its_items_associations_and_definitions():
    result = import_package(load(DEMO_MATH))

    assert result.created is True
    document = CFDocument.objects.get(identifier=DEMO_DOCUMENT)
    assert document.title == "Synthetic Demo Math Framework"
    assert document.subject == ["Mathematics"]
    assert document.case_version == "1.1"
    assert document.license_uri["title"] == "CC0 1.0"
    assert (result.items, result.associations, result.definitions) == (9, 14, 4)
    item = CFItem.objects.get(human_coding_scheme="DEMO.3.MUL.3")
    assert item.cf_item_type == "Standard"
    assert item.education_level == ["03"]
    assert item.document == document
    assert item.last_change_date_time.isoformat() == "2026-01-01T00:00:00+00:00"
    assert item.source["identifier"] == item.identifier
    kinds = sorted(CFDefinition.objects.values_list("kind", flat=True))
    assert kinds == [DefinitionKind.ITEM_TYPE] * 3 + [DefinitionKind.LICENSE]
    assert result.notes == []


def test_associations_link_their_ends_to_our_items_and_the_top_edges_to_the_document():
    import_package(load(DEMO_MATH))

    precedes = CFAssociation.objects.filter(association_type="precedes")
    assert precedes.count() == 4
    assert all(a.origin_item and a.destination_item for a in precedes)
    top = CFAssociation.objects.get(
        association_type="isChildOf", origin_item__human_coding_scheme="DEMO.3"
    )
    assert top.destination_identifier == DEMO_DOCUMENT
    assert top.destination_item is None
    assert top.sequence_number == 1


def test_an_opensalt_export_with_cfpackageuri_and_cfdocumenturi_is_imported_and_keeps_them():
    package = load(SMART_LEVEL)
    document = package["CFDocument"]
    document["CFPackageURI"] = {
        "title": document["title"],
        "identifier": document["identifier"],
        "uri": document["uri"].replace("CFDocuments", "CFPackages"),
    }
    link = {
        "title": document["title"],
        "identifier": document["identifier"],
        "uri": document["uri"],
    }
    for item in package["CFItems"]:
        item["CFDocumentURI"] = link
    for association in package["CFAssociations"]:
        association["CFDocumentURI"] = link

    result = import_package(package)

    assert result.items == 14
    stored = CFDocument.objects.get(identifier=document["identifier"])
    assert stored.source["CFPackageURI"]["uri"].endswith("/CFPackages/" + document["identifier"])
    assert all(i.source["CFDocumentURI"] == link for i in CFItem.objects.all())
    # The official schema refuses those fields (additionalProperties: false): a note, not a refusal.
    assert any("CFPackageURI" in note for note in result.notes)
    assert any("CFDocumentURI" in note for note in result.notes)


def test_a_case_1_0_item_with_only_an_item_type_link_keeps_the_type_title_as_its_type():
    package = load(ITEM_TYPE)
    del package["CFItems"][0]["CFItemType"]

    import_package(package)

    assert CFItem.objects.get().cf_item_type == "Standard"


def test_associations_to_items_of_other_frameworks_are_kept_as_external_links(
    demo_math, demo_codes
):
    external = "11111111-2222-4333-8444-555555555555"
    demo_math["CFAssociations"].append(
        {
            "identifier": "a1111111-2222-4333-8444-555555555555",
            "uri": "https://case.example.org/ims/case/v1p1/CFAssociations/a1111111-2222-4333-8444-555555555555",
            "associationType": "exactMatchOf",
            "originNodeURI": {
                "title": "DEMO.3.MUL.1",
                "identifier": demo_codes["DEMO.3.MUL.1"],
                "uri": "https://case.example.org/ims/case/v1p1/CFItems/"
                + demo_codes["DEMO.3.MUL.1"],
            },
            "destinationNodeURI": {
                "title": "3.OA.A.1",
                "identifier": external,
                "uri": "https://other.example.net/ims/case/v1p1/CFItems/" + external,
            },
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        }
    )
    # An isChildOf to another framework's item (an adopted framework hanging under it) too.
    demo_math["CFAssociations"].append(
        {
            "identifier": "a2222222-2222-4333-8444-555555555555",
            "uri": "https://case.example.org/ims/case/v1p1/CFAssociations/a2222222-2222-4333-8444-555555555555",
            "associationType": "isChildOf",
            "originNodeURI": {
                "title": "DEMO.3",
                "identifier": demo_codes["DEMO.3"],
                "uri": "https://case.example.org/ims/case/v1p1/CFItems/" + demo_codes["DEMO.3"],
            },
            "destinationNodeURI": {
                "title": "Grade 3",
                "identifier": external,
                "uri": "https://other.example.net/ims/case/v1p1/CFItems/" + external,
            },
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        }
    )

    import_package(demo_math)

    kept = CFAssociation.objects.filter(destination_identifier=external)
    assert kept.count() == 2
    assert all(a.destination_item is None and a.origin_item is not None for a in kept)
    assert {a.destination_uri for a in kept} == {
        "https://other.example.net/ims/case/v1p1/CFItems/" + external
    }


def test_an_external_link_finds_its_item_when_the_other_framework_is_imported_later(demo_math):
    other = copy.deepcopy(demo_math)
    # demo_math points at an item of a second framework, imported afterwards.
    target = "99999999-0000-4000-8000-000000000001"
    demo_math["CFAssociations"].append(
        {
            "identifier": "a9999999-0000-4000-8000-000000000001",
            "uri": "https://other.example.net/x",
            "associationType": "isRelatedTo",
            "originNodeURI": demo_math["CFAssociations"][0]["originNodeURI"],
            "destinationNodeURI": {
                "title": "Other",
                "identifier": target,
                "uri": "https://other.example.net/i",
            },
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        }
    )
    import_package(demo_math)
    other["CFDocument"].update(
        identifier="99999999-0000-4000-8000-00000000000d",
        uri="https://other.example.net/ims/case/v1p1/CFDocuments/d",
    )
    other["CFItems"] = [
        {
            "identifier": target,
            "uri": "https://other.example.net/i",
            "fullStatement": "Other",
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        }
    ]
    other["CFAssociations"] = []
    other["CFDefinitions"] = {}

    import_package(other)

    link = CFAssociation.objects.get(destination_identifier=target)
    assert link.destination_item.identifier == target


def test_reimporting_updates_rows_in_place_and_removes_what_the_package_no_longer_carries(
    demo_math,
):
    import_package(copy.deepcopy(demo_math))
    item = CFItem.objects.get(human_coding_scheme="DEMO.3.MUL.1")
    codes = by_code(demo_math)
    codes["DEMO.3.MUL.1"]["fullStatement"] = "Interpret products (revised)."
    gone = codes["DEMO.4.FRA.1"]["identifier"]
    demo_math["CFItems"] = [i for i in demo_math["CFItems"] if i["identifier"] != gone]
    demo_math["CFAssociations"] = [
        a
        for a in demo_math["CFAssociations"]
        if gone not in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
    ]
    demo_math["CFDocument"]["title"] = "Synthetic Demo Math Framework, 2nd edition"

    result = import_package(demo_math)

    assert result.created is False
    assert CFDocument.objects.count() == 1
    assert CFDocument.objects.get().title == "Synthetic Demo Math Framework, 2nd edition"
    again = CFItem.objects.get(human_coding_scheme="DEMO.3.MUL.1")
    assert again.pk == item.pk
    assert again.full_statement == "Interpret products (revised)."
    assert not CFItem.objects.filter(identifier=gone).exists()
    assert CFItem.objects.count() == 8
    assert CFAssociation.objects.count() == 12
    assert CFDefinition.objects.count() == 4


def _problems(package) -> list[str]:
    with pytest.raises(PackageRejected) as raised:
        import_package(package)
    return raised.value.problems


def test_missing_identifiers_are_all_listed_and_nothing_is_imported(demo_math):
    del demo_math["CFItems"][2]["identifier"]
    demo_math["CFItems"][4]["identifier"] = "  "
    del demo_math["CFAssociations"][3]["identifier"]
    del demo_math["CFAssociations"][5]["originNodeURI"]["identifier"]

    problems = _problems(demo_math)

    assert "CFItems[2] has no identifier" in problems
    assert "CFItems[4] has no identifier" in problems
    assert "CFAssociations[3] has no identifier" in problems
    assert any(
        p.startswith("CFAssociations[5]") and "originNodeURI.identifier" in p for p in problems
    )
    assert (
        CFDocument.objects.count() == CFItem.objects.count() == CFAssociation.objects.count() == 0
    )


def test_an_is_child_of_to_an_unknown_item_of_the_same_framework_refuses_the_package(
    demo_math, demo_codes
):
    parent = demo_codes["DEMO.3.MUL"]
    demo_math["CFItems"] = [i for i in demo_math["CFItems"] if i["identifier"] != parent]

    problems = _problems(demo_math)

    # Three children hung under the missing domain; each is named.
    unknown = [p for p in problems if "isChildOf names " + parent in p]
    assert len(unknown) == 3
    assert not CFDocument.objects.exists()


def test_a_package_without_a_document_identifier_is_refused(demo_math):
    del demo_math["CFDocument"]["identifier"]

    assert "CFDocument has no identifier" in _problems(demo_math)


def test_an_item_identifier_held_by_another_framework_is_refused(demo_math):
    import_package(copy.deepcopy(demo_math))
    demo_math["CFDocument"]["identifier"] = "00000000-1111-4222-8333-444444444444"

    problems = _problems(demo_math)

    assert any(
        "belongs to another framework (Synthetic Demo Math Framework)" in p for p in problems
    )
    assert CFDocument.objects.count() == 1


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")

    with pytest.raises(PackageRejected) as raised:
        import_package_from(str(path))
    assert "not JSON" in raised.value.problems[0]


def test_the_command_imports_a_file_and_says_what_it_did(capsys):
    call_command("import_case", str(DEMO_MATH))

    assert "imported Synthetic Demo Math Framework" in capsys.readouterr().out
    assert CFItem.objects.count() == 9


def test_the_command_lists_every_problem_and_exits_non_zero_for_a_bad_package(
    tmp_path, demo_math, capsys
):
    del demo_math["CFItems"][0]["identifier"]
    del demo_math["CFItems"][1]["fullStatement"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(demo_math))

    with pytest.raises(CommandError) as raised:
        call_command("import_case", str(path))

    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert "problem: CFItems[0] has no identifier" in err
    assert "has no fullStatement" in err
    assert not CFDocument.objects.exists()


def test_the_command_exits_non_zero_from_a_shell(tmp_path, demo_math):
    import subprocess
    import sys

    del demo_math["CFDocument"]["identifier"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(demo_math))
    # A real process: the exit status a script would see (the database is not reached).
    done = subprocess.run(
        [sys.executable, "manage.py", "import_case", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "problem: CFDocument has no identifier" in done.stderr


@pytest.fixture
def served():
    """A local HTTP server answering the demo framework at /demo.json and 1 MB at /big.json."""
    body = DEMO_MATH.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow.json":
                # 256 KB in 16 KB pieces a tenth of a second apart: no single read is slow.
                self.send_response(200)
                self.end_headers()
                for _ in range(16):
                    self.wfile.write(b" " * 16_384)
                    self.wfile.flush()
                    time.sleep(0.1)
                return
            data = body if self.path == "/demo.json" else b"[" + b"0," * 600_000 + b"0]"
            self.send_response(200 if self.path in ("/demo.json", "/big.json") else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_package_is_imported_from_a_url(served):
    result = import_package_from(served + "/demo.json")

    assert result.items == 9
    assert CFDocument.objects.get().source_url == served + "/demo.json"


def test_a_url_larger_than_the_limit_or_missing_is_refused(served, settings):
    settings.CASE_PACKAGE_MAX_BYTES = 100_000

    with pytest.raises(PackageRejected) as too_big:
        import_package_from(served + "/big.json")
    with pytest.raises(PackageRejected) as missing:
        import_package_from(served + "/nope.json")

    assert "larger than 100000 bytes" in too_big.value.problems[0]
    assert "HTTP 404" in missing.value.problems[0]


def test_a_url_that_trickles_past_the_timeout_is_refused(served, settings):
    settings.CASE_PACKAGE_FETCH_TIMEOUT = 0.3

    with pytest.raises(PackageRejected) as slow:
        import_package_from(served + "/slow.json")

    assert "took longer than 0.3 s" in slow.value.problems[0]
