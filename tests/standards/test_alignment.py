"""Alignment (docs/api.md#case-11-competency-frameworks): lessons' learningStandards and
assessment line items' learningObjectiveSet (source CASE) resolve against the imported
frameworks by identifier or uri; the developer dashboard shows what does not resolve, and
per framework which standards have a lesson and which are content gaps."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from standards import selectors
from standards.services import import_package
from tests.dashboards.conftest import build_school
from tests.factories import api_of

from .conftest import DEMO_DOCUMENT

pytestmark = pytest.mark.django_db
ITEMS = "https://case.example.org/ims/case/v1p1/CFItems/"


@pytest.fixture
def framework(demo_math, demo_codes):
    import_package(copy.deepcopy(demo_math))
    return demo_codes


def test_references_resolve_by_identifier_uri_or_capitalised_identifier(framework):
    mul1, mul2 = framework["DEMO.3.MUL.1"], framework["DEMO.3.MUL.2"]
    refs = [mul1, ITEMS + mul2, framework["DEMO.3.FRA.1"].upper(), "not-a-standard"]

    found = selectors.items_by_identifier_or_uri(refs)

    assert {ref: item.human_coding_scheme for ref, item in found.items()} == {
        mul1: "DEMO.3.MUL.1",
        ITEMS + mul2: "DEMO.3.MUL.2",
        framework["DEMO.3.FRA.1"].upper(): "DEMO.3.FRA.1",
    }
    assert found[mul1].subjects == ("Mathematics",)
    assert found[mul1].document == DEMO_DOCUMENT
    assert selectors.unresolved(refs) == ["not-a-standard"]


def test_the_framework_graph_answers_prerequisites_children_and_parents(framework):
    graph = selectors.framework_graph([framework["DEMO.3.MUL.3"]])
    code = {i: graph.items[i].human_coding_scheme for i in graph.items}

    assert len(graph.items) == 9
    assert sorted(code[i] for i in graph.prerequisites_of(framework["DEMO.3.MUL.3"])) == [
        "DEMO.3.MUL.1",
        "DEMO.3.MUL.2",
    ]
    assert [code[i] for i in graph.successors_of(framework["DEMO.3.FRA.2"])] == ["DEMO.4.FRA.1"]
    assert sorted(code[i] for i in graph.children_of(framework["DEMO.3.MUL"])) == [
        "DEMO.3.MUL.1",
        "DEMO.3.MUL.2",
        "DEMO.3.MUL.3",
    ]
    assert graph.parents_of(framework["DEMO.3"]) == [DEMO_DOCUMENT]
    assert not any(edge.external for edge in graph.edges)
    assert graph.documents == {DEMO_DOCUMENT: "Synthetic Demo Math Framework"}


def test_an_edge_to_an_item_we_do_not_hold_is_external_in_the_graph(demo_math, demo_codes):
    demo_math["CFAssociations"].append(
        {
            "identifier": "a3333333-2222-4333-8444-555555555555",
            "uri": "https://case.example.org/x",
            "associationType": "precedes",
            "originNodeURI": {
                "title": "K.OA",
                "identifier": "elsewhere-1",
                "uri": "https://other.example.net/i/1",
            },
            "destinationNodeURI": {
                "title": "DEMO.3.MUL.1",
                "identifier": demo_codes["DEMO.3.MUL.1"],
                "uri": ITEMS + demo_codes["DEMO.3.MUL.1"],
            },
            "lastChangeDateTime": "2026-01-01T00:00:00+00:00",
        }
    )
    import_package(demo_math)

    graph = selectors.framework_graph([demo_codes["DEMO.3.MUL.1"]])

    assert graph.prerequisites_of(demo_codes["DEMO.3.MUL.1"]) == ["elsewhere-1"]
    (edge,) = [e for e in graph.edges if e.origin == "elsewhere-1"]
    assert edge.external is True
    assert "elsewhere-1" not in graph.items


def test_lessons_aligned_by_identifier_or_uri_are_found_per_standard(framework):
    school = build_school(students=1, days=1, lessons=3)
    first, second, third = school.lessons
    first.learning_standards = [framework["DEMO.3.MUL.1"]]
    second.learning_standards = [ITEMS + framework["DEMO.3.MUL.1"], framework["DEMO.3.MUL.2"]]
    third.learning_standards = [framework["DEMO.3.MUL.2"]]
    third.status = "tobedeleted"
    for lesson in school.lessons:
        lesson.save()

    aligned = selectors.lessons_aligned_to(
        [framework["DEMO.3.MUL.1"], framework["DEMO.3.MUL.2"], framework["DEMO.3.FRA.1"]]
    )
    elsewhere = selectors.lessons_aligned_to([framework["DEMO.3.MUL.1"]], course_ids=[0])

    assert [lesson.sourced_id for lesson in aligned[framework["DEMO.3.MUL.1"]]] == [
        first.sourced_id,
        second.sourced_id,
    ]
    assert [lesson.sourced_id for lesson in aligned[framework["DEMO.3.MUL.2"]]] == [
        second.sourced_id
    ]
    assert framework["DEMO.3.FRA.1"] not in aligned
    assert elsewhere == {}


def test_case_references_read_ids_and_result_objectives_of_the_case_source_only():
    objectives = [
        {"source": "CASE", "learningObjectiveIds": ["a", "b"]},
        {"source": "case", "learningObjectiveResults": [{"learningObjectiveId": "c", "score": 80}]},
        {"source": "state", "learningObjectiveIds": ["not-case"]},
    ]

    assert selectors.case_references(objectives) == ["a", "b", "c"]


def test_an_assessment_line_item_carries_case_objectives_that_resolve(framework):
    school = build_school(students=1, days=1, lessons=1)
    api = api_of(school.app)
    objectives = [
        {
            "source": "CASE",
            "learningObjectiveIds": [framework["DEMO.3.MUL.3"], ITEMS + framework["DEMO.3.FRA.1"]],
        }
    ]

    written = api.put_json(
        "/ims/oneroster/gradebook/v1p2/assessmentLineItems/ali-case",
        {
            "assessmentLineItem": {
                "title": "Multiplication check",
                "component": {"sourcedId": school.lessons[0].sourced_id},
                "class": {"sourcedId": school.klass.sourced_id},
                "learningObjectiveSet": objectives,
            }
        },
    )
    read = api.get("/ims/oneroster/gradebook/v1p2/assessmentLineItems/ali-case")

    assert written.status_code in (200, 201), written.json()
    carried = read.json()["assessmentLineItem"]["learningObjectiveSet"]
    assert carried == objectives
    resolved = selectors.items_by_identifier_or_uri(selectors.case_references(carried))
    assert sorted(i.human_coding_scheme for i in resolved.values()) == [
        "DEMO.3.FRA.1",
        "DEMO.3.MUL.3",
    ]


def _aligned_school(framework, lessons=3, prefix=""):
    school = build_school(students=1, days=1, lessons=lessons, prefix=prefix)
    for n, lesson in enumerate(school.lessons):
        lesson.learning_standards = [
            framework["DEMO.3.MUL.1"] if n % 2 == 0 else ITEMS + framework["DEMO.3.MUL.2"]
        ]
        lesson.save()
    return school


def test_the_alignment_report_lists_unresolved_covered_and_gaps_per_framework(framework):
    school = _aligned_school(framework)
    school.lessons[2].learning_standards = ["CCSS.MATH.3.OA.A.1", framework["DEMO.3.MUL"]]
    school.lessons[2].save()

    report = selectors.alignment_report(
        selectors.lessons_of_courses([school.course.pk]),
        other_references={"lo-unknown": ["assessment line item Quiz (q-1)"]},
    )

    assert (report.lessons_total, report.lessons_aligned) == (3, 3)
    assert [(u.reference, u.used_by) for u in report.unresolved] == [
        ("CCSS.MATH.3.OA.A.1", (f"lesson Lesson 3 ({school.lessons[2].sourced_id})",)),
        ("lo-unknown", ("assessment line item Quiz (q-1)",)),
    ]
    (coverage,) = report.frameworks
    assert coverage.title == "Synthetic Demo Math Framework"
    assert coverage.subjects == ("Mathematics",)
    # A domain a lesson names counts as covered beside the leaves; the rest are gaps.
    assert [(c.item.human_coding_scheme, c.lessons) for c in coverage.covered] == [
        ("DEMO.3.MUL", ("Lesson 3",)),
        ("DEMO.3.MUL.1", ("Lesson 1",)),
        ("DEMO.3.MUL.2", ("Lesson 2",)),
    ]
    assert [g.human_coding_scheme for g in coverage.gaps] == [
        "DEMO.3.FRA.1",
        "DEMO.3.FRA.2",
        "DEMO.3.MUL.3",
        "DEMO.4.FRA.1",
    ]
    assert coverage.covered_percent == 43


def test_the_developer_dashboard_shows_unresolved_standards_coverage_and_gaps(client, framework):
    school = _aligned_school(framework)
    school.lessons[1].learning_standards = ["NOT-IMPORTED-1"]
    school.lessons[1].save()
    api_of(school.app).put_json(
        "/ims/oneroster/gradebook/v1p2/assessmentLineItems/ali-gap",
        {
            "assessmentLineItem": {
                "title": "Fractions check",
                "component": {"sourcedId": school.lessons[0].sourced_id},
                "class": {"sourcedId": school.klass.sourced_id},
                "learningObjectiveSet": [
                    {"source": "CASE", "learningObjectiveIds": ["NOT-IMPORTED-2"]}
                ],
            }
        },
    )
    client.force_login(school.developer)

    page = client.get(f"/developers/apps/{school.app.pk}/").content.decode()

    assert "Standards alignment (CASE)" in page
    assert "<code>NOT-IMPORTED-1</code>" in page
    assert f"lesson Lesson 2 ({school.lessons[1].sourced_id})" in page
    assert "<code>NOT-IMPORTED-2</code>" in page
    assert "assessment line item Fractions check (ali-gap)" in page
    assert "Synthetic Demo Math Framework (Mathematics): 1 of 6 standards have a lesson" in page
    assert "<strong>DEMO.3.FRA.1</strong>" in page


def test_the_developer_dashboard_says_when_no_lesson_names_a_standard(client, framework):
    school = build_school(students=1, days=1, lessons=2)
    client.force_login(school.developer)

    page = client.get(f"/developers/apps/{school.app.pk}/").content.decode()

    assert "No lesson of this app names a CASE standard yet" in page


def _developer_page_queries(client, school) -> int:
    client.force_login(school.developer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/developers/apps/{school.app.pk}/").status_code == 200
    return len(queries)


def test_the_developer_page_costs_the_same_queries_whatever_the_number_of_aligned_lessons(
    client, framework
):
    small = _developer_page_queries(client, _aligned_school(framework, lessons=2, prefix="s-"))
    big = _developer_page_queries(client, _aligned_school(framework, lessons=9, prefix="b-"))

    assert small == big
