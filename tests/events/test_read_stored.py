"""Processing reads a stored event with `caliper.read_stored`, which does not validate it
again (it was validated when accepted): for every valid event it must read exactly what
`parse_event` extracts, or the pipeline would credit differently than it did."""

import json
from pathlib import Path

import pytest

from events import caliper

from .conftest import activity, item, time_spent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "caliper-v1p2" / "fixtures"
OFFICIAL = [json.loads(path.read_text()) for path in sorted(FIXTURES.glob("caliperEvent*.json"))]
TIMEBACK = [
    activity(xpEarned=12, totalQuestions=10, correctQuestions=8, attempt=3),
    time_spent(active=240, waste=15),
    item(correct=False),
]
FIELDS = ("id", "type", "action", "profile", "student_ref", "course_ref", "lesson_refs")
MORE = ("run_key", "attempt")


@pytest.mark.parametrize("raw", OFFICIAL + TIMEBACK)
def test_reading_a_stored_event_gives_what_parsing_it_extracts(raw):
    full = caliper.parse_event(0, raw)
    assert full.valid, full.errors
    read = caliper.read_stored(raw)
    assert [getattr(read, f) for f in FIELDS + MORE] == [getattr(full, f) for f in FIELDS + MORE]
    assert caliper.timeback_items(read) == caliper.timeback_items(full)
    assert caliper.score_of(read) == caliper.score_of(full)


def test_the_official_events_are_all_read():
    assert len(OFFICIAL) > 40
