"""`GET /analytics/1.0/users/{id}/remediation`: a student's hole-filling plans
(docs/hole-filling.md#read-back), open ones first, standards in plan order.

Scope `analytics.readonly`, like the other per-user read-backs (docs/api.md#partner-api):
an app reads the plans of the students it may see (rostering.access: enrolled in one of
its courses; everyone for a roster source); any other id answers 404, so ids do not leak."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core import scopes
from core.api.auth import HasScope, IsTokenAuthenticated, partner_app
from core.api.views import TimebackAPIView
from rostering import access

from .. import selectors

EXAMPLE = {
    "plans": [
        {
            "id": "7",
            "status": "open",
            "subject": "Mathematics",
            "course": {"sourcedId": "holefill-7"},
            "standards": [
                {
                    "identifier": "c408e8f1-da56-5415-992e-de8081580aae",
                    "humanCodingScheme": "DEMO.3.MUL.2",
                    "role": "prerequisite",
                    "mastered": True,
                    "lessons": [
                        {"sourcedId": "math-l2", "title": "Sharing equally", "mastered": True}
                    ],
                },
                {
                    "identifier": "df601e23-1d98-5b83-96a0-0714be8a6bf2",
                    "humanCodingScheme": "DEMO.3.MUL.3",
                    "role": "missed",
                    "mastered": False,
                    "lessons": [
                        {"sourcedId": "math-l3", "title": "Word problems", "mastered": False}
                    ],
                },
                {
                    "identifier": "ab4c4701-6f97-57a4-9ab0-f37579626f77",
                    "humanCodingScheme": "DEMO.3.FRA.1",
                    "role": "missed",
                    "mastered": False,
                    "lessons": [],
                },
            ],
            "contentGaps": [
                {
                    "identifier": "ab4c4701-6f97-57a4-9ab0-f37579626f77",
                    "humanCodingScheme": "DEMO.3.FRA.1",
                }
            ],
            "readyForRetest": False,
        }
    ]
}


class RemediationView(TimebackAPIView):
    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": [scopes.ANALYTICS_READONLY]}

    @extend_schema(
        operation_id="remediation_plans_retrieve",
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("A student with an open plan", value=EXAMPLE, response_only=True)],
        description="A student's hole-filling plans, open ones first: the standards missed on "
        "a mastery test, their unmastered prerequisites and children in plan order (role), "
        "each with the aligned lessons and whether the student mastered them, the content "
        "gaps (standards no lesson covers) and whether the student is ready to retest. "
        "`status` is `open`, `ready` (every lesson mastered) or `closed`; the plan's "
        'OneRoster course is `course.sourcedId`. `{"plans": []}` when the student has none.',
    )
    def get(self, request, user_id):
        visible = access.students_visible_to_app(partner_app(request))
        student = visible.filter(sourced_id=user_id).first()
        if student is None:
            raise NotFound(f"No student with sourcedId '{user_id}'.")
        return Response(selectors.remediation_json(student))
