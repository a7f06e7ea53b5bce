"""Request-body fields every OneRoster write shares, lenient where real clients are: a
reference may be a sourcedId string or an object with `sourcedId`; dates may carry a time;
an enumerated value may be an `ext:` extension. Everything is validated before anything is
written, and every error names its field.
"""

import re
from collections.abc import Mapping
from datetime import UTC

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.oneroster import Status

MAX_TEXT = 255


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string"},
            {
                "type": "object",
                "properties": {"sourcedId": {"type": "string"}},
                "required": ["sourcedId"],
            },
        ]
    }
)
class RefField(serializers.Field):
    """A reference: "id" or {"sourcedId": "id", ...}; answers the sourcedId."""

    default_error_messages = {
        "invalid": "must be a sourcedId string or an object with a 'sourcedId' string.",
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("sourcedId")
        if not isinstance(data, str) or not data.strip() or len(data) > MAX_TEXT:
            self.fail("invalid")
        return data.strip()

    def to_representation(self, value):
        return {"sourcedId": value}


@extend_schema_field(OpenApiTypes.DATE)
class LenientDateField(serializers.Field):
    """A calendar date; a date-time is accepted and its date kept."""

    default_error_messages = {"invalid": "must be a date (YYYY-MM-DD)."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = parse_date(data[:10]) if len(data) >= 10 else None
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return value.isoformat()


@extend_schema_field(OpenApiTypes.DATETIME)
class LenientDateTimeField(serializers.Field):
    default_error_messages = {"invalid": "must be an ISO 8601 date-time."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            value = parse_datetime(data)
            if value is None and len(data) == 10:
                value = parse_datetime(data + "T00:00:00Z")
        except ValueError:
            value = None
        if value is None:
            self.fail("invalid")
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def to_representation(self, value):
        return value.isoformat()


class ChoiceOrExtension(serializers.ChoiceField):
    """An enumerated OneRoster value, or an `ext:` extension value."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.startswith("ext:") and 4 < len(data) <= 32:
            return data
        return super().to_internal_value(data)


def text(**kwargs):
    return serializers.CharField(
        max_length=MAX_TEXT, allow_blank=True, trim_whitespace=True, **kwargs
    )


def optional_text(**kwargs):
    return serializers.CharField(
        max_length=MAX_TEXT,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=True,
        required=False,
        **kwargs,
    )


def string_list():
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_TEXT), required=False, max_length=200
    )


# A flat reference as older clients send it: `orgSourcedId`, `classSourcedId`,
# `termSourcedIds`, ...
FLAT_REFERENCE = re.compile(r"^(?P<name>[a-z][A-Za-z]*?)SourcedId(?P<many>s?)$")


class BaseInput(serializers.Serializer):
    sourcedId = serializers.CharField(max_length=MAX_TEXT, required=False)
    status = serializers.ChoiceField(choices=Status.values, required=False)
    metadata = serializers.DictField(required=False, allow_null=True)

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            data = self.read_flat_references(dict(data))
        return super().to_internal_value(data)

    def read_flat_references(self, data: dict) -> dict:
        """Read `orgSourcedId: "x"` as `org: "x"` (and `termSourcedIds` as `terms`), as the
        older `timeback` client sends them. A flat reference this object has no reference
        for answers 400: stored as if absent, the object would silently lose it (a course
        with no org)."""
        errors = {}
        for key in [k for k in data if isinstance(k, str)]:
            match = FLAT_REFERENCE.match(key)
            if not match:
                continue
            name = match["name"]
            candidates = (name + "s", name) if match["many"] else (name,)
            field = next((c for c in candidates if c in self.fields and c != "sourcedId"), None)
            if field is None:
                errors[key] = f"'{key}' names no reference of this object; it cannot be stored."
                continue
            value = data.pop(key)
            if field in data and data[field] != value and _ref_id(data[field]) != value:
                errors[key] = f"'{key}' and '{field}' name different objects."
                continue
            data.setdefault(field, value)
        if errors:
            raise serializers.ValidationError(errors)
        return data


def _ref_id(value):
    return value.get("sourcedId") if isinstance(value, Mapping) else value
