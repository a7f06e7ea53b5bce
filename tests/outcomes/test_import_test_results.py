"""Standardized test results in (docs/closed-loop.md): NWEA MAP Growth exports and state
tests, read by header name, stored as OneRoster assessment results, bad rows listed with file,
line and reason and never half-written."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from gradebook.models import AssessmentLineItem, AssessmentResult
from gradebook.signals import test_results_imported
from outcomes.imports import (
    ImportRefused,
    MappingInvalid,
    import_test_results,
    load_mapping,
    parse_mapping,
)

from .conftest import SAMPLE, comprehensive_zip, result_of, sample_rows, sha, write_csv


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    test_results_imported.connect(receiver)
    yield calls
    test_results_imported.disconnect(receiver)


# --- the synthetic sample --------------------------------------------------------------


def test_the_synthetic_sample_imports_one_result_per_row_on_one_line_item_per_term(map_students):
    report = import_test_results(SAMPLE, format="map-growth")

    assert (report.created, report.updated, report.errors) == (16, 0, [])
    items = AssessmentLineItem.objects.filter(sourced_id__startswith="stdtest_")
    assert sorted(items.values_list("title", flat=True)) == [
        "MAP Growth Mathematics, Fall 2025-2026",
        "MAP Growth Mathematics, Spring 2025-2026",
    ]
    spring = items.get(sourced_id=sha("map-growth|school|Mathematics|Spring 2025-2026"))
    assert spring.metadata == {
        "standardizedTest": {
            "source": "map-growth",
            "subject": "Mathematics",
            "term": "Spring 2025-2026",
            "season": "Spring",
            "schoolYear": "2025-2026",
            "testName": "Growth: Math 2-5 (synthetic)",
        },
        "masteryTest": True,
    }
    assert (spring.course_id, spring.partner_app_id) == (None, None)
    assert spring.results.count() == 8


def test_every_field_of_the_contract_is_kept_as_the_file_states_it(map_students):
    import_test_results(SAMPLE, format="map-growth")

    result = result_of(map_students["SYN0001"])
    assert result.score == Decimal("215")
    assert result.score_date == datetime(2026, 5, 12, 12, tzinfo=UTC)
    assert result.score_status == "fully graded"
    test = result.metadata["standardizedTest"]
    assert {k: test[k] for k in ("testDate", "grade", "rit", "standardError", "percentile")} == {
        "testDate": "2026-05-12",
        "grade": "4",
        "rit": 215,
        "standardError": 3.2,
        "percentile": 67,
    }
    assert (test["rapidGuessingPercent"], test["normsYear"]) == (0, "2025")
    assert test["growth"] == {
        "FallToSpring": {
            "projected": 12,
            "observed": 10,
            "observedSE": 4.5,
            "metProjected": False,
            "cgi": -0.29,
            "cgp": 39,
            "quintile": "LoAvg",
        }
    }
    assert test["goals"][0] == {
        "name": "Operations and Algebraic Thinking",
        "rit": 212,
        "standardError": 5.6,
        "range": "206-218",
        "adjective": "HiAvg",
    }
    fall = result_of(map_students["SYN0001"], term="Fall 2025-2026")
    assert "growth" not in fall.metadata["standardizedTest"]  # absent fields are left out


def test_a_comprehensive_data_file_zip_gives_the_same_results_as_the_combined_file(
    map_students, tmp_path
):
    import_test_results(comprehensive_zip(tmp_path / "cdf.zip"), format="map-growth")
    from_zip = {r.sourced_id: (r.score, r.metadata) for r in AssessmentResult.objects.all()}

    report = import_test_results(SAMPLE, format="map-growth")

    assert len(from_zip) == 16
    assert (report.created, report.updated, report.unchanged) == (0, 0, 16)
    assert {r.sourced_id: (r.score, r.metadata) for r in AssessmentResult.objects.all()} == from_zip
    # Grade comes from StudentsBySchool.csv: AssessmentResults.csv has no such column.
    assert result_of(map_students["SYN0003"]).metadata["standardizedTest"]["grade"] == "4"


def test_a_reimport_updates_in_place_and_counts_nothing_twice(map_students, tmp_path):
    import_test_results(SAMPLE, format="map-growth")
    headers, rows = sample_rows()
    rows[1]["TestRITScore"] = "216"  # SYN0001, spring: a corrected score

    report = import_test_results(
        write_csv(tmp_path / "again.csv", headers, rows), format="map-growth"
    )

    assert (report.created, report.updated, report.unchanged) == (0, 1, 15)
    assert AssessmentResult.objects.count() == 16
    assert AssessmentLineItem.objects.count() == 2
    result = result_of(map_students["SYN0001"])
    assert (result.score, result.metadata["standardizedTest"]["rit"]) == (Decimal(216), 216)


def test_students_match_by_sourced_id_then_identifier_then_email(map_students, world, tmp_path):
    headers, rows = sample_rows()
    rows = rows[:3]
    rows[0]["StudentID"] = "maple-syn0001"  # a sourcedId
    rows[2]["StudentID"] = "SYN2@maple.example"  # an email, any case

    report = import_test_results(write_csv(tmp_path / "m.csv", headers, rows), format="map-growth")

    assert (report.created, report.errors) == (3, [])
    assert result_of(map_students["SYN0002"], term="Fall 2025-2026").score == Decimal(196)


def test_match_restricts_how_students_are_found(map_students, tmp_path):
    headers, rows = sample_rows()

    report = import_test_results(
        write_csv(tmp_path / "m.csv", headers, rows[:2]), format="map-growth", match="email"
    )

    assert report.imported == 0
    assert [str(e) for e in report.errors] == [
        "m.csv line 2: no student with email 'SYN0001'",
        "m.csv line 3: no student with email 'SYN0001'",
    ]


# --- bad files -------------------------------------------------------------------------


def test_a_file_missing_required_columns_is_refused_whole(map_students, tmp_path):
    headers, rows = sample_rows()
    headers = [h for h in headers if h not in ("TestRITScore", "TermName")]

    with pytest.raises(ImportRefused) as refused:
        import_test_results(write_csv(tmp_path / "bad.csv", headers, rows), format="map-growth")

    assert [str(e) for e in refused.value.errors] == [
        "bad.csv line 1: required columns missing: TermName, TestRITScore"
    ]
    assert AssessmentResult.objects.count() == AssessmentLineItem.objects.count() == 0


def test_unknown_students_are_listed_and_the_rest_is_imported(map_students, tmp_path):
    map_students["SYN0004"].delete()
    headers, rows = sample_rows()

    report = import_test_results(write_csv(tmp_path / "f.csv", headers, rows), format="map-growth")

    assert report.created == 14
    assert [str(e) for e in report.errors] == [
        "f.csv line 8: no student with sourcedId or identifier or email 'SYN0004'",
        "f.csv line 9: no student with sourcedId or identifier or email 'SYN0004'",
    ]


def test_duplicate_rows_are_an_error_and_neither_copy_is_written(map_students, tmp_path):
    headers, rows = sample_rows()
    twin = dict(rows[1], TestRITScore="230")

    report = import_test_results(
        write_csv(tmp_path / "d.csv", headers, [*rows, twin]), format="map-growth"
    )

    assert report.created == 15
    assert [str(e) for e in report.errors] == [
        f"d.csv line {line}: duplicate: student 'SYN0001' has Mathematics, Spring 2025-2026 "
        "on lines 3, 18; none of them was imported"
        for line in (3, 18)
    ]
    with pytest.raises(AssessmentResult.DoesNotExist):
        result_of(map_students["SYN0001"])


def test_invalid_numbers_dates_and_flags_reject_their_row_only(map_students, tmp_path):
    headers, rows = sample_rows()
    rows[0]["TestRITScore"] = "2O5"
    rows[1]["FallToSpringMetProjectedGrowth"] = "maybe"
    rows[2]["TestStartDate"] = "31/09/2025"
    rows[3]["StudentID"] = ""

    report = import_test_results(write_csv(tmp_path / "n.csv", headers, rows), format="map-growth")

    assert report.created == 12
    assert [str(e) for e in report.errors] == [
        "n.csv line 2, field TestRITScore: '2O5' is not a number",
        "n.csv line 3, field FallToSpringMetProjectedGrowth: 'maybe' is not Yes or No",
        "n.csv line 4, field TestStartDate: '31/09/2025' is not a date (%m/%d/%Y or %Y-%m-%d or %m/%d/%y or %m-%d-%Y)",
        "n.csv line 5, field StudentID: is empty",
    ]
    assert not AssessmentResult.objects.filter(student=map_students["SYN0001"]).exists()


def test_strict_refuses_the_whole_file_when_one_row_is_bad(map_students, tmp_path):
    headers, rows = sample_rows()
    rows[5]["TestPercentile"] = "high"

    with pytest.raises(ImportRefused) as refused:
        import_test_results(
            write_csv(tmp_path / "s.csv", headers, rows), format="map-growth", strict=True
        )

    assert [str(e) for e in refused.value.errors] == [
        "s.csv line 7, field TestPercentile: 'high' is not a number"
    ]
    assert AssessmentResult.objects.count() == AssessmentLineItem.objects.count() == 0


def test_retests_that_are_not_the_growth_measure_are_skipped_with_a_note(map_students, tmp_path):
    headers, rows = sample_rows()
    retest = dict(rows[1], TestRITScore="190", GrowthMeasureYN="FALSE")
    rows = [dict(r, GrowthMeasureYN="TRUE") for r in rows] + [retest]

    report = import_test_results(
        write_csv(tmp_path / "g.csv", [*headers, "GrowthMeasureYN"], rows), format="map-growth"
    )

    assert (report.created, report.errors) == (16, [])
    assert report.notes == ["g.csv line 18: not a growth measure (GrowthMeasureYN), skipped"]
    assert result_of(map_students["SYN0001"]).score == Decimal(215)


# --- state tests through a mapping ------------------------------------------------------

STATE_TOML = """
dateFormat = "%m/%d/%Y"

[columns]
student = "Student ID"
date = "Test Date"
scaleScore = "Scale Score"
performanceLevel = "Performance Level"
sgp = "SGP"

[values]
subject = "Mathematics"
testName = "STAAR"

[standards]
"RC1 Numerical Representations" = "TX.MATH.4.RC1"
"RC2 Computations" = "TX.MATH.4.RC2"
"""


def state_file(tmp_path, rows):
    headers = [
        "Student ID",
        "Test Date",
        "Scale Score",
        "Performance Level",
        "SGP",
        "RC1 Numerical Representations",
        "RC2 Computations",
    ]
    return write_csv(
        tmp_path / "staar.csv", headers, [dict(zip(headers, r, strict=True)) for r in rows]
    )


def test_a_state_test_reads_through_a_toml_mapping_with_per_standard_scores(map_students, tmp_path):
    (tmp_path / "staar.toml").write_text(STATE_TOML)
    path = state_file(
        tmp_path,
        [
            ["SYN0001", "04/14/2026", "1612", "Meets Grade Level", "61", "7", "5"],
            ["SYN0002", "04/14/2026", "1498", "Approaches", "", "4", ""],
        ],
    )

    report = import_test_results(
        path, format="state", mapping=load_mapping(tmp_path / "staar.toml")
    )

    assert (report.created, report.errors) == (2, [])
    item = AssessmentLineItem.objects.get(
        sourced_id=sha("state|school|Mathematics|Spring 2025-2026")
    )
    assert item.title == "STAAR Mathematics, Spring 2025-2026"
    assert item.metadata["standardizedTest"]["testName"] == "STAAR"
    first = item.results.get(student=map_students["SYN0001"])
    assert first.score == Decimal(1612)
    assert first.metadata == {
        "standardizedTest": {
            "testDate": "2026-04-14",
            "scaleScore": 1612,
            "performanceLevel": "Meets Grade Level",
            "sgp": 61,
        }
    }
    assert first.learning_objective_set == [
        {
            "source": "CASE",
            "learningObjectiveResults": [
                {"learningObjectiveId": "TX.MATH.4.RC1", "score": 7},
                {"learningObjectiveId": "TX.MATH.4.RC2", "score": 5},
            ],
        }
    ]
    assert report.notes == [
        "the mapping's standards TX.MATH.4.RC1, TX.MATH.4.RC2 name no item of an imported "
        "CASE framework (yet); their scores are kept as given"
    ]
    second = item.results.get(student=map_students["SYN0002"])
    assert "sgp" not in second.metadata["standardizedTest"]
    assert second.learning_objective_set[0]["learningObjectiveResults"] == [
        {"learningObjectiveId": "TX.MATH.4.RC1", "score": 4}
    ]


def test_a_json_mapping_may_name_the_subject_and_term_columns(map_students, tmp_path):
    (tmp_path / "m.json").write_text(
        json.dumps(
            {
                "columns": {
                    "student": "Local ID",
                    "subject": "Content Area",
                    "date": "Date",
                    "scaleScore": "Score",
                    "term": "Admin",
                }
            }
        )
    )
    path = write_csv(
        tmp_path / "st.csv",
        ["Local ID", "Content Area", "Date", "Score", "Admin"],
        [
            {
                "Local ID": "SYN0003",
                "Content Area": "Reading",
                "Date": "2026-05-01",
                "Score": "745",
                "Admin": "Spring 2026-27",
            }
        ],
    )

    report = import_test_results(path, format="state", mapping=load_mapping(tmp_path / "m.json"))

    assert report.created == 1
    item = AssessmentLineItem.objects.get(sourced_id=sha("state|school|Reading|Spring 2026-27"))
    assert item.metadata["standardizedTest"]["schoolYear"] == "2026-2027"


def test_a_state_file_missing_a_mapped_column_is_refused(map_students, tmp_path):
    path = write_csv(tmp_path / "st.csv", ["Student ID", "Test Date"], [])

    with pytest.raises(ImportRefused) as refused:
        import_test_results(
            path,
            format="state",
            mapping=parse_mapping(
                {
                    "columns": {
                        "student": "Student ID",
                        "date": "Test Date",
                        "scaleScore": "Scale Score",
                    },
                    "values": {"subject": "Math"},
                }
            ),
        )

    assert [str(e) for e in refused.value.errors] == [
        "st.csv line 1: required column missing: Scale Score"
    ]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (
            {"columns": {"student": "ID", "date": "D"}, "values": {"subject": "M"}},
            "columns.scaleScore missing",
        ),
        (
            {"columns": {"student": "ID", "date": "D", "scaleScore": "S"}},
            "subject (a column, or values.subject)",
        ),
        (
            {
                "columns": {"student": "ID", "date": "D", "scaleScore": "S", "lexile": "L"},
                "values": {"subject": "M"},
            },
            "unknown columns.lexile",
        ),
        ({"colums": {}}, "unknown keys colums"),
        ({"columns": {"student": 3}}, "'columns' must map names to non-empty strings"),
    ],
)
def test_an_unusable_mapping_says_what_is_wrong(raw, says):
    with pytest.raises(MappingInvalid, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_mapping(raw)


# --- the command ------------------------------------------------------------------------


def test_the_command_imports_and_lists_the_rows_it_could_not(map_students, tmp_path, capsys):
    map_students["SYN0008"].delete()

    call_command("import_test_results", str(SAMPLE), "--format", "map-growth")

    out, err = capsys.readouterr()
    assert (
        "14 test results imported (14 created, 0 updated, 0 unchanged); 2 rows not imported." in out
    )
    assert "not imported: SYNTHETIC_combined_data_file_sample.csv line 16: no student" in err


def test_the_command_with_strict_writes_nothing_and_fails(map_students):
    map_students["SYN0008"].delete()

    with pytest.raises(CommandError, match="nothing was written: 2 problems"):
        call_command("import_test_results", str(SAMPLE), "--format", "map-growth", "--strict")

    assert AssessmentResult.objects.count() == 0


def test_the_command_reads_a_state_mapping_file(map_students, tmp_path, capsys):
    (tmp_path / "staar.toml").write_text(STATE_TOML)
    path = state_file(tmp_path, [["SYN0005", "04/14/2026", "1600", "Meets", "50", "6", "6"]])

    call_command(
        "import_test_results",
        str(path),
        "--format",
        "state",
        "--mapping",
        str(tmp_path / "staar.toml"),
    )

    assert "1 test results imported" in capsys.readouterr().out


# --- the signal -------------------------------------------------------------------------


def test_an_import_announces_the_students_and_subjects_whose_results_changed(
    map_students, received, tmp_path
):
    import_test_results(SAMPLE, format="map-growth")
    headers, rows = sample_rows()
    rows[3]["TestRITScore"] = "206"  # SYN0002, spring

    import_test_results(SAMPLE, format="map-growth")  # unchanged: nothing to say
    import_test_results(write_csv(tmp_path / "c.csv", headers, rows), format="map-growth")

    assert len(received) == 2
    assert received[0]["student_ids"] == {s.pk for s in map_students.values()}
    assert received[0]["subjects"] == {"Mathematics"}
    assert len(received[0]["line_item_ids"]) == 2
    assert received[1]["student_ids"] == {map_students["SYN0002"].pk}
    assert received[1]["line_item_ids"] == {sha("map-growth|school|Mathematics|Spring 2025-2026")}


def test_a_students_tests_are_filed_under_their_primary_school_else_their_student_role(
    map_students,
):
    from tests.factories import SchoolFactory

    annex = SchoolFactory(sourced_id="annex", name="Maple Annex")
    moved = map_students["SYN0001"]
    moved.primary_org = annex
    moved.save(update_fields=["primary_org"])

    import_test_results(SAMPLE, format="map-growth")

    assert result_of(moved, school="annex").line_item.results.count() == 1
    assert result_of(map_students["SYN0002"], school="school").line_item.results.count() == 7


@pytest.mark.parametrize(
    ("cell", "number"),
    [("205", 205), ("3.2", 3.2), ("-0.29", -0.29), ("1,612", 1612), ("12.5%", 12.5), (".5", 0.5)],
)
def test_numbers_are_read_as_the_file_writes_them(cell, number):
    from outcomes.imports import parse_number

    assert parse_number(cell) == number
    assert type(parse_number(cell)) is type(number)


@pytest.mark.parametrize("cell", ["1,5", "2O5", "1e3", "nan", "--1", "12 5"])
def test_what_is_not_plainly_a_number_is_refused(cell):
    from outcomes.imports import CellError, parse_number

    with pytest.raises(CellError, match="is not a number"):
        parse_number(cell)
