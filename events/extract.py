"""Small pure readers of a stored event's raw JSON, for the pipeline (the full validation
and reference extraction live in `events.caliper`)."""


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
