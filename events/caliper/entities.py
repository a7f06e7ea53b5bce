"""The entity walk: an entity (as an object or its IRI) checked against its type's compiled
schema, then each property that holds entities checked recursively with the types it
allows.

An envelope may also carry Entity *describes*: :func:`parse_event` rejects them (they are
not events) and :func:`validate_entity` validates them, so the service can decide.
"""

from __future__ import annotations

from fastjsonschema import JsonSchemaValueException

from .schemas import ENTITY_SPECS, ENTITY_TYPES, Slot, TypeSpec
from .values import IRI_RE, check_context, is_entity_id, json_type, short
from .vocabulary import Rule, describe_types

_MAX_DEPTH = 32  # entities nested deeper than this are refused rather than recursed into


_FORMAT_NAMES = {
    "date-time": "an ISO 8601 date-time with a time zone (e.g. 2025-11-18T10:15:00.000Z)",
    "duration": "an ISO 8601 duration (e.g. PT50M30S)",
}
_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
}


def _schema_error(path: str, error: JsonSchemaValueException) -> str:
    """A fastjsonschema error as "path.to.property: what is wrong (got ...)"."""
    name = error.name or "data"
    where = path + name[4:] if name.startswith("data") else path
    rule, definition, value = error.rule, error.definition or {}, error.value
    if rule == "required" and isinstance(value, dict):
        missing = [prop for prop in definition.get("required", ()) if prop not in value]
        if missing:
            return "; ".join(f"{where}.{prop}: is required" for prop in missing)
    if rule == "type":
        expected = definition.get("type")
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(_TYPE_NAMES.get(item, str(item)) for item in names)
        return f"{where}: must be {wanted}, not {json_type(value)} ({short(value)})"
    if rule == "format":
        fmt = definition.get("format")
        return f"{where}: {short(value)} is not {_FORMAT_NAMES.get(fmt, fmt)}"
    if rule == "enum":
        options = [str(option) for option in definition.get("enum", ())]
        shown = ", ".join(options[:8]) + (", ..." if len(options) > 8 else "")
        return f"{where}: {short(value)} is not one of the allowed values ({shown})"
    if rule == "const":
        return f"{where}: must be {definition.get('const')!r}, not {short(value)}"
    message = error.message
    if message.startswith(name + " "):
        message = message[len(name) + 1 :]
    if rule in ("minimum", "maximum", "pattern"):
        message = f"{message} (got {short(value)})"
    return f"{where}: {message}"


def check_entity(
    value: object,
    allowed: frozenset[str] | None,
    path: str,
    errors: list[str],
    depth: int = 0,
    rule: Rule | None = None,
) -> None:
    """Validate an entity given as an object or as its IRI (appends to ``errors``)."""
    if isinstance(value, str):
        if IRI_RE.match(value) is None:
            errors.append(
                f"{path}: {short(value)} is not a valid IRI "
                "(an entity is given as an object or as its IRI)"
            )
        return
    if not isinstance(value, dict):
        errors.append(f"{path}: must be an object or an IRI string, not {json_type(value)}")
        return
    if depth > _MAX_DEPTH:
        errors.append(f"{path}: entities are nested too deeply (more than {_MAX_DEPTH} levels)")
        return
    entity_type = value.get("type")
    if not isinstance(entity_type, str):
        if entity_type is None:
            errors.append(f"{path}.type: is required (the entity's Caliper type)")
        else:
            errors.append(f"{path}.type: must be a string, not {json_type(entity_type)}")
        return
    spec = ENTITY_SPECS.get(entity_type)
    if spec is None or (not spec.needs_id and allowed is not None):
        errors.append(f"{path}.type: {short(entity_type)} is not a Caliper 1.2 entity type")
        return
    if (allowed is not None and entity_type not in allowed) or (
        rule is not None and entity_type not in rule.types
    ):
        expected = rule.label if rule is not None else describe_types(allowed)
        errors.append(f"{path}.type: {entity_type} is not allowed here (expected {expected})")
        return
    _check_entity_body(value, spec, path, errors, depth)


def _check_entity_body(
    value: dict, spec: TypeSpec, path: str, errors: list[str], depth: int
) -> None:
    try:
        spec.validate(value)
    except JsonSchemaValueException as error:
        errors.append(_schema_error(path, error))
        return
    if spec.needs_id:
        entity_id = value.get("id")
        if entity_id is None:
            errors.append(f"{path}.id: is required (an IRI)")
        elif not isinstance(entity_id, str):
            errors.append(f"{path}.id: must be an IRI string, not {json_type(entity_id)}")
        elif not is_entity_id(entity_id):
            errors.append(f"{path}.id: {short(entity_id)} is not a valid IRI")
    for prop, slot in spec.slots.items():
        if prop not in value:
            if prop in spec.required:
                errors.append(f"{path}.{prop}: is required")
            continue
        check_slot(value[prop], slot, f"{path}.{prop}", errors, depth + 1)
    if "otherIdentifiers" in value:
        _check_other_identifiers(value["otherIdentifiers"], path, errors, depth)


def check_slot(
    value: object,
    slot: Slot,
    path: str,
    errors: list[str],
    depth: int,
    rule: Rule | None = None,
) -> None:
    if slot.array:
        if not isinstance(value, list):
            errors.append(f"{path}: must be an array, not {json_type(value)}")
            return
        for index, item in enumerate(value):
            check_entity(item, slot.types, f"{path}[{index}]", errors, depth, rule)
    else:
        check_entity(value, slot.types, path, errors, depth, rule)


def _check_other_identifiers(value: object, path: str, errors: list[str], depth: int) -> None:
    where = f"{path}.otherIdentifiers"
    if not isinstance(value, list):
        errors.append(f"{where}: must be an array of SystemIdentifier, not {json_type(value)}")
        return
    spec = ENTITY_SPECS["SystemIdentifier"]
    for index, item in enumerate(value):
        item_path = f"{where}[{index}]"
        if isinstance(item, str):
            if IRI_RE.match(item) is None:
                errors.append(f"{item_path}: {short(item)} is not a valid IRI")
            continue
        if not isinstance(item, dict):
            errors.append(f"{item_path}: must be a SystemIdentifier object, not {json_type(item)}")
            continue
        if item.get("type") != "SystemIdentifier":
            errors.append(
                f"{item_path}.type: {short(item.get('type'))} is not allowed here "
                "(expected SystemIdentifier)"
            )
            continue
        _check_entity_body(item, spec, item_path, errors, depth + 1)


def validate_entity(raw: object) -> list[str]:
    """Errors of a top-level Entity describe (an envelope may carry entities); [] = valid."""
    errors: list[str] = []
    if isinstance(raw, dict):
        check_context(raw, errors, required=True)
    check_entity(raw, None, "entity", errors)
    return errors


def is_entity_describe(raw: object) -> bool:
    """True for an object typed as a Caliper Entity (not an Event)."""
    return isinstance(raw, dict) and raw.get("type") in ENTITY_TYPES
