"""Generic OneRoster 1.2 views over a `ResourceType` (core.api.resources): collections with
filter, sort, fields, search and paging; objects read, put and deleted by sourcedId.

Thin: parse the query or body, authorize (scope here; who may see or write what in the
type's own rules), call the type's selector or writer, render. Every OneRoster surface
(rostering, gradebook, the Partner API's mirrors) is these views over its types.
"""

import uuid

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from .auth import HasScope, IsTokenAuthenticated, partner_app
from .errors import OneRosterError
from .query import CollectionQuery, Page, paging_links, parse_selection, without_deleted
from .representations import Refs
from .resources import ResourceType
from .views import TimebackAPIView

COLLECTION_PARAMETERS = [
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description="Page size (default 100, capped at 3000)."
    ),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip."),
    OpenApiParameter("sort", OpenApiTypes.STR, description="Field to sort by, e.g. familyName."),
    OpenApiParameter("orderBy", OpenApiTypes.STR, enum=["asc", "desc"]),
    OpenApiParameter(
        "filter",
        OpenApiTypes.STR,
        description="OneRoster filter, e.g. `familyName='Smith' AND roles.role='student'`; "
        "operators = != > >= < <= ~ joined by AND / OR.",
    ),
    OpenApiParameter(
        "fields", OpenApiTypes.STR, description="Comma-separated properties to return."
    ),
    OpenApiParameter(
        "search", OpenApiTypes.STR, description="Free text over the main name fields."
    ),
]
REFS_BASE = "/ims/oneroster"
MAX_SOURCED_ID = 255  # OneRosterFields.sourced_id


def paged_response(request, keyed: dict, page: Page, **extra) -> Response:
    """`{key: [...], ..., totalCount, pageCount, pageNumber, offset, limit}` with X-Total-Count
    and RFC 8288 Link headers, as every collection of every API surface answers."""
    body = {
        **keyed,
        **extra,
        "totalCount": page.total,
        "pageCount": page.page_count,
        "pageNumber": page.page_number,
        "offset": page.offset,
        "limit": page.limit,
    }
    headers = {"X-Total-Count": str(page.total), "Link": paging_links(request, page)}
    return Response(body, headers=headers)


def refs_for(request) -> Refs:
    return Refs(request.build_absolute_uri(REFS_BASE))


def project(data: dict, selection: list[str] | None) -> dict:
    if selection is None:
        return data
    return {k: data[k] for k in selection if k in data}


class RosterView(TimebackAPIView):
    # Configured per route with `resource` (a ResourceType) and optional `parent`.

    permission_classes = [IsTokenAuthenticated, HasScope]
    resource: ResourceType = None
    # For nested collections: (find the parent object the caller may see from the URL kwargs
    # and its app, rows of that parent).
    parent = None

    @property
    def required_scopes(self):
        return self.resource.required_scopes()

    def represent(self, obj, selection=None):
        return project(self.resource.represent(obj, refs_for(self.request)), selection)

    def visible(self, queryset):
        """The rows of `queryset` the calling app may see (the type's `visible` rule)."""
        return self.resource.visible_to(queryset, partner_app(self.request))

    def reread(self, obj):
        """The object again through the resource queryset, with what its representer reads."""
        return self.resource.queryset().get(pk=obj.pk)

    def validated_body(self, imposed=None):
        data = {
            **self.resource.with_forced(self.resource.unwrap(self.request.data)),
            **(imposed or {}),
        }
        serializer = self.resource.input(data=data, partial=True)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CollectionView(RosterView):
    # For nested collections that take POST: the body values the parent imposes.
    nested_body = None

    def find_parent(self, kwargs):
        parent_obj = self.parent[0](kwargs, partner_app(self.request))
        if parent_obj is None:
            raise NotFound("No such object: " + ", ".join(f"'{v}'" for v in kwargs.values()) + ".")
        return parent_obj

    def get_queryset(self, kwargs):
        if self.parent is None:
            return self.visible(self.resource.queryset())
        return self.visible(self.parent[1](self.find_parent(kwargs)))

    @extend_schema(parameters=COLLECTION_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request, **kwargs):
        params = request.query_params
        selection = parse_selection(params.get("fields"), list(self.resource.output_fields))
        query = CollectionQuery(self.resource.fields, list(self.resource.search))
        rows = without_deleted(self.get_queryset(kwargs), params)
        page = query.paginate(query.apply(rows, params), params)
        items = [self.represent(o, selection) for o in page.items]
        return paged_response(request, self.resource.keyed(items, many=True), page)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, **kwargs):
        if self.resource.write is None or (self.parent is not None and self.nested_body is None):
            raise OneRosterError("This collection cannot be written.", http_status=405)
        imposed = self.nested_body(self.find_parent(kwargs)) if self.parent is not None else None
        data = self.validated_body(imposed)
        supplied = data.get("sourcedId")
        sourced_id = supplied or str(uuid.uuid4())
        if self.resource.model._base_manager.filter(sourced_id=sourced_id).exists():
            raise OneRosterError(
                f"'{sourced_id}' already exists; PUT /{self.resource.plural}/{sourced_id} updates it.",
                http_status=409,
            )
        with transaction.atomic():
            obj, _ = self.resource.write(
                sourced_id=sourced_id, data=data, app=partner_app(request), existing=None
            )
        return Response(
            {
                "sourcedIdPairs": {
                    "suppliedSourcedId": supplied or sourced_id,
                    "allocatedSourcedId": sourced_id,
                },
                **self.resource.keyed(self.represent(self.reread(obj)), many=False),
            },
            status=201,
        )


class ObjectView(RosterView):
    def get_object(self, sourced_id):
        obj = self.visible(self.resource.queryset()).filter(sourced_id=sourced_id).first()
        if obj is None:
            raise NotFound(f"No {self.resource.singular} with sourcedId '{sourced_id}'.")
        return obj

    @extend_schema(
        parameters=[OpenApiParameter("fields", OpenApiTypes.STR)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, sourced_id):
        selection = parse_selection(
            request.query_params.get("fields"), list(self.resource.output_fields)
        )
        return Response(
            self.resource.keyed(self.represent(self.get_object(sourced_id), selection), many=False)
        )

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT}
    )
    def put(self, request, sourced_id):
        if self.resource.write is None:
            raise OneRosterError("This object cannot be written.", http_status=405)
        if len(sourced_id) > MAX_SOURCED_ID:
            raise ValidationError({"sourcedId": f"must be at most {MAX_SOURCED_ID} characters."})
        data = self.validated_body()
        if data.get("sourcedId") not in (None, sourced_id):
            raise ValidationError(
                {
                    "sourcedId": f"the body names '{data['sourcedId']}' but the URL names '{sourced_id}'."
                }
            )
        existing = self.resource.model._base_manager.filter(sourced_id=sourced_id).first()
        if existing is not None and not self.resource.queryset().filter(pk=existing.pk).exists():
            raise OneRosterError(
                f"'{sourced_id}' exists but is not a {self.resource.singular}.", http_status=409
            )
        with transaction.atomic():
            obj, created = self.resource.write(
                sourced_id=sourced_id, data=data, app=partner_app(request), existing=existing
            )
        return Response(
            self.resource.keyed(self.represent(self.reread(obj)), many=False),
            status=201 if created else 200,
        )

    @extend_schema(responses={204: None})
    def delete(self, request, sourced_id):
        if self.resource.write is None:
            raise OneRosterError("This object cannot be deleted.", http_status=405)
        obj = self.get_object(sourced_id)
        with transaction.atomic():
            self.resource.delete_as(partner_app(request), obj)
        return Response(status=204)
