"""The OneRoster collection query layer: filter, sort, fields, search and paging.

Every collection of every surface goes through `CollectionQuery`, which turns the request's
query parameters into ORM lookups (never Python loops over rows). Bad input raises
`OneRosterError` with the code minor the standard names (invalid_filter_field,
invalid_selection_field, invaliddata).

Filter grammar (OneRoster 1.2 §3.4.4, as clients actually send it):

    filter     := predicate ( (" AND " | " OR ") predicate )*
    predicate  := field operator value
    field      := name ( "." name )*            e.g. familyName, roles.role, metadata.grade
    operator   := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~"
    value      := "'" chars "'" | bare-word     ('' inside quotes is a literal quote)

AND binds tighter than OR. `~` is a case-insensitive "contains".
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import OneRosterError

OPERATORS = (">=", "<=", "!=", "=", ">", "<", "~")
_FIELD_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*")
_JOIN_RE = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)
_METADATA_KEY_RE = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
MAX_FILTER_LENGTH = 2000
MAX_PREDICATES = 20


@dataclass(frozen=True)
class Field:
    """How one OneRoster field is queried.

    `path` is the ORM lookup path; `kind` decides how filter values are parsed; `many`
    marks a path through a to-many relation, filtered by a subquery so rows never repeat.
    """

    path: str
    kind: str = "str"  # str | bool | int | number | date | datetime | list
    many: bool = False
    sortable: bool = True


@dataclass(frozen=True)
class Predicate:
    field: str
    operator: str
    value: str


def parse_filter(text: str) -> list[list[Predicate]]:
    """Parse a filter into OR-groups of AND-ed predicates (disjunctive normal form)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise _filter_error(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    groups: list[list[Predicate]] = [[]]
    position = 0
    count = 0
    while True:
        predicate, position = _parse_predicate(text, position)
        groups[-1].append(predicate)
        count += 1
        if count > MAX_PREDICATES:
            raise _filter_error(f"A filter may join at most {MAX_PREDICATES} predicates.")
        if position >= len(text.rstrip()):
            return groups
        join = _JOIN_RE.match(text, position)
        if not join:
            raise _filter_error(
                f"Expected ' AND ' or ' OR ' at position {position} of the filter, found {text[position : position + 12]!r}."
            )
        if join.group(1).upper() == "OR":
            groups.append([])
        position = join.end()


def _parse_predicate(text: str, position: int) -> tuple[Predicate, int]:
    match = _FIELD_RE.match(text, position)
    if not match:
        raise _filter_error(f"Expected a field name at position {position} of the filter.")
    name = match.group(1)
    position = match.end()
    operator = next((op for op in OPERATORS if text.startswith(op, position)), None)
    if operator is None:
        raise _filter_error(
            f"Expected an operator (= != > >= < <= ~) after '{name}' in the filter."
        )
    position += len(operator)
    while position < len(text) and text[position] == " ":
        position += 1
    value, position = _parse_value(text, position, name)
    return Predicate(name, operator, value), position


def _parse_value(text: str, position: int, name: str) -> tuple[str, int]:
    if position >= len(text):
        raise _filter_error(f"The filter has no value for '{name}'.")
    quote = text[position]
    if quote in ("'", '"'):
        chars = []
        i = position + 1
        while i < len(text):
            if text[i] == quote:
                if i + 1 < len(text) and text[i + 1] == quote:  # doubled quote = literal quote
                    chars.append(quote)
                    i += 2
                    continue
                return "".join(chars), i + 1
            chars.append(text[i])
            i += 1
        raise _filter_error(f"The value for '{name}' has no closing quote.")
    end = position
    while end < len(text) and not text[end].isspace():
        end += 1
    value = text[position:end]
    if not value:
        raise _filter_error(f"The filter has no value for '{name}'.")
    if "'" in value or '"' in value:
        raise _filter_error(f"The value for '{name}' is badly quoted: {value!r}.")
    return value, end


def _filter_error(message: str) -> OneRosterError:
    return OneRosterError(message, code_minor="invalid_filter_field")


class PredicateCompiler:
    """Turns predicates into Q objects for one model's field map."""

    def __init__(self, model, fields: dict[str, Field]):
        self.model = model
        self.fields = fields

    def compile(self, groups: list[list[Predicate]]) -> Q:
        query = Q()
        for group in groups:
            conjunction = Q()
            for predicate in group:
                conjunction &= self._predicate(predicate)
            query |= conjunction
        return query

    def _predicate(self, p: Predicate) -> Q:
        if p.field.startswith("metadata."):
            return self._metadata_predicate(p)
        spec = self.fields.get(p.field)
        if spec is None:
            raise _filter_error(
                f"Unknown filter field '{p.field}'. Filterable fields: {', '.join(sorted(self.fields))}, metadata.*"
            )
        if spec.kind == "list":
            return self._list_predicate(spec, p)
        value = _convert(spec.kind, p.value, p.field)
        if spec.kind == "datetime" and isinstance(value, tuple):
            return self._day_range(spec, p, value)
        return self._apply(spec, p.operator, value)

    def _apply(self, spec: Field, operator: str, value) -> Q:
        if operator == "!=":
            return ~self._apply(spec, "=", value)
        lookup = {
            "=": "exact",
            ">": "gt",
            ">=": "gte",
            "<": "lt",
            "<=": "lte",
            "~": "icontains",
        }[operator]
        if operator == "~" and spec.kind not in ("str",):
            raise _filter_error("The '~' operator only applies to text fields.")
        q = Q(**{f"{spec.path}__{lookup}": value})
        if spec.many:
            # Through a to-many relation: match parents having such a child, without
            # duplicating parent rows.
            return Q(pk__in=self.model._base_manager.filter(q).values("pk"))
        return q

    def _day_range(self, spec: Field, p: Predicate, day_bounds) -> Q:
        """A bare date against a timestamp field compares with the whole day."""
        start, end = day_bounds
        if p.operator == "=":
            return self._apply(spec, ">=", start) & self._apply(spec, "<", end)
        if p.operator == "!=":
            return ~(self._apply(spec, ">=", start) & self._apply(spec, "<", end))
        if p.operator in (">", "<="):
            return self._apply(spec, {">": ">=", "<=": "<"}[p.operator], end)
        return self._apply(spec, p.operator, start)

    def _list_predicate(self, spec: Field, p: Predicate) -> Q:
        if p.operator not in ("=", "!=", "~"):
            raise _filter_error(f"'{p.field}' is a list: use =, != or ~.")
        if p.operator == "~":
            # Substring match anywhere in the list: match the JSON text of the list.
            q = Q(**{f"{spec.path}__icontains": p.value})
        else:
            q = Q(**{f"{spec.path}__contains": [p.value]})
        return ~q if p.operator == "!=" else q

    def _metadata_predicate(self, p: Predicate) -> Q:
        key = p.field[len("metadata.") :]
        if not _METADATA_KEY_RE.match(key):
            raise _filter_error(f"Bad metadata key in filter field '{p.field}'.")
        path = "metadata__" + key.replace(".", "__")
        if p.operator == "~":
            return Q(**{f"{path}__icontains": p.value})
        spec = Field(path)
        q = self._apply(spec, "=" if p.operator == "!=" else p.operator, p.value)
        if p.operator in ("=", "!=") and _looks_numeric(p.value):
            q |= Q(**{path: _number(p.value)})
        return ~q if p.operator == "!=" else q


def _looks_numeric(value: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", value))


def _number(value: str):
    return float(value) if "." in value else int(value)


def _convert(kind: str, raw: str, name: str):
    if kind == "str":
        return raw
    if kind == "bool":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise _filter_error(f"'{name}' is a boolean: use 'true' or 'false', not {raw!r}.")
        return lowered == "true"
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise _filter_error(f"'{name}' is a number, not {raw!r}.") from None
    if kind == "number":
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise _filter_error(f"'{name}' is a number, not {raw!r}.")
        return value
    if kind == "date":
        value = _parse_date_or_none(raw)
        if value is None:
            raise _filter_error(f"'{name}' is a date (YYYY-MM-DD), not {raw!r}.")
        return value
    if kind == "datetime":
        return _parse_timestamp(raw, name)
    raise AssertionError(f"unknown field kind {kind}")


def _parse_date_or_none(raw: str):
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _parse_timestamp(raw: str, name: str):
    """A timestamp, or for a bare date the (start, end) bounds of that UTC day."""
    try:
        value = parse_datetime(raw.replace(" ", "T", 1) if len(raw) > 10 else raw)
    except ValueError:
        value = None
    if value is not None:
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    day = _parse_date_or_none(raw)
    if day is None:
        raise _filter_error(f"'{name}' is a timestamp (ISO 8601), not {raw!r}.")
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass
class Page:
    items: list
    total: int
    limit: int
    offset: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / self.limit)) if self.limit else 1

    @property
    def page_number(self) -> int:
        return self.offset // self.limit + 1 if self.limit else 1


# OneRoster's soft-deleted status (rostering.models.Status.TO_BE_DELETED; core imports no app).
TO_BE_DELETED = "tobedeleted"
# A filter on one of these asks for changes, deletions included (a delta sync).
DELTA_FIELDS = frozenset({"status", "dateLastModified"})


def filter_fields(text: str | None) -> set[str]:
    """The field names a filter tests (none for no filter)."""
    if text is None or not text.strip():
        return set()
    return {p.field for group in parse_filter(text) for p in group}


def without_deleted(queryset, params):
    """Leave `tobedeleted` rows out of a collection unless the request filters on `status`
    or `dateLastModified`, so that a delta sync still sees deletions
    (docs/api.md#collections; nested collections too, docs/decisions.md)."""
    if filter_fields(params.get("filter")) & DELTA_FIELDS:
        return queryset
    return queryset.exclude(status=TO_BE_DELETED)


@dataclass
class CollectionQuery:
    """Applies one request's OneRoster query parameters to a queryset."""

    fields: dict[str, Field]
    search_paths: list[str] = field(default_factory=list)
    default_sort: str = "sourcedId"

    def apply(self, queryset, params):
        queryset = self._filtered(queryset, params.get("filter"))
        queryset = self._searched(queryset, params.get("search"))
        return self._sorted(queryset, params.get("sort"), params.get("orderBy"))

    def paginate(self, queryset, params) -> Page:
        limit, offset = parse_paging(params)
        total = queryset.count()
        items = list(queryset[offset : offset + limit]) if offset < total else []
        return Page(items=items, total=total, limit=limit, offset=offset)

    def _filtered(self, queryset, text):
        if text is None:
            return queryset
        if not text.strip():
            raise _filter_error("The filter is empty.")
        groups = parse_filter(text)
        return queryset.filter(PredicateCompiler(queryset.model, self.fields).compile(groups))

    def _searched(self, queryset, text):
        if not text or not self.search_paths:
            return queryset
        query = Q()
        for path in self.search_paths:
            query |= Q(**{f"{path}__icontains": text[:200]})
        return queryset.filter(query)

    def _sorted(self, queryset, sort, order_by):
        if order_by not in (None, "asc", "desc"):
            raise OneRosterError(
                f"orderBy must be 'asc' or 'desc', not {order_by!r}.",
                code_minor="invalid_selection_field",
            )
        name = sort or self.default_sort
        spec = self.fields.get(name)
        if spec is None or spec.many or not spec.sortable or spec.kind == "list":
            raise OneRosterError(
                f"Cannot sort by '{name}'. Sortable fields: {', '.join(self.sortable_fields())}.",
                code_minor="invalid_selection_field",
            )
        prefix = "-" if order_by == "desc" else ""
        return queryset.order_by(f"{prefix}{spec.path}", f"{prefix}pk")

    def sortable_fields(self) -> list[str]:
        return sorted(
            n for n, s in self.fields.items() if s.sortable and not s.many and s.kind != "list"
        )


def parse_paging(params) -> tuple[int, int]:
    limit = _non_negative_int(params.get("limit"), "limit", settings.ONEROSTER_DEFAULT_LIMIT)
    offset = _non_negative_int(params.get("offset"), "offset", 0)
    if limit < 1:
        raise OneRosterError("limit must be at least 1.")
    return min(limit, settings.ONEROSTER_MAX_LIMIT), offset


def _non_negative_int(raw, name, default):
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise OneRosterError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 0:
        raise OneRosterError(f"{name} must not be negative.")
    if value > 10**12:
        raise OneRosterError(f"{name} is too large.")
    return value


def parse_selection(raw: str | None, available: list[str]) -> list[str] | None:
    """The `fields` parameter: which top-level properties to answer (None = all)."""
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        raise OneRosterError("fields is empty.", code_minor="invalid_selection_field")
    unknown = [n for n in names if n not in available]
    if unknown:
        raise OneRosterError(
            f"Unknown field(s) in fields: {', '.join(unknown)}. Available: {', '.join(available)}.",
            code_minor="invalid_selection_field",
        )
    return names


def paging_links(request, page: Page) -> str:
    """RFC 8288 Link header with first/prev/next/last pages."""
    base = request.build_absolute_uri(request.path)
    params = request.query_params.copy()

    def link(offset, rel):
        params["limit"] = str(page.limit)
        params["offset"] = str(offset)
        return f'<{base}?{urlencode(sorted(params.lists()), doseq=True)}>; rel="{rel}"'

    last_offset = (page.page_count - 1) * page.limit
    links = [link(0, "first")]
    if page.offset > 0:
        links.append(link(max(0, page.offset - page.limit), "prev"))
    if page.offset + page.limit < page.total:
        links.append(link(page.offset + page.limit, "next"))
    links.append(link(last_offset, "last"))
    return ", ".join(links)
