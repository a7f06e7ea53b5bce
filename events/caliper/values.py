"""Small pure checks of Caliper values (IRIs, date-times, durations, numbers, ids given as
an object or a string, ``@context``) and the wording of the messages that name them."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from urllib.parse import unquote

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
CALIPER_CONTEXT = DATA_VERSION


class EnvelopeError(Exception):
    """The request body is not an acceptable Caliper envelope (nothing is stored)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+\Z")
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
    return isinstance(value, str) and IRI_RE.match(value) is not None


def is_entity_id(value: str) -> bool:
    return IRI_RE.match(value) is not None or _BLANK_NODE_RE.match(value) is not None


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time with an offset, as an aware UTC datetime; else None."""
    if not isinstance(value, str) or _DATETIME_RE.match(value) is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC)


def is_datetime(value: str) -> bool:
    return parse_datetime(value) is not None


def is_duration(value: str) -> bool:
    return _DURATION_RE.match(value) is not None


def json_type(value: object) -> str:
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


def short(value: object) -> str:
    """The value as a developer would recognise it in their JSON (trimmed)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_number(value: object) -> bool:
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
    scheme_end = identifier.find("://")
    if scheme_end < 0:
        return identifier
    # The usual case, a plain URL whose last segment is not empty, without splitting
    # (a student's id on every event).
    if (
        "?" not in identifier
        and "#" not in identifier
        and "%" not in identifier
        and not identifier.endswith("/")
    ):
        head, _, tail = identifier.rpartition("/")
        if len(head) > scheme_end + 2:  # the slash is after "scheme://host"
            return tail
    rest = identifier.split("://", 1)[1]
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    segments = [segment for segment in rest.split("/")[1:] if segment]
    if not segments:
        return identifier
    return unquote(segments[-1])


def check_context(raw: dict, errors: list[str], required: bool) -> None:
    if "@context" not in raw:
        if required:
            errors.append(f"@context: is required ({CALIPER_CONTEXT})")
        return
    context = raw["@context"]
    if isinstance(context, str):
        if context != CALIPER_CONTEXT:
            errors.append(
                f"@context: {short(context)} is not the Caliper 1.2 context ({CALIPER_CONTEXT})"
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
            f"inline context object, not {json_type(context)}"
        )


def ref_id(value: object) -> str | None:
    """The id of an entity given as an object or as its id string."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, dict):
        entity_id = value.get("id")
        if isinstance(entity_id, str) and entity_id.strip():
            return entity_id
    return None
