"""Import a OneRoster 1.2 CSV bundle (docs/operations.md#oneroster-csv-import): a folder or a zip of
CSV files.

All or nothing. The whole bundle is read, parsed and checked before anything is written, so
one bad row anywhere means nothing is written, and every bad row is reported at once as
`file.csv line N, field F: message` (line numbers as a spreadsheet shows them, the header
being line 1). The writes then go through `rostering.services` (upsert by sourcedId, soft
delete by status, "nothing changed means nothing written") inside one transaction.

    read_bundle(path)       folder or zip -> {file name: bytes}
    validate_bundle(files)  -> ValidBundle (typed rows), or raises BundleInvalid(errors)
    write_bundle(bundle)    -> {file name: Counts}; the caller holds the transaction
    import_bundle(path)     all three, the writes in one transaction.atomic()

Validation reads the database only to resolve references that point outside the bundle,
with one query per referenced type; the writes look references up the same way, one query
per type and file (a dict of sourcedId -> object), never one per row.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction

from . import services
from .models import (
    SANDBOX_ORG_SOURCED_ID,
    AcademicSession,
    Class,
    ClassType,
    Course,
    Demographics,
    Enrollment,
    EnrollmentRole,
    Org,
    OrgType,
    Role,
    SessionType,
    Status,
    User,
    UserRole,
)

MANIFEST = "manifest.csv"
FILE_MODES = ("absent", "bulk", "delta")
SEXES = ("male", "female", "unspecified", "other")
QUERY_CHUNK = 500  # sourced ids per lookup query: statements stay small, whatever the file

# Reference kinds: what a `...SourcedId` cell names.
MODELS_BY_KIND = {
    "org": Org,
    "academic session": AcademicSession,
    "course": Course,
    "class": Class,
    "user": User,
}


# --- errors and notes -------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self):
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return (
            f"{where}, field {self.field}: {self.message}"
            if self.field
            else f"{where}: {self.message}"
        )


class BundleInvalid(Exception):
    """The bundle cannot be imported; `errors` names every bad row, nothing was written."""

    def __init__(self, errors: list[RowError], notes: list[str] | None = None):
        self.errors = _in_file_order(errors)
        self.notes = notes or []
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.errors)
        header = f"The bundle was not imported, nothing was written: {count} problem{'s' * (count != 1)}."
        return "\n".join([header, *(f"  {error}" for error in self.errors)])


@dataclass
class Problems:
    """Collects every error and note while the bundle is checked."""

    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def error(self, file: str, line: int | None, field_name: str | None, message: str) -> None:
        self.errors.append(RowError(file, line, field_name, message))

    def note(self, message: str) -> None:
        self.notes.append(message)


# --- cell parsers: each takes a non-empty, stripped cell and raises CellError -------------


class CellError(ValueError):
    """A cell that cannot be read; the message says why."""


DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR_PATTERN = re.compile(r"\d{4}")


def parse_text(value: str) -> str:
    return value


def parse_date(value: str) -> date:
    if not DATE_PATTERN.fullmatch(value):
        raise CellError(f"'{value}' is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CellError(f"'{value}' is not a valid date") from exc


def parse_boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise CellError(f"'{value}' is not a boolean (true or false)")


def parse_list(value: str) -> list[str]:
    """A multi-valued cell: comma-separated inside the (quoted) cell, e.g. "09,10"."""
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_school_year(value: str) -> str:
    if not YEAR_PATTERN.fullmatch(value):
        raise CellError(f"'{value}' is not a school year (YYYY, e.g. 2027)")
    return value


def parse_user_ids(value: str) -> list[dict[str, str]]:
    """`{type:identifier},{type:identifier}` -> [{"type": ..., "identifier": ...}]."""
    items = re.findall(r"\{([^{}]*)\}", value)
    if not items or re.sub(r"\{[^{}]*\}", "", value).strip(" ,"):
        raise CellError(f"'{value}' is not a list of {{type:identifier}}")
    user_ids = []
    for item in items:
        kind, _, identifier = (part.strip() for part in item.partition(":"))
        if not kind or not identifier:
            raise CellError(f"'{{{item}}}' is not {{type:identifier}}")
        user_ids.append({"type": kind, "identifier": identifier})
    return user_ids


def one_of(choices: Iterable[str]) -> Callable[[str], str]:
    """An enumeration, matched without regard to case and answered in its canonical spelling."""
    canonical = {choice.lower(): choice for choice in choices}

    def parse(value: str) -> str:
        try:
            return canonical[value.lower()]
        except KeyError:
            raise CellError(f"'{value}' is not one of {', '.join(canonical.values())}") from None

    return parse


parse_status = one_of(Status.values)


# --- the files ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Column:
    header: str
    target: str | None = None  # the service keyword it feeds; None: read and ignored
    parse: Callable[[str], Any] = parse_text
    required: bool = False
    default: Any = ""  # for an empty cell ("not given")
    ref: str | None = None  # the kind of object the cell names by sourcedId
    secret: bool = False  # never echoed, not length-checked (stored hashed)

    def empty_value(self):
        return list(self.default) if isinstance(self.default, list) else self.default


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    provides: str | None = None  # the reference kind whose sourcedIds this file defines
    # The kind the row's own sourcedId also names (demographics: the user's sourcedId).
    sourced_id_names: str | None = None
    date_ranges: tuple[tuple[str, str], ...] = ()  # (start target, end target)

    @property
    def stem(self) -> str:
        return self.name.removesuffix(".csv")

    def column_by_header(self) -> dict[str, Column]:
        return {column.header.lower(): column for column in self.columns}

    def header_of(self, target: str) -> str:
        return next(c.header for c in self.columns if c.target == target)


COMMON = (
    Column("sourcedId", required=True),
    Column("status", "status", parse_status, default=Status.ACTIVE),
    Column("dateLastModified"),  # the server, never the file, decides when an object changed
)


def _ref(header, target, kind, *, required=False, many=False):
    return Column(
        header, target, parse_list if many else parse_text, required, [] if many else None, ref=kind
    )


def _list(header, target):
    return Column(header, target, parse_list, default=[])


def _date(header, target, *, required=False):
    return Column(header, target, parse_date, required, default=None)


ORGS = FileSpec(
    "orgs.csv",
    Org,
    (
        *COMMON,
        Column("name", "name", required=True),
        Column("type", "type", one_of(OrgType.values), required=True),
        Column("identifier", "identifier"),
        _ref("parentSourcedId", "parent", "org"),
    ),
    provides="org",
)

ACADEMIC_SESSIONS = FileSpec(
    "academicSessions.csv",
    AcademicSession,
    (
        *COMMON,
        Column("title", "title", required=True),
        Column("type", "type", one_of(SessionType.values), required=True),
        _date("startDate", "start_date", required=True),
        _date("endDate", "end_date", required=True),
        _ref("parentSourcedId", "parent", "academic session"),
        Column("schoolYear", "school_year", parse_school_year, required=True),
    ),
    provides="academic session",
    date_ranges=(("start_date", "end_date"),),
)

COURSES = FileSpec(
    "courses.csv",
    Course,
    (
        *COMMON,
        _ref("schoolYearSourcedId", "school_year", "academic session"),
        Column("title", "title", required=True),
        Column("courseCode", "course_code"),
        _list("grades", "grades"),
        _ref("orgSourcedId", "org", "org", required=True),
        _list("subjects", "subjects"),
        _list("subjectCodes", "subject_codes"),
    ),
    provides="course",
)

CLASSES = FileSpec(
    "classes.csv",
    Class,
    (
        *COMMON,
        Column("title", "title", required=True),
        _list("grades", "grades"),
        _ref("courseSourcedId", "course", "course", required=True),
        Column("classCode", "class_code"),
        Column("classType", "class_type", one_of(ClassType.values), required=True),
        Column("location", "location"),
        _ref("schoolSourcedId", "school", "org", required=True),
        _ref("termSourcedIds", "terms", "academic session", required=True, many=True),
        _list("subjects", "subjects"),
        _list("subjectCodes", "subject_codes"),
        _list("periods", "periods"),
    ),
    provides="class",
)

LEGACY_ROLE, LEGACY_ORGS = "legacy_role", "legacy_orgs"  # not service keywords

USERS = FileSpec(
    "users.csv",
    User,
    (
        *COMMON,
        Column("enabledUser", "enabled_user", parse_boolean, default=True),
        Column("username", "username"),
        Column("userIds", "user_ids", parse_user_ids, default=[]),
        Column("givenName", "first_name", required=True),
        Column("familyName", "last_name", required=True),
        Column("middleName", "middle_name"),
        Column("identifier", "identifier"),
        Column("email", "email"),
        Column("sms", "sms"),
        Column("phone", "phone"),
        _ref("agentSourcedIds", "agents", "user", many=True),
        _list("grades", "grades"),
        Column("password", "password", default=None, secret=True),
        Column("userMasterIdentifier", "user_master_identifier"),
        Column("resourceSourcedIds"),  # resources are not rostered here
        Column("preferredGivenName", "preferred_first_name"),
        Column("preferredMiddleName", "preferred_middle_name"),
        Column("preferredFamilyName", "preferred_last_name"),
        _ref("primaryOrgSourcedId", "primary_org", "org"),
        Column("pronouns", "pronouns"),
        # OneRoster 1.1's users.csv gave each user one role, held in each of its orgs; 1.2
        # moved roles to roles.csv. Read, then turned into role rows (roles_from_users).
        Column("role", LEGACY_ROLE, one_of(Role.values)),
        _ref("orgSourcedIds", LEGACY_ORGS, "org", many=True),
    ),
    provides="user",
)

ROLES = FileSpec(
    "roles.csv",
    UserRole,
    (
        *COMMON,
        _ref("userSourcedId", "user", "user", required=True),
        Column("roleType", "role_type", one_of(UserRole.RoleType.values), required=True),
        Column("role", "role", one_of(Role.values), required=True),
        _date("beginDate", "begin_date"),
        _date("endDate", "end_date"),
        _ref("orgSourcedId", "org", "org", required=True),
        Column("userProfileSourcedId", "user_profile"),
    ),
    date_ranges=(("begin_date", "end_date"),),
)

ENROLLMENTS = FileSpec(
    "enrollments.csv",
    Enrollment,
    (
        *COMMON,
        _ref("classSourcedId", "klass", "class", required=True),
        _ref("schoolSourcedId", "school", "org", required=True),
        _ref("userSourcedId", "user", "user", required=True),
        Column("role", "role", one_of(EnrollmentRole.values), required=True),
        Column("primary", "primary", parse_boolean, default=False),
        _date("beginDate", "begin_date"),
        _date("endDate", "end_date"),
    ),
    date_ranges=(("begin_date", "end_date"),),
)


def _race(header, target):
    return Column(header, target, parse_boolean, default=None)


DEMOGRAPHICS = FileSpec(
    "demographics.csv",
    Demographics,
    (
        *COMMON,
        _date("birthDate", "birth_date"),
        Column("sex", "sex", one_of(SEXES)),
        _race("americanIndianOrAlaskaNative", "american_indian_or_alaska_native"),
        _race("asian", "asian"),
        _race("blackOrAfricanAmerican", "black_or_african_american"),
        _race("nativeHawaiianOrOtherPacificIslander", "native_hawaiian_or_other_pacific_islander"),
        _race("white", "white"),
        _race("demographicRaceTwoOrMoreRaces", "demographic_race_two_or_more_races"),
        _race("hispanicOrLatinoEthnicity", "hispanic_or_latino_ethnicity"),
        Column("countryOfBirthCode", "country_of_birth_code"),
        Column("stateOfBirthAbbreviation", "state_of_birth_abbreviation"),
        Column("cityOfBirth", "city_of_birth"),
        Column("publicSchoolResidenceStatus", "public_school_residence_status"),
    ),
    sourced_id_names="user",
)

# In import order: what a file references is written before it.
SPECS = (ORGS, ACADEMIC_SESSIONS, COURSES, CLASSES, USERS, ROLES, ENROLLMENTS, DEMOGRAPHICS)
SPECS_BY_NAME = {spec.name: spec for spec in SPECS}
FILE_ORDER = {name: rank for rank, name in enumerate([MANIFEST, *SPECS_BY_NAME])}


def _in_file_order(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (FILE_ORDER.get(e.file, len(FILE_ORDER)), e.line or 0))


# --- reading the bundle -------------------------------------------------------------------


def read_bundle(path: str | Path) -> dict[str, bytes]:
    """The files of a bundle by name: a folder's top-level files, or a zip's members
    (wherever they sit inside it, ignoring macOS `__MACOSX/` litter)."""
    path = Path(path)
    if path.is_dir():
        return {
            child.name: child.read_bytes() for child in sorted(path.iterdir()) if child.is_file()
        }
    if path.is_file() and zipfile.is_zipfile(path):
        return _read_zip(path)
    if path.is_file():
        raise BundleInvalid([RowError(path.name, None, None, "is neither a folder nor a zip file")])
    raise BundleInvalid([RowError(str(path), None, None, "no such folder or zip file")])


def _read_zip(path: Path) -> dict[str, bytes]:
    files, errors = {}, []
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            member_path = PurePosixPath(member.filename)
            if (
                member.is_dir()
                or "__MACOSX" in member_path.parts
                or member_path.name.startswith(".")
            ):
                continue
            if member_path.name in files:
                errors.append(RowError(member_path.name, None, None, "appears twice in the zip"))
            files[member_path.name] = archive.read(member)
    if errors:
        raise BundleInvalid(errors)
    return files


@dataclass
class Table:
    """A CSV file as read: its header and its non-blank rows with their line numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]


def read_table(name: str, data: bytes, problems: Problems) -> Table | None:
    """Decode (UTF-8, with or without BOM) and split a CSV file. Line numbers count records
    as a spreadsheet shows them: the header is line 1, blank lines count."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.error(name, line, None, f"is not UTF-8 text (byte {data[exc.start]:#04x})")
        return None
    records = csv.reader(io.StringIO(text, newline=""))
    try:
        numbered = [
            (line, [cell.strip() for cell in cells]) for line, cells in enumerate(records, 1)
        ]
    except csv.Error as exc:
        problems.error(name, records.line_num, None, f"is not valid CSV ({exc})")
        return None
    if not numbered or not any(numbered[0][1]):
        problems.error(name, 1, None, "has no header row")
        return None
    (_, headers), *rows = numbered
    return Table(name, headers, [(line, cells) for line, cells in rows if any(cells)])


def read_manifest(data: bytes, problems: Problems) -> dict[str, tuple[str, int]]:
    """manifest.csv as {propertyName (lower case): (value, line)}."""
    table = read_table(MANIFEST, data, problems)
    if table is None:
        return {}
    headers = [header.lower() for header in table.headers]
    if headers[:2] != ["propertyname", "value"]:
        problems.error(MANIFEST, 1, None, "the header must be propertyName,value")
        return {}
    return {
        cells[0].lower(): (cells[1] if len(cells) > 1 else "", line)
        for line, cells in table.rows
        if cells[0]
    }


def select_files(
    files: dict[str, bytes], manifest: dict[str, tuple[str, int]] | None, problems: Problems
) -> list[str]:
    """The rostering files to import, in import order; the manifest, when present, decides
    (`absent` files are skipped). Anything else in the bundle is ignored with a note."""
    for name in files:
        if name != MANIFEST and name not in SPECS_BY_NAME:
            problems.note(f"{name} is not a file this import reads; ignored")
    selected = []
    for spec in SPECS:
        present = spec.name in files
        declared = None if manifest is None else manifest.get(f"file.{spec.stem}".lower())
        if declared is None:
            if present and manifest is not None:
                problems.note(f"{spec.name} is not declared in {MANIFEST}; imported anyway")
            if present:
                selected.append(spec.name)
            continue
        mode, line = declared
        if mode.lower() not in FILE_MODES:
            problems.error(
                MANIFEST, line, "value", f"'{mode}' is not one of {', '.join(FILE_MODES)}"
            )
        elif mode.lower() == "absent":
            if present:
                problems.note(f"{spec.name} is marked absent in {MANIFEST}; skipped")
        elif not present:
            problems.error(
                MANIFEST,
                line,
                "value",
                f"{spec.name} is declared '{mode}' but is not in the bundle",
            )
        else:
            selected.append(spec.name)
    return selected


# --- parsing rows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    kind: str
    header: str
    value: str | list[str] | None

    @property
    def ids(self) -> list[str]:
        if self.value is None:
            return []
        return self.value if isinstance(self.value, list) else [self.value]


@dataclass
class ParsedRow:
    line: int
    sourced_id: str
    values: dict[str, Any]  # service keyword -> parsed value
    refs: dict[str, Ref]  # service keyword -> the sourcedId(s) it names
    metadata: dict[str, str]  # from metadata.* columns

    @property
    def active(self) -> bool:
        return self.values.get("status") != Status.TOBEDELETED


def parse_file(spec: FileSpec, table: Table, problems: Problems) -> list[ParsedRow]:
    """Every row of one file, typed; bad cells and duplicate sourcedIds become errors."""
    columns = map_headers(spec, table.headers, problems)
    if columns is None:
        return []
    rows, first_line = [], {}
    for line, cells in table.rows:
        if len(cells) > len(columns):
            problems.error(
                spec.name, line, None, f"has {len(cells)} cells but the header has {len(columns)}"
            )
            continue
        row = parse_row(spec, line, dict(zip(columns, cells, strict=False)), problems)
        if row is None:
            continue
        if row.sourced_id in first_line:
            message = f"duplicate sourcedId '{row.sourced_id}' (first on line {first_line[row.sourced_id]})"
            problems.error(spec.name, line, "sourcedId", message)
            continue
        first_line[row.sourced_id] = line
        rows.append(row)
    return rows


def map_headers(
    spec: FileSpec, headers: list[str], problems: Problems
) -> list[Column | str | None] | None:
    """Each header's Column, a metadata key (str) or None (unknown: ignored with a note).
    None when the header itself is unusable (a required column missing, a column twice)."""
    known = spec.column_by_header()
    mapped, usable = [], True
    for header in headers:
        if header.lower().startswith("metadata.") and len(header) > len("metadata."):
            mapped.append(header[len("metadata.") :])
        elif header.lower() in known:
            mapped.append(known[header.lower()])
        else:
            if header:  # spreadsheets often leave a trailing comma on the header
                problems.note(
                    f"{spec.name}: column '{header}' is not part of OneRoster 1.2; ignored"
                )
            mapped.append(None)
    seen = [column for column in mapped if column is not None]
    for column in {c for c in seen if seen.count(c) > 1}:
        name = column.header if isinstance(column, Column) else f"metadata.{column}"
        problems.error(spec.name, 1, name, "the column appears twice")
        usable = False
    for column in spec.columns:
        if column.required and column not in mapped:
            problems.error(spec.name, 1, column.header, "required column is missing")
            usable = False
    return mapped if usable else None


def parse_row(
    spec: FileSpec, line: int, cells: dict[Column | str | None, str], problems: Problems
) -> ParsedRow | None:
    sourced_id = next((value for column, value in cells.items() if _is(column, "sourcedId")), "")
    if not sourced_id:
        problems.error(spec.name, line, "sourcedId", "a value is required")
        return None
    row = ParsedRow(line, sourced_id, {}, {}, {})
    for column in spec.columns:
        if column.target is not None:
            _read_cell(spec, row, column, cells.get(column, ""), problems)
    row.metadata = {key: value for key, value in cells.items() if isinstance(key, str) and value}
    if spec.sourced_id_names:
        row.refs["user"] = Ref(spec.sourced_id_names, "sourcedId", sourced_id)
    _check_length(spec, row, "sourced_id", "sourcedId", sourced_id, problems)
    _check_date_ranges(spec, row, problems)
    return row


def _is(column, header: str) -> bool:
    return isinstance(column, Column) and column.header == header


def _read_cell(
    spec: FileSpec, row: ParsedRow, column: Column, cell: str, problems: Problems
) -> None:
    if not cell:
        if column.required:
            problems.error(spec.name, row.line, column.header, "a value is required")
        value = column.empty_value()
    else:
        try:
            value = column.parse(cell)
        except CellError as exc:
            problems.error(spec.name, row.line, column.header, str(exc))
            return
    if column.ref:
        row.refs[column.target] = Ref(column.ref, column.header, value)
    else:
        row.values[column.target] = value
        if not column.secret:
            _check_length(spec, row, column.target, column.header, value, problems)


def _check_length(spec, row, target, header, value, problems) -> None:
    try:
        max_length = spec.model._meta.get_field(target).max_length
    except FieldDoesNotExist:  # role assignments keep no sourcedId
        return
    if isinstance(value, str) and max_length and len(value) > max_length:
        problems.error(spec.name, row.line, header, f"is longer than {max_length} characters")


def _check_date_ranges(spec: FileSpec, row: ParsedRow, problems: Problems) -> None:
    for start, end in spec.date_ranges:
        begins, ends = row.values.get(start), row.values.get(end)
        if begins and ends and ends < begins:
            start_header, end_header = spec.header_of(start), spec.header_of(end)
            message = f"{ends} is before {start_header} {begins}"
            problems.error(spec.name, row.line, end_header, message)


# --- checks across rows and files ---------------------------------------------------------


def check_references(
    parsed: dict[str, list[ParsedRow]], problems: Problems, *, find_existing=None
) -> None:
    """Every sourcedId a row names must be in the bundle or already in the database."""
    find_existing = find_existing or existing_sourced_ids
    in_bundle = {
        SPECS_BY_NAME[name].provides: {row.sourced_id for row in rows}
        for name, rows in parsed.items()
        if SPECS_BY_NAME[name].provides
    }
    wanted = defaultdict(set)
    for rows in parsed.values():
        for row in rows:
            for ref in row.refs.values():
                wanted[ref.kind].update(i for i in ref.ids if i not in in_bundle.get(ref.kind, ()))
    known = {
        kind: in_bundle.get(kind, set()) | find_existing(kind, ids) for kind, ids in wanted.items()
    }
    for name, rows in parsed.items():
        for row in rows:
            for ref in row.refs.values():
                unknown = [i for i in ref.ids if i not in known.get(ref.kind, ())]
                if unknown:
                    plural = "s" * (len(unknown) > 1)
                    names = ", ".join(f"'{i}'" for i in unknown)
                    problems.error(
                        name, row.line, ref.header, f"unknown {ref.kind}{plural} {names}"
                    )


def existing_sourced_ids(kind: str, sourced_ids: Iterable[str]) -> set[str]:
    model = MODELS_BY_KIND[kind]
    found = set()
    for chunk in _chunks(sourced_ids):
        found.update(
            model._base_manager.filter(sourced_id__in=chunk).values_list("sourced_id", flat=True)
        )
    return found


def check_parent_cycles(
    spec: FileSpec, rows: list[ParsedRow], problems: Problems, *, stored_parents=None
) -> None:
    """Orgs and academic sessions form trees: a parent chain may not loop, counting the
    parents already stored for objects the bundle does not mention."""
    bundle_parents = {
        row.sourced_id: row.refs["parent"].value for row in rows if "parent" in row.refs
    }
    if not any(bundle_parents.values()):
        return
    stored = (stored_parents or stored_parent_ids)(spec.model)
    line_of = {row.sourced_id: row.line for row in rows}
    cyclic = services.own_ancestors(spec.model, bundle_parents, stored=stored)
    for sourced_id in sorted(cyclic, key=line_of.get):
        problems.error(
            spec.name,
            line_of[sourced_id],
            "parentSourcedId",
            services.OWN_ANCESTOR.format(sourced_id),
        )


def stored_parent_ids(model) -> dict[str, str | None]:
    return dict(model._base_manager.values_list("sourced_id", "parent__sourced_id"))


def check_usernames(rows: list[ParsedRow], problems: Problems, *, stored_usernames=None) -> None:
    """Usernames are unique: within the file and against other users in the database.
    A user without one keeps the one it has, else gets its sourcedId (as the service does)."""
    stored = (stored_usernames or stored_username_owners)(
        [row.values.get("username") or row.sourced_id for row in rows],
        [row.sourced_id for row in rows],
    )
    owner_of, username_of = stored
    first_line = {}
    for row in rows:
        username = row.values.get("username") or username_of.get(row.sourced_id) or row.sourced_id
        if username in first_line:
            message = f"username '{username}' is already used on line {first_line[username]}"
            problems.error(USERS.name, row.line, "username", message)
            continue
        first_line[username] = row.line
        owner = owner_of.get(username)
        if owner is not None and owner != row.sourced_id:
            problems.error(
                USERS.name, row.line, "username", f"username '{username}' belongs to user '{owner}'"
            )


def stored_username_owners(usernames: list[str], sourced_ids: list[str]):
    """({username: owner's sourcedId}, {sourcedId: its username}) for the users concerned."""
    owner_of, username_of = {}, {}
    for chunk in _chunks(usernames):
        owner_of.update(
            User.objects.filter(username__in=chunk).values_list("username", "sourced_id")
        )
    for chunk in _chunks(sourced_ids):
        username_of.update(
            User.objects.filter(sourced_id__in=chunk).values_list("sourced_id", "username")
        )
    return owner_of, username_of


def check_school_calendars(rows: list[ParsedRow], problems: Problems) -> None:
    """orgs.csv's metadata.timezone and metadata.holidays columns, by the API's rule."""
    for row in rows:
        try:
            services.school_calendar_fields(row.metadata)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    problems.error(ORGS.name, row.line, field, message)


def check_agents(rows: list[ParsedRow], problems: Problems) -> None:
    for row in rows:
        if "agents" not in row.refs:
            continue
        try:
            services.check_agents(sourced_id=row.sourced_id, agent_ids=row.refs["agents"].ids)
        except ValidationError as error:
            for message in error.message_dict["agents"]:
                problems.error(USERS.name, row.line, "agentSourcedIds", message)


def roles_from_users(
    parsed: dict[str, list[ParsedRow]], has_role_column: bool, problems: Problems
) -> None:
    """A OneRoster 1.1 users.csv (a `role` column, roles in no roles.csv): each active user's
    role becomes a role row in each org of its `orgSourcedIds`, primary in the first, as
    roles.csv would give it; an empty cell is refused rather than a user left without a role.
    The 1.1 columns are then taken off the user rows (they are no service keyword)."""
    users = parsed.get(USERS.name, [])
    if has_role_column and ROLES.name in parsed:
        problems.error(
            USERS.name,
            1,
            "role",
            "the 'role' column (OneRoster 1.1) and roles.csv both give roles: "
            "give them in roles.csv only (OneRoster 1.2), or leave roles.csv out",
        )
    elif has_role_column:
        role_rows = []
        for row in users:
            role, orgs = row.values.get(LEGACY_ROLE), row.refs.get(LEGACY_ORGS)
            org_ids = list(dict.fromkeys(orgs.ids)) if orgs else []
            if not row.active:
                continue
            if not role:
                problems.error(
                    USERS.name, row.line, "role", "a value is required (the user's role, 1.1)"
                )
            if not org_ids:
                problems.error(
                    USERS.name,
                    row.line,
                    "orgSourcedIds",
                    "a value is required with a 'role' column (the orgs the role is held in)",
                )
            if role and org_ids:
                role_rows.extend(
                    _legacy_role_row(row, role, org_id, primary=rank == 0)
                    for rank, org_id in enumerate(org_ids)
                )
        parsed[ROLES.name] = role_rows
        problems.note(
            f"{USERS.name}: roles read from its 'role' and 'orgSourcedIds' columns "
            "(OneRoster 1.1), primary in the first org"
        )
    for row in users:
        row.values.pop(LEGACY_ROLE, None)
        row.refs.pop(LEGACY_ORGS, None)


def _legacy_role_row(user: ParsedRow, role: str, org_id: str, *, primary: bool) -> ParsedRow:
    return ParsedRow(
        line=user.line,
        sourced_id=f"{user.sourced_id}:{org_id}:{role}",  # keys the tally only
        values={
            "status": Status.ACTIVE,
            "role": role,
            "role_type": UserRole.RoleType.PRIMARY if primary else UserRole.RoleType.SECONDARY,
            "user_profile": "",
            "begin_date": None,
            "end_date": None,
        },
        refs={
            "user": Ref("user", "sourcedId", user.sourced_id),
            "org": Ref("org", "orgSourcedIds", org_id),
        },
        metadata={},
    )


def check_role_duplicates(rows: list[ParsedRow], problems: Problems) -> None:
    """A user holds a role in an org once (the database has a unique key for it)."""
    first_line = {}
    for row in rows:
        if not row.active:
            continue
        key = (row.refs["user"].value, row.refs["org"].value, row.values.get("role"))
        if key in first_line:
            message = f"'{key[0]}' already has role '{key[2]}' in org '{key[1]}' on line {first_line[key]}"
            problems.error(ROLES.name, row.line, "role", message)
        first_line.setdefault(key, row.line)


# --- validation: everything above, in one call --------------------------------------------


@dataclass
class ValidBundle:
    rows: dict[str, list[ParsedRow]]  # file name -> rows, import order
    notes: list[str]
    bulk: set[str] = field(default_factory=set)  # files the manifest declares `bulk`


def bulk_files(manifest: dict[str, tuple[str, int]] | None) -> set[str]:
    """The files the manifest declares `bulk`: the complete set of their objects."""
    if manifest is None:
        return set()
    return {
        spec.name
        for spec in SPECS
        if manifest.get(f"file.{spec.stem}".lower(), ("", 0))[0].lower() == "bulk"
    }


def validate_bundle(files: dict[str, bytes]) -> ValidBundle:
    """Parse and check every file; raise BundleInvalid naming every bad row. No writes."""
    problems = Problems()
    manifest = read_manifest(files[MANIFEST], problems) if MANIFEST in files else None
    parsed, has_role_column = {}, False
    for name in select_files(files, manifest, problems):
        table = read_table(name, files[name], problems)
        if table is not None:
            parsed[name] = parse_file(SPECS_BY_NAME[name], table, problems)
            if name == USERS.name:
                has_role_column = "role" in {header.lower() for header in table.headers}
    if not has_role_column:  # a lone 1.1 orgSourcedIds column says nothing: not checked
        for row in parsed.get(USERS.name, []):
            row.refs.pop(LEGACY_ORGS, None)
    check_references(parsed, problems)
    for spec in (ORGS, ACADEMIC_SESSIONS):
        if spec.name in parsed:
            check_parent_cycles(spec, parsed[spec.name], problems)
    if ORGS.name in parsed:
        check_school_calendars(parsed[ORGS.name], problems)
    if USERS.name in parsed:
        check_usernames(parsed[USERS.name], problems)
        check_agents(parsed[USERS.name], problems)
    if ROLES.name in parsed:
        check_role_duplicates(parsed[ROLES.name], problems)
    roles_from_users(parsed, has_role_column, problems)  # after the checks: ids already known
    if problems.errors:
        raise BundleInvalid(problems.errors, problems.notes)
    return ValidBundle(parsed, problems.notes, bulk_files(manifest) & set(parsed))


# --- writing ------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0  # missing from a bulk file, now `tobedeleted`

    def __str__(self):
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{text}, {self.withdrawn} withdrawn" if self.withdrawn else text


OUTCOME_RANK = {"unchanged": 0, "updated": 1, "created": 2}


class Tally:
    """One outcome per row; a later, stronger outcome for the same row wins (a user created
    by its row and then given agents still counts once, as created)."""

    def __init__(self):
        self.outcomes: dict[str, str] = {}

    def record(self, key: str, outcome: str) -> None:
        if OUTCOME_RANK[outcome] >= OUTCOME_RANK[self.outcomes.get(key, "unchanged")]:
            self.outcomes[key] = outcome

    def counts(self) -> Counts:
        counts = Counts()
        for outcome in self.outcomes.values():
            setattr(counts, outcome, getattr(counts, outcome) + 1)
        return counts


def outcome_of(created: bool, modified_before, obj) -> str:
    if created:
        return "created"
    return "updated" if obj.date_last_modified != modified_before else "unchanged"


class ObjectIndex:
    """sourcedId -> object for each reference kind: what the import wrote, plus what the
    database already held, fetched in one query per kind and file."""

    def __init__(self):
        self.objects: dict[str, dict[str, models.Model]] = defaultdict(dict)

    def add(self, kind: str, obj) -> None:
        self.objects[kind][obj.sourced_id] = obj

    def load_references(self, rows: list[ParsedRow], *, skip: Iterable[str] = ()) -> None:
        wanted = defaultdict(set)
        for row in rows:
            for target, ref in row.refs.items():
                if target not in skip:
                    wanted[ref.kind].update(i for i in ref.ids if i not in self.objects[ref.kind])
        for kind, sourced_ids in wanted.items():
            for obj in _fetch(MODELS_BY_KIND[kind], sourced_ids):
                self.add(kind, obj)

    def resolve(self, row: ParsedRow, *, skip: Iterable[str] = ()) -> dict[str, Any]:
        resolved = {}
        for target, ref in row.refs.items():
            if target in skip:
                continue
            if isinstance(ref.value, list):
                resolved[target] = [self.objects[ref.kind][i] for i in ref.value]
            else:
                resolved[target] = self.objects[ref.kind][ref.value] if ref.value else None
        return resolved


Progress = Callable[..., Iterable]


def no_progress(iterable, **_):
    return iterable


def write_bundle(bundle: ValidBundle, *, progress: Progress = no_progress) -> dict[str, Counts]:
    """Write every row through the services, in import order. Call inside one transaction."""
    index, tallies, rows = ObjectIndex(), defaultdict(Tally), bundle.rows

    def upsert(spec, service, *, order=list, skip=()):
        if spec.name in rows:
            write_rows(
                spec,
                order(rows[spec.name]),
                service,
                index,
                tallies[spec.name],
                progress,
                skip=skip,
            )

    upsert(ORGS, services.upsert_org, order=parents_first)
    upsert(ACADEMIC_SESSIONS, services.upsert_academic_session, order=parents_first)
    upsert(COURSES, services.upsert_course)
    upsert(CLASSES, services.upsert_class)
    upsert(USERS, services.upsert_user, skip=("agents",))  # agents once every user exists
    if ROLES.name in rows:
        write_roles(rows[ROLES.name], index, tallies[ROLES.name], progress)
    if USERS.name in rows:
        write_agents(rows[USERS.name], index, tallies[USERS.name], progress)
    upsert(ENROLLMENTS, services.upsert_enrollment)
    upsert(DEMOGRAPHICS, services.upsert_demographics)
    counts = {name: tallies[name].counts() for name in rows}
    if bundle.bulk:
        for name, withdrawn in withdraw_missing(bundle).items():
            counts[name].withdrawn = withdrawn
    return counts


# --- bulk files: what they leave out is withdrawn ------------------------------------------
#
# A `bulk` file is the complete set of its objects (OneRoster 1.2 CSV, manifest): what is
# stored but missing from it is marked `tobedeleted` (soft: nothing a student earned goes).
# "Complete" is within the bundle's own orgs (docs/operations.md#bulk-files): the orgs of
# orgs.csv and every org a row names, with the orgs stored under them. Outside them nothing
# is touched, nor are the partner sandbox, courses a partner app owns, users who hold a role
# outside the bundle's orgs, users with no role (developers, hand-made accounts) and staff.


def bundle_scope(rows: dict[str, list[ParsedRow]]) -> set[int]:
    """Primary keys of the bundle's orgs and of every org stored under them."""
    named = {row.sourced_id for row in rows.get(ORGS.name, [])}
    for file_rows in rows.values():
        for row in file_rows:
            for ref in row.refs.values():
                if ref.kind == "org":
                    named.update(ref.ids)
    scope: set[int] = set()
    for chunk in _chunks(named):
        scope.update(Org._base_manager.filter(sourced_id__in=chunk).values_list("pk", flat=True))
    frontier = set(scope)
    while frontier:
        below = set(Org._base_manager.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = below - scope
        scope |= frontier
    sandbox = Org._base_manager.filter(sourced_id=SANDBOX_ORG_SOURCED_ID).values_list(
        "pk", flat=True
    )
    return scope - set(sandbox)


def users_in_scope(scope: set[int]):
    return (
        User._base_manager.filter(roles__org_id__in=scope, is_staff=False, is_superuser=False)
        .exclude(roles__org_id__in=Org._base_manager.exclude(pk__in=scope))
        .distinct()
    )


def governed(name: str, scope: set[int]):
    """The stored objects a bulk file of this name is the complete set of."""
    return {
        ORGS.name: lambda: Org._base_manager.filter(pk__in=scope),
        ACADEMIC_SESSIONS.name: lambda: AcademicSession._base_manager.filter(org_id__in=scope),
        COURSES.name: lambda: Course._base_manager.filter(
            org_id__in=scope, partner_app__isnull=True
        ),
        CLASSES.name: lambda: Class._base_manager.filter(school_id__in=scope),
        USERS.name: lambda: User._base_manager.filter(pk__in=users_in_scope(scope)),
        ENROLLMENTS.name: lambda: Enrollment._base_manager.filter(school_id__in=scope),
        DEMOGRAPHICS.name: lambda: Demographics._base_manager.filter(
            user__in=users_in_scope(scope)
        ),
    }.get(name, lambda: None)()


def withdraw_missing(bundle: ValidBundle) -> dict[str, int]:
    """Withdraw what each bulk file leaves out; {file name: how many were withdrawn}.
    roles.csv has no objects of its own (a user's roles are withdrawn with the user)."""
    scope = bundle_scope(bundle.rows)
    withdrawn = {}
    for name in sorted(bundle.bulk, key=FILE_ORDER.get):
        stored = governed(name, scope)
        if stored is None:
            continue
        listed = [row.sourced_id for row in bundle.rows[name]]
        missing = stored.exclude(status=Status.TOBEDELETED).exclude(sourced_id__in=listed)
        withdrawn[name] = services.withdraw(missing)
    return withdrawn


def parents_first(rows: list[ParsedRow]) -> list[ParsedRow]:
    """Rows reordered so that a parent in the same file comes before its children."""
    by_id = {row.sourced_id: row for row in rows}
    placed, ordered = set(), []
    for row in rows:
        chain, current = {}, row  # dicts keep order; keys guard against a loop
        while (
            current is not None
            and current.sourced_id not in placed
            and current.sourced_id not in chain
        ):
            chain[current.sourced_id] = current
            parent = current.refs.get("parent")
            current = by_id.get(parent.value) if parent and parent.value else None
        for ancestor in reversed(chain.values()):
            placed.add(ancestor.sourced_id)
            ordered.append(ancestor)
    return ordered


def write_rows(spec, rows, service, index, tally, progress, *, skip=()) -> None:
    """Upsert each row with its references resolved; count what changed by whether the
    object's dateLastModified moved (the services only move it on a real change)."""
    index.load_references(rows, skip=skip)
    before = stored_state(spec.model, [row.sourced_id for row in rows])
    for row in progress(rows, desc=spec.name, total=len(rows)):
        modified_before, metadata_before = before.get(row.sourced_id, (None, {}))
        fields = {**row.values, **index.resolve(row, skip=skip)}
        if row.metadata:
            fields["metadata"] = {**(metadata_before or {}), **row.metadata}
        obj, created = service(sourced_id=row.sourced_id, **fields)
        tally.record(row.sourced_id, outcome_of(created, modified_before, obj))
        if spec.provides:
            index.add(spec.provides, obj)


def write_roles(
    rows: list[ParsedRow], index: ObjectIndex, tally: Tally, progress: Progress
) -> None:
    """roles.csv sets the whole role list of each user it names (a `tobedeleted` row drops
    that role: role assignments have no status of their own). Users it does not name keep
    their roles."""
    index.load_references(rows)
    user_ids = sorted({row.refs["user"].value for row in rows})
    stored = stored_roles(user_ids)
    by_user = sorted(rows, key=lambda row: row.refs["user"].value)
    for user_id, user_rows in groupby(
        progress(by_user, desc=ROLES.name, total=len(rows)), key=_user_of
    ):
        assignments = []
        for row in user_rows:
            assignment = role_assignment(row, index)
            tally.record(row.sourced_id, role_outcome(row, assignment, stored))
            if row.active:
                assignments.append(assignment)
        user, _ = services.upsert_user(sourced_id=user_id, roles=assignments)
        index.add("user", user)


def role_assignment(row: ParsedRow, index: ObjectIndex) -> services.RoleAssignment:
    return services.RoleAssignment(
        org=index.objects["org"][row.refs["org"].value],
        role=row.values["role"],
        role_type=row.values["role_type"],
        user_profile=row.values["user_profile"],
        begin_date=row.values["begin_date"],
        end_date=row.values["end_date"],
    )


def _user_of(row: ParsedRow) -> str:
    return row.refs["user"].value


def role_outcome(row: ParsedRow, assignment, stored: dict) -> str:
    key = (row.refs["user"].value, row.refs["org"].value, assignment.role)
    if key not in stored:
        return "created" if row.active else "unchanged"
    if not row.active:
        return "updated"
    return "unchanged" if stored[key] == assignment.key()[2:] else "updated"


def stored_roles(user_ids: list[str]) -> dict[tuple, tuple]:
    """{(user sourcedId, org sourcedId, role): (roleType, userProfile, beginDate, endDate)}."""
    stored = {}
    for chunk in _chunks(user_ids):
        for user_id, org_id, role, *rest in UserRole.objects.filter(
            user__sourced_id__in=chunk
        ).values_list(
            "user__sourced_id",
            "org__sourced_id",
            "role",
            "role_type",
            "user_profile",
            "begin_date",
            "end_date",
        ):
            stored[(user_id, org_id, role)] = tuple(rest)
    return stored


def write_agents(
    rows: list[ParsedRow], index: ObjectIndex, tally: Tally, progress: Progress
) -> None:
    """Agents are linked both ways (a student lists guardians, a guardian lists students),
    once every user exists. A user whose agents cell is empty and whom no row names keeps
    the agents it has ("empty cell = not given")."""
    listed = {
        row.sourced_id: row.refs["agents"].ids
        for row in rows
        if row.refs.get("agents") and row.refs["agents"].ids
    }
    wanted = agent_sets(listed, {row.sourced_id for row in rows})
    index.load_references(rows)
    before = {
        sourced_id: index.objects["user"][sourced_id].date_last_modified for sourced_id in wanted
    }
    for sourced_id in progress(list(wanted), desc=f"{USERS.name} agents", total=len(wanted)):
        agents = [index.objects["user"][agent_id] for agent_id in sorted(wanted[sourced_id])]
        obj, _ = services.upsert_user(sourced_id=sourced_id, agents=agents)
        tally.record(sourced_id, outcome_of(False, before[sourced_id], obj))
        for agent in agents:
            if agent.sourced_id not in wanted:
                # Outside this file: add the link back, keeping its other agents
                # (link_agent links both ways, so which side is "student" does not matter).
                services.link_agent(student=agent, agent=obj)


def agent_sets(listed: dict[str, list[str]], in_file: set[str]) -> dict[str, set[str]]:
    """For each user of the file concerned: the agents it lists plus the users listing it."""
    wanted = defaultdict(set)
    for user_id, agent_ids in listed.items():
        wanted[user_id].update(agent_ids)
        for agent_id in agent_ids:
            if agent_id in in_file:
                wanted[agent_id].add(user_id)
    return dict(wanted)


def stored_state(model, sourced_ids: list[str]) -> dict[str, tuple]:
    """{sourcedId: (dateLastModified, metadata)} of the objects already stored."""
    state = {}
    for chunk in _chunks(sourced_ids):
        rows = model._base_manager.filter(sourced_id__in=chunk)
        state.update(
            (s, (m, meta))
            for s, m, meta in rows.values_list("sourced_id", "date_last_modified", "metadata")
        )
    return state


def _fetch(model, sourced_ids: Iterable[str]) -> Iterator[models.Model]:
    for chunk in _chunks(sourced_ids):
        yield from model._base_manager.filter(sourced_id__in=chunk)


def _chunks(values: Iterable[str], size: int = QUERY_CHUNK) -> Iterator[list[str]]:
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- the whole import ---------------------------------------------------------------------


@dataclass
class ImportResult:
    counts: dict[str, Counts]
    notes: list[str]


def import_bundle(path: str | Path, *, progress: Progress = no_progress) -> ImportResult:
    """Read, validate, then write the bundle in one transaction: all or nothing."""
    bundle = validate_bundle(read_bundle(path))
    with transaction.atomic():
        counts = write_bundle(bundle, progress=progress)
    return ImportResult(counts, bundle.notes)
