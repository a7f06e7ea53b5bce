"""The bounds an event must keep so that storing and processing it cannot fail
(docs/events.md#a-bad-event-costs-only-itself): lengths of ids and references (the columns
they go into), nesting depth (orjson writes at most 255 levels; PostgreSQL's jsonb and
Python's recursion have limits too), numeric ranges of XP, seconds, questions and scores
(the ledger's and the facts' columns), and NUL characters (PostgreSQL stores no NUL in
text or jsonb). An event out of bounds is rejected with its reason at ingestion, alone:
the rest of its envelope is stored.

Pure (no Django): the service passes the limits it reads from settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import nesting_exceeds

from .common import ParsedEvent
from .references import activity_id, object_id, score_of, session_id
from .timeback import timeback_items
from .values import ref_id, short

# What the ledger's and the results' decimal(12, 2|4) columns and the facts' integer columns
# hold, whatever the settings say: a setting cannot raise a bound past its column.
_COLUMN_NUMBER = 10**7
MAX_ATTEMPT = 1_000_000


@dataclass(frozen=True)
class Limits:
    max_id_length: int = 255
    max_depth: int = 32
    max_xp: float = 1_000
    max_seconds: float = 86_400
    max_questions: float = 10_000
    max_score: float = 1_000_000


DEFAULT_LIMITS = Limits()


def depth_error(raw: object, max_depth: int) -> str | None:
    """The reason when `raw` nests arrays and objects deeper than `max_depth`."""
    if nesting_exceeds(raw, max_depth):
        return f"event: nested too deeply (more than {max_depth} levels of arrays and objects)"
    return None


def has_nul(raw: object) -> bool:
    """A NUL character in any key or string value (iterative, like depth_error)."""
    stack = [raw]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            for key, child in value.items():
                if "\x00" in key:
                    return True
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)
    return False


# The body-level check below, on the bytes orjson parsed: escapes are removed (so that a
# quote inside a string cannot end it), then every byte but quotes and brackets, then the
# strings (what lies between a pair of quotes); the brackets left are the document's
# structure, and each pass removes its innermost pairs: the number of passes is its
# nesting depth. An envelope is the object (1), its data array (2), then the events.
_ESCAPE = re.compile(rb"\\.")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
# Depth does not care which kind of bracket: objects' braces become square brackets, so that
# a pass is one `bytes.replace` of "[]" (one left-to-right scan, no pair formed anew within
# it: exactly the innermost pairs), ~10 × cheaper than a regex's substitution.
_SQUARE = bytes.maketrans(b"{}", b"[]")
_ENVELOPE_LEVELS = 2


def body_within(body: bytes, max_depth: int) -> bool:
    """True when no event of this (valid JSON) envelope body can hold a NUL or nest deeper
    than `max_depth`, which then need not be checked event by event; False when it may (each
    event is then walked by :func:`shape_errors`). An event that passes here passes there:
    a NUL can only be written `\\u0000` in JSON (a raw NUL byte is not valid JSON), and an
    event's nesting is at most the body's less the envelope's two levels. About 1.5 µs per
    event of a 100-event envelope, a tenth of walking every event's values in Python."""
    # A NUL can only be written escaped: no backslash, no NUL (one memchr; the search for
    # the escape itself is ~30 times slower on 100 KB).
    if b"\\" in body:
        if b"\\u0000" in body:
            return False
        body = _ESCAPE.sub(b"", body)
    # Quotes and brackets only (a sixth of the bytes), then the strings removed: what is
    # outside them. Almost every string holds no bracket and is left as `""`. When the
    # quotes, paired left to right, all fall into such adjacent pairs, each pair is one
    # string's two quotes (the only way to split a row of quotes into adjacent pairs), so
    # no string held a bracket and the quotes can simply go; else every other piece
    # between quotes, as before. (~3 µs an event less, issue 16.)
    quoted = body.translate(_SQUARE, _NOT_STRUCTURE)
    if 2 * quoted.count(b'""') == quoted.count(b'"'):
        structure = quoted.translate(None, b'"')
    else:
        structure = b"".join(quoted.split(b'"')[::2])
    for _ in range(max_depth + _ENVELOPE_LEVELS):
        if not structure:
            return True
        structure = structure.replace(b"[]", b"")
    return not structure


NUL_ERROR = "event: contains a NUL (\\u0000) character, which cannot be stored"


def shape_errors(raw: object, limits: Limits) -> list[str]:
    """Depth and NUL: checked before any other validation, which recurses and whose
    messages quote values."""
    error = depth_error(raw, limits.max_depth)
    if error:
        return [error]
    if has_nul(raw):
        return [NUL_ERROR]
    return []


def value_errors(parsed: ParsedEvent, limits: Limits) -> list[str]:
    """Lengths and numeric ranges of a valid event (its references are extracted)."""
    errors: list[str] = []
    raw = parsed.raw
    longest = limits.max_id_length
    actor = raw.get("actor")
    named = [
        ("id", parsed.id),
        ("actor.id", ref_id(actor)),
        ("object.id", object_id(raw)),
        ("object.activity.id", activity_id(raw)),
        ("session.id", session_id(raw)),
        ("student", parsed.student_ref),
        ("course", parsed.course_ref),
        ("run", parsed.run_key),
        *(("lesson", ref) for ref in parsed.lesson_refs),
    ]
    for name, value in named:
        if isinstance(value, str) and len(value) > longest:
            errors.append(
                f"{name}: {len(value)} characters is longer than the {longest} allowed "
                f"({short(value)})"
            )
    if parsed.attempt is not None and not 1 <= parsed.attempt <= MAX_ATTEMPT:
        errors.append(f"attempt: must be between 1 and {MAX_ATTEMPT}, not {parsed.attempt}")
    items = timeback_items(parsed)
    for name, value in items.items():
        if name == "xpEarned":
            bound = min(limits.max_xp, _COLUMN_NUMBER)
            if abs(value) > bound:
                errors.append(f"xpEarned: {short(value)} is beyond ±{bound:g} XP per event")
        elif name in ("totalQuestions", "correctQuestions", "masteredUnits"):
            bound = min(limits.max_questions, _COLUMN_NUMBER)
            if not 0 <= value <= bound:
                errors.append(f"{name}: {short(value)} is beyond 0..{bound:g} per event")
        else:  # seconds (repeated segments are summed: the sum is what is stored)
            bound = min(limits.max_seconds, _COLUMN_NUMBER)
            if not 0 <= value <= bound:
                errors.append(f"{name}: {short(value)} seconds is beyond 0..{bound:g} per event")
    given, maximum, _ = score_of(parsed)
    bound = min(limits.max_score, _COLUMN_NUMBER)
    for name, value in (("generated.scoreGiven", given), ("generated.maxScore", maximum)):
        if value is not None and not -bound <= value <= bound:
            errors.append(f"{name}: {short(value)} is beyond ±{bound:g}")
    return errors
