"""Caliper 1.2 ingestion endpoint (docs/events.md): thin; the work is in events.services."""

import functools
import uuid
from datetime import UTC, date, datetime, time
from types import SimpleNamespace

import orjson
from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from core import scopes
from core.api.auth import HasScope, IsTokenAuthenticated, partner_app, remembered_token
from core.api.errors import (
    DATABASE_UNAVAILABLE,
    OneRosterError,
    database_unavailable_response,
    status_payload,
)
from core.api.views import TimebackAPIView

from .. import caliper, jobs, selectors, services

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


class CaliperNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, with the answer for what Caliper senders send (no Accept,
    `*/*` or `application/json`; no query string, so no `?format=`) given at once: the one
    JSON renderer with `application/json`, what DRF's loop over the Accept list picks for
    those. Anything else goes through DRF's (a 406 for `text/html`, a 404 for a format
    the view does not render). ~60 µs of a single-event POST (issue 16)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            format_suffix is None
            and len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and request.META.get("HTTP_ACCEPT", "*/*") in ("*/*", "application/json")
            and not request.META.get("QUERY_STRING")
        ):
            return renderers[0], "application/json"
        return super().select_renderer(request, renderers, format_suffix)


class RawJSONParser(BaseParser):
    """Accepts application/json without parsing: the service parses once, with orjson."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


def require_json(request) -> None:
    if request.content_type.split(";")[0].strip() != "application/json":
        raise OneRosterError(
            "Send the envelope as Content-Type: application/json.", http_status=415
        )
    request.data  # noqa: B018 - lets DRF answer 415 for other media types


class CaliperEventsView(TimebackAPIView):
    permission_classes = [IsTokenAuthenticated, HasScope]
    parser_classes = [RawJSONParser]
    required_scopes = {"POST": [scopes.EVENTS_WRITE], "GET": [scopes.EVENTS_WRITE]}
    content_negotiation_class = CaliperNegotiation

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("An ActivityEvent", value=EXAMPLE_ENVELOPE, request_only=True)],
        description="Send a Caliper 1.2 envelope. Answers {jobId, accepted, duplicates, rejected: "
        "[{index, id, errors}]}; accepted events are stored before the answer and processed by "
        "workers; GET /jobs/{jobId}/status follows their processing.",
    )
    def post(self, request, *args, **kwargs):
        require_json(request)
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


# The headers DRF's answer carries (APIView.default_response_headers: the methods the view
# has; Vary only with several renderers), so that a lean answer is the same answer.
def _drf_headers() -> dict:
    view = CaliperEventsView()
    view.setup(None)  # as dispatch does: HEAD answered by GET
    return view.default_response_headers


_DRF_HEADERS = _drf_headers()
_ACCEPTED_AS_JSON = ("*/*", "application/json")


def _lean_post(request):
    """The usual event POST without DRF's request, negotiation, renderer and exception
    handling (~0.6 ms of a request's CPU, issue 16): a bearer token the cache remembers (the
    token DRF's authentication would accept from the same cache entry) and allowed by the
    same permission classes, a JSON body, an Accept DRF would answer with JSON, no query.
    Answers None for anything else, and the request then goes through the DRF view, which
    answers it as it always has (401, 403, 406, 413, 415, ... and fills the token cache)."""
    meta = request.META
    if (
        meta.get("QUERY_STRING")
        or meta.get("HTTP_ACCEPT", "*/*") not in _ACCEPTED_AS_JSON
        or meta.get("CONTENT_TYPE", "").split(";")[0].strip() != "application/json"
    ):
        return None
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    remembered = remembered_token(request)
    if remembered is None:
        return None
    token, app = remembered
    drf_like = SimpleNamespace(auth=token, method="POST")
    if not (
        IsTokenAuthenticated().has_permission(drf_like, CaliperEventsView)
        and HasScope().has_permission(drf_like, CaliperEventsView)
    ):
        return None
    try:
        answer = services.ingest(app=app, body=request.body)
    except caliper.EnvelopeError as error:
        return _json(status_payload(error.message, http_status=error.status), error.status)
    except DATABASE_UNAVAILABLE:
        logged = database_unavailable_response(request)  # the warning and the payload
        response = _json(orjson.loads(logged.content), 503)
        response["Retry-After"] = logged["Retry-After"]
        return response
    return _json(answer.body(), 200)


def _json(body: dict, status: int) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(body), content_type="application/json", status=status, headers=_DRF_HEADERS
    )


def _caliper_events_view():
    drf_view = CaliperEventsView.as_view()

    def view(request, *args, **kwargs):
        if request.method == "POST":
            response = _lean_post(request)
            if response is not None:
                return response
        return drf_view(request, *args, **kwargs)

    # DRF's view attributes (csrf_exempt, cls, initkwargs: the schema generator reads them).
    return functools.update_wrapper(view, drf_view)


caliper_events_view = _caliper_events_view()


# Reading back needs either scope: an app that may send events may follow and read them.
READ_SCOPES = [scopes.EVENTS_WRITE, scopes.ANALYTICS_READONLY]


class CaliperValidateView(TimebackAPIView):
    """`POST /caliper/event/validate`: the checks of a send, nothing stored."""

    permission_classes = [IsTokenAuthenticated, HasScope]
    parser_classes = [RawJSONParser]
    required_scopes = {"POST": [scopes.EVENTS_WRITE]}
    content_negotiation_class = CaliperNegotiation

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="Validate a Caliper envelope as a send would, storing nothing. Answers "
        "{status: success|error, message, errors: [{index, id, errors}]}.",
    )
    def post(self, request, *args, **kwargs):
        require_json(request)
        try:
            checked = services.check(
                app=partner_app(request), body=request.body, envelope_id=uuid.uuid4()
            )
        except caliper.EnvelopeError as error:
            if error.status == 400 and error.message.startswith("The body is not valid JSON"):
                raise OneRosterError(error.message) from None
            return Response(
                {
                    "status": "error",
                    "message": error.message,
                    "errors": [{"errors": [error.message]}],
                }
            )
        rejected = checked.rejected()
        if rejected:
            message = f"{len(rejected)} of {len(checked.rows) + len(rejected) + checked.duplicates} events would be rejected."
            return Response({"status": "error", "message": message, "errors": rejected})
        return Response(
            {"status": "success", "message": f"{len(checked.rows)} events are valid.", "errors": []}
        )


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


STORED_EVENT_ENTITIES = (
    "actor",
    "object",
    "generated",
    "target",
    "referrer",
    "edApp",
    "group",
    "membership",
    "session",
    "federatedSession",
    "extensions",
)


def stored_event(event, envelope) -> dict:
    """An accepted event as the official clients' StoredEvent reads it."""
    raw = event.raw if isinstance(event.raw, dict) else {}
    return {
        "id": event.pk,
        "externalId": event.event_id,
        "sensor": envelope.sensor if envelope else "",
        "type": event.type,
        "profile": raw.get("profile"),
        "action": raw.get("action", event.action),
        "eventTime": raw.get("eventTime") or _iso(event.event_time),
        "sendTime": _iso(envelope.sent_at if envelope and envelope.sent_at else event.received_at),
        "created_at": _iso(event.received_at),
        "updated_at": _iso(event.processed_at or event.received_at),
        "deleted_at": None,
        **{key: raw.get(key) for key in STORED_EVENT_ENTITIES},
        "clientAppId": str(event.partner_app_id),
        "status": event.status,
    }


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise OneRosterError(f"{name}: must be a whole number from {low} to {high}, not {value!r}.")
    return number


def _date_param(request, name: str, end_of_day: bool):
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    moment = caliper.parse_datetime(value)
    if moment is None:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise OneRosterError(
                f"{name}: {value!r} is not a date (2026-11-21) or a date-time with a time zone."
            ) from None
        moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
    return moment


def _text_param(request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


MAX_EVENTS_PAGE = 1000


class StoredEventsView(TimebackAPIView):
    """`GET /caliper/events`: the calling app's own events, paginated."""

    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": READ_SCOPES}

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The app's own accepted events, oldest first: {events, pagination: {total, "
        "totalPages, currentPage, limit}}. Filters: sensor, startDate, endDate (event time), "
        "actorId, actorEmail; paging: limit (1-1000, default 100), offset.",
    )
    def get(self, request, *args, **kwargs):
        limit = _int_param(request, "limit", 100, 1, MAX_EVENTS_PAGE)
        offset = _int_param(request, "offset", 0, 0, 10**9)
        filters = selectors.EventFilters(
            sensor=_text_param(request, "sensor"),
            start=_date_param(request, "startDate", end_of_day=False),
            end=_date_param(request, "endDate", end_of_day=True),
            actor_id=_text_param(request, "actorId"),
            actor_email=_text_param(request, "actorEmail"),
        )
        events = selectors.events_of_app(partner_app(request), filters)
        total = events.count()
        page = list(events[offset : offset + limit])
        envelopes = selectors.envelopes_by_id(page)
        return Response(
            {
                "events": [stored_event(e, envelopes.get(e.envelope_id)) for e in page],
                "pagination": {
                    "total": total,
                    "totalPages": -(-total // limit),
                    "currentPage": offset // limit + 1,
                    "limit": limit,
                },
            }
        )


class StoredEventView(TimebackAPIView):
    """`GET /caliper/events/{externalId}`: one of the app's events, by the id it sent."""

    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": READ_SCOPES}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="{event: StoredEvent}.")
    def get(self, request, event_id, *args, **kwargs):
        event = selectors.event_of_app(partner_app(request), event_id)
        if event is None:
            raise NotFound(f"No event '{event_id}' sent by this app.")
        envelope = selectors.envelopes_by_id([event]).get(event.envelope_id)
        return Response({"event": stored_event(event, envelope)})


class JobStatusView(TimebackAPIView):
    """`GET /jobs/{id}/status`: the processing state of an envelope the app sent."""

    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": READ_SCOPES}

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="{job: {id, state: waiting|active|completed|failed, returnValue, "
        "processedOn}}; the job id is the jobId a send answered.",
    )
    def get(self, request, job_id, *args, **kwargs):
        status = jobs.status_of(partner_app(request), job_id)
        if status is None:
            raise NotFound(f"No job '{job_id}' of this app.")
        return Response(status.body())
