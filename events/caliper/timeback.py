"""The Timeback forms of an event, checked by hand (they are not standard Caliper), and
their metrics.

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
"""

from __future__ import annotations

from .common import ParsedEvent, check_common
from .values import is_number, json_type, short
from .vocabulary import (
    ACTIVITY_ITEM_TYPES,
    AGGREGATION_PROFILE,
    TIME_SPENT_ITEM_TYPES,
    TIMEBACK_ACTIONS,
    TIMEBACK_PROFILE,
    TIMEBACK_PROFILES,
)

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


def check_timeback_event(parsed: ParsedEvent, raw: dict) -> None:
    errors = parsed.errors
    check_common(parsed, raw, context_required=False)
    profile, event_type = parsed.profile, parsed.type
    if event_type is None:
        return
    if event_type not in TIMEBACK_ACTIONS:
        errors.append(
            f"type: {short(event_type)} is not an event type of {profile} "
            "(allowed: ActivityEvent, TimeSpentEvent)"
        )
        return
    if profile not in TIMEBACK_PROFILES:
        errors.append(
            f"profile: {event_type} needs profile TimebackProfile (or AggregationProfile), "
            f"not {short(profile)}"
        )
        return
    expected_action = TIMEBACK_ACTIONS[event_type]
    if parsed.action is not None and parsed.action != expected_action:
        errors.append(
            f"action: {short(parsed.action)} is not allowed for {event_type} "
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
        errors.append(f"generated: must be a {generated_type} object, not {json_type(generated)}")
    else:
        _check_metrics(generated, generated_type, item_type, item_names, event_type, errors)
    for prop in ("edApp", "group", "membership", "session", "federatedSession", "target"):
        value = raw.get(prop)
        if prop in raw and not (isinstance(value, dict) or (isinstance(value, str) and value)):
            errors.append(f"{prop}: must be an object or an IRI string, not {short(value)}")


def _check_light_entity(value: object, path: str, expected_type: str, errors: list[str]) -> bool:
    """A Timeback-form entity: an object of the expected type with a string id (or an id)."""
    if isinstance(value, str):
        if not value.strip():
            errors.append(f"{path}: must not be empty")
        return False
    if not isinstance(value, dict):
        errors.append(f"{path}: must be a {expected_type} object, not {json_type(value)}")
        return False
    ok = True
    if value.get("type") != expected_type:
        errors.append(
            f"{path}.type: {short(value.get('type'))} is not allowed here "
            f"(expected {expected_type})"
        )
        ok = False
    entity_id = value.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        errors.append(f"{path}.id: must be a non-empty string, not {short(entity_id)}")
        ok = False
    for name in ("name", "email", "subject"):
        if name in value and not isinstance(value[name], str):
            errors.append(f"{path}.{name}: must be a string, not {json_type(value[name])}")
            ok = False
    if "extensions" in value and not isinstance(value["extensions"], dict):
        errors.append(f"{path}.extensions: must be an object, not {json_type(value['extensions'])}")
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
            errors.append(f"object.{name}: must be an object, not {json_type(value)}")
            continue
        if "id" in value and value["id"] is not None and not isinstance(value["id"], str):
            errors.append(f"object.{name}.id: must be a string, not {json_type(value['id'])}")
        if "name" in value and value["name"] is not None and not isinstance(value["name"], str):
            errors.append(f"object.{name}.name: must be a string, not {json_type(value['name'])}")
    if "process" in obj and not isinstance(obj["process"], bool):
        errors.append(f"object.process: must be a boolean, not {json_type(obj['process'])}")


def _check_aggregation_object(obj: dict, errors: list[str]) -> None:
    if "isPartOf" not in obj:
        return
    part_of = obj["isPartOf"]
    if isinstance(part_of, str):
        if not part_of.strip():
            errors.append("object.isPartOf: must not be empty")
        return
    if not isinstance(part_of, dict):
        errors.append(f"object.isPartOf: must be a CourseOffering object, not {json_type(part_of)}")
        return
    if part_of.get("type") != "CourseOffering":
        errors.append(
            f"object.isPartOf.type: {short(part_of.get('type'))} is not allowed here "
            "(expected CourseOffering)"
        )
    # The official client sends "id": null when the course it was given had no id.
    if part_of.get("id") is not None and not isinstance(part_of["id"], str):
        errors.append(f"object.isPartOf.id: must be a string, not {json_type(part_of['id'])}")


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
            f"generated.type: {short(generated.get('type'))} is not allowed for "
            f"{event_type} (expected {generated_type})"
        )
        return
    if "id" in generated and not isinstance(generated["id"], str):
        errors.append(f"generated.id: must be a string, not {json_type(generated['id'])}")
    if "attempt" in generated:
        attempt = generated["attempt"]
        if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
            errors.append(f"generated.attempt: must be a positive integer, not {short(attempt)}")
    if "extensions" in generated and not isinstance(generated["extensions"], dict):
        errors.append(
            f"generated.extensions: must be an object, not {json_type(generated['extensions'])}"
        )
    items = generated.get("items")
    if not isinstance(items, list) or not items:
        errors.append(f"generated.items: must be a non-empty array of metrics, not {short(items)}")
        return
    seen: set[str] = set()
    # The paths and the allowed names are written only for a message (an item costs a
    # microsecond less when it is right, which almost every item is).
    aggregation = item_type is not None
    type_key, value_key = ("metricType", "metricValue") if aggregation else ("type", "value")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(f"generated.items[{index}]: must be an object, not {json_type(item)}")
            continue
        if not aggregation:  # TimebackProfile: {type, value}
            name, value = item.get("type"), item.get("value")
            known = name if name in item_names else None
        else:  # AggregationProfile: {type: ActivityMetric, metricType, metricValue}
            if item.get("type") != item_type:
                errors.append(
                    f"generated.items[{index}].type: {short(item.get('type'))} is not allowed "
                    f"here (expected {item_type})"
                )
                continue
            name, value = item.get("metricType"), item.get("metricValue")
            known = _METRIC_TYPES.get(name) if isinstance(name, str) else None
            if known not in item_names:
                known = None
        if known is None:
            allowed = (
                ", ".join(_pascal(n) for n in item_names) if aggregation else ", ".join(item_names)
            )
            errors.append(
                f"generated.items[{index}].{type_key}: {short(name)} is not a metric of "
                f"{event_type} (allowed: {allowed})"
            )
            continue
        if not is_number(value):
            errors.append(
                f"generated.items[{index}].{value_key}: must be a number, not {short(value)}"
            )
            continue
        if value < 0 and known not in _SIGNED_ITEMS:
            errors.append(
                f"generated.items[{index}].{value_key}: {known} must not be negative "
                f"(got {short(value)})"
            )
        if event_type == "ActivityEvent":
            if known in seen:
                errors.append(
                    f"generated.items[{index}].{type_key}: {known} is given more than once"
                )
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
        if isinstance(name, str) and is_number(value):
            totals[name] = totals.get(name, 0.0) + float(value)
    return totals
