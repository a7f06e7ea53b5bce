"""The PUT contentsession body an app sends nearly every time, read without DRF (issue 16).

`UpdateSessionSerializer` (logger.api) builds its fields anew for every request (a deep
copy of each declared field, the interactions' serializer too) and runs every field's
validators: about a fifth of a PUT's Python. `plain_update` reads the same body when every
value is already of the plain JSON type the serializer would turn it into (numbers for
floats, exact booleans, trimmed strings, objects for dicts) and within its bounds, and
answers exactly what the serializer's `validated_data` would be (tests/logger check both
on the same bodies). Anything else — a wrong type, a value out of bounds, a string
DRF would trim or refuse, both progress and progress_delta — answers None, and the
serializer reads the body as before, with its error messages.
"""

import uuid

MAX_DELTA_SECONDS = 24 * 60 * 60
MAX_INTERACTIONS = 100
_BIG = 2**53  # an int beyond it: DRF's float() may overflow; leave it to DRF


def _float(value, low: float, high: float):
    """The FloatField's value, or None when DRF must decide."""
    if type(value) is float:
        number = value
    elif type(value) is int and -_BIG < value < _BIG:
        number = float(value)
    else:
        return None
    if not low <= number <= high:  # also false for NaN and the infinities
        return None
    return number


def _text(value, max_length: int, *, allow_blank: bool = False):
    """The CharField's value, or None when DRF must decide (it trims, refuses blanks, NUL
    characters and surrogates)."""
    if type(value) is not str or len(value) > max_length or value != value.strip():
        return None
    if not value and not allow_blank:
        return None
    if "\x00" in value:
        return None
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return None
    return value


_MISSING = object()
_BOOLEANS = ("complete", "error", "hinted", "replace")


def _interaction(data):
    if type(data) is not dict:
        return None
    result = {}
    if (value := data.get("id", _MISSING)) is not _MISSING:
        if type(value) is not str:
            return None
        try:
            result["id"] = uuid.UUID(hex=value)
        except ValueError:
            return None
    item = _text(data.get("item"), 255)
    correct = _float(data.get("correct"), 0, 1)
    time_spent = _float(data.get("time_spent"), 0, MAX_DELTA_SECONDS)
    if item is None or correct is None or time_spent is None:
        return None
    result.update(item=item, correct=correct, time_spent=time_spent)
    for name in _BOOLEANS:
        value = data.get(name, False)
        if type(value) is not bool:
            return None
        result[name] = value
    if (value := data.get("answer", _MISSING)) is not _MISSING:
        if type(value) is not dict:
            return None
        result["answer"] = dict(value)
    if (value := data.get("simple_answer", _MISSING)) is not _MISSING:
        if (value := _text(value, 10_000, allow_blank=True)) is None:
            return None
        result["simple_answer"] = value
    return result


def plain_update(data) -> dict | None:
    """`UpdateSessionSerializer(data=data).validated_data` for a body of plain values, else
    None (the serializer then reads it)."""
    if type(data) is not dict:
        return None
    result = {}
    for name in ("progress", "progress_delta"):
        if (value := data.get(name, _MISSING)) is not _MISSING:
            if (value := _float(value, 0, 1)) is None:
                return None
            result[name] = value
    if "progress" in result and "progress_delta" in result:
        return None
    if (value := data.get("time_spent_delta", _MISSING)) is _MISSING:
        result["time_spent_delta"] = 0.0
    elif (value := _float(value, 0, MAX_DELTA_SECONDS)) is None:
        return None
    else:
        result["time_spent_delta"] = value
    if (value := data.get("extra_fields", _MISSING)) is not _MISSING:
        if type(value) is not dict:
            return None
        result["extra_fields"] = dict(value)
    if (value := data.get("interactions", _MISSING)) is not _MISSING:
        if type(value) is not list or len(value) > MAX_INTERACTIONS:
            return None
        interactions = [_interaction(one) for one in value]
        if None in interactions:
            return None
        result["interactions"] = interactions
    if (value := data.get("user_id", _MISSING)) is not _MISSING:
        if (value := _text(value, 255)) is None:
            return None
        result["user_id"] = value
    return result
