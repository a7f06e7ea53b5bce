"""The checks of a standard Caliper 1.2 event: its type, profile, action and the entity
types of its properties (the tables of :mod:`events.caliper.vocabulary`), each entity by
its schema (:mod:`events.caliper.entities`)."""

from __future__ import annotations

from .common import EVENT_REQUIRED, ParsedEvent, check_common
from .entities import check_slot
from .schemas import ALL_ACTIONS, EVENT_SPECS
from .values import json_type, short
from .vocabulary import (
    ACTION_REQUIRES,
    ACTION_RULES,
    EVENT_ACTIONS,
    EVENT_RULES,
    PROFILE_EVENT_TYPES,
)


def check_standard_event(parsed: ParsedEvent, raw: dict) -> None:
    errors = parsed.errors
    check_common(parsed, raw, context_required=True)
    event_type = parsed.type
    if event_type is None:
        return
    spec = EVENT_SPECS.get(event_type)
    if spec is None:
        errors.append(
            f"type: {short(event_type)} is not a Caliper 1.2 event type (nor a "
            "TimebackProfile one: ActivityEvent, TimeSpentEvent)"
        )
        return

    profile = parsed.profile
    if profile is not None:
        if profile not in PROFILE_EVENT_TYPES:
            errors.append(
                f"profile: {short(profile)} is not a Caliper 1.2 profile (nor "
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
        if action not in ALL_ACTIONS:
            errors.append(f"action: {short(action)} is not a Caliper 1.2 action")
        else:
            errors.append(
                f"action: {short(action)} is not allowed for {event_type} (allowed: "
                f"{', '.join(sorted(allowed_actions))})"
            )
        action = None

    rules = EVENT_RULES[event_type]
    action_rules = ACTION_RULES.get((event_type, action), {}) if action else {}
    for prop, slot in spec.slots.items():
        value = raw.get(prop)
        if value is None:
            if prop in raw and prop not in EVENT_REQUIRED:
                errors.append(f"{prop}: must not be null (leave the property out instead)")
            continue
        rule = action_rules.get(prop) or rules.get(prop)
        check_slot(value, slot, prop, errors, 0, rule)
    if action is not None:
        needed = ACTION_REQUIRES.get((event_type, action))
        if needed is not None and raw.get(needed) is None:
            errors.append(f"{needed}: is required for {event_type} {action}")
    generated = raw.get("generated")
    if event_type == "GradeEvent" and isinstance(generated, dict):
        extensions = generated.get("extensions")
        for where, holder in (("generated", generated), ("generated.extensions", extensions)):
            if isinstance(holder, dict) and "scoreType" in holder:
                if not isinstance(holder["scoreType"], str):
                    errors.append(
                        f"{where}.scoreType: must be a string, not {json_type(holder['scoreType'])}"
                    )
