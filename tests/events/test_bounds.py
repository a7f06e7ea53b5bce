"""A bad event costs only itself (docs/events.md#a-bad-event-costs-only-itself): an event
beyond a bound of storage or processing is rejected with its reason, the rest of its
envelope is stored, and nothing answers 500 — not deep nesting, not NUL characters."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import caliper
from events.models import CaliperEvent, RejectedEvent

from .conftest import DATA_VERSION, START, USERS, activity, iso, time_spent

FIXTURES = Path(__file__).parents[1] / "fixtures" / "caliper-v1p2" / "fixtures"
LONG = "x" * 256
DEEP = "__DEEP__"


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def with_deep(event: dict, levels: int) -> str:
    """The event's JSON with extensions.deep nested `levels` deep (json.dumps would recurse)."""
    event["extensions"]["deep"] = DEEP
    return json.dumps(event).replace(f'"{DEEP}"', nested(levels))


def envelope_text(events: list[str]) -> bytes:
    head = {"sensor": "https://app.example", "sendTime": iso(START), "dataVersion": DATA_VERSION}
    return (json.dumps(head)[:-1] + ', "data": [' + ", ".join(events) + "]}").encode()


def long_event_id():
    event = activity(xpEarned=5)
    event["id"] = "urn:uuid:" + LONG
    return event


def long_actor():
    event = activity(xpEarned=5)
    event["actor"]["id"] = USERS + LONG
    return event


def long_object():
    event = time_spent(active=60)
    event["object"]["id"] = "https://app.example/" + LONG
    return event


def long_activity():
    event = activity(xpEarned=5)
    event["object"]["activity"]["id"] = LONG
    return event


def deep(levels):
    return lambda: with_deep(activity(xpEarned=5), levels)


def nul_value():
    event = activity(xpEarned=5)
    event["actor"]["name"] = "a\x00b"
    return event


def nul_key():
    event = activity(xpEarned=5)
    event["extensions"]["a\x00b"] = 1
    return event


HOSTILE = {
    "event id of 265 characters": (long_event_id, "id: "),
    "actor id of 256 characters": (long_actor, "actor.id: "),
    "course id of 256 characters": (lambda: activity(course=LONG, xpEarned=5), "course"),
    "lesson id of 256 characters": (lambda: activity(lesson=LONG, xpEarned=5), "lesson"),
    "run id of 256 characters": (lambda: activity(run=LONG, xpEarned=5), "run"),
    "object id of 276 characters": (long_object, "object.id: "),
    "activity id of 256 characters": (long_activity, "object.activity.id: "),
    "xpEarned 1e10": (lambda: activity(xpEarned=1e10), "xpEarned"),
    "xpEarned -1e9": (lambda: activity(xpEarned=-1e9), "xpEarned"),
    "xpEarned 1001": (lambda: activity(xpEarned=1001), "xpEarned"),
    "active seconds 2**31": (lambda: time_spent(active=2**31), "active"),
    "active seconds 86401": (lambda: time_spent(active=86_401), "active"),
    "totalQuestions 10001": (lambda: activity(totalQuestions=10_001), "totalQuestions"),
    "attempt 2**40": (lambda: activity(attempt=2**40, xpEarned=5), "attempt"),
    "nested 33 levels": (deep(33), "nested too deeply"),
    "nested 300 levels": (deep(300), "nested too deeply"),
    "nested 1000 levels": (deep(1000), "nested too deeply"),
    "NUL in a value": (nul_value, "NUL"),
    "NUL in a key": (nul_key, "NUL"),
}


def as_text(event) -> str:
    return event if isinstance(event, str) else json.dumps(event)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_an_event_beyond_a_bound_is_rejected_alone_and_the_rest_is_stored(
    app_api, catalogue, django_capture_on_commit_callbacks, case
):
    make, fragment = HOSTILE[case]
    good = [activity(xpEarned=5), time_spent(active=60)]
    body = envelope_text([as_text(good[0]), as_text(make()), as_text(good[1])])
    with django_capture_on_commit_callbacks(execute=True):
        response = app_api.generic("POST", "/ims/caliper/v1p2/events", body)
    assert response.status_code == 200, response.content[:500]
    answer = response.json()
    assert answer["accepted"] == 2
    [rejected] = answer["rejected"]
    assert rejected["index"] == 1
    assert any(fragment in error for error in rejected["errors"]), rejected
    assert set(CaliperEvent.objects.values_list("event_id", flat=True)) == {
        good[0]["id"],
        good[1]["id"],
    }
    assert CaliperEvent.objects.filter(status="processed").count() == 2
    # The rejection is kept for the developers, its sample stored safely.
    kept = RejectedEvent.objects.get()
    assert kept.index == 1 and kept.errors == rejected["errors"]


@pytest.mark.parametrize("case", list(HOSTILE))
def test_validate_calls_invalid_exactly_what_a_send_rejects(app_api, catalogue, case):
    make, fragment = HOSTILE[case]
    body = envelope_text([as_text(activity(xpEarned=5)), as_text(make())])
    response = app_api.generic("POST", "/caliper/event/validate", body)
    assert response.status_code == 200, response.content[:500]
    answer = response.json()
    assert answer["status"] == "error"
    assert [e["index"] for e in answer["errors"]] == [1]
    assert any(fragment in error for error in answer["errors"][0]["errors"])


def test_events_within_the_bounds_are_accepted(send, catalogue):
    response = send(
        activity(xpEarned=1000, totalQuestions=10_000, correctQuestions=10_000),
        activity(xpEarned=-5),
        time_spent(active=86_400),
        activity(lesson="l" * 255, course="course-1", xpEarned=1),
    )
    assert response.json()["accepted"] == 4, response.json()


@pytest.mark.parametrize("levels", [256, 1023, 5000])
def test_a_data_list_nested_deeply_is_refused_not_a_500(app_api, catalogue, levels):
    """orjson reads 1,024 levels: below that the one event is rejected, above it the body
    is not JSON it reads (400)."""
    body = envelope_text([nested(levels - 1)])
    response = app_api.generic("POST", "/ims/caliper/v1p2/events", body)
    if levels < 1024:
        assert response.status_code == 200, response.content[:300]
        assert response.json()["accepted"] == 0
        assert "nested too deeply" in response.json()["rejected"][0]["errors"][0]
    else:
        assert response.status_code == 400, response.content[:300]
    response = app_api.generic("POST", "/caliper/event/validate", body)
    assert response.status_code in (200, 400), response.content[:300]
    if response.status_code == 200:
        assert response.json()["status"] == "error"


def test_a_nul_in_the_sensor_answers_400(app_api, catalogue):
    body = envelope_text([json.dumps(activity(xpEarned=5))]).replace(
        b"https://app.example", b"https://app.example/\\u0000"
    )
    response = app_api.generic("POST", "/ims/caliper/v1p2/events", body)
    assert response.status_code == 400, response.content[:300]


def grade_event(**generated):
    event = json.loads((FIXTURES / "caliperEventGradeGraded.json").read_text())
    event["generated"].update(generated)
    return event


@pytest.mark.parametrize(
    ("generated", "fragment"),
    [({"scoreGiven": 1e12}, "scoreGiven"), ({"maxScore": -1e12}, "maxScore")],
)
def test_scores_beyond_their_range_are_rejected(generated, fragment):
    assert caliper.parse_event(0, grade_event()).errors == []
    errors = caliper.parse_event(0, grade_event(**generated)).errors
    assert any(fragment in error for error in errors), errors


def test_the_limits_are_settings(send, catalogue, settings):
    settings.CALIPER_MAX_XP_PER_EVENT = 10
    answer = send(activity(xpEarned=11), activity(xpEarned=10)).json()
    assert answer["accepted"] == 1
    assert answer["rejected"][0]["index"] == 0


# The envelope-level check ingestion runs first (caliper.bounds.body_within): when it says
# the body is within bounds, walking each event must find nothing; it may only be more
# careful than the walk, never less.
_JSON_TEXT = st.text(alphabet=st.sampled_from(['"', "\\", "[", "]", "{", "}", "\x00", "a", "é"]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_JSON_TEXT, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(events=st.lists(_JSON, max_size=4), max_depth=st.integers(1, 6))
def test_a_body_found_within_bounds_holds_no_event_beyond_them(events, max_depth):
    body = json.dumps({"sensor": "s", "data": events}).encode()
    limits = caliper.Limits(max_depth=max_depth)
    if caliper.bounds.body_within(body, max_depth):
        assert all(caliper.bounds.shape_errors(event, limits) == [] for event in events)


def test_a_body_with_brackets_and_quotes_in_its_strings_is_measured_by_its_structure():
    shallow = [{"id": 'x"[[[[[[[[[[\\"{{{{', "name": "]]]]]"}]
    assert caliper.bounds.body_within(json.dumps({"data": shallow}).encode(), 1)
    deep = [{"a": [[["]]]"]]]}]
    assert not caliper.bounds.body_within(json.dumps({"data": deep}).encode(), 3)
    assert caliper.bounds.body_within(json.dumps({"data": deep}).encode(), 4)


def test_a_body_whose_strings_hold_no_bracket_is_measured_by_its_brackets_alone():
    deep = [{"a": [[{"b": "x", "c": ""}]], "d": {"e": []}}]
    body = json.dumps({"data": deep}).encode()
    assert not caliper.bounds.body_within(body, 3)
    assert caliper.bounds.body_within(body, 4)
    escaped = [{"a": 'say "hi"', "b": [[["\\"]]]}]
    assert not caliper.bounds.body_within(json.dumps({"data": escaped}).encode(), 3)
    assert caliper.bounds.body_within(json.dumps({"data": escaped}).encode(), 4)


def test_a_body_with_a_nul_anywhere_is_walked_event_by_event():
    assert not caliper.bounds.body_within(json.dumps({"data": [{"a": "x\x00"}]}).encode(), 32)
