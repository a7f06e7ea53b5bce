"""A OneRoster resource type: its JSON names, queryset, queryable fields, representer,
input and writer, and the scopes that guard it. The generic views (core.api.oneroster) are
written over these descriptions, so every collection of every app behaves the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from rest_framework import serializers

from .errors import OneRosterError
from .query import Field

BASE_FIELDS = {
    "sourcedId": Field("sourced_id"),
    "status": Field("status"),
    "dateLastModified": Field("date_last_modified", "datetime"),
}


@dataclass(frozen=True)
class ResourceType:
    singular: str
    plural: str
    model: type
    queryset: Callable
    represent: Callable
    fields: dict[str, Field]
    output_fields: tuple[str, ...]
    input: type[serializers.Serializer] | None = None
    write: Callable | None = None
    search: tuple[str, ...] = ()
    wrappers: tuple[str, ...] = ()
    # No scope by default: a type that names none is refused to every token.
    read_scopes: list[str] = field(default_factory=list)
    write_scopes: list[str] = field(default_factory=list)
    delete_scopes: list[str] = field(default_factory=list)
    forced: dict = field(default_factory=dict)  # body values a route imposes (e.g. type=school)
    # Read scoping (docs/access.md): (queryset, partner app) -> the rows that app may see. Rows
    # outside it answer 404. None: every authenticated caller with the scope sees all rows.
    visible: Callable | None = None
    # (partner app, object) -> None: check who may delete, then delete (softly). None: the
    # type cannot be deleted through the API (405).
    delete: Callable | None = None
    # (singular, plural) keys Timeback's official clients read (and wrap bodies in) where
    # they differ from 1EdTech's: answered alongside the standard keys (docs/api.md#path-profiles).
    client_keys: tuple[str, str] | None = None

    def keyed(self, value, *, many: bool) -> dict:
        """{key: value} under the standard key and, if any, the official clients' key."""
        keys = [self.plural if many else self.singular]
        if self.client_keys:
            keys.append(self.client_keys[1 if many else 0])
        return dict.fromkeys(keys, value)

    def required_scopes(self) -> dict[str, list[str]]:
        scopes = {"GET": self.read_scopes}
        if self.write:
            scopes.update(POST=self.write_scopes, PUT=self.write_scopes, DELETE=self.delete_scopes)
        return scopes

    def visible_to(self, queryset, app):
        return queryset if self.visible is None else self.visible(queryset, app)

    def delete_as(self, app, obj) -> None:
        if self.delete is None:
            raise OneRosterError("This object cannot be deleted.", http_status=405)
        self.delete(app, obj)

    def unwrap(self, body):
        """Accept `{"user": {...}}` as OneRoster wraps it, or the bare object."""
        if not isinstance(body, dict):
            raise serializers.ValidationError({"body": "must be a JSON object."})
        for key in (self.singular, *self.wrappers):
            if isinstance(body.get(key), dict):
                return body[key]
        return body

    def with_forced(self, data: dict) -> dict:
        return {**data, **self.forced}


COMMON_OUT = ("sourcedId", "status", "dateLastModified", "metadata")
