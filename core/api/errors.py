"""One JSON error format for every API surface: the OneRoster status payload.

OneRoster 1.2 (imsx_StatusInfoDType) is the richest standard error body any of our surfaces
speaks, so every 4xx/5xx answers it, with the offending field named in the description.
"""

import logging
import re
import sys

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as RuleViolation
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import csrf
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import NotVisible

logger = logging.getLogger(__name__)

CODE_MINOR_BY_STATUS = {
    400: "invaliddata",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    405: "invaliddata",
    409: "invaliddata",
    413: "invaliddata",
    415: "invaliddata",
    422: "invaliddata",
    429: "server_busy",
    500: "internal_server_error",
    503: "server_busy",
}

# The database restarting, unreachable or failing over, or a deadlock PostgreSQL broke: a
# moment's trouble, not the request's fault. Clients are told to retry (503, Retry-After),
# never a 500 they cannot tell from a bug; what they sent was stored whole or not at all.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 2


def status_payload(description: str, *, http_status: int, code_minor: str | None = None) -> dict:
    minor = code_minor or CODE_MINOR_BY_STATUS.get(http_status, "invaliddata")
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }


class OneRosterError(exceptions.APIException):
    """A client error with an explicit OneRoster code minor (e.g. invalid_filter_field);
    without one, the status's (a 404 is unknownobject, a 403 forbidden)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, description: str, *, code_minor: str | None = None, http_status: int = 400):
        super().__init__(description)
        self.code_minor = code_minor
        self.status_code = http_status


def describe_validation_errors(detail, prefix: str = "") -> str:
    """Flatten DRF's nested error detail into "field: message; other.field: message"."""
    if isinstance(detail, dict):
        parts = [
            describe_validation_errors(value, f"{prefix}.{key}" if prefix else str(key))
            for key, value in detail.items()
        ]
        return "; ".join(p for p in parts if p)
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            messages = " ".join(str(item) for item in detail)
            return f"{prefix}: {messages}" if prefix and prefix != "non_field_errors" else messages
        return "; ".join(
            describe_validation_errors(item, f"{prefix}[{i}]")
            for i, item in enumerate(detail)
            if item
        )
    return f"{prefix}: {detail}" if prefix and prefix != "non_field_errors" else str(detail)


def database_unavailable_response(request) -> JsonResponse:
    logger.warning(
        "Database unavailable on %s %s: answered 503", request.method, request.path, exc_info=True
    )
    response = json_error_response(
        request, 503, "The database is unavailable for a moment: retry this request."
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_UNAVAILABLE):
        return database_unavailable_response(context["request"])
    # Domain refusals (core.exceptions) carry no HTTP status: AccessDenied is a Django
    # PermissionDenied (403), NotVisible a 404.
    if isinstance(exc, Http404 | NotVisible):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "Forbidden.")
    elif isinstance(exc, RuleViolation):
        # A service's check_* refused the write (Django's ValidationError, keyed by field,
        # as the admin's forms and the CSV import read it): a 400 naming the field.
        exc = exceptions.ValidationError(get_error_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        description = "Invalid data: " + describe_validation_errors(exc.detail)
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        description = "Missing or invalid bearer token: get one from POST /auth/1.0/token with your client credentials."
    elif isinstance(exc.detail, dict):
        description = describe_validation_errors(exc.detail)
    else:
        description = str(exc.detail)
    code_minor = getattr(exc, "code_minor", None)
    body = status_payload(description, http_status=response.status_code, code_minor=code_minor)
    return Response(body, status=response.status_code, headers=_kept_headers(response))


def _kept_headers(response):
    return {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}


def json_error_response(request, http_status: int, description: str) -> JsonResponse:
    return JsonResponse(status_payload(description, http_status=http_status), status=http_status)


def handler404(request, exception=None):
    return json_error_response(request, 404, f"No such resource: {request.path}")


def handler500(request):
    # Called while the uncaught exception is handled: a database outage raised outside a DRF
    # view (middleware, a page) answers 503 too.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return database_unavailable_response(request)
    logger.error("Unhandled server error on %s %s", request.method, request.path)
    return json_error_response(request, 500, "Internal server error.")


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return json_error_response(request, 413, f"The request body is larger than {limit} bytes.")
    return json_error_response(request, 400, "Bad request.")


def handler403(request, exception=None):
    return json_error_response(request, 403, "Forbidden.")


# The first path segments of every API surface: their errors are JSON, whatever fails.
API_PATH = re.compile(
    r"^/?(ims|rostering|resources|gradebook|auth|oauth2|events|api|caliper|jobs|xp|analytics|insights"
    r"|edubridge|case)/"
)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a JSON 403 on API paths (their clients read JSON errors, and
    authenticate with bearer tokens, which need no CSRF token); Django's page elsewhere."""
    if API_PATH.match(request.path):
        return json_error_response(
            request,
            403,
            f"CSRF verification failed ({reason}). API clients send a bearer token "
            "(POST /auth/1.0/token), which needs no CSRF token.",
        )
    return csrf.csrf_failure(request, reason=reason)
