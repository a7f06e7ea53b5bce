"""Import standardized test results (docs/closed-loop.md): NWEA MAP Growth exports and state
test files, stored as OneRoster assessment results through the gradebook's services.

    read_test_results(path, format=..., mapping=...)  -> Parsed (rows, errors, notes)
    import_test_results(path, ...)                     -> ImportReport; raises ImportRefused

Columns are found by header name (case and surrounding spaces ignored), never by position:
exports add and reorder columns. A file without a required column is refused whole, with
nothing written. Otherwise each row is imported whole or not at all: a row that cannot be
read, whose student is unknown, or that repeats another row's test is listed with file, line
and reason (`RowError`, the roster import's format), and the rest is imported; `strict`
refuses the whole file when any row is bad. The values are stored as the file states them,
never recomputed (NWEA's norms are theirs).
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from django.db.models.functions import Lower

from gradebook import services as gradebook_services
from gradebook.credit import STANDARDIZED_TEST_PREFIX
from rostering.csv_import import Problems, RowError, Table, read_table
from rostering.models import OrgType, Role, Status, User, UserRole
from standards import selectors as standards_selectors

from .nwea import TERM_PAIRS

FORMATS = ("map-growth", "state")
MATCH_CHUNK = 5000  # student keys per lookup query
MATCHES = ("auto", "sourcedId", "identifier", "email")
SEASONS = ("Fall", "Winter", "Spring", "Summer")

# A test date is a calendar day; it is stored at noon UTC so that it stays on that day in
# every school's time zone from UTC-11 to UTC+11 (scoreDate is a date-time in OneRoster).
TEST_TIME = time(12, 0, tzinfo=UTC)


class ImportRefused(Exception):
    """The file cannot be imported at all; nothing was written. `errors` says why."""

    def __init__(self, errors: list[RowError], notes: list[str] | None = None):
        self.errors = errors
        self.notes = notes or []
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.errors)
        header = f"The test results were not imported, nothing was written: {count} problem{'s' * (count != 1)}."
        return "\n".join([header, *(f"  {error}" for error in self.errors)])


class MappingInvalid(ValueError):
    """A state test column mapping that cannot be used; the message says why."""


# --- one parsed row ---------------------------------------------------------------------


@dataclass
class TestRow:
    """One test of one student, read from a file line; not yet matched to a student."""

    file: str
    line: int
    student_key: str
    source: str  # "map-growth" | "state"
    subject: str
    term: str
    season: str | None
    school_year: str | None
    test_name: str
    test_date: date
    score: int | float
    metadata: dict[str, Any]  # metadata.standardizedTest of the result
    objectives: list[dict] = field(default_factory=list)  # learningObjectiveResults


@dataclass
class Parsed:
    rows: list[TestRow]
    errors: list[RowError]
    notes: list[str]


@dataclass
class ImportReport:
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]  # the rows not imported, with why
    notes: list[str]

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        bad = len(self.errors)
        return (
            f"{self.imported} test results imported ({self.created} created, {self.updated} "
            f"updated, {self.unchanged} unchanged); {bad} row{'s' * (bad != 1)} not imported."
        )


Progress = Callable[[int, int], None]  # (done, total)


def no_progress(done: int, total: int) -> None:
    return None


# --- cells ------------------------------------------------------------------------------


class CellError(ValueError):
    pass


NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")


def parse_number(value: str) -> int | float:
    """A number as the file writes it: an int when it has no decimals, else a float."""
    # "1,612" (thousands) is a number; "1,5" is not (a decimal comma would be misread).
    cleaned = value.replace(",", "") if THOUSANDS.fullmatch(value) else value
    cleaned = cleaned.removesuffix("%").strip()
    if not NUMBER.fullmatch(cleaned):
        raise CellError(f"'{value}' is not a number")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already refuses it
        raise CellError(f"'{value}' is not a number") from exc
    return int(number) if "." not in cleaned else float(number)


DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y")


def parse_date(value: str, formats: Iterable[str] = DATE_FORMATS) -> date:
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise CellError(f"'{value}' is not a date ({' or '.join(formats)})")


YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def parse_yes_no(value: str) -> bool:
    lowered = value.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise CellError(f"'{value}' is not Yes or No")


TERM_NAME = re.compile(r"\s*(Fall|Winter|Spring|Summer)\s+(\d{4})\s*[-–/]\s*(\d{2}|\d{4})\s*", re.I)


def season_and_year(term: str) -> tuple[str | None, str | None]:
    """("Fall", "2025-2026") from a MAP TermName such as "Fall 2025-2026" (or "-26")."""
    match = TERM_NAME.fullmatch(term)
    if not match:
        return None, None
    season, start, end = match.groups()
    if len(end) == 2:
        end = start[:2] + end
    return season.capitalize(), f"{start}-{end}"


def school_year_of(day: date) -> str:
    """US school years start on 1 July."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def season_of(day: date) -> str:
    """The MAP testing season a test date falls in (used when a file names no term)."""
    if day.month in (8, 9, 10, 11):
        return "Fall"
    if day.month in (12, 1, 2):
        return "Winter"
    if day.month in (6, 7):
        return "Summer"
    return "Spring"


# --- reading files ----------------------------------------------------------------------


def _key(header: str) -> str:
    return header.strip().lower()


class Columns:
    """A table's header: column index by (case-insensitive) name."""

    def __init__(self, table: Table, problems: Problems):
        self.table = table
        self.index: dict[str, int] = {}
        for position, header in enumerate(table.headers):
            key = _key(header)
            if not key:
                continue
            if key in self.index:
                problems.error(table.name, 1, header, "this column appears twice in the header")
            self.index.setdefault(key, position)

        self._first: dict[tuple[str, ...], str | None] = {}
        self._position: dict[str, int | None] = {}

    def has(self, *names: str) -> bool:
        return self.first(*names) is not None

    def first(self, *names: str) -> str | None:
        """The first of `names` the header has (aliases of one field); asked once per
        field and file, not per row."""
        if names not in self._first:
            self._first[names] = next((n for n in names if _key(n) in self.index), None)
        return self._first[names]

    def cell(self, cells: list[str], name: str | None) -> str:
        if name is None:
            return ""
        if name not in self._position:
            self._position[name] = self.index.get(_key(name))
        position = self._position[name]
        if position is None or position >= len(cells):
            return ""
        return cells[position]  # read_table strips every cell


def _tables(path: Path, problems: Problems) -> dict[str, Table]:
    """The CSV tables of a file or a zip, by file name."""
    if not path.exists():
        raise ImportRefused([RowError(str(path), None, None, "no such file")])
    raw: dict[str, bytes] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                member_path = PurePosixPath(member.filename)
                if (
                    member.is_dir()
                    or "__MACOSX" in member_path.parts
                    or member_path.name.startswith(".")
                    or member_path.suffix.lower() != ".csv"
                ):
                    continue
                raw[member_path.name] = archive.read(member)
        if not raw:
            raise ImportRefused([RowError(path.name, None, None, "the zip holds no CSV file")])
    else:
        raw[path.name] = path.read_bytes()
    tables = {}
    for name, data in raw.items():
        table = read_table(name, data, problems)
        if table is not None:
            tables[name] = table
    if problems.errors:
        raise ImportRefused(problems.errors, problems.notes)
    return tables


def _named(tables: dict[str, Table], name: str) -> Table | None:
    return next((t for n, t in tables.items() if n.lower() == name.lower()), None)


# --- NWEA MAP Growth --------------------------------------------------------------------

MAP_REQUIRED = {
    "term": ("TermName",),
    "student": ("StudentID",),
    "subject": ("Subject", "Discipline"),
    "date": ("TestStartDate",),
    "rit": ("TestRITScore",),
}
# metadata key -> (header aliases, parser): imported as the file states it.
MAP_FIELDS = {
    "grade": (("Grade",), str),
    "course": (("Course", "MeasurementScale"), str),
    "testType": (("TestType",), str),
    "standardError": (("TestStandardError",), parse_number),
    "percentile": (("TestPercentile",), parse_number),
    "rapidGuessingPercent": (("RapidGuessingPercentage",), parse_number),
    "normsYear": (("NormsReferenceData",), str),
    "durationMinutes": (("TestDurationMinutes",), parse_number),
    "achievementQuintile": (("AchievementQuintile",), str),
}
GROWTH_FIELDS = {
    "projected": ("ProjectedGrowth", parse_number),
    "observed": ("ObservedGrowth", parse_number),
    "observedSE": ("ObservedGrowthSE", parse_number),
    "metProjected": ("MetProjectedGrowth", parse_yes_no),
    "cgi": ("ConditionalGrowthIndex", parse_number),
    "cgp": ("ConditionalGrowthPercentile", parse_number),
    "quintile": ("GrowthQuintile", str),
}
GOAL_FIELDS = {
    "name": ("Name", str),
    "rit": ("RitScore", parse_number),
    "standardError": ("StdErr", parse_number),
    "range": ("Range", str),
    "adjective": ("Adjective", str),
}
ASSESSMENT_RESULTS = "AssessmentResults.csv"
STUDENTS_BY_SCHOOL = "StudentsBySchool.csv"
# StudentsBySchool.csv columns an AssessmentResults.csv row takes from its student's row.
STUDENT_COLUMNS = ("Grade", "StudentFirstName", "StudentLastName", "SchoolName")


def read_map_growth(path: Path) -> Parsed:
    """A Combined Data File (one CSV, or a zip holding one) or a Comprehensive Data File
    (a zip of AssessmentResults.csv with StudentsBySchool.csv and others)."""
    problems = Problems()
    tables = _tables(path, problems)
    results = _named(tables, ASSESSMENT_RESULTS)
    if results is None:
        if len(tables) != 1:
            raise ImportRefused(
                [
                    RowError(
                        path.name,
                        None,
                        None,
                        f"a Comprehensive Data File zip must hold {ASSESSMENT_RESULTS}",
                    )
                ]
            )
        results = next(iter(tables.values()))
    students = _named(tables, STUDENTS_BY_SCHOOL)
    for name in tables:
        if name not in (results.name, students.name if students else None):
            problems.note(
                f"{name}: not read (only {ASSESSMENT_RESULTS} and {STUDENTS_BY_SCHOOL} are)"
            )
    columns = Columns(results, problems)
    missing = [names[0] for names in MAP_REQUIRED.values() if not columns.has(*names)]
    if missing:
        problems.error(
            results.name,
            1,
            None,
            f"required column{'s' * (len(missing) > 1)} missing: {', '.join(missing)}",
        )
    if problems.errors:
        raise ImportRefused(problems.errors, problems.notes)
    extra = _students_by_id(students, problems) if students is not None else {}
    student_columns = set().union(*extra.values()) if extra else set()
    plan = map_plan(columns, student_columns)
    rows = []
    for line, cells in results.rows:
        if columns.has("GrowthMeasureYN") and columns.cell(cells, "GrowthMeasureYN").lower() in NO:
            problems.note(
                f"{results.name} line {line}: not a growth measure (GrowthMeasureYN), skipped"
            )
            continue
        row = _map_row(results.name, line, cells, columns, plan, extra, problems)
        if row is not None:
            rows.append(row)
    return Parsed(rows, problems.errors, problems.notes)


def _students_by_id(table: Table, problems: Problems) -> dict[tuple[str, str], dict[str, str]]:
    """StudentsBySchool.csv by (TermName, StudentID) and by ("", StudentID)."""
    columns = Columns(table, problems)
    if not columns.has("StudentID"):
        problems.error(table.name, 1, None, "required column missing: StudentID")
        raise ImportRefused(problems.errors, problems.notes)
    found = {}
    for _, cells in table.rows:
        values = {name: columns.cell(cells, name) for name in STUDENT_COLUMNS if columns.has(name)}
        student_id, term = columns.cell(cells, "StudentID"), columns.cell(cells, "TermName")
        found[(term, student_id)] = values
        found.setdefault(("", student_id), values)
    return found


def map_plan(columns: Columns, student_columns: set[str]) -> list[tuple]:
    """The optional fields this file has, each as (group, key, header, in the row?, parser):
    group None for a test field, a term pair for growth, a goal number for a goal. Worked
    out once per file, so a row reads only the columns the file has."""
    wanted = [(None, key, names, parser) for key, (names, parser) in MAP_FIELDS.items()]
    wanted.append((None, "testName", ("TestName",), str))
    for pair in TERM_PAIRS:
        wanted += [(pair, k, (pair + suffix,), p) for k, (suffix, p) in GROWTH_FIELDS.items()]
    for n in range(1, 9):
        wanted += [(n, k, (f"Goal{n}{suffix}",), p) for k, (suffix, p) in GOAL_FIELDS.items()]
    plan = []
    for group, key, names, parser in wanted:
        header = columns.first(*names)
        if header is not None:
            plan.append((group, key, header, True, parser))
            continue
        header = next((n for n in names if n in student_columns), None)
        if header is not None:
            plan.append((group, key, header, False, parser))
    return plan


def _map_row(
    file, line, cells, columns: Columns, plan, extra, problems: Problems
) -> TestRow | None:
    errors_before = len(problems.errors)
    required = {}
    for key, names in MAP_REQUIRED.items():
        header = columns.first(*names)
        value = columns.cell(cells, header)
        if not value:
            problems.error(file, line, header, "is empty")
        required[key] = value
    if len(problems.errors) > errors_before:
        return None
    student = extra.get((required["term"], required["student"])) or extra.get(
        ("", required["student"]), {}
    )

    def read(header, value, parser):
        try:
            return parser(value)
        except CellError as exc:
            problems.error(file, line, header, str(exc))
            return None

    test_date = read(columns.first(*MAP_REQUIRED["date"]), required["date"], parse_date)
    rit = read(columns.first(*MAP_REQUIRED["rit"]), required["rit"], parse_number)
    metadata: dict[str, Any] = {}
    growth: dict[str, dict] = defaultdict(dict)
    goals: dict[int, dict] = defaultdict(dict)
    for group, key, header, in_row, parser in plan:
        value = columns.cell(cells, header) if in_row else student.get(header, "")
        if not value:
            continue
        parsed = read(header, value, parser)
        if group is None:
            metadata[key] = parsed
        elif isinstance(group, str):
            growth[group][key] = parsed
        else:
            goals[group][key] = parsed
    growth = {pair: growth[pair] for pair in TERM_PAIRS if pair in growth}
    goals = [goals[n] for n in sorted(goals) if goals[n].get("name")]
    test_name = metadata.pop("testName", "")
    if len(problems.errors) > errors_before:
        return None
    season, school_year = season_and_year(required["term"])
    subject = required["subject"]
    return TestRow(
        file=file,
        line=line,
        student_key=required["student"],
        source="map-growth",
        subject=subject,
        term=required["term"],
        season=season,
        school_year=school_year,
        test_name=test_name or "MAP Growth",
        test_date=test_date,
        score=rit,
        metadata={
            "testDate": test_date.isoformat(),
            "rit": rit,
            **metadata,
            **({"growth": growth} if growth else {}),
            **({"goals": goals} if goals else {}),
        },
    )


# --- state tests, through a column mapping (docs/closed-loop.md#state-tests) ---------------

STATE_COLUMNS_REQUIRED = ("student", "date", "scaleScore")
STATE_COLUMNS_OPTIONAL = ("subject", "performanceLevel", "sgp", "grade", "term", "testName")
STATE_VALUES = ("subject", "term", "testName")
MAPPING_KEYS = ("columns", "values", "standards", "dateFormat")


@dataclass
class StateMapping:
    columns: dict[str, str]  # field -> header
    values: dict[str, str]  # field -> the same value for every row
    standards: dict[str, str]  # header -> learning objective id (a CASE item)
    date_formats: tuple[str, ...]


def load_mapping(path: str | Path) -> StateMapping:
    """A state test column mapping, JSON (.json) or TOML (anything else)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingInvalid(f"{path.name}: cannot be read ({exc})") from exc
    return mapping_from_text(text, name=path.name)


def mapping_from_text(text: str, *, name: str) -> StateMapping:
    """A mapping from its text; `name` ending in .json means JSON, anything else TOML."""
    path = Path(name)
    try:
        raw = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingInvalid(
            f"{path.name}: not valid {path.suffix.lstrip('.').upper() or 'TOML'} ({exc})"
        ) from exc
    return parse_mapping(raw, name=path.name)


def parse_mapping(raw: Any, *, name: str = "mapping") -> StateMapping:
    if not isinstance(raw, dict):
        raise MappingInvalid(f"{name}: must be a table (object)")
    unknown = sorted(set(raw) - set(MAPPING_KEYS))
    if unknown:
        raise MappingInvalid(
            f"{name}: unknown keys {', '.join(unknown)} (known: {', '.join(MAPPING_KEYS)})"
        )
    columns, values, standards = (raw.get(k, {}) for k in ("columns", "values", "standards"))
    for key, table in (("columns", columns), ("values", values), ("standards", standards)):
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in table.items()
        ):
            raise MappingInvalid(f"{name}: '{key}' must map names to non-empty strings")
    known = STATE_COLUMNS_REQUIRED + STATE_COLUMNS_OPTIONAL
    unknown = sorted(set(columns) - set(known))
    if unknown:
        raise MappingInvalid(
            f"{name}: unknown columns.{', columns.'.join(unknown)} (known: {', '.join(known)})"
        )
    unknown = sorted(set(values) - set(STATE_VALUES))
    if unknown:
        raise MappingInvalid(
            f"{name}: unknown values.{', values.'.join(unknown)} (known: {', '.join(STATE_VALUES)})"
        )
    missing = [k for k in STATE_COLUMNS_REQUIRED if k not in columns]
    if "subject" not in columns and "subject" not in values:
        missing.append("subject (a column, or values.subject)")
    if missing:
        raise MappingInvalid(f"{name}: columns.{', columns.'.join(missing)} missing")
    date_format = raw.get("dateFormat")
    if date_format is not None and not isinstance(date_format, str):
        raise MappingInvalid(f'{name}: dateFormat must be a string such as "%m/%d/%Y"')
    return StateMapping(
        columns=dict(columns),
        values=dict(values),
        standards=dict(standards),
        date_formats=(date_format,) if date_format else DATE_FORMATS,
    )


def read_state(path: Path, mapping: StateMapping) -> Parsed:
    problems = Problems()
    tables = _tables(path, problems)
    if len(tables) != 1:
        raise ImportRefused([RowError(path.name, None, None, "a state test file is one CSV")])
    table = next(iter(tables.values()))
    columns = Columns(table, problems)
    missing = [
        header
        for header in [*mapping.columns.values(), *mapping.standards]
        if not columns.has(header)
    ]
    required = {mapping.columns[k] for k in STATE_COLUMNS_REQUIRED}
    missing_required = [h for h in missing if h in required or h == mapping.columns.get("subject")]
    if missing_required:
        problems.error(
            table.name,
            1,
            None,
            f"required column{'s' * (len(missing_required) > 1)} missing: {', '.join(missing_required)}",
        )
    for header in missing:
        if header not in missing_required:
            problems.note(
                f"{table.name}: column '{header}' of the mapping is not in the file; not read"
            )
    if problems.errors:
        raise ImportRefused(problems.errors, problems.notes)
    unknown = (
        standards_selectors.unresolved(mapping.standards.values()) if mapping.standards else []
    )
    if unknown:
        # Kept as given (a framework may be imported later), but said: remediation and the
        # developer dashboard resolve them against the imported CASE frameworks.
        problems.note(
            f"the mapping's standards {', '.join(unknown)} name no item of an imported CASE "
            "framework (yet); their scores are kept as given"
        )
    rows = []
    for line, cells in table.rows:
        row = _state_row(table.name, line, cells, columns, mapping, problems)
        if row is not None:
            rows.append(row)
    return Parsed(rows, problems.errors, problems.notes)


def _state_row(
    file, line, cells, columns: Columns, mapping: StateMapping, problems
) -> TestRow | None:
    errors_before = len(problems.errors)

    def value(key):
        if key in mapping.columns:
            header = mapping.columns[key]
            return header, columns.cell(cells, header)
        return None, mapping.values.get(key, "")

    def read(key, parser, *, required=False):
        header, raw = value(key)
        if not raw:
            if required:
                problems.error(file, line, header, "is empty")
            return None
        try:
            return parser(raw)
        except CellError as exc:
            problems.error(file, line, header, str(exc))
            return None

    student = read("student", str, required=True)
    subject = read("subject", str, required=True)
    test_date = read("date", lambda v: parse_date(v, mapping.date_formats), required=True)
    score = read("scaleScore", parse_number, required=True)
    level = read("performanceLevel", str)
    sgp = read("sgp", parse_number)
    grade = read("grade", str)
    objectives = []
    for header, objective in mapping.standards.items():
        raw = columns.cell(cells, header)
        if raw:
            try:
                objectives.append({"learningObjectiveId": objective, "score": parse_number(raw)})
            except CellError as exc:
                problems.error(file, line, header, str(exc))
    if len(problems.errors) > errors_before:
        return None
    term = read("term", str)
    season, school_year = season_and_year(term) if term else (None, None)
    if not term:
        season, school_year = season_of(test_date), school_year_of(test_date)
        term = f"{season} {school_year}"
    metadata = {"testDate": test_date.isoformat(), "scaleScore": score}
    for key, found in (("performanceLevel", level), ("sgp", sgp), ("grade", grade)):
        if found is not None:
            metadata[key] = found
    return TestRow(
        file=file,
        line=line,
        student_key=student,
        source="state",
        subject=subject,
        term=term,
        season=season,
        school_year=school_year,
        test_name=read("testName", str) or "State test",
        test_date=test_date,
        score=score,
        metadata=metadata,
        objectives=objectives,
    )


def read_test_results(
    path: str | Path, *, format: str, mapping: StateMapping | None = None
) -> Parsed:
    path = Path(path)
    if format == "map-growth":
        return read_map_growth(path)
    if format == "state":
        if mapping is None:
            raise MappingInvalid("the state format needs a column mapping (--mapping FILE)")
        return read_state(path, mapping)
    raise ValueError(f"unknown format '{format}' (one of {', '.join(FORMATS)})")


# --- students ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    """A matched student: what the import needs of them, read without loading the user."""

    pk: int
    sourced_id: str
    school: str  # the sourcedId of the school their tests are filed under (schools_of)


STUDENT_FIELDS = (
    "pk",
    "sourced_id",
    "identifier",
    "email",
    "primary_org__sourced_id",
    "primary_org__type",
)


def match_students(keys: Iterable[str], how: str = "auto") -> dict[str, Student | str]:
    """Each key's student, or why none: by sourcedId, identifier or email (`how`), or the
    first of them that finds one (`auto`). Tobedeleted users are not matched. Two users
    sharing an identifier or an email is an answer too: ambiguous, not a guess."""
    if how not in MATCHES:
        raise ValueError(f"unknown match '{how}' (one of {', '.join(MATCHES)})")
    keys = sorted(set(keys))
    users = User.objects.exclude(status=Status.TOBEDELETED)
    kinds = ("sourcedId", "identifier", "email") if how == "auto" else (how,)
    found: dict[str, dict[str, list[dict]]] = {kind: defaultdict(list) for kind in kinds}
    for start in range(0, len(keys), MATCH_CHUNK):
        chunk = keys[start : start + MATCH_CHUNK]
        # One query per kind, each able to use its own index, rather than one OR of three.
        if "sourcedId" in kinds:
            for user in users.filter(sourced_id__in=chunk).values(*STUDENT_FIELDS):
                found["sourcedId"][user["sourced_id"]].append(user)
        left = [k for k in chunk if k not in found.get("sourcedId", {})]
        if "identifier" in kinds and left:
            for user in users.filter(identifier__in=left).values(*STUDENT_FIELDS):
                found["identifier"][user["identifier"]].append(user)
        left = [k for k in left if k not in found.get("identifier", {})]
        emails = [k.lower() for k in left if "@" in k]
        if "email" in kinds and emails:
            matched = users.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
            for user in matched.values(*STUDENT_FIELDS, "email_lower"):
                found["email"][user["email_lower"]].append(user)
    chosen: dict[str, dict | str] = {}
    for key in keys:
        chosen[key] = f"no student with {' or '.join(kinds)} '{key}'"
        for kind in kinds:
            candidates = found[kind].get(key.lower() if kind == "email" else key, [])
            if len(candidates) == 1:
                chosen[key] = candidates[0]
                break
            if len(candidates) > 1:
                chosen[key] = (
                    f"{len(candidates)} users share the {kind} '{key}'; use --match to choose another"
                )
                break
    schools = schools_of([u for u in chosen.values() if isinstance(u, dict)])
    return {
        key: Student(user["pk"], user["sourced_id"], schools[user["pk"]])
        if isinstance(user, dict)
        else user
        for key, user in chosen.items()
    }


def schools_of(users: list[dict]) -> dict[int, str]:
    """The school each student's tests are filed under: their primary org when it is a
    school, else the org of their (primary) student role, else their primary org, else none."""
    schools = {u["pk"]: u["primary_org__sourced_id"] or "" for u in users}
    others = [u["pk"] for u in users if u["primary_org__type"] != OrgType.SCHOOL]
    for start in range(0, len(others), MATCH_CHUNK):
        roles = UserRole.objects.filter(user_id__in=others[start : start + MATCH_CHUNK])
        best: dict[int, tuple] = {}
        for user_id, org, role, role_type, pk in roles.values_list(
            "user_id", "org__sourced_id", "role", "role_type", "pk"
        ):
            rank = (role != Role.STUDENT, role_type != UserRole.RoleType.PRIMARY, pk)
            if user_id not in best or rank < best[user_id][0]:
                best[user_id] = (rank, org)
        for user_id, (_, org) in best.items():
            schools[user_id] = org
    return schools


# --- storage (the contract of docs/closed-loop.md) ---------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def line_item_sourced_id(source: str, school_id: str, subject: str, term: str) -> str:
    return f"{STANDARDIZED_TEST_PREFIX}{_digest(f'{source}|{school_id}|{subject}|{term}')}"


def result_sourced_id(line_item_id: str, student_id: str) -> str:
    return f"{STANDARDIZED_TEST_PREFIX}{_digest(f'{line_item_id}|{student_id}')}"


SOURCE_TITLES = {"map-growth": "MAP Growth"}


def _line_item(row: TestRow, school_id: str) -> dict:
    title_source = SOURCE_TITLES.get(row.source) or row.test_name
    return {
        "sourced_id": line_item_sourced_id(row.source, school_id, row.subject, row.term),
        "title": f"{title_source} {row.subject}, {row.term}",
        "metadata": {
            "standardizedTest": {
                "source": row.source,
                "subject": row.subject,
                "term": row.term,
                "season": row.season,
                "schoolYear": row.school_year,
                "testName": row.test_name,
            },
            "masteryTest": True,
        },
    }


def import_test_results(
    path: str | Path,
    *,
    format: str,
    mapping: StateMapping | None = None,
    match: str = "auto",
    strict: bool = False,
    progress: Progress = no_progress,
) -> ImportReport:
    """Read, check and store a file of test results (module docstring). Raises
    ImportRefused, with nothing written, when the file cannot be read, lacks a required
    column, or (`strict`) has any bad row."""
    parsed = read_test_results(path, format=format, mapping=mapping)
    progress(1, 3)
    errors = list(parsed.errors)
    students = match_students([row.student_key for row in parsed.rows], match)
    line_items, results, lines = {}, [], defaultdict(list)
    for row in parsed.rows:
        student = students[row.student_key]
        if isinstance(student, str):
            errors.append(RowError(row.file, row.line, None, student))
            continue
        item = _line_item(row, student.school)
        sourced_id = result_sourced_id(item["sourced_id"], student.sourced_id)
        lines[sourced_id].append(row)
        line_items[item["sourced_id"]] = item
        results.append(
            {
                "sourced_id": sourced_id,
                "line_item_id": item["sourced_id"],
                "student_id": student.pk,
                "score": row.score,
                "score_date": datetime.combine(row.test_date, TEST_TIME),
                "learning_objective_set": (
                    [{"source": "CASE", "learningObjectiveResults": row.objectives}]
                    if row.objectives
                    else []
                ),
                "metadata": {"standardizedTest": row.metadata},
                "_row": row,
            }
        )
    # The same test twice (same student, subject and term): which one is right is not ours
    # to guess, so none of them is imported.
    for same in lines.values():
        if len(same) > 1:
            where = ", ".join(str(r.line) for r in same)
            for r in same:
                errors.append(
                    RowError(
                        r.file,
                        r.line,
                        None,
                        f"duplicate: student '{r.student_key}' has {r.subject}, {r.term} "
                        f"on lines {where}; none of them was imported",
                    )
                )
    results = [r for r in results if len(lines[r["sourced_id"]]) == 1]
    errors.sort(key=lambda e: (e.file, e.line or 0))
    if strict and errors:
        raise ImportRefused(errors, parsed.notes)
    for r in results:
        del r["_row"]
    used = {r["line_item_id"] for r in results}
    counts = gradebook_services.record_standardized_results(
        line_items=[item for key, item in line_items.items() if key in used], results=results
    )
    progress(3, 3)
    return ImportReport(counts.created, counts.updated, counts.unchanged, errors, parsed.notes)


__all__ = [
    "FORMATS",
    "MATCHES",
    "ImportRefused",
    "ImportReport",
    "MappingInvalid",
    "Parsed",
    "StateMapping",
    "TestRow",
    "import_test_results",
    "line_item_sourced_id",
    "load_mapping",
    "mapping_from_text",
    "match_students",
    "parse_mapping",
    "read_test_results",
    "result_sourced_id",
]
