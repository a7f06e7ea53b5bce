"""What every event is checked for whatever its form (standard Caliper or a Timeback
profile), and :class:`ParsedEvent`, what parsing an event answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .values import IRI_RE, check_context, json_type, parse_datetime, ref_id, short
from .vocabulary import GRADED_TYPES


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


EVENT_REQUIRED = ("id", "type", "actor", "action", "object", "eventTime")


def check_common(parsed: ParsedEvent, raw: dict, context_required: bool) -> None:
    errors = parsed.errors
    event_id = raw.get("id")
    if event_id is not None:
        if not isinstance(event_id, str):
            errors.append(f"id: must be a string (urn:uuid:<UUID>), not {json_type(event_id)}")
        elif IRI_RE.match(event_id) is None:
            errors.append(
                f"id: {short(event_id)} is not a valid event id (expected urn:uuid:<UUID>)"
            )
    event_type = raw.get("type")
    if event_type is not None and not isinstance(event_type, str):
        errors.append(f"type: must be a string, not {json_type(event_type)}")
    action = raw.get("action")
    if action is not None and not isinstance(action, str):
        errors.append(f"action: must be a string, not {json_type(action)}")
    profile = raw.get("profile")
    if "profile" in raw and not isinstance(profile, str):
        errors.append(f"profile: must be a string, not {json_type(profile)}")
    event_time = raw.get("eventTime")
    if event_time is not None:
        parsed.event_time = parse_datetime(event_time)
        if parsed.event_time is None:
            errors.append(
                f"eventTime: {short(event_time)} is not an ISO 8601 date-time with a time "
                "zone (e.g. 2025-11-18T10:15:00.000Z)"
            )
    check_context(raw, errors, required=context_required)
    extensions = raw.get("extensions")
    if "extensions" in raw:
        if not isinstance(extensions, dict):
            errors.append(f"extensions: must be an object, not {json_type(extensions)}")
        else:
            _check_timeback_extensions(extensions, errors)


def _check_timeback_extensions(extensions: dict, errors: list[str]) -> None:
    """The extension keys this platform reads (runId, course, lesson) must be usable."""
    run_id = extensions.get("runId")
    if "runId" in extensions and (not isinstance(run_id, str) or not run_id):
        errors.append(f"extensions.runId: must be a non-empty string, not {short(run_id)}")
    for name in ("course", "lesson"):
        if name in extensions and ref_id(extensions[name]) is None:
            errors.append(
                f"extensions.{name}: must be an object with a string id (or the id itself), "
                f"not {short(extensions[name])}"
            )
