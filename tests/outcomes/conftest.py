"""Standardized test results over the example world (tests/world.py): the eight students of
the synthetic NWEA MAP Growth sample (tests/fixtures/nwea-map/), SYN0001 … SYN0008, enrolled
at Maple Elementary and known to Timeback by their district identifier."""

import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from gradebook.models import AssessmentResult
from tests.factories import StudentFactory

NWEA = Path(__file__).resolve().parent.parent / "fixtures" / "nwea-map"
SAMPLE = NWEA / "SYNTHETIC_combined_data_file_sample.csv"
STUDENT_IDS = [f"SYN000{n}" for n in range(1, 9)]


@pytest.fixture
def map_students(world):
    """The sample's students, matched by identifier: their sourcedIds are Timeback's own."""
    return make_map_students(world)


def make_map_students(world):
    return {
        sid: StudentFactory(
            sourced_id=f"maple-{sid.lower()}",
            identifier=sid,
            first_name="Test",
            last_name=f"Student{n}",
            email=f"syn{n}@maple.example",
            org=world.school,
        )
        for n, sid in enumerate(STUDENT_IDS, start=1)
    }


def sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames), list(reader)


def write_csv(path: Path, headers: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=headers, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def csv_text(headers: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def comprehensive_zip(path: Path) -> Path:
    """The sample split as a Comprehensive Data File: StudentsBySchool.csv (who, grade) and
    AssessmentResults.csv (the tests, no Grade column), the columns in another order."""
    headers, rows = sample_rows()
    student_cols = [
        "TermName",
        "SchoolName",
        "StudentID",
        "StudentLastName",
        "StudentFirstName",
        "Grade",
    ]
    result_cols = [h for h in reversed(headers) if h not in student_cols[3:] and h != "SchoolName"]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("StudentsBySchool.csv", csv_text(student_cols, rows))
        archive.writestr("AssessmentResults.csv", csv_text(result_cols, rows))
        archive.writestr("ClassAssignments.csv", "TermName,StudentID,ClassName\n")
    return path


def sha(text: str) -> str:
    return "stdtest_" + hashlib.sha256(text.encode()).hexdigest()[:32]


def result_of(student, term="Spring 2025-2026", subject="Mathematics", school="school"):
    item_id = sha(f"map-growth|{school}|{subject}|{term}")
    return AssessmentResult.objects.get(sourced_id=sha(f"{item_id}|{student.sourced_id}"))
