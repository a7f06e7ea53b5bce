"""The official Caliper 1.2 fixtures against events.caliper (pure: no database).

Valid event fixtures parse without errors, envelopes pass, entity describes are told apart
from events, and every deliberately broken fixture is rejected with a reason, without an
exception ever escaping.
"""

import json
from pathlib import Path

import pytest

from events import caliper

# The official fixtures, vendored unmodified with their licence (tests/fixtures/README.md).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "caliper-v1p2" / "fixtures"
BROKEN = FIXTURES / "commonErrorFixtures"

if not FIXTURES.is_dir() or not BROKEN.is_dir():
    pytest.fail(
        f"Caliper conformance fixtures not found at {FIXTURES}: they are part of the "
        "repository (tests/fixtures/caliper-v1p2/fixtures)",
        pytrace=False,
    )


def _files(folder: Path, prefix: str) -> list[Path]:
    return sorted(folder.glob(f"{prefix}*.json"))


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


VALID_EVENTS = _files(FIXTURES, "caliperEvent")
ENVELOPES = _files(FIXTURES, "caliperEnvelope")
VALID_ENTITIES = _files(FIXTURES, "caliperEntity")
BROKEN_EVENTS = _files(BROKEN, "caliperEvent")
BROKEN_ENTITIES = _files(BROKEN, "caliperEntity")

# JSON has one number type, and Timeback's official client sends integral scores as
# integers: these four fixtures call "maxScore": 50 (instead of 50.0) malformed; we accept
# them on purpose.
INTEGRAL_FLOATS = {
    "caliperEntityAggregateMeasure-MalformedMaxMetricValueNotAnInt",
    "caliperEntityAggregateMeasure-MalformedMetricValueNotAnInt",
    "caliperEntityAssignableDigitalResource-MalformedMaxScoreNotAFloat",
    "caliperEntityScore-MalformedMaxScoreNotAnInt",
}


def test_the_fixture_set_is_complete():
    assert (len(VALID_EVENTS), len(ENVELOPES), len(VALID_ENTITIES)) == (52, 14, 76)
    assert (len(BROKEN_EVENTS), len(BROKEN_ENTITIES)) == (86, 193)


@pytest.mark.parametrize("path", VALID_EVENTS, ids=_ids(VALID_EVENTS))
def test_every_valid_event_fixture_parses_without_errors(path):
    parsed = caliper.parse_event(0, _load(path))

    assert parsed.errors == []
    assert parsed.id and parsed.type and parsed.action and parsed.event_time


@pytest.mark.parametrize("path", ENVELOPES, ids=_ids(ENVELOPES))
def test_every_envelope_fixture_passes_and_its_events_parse(path):
    data = caliper.validate_envelope(_load(path))

    assert data
    for index, item in enumerate(data):
        if caliper.is_entity_describe(item):
            # Entity describes ride in envelopes too; they are valid entities, not events.
            assert caliper.validate_entity(item) == []
            assert any("is a Caliper Entity" in e for e in caliper.parse_event(index, item).errors)
        else:
            assert caliper.parse_event(index, item).errors == [], (index, item.get("type"))


@pytest.mark.parametrize("path", VALID_ENTITIES, ids=_ids(VALID_ENTITIES))
def test_entity_fixtures_are_valid_entities_but_not_events(path):
    entity = _load(path)

    assert caliper.validate_entity(entity) == []
    parsed = caliper.parse_event(0, entity)
    assert parsed.errors
    assert all(isinstance(error, str) and error for error in parsed.errors)


@pytest.mark.parametrize("path", BROKEN_EVENTS, ids=_ids(BROKEN_EVENTS))
def test_every_broken_event_fixture_is_rejected_with_a_reason(path):
    text = path.read_text(encoding="utf-8")
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        return  # not JSON at all: the endpoint answers 400 before any event is looked at

    parsed = caliper.parse_event(7, event)

    assert parsed.errors, "accepted a broken fixture"
    assert all(isinstance(error, str) and error.strip() for error in parsed.errors)
    assert parsed.index == 7


@pytest.mark.parametrize("path", BROKEN_ENTITIES, ids=_ids(BROKEN_ENTITIES))
def test_every_broken_entity_fixture_is_rejected_on_its_own_and_inside_an_event(path):
    text = path.read_text(encoding="utf-8")
    try:
        entity = json.loads(text)
    except json.JSONDecodeError:
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        return
    if path.stem in INTEGRAL_FLOATS:
        assert caliper.validate_entity(entity) == []
        return

    assert caliper.validate_entity(entity)
    assert caliper.parse_event(0, entity).errors
    if entity.get("type") not in ("SystemIdentifier", "TextPositionSelector"):
        # Embedded as the object of a generic Event (which takes any Entity), the broken
        # entity makes the event invalid too.
        event = {
            "@context": caliper.DATA_VERSION,
            "id": "urn:uuid:3a648e68-f00d-4c08-aa59-8738e1884f2c",
            "type": "Event",
            "actor": "https://example.edu/users/554433",
            "action": "Modified",
            "object": entity,
            "eventTime": "2017-11-15T10:15:00.000Z",
        }
        errors = caliper.parse_event(0, event).errors
        assert errors and all(error.startswith("object") for error in errors), errors


def test_the_two_non_json_broken_fixtures_are_the_documented_ones():
    unreadable = []
    for path in BROKEN_EVENTS + BROKEN_ENTITIES:
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            unreadable.append(path.stem)

    assert sorted(unreadable) == [
        "caliperEntity-BadJson",
        "caliperEntitySurvey-MalformedItemsContainsWrongEntityType",
    ]
