"""The entry points: :func:`validate_envelope` once per request and :func:`parse_event` once
per event, which dispatches to the standard or the Timeback checks and extracts the
references of a valid event."""

from __future__ import annotations

from .bounds import DEFAULT_LIMITS, Limits, shape_errors, value_errors
from .common import EVENT_REQUIRED, ParsedEvent
from .fast import parse_timeback
from .references import extract_references
from .schemas import ENTITY_TYPES
from .standard import check_standard_event
from .timeback import check_timeback_event
from .values import DATA_VERSION, EnvelopeError, json_type, parse_datetime, short
from .vocabulary import TIMEBACK_ACTIONS, TIMEBACK_PROFILES, normalise_term


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
            f"dataVersion and data), not {json_type(body)}",
        )
    missing = [name for name in ("sensor", "sendTime", "dataVersion", "data") if name not in body]
    if missing:
        raise EnvelopeError(400, "envelope: missing required field(s): " + ", ".join(missing))
    sensor = body["sensor"]
    if not isinstance(sensor, str) or not sensor.strip():
        raise EnvelopeError(
            400, f"sensor: must be a non-empty string (the sensor's IRI), not {short(sensor)}"
        )
    if "\x00" in sensor:
        raise EnvelopeError(400, "sensor: contains a NUL (\\u0000) character")
    send_time = body["sendTime"]
    if parse_datetime(send_time) is None:
        raise EnvelopeError(
            400,
            f"sendTime: {short(send_time)} is not an ISO 8601 date-time with a time zone "
            "(e.g. 2025-11-18T10:15:00.000Z)",
        )
    data_version = body["dataVersion"]
    if not isinstance(data_version, str):
        raise EnvelopeError(400, f"dataVersion: must be a string, not {json_type(data_version)}")
    data = body["data"]
    if not isinstance(data, list):
        raise EnvelopeError(400, f"data: must be an array of events, not {json_type(data)}")
    if data_version != DATA_VERSION:
        raise EnvelopeError(
            422,
            f"dataVersion: {short(data_version)} is not supported; this endpoint takes "
            f"Caliper 1.2 ({DATA_VERSION})",
        )
    return data


def parse_event(
    index: int, raw: object, limits: Limits = DEFAULT_LIMITS, *, shape_checked: bool = False
) -> ParsedEvent:
    """Validate one event and extract its references; never raises for bad input.

    The bounds of storage and processing (depth, NUL, lengths, numeric ranges:
    :mod:`.bounds`) are part of validity, so what validates is what can be stored.
    `shape_checked`: the caller has already found the whole body free of NUL and deep
    nesting (:func:`.bounds.body_within`), so the event need not be walked for them."""
    if shape_checked:
        # The usual event (a TimebackProfile one) in one pass; anything it does not accept,
        # valid or not, is decided and worded below (docs/decisions.md, "One pass").
        fast = parse_timeback(index, raw, limits)
        if fast is not None:
            return fast
    return parse_event_fully(index, raw, limits, shape_checked=shape_checked)


def parse_event_fully(
    index: int, raw: object, limits: Limits = DEFAULT_LIMITS, *, shape_checked: bool = False
) -> ParsedEvent:
    """:func:`parse_event` without its one-pass form: every rule, every message."""
    parsed = ParsedEvent(index=index, raw=raw, errors=[])
    if not shape_checked:
        parsed.errors.extend(shape_errors(raw, limits))
        if parsed.errors:
            return parsed  # nothing else reads an event that could not be stored or quoted
    try:
        _parse_into(parsed, raw)
        if not parsed.errors:
            parsed.errors.extend(value_errors(parsed, limits))
    except Exception as error:  # a bug must not turn bad input into a 500
        parsed.errors.append(f"event could not be validated ({type(error).__name__})")
    return parsed


def read_stored(raw: object, *, references: bool = True) -> ParsedEvent:
    """What processing reads of a stored event (its type, action, profile, references and
    attempt), without validating it again: it was validated, bounds included, when it was
    accepted. A fifth of the CPU :func:`parse_event` costs. Without `references`, its
    names only (type, action, profile): the pipeline reads the references from the stored
    row's columns, which ingestion filled from them."""
    parsed = ParsedEvent(index=0, raw=raw, errors=[])
    if not isinstance(raw, dict):
        return parsed
    _read_names(parsed, raw)
    if not references:
        return parsed
    try:
        extract_references(parsed, raw)
    except Exception:  # noqa: BLE001 - stored before a rule existed: read what can be read
        pass
    return parsed


def _read_names(parsed: ParsedEvent, raw: dict) -> None:
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


def _parse_into(parsed: ParsedEvent, raw: object) -> None:
    errors = parsed.errors
    if not isinstance(raw, dict):
        errors.append(f"event: must be a JSON object, not {json_type(raw)}")
        return

    _read_names(parsed, raw)
    event_type = raw.get("type")
    if isinstance(event_type, str) and event_type in ENTITY_TYPES and "action" not in raw:
        errors.append(
            f"type: {event_type} is a Caliper Entity, not an Event; an event needs "
            "id, type, actor, action, object and eventTime"
        )
        return

    for name in EVENT_REQUIRED:
        if raw.get(name) is None:
            errors.append(f"{name}: is required" + (" (got null)" if name in raw else ""))

    if parsed.profile in TIMEBACK_PROFILES or parsed.type in TIMEBACK_ACTIONS:
        check_timeback_event(parsed, raw)
    else:
        check_standard_event(parsed, raw)

    if not errors:
        extract_references(parsed, raw)
