"""What a valid event refers to, and small readers of a stored event's raw JSON.

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

The readers below :func:`score_of` (``object_id``, ``activity_id``, ``session_id``,
``wants_result``, ``item_correct``) read what the pipeline needs from a stored event's raw
JSON without parsing it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .common import ParsedEvent
from .values import is_number, last_segment, ref_id
from .vocabulary import COURSE_TYPES, LESSON_TYPES, TIMEBACK_ACTIONS, family

_NOT_STUDENTS = family("Organization", "SoftwareApplication")
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


def extract_references(parsed: ParsedEvent, raw: dict) -> None:
    obj = raw.get("object")
    extensions = raw.get("extensions") if isinstance(raw.get("extensions"), dict) else {}
    attempt = _attempt_of(raw)

    student = ref_id(attempt.get("assignee")) if attempt else None
    if student is None:
        actor = raw.get("actor")
        # An actor typed as software or an organisation (a grader, a timed-out session's
        # application) is nobody's student.
        if not (isinstance(actor, dict) and actor.get("type") in _NOT_STUDENTS):
            student = ref_id(actor)
    if student is not None and _ANONYMOUS_RE.match(student):
        student = None  # an anonymous Person: its id is the type's IRI (spec, "Anonymous")
    parsed.student_ref = last_segment(student) if student else None

    course = ref_id(extensions.get("course"))
    if course is None and isinstance(obj, dict):
        course = ref_id(obj.get("course"))
        if course is None:
            part_of = obj.get("isPartOf")
            if isinstance(part_of, dict) and part_of.get("type") == "CourseOffering":
                course = ref_id(part_of)
    parsed.course_ref = last_segment(course) if course else None

    # A GradeEvent's object is the Attempt: its assignable stands for object.assignable and
    # its own id (an attempt, never a lesson) is not a candidate.
    object_is_attempt = (isinstance(obj, dict) and obj.get("type") == "Attempt") or (
        parsed.type == "GradeEvent"
    )
    candidates = [ref_id(extensions.get("lesson"))]
    if isinstance(obj, dict):
        candidates += [ref_id(obj.get("activity")), ref_id(obj.get("assignable"))]
    if not object_is_attempt:
        candidates.append(ref_id(obj))
    parsed.lesson_refs = _unique(candidates)

    run_id = extensions.get("runId")
    if isinstance(run_id, str) and run_id:
        parsed.run_key = run_id
    else:
        session = ref_id(raw.get("session"))
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


def unresolved(
    event_type: str,
    *,
    student_ref: str,
    student_known: bool,
    course_ref: str,
    course_known: bool,
    lesson_refs: list[str],
    lesson_known: bool,
) -> list[str]:
    """What keeps a stored event from being processed, each with what would resolve it;
    empty when it can be processed (docs/events.md#rejected-parked-and-failed).

    The student must be rostered and a named course published. A standard graded event
    needs a published lesson; a TimebackProfile activity or time needs a course (named, or
    its lesson's) and is credited to it even when its activity is not a published lesson.
    The same rule decides at ingestion (park or not), in the pipeline (un-park) and on the
    developer page and jobs (why parked)."""
    reasons = []
    if not student_ref:
        reasons.append("the event names no student: send actor.id")
    elif not student_known:
        reasons.append(f"student '{student_ref}' not rostered")
    if course_ref and not course_known:
        reasons.append(f"course '{course_ref}' not published")
    first_lesson = lesson_refs[0] if lesson_refs else ""
    if event_type in LESSON_TYPES and not lesson_known:
        reasons.append(f"lesson '{first_lesson}' not published")
    elif event_type in COURSE_TYPES and not course_ref and not lesson_known:
        reasons.append(
            f"lesson '{first_lesson}' not published, and the event names no course: "
            "publish the lesson or send object.course.id"
        )
    return reasons


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
        float(given) if is_number(given) else None,
        float(maximum) if is_number(maximum) else None,
        score_type,
    )


def _id_of(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _obj(raw) -> dict:
    value = raw.get("object") if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else {}


def object_id(raw) -> str | None:
    return _id_of(raw.get("object")) if isinstance(raw, dict) else None


def activity_id(raw) -> str | None:
    """The activity an ActivityEvent is about: object.activity.id, else object.id."""
    return _id_of(_obj(raw).get("activity")) or object_id(raw)


def activity_name(raw) -> str | None:
    """The activity's name: object.activity.name, else object.name."""
    obj = _obj(raw)
    for holder in (obj.get("activity"), obj):
        name = holder.get("name") if isinstance(holder, dict) else None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def session_id(raw) -> str | None:
    return _id_of(raw.get("session")) if isinstance(raw, dict) else None


def wants_result(raw) -> bool:
    """`object.process: true` on an ActivityEvent asks for a OneRoster AssessmentResult."""
    return _obj(raw).get("process") is True


def item_correct(raw) -> bool | None:
    """Whether an answered item was right. Caliper has no standard property for it; apps
    send `generated.extensions.isCorrect` (or `correct`), `generated.isCorrect`, or a
    Score-like `generated.score` with scoreGiven/maxScore."""
    generated = raw.get("generated") if isinstance(raw, dict) else None
    if not isinstance(generated, dict):
        return None
    extensions = (
        generated.get("extensions") if isinstance(generated.get("extensions"), dict) else {}
    )
    for value in (
        extensions.get("isCorrect"),
        extensions.get("correct"),
        generated.get("isCorrect"),
    ):
        if isinstance(value, bool):
            return value
    score = generated.get("score")
    if isinstance(score, dict):
        given, maximum = score.get("scoreGiven"), score.get("maxScore")
        if isinstance(given, (int, float)) and isinstance(maximum, (int, float)) and maximum > 0:
            return given >= maximum
    return None


# Bounds on what one event may carry as per-standard scores (a test covers tens of
# standards; thousands would be an error or an attack on the row size).
MAX_OBJECTIVE_SETS = 20
MAX_OBJECTIVE_RESULTS = 500


def learning_objective_set(raw) -> list[dict]:
    """The per-standard scores an AssessmentEvent or GradeEvent carries in
    `generated.extensions.learningObjectiveSet`, in OneRoster 1.2's shape
    (`[{"source": "CASE", "learningObjectiveResults": [{"learningObjectiveId", "score"}]}]`,
    score in percent), as the result stores it. Lenient like the rest of the extensions:
    entries that are not of that shape (no id, a score that is not a number) are left out,
    the event is not refused for them."""
    generated = raw.get("generated") if isinstance(raw, dict) else None
    extensions = generated.get("extensions") if isinstance(generated, dict) else None
    sets = extensions.get("learningObjectiveSet") if isinstance(extensions, dict) else None
    if not isinstance(sets, list):
        return []
    kept = []
    for entry in sets[:MAX_OBJECTIVE_SETS]:
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
            continue
        results = []
        for one in (entry.get("learningObjectiveResults") or [])[:MAX_OBJECTIVE_RESULTS]:
            if not isinstance(one, dict):
                continue
            objective, score = one.get("learningObjectiveId"), one.get("score")
            if isinstance(objective, str) and objective.strip() and is_number(score):
                results.append({"learningObjectiveId": objective.strip()[:255], "score": score})
        if results:
            kept.append({"source": entry["source"][:255], "learningObjectiveResults": results})
    return kept
