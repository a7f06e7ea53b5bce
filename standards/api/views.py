"""CASE 1.1 at /ims/case/v1p1/ (docs/api.md#case-11-competency-frameworks): thin views.

Reads answer the standard's JSON (standards.api.representations) to any partner token with
the CASE read scope; CFPackages POST/PUT call the same import as `manage.py import_case`
and the admin (standards.services.import_package), for the school's roster source.
Collections page and filter like OneRoster (limit, offset, sort, orderBy, filter) with
X-Total-Count and Link headers; errors are imsx_StatusInfo.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.auth import HasScope, IsTokenAuthenticated, partner_app
from core.api.errors import OneRosterError
from core.api.errors import exception_handler as core_exception_handler
from core.api.oneroster import COLLECTION_PARAMETERS
from core.api.query import CollectionQuery, Field, filter_fields, paging_links
from core.api.views import TimebackAPIView
from core.scopes import CASE_CREATEPUT, CASE_READONLY
from standards import selectors
from standards.access import require_may_write_frameworks
from standards.models import CFAssociation, CFDocument, CFItem
from standards.services import PackageNotFound, PackageRejected, import_package

from . import representations as rep

DOCUMENT_FIELDS = {
    "sourcedId": Field("identifier"),
    "identifier": Field("identifier"),
    "uri": Field("uri"),
    "title": Field("title"),
    "creator": Field("creator"),
    "publisher": Field("publisher"),
    "frameworkType": Field("framework_type"),
    "caseVersion": Field("case_version"),
    "version": Field("version"),
    "language": Field("language"),
    "adoptionStatus": Field("adoption_status"),
    "subject": Field("subject", kind="list"),
    "lastChangeDateTime": Field("last_change_date_time", kind="datetime"),
}
ITEM_FIELDS = {
    "sourcedId": Field("identifier"),
    "identifier": Field("identifier"),
    "uri": Field("uri"),
    "fullStatement": Field("full_statement"),
    "humanCodingScheme": Field("human_coding_scheme"),
    "abbreviatedStatement": Field("abbreviated_statement"),
    "CFItemType": Field("cf_item_type"),
    "language": Field("language"),
    "educationLevel": Field("education_level", kind="list"),
    "subject": Field("subject", kind="list"),
    "lastChangeDateTime": Field("last_change_date_time", kind="datetime"),
    # The document an item belongs to (CFDocumentURI.sourcedId in the answer).
    "CFDocumentURI.sourcedId": Field("document__identifier"),
    "CFDocumentURI.identifier": Field("document__identifier"),
}


def case_exception_handler(exc, context):
    """The platform's imsx_StatusInfo, with the code minor also under CASE's spelling
    (`imsx_codeMinor`; OneRoster, which the rest of the platform speaks, spells it
    `imsx_CodeMinor`)."""
    response = core_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        if "imsx_CodeMinor" in response.data:
            response.data["imsx_codeMinor"] = response.data["imsx_CodeMinor"]
    return response


class CaseView(TimebackAPIView):
    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": [CASE_READONLY]}

    def get_exception_handler(self):
        return case_exception_handler

    def urls(self) -> rep.Urls:
        # Derived LinkURIs point at the mount the client called (/ims/case/v1p1 or /case/1.1).
        path = self.request.path
        marker = next(
            (
                m
                for m in ("/CFPackages", "/CFDocuments", "/CFItems", "/CFAssociations")
                if m in path
            ),
            None,
        )
        base = path.split(marker, 1)[0] if marker else rep.API_BASE
        return rep.Urls(self.request.build_absolute_uri(base))


def _collection(request, queryset, fields, default_sort):
    params = request.query_params
    if any(name.startswith("metadata.") for name in filter_fields(params.get("filter"))):
        raise OneRosterError(
            "CASE objects have no metadata to filter on.", code_minor="invalid_filter_field"
        )
    query = CollectionQuery(fields, default_sort=default_sort)
    return query.paginate(query.apply(queryset, params), params)


def _listed(request, key: str, rows: list, page) -> Response:
    # CASE answers the list alone; the total and the pages travel in headers, as in OneRoster.
    headers = {"X-Total-Count": str(page.total), "Link": paging_links(request, page)}
    return Response({key: rows}, headers=headers)


class DocumentList(CaseView):
    @extend_schema(parameters=COLLECTION_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        page = _collection(request, CFDocument.objects.all(), DOCUMENT_FIELDS, "title")
        urls = self.urls()
        return _listed(request, "CFDocuments", [rep.document(d, urls) for d in page.items], page)


def _document(identifier: str) -> CFDocument:
    document = CFDocument.objects.filter(identifier=identifier).first()
    if document is None:
        raise NotFound(f"No CFDocument with sourcedId '{identifier}'.")
    return document


class DocumentDetail(CaseView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, sourced_id):
        return Response({"CFDocument": rep.document(_document(sourced_id), self.urls())})


class ItemList(CaseView):
    @extend_schema(parameters=COLLECTION_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        rows = CFItem.objects.select_related("document")
        page = _collection(request, rows, ITEM_FIELDS, "humanCodingScheme")
        return _listed(request, "CFItems", [rep.item(i, i.document) for i in page.items], page)


class ItemDetail(CaseView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, sourced_id):
        found = CFItem.objects.select_related("document").filter(identifier=sourced_id).first()
        if found is None:
            raise NotFound(f"No CFItem with sourcedId '{sourced_id}'.")
        return Response({"CFItem": rep.item(found, found.document)})


class AssociationDetail(CaseView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, sourced_id):
        found = (
            CFAssociation.objects.select_related("document", "origin_item", "destination_item")
            .filter(identifier=sourced_id)
            .first()
        )
        if found is None:
            raise NotFound(f"No CFAssociation with sourcedId '{sourced_id}'.")
        return Response({"CFAssociation": rep.association(found, found.document, self.urls())})


def _package(rows: selectors.PackageRows, urls: rep.Urls) -> dict:
    doc = rows.document
    definitions: dict[str, list] = {}
    for d in rows.definitions:
        definitions.setdefault(d.kind + "s", []).append(d.data)
    package = {
        "sourcedId": doc.identifier,
        "CFDocument": rep.document(doc, urls),
        "CFItems": [rep.item(i, doc) for i in rows.items],
        "CFAssociations": [rep.association(a, doc, urls) for a in rows.associations],
    }
    if definitions:
        package["CFDefinitions"] = definitions
    if doc.rubrics:
        package["CFRubrics"] = doc.rubrics
    return package


def _upload_answer(result, verb: str) -> dict:
    return {
        "success": True,
        "message": f"CFPackage {result.document.identifier} {verb}.",
        "result": {
            "documentId": result.document.identifier,
            "stats": {"documents": 1, "items": result.items, "associations": result.associations},
            "success": True,
        },
        # What the import kept or derived without refusing (fields the schema does not know...).
        "notes": result.notes,
    }


def _rejected(error: PackageRejected) -> OneRosterError:
    return OneRosterError(str(error), code_minor="invaliddata")


class PackageCreate(CaseView):
    required_scopes = {"POST": [CASE_CREATEPUT]}

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        require_may_write_frameworks(partner_app(request))
        package = request.data
        identifier = rep_identifier(package)
        if identifier and CFDocument.objects.filter(identifier=identifier).exists():
            raise OneRosterError(
                f"CFPackage '{identifier}' already exists; PUT /CFPackages/{identifier} replaces it.",
                http_status=409,
            )
        try:
            with transaction.atomic():
                result = import_package(package if isinstance(package, dict) else {})
        except PackageRejected as error:
            raise _rejected(error) from None
        return Response(_upload_answer(result, "created"), status=201)


def rep_identifier(package) -> str:
    document = package.get("CFDocument") if isinstance(package, dict) else None
    return str(document.get("identifier") or "").strip() if isinstance(document, dict) else ""


class PackageDetail(CaseView):
    required_scopes = {"GET": [CASE_READONLY], "PUT": [CASE_CREATEPUT]}

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, sourced_id):
        rows = selectors.package_rows(_document(sourced_id))
        return Response(_package(rows, self.urls()))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def put(self, request, sourced_id):
        require_may_write_frameworks(partner_app(request))
        package = request.data if isinstance(request.data, dict) else {}
        try:
            result = import_package(package, only_identifier=sourced_id, must_exist=True)
        except PackageNotFound:
            raise NotFound(
                f"No CFPackage with sourcedId '{sourced_id}'; POST /CFPackages creates it."
            ) from None
        except PackageRejected as error:
            raise _rejected(error) from None
        return Response(_upload_answer(result, "replaced"))


def _grouped(nodes: list[selectors.TreeNode], doc: CFDocument) -> dict[str, list]:
    """Items grouped by CFItemType (an item without one under "CFItem"), each with its
    children grouped the same way under `childGroups`."""
    groups: dict[str, list] = {}
    for node in nodes:
        entry = rep.item(node.item, doc) | {"childGroups": _grouped(node.children, doc)}
        groups.setdefault(node.item.cf_item_type or "CFItem", []).append(entry)
    return groups


class PackageGroups(CaseView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, sourced_id):
        rows = selectors.package_rows(_document(sourced_id))
        return Response(
            {
                "sourcedId": rows.document.identifier,
                "CFDocument": rep.document(rows.document, self.urls()),
                "structuredContent": _grouped(selectors.item_tree(rows), rows.document),
            }
        )
