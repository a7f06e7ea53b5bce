"""The one-pass check of TimebackProfile events (events/caliper/fast.py) accepts only what
the full validator accepts, and answers the same ParsedEvent for it; ingestion answers the
same with it as without it.

Over the Caliper 1.2 conformance fixtures (tests/fixtures/caliper-v1p2), the Timeback
events the tests and the official clients send, and every mutant of those made by removing
a key, giving a value of another type or an unknown type, anywhere in the event.
"""

import copy
import json
from pathlib import Path

import pytest

from events import caliper, services
from events.caliper import bounds, envelope, fast

from .conftest import activity, item, time_spent
from .conftest import envelope as make_envelope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "caliper-v1p2" / "fixtures"
LIMITS = bounds.DEFAULT_LIMITS


def _fixture_items() -> list:
    found = []
    for path in sorted(FIXTURES.rglob("caliper*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue  # the fixture of a body that is not JSON
        found.extend(data["data"] if isinstance(data, dict) and "data" in data else [data])
    return found


def _timeback_events() -> list[dict]:
    """Timeback events of every shape the fast path is meant for, and near ones."""
    sdk_like = activity(xpEarned=12, totalQuestions=10, correctQuestions=8, masteredUnits=1)
    sdk_like["object"]["process"] = True
    sdk_like["object"]["app"] = {"name": "Math App"}
    sdk_like["actor"].update(name="Ada", email="ada@example.com")
    no_context = time_spent(active=600, inactive=60, waste=5, anti_pattern=3, unknown=1)
    del no_context["@context"]
    with_session = time_spent(active=60, run=None)
    with_session["session"] = {"id": "urn:uuid:0a0b0c0d-0000-4000-8000-000000000001"}
    string_refs = activity(totalQuestions=3, correctQuestions=3)
    string_refs["object"]["activity"] = "lesson-2"
    string_refs["object"]["course"] = "https://x.example/courses/course-1"
    string_refs["extensions"] = {"lesson": "lesson-2", "course": "course-1", "other": [1, {}]}
    anonymous = activity(xpEarned=-3)
    anonymous["actor"]["id"] = "http://purl.imsglobal.org/caliper/Person"
    segments = time_spent(active=30, run="run-7")
    segments["generated"]["items"].append({"type": "active", "value": 45.5})
    bare = activity(totalQuestions=1)
    del bare["extensions"], bare["object"]["activity"], bare["object"]["course"]
    bare["generated"].pop("attempt")
    return [
        activity(xpEarned=12, totalQuestions=10, correctQuestions=8),
        activity(attempt=2, run="run-1", totalQuestions=5, correctQuestions=5),
        time_spent(active=600, inactive=60),
        sdk_like,
        no_context,
        with_session,
        string_refs,
        anonymous,
        segments,
        bare,
    ]


ODD_VALUES = [None, True, 0, -1, 2.5, 10**7, "", " ", "x", "urn:uuid:1", "a" * 300, [], {}]


def _paths(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*path, key)
            yield from _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*path, index)
            yield from _paths(child, (*path, index))


def _set(event, path, value=None, delete=False):
    mutant = copy.deepcopy(event)
    holder = mutant
    for step in path[:-1]:
        holder = holder[step]
    if delete:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return mutant


def _mutants(event: dict):
    for path in list(_paths(event)):
        yield _set(event, path, delete=True)
        for value in ODD_VALUES:
            yield _set(event, path, value)
        if path[-1] == "type":
            yield _set(event, path, "UnknownType")
    for key in ("isPartOf", "assignable", "edApp", "session", "target", "@context"):
        for value in (None, "", "urn:x", {"id": "c", "type": "CourseOffering"}, [1]):
            yield _set(
                event, ("object", key) if key in ("isPartOf", "assignable") else (key,), value
            )
    items = event["generated"]["items"]
    yield _set(event, ("generated", "items"), [*items, items[0]])  # a metric twice


def _full(index, raw):
    shape_ok = not bounds.shape_errors(raw, LIMITS)
    return envelope.parse_event_fully(index, raw, LIMITS, shape_checked=shape_ok), shape_ok


def test_the_fast_path_accepts_every_timeback_event_of_the_tests_as_the_full_validator_does():
    for index, event in enumerate(_timeback_events()):
        full, _ = _full(index, event)
        assert full.errors == [], (index, full.errors)
        assert fast.parse_timeback(index, event, LIMITS) == full


def test_on_the_conformance_fixtures_the_fast_path_never_accepts_what_the_full_validator_refuses():
    items = _fixture_items()
    assert len(items) > 300
    for index, raw in enumerate(items):
        answer = fast.parse_timeback(index, raw, LIMITS)
        if answer is not None:
            assert answer == _full(index, raw)[0]


@pytest.mark.parametrize("seed", range(len(_timeback_events())))
def test_every_mutant_the_fast_path_accepts_is_accepted_alike_by_the_full_validator(seed):
    accepted = refused = 0
    for mutant in _mutants(_timeback_events()[seed]):
        full, shape_ok = _full(7, mutant)
        answer = fast.parse_timeback(7, mutant, LIMITS) if shape_ok else None
        if answer is None:
            refused += 1
            continue
        accepted += 1
        assert full.errors == [], (mutant, full.errors)
        assert answer == full, mutant
    # Both sides are exercised: mutants that stay valid (extra or optional keys) and ones
    # that do not.
    assert accepted > 5 and refused > 50


def test_parse_event_takes_the_fast_path_only_where_the_body_was_checked_for_nul_and_depth():
    event = activity(xpEarned=1)
    event["extensions"]["deep"] = {"a": {"b": {"c": {}}}}
    shallow = bounds.Limits(max_depth=3)
    # Not shape-checked: the full validator walks it and refuses the depth, which the fast
    # path does not check (it relies on bounds.body_within).
    assert caliper.parse_event(0, event, shallow).errors
    assert fast.parse_timeback(0, event, shallow) is not None


@pytest.mark.django_db
def test_ingestion_answers_the_same_with_and_without_the_fast_path(world, monkeypatch):
    app = world.math.app
    events = [*_timeback_events(), item(), activity(student="nobody", xpEarned=2)]
    for seed in _timeback_events()[:3]:
        events.extend(list(_mutants(seed))[::9])
    events.append(events[0])  # a duplicate within the envelope
    events.extend(_fixture_items()[:60])
    body = json.dumps(make_envelope(*events)).encode()

    def checked():
        return services.check(app=app, body=body, envelope_id=None)

    with_fast = checked()
    monkeypatch.setattr(envelope, "parse_timeback", lambda index, raw, limits: None)
    without = checked()
    assert with_fast.rows and with_fast.rejections
    assert with_fast.rows == without.rows
    assert with_fast.rejections == without.rejections
    assert with_fast.duplicates == without.duplicates >= 1
