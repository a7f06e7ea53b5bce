"""CASE 1.1 JSON of our rows, as Timeback's official `timeback-case` client reads it.

The CASE 1.1 REST binding names every object by `identifier`; Timeback's client reads
`sourcedId` (on objects and on every LinkURI), `CFPackageURI` on documents and `CFItemType`
on items, which the standard leaves optional. Both are answered: `sourcedId` is the
identifier, and what the source lacks is derived (docs/api.md#case-11-competency-frameworks).
Optional fields the source did not carry are left out, never null.
"""

from datetime import date, datetime

from standards.models import CFAssociation, CFDocument, CFItem

API_BASE = "/ims/case/v1p1"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def link(value, *, title: str = "", uri: str = "") -> dict | None:
    """A LinkURI with `sourcedId` (= identifier); None when the source's is unusable."""
    if not isinstance(value, dict):
        return None
    identifier = str(value.get("identifier") or value.get("sourcedId") or "").strip()
    if not identifier:
        return None
    answer = {
        "title": str(value.get("title") or title or identifier),
        "identifier": identifier,
        "sourcedId": identifier,
        "uri": str(value.get("uri") or uri or identifier),
    }
    if value.get("targetType"):
        answer["targetType"] = value["targetType"]
    return answer


def links(values) -> list[dict] | None:
    found = [link(v) for v in values or [] if isinstance(v, dict)]
    found = [f for f in found if f]
    return found or None


def _compact(data: dict) -> dict:
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def _extensions(value):
    return value if isinstance(value, dict) else None


class Urls:
    """Absolute URLs of our own CASE endpoints (for derived LinkURIs)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def package(self, identifier: str) -> str:
        return f"{self.base}/CFPackages/{identifier}"

    def document(self, identifier: str) -> str:
        return f"{self.base}/CFDocuments/{identifier}"

    def item(self, identifier: str) -> str:
        return f"{self.base}/CFItems/{identifier}"


def document_link(document: CFDocument) -> dict:
    return {
        "title": document.title,
        "identifier": document.identifier,
        "sourcedId": document.identifier,
        "uri": document.uri,
    }


def document(doc: CFDocument, urls: Urls) -> dict:
    source_package = doc.source.get("CFPackageURI") if isinstance(doc.source, dict) else None
    package_link = link(source_package, title=doc.title) or {
        "title": doc.title,
        "identifier": doc.identifier,
        "sourcedId": doc.identifier,
        "uri": urls.package(doc.identifier),
    }
    return _compact(
        {
            "identifier": doc.identifier,
            "sourcedId": doc.identifier,
            "uri": doc.uri,
            "frameworkType": doc.framework_type,
            "caseVersion": doc.case_version,
            "creator": doc.creator,
            "title": doc.title,
            "lastChangeDateTime": _when(doc.last_change_date_time),
            "officialSourceURL": doc.official_source_url,
            "publisher": doc.publisher,
            "description": doc.description,
            "subject": doc.subject,
            "subjectURI": links(doc.subject_uri),
            "language": doc.language,
            "version": doc.version,
            "adoptionStatus": doc.adoption_status,
            "statusStartDate": _day(doc.status_start_date),
            "statusEndDate": _day(doc.status_end_date),
            "licenseURI": link(doc.license_uri),
            "notes": doc.notes,
            "extensions": _extensions(doc.extensions),
            "CFPackageURI": package_link,
        }
    ) | {"creator": doc.creator}


def item(obj: CFItem, doc: CFDocument) -> dict:
    return _compact(
        {
            "identifier": obj.identifier,
            "sourcedId": obj.identifier,
            "fullStatement": obj.full_statement,
            "alternativeLabel": obj.alternative_label,
            "uri": obj.uri,
            "humanCodingScheme": obj.human_coding_scheme,
            "listEnumeration": obj.list_enumeration,
            "abbreviatedStatement": obj.abbreviated_statement,
            "conceptKeywords": obj.concept_keywords,
            "conceptKeywordsURI": link(obj.concept_keywords_uri),
            "notes": obj.notes,
            "subject": obj.subject,
            "subjectURI": links(obj.subject_uri),
            "language": obj.language,
            "educationLevel": obj.education_level,
            "CFItemTypeURI": link(obj.cf_item_type_uri, title=obj.cf_item_type),
            "licenseURI": link(obj.license_uri),
            "statusStartDate": _day(obj.status_start_date),
            "statusEndDate": _day(obj.status_end_date),
            "lastChangeDateTime": _when(obj.last_change_date_time),
            "extensions": _extensions(obj.extensions),
            "CFDocumentURI": document_link(doc),
        }
    ) | {
        # Timeback's client requires a type; an item whose source names none answers "".
        "CFItemType": obj.cf_item_type,
        "fullStatement": obj.full_statement,
    }


def _end(
    identifier, uri, title, target_type, held: CFItem | None, doc: CFDocument, urls: Urls
) -> dict:
    if held is not None:
        title = title or held.human_coding_scheme or held.full_statement[:100]
        uri = uri or held.uri
    elif identifier == doc.identifier:
        title, uri = title or doc.title, uri or doc.uri
    answer = {
        "title": title or identifier,
        "identifier": identifier,
        "sourcedId": identifier,
        "uri": uri or urls.item(identifier),
    }
    if target_type:
        answer["targetType"] = target_type
    return answer


def association(obj: CFAssociation, doc: CFDocument, urls: Urls) -> dict:
    return _compact(
        {
            "identifier": obj.identifier,
            "sourcedId": obj.identifier,
            "associationType": obj.association_type,
            "sequenceNumber": obj.sequence_number,
            "uri": obj.uri,
            "originNodeURI": _end(
                obj.origin_identifier,
                obj.origin_uri,
                obj.origin_title,
                obj.origin_target_type,
                obj.origin_item,
                doc,
                urls,
            ),
            "destinationNodeURI": _end(
                obj.destination_identifier,
                obj.destination_uri,
                obj.destination_title,
                obj.destination_target_type,
                obj.destination_item,
                doc,
                urls,
            ),
            "CFAssociationGroupingURI": link(obj.grouping_uri),
            "lastChangeDateTime": _when(obj.last_change_date_time),
            "notes": obj.notes,
            "extensions": _extensions(obj.extensions),
            "CFDocumentURI": document_link(doc),
        }
    )
