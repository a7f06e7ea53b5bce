"""One pass for the usual event: a TimebackProfile ActivityEvent or TimeSpentEvent, checked
by msgspec (C) against typed structs, its references and bounds read from them once.

:func:`parse_timeback` answers the same :class:`ParsedEvent` that the full validator
(:mod:`.envelope`, :mod:`.timeback`, :mod:`.references`, :mod:`.bounds`) answers for an
event it finds valid, or None; None sends the event through the full validator, which then
decides and words every rejection as before. The structs below are therefore *narrower*
than the rules (an actor given as a string, an ``@context`` array, an ``isPartOf``, an
``assignable``, a value out of bounds, ... are left to the full validator): they may refuse
a valid event, never accept one the full validator refuses.
``tests/events/test_caliper_fast_path.py`` holds them to that over the Caliper 1.2
conformance fixtures, the official clients' events and thousands of mutants of them.

Why: the full validator reads each key of an event three times in Python (the Timeback
form's checks, the references, the bounds), ~16 µs per event of a 100-event envelope; this
pass is about a third of that (docs/performance.md, issue 16).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

from .bounds import _COLUMN_NUMBER, MAX_ATTEMPT, Limits
from .common import ParsedEvent
from .references import _ANONYMOUS_RE, _unique
from .values import DATA_VERSION, IRI_RE, last_segment, parse_datetime
from .vocabulary import (
    ACTIVITY_ITEM_TYPES,
    TIME_SPENT_ITEM_TYPES,
    TIMEBACK_ACTIONS,
    TIMEBACK_PROFILE,
)

# A string that must hold something else than whitespace: checked after the conversion
# with `str.strip`, as `values.ref_id` and the light entities do (a msgspec pattern calls
# Python's `re` for each, ~0.4 µs; the event id's IRI and the time's form are read by
# `values.IRI_RE` and `parse_datetime` below for the same reason).
NonBlank = str
Number = int | float  # msgspec refuses booleans for both


class _Id(Struct):
    """A reference given as an object: its id is what `values.ref_id` reads."""

    id: NonBlank


Reference = _Id | NonBlank


class _Named(Struct):
    """`object.course`, `object.activity`, `object.app` of a TimebackActivityContext."""

    id: str | None = None
    name: str | None = None


class _Extensions(Struct):
    runId: Annotated[str, Meta(min_length=1)] | UnsetType = UNSET
    course: Reference | UnsetType = UNSET
    lesson: Reference | UnsetType = UNSET


class _Actor(Struct):
    type: Literal["TimebackUser"]
    id: NonBlank
    name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    subject: str | UnsetType = UNSET
    extensions: dict | UnsetType = UNSET


class _Object(Struct):
    type: Literal["TimebackActivityContext"]
    id: NonBlank
    name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    subject: str | UnsetType = UNSET
    extensions: dict | UnsetType = UNSET
    course: _Named | NonBlank | UnsetType = UNSET
    activity: _Named | NonBlank | UnsetType = UNSET
    app: _Named | NonBlank | UnsetType = UNSET
    process: bool | UnsetType = UNSET
    # Read by the references, not checked by the Timeback form: left to the full validator.
    isPartOf: Any = UNSET
    assignable: Any = UNSET


class _ActivityItem(Struct):
    type: Literal[ACTIVITY_ITEM_TYPES]
    value: Number


class _TimeSpentItem(Struct):
    type: Literal[TIME_SPENT_ITEM_TYPES]
    value: Number


class _ActivityMetrics(Struct):
    type: Literal["TimebackActivityMetricsCollection"]
    items: Annotated[list[_ActivityItem], Meta(min_length=1)]
    id: str | UnsetType = UNSET
    attempt: Annotated[int, Meta(ge=1)] | UnsetType = UNSET
    extensions: dict | UnsetType = UNSET


class _TimeSpentMetrics(Struct):
    type: Literal["TimebackTimeSpentMetricsCollection"]
    items: Annotated[list[_TimeSpentItem], Meta(min_length=1)]
    id: str | UnsetType = UNSET
    attempt: Annotated[int, Meta(ge=1)] | UnsetType = UNSET
    extensions: dict | UnsetType = UNSET


class _Event(Struct, tag_field="type", kw_only=True):
    id: str
    profile: Literal["TimebackProfile"]
    eventTime: str
    actor: _Actor
    object: _Object
    context: Literal["http://purl.imsglobal.org/ctx/caliper/v1p2"] | UnsetType = field(
        default=UNSET, name="@context"
    )
    extensions: _Extensions | UnsetType = UNSET
    # Checked as "an object or a non-empty string" below; `session` may carry the run.
    edApp: Any = UNSET
    group: Any = UNSET
    membership: Any = UNSET
    session: Any = UNSET
    federatedSession: Any = UNSET
    target: Any = UNSET


class _ActivityEvent(_Event, tag="ActivityEvent"):
    action: Literal["Completed"]
    generated: _ActivityMetrics


class _TimeSpentEvent(_Event, tag="TimeSpentEvent"):
    action: Literal["SpentTime"]
    generated: _TimeSpentMetrics


assert DATA_VERSION == "http://purl.imsglobal.org/ctx/caliper/v1p2"  # the Literal above
assert TIMEBACK_PROFILE == "TimebackProfile" and TIMEBACK_ACTIONS == {
    "ActivityEvent": "Completed",
    "TimeSpentEvent": "SpentTime",
}

_TIMEBACK_EVENT = _ActivityEvent | _TimeSpentEvent
_NO_EXTENSIONS = _Extensions()
_SIGNED = "xpEarned"
_COUNTS = ("totalQuestions", "correctQuestions", "masteredUnits")
_URN_UUID = "urn:uuid:"


def _ref(value) -> str | None:
    """`values.ref_id` of a converted reference (UNSET, a checked string, _Id or _Named)."""
    if value is UNSET:
        return None
    if type(value) is str:
        return value
    entity_id = value.id
    return entity_id if entity_id and entity_id.strip() else None


# The entity properties only checked for their kind (an object or a non-empty string).
_ENTITY_PROPERTIES = ("edApp", "group", "membership", "session", "federatedSession", "target")
_NONE_GIVEN = (UNSET,) * len(_ENTITY_PROPERTIES)


def parse_timeback(index: int, raw: object, limits: Limits) -> ParsedEvent | None:
    """The ParsedEvent of a valid TimebackProfile event, or None (then the full validator
    decides). The caller has checked the body for NUL and depth (`bounds.body_within`)."""
    if type(raw) is not dict:
        return None
    try:
        event = msgspec.convert(raw, _TIMEBACK_EVENT)
    except msgspec.ValidationError:
        return None
    obj, actor, extensions = event.object, event.actor, event.extensions
    if obj.isPartOf is not UNSET or obj.assignable is not UNSET:
        return None
    given = (
        event.edApp,
        event.group,
        event.membership,
        event.session,
        event.federatedSession,
        event.target,
    )
    if given != _NONE_GIVEN:
        for value in given:
            if value is not UNSET and not (type(value) is dict or (type(value) is str and value)):
                return None
    event_time = parse_datetime(event.eventTime)
    if event_time is None or IRI_RE.match(event.id) is None:
        return None
    if not (actor.id.strip() and obj.id.strip()):
        return None
    if extensions is UNSET:
        extensions = _NO_EXTENSIONS
    for value in (extensions.course, extensions.lesson, obj.course, obj.activity, obj.app):
        if type(value) is str:
            if not value.strip():
                return None
        elif type(value) is _Id and not value.id.strip():
            return None

    # References (references.extract_references for this form: no Attempt anywhere, an
    # actor typed TimebackUser).
    student = actor.id
    student_ref = None if _ANONYMOUS_RE.match(student) else last_segment(student)
    course = _ref(extensions.course) or _ref(obj.course)
    session = event.session
    session_id = session if type(session) is str else None
    if type(session) is dict and type(session.get("id")) is str:
        session_id = session["id"]
    run_key = extensions.runId or None
    if run_key is None:
        # ref_id(session): a blank id names no session.
        if session_id and session_id.strip() and session_id.startswith(_URN_UUID):
            run_key = session_id[len(_URN_UUID) :] or None
    activity = obj.activity
    activity_id = activity if type(activity) is str else activity.id if activity else None
    lesson_refs = _unique([_ref(extensions.lesson), _ref(activity), obj.id])
    generated = event.generated
    attempt = None if generated.attempt is UNSET else generated.attempt
    course_ref = last_segment(course) if course else None

    # Bounds (bounds.value_errors): anything out of them is the full validator's to word.
    named = (event.id, student, obj.id, activity_id, session_id, student_ref, course_ref, run_key)
    if max(map(len, filter(None, (*named, *lesson_refs)))) > limits.max_id_length:
        return None
    if attempt is not None and attempt > MAX_ATTEMPT:
        return None
    totals: dict[str, float] = {}
    for item in generated.items:
        value = float(item.value)
        if not math.isfinite(value) or (value < 0 and item.type != _SIGNED):
            return None  # a rejection the full validator words
        totals[item.type] = totals.get(item.type, 0.0) + value
    if isinstance(event, _ActivityEvent) and len(totals) != len(generated.items):
        return None  # an activity metric given twice
    for name, value in totals.items():
        if name == _SIGNED:
            bound = min(limits.max_xp, _COLUMN_NUMBER)
            if abs(value) > bound:
                return None
        elif name in _COUNTS:
            if value > min(limits.max_questions, _COLUMN_NUMBER):
                return None
        elif value > min(limits.max_seconds, _COLUMN_NUMBER):
            return None

    return ParsedEvent(
        index=index,
        raw=raw,
        errors=[],
        id=event.id,
        type="ActivityEvent" if isinstance(event, _ActivityEvent) else "TimeSpentEvent",
        action=event.action,
        profile=TIMEBACK_PROFILE,
        event_time=event_time,
        student_ref=student_ref,
        course_ref=course_ref,
        lesson_refs=lesson_refs,
        run_key=run_key,
        attempt=attempt,
    )
