"""Caliper 1.2 validation and reference extraction: pure rules, no Django.

The ingestion service calls :func:`validate_envelope` once per request and
:func:`parse_event` once per event; both are cheap (a 100-event envelope of typical
events validates in about 3 ms).

How the official JSON schemas are used
--------------------------------------
``events/caliper_schema/`` holds an unmodified copy of the 110 official Caliper 1.2
schemas (draft-04 style, with IMS's custom ``"$ref": "Person"`` convention). At import
they are loaded and adapted *in memory*, then compiled once per type with
``fastjsonschema`` (which turns a schema into plain Python code):

- annotations (``title``, ``description``, ``translations``, ``definedBy``...) and the
  draft-04 ``id`` keyword are dropped; ``CaliperTypeDefinitions#/x`` refs and refs to
  the enumerations (``Metric``, ``Status``) and to the id-less helper objects
  (``TextPositionSelector``) are inlined;
- IMS's custom formats become constraints a validator understands: ``uint32`` ->
  integer 0..2**32-1, ``long`` -> integer, ``float`` -> number, ``duration`` -> an ISO
  8601 duration check, ``date-time`` -> an RFC 3339 check that also rejects impossible
  dates;
- a property that holds entities (``"$ref": "Person"``, or an ``anyOf`` of entity refs,
  or an array of those) becomes a *slot*: its allowed entity types are read from the
  schema, and the value is checked by :func:`_check_entity`, which dispatches on the
  entity's ``type`` (Caliper's discriminator) to that type's compiled validator and
  recurses. This gives the same answer as the schemas' nested ``anyOf`` (every entity
  schema pins its ``type`` with ``^Name$``) without trying 70 alternatives per value,
  and the error names the exact property path instead of "must be valid by one of
  anyOf definition".

Checks the schemas do not make, taken from the specification text
(the Caliper Analytics 1.2 specification) and made here:

- the actions each event type allows (:data:`EVENT_ACTIONS`), the entity types each
  event type allows for ``actor``/``object``/``generated``/``target``/``referrer``
  (subtypes included, :data:`_EVENT_RULES`), the action-specific rules (SessionEvent,
  FeedbackEvent, ToolLaunchEvent ``Launched`` needs ``federatedSession``,
  ResourceManagementEvent ``Copied`` needs ``generated``), the event types each profile
  is made of (``GeneralProfile`` accepts any standard type, as the official fixtures do);
- identifiers: an entity ``id`` is an IRI (absolute: ``scheme:rest``, no spaces) or a
  blank node (``_:b0``); an entity given as a string must be an IRI; an event ``id`` is a
  ``urn:uuid:...`` or another IRI; the top-level ``@context`` is the Caliper context URL
  (or an array ending with it);
- ``otherIdentifiers`` (absent from the schemas) is a list of SystemIdentifiers whose
  ``identifierType`` is one of the 13 terms the spec lists (the vendored
  ``SystemIdentifier.json`` lists only ``LtiUserId`` while the valid fixtures use all 13,
  so the spec's list wins);
- ``ReadingEvent`` and ``OutcomeEvent`` have schemas but are not Caliper 1.2 event
  types (the spec's list of Event subtypes omits them): rejected as unknown;
- where a schema contradicts the spec text and the official valid fixtures, the spec wins
  (:data:`_SPEC_PROPERTIES`, :data:`_SPEC_REQUIRED`, :data:`_SPEC_SLOTS`,
  :data:`_SPEC_ROLES`): misnamed or missing properties (``LtiLink.messageType``,
  ``MultiselectScale.isOrderedSelection``, ``Comment.value``, ``Score.comment``,
  ``Forum``/``Thread``/``Questionnaire.items``), ``AggregateMeasure.metric`` and
  ``metricValue`` required, collection items and ``Attempt.isPartOf``/``Session.user``
  typed as the spec says, the ``Manager#Manager`` role.

Deliberately lenient: unknown properties are accepted (the schemas accept them); a
number written without a decimal point is accepted where the schemas say ``float``
(JSON has one number type and Timeback's client sends ``"scoreGiven": 1``; four broken
*entity* fixtures rely on ``15`` differing from ``15.0``); an inline ``@context`` object
is accepted (an official valid fixture has one). The schemas are compiled with
fastjsonschema's default (draft-07) semantics, which differ from draft-04 only in
counting ``1.0`` as an integer.

An envelope may also carry Entity *describes*: :func:`parse_event` rejects them (they are
not events) and :func:`validate_entity` validates them, so the service can decide.

Timeback forms
--------------
``TimebackProfile`` (``ActivityEvent``/``Completed`` and ``TimeSpentEvent``/``SpentTime``,
described in docs/events.md#the-timebackprofile) is not standard Caliper: its shape is
checked here by hand. ``@context`` is optional for it (Timeback's own API makes it
optional), ids of its nested objects need not be IRIs (Timeback's examples send
``"id": "fractions-quiz"``), ``xpEarned`` may be negative (Timeback documents a negative
XP event as the way to correct a wrong one), time values are >= 0.

``AggregationProfile`` is what Timeback's official client (``timeback-caliper`` 0.4,
``resources/event_transformers/lwai.py``) sends on the LEARNWITH_AI path profile: it takes
a TimebackProfile event and renames the profile, turns the actor into
``{type: Person, id}``, the object into an ``AssignableDigitalResource`` whose ``isPartOf``
is a ``CourseOffering`` (the course; its ``id`` is null when the course had none), the
metrics into ``ActivityMetricsCollection``/``TimeSpentMetricsCollection`` of
``{type: ActivityMetric|TimeSpentMetric, metricType, metricValue}`` with ``metricType``
the item type with its first letter upper-cased (so ``anti-pattern`` becomes
``Anti-pattern``; ``AntiPattern`` is accepted too) and sets
``session: "urn:tag:auto-attach"`` when there was none. **Mapping decision:** the client
keeps the event ``type`` and ``action``, so an AggregationProfile event is parsed as the
same ``ActivityEvent``/``Completed`` or ``TimeSpentEvent``/``SpentTime`` as its
TimebackProfile twin (``ParsedEvent.profile`` keeps the profile as sent), the generated
collection type must match the event type, and :func:`timeback_items` answers the same
``{"xpEarned": ..., "active": ...}`` dict for both forms. The pipeline therefore treats
them the same by ``type``.

References
----------
Extracted by :func:`parse_event` (valid events only) into :class:`ParsedEvent`, following
docs/events.md#resolving-references; the service resolves them against the roster and
catalogue:

- student: the ``assignee`` of the Attempt the event is about (the object when it is an
  Attempt, as in a GradeEvent; else the generated Attempt; else the Attempt a generated
  Response or Score carries), else the actor, unless the actor is typed as software or
  an organisation; an anonymous entity (id ``http://purl.imsglobal.org/caliper/Person``)
  names nobody;
- course: ``extensions.course``, ``object.course``, ``object.isPartOf`` when typed
  ``CourseOffering`` (a CourseSection is a class, not a course), else None;
- lesson candidates: ``extensions.lesson``, ``object.activity``, ``object.assignable``,
  ``object`` itself, deduplicated; when the object is an Attempt (always for a
  GradeEvent, even given as a bare IRI) its own id is left out: it names an attempt,
  never a lesson;
- every reference may be an object with an ``id`` or the id itself; its sourcedId is
  :func:`last_segment` of the id;
- run key: ``extensions.runId``, else the uuid of a ``urn:uuid:`` session id;
- attempt: ``generated.attempt`` (Timeback forms), else the ``count`` of the Attempt.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import fastjsonschema
from fastjsonschema import JsonSchemaValueException

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
CALIPER_CONTEXT = DATA_VERSION

GRADED_TYPES = {"AssessmentItemEvent", "AssessmentEvent", "GradeEvent", "ActivityEvent"}

TIMEBACK_PROFILE = "TimebackProfile"
AGGREGATION_PROFILE = "AggregationProfile"
TIMEBACK_PROFILES = frozenset({TIMEBACK_PROFILE, AGGREGATION_PROFILE})

ACTIVITY_ITEM_TYPES = ("totalQuestions", "correctQuestions", "xpEarned", "masteredUnits")
TIME_SPENT_ITEM_TYPES = ("active", "inactive", "waste", "unknown", "anti-pattern")

SCHEMA_DIR = Path(__file__).with_name("caliper_schema")
_MAX_DEPTH = 32  # entities nested deeper than this are refused rather than recursed into


class EnvelopeError(Exception):
    """The request body is not an acceptable Caliper envelope (nothing is stored)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- small checks

_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+\Z")
_BLANK_NODE_RE = re.compile(r"_:[^\s<>\"{}|\\^`]+\Z")
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})\Z"
)
_DURATION_RE = re.compile(
    r"P(?!\Z)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?W)?"
    r"(?:\d+(?:[.,]\d+)?D)?(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?"
    r"(?:\d+(?:[.,]\d+)?S)?)?\Z"
)


def is_iri(value: object) -> bool:
    """An absolute IRI: ``scheme:rest`` without spaces or characters IRIs forbid."""
    return isinstance(value, str) and _IRI_RE.match(value) is not None


def _is_entity_id(value: str) -> bool:
    return _IRI_RE.match(value) is not None or _BLANK_NODE_RE.match(value) is not None


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time with an offset, as an aware UTC datetime; else None."""
    if not isinstance(value, str) or _DATETIME_RE.match(value) is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def _is_datetime(value: str) -> bool:
    return parse_datetime(value) is not None


def _is_duration(value: str) -> bool:
    return _DURATION_RE.match(value) is not None


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: object) -> str:
    """The value as a developer would recognise it in their JSON (trimmed)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and (isinstance(value, int) or math.isfinite(value))
    )


def last_segment(identifier: str) -> str:
    """The sourcedId an identifier names.

    For a URL (``scheme://...``): the last non-empty path segment, percent-decoded,
    ignoring any query or fragment (``https://x/users/student-123/`` -> ``student-123``);
    a URL without a path answers itself. Anything else (``urn:uuid:...``, ``student-123``)
    is answered whole.
    """
    if "://" not in identifier:
        return identifier
    rest = identifier.split("://", 1)[1]
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    segments = [segment for segment in rest.split("/")[1:] if segment]
    if not segments:
        return identifier
    return unquote(segments[-1])


# --------------------------------------------------------------------------- the vocabulary

# Event type -> actions the Caliper 1.2 specification allows (its event sections, "The value
# range is limited to ...", cross-checked with each action's "Supported by").
_ALL_ACTIONS: frozenset[str] = frozenset()  # filled from Action.json below
EVENT_ACTIONS: dict[str, frozenset[str]] = {
    "AnnotationEvent": frozenset({"Bookmarked", "Highlighted", "Shared", "Tagged"}),
    "AssessmentEvent": frozenset(
        {"Started", "Paused", "Resumed", "Restarted", "Reset", "Submitted"}
    ),
    "AssessmentItemEvent": frozenset({"Started", "Skipped", "Completed"}),
    "AssignableEvent": frozenset(
        {"Activated", "Deactivated", "Started", "Completed", "Submitted", "Reviewed"}
    ),
    "FeedbackEvent": frozenset({"Commented", "Ranked"}),
    "ForumEvent": frozenset({"Subscribed", "Unsubscribed"}),
    "GradeEvent": frozenset({"Graded"}),
    "MediaEvent": frozenset(
        {
            "Started",
            "Ended",
            "Paused",
            "Resumed",
            "Restarted",
            "ForwardedTo",
            "JumpedTo",
            "ChangedResolution",
            "ChangedSize",
            "ChangedSpeed",
            "ChangedVolume",
            "EnabledClosedCaptioning",
            "DisabledClosedCaptioning",
            "EnteredFullScreen",
            "ExitedFullScreen",
            "Muted",
            "Unmuted",
            "OpenedPopout",
            "ClosedPopout",
        }
    ),
    # The spec's tables spell it "MarkedAsUnRead"; the action term is "MarkedAsUnread".
    "MessageEvent": frozenset({"MarkedAsRead", "MarkedAsUnread", "Posted"}),
    "NavigationEvent": frozenset({"NavigatedTo"}),
    "QuestionnaireEvent": frozenset({"Started", "Submitted"}),
    "QuestionnaireItemEvent": frozenset({"Started", "Skipped", "Completed"}),
    "ResourceManagementEvent": frozenset(
        {
            "Archived",
            "Copied",
            "Created",
            "Deleted",
            "Described",
            "Downloaded",
            "Modified",
            "Printed",
            "Published",
            "Restored",
            "Retrieved",
            "Saved",
            "Unpublished",
            "Uploaded",
        }
    ),
    "SearchEvent": frozenset({"Searched"}),
    "SessionEvent": frozenset({"LoggedIn", "LoggedOut", "TimedOut"}),
    "SurveyEvent": frozenset({"OptedIn", "OptedOut"}),
    "SurveyInvitationEvent": frozenset({"Accepted", "Declined", "Sent"}),
    "ThreadEvent": frozenset({"MarkedAsRead", "MarkedAsUnread"}),
    "ToolLaunchEvent": frozenset({"Launched", "Returned"}),
    "ToolUseEvent": frozenset({"Used"}),
    "ViewEvent": frozenset({"Viewed"}),
    # "Event" (GeneralProfile): any Caliper action; set below from Action.json.
}
TIMEBACK_ACTIONS = {"ActivityEvent": "Completed", "TimeSpentEvent": "SpentTime"}

# Entity type -> its supertypes (the spec's "Supertype(s)" lines; the deprecated 1.1
# types that still have schemas, Reading and epub*, are DigitalResources).
_SUPERTYPES: dict[str, tuple[str, ...]] = {
    "Agent": ("Entity",),
    "Person": ("Agent",),
    "Organization": ("Agent",),
    "SoftwareApplication": ("Agent",),
    "CourseOffering": ("Organization",),
    "CourseSection": ("CourseOffering",),
    "Group": ("Organization",),
    "AggregateMeasure": ("Entity",),
    "Collection": ("Entity",),
    "AggregateMeasureCollection": ("Collection",),
    "DigitalResourceCollection": ("Collection", "DigitalResource"),
    "Survey": ("Collection",),
    "Annotation": ("Entity",),
    "BookmarkAnnotation": ("Annotation",),
    "HighlightAnnotation": ("Annotation",),
    "SharedAnnotation": ("Annotation",),
    "TagAnnotation": ("Annotation",),
    "DigitalResource": ("Entity",),
    "AssignableDigitalResource": ("DigitalResource",),
    "Assessment": ("AssignableDigitalResource", "DigitalResourceCollection"),
    "AssessmentItem": ("AssignableDigitalResource",),
    "Forum": ("DigitalResourceCollection",),
    "Questionnaire": ("DigitalResourceCollection",),
    "Thread": ("DigitalResourceCollection",),
    "MediaObject": ("DigitalResource",),
    "AudioObject": ("MediaObject",),
    "ImageObject": ("MediaObject",),
    "VideoObject": ("MediaObject",),
    "Question": ("DigitalResource",),
    "DateTimeQuestion": ("Question",),
    "MultiselectQuestion": ("Question",),
    "OpenEndedQuestion": ("Question",),
    "RatingScaleQuestion": ("Question",),
    "Response": ("Entity",),
    "DateTimeResponse": ("Response",),
    "FillinBlankResponse": ("Response",),
    "MultipleChoiceResponse": ("Response",),
    "MultipleResponseResponse": ("Response",),
    "MultiselectResponse": ("Response",),
    "OpenEndedResponse": ("Response",),
    "RatingScaleResponse": ("Response",),
    "SelectTextResponse": ("Response",),
    "TrueFalseResponse": ("Response",),
    "Scale": ("Entity",),
    "LikertScale": ("Scale",),
    "MultiselectScale": ("Scale",),
    "NumericScale": ("Scale",),
    "Session": ("Entity",),
    "LtiSession": ("Session",),
    **{
        name: ("DigitalResource",)
        for name in (
            "Chapter",
            "Document",
            "Frame",
            "LtiLink",
            "MediaLocation",
            "Message",
            "Page",
            "QuestionnaireItem",
            "SurveyInvitation",
            "WebPage",
            "Reading",
            "epubChapter",
            "epubPart",
            "epubSubChapter",
            "epubVolume",
        )
    },
    **{
        name: ("Entity",)
        for name in (
            "Attempt",
            "Comment",
            "LearningObjective",
            "Link",
            "Membership",
            "Query",
            "Rating",
            "Result",
            "Score",
            "SearchResponse",
        )
    },
}


def _ancestors(name: str) -> set[str]:
    found = {name}
    for parent in _SUPERTYPES.get(name, ()):
        found |= _ancestors(parent)
    return found


def _family(*roots: str) -> frozenset[str]:
    """The named entity types and all their subtypes."""
    names = set(_SUPERTYPES) | {"Entity"}
    return frozenset(name for name in names if _ancestors(name) & set(roots))


def _describe_types(types: frozenset[str]) -> str:
    """``DigitalResource (or a subtype)`` when the set is a family, else the names."""
    roots = sorted(name for name in types if not (_ancestors(name) - {name}) & types)
    if _family(*roots) == types:
        return " or ".join(roots) + (" (or a subtype)" if len(types) > len(roots) else "")
    names = sorted(types)
    if len(names) > 6:
        return ", ".join(names[:6]) + f", ... ({len(names)} types)"
    return ", ".join(names)


@dataclass(frozen=True, slots=True)
class _Rule:
    """Which entity types an event type allows in one property (None = the schema's)."""

    types: frozenset[str]
    label: str  # as the spec says it, for messages


def _rule(*roots: str) -> _Rule:
    types = _family(*roots)
    return _Rule(types, _describe_types(types))


_PERSON = _rule("Person")
# Event type -> {property: allowed entity types}, from the event sections of the spec.
_EVENT_RULES: dict[str, dict[str, _Rule]] = {
    "Event": {"actor": _rule("Agent"), "object": _rule("Entity")},
    "AnnotationEvent": {
        "actor": _PERSON,
        "object": _rule("DigitalResource"),
        "target": _rule("Frame"),
        "generated": _rule("Annotation"),
    },
    "AssessmentEvent": {
        "actor": _PERSON,
        "object": _rule("Assessment"),
        "generated": _rule("Attempt"),
    },
    "AssessmentItemEvent": {
        "actor": _PERSON,
        "object": _rule("AssessmentItem"),
        # The event section says Response, the profile table says Attempt for
        # Started/Skipped: both are accepted.
        "generated": _rule("Response", "Attempt"),
        "referrer": _rule("AssessmentItem"),
    },
    "AssignableEvent": {
        "actor": _PERSON,
        "object": _rule("AssignableDigitalResource"),
        "target": _rule("Frame"),
        "generated": _rule("Attempt"),
    },
    "FeedbackEvent": {
        "actor": _PERSON,
        "object": _rule("Entity"),
        "target": _rule("Frame"),
        "generated": _rule("Rating", "Comment"),
    },
    "ForumEvent": {"actor": _PERSON, "object": _rule("Forum")},
    "GradeEvent": {
        "actor": _rule("Agent"),
        "object": _rule("Attempt"),
        "generated": _rule("Score"),
    },
    "MediaEvent": {
        "actor": _PERSON,
        "object": _rule("MediaObject"),
        "target": _rule("MediaLocation"),
    },
    "MessageEvent": {"actor": _PERSON, "object": _rule("Message")},
    "NavigationEvent": {
        "actor": _PERSON,
        "object": _rule("DigitalResource", "SoftwareApplication"),
        "target": _rule("DigitalResource"),
        "referrer": _rule("DigitalResource", "SoftwareApplication"),
    },
    "QuestionnaireEvent": {
        "actor": _PERSON,
        "object": _rule("Questionnaire"),
        "generated": _rule("Attempt"),
    },
    "QuestionnaireItemEvent": {
        "actor": _PERSON,
        "object": _rule("QuestionnaireItem"),
        "generated": _rule("Response", "Attempt"),
    },
    "ResourceManagementEvent": {
        "actor": _PERSON,
        "object": _rule("DigitalResource"),
        "generated": _rule("DigitalResource"),
    },
    "SearchEvent": {
        "actor": _PERSON,
        "object": _rule("Entity"),
        "generated": _rule("SearchResponse"),
    },
    "SessionEvent": {
        "actor": _rule("Person", "SoftwareApplication"),
        "object": _rule("Session", "SoftwareApplication"),
        "target": _rule("DigitalResource"),
        "referrer": _rule("DigitalResource", "SoftwareApplication"),
    },
    "SurveyEvent": {"actor": _PERSON, "object": _rule("Survey")},
    "SurveyInvitationEvent": {"actor": _PERSON, "object": _rule("SurveyInvitation")},
    "ThreadEvent": {"actor": _PERSON, "object": _rule("Thread")},
    "ToolLaunchEvent": {
        "actor": _PERSON,
        "object": _rule("SoftwareApplication"),
        "generated": _rule("DigitalResource"),
        "target": _rule("Link", "LtiLink"),
    },
    "ToolUseEvent": {
        "actor": _PERSON,
        "object": _rule("SoftwareApplication"),
        "target": _rule("SoftwareApplication"),
        "generated": _rule("AggregateMeasureCollection"),
    },
    "ViewEvent": {"actor": _PERSON, "object": _rule("DigitalResource")},
}
# Rules that depend on the action (SessionEvent, FeedbackEvent).
_ACTION_RULES: dict[tuple[str, str], dict[str, _Rule]] = {
    ("SessionEvent", "LoggedIn"): {"actor": _PERSON, "object": _rule("SoftwareApplication")},
    ("SessionEvent", "LoggedOut"): {"actor": _PERSON, "object": _rule("SoftwareApplication")},
    ("SessionEvent", "TimedOut"): {
        "actor": _rule("SoftwareApplication"),
        "object": _rule("Session"),
    },
    ("FeedbackEvent", "Commented"): {"generated": _rule("Comment")},
    ("FeedbackEvent", "Ranked"): {"generated": _rule("Rating")},
}
# (event type, action) -> property the spec makes required for that action.
_ACTION_REQUIRES: dict[tuple[str, str], str] = {
    ("ToolLaunchEvent", "Launched"): "federatedSession",
    ("ResourceManagementEvent", "Copied"): "generated",
}

# Profile -> event types it is made of (the profile tables of the spec). GeneralProfile
# is documented as "only the generic Event", yet the official valid fixtures pair it with
# NavigationEvent: it accepts every standard type.
PROFILE_EVENT_TYPES: dict[str, frozenset[str] | None] = {
    "AnnotationProfile": frozenset({"AnnotationEvent"}),
    "AssessmentProfile": frozenset(
        {"AssessmentEvent", "AssessmentItemEvent", "NavigationEvent", "ViewEvent"}
    ),
    "AssignableProfile": frozenset({"AssignableEvent", "NavigationEvent", "ViewEvent"}),
    "FeedbackProfile": frozenset({"FeedbackEvent"}),
    "ForumProfile": frozenset(
        {"ForumEvent", "ThreadEvent", "MessageEvent", "NavigationEvent", "ViewEvent"}
    ),
    "GeneralProfile": None,
    "GradingProfile": frozenset({"GradeEvent", "ViewEvent"}),
    "MediaProfile": frozenset({"MediaEvent", "NavigationEvent", "ViewEvent"}),
    "ReadingProfile": frozenset({"NavigationEvent", "ViewEvent"}),
    "ResourceManagementProfile": frozenset({"ResourceManagementEvent"}),
    "SearchProfile": frozenset({"SearchEvent"}),
    "SessionProfile": frozenset({"SessionEvent"}),
    "SurveyProfile": frozenset(
        {
            "SurveyInvitationEvent",
            "SurveyEvent",
            "QuestionnaireEvent",
            "QuestionnaireItemEvent",
            "NavigationEvent",
            "ViewEvent",
        }
    ),
    "ToolLaunchProfile": frozenset({"ToolLaunchEvent"}),
    "ToolUseProfile": frozenset({"ToolUseEvent"}),
}

# SystemIdentifier.identifierType terms listed by the spec ("System Identifier Types").
SYSTEM_IDENTIFIER_TYPES = frozenset(
    {
        "AccountUserName",
        "CaseItemUri",
        "EmailAddress",
        "LisSourcedId",
        "LtiContextId",
        "LtiDeploymentId",
        "LtiPlatformId",
        "LtiToolId",
        "LtiUserId",
        "OneRosterSourcedId",
        "Other",
        "SisSourcedId",
        "SystemId",
    }
)

# Where the vendored schemas disagree with the 1.2 specification text (and the official
# valid fixtures), the specification wins. Each entry is applied in memory at import.
# Entity properties the spec defines but the schemas lack or misname:
_SPEC_PROPERTIES: dict[tuple[str, str], dict] = {
    ("Comment", "value"): {"type": "string"},
    ("Score", "comment"): {"type": "string"},
    # The schema calls these "LtiMessageType" and "orderedSelection".
    ("LtiLink", "messageType"): {
        "type": "string",
        "enum": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest", "LtiDeepLinkingResponse"],
    },
    ("MultiselectScale", "isOrderedSelection"): {"type": "boolean"},
}
# Properties the spec makes required that the schemas leave optional.
_SPEC_REQUIRED: dict[str, tuple[str, ...]] = {"AggregateMeasure": ("metric", "metricValue")}
# Entity-holding properties the spec types more narrowly than the schemas (or that the
# schemas lack): (entity type, property) -> (allowed types with their subtypes, array).
_SPEC_SLOTS: dict[tuple[str, str], tuple[tuple[str, ...], bool]] = {
    ("Attempt", "isPartOf"): (("Attempt",), False),
    ("Session", "user"): (("Person",), False),
    ("LtiSession", "user"): (("Person",), False),
    ("AggregateMeasureCollection", "items"): (("AggregateMeasure",), True),
    ("Assessment", "items"): (("AssessmentItem",), True),
    ("DigitalResourceCollection", "items"): (("DigitalResource",), True),
    ("Forum", "items"): (("Thread",), True),
    ("Thread", "items"): (("Message",), True),
    ("Questionnaire", "items"): (("QuestionnaireItem",), True),
}
# Membership roles: the spec's LIS role list has Manager#Manager, the schema's enum not.
_SPEC_ROLES = ("Manager#Manager",)

_TERM_PREFIXES = (
    "http://purl.imsglobal.org/caliper/actions/",
    "https://purl.imsglobal.org/caliper/actions/",
    "caliper:actions/",
    "http://purl.imsglobal.org/caliper/profiles/",
    "https://purl.imsglobal.org/caliper/profiles/",
    "caliper:profiles/",
    "http://purl.imsglobal.org/caliper/",
    "https://purl.imsglobal.org/caliper/",
)


def normalise_term(value: str) -> str:
    """``https://purl.imsglobal.org/caliper/actions/Viewed`` -> ``Viewed``; terms unchanged."""
    if ":" in value:
        for prefix in _TERM_PREFIXES:
            if value.startswith(prefix):
                return value[len(prefix) :]
    return value


# --------------------------------------------------------------------------- schema loading

_ANNOTATIONS = {"title", "description", "translations", "definedBy", "metaFormat", "schema"}
_FORMATS = {"date-time": _is_datetime, "duration": _is_duration}


@dataclass(frozen=True, slots=True)
class _Slot:
    """A property holding entities (as objects or IRIs): allowed types, array or not."""

    types: frozenset[str]
    array: bool


@dataclass(slots=True)
class _TypeSpec:
    name: str
    validate: object  # the compiled fastjsonschema function (None for events)
    slots: dict[str, _Slot]
    required: tuple[str, ...]
    needs_id: bool


def _load_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict]:
    if not directory.is_dir():
        raise RuntimeError(f"Caliper schemas missing: {directory} is not a directory")
    schemas = {}
    for path in sorted(directory.glob("*.json")):
        schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


class _Adapter:
    """Turns the IMS schemas into per-type flat schemas plus slot tables (in memory)."""

    def __init__(self, raw: dict[str, dict]):
        self.raw = raw
        self.entity_names = {
            name
            for name, schema in raw.items()
            if not name.endswith("Event")
            and isinstance(schema.get("properties", {}).get("type"), dict)
            and schema["properties"]["type"].get("pattern") == f"^{name}$"
            and name != "SystemIdentifier"
        }
        self.event_names = {name for name in raw if name.endswith("Event")}

    def resolve(self, ref: str) -> tuple[str | None, dict | None]:
        """A ref -> (entity name, None) for an entity, else (None, the schema it names)."""
        if "#/" in ref:
            file_name, pointer = ref.split("#/", 1)
            target = self.raw[file_name]
            for part in pointer.split("/"):
                target = target[part]
            if "$ref" in target and len(target) == 1:
                return self.resolve(target["$ref"])
            return None, target
        if ref in self.entity_names:
            return ref, None
        return None, self.raw[ref]

    def slot_of(self, schema: dict) -> _Slot | None:
        """The slot a property schema describes, or None when it holds no entity."""
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            inner = self.slot_of(schema["items"])
            return _Slot(inner.types, True) if inner else None
        if "$ref" in schema:
            name, target = self.resolve(schema["$ref"])
            if name is not None:
                return _Slot(frozenset({name}), False)
            return self.slot_of(target)
        if "anyOf" in schema:
            names = set()
            for alternative in schema["anyOf"]:
                if "$ref" in alternative:
                    name, _ = self.resolve(alternative["$ref"])
                    if name is None:
                        return None
                    names.add(name)
                elif alternative != {"type": "string"}:
                    return None
            return _Slot(frozenset(names), False) if names else None
        return None

    def flatten(self, schema: object) -> object:
        """A copy without annotations, refs inlined, IMS formats mapped."""
        if isinstance(schema, list):
            return [self.flatten(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            _, target = self.resolve(schema["$ref"])
            return self.flatten({k: v for k, v in target.items() if k != "id"})
        out = {}
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            if key == "properties":
                out[key] = {name: self.flatten(sub) for name, sub in value.items()}
            else:
                out[key] = self.flatten(value)
        fmt = out.get("format")
        if fmt in ("uint32", "long"):
            del out["format"]
            out["type"] = "integer"
            if fmt == "uint32":
                out["minimum"], out["maximum"] = 0, 2**32 - 1
        elif fmt == "float":
            del out["format"]
        return out

    def type_spec(self, name: str) -> _TypeSpec:
        schema = self.raw[name]
        slots: dict[str, _Slot] = {}
        properties: dict[str, object] = {}
        for prop, sub in schema.get("properties", {}).items():
            slot = self.slot_of(sub)
            if slot is not None:
                slots[prop] = slot
            else:
                properties[prop] = self.flatten(sub)
        for (owner, prop), (roots, array) in _SPEC_SLOTS.items():
            if owner == name:
                properties.pop(prop, None)
                slots[prop] = _Slot(_family(*roots), array)
        for (owner, prop), sub in _SPEC_PROPERTIES.items():
            if owner == name:
                properties[prop] = sub
        if name == "HighlightAnnotation":  # selection: a TextPositionSelector, typed
            selection = properties["selection"]
            selection["properties"]["type"] = {"const": "TextPositionSelector"}
            selection["required"] = ["type"]
        if name == "Membership":
            properties["roles"]["items"]["enum"] += list(_SPEC_ROLES)
        required = tuple(schema.get("required", ())) + _SPEC_REQUIRED.get(name, ())
        if name in self.event_names:
            # What an event schema says besides its slots (required properties, id, type,
            # action, profile, eventTime, @context, extensions) is checked by parse_event,
            # with messages that name the property: only the slot table is kept.
            return _TypeSpec(name, None, slots, required, False)
        flat = {
            "type": "object",
            "properties": properties,
            "required": [prop for prop in required if prop not in slots],
        }
        validate = fastjsonschema.compile(flat, formats=_FORMATS)
        return _TypeSpec(name, validate, slots, required, name in self.entity_names)


def _build() -> tuple[dict[str, _TypeSpec], dict[str, _TypeSpec], frozenset[str], frozenset]:
    raw = _load_schemas()
    adapter = _Adapter(raw)
    entities = {name: adapter.type_spec(name) for name in sorted(adapter.entity_names)}
    events = {
        name: adapter.type_spec(name)
        for name in sorted(adapter.event_names)
        if name in EVENT_ACTIONS or name == "Event"
    }
    system_identifier = adapter.flatten(raw["SystemIdentifier"])
    system_identifier["properties"]["identifierType"] = {
        "type": "string",
        "enum": sorted(SYSTEM_IDENTIFIER_TYPES),
    }
    system_identifier["properties"].pop("source", None)  # a slot, checked by hand
    system_identifier["type"] = "object"
    entities["SystemIdentifier"] = _TypeSpec(
        "SystemIdentifier",
        fastjsonschema.compile(system_identifier, formats=_FORMATS),
        {"source": _Slot(frozenset({"SoftwareApplication"}), False)},
        tuple(system_identifier.get("required", ())),
        False,
    )
    selector = adapter.flatten(raw["TextPositionSelector"])
    selector["properties"]["type"] = {"const": "TextPositionSelector"}
    selector["required"] = ["type"]
    entities["TextPositionSelector"] = _TypeSpec(
        "TextPositionSelector",
        fastjsonschema.compile(selector, formats=_FORMATS),
        {},
        ("type",),
        False,
    )
    actions = frozenset(raw["Action"]["enum"])
    profiles = frozenset(raw["Profile"]["enum"])
    return entities, events, actions, profiles


_ENTITY_SPECS, _EVENT_SPECS, _ALL_ACTIONS, _STANDARD_PROFILES = _build()
EVENT_ACTIONS["Event"] = _ALL_ACTIONS
STANDARD_EVENT_TYPES = frozenset(_EVENT_SPECS)
ENTITY_TYPES = frozenset(name for name, spec in _ENTITY_SPECS.items() if spec.needs_id)
assert set(PROFILE_EVENT_TYPES) == _STANDARD_PROFILES, "profile table out of date"


# --------------------------------------------------------------------------- entity walk


_FORMAT_NAMES = {
    "date-time": "an ISO 8601 date-time with a time zone (e.g. 2025-11-18T10:15:00.000Z)",
    "duration": "an ISO 8601 duration (e.g. PT50M30S)",
}
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def _schema_error(path: str, error: JsonSchemaValueException) -> str:
    """A fastjsonschema error as "path.to.property: what is wrong (got ...)"."""
    name = error.name or "data"
    where = path + name[4:] if name.startswith("data") else path
    rule, definition, value = error.rule, error.definition or {}, error.value
    if rule == "required" and isinstance(value, dict):
        missing = [prop for prop in definition.get("required", ()) if prop not in value]
        if missing:
            return "; ".join(f"{where}.{prop}: is required" for prop in missing)
    if rule == "type":
        expected = definition.get("type")
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(_TYPE_NAMES.get(item, str(item)) for item in names)
        return f"{where}: must be {wanted}, not {_json_type(value)} ({_short(value)})"
    if rule == "format":
        fmt = definition.get("format")
        return f"{where}: {_short(value)} is not {_FORMAT_NAMES.get(fmt, fmt)}"
    if rule == "enum":
        options = [str(option) for option in definition.get("enum", ())]
        shown = ", ".join(options[:8]) + (", ..." if len(options) > 8 else "")
        return f"{where}: {_short(value)} is not one of the allowed values ({shown})"
    if rule == "const":
        return f"{where}: must be {definition.get('const')!r}, not {_short(value)}"
    message = error.message
    if message.startswith(name + " "):
        message = message[len(name) + 1 :]
    if rule in ("minimum", "maximum", "pattern"):
        message = f"{message} (got {_short(value)})"
    return f"{where}: {message}"


def _check_entity(
    value: object,
    allowed: frozenset[str] | None,
    path: str,
    errors: list[str],
    depth: int = 0,
    rule: _Rule | None = None,
) -> None:
    """Validate an entity given as an object or as its IRI (appends to ``errors``)."""
    if isinstance(value, str):
        if _IRI_RE.match(value) is None:
            errors.append(
                f"{path}: {_short(value)} is not a valid IRI "
                "(an entity is given as an object or as its IRI)"
            )
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: must be an object or an IRI string, not {_json_type(value)}")
        return
    if depth > _MAX_DEPTH:
        errors.append(f"{path}: entities are nested too deeply (more than {_MAX_DEPTH} levels)")
        return
    entity_type = value.get("type")
    if not isinstance(entity_type, str):
        if entity_type is None:
            errors.append(f"{path}.type: is required (the entity's Caliper type)")
        else:
            errors.append(f"{path}.type: must be a string, not {_json_type(entity_type)}")
        return
    spec = _ENTITY_SPECS.get(entity_type)
    if spec is None or (not spec.needs_id and allowed is not None):
        errors.append(f"{path}.type: {_short(entity_type)} is not a Caliper 1.2 entity type")
        return
    if (allowed is not None and entity_type not in allowed) or (
        rule is not None and entity_type not in rule.types
    ):
        expected = rule.label if rule is not None else _describe_types(allowed)
        errors.append(f"{path}.type: {entity_type} is not allowed here (expected {expected})")
        return
    _check_entity_body(value, spec, path, errors, depth)


def _check_entity_body(
    value: dict, spec: _TypeSpec, path: str, errors: list[str], depth: int
) -> None:
    try:
        spec.validate(value)
    except JsonSchemaValueException as error:
        errors.append(_schema_error(path, error))
        return
    if spec.needs_id:
        entity_id = value.get("id")
        if entity_id is None:
            errors.append(f"{path}.id: is required (an IRI)")
        elif not isinstance(entity_id, str):
            errors.append(f"{path}.id: must be an IRI string, not {_json_type(entity_id)}")
        elif not _is_entity_id(entity_id):
            errors.append(f"{path}.id: {_short(entity_id)} is not a valid IRI")
    for prop, slot in spec.slots.items():
        if prop not in value:
            if prop in spec.required:
                errors.append(f"{path}.{prop}: is required")
            continue
        _check_slot(value[prop], slot, f"{path}.{prop}", errors, depth + 1)
    if "otherIdentifiers" in value:
        _check_other_identifiers(value["otherIdentifiers"], path, errors, depth)


def _check_slot(
    value: object,
    slot: _Slot,
    path: str,
    errors: list[str],
    depth: int,
    rule: _Rule | None = None,
) -> None:
    if slot.array:
        if not isinstance(value, list):
            errors.append(f"{path}: must be an array, not {_json_type(value)}")
            return
        for index, item in enumerate(value):
            _check_entity(item, slot.types, f"{path}[{index}]", errors, depth, rule)
    else:
        _check_entity(value, slot.types, path, errors, depth, rule)


def _check_other_identifiers(value: object, path: str, errors: list[str], depth: int) -> None:
    where = f"{path}.otherIdentifiers"
    if not isinstance(value, list):
        errors.append(f"{where}: must be an array of SystemIdentifier, not {_json_type(value)}")
        return
    spec = _ENTITY_SPECS["SystemIdentifier"]
    for index, item in enumerate(value):
        item_path = f"{where}[{index}]"
        if isinstance(item, str):
            if _IRI_RE.match(item) is None:
                errors.append(f"{item_path}: {_short(item)} is not a valid IRI")
            continue
        if not isinstance(item, dict):
            errors.append(f"{item_path}: must be a SystemIdentifier object, not {_json_type(item)}")
            continue
        if item.get("type") != "SystemIdentifier":
            errors.append(
                f"{item_path}.type: {_short(item.get('type'))} is not allowed here "
                "(expected SystemIdentifier)"
            )
            continue
        _check_entity_body(item, spec, item_path, errors, depth + 1)


def validate_entity(raw: object) -> list[str]:
    """Errors of a top-level Entity describe (an envelope may carry entities); [] = valid."""
    errors: list[str] = []
    if isinstance(raw, dict):
        _check_context(raw, errors, required=True)
    _check_entity(raw, None, "entity", errors)
    return errors


def is_entity_describe(raw: object) -> bool:
    """True for an object typed as a Caliper Entity (not an Event)."""
    return isinstance(raw, dict) and raw.get("type") in ENTITY_TYPES


# --------------------------------------------------------------------------- envelope


def validate_envelope(body: object) -> list[object]:
    """Check the envelope and answer its ``data`` list (which may be empty).

    Raises :class:`EnvelopeError` with status 400 when the body is not an object or an
    envelope field is missing or of the wrong type, 422 when ``dataVersion`` names another
    Caliper version.
    """
    if not isinstance(body, dict):
        raise EnvelopeError(
            400,
            f"the body must be a JSON object (a Caliper envelope with sensor, sendTime, "
            f"dataVersion and data), not {_json_type(body)}",
        )
    missing = [name for name in ("sensor", "sendTime", "dataVersion", "data") if name not in body]
    if missing:
        raise EnvelopeError(400, "envelope: missing required field(s): " + ", ".join(missing))
    sensor = body["sensor"]
    if not isinstance(sensor, str) or not sensor.strip():
        raise EnvelopeError(
            400, f"sensor: must be a non-empty string (the sensor's IRI), not {_short(sensor)}"
        )
    send_time = body["sendTime"]
    if parse_datetime(send_time) is None:
        raise EnvelopeError(
            400,
            f"sendTime: {_short(send_time)} is not an ISO 8601 date-time with a time zone "
            "(e.g. 2025-11-18T10:15:00.000Z)",
        )
    data_version = body["dataVersion"]
    if not isinstance(data_version, str):
        raise EnvelopeError(400, f"dataVersion: must be a string, not {_json_type(data_version)}")
    data = body["data"]
    if not isinstance(data, list):
        raise EnvelopeError(400, f"data: must be an array of events, not {_json_type(data)}")
    if data_version != DATA_VERSION:
        raise EnvelopeError(
            422,
            f"dataVersion: {_short(data_version)} is not supported; this endpoint takes "
            f"Caliper 1.2 ({DATA_VERSION})",
        )
    return data


# --------------------------------------------------------------------------- events


@dataclass(slots=True)
class ParsedEvent:
    index: int
    raw: object
    errors: list[str]  # empty = valid
    id: str | None = None  # the event id as sent (urn:uuid:...)
    type: str | None = None
    action: str | None = None  # short form, e.g. "Completed"
    profile: str | None = None
    event_time: datetime | None = None  # aware UTC
    student_ref: str | None = None  # sourcedId (last path segment of the student's id)
    course_ref: str | None = None  # sourcedId from an explicit course reference
    lesson_refs: list[str] = field(default_factory=list)  # candidates, priority order
    run_key: str | None = None
    attempt: int | None = None

    @property
    def graded(self) -> bool:
        return self.type in GRADED_TYPES

    @property
    def valid(self) -> bool:
        return not self.errors


_EVENT_REQUIRED = ("id", "type", "actor", "action", "object", "eventTime")


def parse_event(index: int, raw: object) -> ParsedEvent:
    """Validate one event and extract its references; never raises for bad input."""
    parsed = ParsedEvent(index=index, raw=raw, errors=[])
    try:
        _parse_into(parsed, raw)
    except Exception as error:  # a bug must not turn bad input into a 500
        parsed.errors.append(f"event could not be validated ({type(error).__name__})")
    return parsed


def _parse_into(parsed: ParsedEvent, raw: object) -> None:
    errors = parsed.errors
    if not isinstance(raw, dict):
        errors.append(f"event: must be a JSON object, not {_json_type(raw)}")
        return

    event_id = raw.get("id")
    if isinstance(event_id, str):
        parsed.id = event_id
    event_type = raw.get("type")
    if isinstance(event_type, str):
        parsed.type = event_type
    action = raw.get("action")
    if isinstance(action, str):
        parsed.action = normalise_term(action)
    profile = raw.get("profile")
    if isinstance(profile, str):
        parsed.profile = normalise_term(profile)

    if isinstance(event_type, str) and event_type in ENTITY_TYPES and "action" not in raw:
        errors.append(
            f"type: {event_type} is a Caliper Entity, not an Event; an event needs "
            "id, type, actor, action, object and eventTime"
        )
        return

    for name in _EVENT_REQUIRED:
        if raw.get(name) is None:
            errors.append(f"{name}: is required" + (" (got null)" if name in raw else ""))

    if parsed.profile in TIMEBACK_PROFILES or parsed.type in TIMEBACK_ACTIONS:
        _check_timeback_event(parsed, raw)
    else:
        _check_standard_event(parsed, raw)

    if not errors:
        _extract_references(parsed, raw)


def _check_common(parsed: ParsedEvent, raw: dict, context_required: bool) -> None:
    errors = parsed.errors
    event_id = raw.get("id")
    if event_id is not None:
        if not isinstance(event_id, str):
            errors.append(f"id: must be a string (urn:uuid:<UUID>), not {_json_type(event_id)}")
        elif _IRI_RE.match(event_id) is None:
            errors.append(
                f"id: {_short(event_id)} is not a valid event id (expected urn:uuid:<UUID>)"
            )
    event_type = raw.get("type")
    if event_type is not None and not isinstance(event_type, str):
        errors.append(f"type: must be a string, not {_json_type(event_type)}")
    action = raw.get("action")
    if action is not None and not isinstance(action, str):
        errors.append(f"action: must be a string, not {_json_type(action)}")
    profile = raw.get("profile")
    if "profile" in raw and not isinstance(profile, str):
        errors.append(f"profile: must be a string, not {_json_type(profile)}")
    event_time = raw.get("eventTime")
    if event_time is not None:
        parsed.event_time = parse_datetime(event_time)
        if parsed.event_time is None:
            errors.append(
                f"eventTime: {_short(event_time)} is not an ISO 8601 date-time with a time "
                "zone (e.g. 2025-11-18T10:15:00.000Z)"
            )
    _check_context(raw, errors, required=context_required)
    extensions = raw.get("extensions")
    if "extensions" in raw:
        if not isinstance(extensions, dict):
            errors.append(f"extensions: must be an object, not {_json_type(extensions)}")
        else:
            _check_timeback_extensions(extensions, errors)


def _check_context(raw: dict, errors: list[str], required: bool) -> None:
    if "@context" not in raw:
        if required:
            errors.append(f"@context: is required ({CALIPER_CONTEXT})")
        return
    context = raw["@context"]
    if isinstance(context, str):
        if context != CALIPER_CONTEXT:
            errors.append(
                f"@context: {_short(context)} is not the Caliper 1.2 context ({CALIPER_CONTEXT})"
            )
    elif isinstance(context, dict):
        pass  # an inline context (the official fixtures have one); the schemas allow it
    elif isinstance(context, list):
        if not context or context[-1] != CALIPER_CONTEXT:
            errors.append(
                f"@context: an array of contexts must end with the Caliper 1.2 context "
                f"({CALIPER_CONTEXT})"
            )
        elif not all(isinstance(item, str | dict) for item in context):
            errors.append("@context: an array of contexts may hold only strings and objects")
    else:
        errors.append(
            f"@context: must be the Caliper 1.2 context URL, an array ending with it or an "
            f"inline context object, not {_json_type(context)}"
        )


def _check_timeback_extensions(extensions: dict, errors: list[str]) -> None:
    """The extension keys this platform reads (runId, course, lesson) must be usable."""
    run_id = extensions.get("runId")
    if "runId" in extensions and (not isinstance(run_id, str) or not run_id):
        errors.append(f"extensions.runId: must be a non-empty string, not {_short(run_id)}")
    for name in ("course", "lesson"):
        if name in extensions and _ref_id(extensions[name]) is None:
            errors.append(
                f"extensions.{name}: must be an object with a string id (or the id itself), "
                f"not {_short(extensions[name])}"
            )


def _check_standard_event(parsed: ParsedEvent, raw: dict) -> None:
    errors = parsed.errors
    _check_common(parsed, raw, context_required=True)
    event_type = parsed.type
    if event_type is None:
        return
    spec = _EVENT_SPECS.get(event_type)
    if spec is None:
        errors.append(
            f"type: {_short(event_type)} is not a Caliper 1.2 event type (nor a "
            "TimebackProfile one: ActivityEvent, TimeSpentEvent)"
        )
        return

    profile = parsed.profile
    if profile is not None:
        if profile not in PROFILE_EVENT_TYPES:
            errors.append(
                f"profile: {_short(profile)} is not a Caliper 1.2 profile (nor "
                "TimebackProfile or AggregationProfile)"
            )
        else:
            members = PROFILE_EVENT_TYPES[profile]
            if members is not None and event_type not in members:
                errors.append(
                    f"profile: {event_type} is not part of {profile} (it has "
                    f"{', '.join(sorted(members))})"
                )

    action = parsed.action
    allowed_actions = EVENT_ACTIONS[event_type]
    if action is not None and action not in allowed_actions:
        if action not in _ALL_ACTIONS:
            errors.append(f"action: {_short(action)} is not a Caliper 1.2 action")
        else:
            errors.append(
                f"action: {_short(action)} is not allowed for {event_type} (allowed: "
                f"{', '.join(sorted(allowed_actions))})"
            )
        action = None

    rules = _EVENT_RULES[event_type]
    action_rules = _ACTION_RULES.get((event_type, action), {}) if action else {}
    for prop, slot in spec.slots.items():
        value = raw.get(prop)
        if value is None:
            if prop in raw and prop not in _EVENT_REQUIRED:
                errors.append(f"{prop}: must not be null (leave the property out instead)")
            continue
        rule = action_rules.get(prop) or rules.get(prop)
        _check_slot(value, slot, prop, errors, 0, rule)
    if action is not None:
        needed = _ACTION_REQUIRES.get((event_type, action))
        if needed is not None and raw.get(needed) is None:
            errors.append(f"{needed}: is required for {event_type} {action}")
    generated = raw.get("generated")
    if event_type == "GradeEvent" and isinstance(generated, dict):
        extensions = generated.get("extensions")
        for where, holder in (("generated", generated), ("generated.extensions", extensions)):
            if isinstance(holder, dict) and "scoreType" in holder:
                if not isinstance(holder["scoreType"], str):
                    errors.append(
                        f"{where}.scoreType: must be a string, not "
                        f"{_json_type(holder['scoreType'])}"
                    )


# --------------------------------------------------------------------------- Timeback forms

_TIMEBACK_SHAPES = {
    # (profile, event type) -> actor type, object type, generated type, item type, items
    (TIMEBACK_PROFILE, "ActivityEvent"): (
        "TimebackUser",
        "TimebackActivityContext",
        "TimebackActivityMetricsCollection",
        None,
        ACTIVITY_ITEM_TYPES,
    ),
    (TIMEBACK_PROFILE, "TimeSpentEvent"): (
        "TimebackUser",
        "TimebackActivityContext",
        "TimebackTimeSpentMetricsCollection",
        None,
        TIME_SPENT_ITEM_TYPES,
    ),
    (AGGREGATION_PROFILE, "ActivityEvent"): (
        "Person",
        "AssignableDigitalResource",
        "ActivityMetricsCollection",
        "ActivityMetric",
        ACTIVITY_ITEM_TYPES,
    ),
    (AGGREGATION_PROFILE, "TimeSpentEvent"): (
        "Person",
        "AssignableDigitalResource",
        "TimeSpentMetricsCollection",
        "TimeSpentMetric",
        TIME_SPENT_ITEM_TYPES,
    ),
}


def _pascal(item_type: str) -> str:
    return item_type[0].upper() + item_type[1:]


# AggregationProfile metricType -> Timeback item type. The official client upper-cases the
# first letter (anti-pattern -> Anti-pattern); the spec's PascalCase AntiPattern also goes.
_METRIC_TYPES = {_pascal(name): name for name in ACTIVITY_ITEM_TYPES + TIME_SPENT_ITEM_TYPES}
_METRIC_TYPES["AntiPattern"] = "anti-pattern"
_SIGNED_ITEMS = {"xpEarned"}  # Timeback corrects a wrong XP award with a negative one


def _check_timeback_event(parsed: ParsedEvent, raw: dict) -> None:
    errors = parsed.errors
    _check_common(parsed, raw, context_required=False)
    profile, event_type = parsed.profile, parsed.type
    if event_type is None:
        return
    if event_type not in TIMEBACK_ACTIONS:
        errors.append(
            f"type: {_short(event_type)} is not an event type of {profile} "
            "(allowed: ActivityEvent, TimeSpentEvent)"
        )
        return
    if profile not in TIMEBACK_PROFILES:
        errors.append(
            f"profile: {event_type} needs profile TimebackProfile (or AggregationProfile), "
            f"not {_short(profile)}"
        )
        return
    expected_action = TIMEBACK_ACTIONS[event_type]
    if parsed.action is not None and parsed.action != expected_action:
        errors.append(
            f"action: {_short(parsed.action)} is not allowed for {event_type} "
            f"(allowed: {expected_action})"
        )
    actor_type, object_type, generated_type, item_type, item_names = _TIMEBACK_SHAPES[
        (profile, event_type)
    ]
    actor = raw.get("actor")
    if actor is not None:
        _check_light_entity(actor, "actor", actor_type, errors)
    obj = raw.get("object")
    if obj is not None and _check_light_entity(obj, "object", object_type, errors):
        if profile == TIMEBACK_PROFILE:
            _check_activity_context(obj, errors)
        else:
            _check_aggregation_object(obj, errors)
    generated = raw.get("generated")
    if generated is None:
        errors.append(f"generated: is required (a {generated_type})")
    elif not isinstance(generated, dict):
        errors.append(f"generated: must be a {generated_type} object, not {_json_type(generated)}")
    else:
        _check_metrics(generated, generated_type, item_type, item_names, event_type, errors)
    for prop in ("edApp", "group", "membership", "session", "federatedSession", "target"):
        value = raw.get(prop)
        if prop in raw and not (isinstance(value, dict) or (isinstance(value, str) and value)):
            errors.append(f"{prop}: must be an object or an IRI string, not {_short(value)}")


def _check_light_entity(value: object, path: str, expected_type: str, errors: list[str]) -> bool:
    """A Timeback-form entity: an object of the expected type with a string id (or an id)."""
    if isinstance(value, str):
        if not value.strip():
            errors.append(f"{path}: must not be empty")
        return False
    if not isinstance(value, dict):
        errors.append(f"{path}: must be a {expected_type} object, not {_json_type(value)}")
        return False
    ok = True
    if value.get("type") != expected_type:
        errors.append(
            f"{path}.type: {_short(value.get('type'))} is not allowed here "
            f"(expected {expected_type})"
        )
        ok = False
    entity_id = value.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        errors.append(f"{path}.id: must be a non-empty string, not {_short(entity_id)}")
        ok = False
    for name in ("name", "email", "subject"):
        if name in value and not isinstance(value[name], str):
            errors.append(f"{path}.{name}: must be a string, not {_json_type(value[name])}")
            ok = False
    if "extensions" in value and not isinstance(value["extensions"], dict):
        errors.append(
            f"{path}.extensions: must be an object, not {_json_type(value['extensions'])}"
        )
        ok = False
    return ok


def _check_activity_context(obj: dict, errors: list[str]) -> None:
    for name in ("course", "activity", "app"):
        if name not in obj:
            continue
        value = obj[name]
        if isinstance(value, str):
            if not value.strip():
                errors.append(f"object.{name}: must not be empty")
            continue
        if not isinstance(value, dict):
            errors.append(f"object.{name}: must be an object, not {_json_type(value)}")
            continue
        if "id" in value and value["id"] is not None and not isinstance(value["id"], str):
            errors.append(f"object.{name}.id: must be a string, not {_json_type(value['id'])}")
        if "name" in value and value["name"] is not None and not isinstance(value["name"], str):
            errors.append(f"object.{name}.name: must be a string, not {_json_type(value['name'])}")
    if "process" in obj and not isinstance(obj["process"], bool):
        errors.append(f"object.process: must be a boolean, not {_json_type(obj['process'])}")


def _check_aggregation_object(obj: dict, errors: list[str]) -> None:
    if "isPartOf" not in obj:
        return
    part_of = obj["isPartOf"]
    if isinstance(part_of, str):
        if not part_of.strip():
            errors.append("object.isPartOf: must not be empty")
        return
    if not isinstance(part_of, dict):
        errors.append(
            f"object.isPartOf: must be a CourseOffering object, not {_json_type(part_of)}"
        )
        return
    if part_of.get("type") != "CourseOffering":
        errors.append(
            f"object.isPartOf.type: {_short(part_of.get('type'))} is not allowed here "
            "(expected CourseOffering)"
        )
    # The official client sends "id": null when the course it was given had no id.
    if part_of.get("id") is not None and not isinstance(part_of["id"], str):
        errors.append(f"object.isPartOf.id: must be a string, not {_json_type(part_of['id'])}")


def _check_metrics(
    generated: dict,
    generated_type: str,
    item_type: str | None,
    item_names: tuple[str, ...],
    event_type: str,
    errors: list[str],
) -> None:
    if generated.get("type") != generated_type:
        errors.append(
            f"generated.type: {_short(generated.get('type'))} is not allowed for "
            f"{event_type} (expected {generated_type})"
        )
        return
    if "id" in generated and not isinstance(generated["id"], str):
        errors.append(f"generated.id: must be a string, not {_json_type(generated['id'])}")
    if "attempt" in generated:
        attempt = generated["attempt"]
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            errors.append(f"generated.attempt: must be a positive integer, not {_short(attempt)}")
    if "extensions" in generated and not isinstance(generated["extensions"], dict):
        errors.append(
            f"generated.extensions: must be an object, not {_json_type(generated['extensions'])}"
        )
    items = generated.get("items")
    if not isinstance(items, list) or not items:
        errors.append(f"generated.items: must be a non-empty array of metrics, not {_short(items)}")
        return
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"generated.items[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{path}: must be an object, not {_json_type(item)}")
            continue
        if item_type is None:  # TimebackProfile: {type, value}
            name, value = item.get("type"), item.get("value")
            type_path, value_path = f"{path}.type", f"{path}.value"
            known = name if name in item_names else None
            allowed = ", ".join(item_names)
        else:  # AggregationProfile: {type: ActivityMetric, metricType, metricValue}
            if item.get("type") != item_type:
                errors.append(
                    f"{path}.type: {_short(item.get('type'))} is not allowed here "
                    f"(expected {item_type})"
                )
                continue
            name, value = item.get("metricType"), item.get("metricValue")
            type_path, value_path = f"{path}.metricType", f"{path}.metricValue"
            known = _METRIC_TYPES.get(name) if isinstance(name, str) else None
            if known not in item_names:
                known = None
            allowed = ", ".join(_pascal(n) for n in item_names)
        if known is None:
            errors.append(
                f"{type_path}: {_short(name)} is not a metric of {event_type} (allowed: {allowed})"
            )
            continue
        if not _is_number(value):
            errors.append(f"{value_path}: must be a number, not {_short(value)}")
            continue
        if value < 0 and known not in _SIGNED_ITEMS:
            errors.append(f"{value_path}: {known} must not be negative (got {_short(value)})")
        if event_type == "ActivityEvent":
            if known in seen:
                errors.append(f"{type_path}: {known} is given more than once")
            seen.add(known)


def timeback_items(parsed: ParsedEvent) -> dict[str, float]:
    """The metrics of a TimebackProfile or AggregationProfile event, by Timeback item name.

    ``{"xpEarned": 100.0, "totalQuestions": 10.0, ...}`` or ``{"active": 240.0, ...}``;
    repeated time items (segments) are summed. Empty for other events.
    """
    raw = parsed.raw
    if parsed.type not in TIMEBACK_ACTIONS or not isinstance(raw, dict):
        return {}
    generated = raw.get("generated")
    if not isinstance(generated, dict) or not isinstance(generated.get("items"), list):
        return {}
    aggregation = parsed.profile == AGGREGATION_PROFILE
    totals: dict[str, float] = {}
    for item in generated["items"]:
        if not isinstance(item, dict):
            continue
        if aggregation:
            metric_type = item.get("metricType")
            name = _METRIC_TYPES.get(metric_type) if isinstance(metric_type, str) else None
            value = item.get("metricValue")
        else:
            name, value = item.get("type"), item.get("value")
        if isinstance(name, str) and _is_number(value):
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals


# --------------------------------------------------------------------------- references


def _ref_id(value: object) -> str | None:
    """The id of an entity given as an object or as its id string."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dict):
        entity_id = value.get("id")
        if isinstance(entity_id, str) and entity_id.strip():
            return entity_id
    return None


_NOT_STUDENTS = _family("Organization", "SoftwareApplication")
_ANONYMOUS_RE = re.compile(r"https?://purl\.imsglobal\.org/caliper/[A-Za-z]+\Z")


def _attempt_of(raw: dict) -> dict | None:
    """The Attempt an event is about: its object, its generated entity, or the latter's."""
    obj, generated = raw.get("object"), raw.get("generated")
    for candidate in (obj, generated):
        if isinstance(candidate, dict) and candidate.get("type") == "Attempt":
            return candidate
    if isinstance(generated, dict):
        nested = generated.get("attempt")
        if isinstance(nested, dict) and nested.get("type") == "Attempt":
            return nested
    return None


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value is not None:
            ref = last_segment(value)
            if ref and ref not in seen:
                seen.append(ref)
    return seen


def _extract_references(parsed: ParsedEvent, raw: dict) -> None:
    obj = raw.get("object")
    extensions = raw.get("extensions") if isinstance(raw.get("extensions"), dict) else {}
    attempt = _attempt_of(raw)

    student = _ref_id(attempt.get("assignee")) if attempt else None
    if student is None:
        actor = raw.get("actor")
        # An actor typed as software or an organisation (a grader, a timed-out session's
        # application) is nobody's student.
        if not (isinstance(actor, dict) and actor.get("type") in _NOT_STUDENTS):
            student = _ref_id(actor)
    if student is not None and _ANONYMOUS_RE.match(student):
        student = None  # an anonymous Person: its id is the type's IRI (spec, "Anonymous")
    parsed.student_ref = last_segment(student) if student else None

    course = _ref_id(extensions.get("course"))
    if course is None and isinstance(obj, dict):
        course = _ref_id(obj.get("course"))
        if course is None:
            part_of = obj.get("isPartOf")
            if isinstance(part_of, dict) and part_of.get("type") == "CourseOffering":
                course = _ref_id(part_of)
    parsed.course_ref = last_segment(course) if course else None

    # A GradeEvent's object is the Attempt: its assignable stands for object.assignable and
    # its own id (an attempt, never a lesson) is not a candidate.
    object_is_attempt = (isinstance(obj, dict) and obj.get("type") == "Attempt") or (
        parsed.type == "GradeEvent"
    )
    candidates = [_ref_id(extensions.get("lesson"))]
    if isinstance(obj, dict):
        candidates += [_ref_id(obj.get("activity")), _ref_id(obj.get("assignable"))]
    if not object_is_attempt:
        candidates.append(_ref_id(obj))
    parsed.lesson_refs = _unique(candidates)

    run_id = extensions.get("runId")
    if isinstance(run_id, str) and run_id:
        parsed.run_key = run_id
    else:
        session = _ref_id(raw.get("session"))
        if session and session.startswith("urn:uuid:") and len(session) > 9:
            parsed.run_key = session[9:]

    generated = raw.get("generated")
    if parsed.type in TIMEBACK_ACTIONS:
        count = generated.get("attempt") if isinstance(generated, dict) else None
    else:
        count = attempt.get("count") if attempt else None
    if isinstance(count, int) and not isinstance(count, bool):
        parsed.attempt = count
    elif isinstance(count, float) and count.is_integer():
        parsed.attempt = int(count)


def score_of(parsed: ParsedEvent) -> tuple[float | None, float | None, str | None]:
    """``(scoreGiven, maxScore, scoreType)`` of a GradeEvent's generated Score.

    ``scoreType`` is not a standard Score property: it is read from
    ``generated.scoreType``, else ``generated.extensions.scoreType``.
    """
    raw = parsed.raw
    generated = raw.get("generated") if isinstance(raw, dict) else None
    if not isinstance(generated, dict) or generated.get("type") != "Score":
        return None, None, None
    given, maximum = generated.get("scoreGiven"), generated.get("maxScore")
    score_type = generated.get("scoreType")
    if not isinstance(score_type, str):
        extensions = generated.get("extensions")
        score_type = extensions.get("scoreType") if isinstance(extensions, dict) else None
        if not isinstance(score_type, str):
            score_type = None
    return (
        float(given) if _is_number(given) else None,
        float(maximum) if _is_number(maximum) else None,
        score_type,
    )
