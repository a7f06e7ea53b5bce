"""Caliper 1.2 ingestion endpoint (SPEC §4.2): thin; the work is in events.services."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from rostering import scopes
from timeback.api.auth import HasScope, IsTokenAuthenticated, partner_app
from timeback.api.errors import OneRosterError
from timeback.api.views import TimebackAPIView

from .. import caliper, services

EXAMPLE_ENVELOPE = {
    "sensor": "https://your-app.example",
    "sendTime": "2026-11-18T10:15:00Z",
    "dataVersion": caliper.DATA_VERSION,
    "data": [
        {
            "@context": caliper.DATA_VERSION,
            "id": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
            "type": "ActivityEvent",
            "profile": "TimebackProfile",
            "eventTime": "2026-11-18T10:15:00Z",
            "action": "Completed",
            "actor": {
                "id": "https://timeback.example/ims/oneroster/rostering/v1p2/users/student-123",
                "type": "TimebackUser",
            },
            "object": {
                "id": "fractions-quiz",
                "type": "TimebackActivityContext",
                "activity": {"id": "fractions-quiz"},
                "course": {"id": "math-grade-5"},
            },
            "generated": {
                "id": "metrics-123",
                "type": "TimebackActivityMetricsCollection",
                "attempt": 1,
                "items": [
                    {"type": "totalQuestions", "value": 10},
                    {"type": "correctQuestions", "value": 8},
                    {"type": "xpEarned", "value": 12},
                ],
            },
        }
    ],
}


class RawJSONParser(BaseParser):
    """Accepts application/json without parsing: the service parses once, with orjson."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


class CaliperEventsView(TimebackAPIView):
    permission_classes = [IsTokenAuthenticated, HasScope]
    parser_classes = [RawJSONParser]
    required_scopes = {"POST": [scopes.EVENTS_WRITE], "GET": [scopes.EVENTS_WRITE]}

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("An ActivityEvent", value=EXAMPLE_ENVELOPE, request_only=True)],
        description="Send a Caliper 1.2 envelope. Answers {accepted, duplicates, rejected: [{index, id, errors}]}; "
        "accepted events are stored before the answer and processed by workers.",
    )
    def post(self, request, *args, **kwargs):
        if request.content_type.split(";")[0].strip() != "application/json":
            raise OneRosterError(
                "Send the envelope as Content-Type: application/json.", http_status=415
            )
        request.data  # noqa: B018 - lets DRF answer 415 for other media types
        try:
            answer = services.ingest(app=partner_app(request), body=request.body)
        except caliper.EnvelopeError as error:
            raise OneRosterError(error.message, http_status=error.status) from None
        return Response(answer.body())

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The endpoint's configuration (Caliper 1.2 §4.2).",
    )
    def get(self, request, *args, **kwargs):
        return Response(
            {
                "caliper_maximum_payload_size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
                "caliper_supported_extensions": {
                    "endpoint_name": "Timeback",
                    "profiles": ["TimebackProfile", "AggregationProfile"],
                },
                "caliper_supported_versions": [caliper.DATA_VERSION],
                "caliperSupportedVersions": [caliper.DATA_VERSION],
                "maxEventsPerEnvelope": settings.CALIPER_MAX_EVENTS_PER_ENVELOPE,
            }
        )
