"""OneRoster 1.2 gradebook views: rostering's generic collection and object views over the
gradebook resource types, plus what only the gradebook binding has: nested parents scoped
to the calling app, and POSTs of a set (`{"lineItems": [...]}`, `{"results": [...]}`)
answering `sourcedIdPairs` for each.
"""

import uuid

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api.auth import partner_app
from core.api.errors import OneRosterError
from core.api.oneroster import CollectionView

MAX_SET = 1000


class GradebookCollectionView(CollectionView):
    """Rostering's collection view (a nested parent the app may not see answers 404), plus
    the POSTs of a set."""

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, **kwargs):
        items = request.data.get(self.resource.plural) if isinstance(request.data, dict) else None
        if items is None:
            return super().post(request, **kwargs)
        return self.post_set(items, kwargs)

    def post_set(self, items, kwargs):
        """Create every object of the set, or none: a bad one answers 400 naming it."""
        plural = self.resource.plural
        if not isinstance(items, list) or not 0 < len(items) <= MAX_SET:
            raise ValidationError({plural: f"must be a list of 1 to {MAX_SET} objects."})
        imposed = self.nested_body(self.find_parent(kwargs)) if self.parent is not None else None
        bodies = [
            self._validated_item(item, imposed, f"{plural}[{i}]") for i, item in enumerate(items)
        ]
        pairs = [
            (body.get("sourcedId"), body.get("sourcedId") or str(uuid.uuid4())) for body in bodies
        ]
        self._refuse_existing([allocated for _, allocated in pairs])
        app = partner_app(self.request)
        with transaction.atomic():
            for i, (body, (_, allocated)) in enumerate(zip(bodies, pairs, strict=True)):
                try:
                    self.resource.write(sourced_id=allocated, data=body, app=app, existing=None)
                except ValidationError as error:
                    raise ValidationError({f"{plural}[{i}]": error.detail}) from None
        return Response(
            {
                "sourcedIdPairs": [
                    {"suppliedSourcedId": supplied or allocated, "allocatedSourcedId": allocated}
                    for supplied, allocated in pairs
                ]
            },
            status=201,
        )

    def _validated_item(self, item, imposed, name):
        if not isinstance(item, dict):
            raise ValidationError({name: "must be a JSON object."})
        serializer = self.resource.input(data={**item, **(imposed or {})}, partial=True)
        if not serializer.is_valid():
            raise ValidationError({name: serializer.errors})
        return serializer.validated_data

    def _refuse_existing(self, sourced_ids):
        if len(set(sourced_ids)) != len(sourced_ids):
            raise ValidationError({self.resource.plural: "names the same sourcedId twice."})
        taken = self.resource.model._base_manager.filter(sourced_id__in=sourced_ids)
        first = taken.values_list("sourced_id", flat=True).first()
        if first is not None:
            raise OneRosterError(
                f"'{first}' already exists; PUT /{self.resource.plural}/{first} updates it.",
                http_status=409,
            )
