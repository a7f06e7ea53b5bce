"""The official Caliper 1.2 JSON schemas, loaded and compiled once at import.

``events/caliper_schema/`` holds an unmodified copy of the 110 official Caliper 1.2
schemas (draft-04 style, with IMS's custom ``"$ref": "Person"`` convention). At import
they are loaded and adapted *in memory*, then compiled once per type with
``fastjsonschema`` (which turns a schema into plain Python code):

- annotations (``title``, ``description``, ``translations``, ``definedBy``...) and the
  draft-04 ``id`` keyword are dropped; ``CaliperTypeDefinitions#/x`` refs and refs to
  the enumerations (``Metric``, ``Status``) and to the id-less helper objects
  (``TextPositionSelector``) are inlined;
- IMS's custom formats become constraints a validator understands: ``uint32`` ->
  integer 0..2**32-1, ``long`` -> integer, ``float`` -> number, ``duration`` -> an ISO
  8601 duration check, ``date-time`` -> an RFC 3339 check that also rejects impossible
  dates;
- a property that holds entities (``"$ref": "Person"``, or an ``anyOf`` of entity refs,
  or an array of those) becomes a *slot*: its allowed entity types are read from the
  schema, and the value is checked by :func:`check_entity`, which dispatches on the
  entity's ``type`` (Caliper's discriminator) to that type's compiled validator and
  recurses. This gives the same answer as the schemas' nested ``anyOf`` (every entity
  schema pins its ``type`` with ``^Name$``) without trying 70 alternatives per value,
  and the error names the exact property path instead of "must be valid by one of
  anyOf definition".

Deliberately lenient: unknown properties are accepted (the schemas accept them); a
number written without a decimal point is accepted where the schemas say ``float``
(JSON has one number type and Timeback's client sends ``"scoreGiven": 1``; four broken
*entity* fixtures rely on ``15`` differing from ``15.0``); an inline ``@context`` object
is accepted (an official valid fixture has one). The schemas are compiled with
fastjsonschema's default (draft-07) semantics, which differ from draft-04 only in
counting ``1.0`` as an integer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import fastjsonschema

from .values import is_datetime, is_duration
from .vocabulary import (
    EVENT_ACTIONS,
    PROFILE_EVENT_TYPES,
    SPEC_PROPERTIES,
    SPEC_REQUIRED,
    SPEC_ROLES,
    SPEC_SLOTS,
    SYSTEM_IDENTIFIER_TYPES,
    family,
)

# The vendored schemas stay at events/caliper_schema/ (package data, see pyproject.toml).
SCHEMA_DIR = Path(__file__).parent.with_name("caliper_schema")
_ANNOTATIONS = {"title", "description", "translations", "definedBy", "metaFormat", "schema"}
_FORMATS = {"date-time": is_datetime, "duration": is_duration}


@dataclass(frozen=True, slots=True)
class Slot:
    """A property holding entities (as objects or IRIs): allowed types, array or not."""

    types: frozenset[str]
    array: bool


@dataclass(slots=True)
class TypeSpec:
    name: str
    validate: object  # the compiled fastjsonschema function (None for events)
    slots: dict[str, Slot]
    required: tuple[str, ...]
    needs_id: bool


def _load_schemas(directory: Path = SCHEMA_DIR) -> dict[str, dict]:
    if not directory.is_dir():
        raise RuntimeError(f"Caliper schemas missing: {directory} is not a directory")
    schemas = {}
    for path in sorted(directory.glob("*.json")):
        schemas[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


class _Adapter:
    """Turns the IMS schemas into per-type flat schemas plus slot tables (in memory)."""

    def __init__(self, raw: dict[str, dict]):
        self.raw = raw
        self.entity_names = {
            name
            for name, schema in raw.items()
            if not name.endswith("Event")
            and isinstance(schema.get("properties", {}).get("type"), dict)
            and schema["properties"]["type"].get("pattern") == f"^{name}$"
            and name != "SystemIdentifier"
        }
        self.event_names = {name for name in raw if name.endswith("Event")}

    def resolve(self, ref: str) -> tuple[str | None, dict | None]:
        """A ref -> (entity name, None) for an entity, else (None, the schema it names)."""
        if "#/" in ref:
            file_name, pointer = ref.split("#/", 1)
            target = self.raw[file_name]
            for part in pointer.split("/"):
                target = target[part]
            if "$ref" in target and len(target) == 1:
                return self.resolve(target["$ref"])
            return None, target
        if ref in self.entity_names:
            return ref, None
        return None, self.raw[ref]

    def slot_of(self, schema: dict) -> Slot | None:
        """The slot a property schema describes, or None when it holds no entity."""
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            inner = self.slot_of(schema["items"])
            return Slot(inner.types, True) if inner else None
        if "$ref" in schema:
            name, target = self.resolve(schema["$ref"])
            if name is not None:
                return Slot(frozenset({name}), False)
            return self.slot_of(target)
        if "anyOf" in schema:
            names = set()
            for alternative in schema["anyOf"]:
                if "$ref" in alternative:
                    name, _ = self.resolve(alternative["$ref"])
                    if name is None:
                        return None
                    names.add(name)
                elif alternative != {"type": "string"}:
                    return None
            return Slot(frozenset(names), False) if names else None
        return None

    def flatten(self, schema: object) -> object:
        """A copy without annotations, refs inlined, IMS formats mapped."""
        if isinstance(schema, list):
            return [self.flatten(item) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            _, target = self.resolve(schema["$ref"])
            return self.flatten({k: v for k, v in target.items() if k != "id"})
        out = {}
        for key, value in schema.items():
            if key in _ANNOTATIONS:
                continue
            if key == "properties":
                out[key] = {name: self.flatten(sub) for name, sub in value.items()}
            else:
                out[key] = self.flatten(value)
        fmt = out.get("format")
        if fmt in ("uint32", "long"):
            del out["format"]
            out["type"] = "integer"
            if fmt == "uint32":
                out["minimum"], out["maximum"] = 0, 2**32 - 1
        elif fmt == "float":
            del out["format"]
        return out

    def type_spec(self, name: str) -> TypeSpec:
        schema = self.raw[name]
        slots: dict[str, Slot] = {}
        properties: dict[str, object] = {}
        for prop, sub in schema.get("properties", {}).items():
            slot = self.slot_of(sub)
            if slot is not None:
                slots[prop] = slot
            else:
                properties[prop] = self.flatten(sub)
        for (owner, prop), (roots, array) in SPEC_SLOTS.items():
            if owner == name:
                properties.pop(prop, None)
                slots[prop] = Slot(family(*roots), array)
        for (owner, prop), sub in SPEC_PROPERTIES.items():
            if owner == name:
                properties[prop] = sub
        if name == "HighlightAnnotation":  # selection: a TextPositionSelector, typed
            selection = properties["selection"]
            selection["properties"]["type"] = {"const": "TextPositionSelector"}
            selection["required"] = ["type"]
        if name == "Membership":
            properties["roles"]["items"]["enum"] += list(SPEC_ROLES)
        required = tuple(schema.get("required", ())) + SPEC_REQUIRED.get(name, ())
        if name in self.event_names:
            # What an event schema says besides its slots (required properties, id, type,
            # action, profile, eventTime, @context, extensions) is checked by parse_event,
            # with messages that name the property: only the slot table is kept.
            return TypeSpec(name, None, slots, required, False)
        flat = {
            "type": "object",
            "properties": properties,
            "required": [prop for prop in required if prop not in slots],
        }
        validate = fastjsonschema.compile(flat, formats=_FORMATS)
        return TypeSpec(name, validate, slots, required, name in self.entity_names)


def _build() -> tuple[dict[str, TypeSpec], dict[str, TypeSpec], frozenset[str], frozenset]:
    raw = _load_schemas()
    adapter = _Adapter(raw)
    entities = {name: adapter.type_spec(name) for name in sorted(adapter.entity_names)}
    events = {
        name: adapter.type_spec(name)
        for name in sorted(adapter.event_names)
        if name in EVENT_ACTIONS or name == "Event"
    }
    system_identifier = adapter.flatten(raw["SystemIdentifier"])
    system_identifier["properties"]["identifierType"] = {
        "type": "string",
        "enum": sorted(SYSTEM_IDENTIFIER_TYPES),
    }
    system_identifier["properties"].pop("source", None)  # a slot, checked by hand
    system_identifier["type"] = "object"
    entities["SystemIdentifier"] = TypeSpec(
        "SystemIdentifier",
        fastjsonschema.compile(system_identifier, formats=_FORMATS),
        {"source": Slot(frozenset({"SoftwareApplication"}), False)},
        tuple(system_identifier.get("required", ())),
        False,
    )
    selector = adapter.flatten(raw["TextPositionSelector"])
    selector["properties"]["type"] = {"const": "TextPositionSelector"}
    selector["required"] = ["type"]
    entities["TextPositionSelector"] = TypeSpec(
        "TextPositionSelector",
        fastjsonschema.compile(selector, formats=_FORMATS),
        {},
        ("type",),
        False,
    )
    actions = frozenset(raw["Action"]["enum"])
    profiles = frozenset(raw["Profile"]["enum"])
    return entities, events, actions, profiles


ENTITY_SPECS, EVENT_SPECS, ALL_ACTIONS, _STANDARD_PROFILES = _build()
# The generic Event (GeneralProfile) allows any Caliper action: the list is Action.json's.
EVENT_ACTIONS["Event"] = ALL_ACTIONS
STANDARD_EVENT_TYPES = frozenset(EVENT_SPECS)
ENTITY_TYPES = frozenset(name for name, spec in ENTITY_SPECS.items() if spec.needs_id)
assert set(PROFILE_EVENT_TYPES) == _STANDARD_PROFILES, "profile table out of date"
