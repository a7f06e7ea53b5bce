"""Standardized test results stored exactly as docs/closed-loop.md's contract says the
importer stores them, written through the gradebook's services: what the outcomes' tests read
until (and besides) the importer. `take_test` is one student's test; `growth` is the term
pairs' growth on the later test's row, as in MAP exports."""

import hashlib
from datetime import UTC, date, datetime, time

from gradebook import services as gradebook
from gradebook.models import AssessmentLineItem
from rostering.services import upsert_by_sourced_id

SCHOOL = "school"  # tests/world.py's school


def _id(text: str) -> str:
    return "stdtest_" + hashlib.sha256(text.encode()).hexdigest()[:32]


def line_item(subject: str, season: str, school_year: str, school: str = SCHOOL):
    term = f"{season} {school_year}"
    sourced_id = _id(f"map-growth|{school}|{subject}|{term}")
    item, _, _ = upsert_by_sourced_id(
        AssessmentLineItem,
        sourced_id=sourced_id,
        fields={
            "title": f"MAP Growth {subject}, {term}",
            "metadata": {
                "standardizedTest": {
                    "source": "map-growth",
                    "subject": subject,
                    "term": term,
                    "season": season,
                    "schoolYear": school_year,
                    "testName": f"Growth: {subject} 2-5",
                },
                "masteryTest": True,
            },
        },
    )
    return item


def take_test(
    student,
    *,
    subject: str = "Mathematics",
    season: str = "Fall",
    school_year: str = "2026-2027",
    day: date,
    rit: float,
    grade: str = "5",
    rapid_guessing: float = 0,
    growth: dict | None = None,
    school: str = SCHOOL,
):
    item = line_item(subject, season, school_year, school)
    test = {
        "testDate": day.isoformat(),
        "grade": grade,
        "rit": rit,
        "standardError": 3.1,
        "percentile": 50,
        "rapidGuessingPercent": rapid_guessing,
        "normsYear": "2025",
    }
    if growth:
        test["growth"] = growth
    result, _ = gradebook.upsert_assessment_result(
        sourced_id=_id(f"{item.sourced_id}|{student.sourced_id}"),
        line_item=item,
        student=student,
        score=rit,
        score_date=datetime.combine(day, time(9), UTC),
        score_status="fully graded",
        metadata={"standardizedTest": test},
    )
    return result


def fall_and_winter(
    student,
    *,
    fall: date,
    winter: date,
    cgi: float | None,
    start: float = 200,
    projected: float = 6,
    observed: float | None = None,
    subject: str = "Mathematics",
    rapid_fall: float = 0,
    rapid_winter: float = 0,
    grade: str = "5",
):
    """A student's fall test and their winter test carrying the FallToWinter growth."""
    observed = projected + (cgi or 0) * 4 if observed is None else observed
    take_test(
        student,
        subject=subject,
        season="Fall",
        day=fall,
        rit=start,
        grade=grade,
        rapid_guessing=rapid_fall,
    )
    growth = {"projected": projected, "observed": observed, "metProjected": observed >= projected}
    if cgi is not None:
        growth["cgi"] = cgi
    return take_test(
        student,
        subject=subject,
        season="Winter",
        day=winter,
        rit=start + observed,
        grade=grade,
        rapid_guessing=rapid_winter,
        growth={"FallToWinter": growth},
    )
