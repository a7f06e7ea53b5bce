"""Helpers every OneRoster writer shares: from a validated request body to model fields,
references resolved by sourcedId, and the fields a new object needs. Errors are 400s that
name the field.
"""

from rest_framework.exceptions import ValidationError


def lookup(model, sourced_id: str, field: str):
    obj = model._base_manager.filter(sourced_id=sourced_id).first()
    if obj is None:
        raise ValidationError({field: f"unknown {model._meta.verbose_name} '{sourced_id}'."})
    return obj


def lookup_many(model, sourced_ids: list[str], field: str) -> list:
    found = {o.sourced_id: o for o in model._base_manager.filter(sourced_id__in=sourced_ids)}
    missing = [s for s in sourced_ids if s not in found]
    if missing:
        raise ValidationError(
            {field: f"unknown {model._meta.verbose_name} {', '.join(map(repr, missing))}."}
        )
    return [found[s] for s in dict.fromkeys(sourced_ids)]


def copy_fields(data: dict, mapping: dict[str, str]) -> dict:
    """Rename the present JSON properties to model fields; a null text becomes ''."""
    return {
        model_name: ("" if data[json_name] is None else data[json_name])
        for json_name, model_name in mapping.items()
        if json_name in data
    }


def common_fields(data: dict) -> dict:
    fields = {}
    if "status" in data:
        fields["status"] = data["status"]
    if "metadata" in data:
        fields["metadata"] = data["metadata"] or {}
    return fields


def require_for_create(existing, data: dict, names: list[str]) -> None:
    if existing is not None:
        return
    missing = [n for n in names if data.get(n) in (None, "", [])]
    if missing:
        raise ValidationError({n: "is required to create this object." for n in missing})


def optional_ref(data, json_name, model, field_name=None):
    if json_name not in data:
        return {}
    value = data[json_name]
    return {field_name or json_name: lookup(model, value, json_name) if value else None}
