"""OneRoster 1.2 rostering views: core's generic collection and object views
(core.api.oneroster) over the resource types of `resources.py`, and the views only the
rostering binding has (class members, student agents).

The same views serve `/ims/oneroster/rostering/v1p2/` and the Partner API's `/rostering/1.0/`.
"""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.auth import partner_app
from core.api.oneroster import CollectionView, RosterView, refs_for

from .. import access
from ..models import EnrollmentRole, User
from . import resources as types
from . import writers
from .inputs import EnrollmentForClassInput


class ClassMembersView(CollectionView):
    """GET lists a class's students (or teachers); POST enrols a user in that role."""

    resource = types.USER
    role: str = EnrollmentRole.STUDENT

    @property
    def required_scopes(self):
        return {"GET": types.ROSTER_READ, "POST": types.ROSTER_WRITE}

    @extend_schema(request=EnrollmentForClassInput, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, **kwargs):
        klass = self.find_parent(kwargs)
        serializer = EnrollmentForClassInput(data=types.ENROLLMENT.unwrap(request.data))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        supplied = data.pop("sourcedId", None)
        sourced_id = supplied or f"{klass.sourced_id}:{data['user']}:{self.role}"
        existing = types.ENROLLMENT.model.objects.filter(sourced_id=sourced_id).first()
        with transaction.atomic():
            obj, _ = writers.write_enrollment(
                sourced_id=sourced_id,
                data={**data, "class": klass.sourced_id, "role": self.role},
                app=partner_app(request),
                existing=existing,
            )
        enrollment = types.ENROLLMENT.queryset().get(pk=obj.pk)
        return Response(
            {
                "sourcedIdPairs": {
                    "suppliedSourcedId": supplied or sourced_id,
                    "allocatedSourcedId": sourced_id,
                },
                "enrollment": types.ENROLLMENT.represent(enrollment, refs_for(request)),
            },
            status=201,
        )


class StudentAgentView(RosterView):
    """PUT /students/{id}/agents/{agentId}: link a guardian or parent (sandbox scaffolding)."""

    resource = types.USER

    @property
    def required_scopes(self):
        return {"PUT": types.ROSTER_WRITE}

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def put(self, request, sourced_id, agent_id):
        access.require_may_scaffold(partner_app(request))
        users = self.visible(User.objects.all())  # a user the app cannot see is 404
        student = users.filter(sourced_id=sourced_id).first()
        agent = users.filter(sourced_id=agent_id).first()
        if student is None or agent is None:
            raise NotFound(
                f"No user with sourcedId '{sourced_id if student is None else agent_id}'."
            )
        created = writers.link_agent(student=student, agent=agent, app=partner_app(request))
        return Response(
            {"user": self.represent(self.reread(student))}, status=201 if created else 200
        )
