"""events.caliper: envelope and event validation, Timeback forms, reference extraction.

Pure tests (no database); payloads are written out here so each rule reads on its own.
"""

import copy
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import caliper
from events.caliper import EnvelopeError, last_segment, parse_event, score_of, timeback_items
from events.caliper.values import json_type

from ..conftest import examples

CTX = caliper.DATA_VERSION
UUID = "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594"
ROSTER = "https://api.alpha-1edtech.ai/ims/oneroster/rostering/v1p2"


def envelope(**overrides):
    body = {
        "sensor": "https://example.edu/sensors/1",
        "sendTime": "2025-11-18T10:15:00.000Z",
        "dataVersion": CTX,
        "data": [],
    }
    body.update(overrides)
    return body


def event(type_, action, **overrides):
    """A minimal standard event whose entities are bare IRIs (so only the action matters)."""
    body = {
        "@context": CTX,
        "id": UUID,
        "type": type_,
        "actor": "https://example.edu/users/554433",
        "action": action,
        "object": "https://example.edu/things/1",
        "eventTime": "2016-11-15T10:15:00.000Z",
        # Required by some actions (ToolLaunchEvent Launched, ResourceManagementEvent
        # Copied); allowed on every event.
        "federatedSession": "https://example.edu/lti/sessions/1",
        "generated": "https://example.edu/things/2",
    }
    body.update(overrides)
    return body


def errors_of(raw):
    return parse_event(0, raw).errors


def assert_one_error(raw, *fragments):
    errors = errors_of(raw)
    assert errors, "expected the event to be rejected"
    assert any(all(fragment in error for fragment in fragments) for error in errors), errors


# --------------------------------------------------------------------------- envelope


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ([], 400, "must be a JSON object"),
        ("sensor", 400, "must be a JSON object"),
        (None, 400, "must be a JSON object"),
        ({}, 400, "sensor, sendTime, dataVersion, data"),
        (
            {k: v for k, v in envelope().items() if k != "sensor"},
            400,
            "missing required field(s): sensor",
        ),
        ({k: v for k, v in envelope().items() if k != "data"}, 400, ": data"),
        ({k: v for k, v in envelope().items() if k != "dataVersion"}, 400, "dataVersion"),
        (envelope(sensor=12), 400, "sensor: must be a non-empty string"),
        (envelope(sensor=""), 400, "sensor: must be a non-empty string"),
        (envelope(sendTime="yesterday"), 400, "sendTime: 'yesterday' is not an ISO 8601"),
        (envelope(sendTime="2025-11-18T10:15:00"), 400, "sendTime:"),
        (envelope(dataVersion=1.2), 400, "dataVersion: must be a string"),
        (envelope(data={"id": "x"}), 400, "data: must be an array"),
        (envelope(data=None), 400, "data: must be an array"),
        (envelope(dataVersion="http://purl.imsglobal.org/ctx/caliper/v1p1"), 422, "not supported"),
        (envelope(dataVersion="https://purl.imsglobal.org/ctx/caliper/v1p2"), 422, "Caliper 1.2"),
        (envelope(dataVersion=""), 422, "dataVersion"),
    ],
)
def test_a_bad_envelope_is_refused_with_the_right_status(body, status, fragment):
    with pytest.raises(EnvelopeError) as raised:
        caliper.validate_envelope(body)

    assert raised.value.status == status
    assert fragment in raised.value.message
    assert str(raised.value) == raised.value.message


def test_an_envelope_answers_its_data_even_when_empty():
    assert caliper.validate_envelope(envelope()) == []
    data = [{"anything": 1}, "not even an object"]
    assert caliper.validate_envelope(envelope(data=data)) is data


def test_an_envelope_takes_microseconds_and_offsets_in_send_time():
    assert caliper.validate_envelope(envelope(sendTime="2026-11-21T10:00:15.170059Z")) == []
    assert caliper.validate_envelope(envelope(sendTime="2026-11-21T12:00:15+02:00")) == []


# --------------------------------------------------------------------------- base properties


def test_non_object_events_are_rejected_not_raised():
    for raw in (None, "event", 12, ["a"], True):
        parsed = parse_event(3, raw)
        assert parsed.index == 3 and parsed.raw is raw
        assert parsed.errors == [f"event: must be a JSON object, not {json_type(raw)}"]


@pytest.mark.parametrize("missing", ["id", "type", "actor", "action", "object", "eventTime"])
def test_each_required_event_property_is_named_when_missing(missing):
    raw = event("ViewEvent", "Viewed")
    del raw[missing]

    assert f"{missing}: is required" in errors_of(raw)


def test_a_standard_event_needs_the_caliper_context():
    raw = event("ViewEvent", "Viewed")
    del raw["@context"]
    assert_one_error(raw, "@context: is required")

    assert_one_error(
        event("ViewEvent", "Viewed", **{"@context": "http://purl.imsglobal.org/ctx/caliper/v1p1"}),
        "@context:",
        "is not the Caliper 1.2 context",
    )
    assert_one_error(
        event("ViewEvent", "Viewed", **{"@context": [CTX, {"x": "http://x"}]}), "must end with"
    )
    assert errors_of(event("ViewEvent", "Viewed", **{"@context": [{"x": "http://x"}, CTX]})) == []


@pytest.mark.parametrize(
    ("event_id", "ok"),
    [
        (UUID, True),
        ("https://example.edu/events/1", True),
        ("c51570e4-f8ed-4c18-bb3a-dfe51b2cc594", False),
        ("not an id", False),
        (42, False),
    ],
)
def test_an_event_id_is_a_urn_uuid_or_another_iri(event_id, ok):
    errors = errors_of(event("ViewEvent", "Viewed", id=event_id))

    assert (errors == []) is ok, errors
    if not ok:
        assert errors[0].startswith("id: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-11-15T10:15:00.000Z", datetime(2016, 11, 15, 10, 15, tzinfo=UTC)),
        ("2026-11-21T10:00:15.170059Z", datetime(2026, 11, 21, 10, 0, 15, 170059, tzinfo=UTC)),
        ("2025-11-18T12:15:00+02:00", datetime(2025, 11, 18, 10, 15, tzinfo=UTC)),
        ("2025-11-18T10:15:00", None),
        ("2025-11-18", None),
        ("2025-13-18T10:15:00Z", None),
        ("18/11/2025 10:15", None),
        (1763460900, None),
    ],
)
def test_event_time_is_an_aware_utc_datetime(value, expected):
    parsed = parse_event(0, event("ViewEvent", "Viewed", eventTime=value))

    assert parsed.event_time == expected
    if expected is None:
        assert any(error.startswith("eventTime: ") for error in parsed.errors)
    else:
        assert parsed.errors == [] and parsed.event_time.tzinfo is UTC


def test_optional_properties_may_be_left_out_but_not_null():
    assert_one_error(event("ViewEvent", "Viewed", generated=None), "generated: must not be null")


@pytest.mark.parametrize(
    ("extensions", "fragment"),
    [
        ("https://extensions/must/be/a/map", "extensions: must be an object"),
        ({"runId": 12}, "extensions.runId: must be a non-empty string"),
        ({"course": 5}, "extensions.course: must be an object with a string id"),
        ({"lesson": {"name": "no id"}}, "extensions.lesson:"),
    ],
)
def test_extensions_are_an_object_and_the_keys_we_read_are_usable(extensions, fragment):
    assert_one_error(event("ViewEvent", "Viewed", extensions=extensions), fragment)


def test_nested_entities_are_validated_with_the_property_path():
    raw = event(
        "ViewEvent",
        "Viewed",
        object={
            "id": "https://example.edu/etexts/201.epub",
            "type": "Document",
            "isPartOf": {"id": "not an iri", "type": "DigitalResourceCollection"},
            "dateCreated": "2016-08-01",
            "name": 12,
        },
    )
    assert errors_of(raw) == [
        "object.dateCreated: '2016-08-01' is not an ISO 8601 date-time with a time zone "
        "(e.g. 2025-11-18T10:15:00.000Z)"
    ]

    raw["object"]["dateCreated"] = "2016-08-01T06:00:00.000Z"
    assert errors_of(raw) == ["object.name: must be a string, not a number (12)"]

    raw["object"]["name"] = "A name"
    assert errors_of(raw) == ["object.isPartOf.id: 'not an iri' is not a valid IRI"]

    raw["object"]["isPartOf"]["id"] = "https://example.edu/collections/1"
    raw["object"]["isPartOf"]["items"] = [{"id": "https://example.edu/users/1", "type": "Person"}]
    assert errors_of(raw) == [
        "object.isPartOf.items[0].type: Person is not allowed here (expected DigitalResource "
        "(or a subtype))"
    ]


def test_an_entity_given_as_a_string_must_be_an_iri():
    assert_one_error(event("ViewEvent", "Viewed", actor="Jane Doe"), "actor:", "not a valid IRI")
    assert_one_error(event("ViewEvent", "Viewed", actor=554433), "actor: must be an object or")


def test_deeply_nested_entities_are_refused_without_recursing_forever():
    entity = {"id": "https://example.edu/x/0", "type": "DigitalResource"}
    for depth in range(1, 200):
        entity = {
            "id": f"https://example.edu/x/{depth}",
            "type": "DigitalResource",
            "isPartOf": entity,
        }

    assert_one_error(event("ViewEvent", "Viewed", object=entity), "nested too deeply")


def test_an_entity_describe_is_not_an_event():
    person = {"@context": CTX, "id": "https://example.edu/users/554433", "type": "Person"}

    assert caliper.is_entity_describe(person)
    assert caliper.validate_entity(person) == []
    assert_one_error(person, "type: Person is a Caliper Entity, not an Event")


# --------------------------------------------------------------------------- actions and types

CALIPER_12_EVENT_TYPES = {
    "Event",
    "AnnotationEvent",
    "AssessmentEvent",
    "AssessmentItemEvent",
    "AssignableEvent",
    "FeedbackEvent",
    "ForumEvent",
    "GradeEvent",
    "MediaEvent",
    "MessageEvent",
    "NavigationEvent",
    "QuestionnaireEvent",
    "QuestionnaireItemEvent",
    "ResourceManagementEvent",
    "SearchEvent",
    "SessionEvent",
    "SurveyEvent",
    "SurveyInvitationEvent",
    "ThreadEvent",
    "ToolLaunchEvent",
    "ToolUseEvent",
    "ViewEvent",
}


def test_the_action_table_covers_every_caliper_12_event_type():
    assert set(caliper.EVENT_ACTIONS) == CALIPER_12_EVENT_TYPES
    assert set(caliper.STANDARD_EVENT_TYPES) == CALIPER_12_EVENT_TYPES
    # The generic Event takes any Caliper action: every action of a specific type, and
    # vocabulary terms no specific type uses.
    of_specific_types = set().union(
        *(actions for type_, actions in caliper.EVENT_ACTIONS.items() if type_ != "Event")
    )
    assert of_specific_types | {"Abandoned", "Liked", "Questioned"} <= set(
        caliper.EVENT_ACTIONS["Event"]
    )


@pytest.mark.parametrize(
    ("type_", "actions"),
    [
        ("AssessmentEvent", {"Started", "Paused", "Resumed", "Restarted", "Reset", "Submitted"}),
        ("SessionEvent", {"LoggedIn", "LoggedOut", "TimedOut"}),
        ("GradeEvent", {"Graded"}),
        ("ViewEvent", {"Viewed"}),
        (
            "AssignableEvent",
            {"Activated", "Deactivated", "Started", "Completed", "Submitted", "Reviewed"},
        ),
        ("AssessmentItemEvent", {"Started", "Skipped", "Completed"}),
        ("NavigationEvent", {"NavigatedTo"}),
        ("ToolLaunchEvent", {"Launched", "Returned"}),
        ("MessageEvent", {"MarkedAsRead", "MarkedAsUnread", "Posted"}),
    ],
)
def test_the_spec_actions_of_a_type(type_, actions):
    assert caliper.EVENT_ACTIONS[type_] == actions


ALLOWED = [
    (type_, action)
    for type_, actions in sorted(caliper.EVENT_ACTIONS.items())
    for action in sorted(actions)
]


@pytest.mark.parametrize(("type_", "action"), ALLOWED)
def test_every_allowed_action_is_accepted(type_, action):
    assert errors_of(event(type_, action)) == []


@pytest.mark.parametrize("type_", sorted(CALIPER_12_EVENT_TYPES - {"Event"}))
def test_a_caliper_action_the_type_does_not_allow_is_refused(type_):
    refused = sorted(caliper.EVENT_ACTIONS["Event"] - caliper.EVENT_ACTIONS[type_])[0]

    errors = errors_of(event(type_, refused))

    assert errors == [
        f"action: '{refused}' is not allowed for {type_} (allowed: "
        f"{', '.join(sorted(caliper.EVENT_ACTIONS[type_]))})"
    ]


def test_viewed_on_an_assessment_event_names_the_allowed_actions():
    assert errors_of(event("AssessmentEvent", "Viewed")) == [
        "action: 'Viewed' is not allowed for AssessmentEvent "
        "(allowed: Paused, Reset, Restarted, Resumed, Started, Submitted)"
    ]


def test_unknown_actions_types_and_profiles_are_refused():
    assert_one_error(event("ViewEvent", "Glanced"), "action: 'Glanced' is not a Caliper 1.2 action")
    assert_one_error(event("GlanceEvent", "Viewed"), "type: 'GlanceEvent' is not a Caliper 1.2")
    assert_one_error(event("ReadingEvent", "Viewed"), "type: 'ReadingEvent' is not a Caliper 1.2")
    assert_one_error(
        event("ViewEvent", "Viewed", profile="GlanceProfile"),
        "profile: 'GlanceProfile' is not a Caliper 1.2 profile",
    )


def test_action_and_profile_iris_are_normalised_to_terms():
    parsed = parse_event(
        0,
        event(
            "ViewEvent",
            "https://purl.imsglobal.org/caliper/actions/Viewed",
            profile="http://purl.imsglobal.org/caliper/ReadingProfile",
        ),
    )

    assert parsed.errors == []
    assert (parsed.action, parsed.profile) == ("Viewed", "ReadingProfile")


def test_an_event_type_must_belong_to_its_profile():
    assert_one_error(
        event("GradeEvent", "Graded", profile="ReadingProfile"),
        "profile: GradeEvent is not part of ReadingProfile",
    )
    assert errors_of(event("GradeEvent", "Graded", profile="GradingProfile")) == []
    assert errors_of(event("NavigationEvent", "NavigatedTo", profile="GeneralProfile")) == []


PERSON = {"id": "https://example.edu/users/554433", "type": "Person"}
APP = {"id": "https://example.edu", "type": "SoftwareApplication"}


@pytest.mark.parametrize(
    ("type_", "action", "overrides", "fragment"),
    [
        (
            "AssessmentEvent",
            "Started",
            {"object": PERSON},
            "object.type: Person is not allowed here (expected Assessment",
        ),
        (
            "GradeEvent",
            "Graded",
            {"generated": PERSON},
            "generated.type: Person is not allowed here (expected Score",
        ),
        (
            "SessionEvent",
            "TimedOut",
            {"actor": PERSON},
            "actor.type: Person is not allowed here (expected SoftwareApplication",
        ),
        (
            "SessionEvent",
            "LoggedIn",
            {"object": {"id": "https://example.edu/s/1", "type": "Session"}},
            "object.type: Session",
        ),
        (
            "FeedbackEvent",
            "Ranked",
            {"generated": {"id": "https://example.edu/c/1", "type": "Comment"}},
            "expected Rating",
        ),
        (
            "ViewEvent",
            "Viewed",
            {"edApp": PERSON},
            "edApp.type: Person is not allowed here (expected SoftwareApplication)",
        ),
        (
            "ViewEvent",
            "Viewed",
            {"object": {"id": "https://example.edu/x", "type": "Blob"}},
            "object.type: 'Blob' is not a Caliper 1.2 entity type",
        ),
    ],
)
def test_the_entity_types_an_event_type_allows(type_, action, overrides, fragment):
    assert_one_error(event(type_, action, **overrides), fragment)


def test_subtypes_are_accepted_where_their_supertype_is():
    video = {"id": "https://example.edu/videos/1", "type": "VideoObject"}
    section = {"id": "https://example.edu/sections/1", "type": "CourseSection"}

    assert errors_of(event("ViewEvent", "Viewed", object=video, group=section)) == []
    assert errors_of(event("GradeEvent", "Graded", actor=APP)) == []


def test_action_specific_requirements():
    launched = event("ToolLaunchEvent", "Launched")
    del launched["federatedSession"]
    assert errors_of(launched) == ["federatedSession: is required for ToolLaunchEvent Launched"]

    copied = event("ResourceManagementEvent", "Copied")
    del copied["generated"]
    assert errors_of(copied) == ["generated: is required for ResourceManagementEvent Copied"]


# --------------------------------------------------------------------------- TimebackProfile

SEED_ACTIVITY = {
    "@context": CTX,
    "id": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
    "type": "ActivityEvent",
    "profile": "TimebackProfile",
    "eventTime": "2025-11-18T10:15:00Z",
    "action": "Completed",
    "actor": {
        "id": f"{ROSTER}/users/student-123",
        "type": "TimebackUser",
        "email": "student@example.com",
    },
    "object": {
        "id": "fractions-quiz",
        "type": "TimebackActivityContext",
        "subject": "Math",
        "app": {"name": "Math App"},
        "activity": {"id": "fractions-quiz", "name": "Fractions Quiz"},
        "course": {"id": f"{ROSTER}/courses/math-grade-5", "name": "Math Grade 5"},
    },
    "generated": {
        "id": "metrics-123",
        "type": "TimebackActivityMetricsCollection",
        "attempt": 1,
        "items": [
            {"type": "totalQuestions", "value": 10},
            {"type": "correctQuestions", "value": 8},
            {"type": "xpEarned", "value": 100},
            {"type": "masteredUnits", "value": 1},
        ],
    },
}
SEED_TIME_SPENT = {
    "@context": CTX,
    "id": "urn:uuid:a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "type": "TimeSpentEvent",
    "profile": "TimebackProfile",
    "eventTime": "2025-11-18T10:15:00Z",
    "action": "SpentTime",
    "actor": copy.deepcopy(SEED_ACTIVITY["actor"]),
    "object": {
        "id": "fractions-quiz",
        "type": "TimebackActivityContext",
        "subject": "Math",
        "app": {"name": "Math App"},
        "course": {"id": f"{ROSTER}/courses/math-grade-5", "name": "Math Grade 5"},
    },
    "generated": {
        "id": "time-metrics-123",
        "type": "TimebackTimeSpentMetricsCollection",
        "items": [
            {"type": "active", "value": 240},
            {"type": "inactive", "value": 60},
            {"type": "waste", "value": 2, "subType": "eating"},
            {"type": "unknown", "value": 5},
            {"type": "anti-pattern", "value": 8},
        ],
    },
}


def variant(base, path, value):
    """A deep copy of ``base`` with the dotted ``path`` set to ``value`` (or removed)."""
    raw = copy.deepcopy(base)
    *parents, last = path.split(".")
    target = raw
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is DELETE:
        del target[last]
    else:
        target[last] = value
    return raw


DELETE = object()


def test_the_seed_timeback_events_are_valid():
    activity = parse_event(0, SEED_ACTIVITY)
    spent = parse_event(1, SEED_TIME_SPENT)

    assert activity.errors == [] and spent.errors == []
    assert (activity.type, activity.action, activity.profile) == (
        "ActivityEvent",
        "Completed",
        "TimebackProfile",
    )
    assert activity.graded and not spent.graded
    assert activity.attempt == 1 and spent.attempt is None
    assert timeback_items(activity) == {
        "totalQuestions": 10.0,
        "correctQuestions": 8.0,
        "xpEarned": 100.0,
        "masteredUnits": 1.0,
    }
    assert timeback_items(spent) == {
        "active": 240.0,
        "inactive": 60.0,
        "waste": 2.0,
        "unknown": 5.0,
        "anti-pattern": 8.0,
    }


def test_timeback_events_need_no_context_and_may_be_minimal():
    raw = variant(SEED_TIME_SPENT, "@context", DELETE)
    raw = variant(raw, "actor.email", DELETE)
    raw["object"] = {
        "id": "https://app.example.com/activities/7",
        "type": "TimebackActivityContext",
    }

    assert errors_of(raw) == []


@pytest.mark.parametrize(
    ("base", "path", "value", "fragment"),
    [
        (
            SEED_ACTIVITY,
            "generated.items.0",
            {"type": "bonusPoints", "value": 3},
            "generated.items[0].type: 'bonusPoints' is not a metric of ActivityEvent",
        ),
        (
            SEED_TIME_SPENT,
            "generated.items.0",
            {"type": "idle", "value": 3},
            "'idle' is not a metric of TimeSpentEvent (allowed: active, inactive, waste, unknown, anti-pattern)",
        ),
        (
            SEED_TIME_SPENT,
            "generated.items.0",
            {"type": "active", "value": -1},
            "generated.items[0].value: active must not be negative",
        ),
        (
            SEED_TIME_SPENT,
            "generated.items.1",
            {"type": "inactive", "value": "60"},
            "generated.items[1].value: must be a number",
        ),
        (
            SEED_ACTIVITY,
            "generated.items.0",
            {"type": "totalQuestions", "value": True},
            "must be a number",
        ),
        (
            SEED_ACTIVITY,
            "generated.items.0",
            {"type": "xpEarned", "value": 5},
            "xpEarned is given more than once",
        ),
        (SEED_ACTIVITY, "generated.attempt", 0, "generated.attempt: must be a positive integer"),
        (SEED_ACTIVITY, "generated.attempt", "1", "generated.attempt: must be a positive integer"),
        (SEED_ACTIVITY, "generated.attempt", 1.5, "generated.attempt: must be a positive integer"),
        (SEED_ACTIVITY, "generated.attempt", True, "generated.attempt: must be a positive integer"),
        (SEED_TIME_SPENT, "generated.attempt", -2, "generated.attempt: must be a positive integer"),
        (
            SEED_ACTIVITY,
            "profile",
            "AssessmentProfile",
            "profile: ActivityEvent needs profile TimebackProfile",
        ),
        (SEED_ACTIVITY, "profile", DELETE, "profile: ActivityEvent needs profile TimebackProfile"),
        (
            SEED_ACTIVITY,
            "action",
            "Started",
            "action: 'Started' is not allowed for ActivityEvent (allowed: Completed)",
        ),
        (SEED_TIME_SPENT, "action", "Completed", "(allowed: SpentTime)"),
        (
            SEED_ACTIVITY,
            "type",
            "ViewEvent",
            "type: 'ViewEvent' is not an event type of TimebackProfile",
        ),
        (
            SEED_ACTIVITY,
            "generated.type",
            "TimebackTimeSpentMetricsCollection",
            "generated.type: 'TimebackTimeSpentMetricsCollection' is not allowed for ActivityEvent",
        ),
        (SEED_ACTIVITY, "generated.items", [], "generated.items: must be a non-empty array"),
        (SEED_ACTIVITY, "generated", DELETE, "generated: is required"),
        (
            SEED_ACTIVITY,
            "actor.type",
            "Person",
            "actor.type: 'Person' is not allowed here (expected TimebackUser)",
        ),
        (SEED_ACTIVITY, "actor.id", "", "actor.id: must be a non-empty string"),
        (SEED_ACTIVITY, "object.id", None, "object.id: must be a non-empty string"),
        (SEED_ACTIVITY, "object.course", 7, "object.course: must be an object"),
        (SEED_ACTIVITY, "object.process", "yes", "object.process: must be a boolean"),
        (SEED_ACTIVITY, "eventTime", "2025-11-18", "eventTime:"),
        (SEED_ACTIVITY, "id", "fractions quiz 1", "id:"),
    ],
)
def test_invalid_timeback_variants_are_refused(base, path, value, fragment):
    assert_one_error(variant(base, path, value), fragment)


def test_negative_xp_corrects_a_wrong_award():
    raw = variant(SEED_ACTIVITY, "generated.items.2", {"type": "xpEarned", "value": -5})

    parsed = parse_event(0, raw)

    assert parsed.errors == []
    assert timeback_items(parsed)["xpEarned"] == -5.0


def test_repeated_time_segments_are_summed():
    raw = variant(
        SEED_TIME_SPENT,
        "generated.items",
        [
            {"type": "active", "value": 100, "startDate": "2025-11-18T10:00:00Z"},
            {"type": "active", "value": 140.5},
        ],
    )

    assert timeback_items(parse_event(0, raw)) == {"active": 240.5}


# --------------------------------------------------------------------------- AggregationProfile

# What timeback-caliper 0.4 (resources/event_transformers/lwai.py) sends for the documented
# TimebackProfile events (docs/events.md#the-aggregationprofile).
AGGREGATION_ACTIVITY = {
    "@context": CTX,
    "id": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
    "type": "ActivityEvent",
    "profile": "AggregationProfile",
    "eventTime": "2025-11-18T10:15:00.000Z",
    "action": "Completed",
    "actor": {"type": "Person", "id": f"{ROSTER}/users/student-123"},
    "object": {
        "type": "AssignableDigitalResource",
        "id": "fractions-quiz",
        "isPartOf": {
            "type": "CourseOffering",
            "id": f"{ROSTER}/courses/math-grade-5",
            "name": "Math Grade 5",
        },
        "extensions": {"app": {"name": "Math App", "type": "SoftwareApplication"}},
    },
    "generated": {
        "id": "metrics-123",
        "type": "ActivityMetricsCollection",
        "items": [
            {
                "id": "urn:uuid:6b661566-8fea-4056-ad56-fd84087ef8f3",
                "type": "ActivityMetric",
                "metricType": "TotalQuestions",
                "metricValue": 10,
            },
            {
                "id": "urn:uuid:ce8c9983-cdca-4f9f-8fac-d3edddcc7bb2",
                "type": "ActivityMetric",
                "metricType": "CorrectQuestions",
                "metricValue": 8,
            },
            {
                "id": "urn:uuid:9d7d06c4-6eb8-42bc-905b-bbbe7a4e500e",
                "type": "ActivityMetric",
                "metricType": "XpEarned",
                "metricValue": 100,
            },
            {
                "id": "urn:uuid:0f8449c4-f654-432a-86c9-ac73ac99b4c2",
                "type": "ActivityMetric",
                "metricType": "MasteredUnits",
                "metricValue": 1,
            },
        ],
        "attempt": 1,
    },
    "session": "urn:tag:auto-attach",
}
AGGREGATION_TIME_SPENT = {
    **copy.deepcopy(AGGREGATION_ACTIVITY),
    "id": "urn:uuid:a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "type": "TimeSpentEvent",
    "action": "SpentTime",
    "generated": {
        "id": "time-metrics-123",
        "type": "TimeSpentMetricsCollection",
        "items": [
            {"type": "TimeSpentMetric", "metricType": "Active", "metricValue": 240},
            {"type": "TimeSpentMetric", "metricType": "Inactive", "metricValue": 60},
            {"type": "TimeSpentMetric", "metricType": "Waste", "metricValue": 2},
            {"type": "TimeSpentMetric", "metricType": "Unknown", "metricValue": 5},
            # The client upper-cases the first letter only; the spec's AntiPattern goes too.
            {"type": "TimeSpentMetric", "metricType": "Anti-pattern", "metricValue": 3},
            {"type": "TimeSpentMetric", "metricType": "AntiPattern", "metricValue": 5},
        ],
    },
}


def test_aggregation_profile_events_are_the_timeback_twins():
    activity = parse_event(0, AGGREGATION_ACTIVITY)
    spent = parse_event(1, AGGREGATION_TIME_SPENT)
    twin_activity = parse_event(0, SEED_ACTIVITY)
    twin_spent = parse_event(1, SEED_TIME_SPENT)

    assert activity.errors == [] and spent.errors == []
    assert (activity.type, activity.action, activity.profile) == (
        "ActivityEvent",
        "Completed",
        "AggregationProfile",
    )
    assert (spent.type, spent.action) == ("TimeSpentEvent", "SpentTime")
    assert timeback_items(activity) == timeback_items(twin_activity)
    assert timeback_items(spent) == timeback_items(twin_spent)
    for field in ("student_ref", "course_ref", "lesson_refs", "attempt", "graded"):
        assert getattr(activity, field) == getattr(twin_activity, field), field
    assert (spent.student_ref, spent.course_ref, spent.lesson_refs) == (
        "student-123",
        "math-grade-5",
        ["fractions-quiz"],
    )
    assert activity.run_key is None  # "urn:tag:auto-attach" names no run


@pytest.mark.parametrize(
    ("base", "path", "value", "fragment"),
    [
        (
            AGGREGATION_ACTIVITY,
            "generated.items.0.metricType",
            "Bonus",
            "generated.items[0].metricType: 'Bonus' is not a metric of ActivityEvent (allowed: TotalQuestions, CorrectQuestions, XpEarned, MasteredUnits)",
        ),
        (
            AGGREGATION_ACTIVITY,
            "generated.items.0.metricType",
            "Active",
            "'Active' is not a metric of ActivityEvent",
        ),
        (
            AGGREGATION_ACTIVITY,
            "generated.items.0.type",
            "TimeSpentMetric",
            "generated.items[0].type: 'TimeSpentMetric' is not allowed here (expected ActivityMetric)",
        ),
        (
            AGGREGATION_ACTIVITY,
            "generated.items.0.metricValue",
            None,
            "generated.items[0].metricValue: must be a number",
        ),
        (
            AGGREGATION_TIME_SPENT,
            "generated.items.0.metricValue",
            -3,
            "active must not be negative",
        ),
        (
            AGGREGATION_ACTIVITY,
            "generated.type",
            "TimeSpentMetricsCollection",
            "expected ActivityMetricsCollection",
        ),
        (
            AGGREGATION_ACTIVITY,
            "actor.type",
            "TimebackUser",
            "actor.type: 'TimebackUser' is not allowed here (expected Person)",
        ),
        (
            AGGREGATION_ACTIVITY,
            "object.type",
            "TimebackActivityContext",
            "expected AssignableDigitalResource",
        ),
        (
            AGGREGATION_ACTIVITY,
            "object.isPartOf.type",
            "CourseSection",
            "object.isPartOf.type: 'CourseSection' is not allowed here (expected CourseOffering)",
        ),
        (
            AGGREGATION_ACTIVITY,
            "type",
            "GradeEvent",
            "type: 'GradeEvent' is not an event type of AggregationProfile",
        ),
    ],
)
def test_invalid_aggregation_variants_are_refused(base, path, value, fragment):
    assert_one_error(variant(base, path, value), fragment)


def test_an_aggregation_course_without_id_is_no_course():
    raw = variant(AGGREGATION_ACTIVITY, "object.isPartOf", {"type": "CourseOffering", "id": None})

    parsed = parse_event(0, raw)

    assert parsed.errors == [] and parsed.course_ref is None


def test_timeback_items_is_empty_for_other_events():
    assert timeback_items(parse_event(0, event("ViewEvent", "Viewed"))) == {}


# --------------------------------------------------------------------------- references


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("https://example.edu/users/student-123", "student-123"),
        (f"{ROSTER}/users/student-123/", "student-123"),
        ("https://example.edu/users/student-123?view=full#top", "student-123"),
        ("https://example.edu/users/jane%20doe", "jane doe"),
        ("https://example.edu", "https://example.edu"),
        (
            "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
            "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
        ),
        ("student-123", "student-123"),
        ("fractions-quiz", "fractions-quiz"),
    ],
)
def test_last_segment(identifier, expected):
    assert last_segment(identifier) == expected


ATTEMPT = {
    "id": "https://example.edu/assess/1/users/554433/attempts/2",
    "type": "Attempt",
    "assignee": {"id": "https://example.edu/users/554433", "type": "Person"},
    "assignable": {"id": "https://example.edu/lessons/quiz-1", "type": "Assessment"},
    "count": 2,
}


def test_a_grade_event_student_is_the_attempt_assignee_not_the_grader():
    raw = event(
        "GradeEvent",
        "Graded",
        actor={"id": "https://example.edu/autograder", "type": "SoftwareApplication"},
        object=ATTEMPT,
        generated={
            "id": "https://example.edu/scores/1",
            "type": "Score",
            "scoreGiven": 8,
            "maxScore": 10,
        },
    )

    parsed = parse_event(0, raw)

    assert parsed.errors == []
    assert parsed.student_ref == "554433"
    assert parsed.lesson_refs == ["quiz-1"]  # the attempt's own id is no lesson
    assert parsed.attempt == 2


def test_a_grade_event_given_the_attempt_as_an_iri_falls_back_to_the_actor():
    # Timeback's official client: actor is the student, object the attempt's IRI.
    raw = event("GradeEvent", "Graded", actor="urn:uuid:student-123", object="urn:uuid:attempt-101")

    parsed = parse_event(0, raw)

    assert parsed.student_ref == "urn:uuid:student-123"
    assert parsed.lesson_refs == []


def test_an_assessment_event_student_is_the_generated_attempt_assignee():
    raw = event(
        "AssessmentEvent",
        "Submitted",
        actor={"id": "https://example.edu/users/proctor-1", "type": "Person"},
        object={"id": "https://example.edu/lessons/quiz-1", "type": "Assessment"},
        generated=ATTEMPT,
    )

    parsed = parse_event(0, raw)

    assert (parsed.student_ref, parsed.attempt, parsed.lesson_refs) == ("554433", 2, ["quiz-1"])


def test_an_item_response_carries_the_attempt_and_its_assignee():
    raw = event(
        "AssessmentItemEvent",
        "Completed",
        actor="https://example.edu/users/someone-else",
        object={"id": "https://example.edu/lessons/quiz-1/items/3", "type": "AssessmentItem"},
        generated={"id": "https://example.edu/responses/1", "type": "Response", "attempt": ATTEMPT},
    )

    parsed = parse_event(0, raw)

    assert (parsed.student_ref, parsed.attempt) == ("554433", 2)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("https://example.edu/users/554433", "554433"),
        ({"id": "https://example.edu/users/554433", "type": "Person"}, "554433"),
        ({"id": "http://purl.imsglobal.org/caliper/Person", "type": "Person"}, None),
        ({"id": "https://example.edu", "type": "SoftwareApplication"}, None),
    ],
)
def test_the_student_is_otherwise_the_actor_when_it_can_be_a_person(actor, expected):
    assert parse_event(0, event("ViewEvent", "Viewed", actor=actor)).student_ref == expected


@pytest.mark.parametrize(
    ("extensions", "obj", "expected"),
    [
        (
            {"course": {"id": "https://example.edu/courses/math-5"}},
            {
                "id": "https://e.edu/l/1",
                "type": "AssignableDigitalResource",
                "isPartOf": {"id": "https://e.edu/courses/other", "type": "CourseOffering"},
            },
            "math-5",
        ),
        ({"course": "https://example.edu/courses/math-5"}, "https://e.edu/l/1", "math-5"),
        (
            {},
            {
                "id": "https://e.edu/l/1",
                "type": "AssignableDigitalResource",
                "isPartOf": {"id": "https://e.edu/courses/algebra", "type": "CourseOffering"},
            },
            "algebra",
        ),
        (
            {},
            {
                "id": "https://e.edu/l/1",
                "type": "AssignableDigitalResource",
                "isPartOf": {"id": "https://e.edu/sections/7", "type": "CourseSection"},
            },
            None,
        ),
        (
            {},
            {
                "id": "https://e.edu/l/1",
                "type": "AssignableDigitalResource",
                "isPartOf": "https://e.edu/courses/algebra",
            },
            None,
        ),
        ({}, "https://e.edu/l/1", None),
    ],
)
def test_the_course_comes_from_an_explicit_reference_only(extensions, obj, expected):
    raw = event("AssignableEvent", "Completed", object=obj)
    if extensions:
        raw["extensions"] = extensions

    parsed = parse_event(0, raw)

    assert parsed.errors == []
    assert parsed.course_ref == expected


def test_the_timeback_course_is_object_course_unless_extensions_name_one():
    assert parse_event(0, SEED_ACTIVITY).course_ref == "math-grade-5"
    raw = variant(SEED_ACTIVITY, "extensions", {"course": {"id": "https://e.edu/courses/override"}})
    assert parse_event(0, raw).course_ref == "override"
    assert parse_event(0, variant(SEED_ACTIVITY, "object.course", DELETE)).course_ref is None


def test_lesson_candidates_come_in_priority_order_without_duplicates():
    raw = variant(SEED_ACTIVITY, "extensions", {"lesson": {"id": "https://e.edu/lessons/from-ext"}})
    raw["object"]["id"] = "https://app.example.com/activities/fractions-quiz"
    raw["object"]["assignable"] = "https://app.example.com/lessons/unit-3"

    assert parse_event(0, raw).lesson_refs == ["from-ext", "fractions-quiz", "unit-3"]
    assert parse_event(0, SEED_ACTIVITY).lesson_refs == ["fractions-quiz"]


def test_lesson_candidates_of_a_plain_event_are_its_object():
    raw = event("ViewEvent", "Viewed", object="https://e.edu/lessons/intro")

    assert parse_event(0, raw).lesson_refs == ["intro"]


@pytest.mark.parametrize(
    ("extensions", "session", "expected"),
    [
        ({"runId": "run-42"}, "urn:uuid:1f6442a4-82de-72ea-6ad1-34943812bff5", "run-42"),
        (
            {},
            "urn:uuid:1f6442a4-82de-72ea-6ad1-34943812bff5",
            "1f6442a4-82de-72ea-6ad1-34943812bff5",
        ),
        (
            {},
            {"id": "urn:uuid:1f6442a4-82de-72ea-6ad1-34943812bff5", "type": "Session"},
            "1f6442a4-82de-72ea-6ad1-34943812bff5",
        ),
        ({}, "https://example.edu/sessions/1f6442a4", None),
        ({}, "urn:tag:auto-attach", None),
        ({}, None, None),
    ],
)
def test_the_run_key(extensions, session, expected):
    raw = event("ViewEvent", "Viewed", extensions=extensions)
    if session is not None:
        raw["session"] = session

    parsed = parse_event(0, raw)

    assert parsed.errors == []
    assert parsed.run_key == expected


def test_references_are_not_extracted_from_an_invalid_event():
    parsed = parse_event(0, variant(SEED_ACTIVITY, "generated.attempt", 0))

    assert parsed.errors
    assert parsed.id == SEED_ACTIVITY["id"] and parsed.type == "ActivityEvent"
    assert parsed.student_ref is None and parsed.lesson_refs == []


# --------------------------------------------------------------------------- scores


def grade(score):
    return event("GradeEvent", "Graded", object=ATTEMPT, generated=score)


SCORE = {"id": "https://example.edu/scores/1", "type": "Score", "scoreGiven": 8, "maxScore": 10.0}


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        ({**SCORE, "scoreType": "QUESTION_RESULT"}, (8.0, 10.0, "QUESTION_RESULT")),
        ({**SCORE, "extensions": {"scoreType": "LESSON_RESULT"}}, (8.0, 10.0, "LESSON_RESULT")),
        ({**SCORE, "scoreType": "A", "extensions": {"scoreType": "B"}}, (8.0, 10.0, "A")),
        (SCORE, (8.0, 10.0, None)),
        ({"id": "https://example.edu/scores/1", "type": "Score"}, (None, None, None)),
    ],
)
def test_score_type_is_read_from_the_score_or_its_extensions(score, expected):
    parsed = parse_event(0, grade(score))

    assert parsed.errors == []
    assert score_of(parsed) == expected


def test_a_score_type_must_be_a_string():
    assert_one_error(grade({**SCORE, "scoreType": 3}), "generated.scoreType: must be a string")
    assert_one_error(
        grade({**SCORE, "extensions": {"scoreType": ["x"]}}),
        "generated.extensions.scoreType: must be a string",
    )


def test_score_of_other_events_is_empty():
    assert score_of(parse_event(0, event("GradeEvent", "Graded"))) == (None, None, None)
    assert score_of(parse_event(0, SEED_ACTIVITY)) == (None, None, None)


# --------------------------------------------------------------------------- robustness

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
KEYS = st.sampled_from(
    [
        "id",
        "type",
        "actor",
        "action",
        "object",
        "eventTime",
        "generated",
        "profile",
        "extensions",
        "session",
        "@context",
        "items",
        "attempt",
        "isPartOf",
        "assignee",
    ]
)


@settings(max_examples=examples(300), deadline=None)
@given(
    base=st.sampled_from([SEED_ACTIVITY, SEED_TIME_SPENT, AGGREGATION_ACTIVITY, grade(SCORE)]),
    key=KEYS,
    where=st.sampled_from(["", "actor", "object", "generated"]),
    value=JSON,
)
def test_no_mutation_of_a_valid_event_makes_parse_event_raise(base, key, where, value):
    raw = copy.deepcopy(base)
    target = raw.get(where) if where else raw
    if isinstance(target, dict):
        target[key] = value

    parsed = parse_event(0, raw)

    assert all(isinstance(error, str) and error for error in parsed.errors)
    timeback_items(parsed)
    score_of(parsed)


@settings(max_examples=examples(200), deadline=None)
@given(value=JSON)
def test_parse_event_never_raises_on_arbitrary_json(value):
    parsed = parse_event(0, value)

    assert isinstance(parsed.errors, list)
