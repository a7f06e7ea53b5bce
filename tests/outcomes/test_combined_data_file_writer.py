"""outcomes.nwea.write_combined_data_file writes the export's layout, which the importer
reads back: the demo's results go through the same pipeline as a school's."""

import csv
import io
from datetime import date

import pytest

from outcomes.imports import import_test_results
from outcomes.nwea import COMBINED_DATA_FILE_COLUMNS, write_combined_data_file

from .conftest import NWEA, result_of


def test_the_header_is_the_combined_data_file_column_list():
    listed = (NWEA / "combined_data_file_columns.txt").read_text().split()
    out = io.StringIO()

    write_combined_data_file([], out)

    assert (
        next(csv.reader(io.StringIO(out.getvalue()))) == listed == list(COMBINED_DATA_FILE_COLUMNS)
    )


def test_written_rows_import_back_with_their_growth(map_students, tmp_path):
    path = tmp_path / "demo.csv"
    with path.open("w", newline="") as out:
        count = write_combined_data_file(
            [
                {
                    "TermName": "Fall 2026-2027",
                    "StudentID": "SYN0001",
                    "Subject": "Mathematics",
                    "TestStartDate": date(2026, 9, 14),
                    "TestRITScore": 201,
                    "Grade": 4,
                },
                {
                    "TermName": "Winter 2026-2027",
                    "StudentID": "SYN0001",
                    "Subject": "Mathematics",
                    "TestStartDate": date(2027, 1, 20),
                    "TestRITScore": 209,
                    "FallToWinterProjectedGrowth": 6,
                    "FallToWinterObservedGrowth": 8,
                    "FallToWinterMetProjectedGrowth": True,
                    "FallToWinterConditionalGrowthIndex": 0.4,
                },
            ],
            out,
        )

    report = import_test_results(path, format="map-growth")

    assert (count, report.created, report.errors) == (2, 2, [])
    winter = result_of(map_students["SYN0001"], term="Winter 2026-2027")
    assert winter.metadata["standardizedTest"]["testDate"] == "2027-01-20"
    assert winter.metadata["standardizedTest"]["growth"] == {
        "FallToWinter": {"projected": 6, "observed": 8, "metProjected": True, "cgi": 0.4}
    }


def test_a_key_that_is_not_a_column_is_refused():
    with pytest.raises(ValueError, match="not Combined Data File columns: TestRitScore"):
        write_combined_data_file([{"TestRitScore": 200}], io.StringIO())
