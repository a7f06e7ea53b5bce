"""Writes of the CASE frameworks: importing a CFPackage (file, URL, admin upload, the CASE API).

One function does it, `import_package`, whichever way the package came in
(docs/decisions.md, "CASE 1.1 frameworks"):

- **Strict with what breaks meaning inside the package.** Every problem is listed and
  nothing is written (`PackageRejected.problems`): a missing or empty identifier (document,
  item, association, association end, definition), an item without a fullStatement, an
  association without a type, the same identifier twice, an identifier already held by
  another framework, and an `isChildOf` from an item of the package to an item that is
  neither in the package nor the document, when that item is one of this framework's (its
  uri lives under the package's CASE base, or it names this document).
- **Lenient with the rest.** Fields the official 1.1 schema does not know (OpenSALT's
  `CFPackageURI`, `CFDocumentURI`, ...) are kept in each row's `source` and reported as
  notes; associations to items of other frameworks are kept as external links; a missing
  `uri` or `lastChangeDateTime` is derived (documented by a note). Other departures from
  the official schema are notes, never refusals.
- **Re-import updates in place.** Rows are keyed by identifier; the document's items,
  associations and definitions that the new package no longer carries are removed (the
  package is the framework's whole state, as CASE's PUT /CFPackages/{id} replaces it).
"""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.text import contains_nul

from .models import (
    IDENTIFIER_LENGTH,
    URI_LENGTH,
    CFAssociation,
    CFDefinition,
    CFDocument,
    CFItem,
    DefinitionKind,
)

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "case_v1p1_cfpackage-jsonschema1.json"
DEFINITION_LISTS = {
    "CFSubjects": DefinitionKind.SUBJECT,
    "CFConcepts": DefinitionKind.CONCEPT,
    "CFItemTypes": DefinitionKind.ITEM_TYPE,
    "CFLicenses": DefinitionKind.LICENSE,
    "CFAssociationGroupings": DefinitionKind.ASSOCIATION_GROUPING,
}
MAX_LISTED_PROBLEMS = 200


class PackageRejected(Exception):
    """The package breaks meaning: nothing was imported. `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        super().__init__(f"The CFPackage was not imported: {text}")


class PackageNotFound(Exception):
    """An update named a document we do not hold (CASE PUT /CFPackages/{id})."""


@dataclass
class ImportResult:
    document: CFDocument
    created: bool
    items: int
    associations: int
    definitions: int
    removed: int = 0
    notes: list[str] = field(default_factory=list)


# --- reading a package -------------------------------------------------------------------


def parse_package(raw: bytes | str) -> dict:
    """The package as a dict, or PackageRejected when it is not a JSON object."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PackageRejected([f"the file is not JSON ({error})"]) from error
    if not isinstance(data, dict):
        raise PackageRejected(["a CFPackage is a JSON object with a CFDocument"])
    return data


def fetch_package(url: str) -> bytes:
    """The bytes at an http(s) URL, at most CASE_PACKAGE_MAX_BYTES, within the timeout (for
    the whole download: requests' own timeout bounds each read, not a server that trickles)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PackageRejected([f"only http and https URLs are fetched, not {url!r}"])
    limit = settings.CASE_PACKAGE_MAX_BYTES
    deadline = time.monotonic() + settings.CASE_PACKAGE_FETCH_TIMEOUT
    try:
        with requests.get(
            url,
            stream=True,
            timeout=settings.CASE_PACKAGE_FETCH_TIMEOUT,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise PackageRejected([f"{url} answered HTTP {response.status_code}"])
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise PackageRejected([f"{url} is larger than {limit} bytes"])
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    raise PackageRejected([f"{url} is larger than {limit} bytes"])
                if time.monotonic() > deadline:
                    raise PackageRejected(
                        [f"{url} took longer than {settings.CASE_PACKAGE_FETCH_TIMEOUT:g} s"]
                    )
            return bytes(body)
    except requests.RequestException as error:
        raise PackageRejected(
            [f"{url} could not be fetched ({error.__class__.__name__})"]
        ) from error


@cache
def _validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def _schema_notes(package: dict) -> list[str]:
    """What the official CASE 1.1 package schema says about the package, as notes: extra
    fields (additionalProperties: false) and other departures are never refusals here; the
    refusals are `_problems`, which name what breaks meaning."""
    notes = []
    for error in _validator().iter_errors(package):
        where = "/".join(str(p) for p in error.absolute_path) or "the package"
        notes.append(f"{where}: {error.message}")
    return sorted(notes)[:MAX_LISTED_PROBLEMS]


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _identifier(obj) -> str:
    return _text(obj.get("identifier")).strip() if isinstance(obj, dict) else ""


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _case_base(uri: str) -> str:
    """The CASE API base a document's uri lives under (".../ims/case/v1p1/"), else its
    scheme and host: the items of the same framework live there too."""
    for marker in ("/CFDocuments/", "/CFPackages/"):
        if marker in uri:
            return uri.split(marker, 1)[0] + "/"
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else ""


def _problems(package: dict) -> list[str]:
    """Everything that breaks meaning inside the package (empty when it may be imported)."""
    problems: list[str] = []
    document = package.get("CFDocument")
    if not isinstance(document, dict):
        return ["CFDocument is missing (a CFPackage is one CFDocument with its items)"]
    if contains_nul(package):
        # PostgreSQL stores no NUL character, in text or JSON.
        return ["the package holds a NUL character (\\u0000), which cannot be stored"]
    document_id = _identifier(document)
    if not document_id:
        problems.append("CFDocument has no identifier")
    if not _text(document.get("title")).strip():
        problems.append("CFDocument has no title")
    for key in ("CFItems", "CFAssociations"):
        if package.get(key) is not None and not isinstance(package.get(key), list):
            problems.append(f"{key} is not a list")
    if package.get("CFDefinitions") is not None and not isinstance(
        package.get("CFDefinitions"), dict
    ):
        problems.append("CFDefinitions is not an object")
    if problems:
        return problems
    items = package.get("CFItems") or []
    associations = package.get("CFAssociations") or []
    item_ids: set[str] = set()
    for index, item in enumerate(items):
        where = f"CFItems[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        identifier = _identifier(item)
        if not identifier:
            problems.append(f"{where} has no identifier")
        elif identifier in item_ids or identifier == document_id:
            problems.append(f"{where}: identifier {identifier} appears twice in the package")
        item_ids.add(identifier)
        if not _text(item.get("fullStatement")).strip():
            problems.append(f"{where} ({identifier or 'no identifier'}) has no fullStatement")
    base = _case_base(_text(document.get("uri")))
    outside = _held_outside(document_id, associations, item_ids)
    association_ids: set[str] = set()
    for index, association in enumerate(associations):
        where = f"CFAssociations[{index}]"
        if not isinstance(association, dict):
            problems.append(f"{where} is not an object")
            continue
        identifier = _identifier(association)
        if not identifier:
            problems.append(f"{where} has no identifier")
        elif identifier in association_ids:
            problems.append(f"{where}: identifier {identifier} appears twice in the package")
        association_ids.add(identifier)
        kind = _text(association.get("associationType")).strip()
        if not kind:
            problems.append(f"{where} ({identifier}) has no associationType")
        ends = {}
        for end in ("originNodeURI", "destinationNodeURI"):
            node = association.get(end)
            ends[end] = _identifier(node)
            if not ends[end]:
                problems.append(f"{where} ({identifier}) has no {end}.identifier")
        origin, destination = ends["originNodeURI"], ends["destinationNodeURI"]
        if kind == "isChildOf" and origin in item_ids and destination:
            if destination not in item_ids and destination != document_id:
                node = association.get("destinationNodeURI") or {}
                if _same_framework(node, association, document_id, base, outside):
                    problems.append(
                        f"{where} ({identifier}): isChildOf names {destination}, which is "
                        "neither an item of this package nor its document"
                    )
    for key, kind in DEFINITION_LISTS.items():
        for index, definition in enumerate((package.get("CFDefinitions") or {}).get(key) or []):
            if not _identifier(definition):
                problems.append(f"CFDefinitions.{key}[{index}] ({kind}) has no identifier")
    problems += _too_long(package)
    return problems + _held_elsewhere(document_id, item_ids, association_ids)


def _too_long(package: dict) -> list[str]:
    """Identifiers and uris longer than we store (CASE identifiers are 36-character UUIDs)."""
    problems = []

    def check(obj, where):
        if not isinstance(obj, dict):
            return
        if len(_identifier(obj)) > IDENTIFIER_LENGTH:
            problems.append(f"{where}: identifier longer than {IDENTIFIER_LENGTH} characters")
        if len(_text(obj.get("uri"))) > URI_LENGTH:
            problems.append(f"{where}: uri longer than {URI_LENGTH} characters")

    check(package.get("CFDocument"), "CFDocument")
    for index, item in enumerate(package.get("CFItems") or []):
        check(item, f"CFItems[{index}]")
    for index, association in enumerate(package.get("CFAssociations") or []):
        check(association, f"CFAssociations[{index}]")
        if isinstance(association, dict):
            for end in ("originNodeURI", "destinationNodeURI"):
                check(association.get(end), f"CFAssociations[{index}].{end}")
    for key in DEFINITION_LISTS:
        for index, definition in enumerate((package.get("CFDefinitions") or {}).get(key) or []):
            check(definition, f"CFDefinitions.{key}[{index}]")
    return problems


def _held_outside(document_id: str, associations: list, item_ids: set[str]) -> set[str]:
    """The association ends (not in the package) that are items of other frameworks we hold."""
    ends = {
        _identifier(a.get(end))
        for a in associations
        if isinstance(a, dict)
        for end in ("originNodeURI", "destinationNodeURI")
        if isinstance(a.get(end), dict)
    } - item_ids
    return set(
        CFItem.objects.filter(identifier__in=ends)
        .exclude(document__identifier=document_id)
        .values_list("identifier", flat=True)
    )


def _same_framework(
    node: dict, association: dict, document_id: str, base: str, outside: set[str]
) -> bool:
    """Whether an isChildOf destination we do not find is meant to be this framework's: it
    is, when the association says it belongs to this document (CFDocumentURI, as OpenSALT
    writes), or the destination's uri lives under the package's CASE base. An item we hold
    in another framework is someone else's (an external parent, kept)."""
    if _identifier(node) in outside:
        return False
    if _identifier(association.get("CFDocumentURI")) == document_id:
        return True
    uri = _text(node.get("uri"))
    return bool(base) and (not uri or uri.startswith(base))


def _held_elsewhere(document_id: str, item_ids: set[str], association_ids: set[str]) -> list[str]:
    problems = []
    for identifier, title in (
        CFItem.objects.filter(identifier__in=item_ids)
        .exclude(document__identifier=document_id)
        .values_list("identifier", "document__title")
    ):
        problems.append(f"item {identifier} belongs to another framework ({title})")
    for identifier, title in (
        CFAssociation.objects.filter(identifier__in=association_ids)
        .exclude(document__identifier=document_id)
        .values_list("identifier", "document__title")
    ):
        problems.append(f"association {identifier} belongs to another framework ({title})")
    return problems


def check_package(package: dict) -> tuple[list[str], list[str]]:
    """(problems, notes): problems refuse the import, notes are reported beside it."""
    problems = _problems(package)
    return problems, ([] if problems else _schema_notes(package))


# --- writing it ----------------------------------------------------------------------------


def _when(value, where: str, notes: list[str], now: datetime) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        # A bare date is a day at midnight UTC; nothing at all is "now", said in a note.
        day = parse_date(value) if isinstance(value, str) else None
        if day is not None:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        notes.append(
            f"{where}: lastChangeDateTime {value!r} is not a date-time; the import time is kept"
        )
        return now
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _day(value):
    return parse_date(value[:10]) if isinstance(value, str) and len(value) >= 10 else None


def _uri(obj: dict, kind: str, identifier: str, base: str, where: str, notes: list[str]) -> str:
    uri = _text(obj.get("uri")).strip()
    if uri:
        return uri
    notes.append(f"{where}: no uri; {kind}/{identifier} under the package's base is kept")
    return f"{base or 'urn:case:'}{kind}/{identifier}"


def _link(value):
    return value if isinstance(value, dict | list) else None


def _document_fields(data: dict, package: dict, base: str, notes: list[str], now) -> dict:
    identifier = _identifier(data)
    return {
        "uri": _uri(data, "CFDocuments", identifier, base, "CFDocument", notes),
        "title": _text(data.get("title")).strip(),
        "creator": _text(data.get("creator")),
        "publisher": _text(data.get("publisher")),
        "description": _text(data.get("description")),
        "framework_type": _text(data.get("frameworkType")),
        "case_version": _text(data.get("caseVersion"))[:16],
        "official_source_url": _text(data.get("officialSourceURL")),
        "version": _text(data.get("version")),
        "language": _text(data.get("language"))[:64],
        "adoption_status": _text(data.get("adoptionStatus"))[:64],
        "subject": [_text(s) for s in _list(data.get("subject"))],
        "subject_uri": _list(data.get("subjectURI")),
        "license_uri": _link(data.get("licenseURI")),
        "notes": _text(data.get("notes")),
        "status_start_date": _day(data.get("statusStartDate")),
        "status_end_date": _day(data.get("statusEndDate")),
        "last_change_date_time": _when(data.get("lastChangeDateTime"), "CFDocument", notes, now),
        "extensions": data.get("extensions"),
        "rubrics": _list(package.get("CFRubrics")),
        "package_extensions": package.get("extensions"),
        "source": data,
    }


def _item_row(data: dict, index: int, document, base, notes, now) -> CFItem:
    identifier = _identifier(data)
    where = f"CFItems[{index}]"
    type_uri = _link(data.get("CFItemTypeURI"))
    item_type = _text(data.get("CFItemType")).strip()
    if not item_type and isinstance(type_uri, dict):
        # The type's title is its name (CASE 1.0 exports often carry only the link).
        item_type = _text(type_uri.get("title")).strip()
    return CFItem(
        document=document,
        identifier=identifier,
        uri=_uri(data, "CFItems", identifier, base, where, notes),
        full_statement=_text(data.get("fullStatement")),
        alternative_label=_text(data.get("alternativeLabel")),
        cf_item_type=item_type,
        cf_item_type_uri=type_uri,
        human_coding_scheme=_text(data.get("humanCodingScheme")),
        list_enumeration=_text(data.get("listEnumeration")),
        abbreviated_statement=_text(data.get("abbreviatedStatement")),
        concept_keywords=[_text(k) for k in _list(data.get("conceptKeywords"))],
        concept_keywords_uri=_link(data.get("conceptKeywordsURI")),
        notes=_text(data.get("notes")),
        subject=[_text(s) for s in _list(data.get("subject"))],
        subject_uri=_list(data.get("subjectURI")),
        language=_text(data.get("language"))[:64],
        education_level=[_text(e) for e in _list(data.get("educationLevel"))],
        license_uri=_link(data.get("licenseURI")),
        status_start_date=_day(data.get("statusStartDate")),
        status_end_date=_day(data.get("statusEndDate")),
        last_change_date_time=_when(data.get("lastChangeDateTime"), where, notes, now),
        extensions=data.get("extensions"),
        position=index,
        source=data,
    )


def _association_row(data: dict, index: int, document, base, notes, now) -> CFAssociation:
    identifier = _identifier(data)
    where = f"CFAssociations[{index}]"
    origin = data.get("originNodeURI") or {}
    destination = data.get("destinationNodeURI") or {}
    sequence = data.get("sequenceNumber")
    return CFAssociation(
        document=document,
        identifier=identifier,
        uri=_uri(data, "CFAssociations", identifier, base, where, notes),
        association_type=_text(data.get("associationType")).strip()[:255],
        sequence_number=sequence
        if isinstance(sequence, int) and not isinstance(sequence, bool)
        else None,
        origin_identifier=_identifier(origin),
        origin_uri=_text(origin.get("uri")),
        origin_title=_text(origin.get("title")),
        origin_target_type=_text(origin.get("targetType"))[:255],
        destination_identifier=_identifier(destination),
        destination_uri=_text(destination.get("uri")),
        destination_title=_text(destination.get("title")),
        destination_target_type=_text(destination.get("targetType"))[:255],
        grouping_uri=_link(data.get("CFAssociationGroupingURI")),
        notes=_text(data.get("notes")),
        last_change_date_time=_when(data.get("lastChangeDateTime"), where, notes, now),
        extensions=data.get("extensions"),
        position=index,
        source=data,
    )


def _definition_rows(package: dict, document) -> list[CFDefinition]:
    rows = []
    for key, kind in DEFINITION_LISTS.items():
        seen = set()
        for index, data in enumerate((package.get("CFDefinitions") or {}).get(key) or []):
            identifier = _identifier(data)
            if identifier in seen:
                continue
            seen.add(identifier)
            changed = data.get("lastChangeDateTime")
            parsed = parse_datetime(changed) if isinstance(changed, str) else None
            if parsed is not None and not timezone.is_aware(parsed):
                parsed = parsed.replace(tzinfo=UTC)
            rows.append(
                CFDefinition(
                    document=document,
                    kind=kind,
                    identifier=identifier,
                    uri=_text(data.get("uri")),
                    title=_text(data.get("title")),
                    last_change_date_time=parsed,
                    data=data,
                    position=index,
                )
            )
    return rows


ITEM_UPDATE_FIELDS = [
    f.name for f in CFItem._meta.concrete_fields if f.name not in ("id", "identifier")
]
ASSOCIATION_UPDATE_FIELDS = [
    f.name
    for f in CFAssociation._meta.concrete_fields
    if f.name not in ("id", "identifier", "origin_item", "destination_item")
]


def import_package(
    package: dict,
    *,
    source_url: str = "",
    only_identifier: str | None = None,
    must_exist: bool = False,
) -> ImportResult:
    """Import (or re-import) one CFPackage, all or nothing.

    `only_identifier` refuses a package whose CFDocument is another (CASE's PUT
    /CFPackages/{id}); `must_exist` raises PackageNotFound when we hold no such document.
    """
    problems, notes = check_package(package)
    document_data = package.get("CFDocument") if isinstance(package, dict) else None
    if only_identifier is not None and isinstance(document_data, dict):
        if _identifier(document_data) != only_identifier:
            problems.insert(
                0,
                f"CFDocument.identifier {_identifier(document_data)!r} is not the package "
                f"{only_identifier!r} named in the request",
            )
    if problems:
        raise PackageRejected(problems)
    identifier = _identifier(document_data)
    if must_exist and not CFDocument.objects.filter(identifier=identifier).exists():
        raise PackageNotFound(identifier)
    now = timezone.now()
    with transaction.atomic():
        base = _case_base(_text(document_data.get("uri")))
        fields = _document_fields(document_data, package, base, notes, now)
        if source_url:
            fields["source_url"] = source_url
        document = CFDocument.objects.select_for_update().filter(identifier=identifier).first()
        created = document is None
        if created:
            document = CFDocument.objects.create(
                identifier=identifier, imported_at=now, updated_at=now, **fields
            )
        else:
            for name, value in fields.items():
                setattr(document, name, value)
            document.updated_at = now
            document.save()
        items = [
            _item_row(data, index, document, base, notes, now)
            for index, data in enumerate(package.get("CFItems") or [])
        ]
        associations = [
            _association_row(data, index, document, base, notes, now)
            for index, data in enumerate(package.get("CFAssociations") or [])
        ]
        item_ids = [i.identifier for i in items]
        association_ids = [a.identifier for a in associations]
        removed = (
            CFAssociation.objects.filter(document=document)
            .exclude(identifier__in=association_ids)
            .delete()[0]
        )
        removed += (
            CFItem.objects.filter(document=document).exclude(identifier__in=item_ids).delete()[0]
        )
        if items:
            CFItem.objects.bulk_create(
                items,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["identifier"],
                update_fields=ITEM_UPDATE_FIELDS,
            )
        _link_ends(associations)
        if associations:
            CFAssociation.objects.bulk_create(
                associations,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["identifier"],
                update_fields=[*ASSOCIATION_UPDATE_FIELDS, "origin_item", "destination_item"],
            )
        _relink_external_ends(document)
        CFDefinition.objects.filter(document=document).delete()
        definitions = CFDefinition.objects.bulk_create(_definition_rows(package, document))
    return ImportResult(
        document=document,
        created=created,
        items=len(items),
        associations=len(associations),
        definitions=len(definitions),
        removed=removed,
        notes=notes,
    )


def _link_ends(associations: list[CFAssociation]) -> None:
    """Point each end at the item we hold with that identifier (any framework's)."""
    ends = {a.origin_identifier for a in associations} | {
        a.destination_identifier for a in associations
    }
    held = dict(CFItem.objects.filter(identifier__in=ends).values_list("identifier", "pk"))
    for association in associations:
        association.origin_item_id = held.get(association.origin_identifier)
        association.destination_item_id = held.get(association.destination_identifier)


def _relink_external_ends(document: CFDocument) -> None:
    """Other frameworks' external links to this framework's items now have their item."""
    held = dict(document.items.values_list("identifier", "pk"))
    if not held:
        return
    waiting = CFAssociation.objects.exclude(document=document).filter(
        Q(origin_item__isnull=True, origin_identifier__in=held)
        | Q(destination_item__isnull=True, destination_identifier__in=held)
    )
    changed = []
    for association in waiting:
        association.origin_item_id = association.origin_item_id or held.get(
            association.origin_identifier
        )
        association.destination_item_id = association.destination_item_id or held.get(
            association.destination_identifier
        )
        changed.append(association)
    CFAssociation.objects.bulk_update(changed, ["origin_item", "destination_item"], batch_size=1000)


def import_package_bytes(raw: bytes | str, *, source_url: str = "") -> ImportResult:
    return import_package(parse_package(raw), source_url=source_url)


def import_package_from(path_or_url: str) -> ImportResult:
    """A file path or an http(s) URL (the management command and the admin)."""
    if urlsplit(path_or_url).scheme in ("http", "https"):
        return import_package_bytes(fetch_package(path_or_url), source_url=path_or_url)
    path = Path(path_or_url)
    if not path.is_file():
        raise PackageRejected([f"no such file: {path_or_url}"])
    if path.stat().st_size > settings.CASE_PACKAGE_MAX_BYTES:
        raise PackageRejected(
            [f"{path_or_url} is larger than {settings.CASE_PACKAGE_MAX_BYTES} bytes"]
        )
    return import_package_bytes(path.read_bytes())


def delete_document(document: CFDocument) -> None:
    """Remove a framework; other frameworks' links to its items become external again."""
    with transaction.atomic():
        document.delete()
