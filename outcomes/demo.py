"""The demo's standardized tests (`seed_demo`): a fall and a winter NWEA MAP Growth result
for each demo student in each subject of the demo courses, written as a Combined Data File
(outcomes.nwea, the export's layout) and imported through the importer like a school's file.

The winter growth is made to relate to what the student did: each student's conditional
growth index is SLOPE × (their active minutes in the course between the two tests,
standardised across the class) plus normal noise of NOISE standard deviation, so the demo's
true correlation is about SLOPE / sqrt(SLOPE² + NOISE²) ≈ 0.55. Nothing else is shortcut: the
usage is read back from the daily rollups the simulated history produced, and the outcomes
(statistics included) are computed by the pipeline from the imported file
(outcomes.services, on gradebook.signals.test_results_imported).

Deterministic: a student's scores are drawn from a generator seeded with their sourcedId
and subject, so a rerun re-imports the same file (nothing changes) unless the history grew.
Two students' tests (the 7th and 19th, in Reading) show rapid guessing above the setting,
so the exclusion shows too.
"""

import random
import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import Sum

from analytics.selectors import rollups
from rostering.models import Course, User

from . import nwea, selectors
from .imports import ImportReport, import_test_results

FILE = "demo-map-growth.csv"
SLOPE = 0.6
NOISE = 0.9
GROWTH_SD = 4.0  # RIT points per unit of CGI over a fall-to-winter pair (roughly MAP's)
PROJECTED = 6  # fall-to-winter projected growth of a Grade 5 student (roughly MAP's)
RAPID_GUESSERS = {("Reading", 7), ("Reading", 19)}
TEST_NAMES = {"Mathematics": "Growth: Math 2-5", "Reading": "Growth: Reading 2-5"}


@dataclass(frozen=True)
class DemoTests:
    fall: date
    winter: date
    subjects: list[str]
    students: int
    report: ImportReport


def write_and_import(
    *, students: list[User], courses: list[Course], fall: date, winter: date, school_year: str
) -> DemoTests:
    """Write the demo's Combined Data File into VAR_DIR and import it (match by sourcedId)."""
    path = Path(settings.VAR_DIR) / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, subjects = rows_for(
        students=students, courses=courses, fall=fall, winter=winter, school_year=school_year
    )
    with path.open("w", newline="", encoding="utf-8") as out:
        nwea.write_combined_data_file(rows, out)
    report = import_test_results(path, format="map-growth", match="sourcedId")
    return DemoTests(fall, winter, subjects, len(students), report)


def rows_for(*, students, courses, fall: date, winter: date, school_year: str):
    """The file's rows (fall and winter per student and subject) and the subjects."""
    minutes = _minutes(students, courses, fall, winter)
    rows, subjects = [], []
    for course in courses:
        subject = next(
            (s for s in map(selectors.normalise_subject, course.subjects or []) if s), None
        )
        if subject is None:
            continue
        subjects.append(subject)
        used = [minutes.get((s.pk, course.pk), 0.0) for s in students]
        mean = statistics.fmean(used) if used else 0.0
        spread = statistics.pstdev(used) if len(used) > 1 else 0.0
        for n, (student, total) in enumerate(zip(students, used, strict=True), start=1):
            rng = random.Random(f"{student.sourced_id}/{subject}")
            z = (total - mean) / spread if spread else 0.0
            cgi_drawn = SLOPE * z + rng.gauss(0, NOISE)
            start = round(rng.gauss(208, 9))
            observed = round(PROJECTED + cgi_drawn * GROWTH_SD)
            cgi = round((observed - PROJECTED) / GROWTH_SD, 2)
            rapid = 35 if (subject, n) in RAPID_GUESSERS else rng.choice((0, 0, 0, 5, 10))
            base = _student_cells(student, subject, school_year)
            rows.append(base | _test_cells("Fall", school_year, fall, start, rng, rapid=0))
            winter_row = base | _test_cells(
                "Winter", school_year, winter, start + observed, rng, rapid
            )
            winter_row |= {
                "FallToWinterProjectedGrowth": PROJECTED,
                "FallToWinterObservedGrowth": observed,
                "FallToWinterObservedGrowthSE": 4.4,
                "FallToWinterMetProjectedGrowth": "Yes" if observed >= PROJECTED else "No",
                "FallToWinterConditionalGrowthIndex": cgi,
                "FallToWinterConditionalGrowthPercentile": _percentile(cgi),
            }
            rows.append(winter_row)
    return rows, subjects


def _minutes(students, courses, fall, winter) -> dict[tuple[int, int], float]:
    """Active minutes per (student, course) over the days [fall, winter), from the rollups."""
    sums = (
        rollups(students=[s.pk for s in students], courses=[c.pk for c in courses], start=fall)
        .filter(day__lt=winter)
        .values("student_id", "course_id")
        .annotate(active=Sum("active_seconds"))
    )
    return {(r["student_id"], r["course_id"]): r["active"] / 60 for r in sums}


def _student_cells(student: User, subject: str, school_year: str) -> dict:
    return {
        "DistrictName": "Timeback Demo District",
        "SchoolName": "Timeback Demo School",
        "StudentLastName": student.last_name,
        "StudentFirstName": student.first_name,
        "StudentID": student.sourced_id,
        "Grade": "5",
        "Subject": subject,
        "Course": "Math K-12" if subject == "Mathematics" else "Reading",
        "NormsReferenceData": "2025",
        "TestType": "Survey With Goals",
        "TestName": TEST_NAMES.get(subject, f"Growth: {subject}"),
    }


def _test_cells(season, school_year, day: date, rit: int, rng, rapid) -> dict:
    return {
        "TermName": f"{season} {school_year}",
        "TestStartDate": day.strftime("%m/%d/%Y"),
        "TestStartTime": "9:05:00 AM",
        "TestDurationMinutes": rng.randrange(35, 65),
        "TestRITScore": rit,
        "TestStandardError": round(rng.uniform(2.9, 3.5), 1),
        "TestPercentile": max(1, min(99, round(50 + (rit - 210) * 3))),
        "RapidGuessingPercentage": rapid,
    }


def _percentile(cgi: float) -> int:
    """The conditional growth percentile of a CGI (a z-score): the normal distribution's."""
    return max(1, min(99, round(statistics.NormalDist().cdf(cgi) * 100)))
