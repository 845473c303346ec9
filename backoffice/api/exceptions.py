"""One error shape for every API error: {"error": {"code", "message", "hint", "fields"}}."""

import logging
from typing import Any

from django.core.exceptions import (
    PermissionDenied as DjangoPermissionDenied,
)
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from backoffice.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def _hint(code: str) -> str:
    hints = {
        "not_authenticated": _("Send an access token: Authorization: Bearer <token>."),
        "authentication_failed": _("Check the credentials, or log in again."),
        "token_not_valid": _("The token expired or is not valid; refresh it or log in again."),
        "permission_denied": _("This account may not use this endpoint."),
        "not_found": _("Check the identifier; you can only see your own records."),
        "method_not_allowed": _("See /api/docs/ for the methods this endpoint accepts."),
        "unsupported_media_type": _("Send JSON with Content-Type: application/json."),
        "malformed_request": _("The body is not valid JSON; check quotes, commas and braces."),
        "throttled": _("Too many requests; wait before trying again."),
        "validation_error": _("Correct the fields listed and send the request again."),
        "not_acceptable": _("Ask for application/json."),
    }
    return hints.get(code, "")


def _field_details(detail: Any) -> Any:
    """DRF's nested error details as {field: [{"code", "message"}]}, lists kept as lists."""
    if isinstance(detail, dict):
        return {str(k): _field_details(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(d, exceptions.ErrorDetail) for d in detail):
            return [{"code": d.code, "message": str(d)} for d in detail]
        return [_field_details(d) for d in detail]
    if isinstance(detail, exceptions.ErrorDetail):
        return [{"code": detail.code, "message": str(detail)}]
    return detail


_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", 401),
    exceptions.AuthenticationFailed: ("authentication_failed", 401),
    exceptions.PermissionDenied: ("permission_denied", 403),
    exceptions.NotFound: ("not_found", 404),
    exceptions.MethodNotAllowed: ("method_not_allowed", 405),
    exceptions.NotAcceptable: ("not_acceptable", 406),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", 415),
    exceptions.ParseError: ("malformed_request", 400),
    exceptions.Throttled: ("throttled", 429),
    exceptions.ValidationError: ("validation_error", 400),
}


def error_body(code: str, message: str, hint: str = "", fields: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "hint": hint, "fields": fields or {}}}


def _database_unavailable(exc: Exception) -> Response:
    """The database cannot be reached (restart, fail-over, connection lost): a 503 the
    apps retry, with the same Idempotency-Key, rather than a 500."""
    logger.warning("database unavailable: %s", exc)
    body = error_body(
        "service_unavailable",
        _("The service is briefly unavailable."),
        _("Try again in a few seconds; send the same Idempotency-Key again."),
    )
    return Response(body, status=503, headers={"Retry-After": "2"})


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    request = context.get("request")
    if isinstance(exc, OperationalError | InterfaceError):
        response, code = _database_unavailable(exc), "service_unavailable"
    elif isinstance(exc, ApplicationError):
        response = Response({"error": exc.as_dict()}, status=exc.status)
        code = exc.code
        if exc.status == 503:
            response["Retry-After"] = "2"
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied()
        elif isinstance(exc, InvalidToken | TokenError):
            exc = exceptions.AuthenticationFailed(_("The token expired or is not valid."))
            exc.default_code = "token_not_valid"
        response = drf_exception_handler(exc, context)
        if response is None:
            return None  # a real server error: Django's handler500 answers in the same shape
        code, status = next(
            (v for cls, v in _CODES.items() if isinstance(exc, cls)),
            ("error", response.status_code),
        )
        if getattr(exc, "default_code", "") == "token_not_valid":
            code = "token_not_valid"
        if isinstance(exc, exceptions.ValidationError):
            message, fields = _("Some of the data sent is not valid."), _field_details(exc.detail)
            if isinstance(fields, list):
                fields = {"non_field_errors": fields}
        else:
            message, fields = str(exc.detail), {}
        hint = _hint(code)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            hint = _("Too many requests; try again in %d seconds.") % int(exc.wait)
        response.data = error_body(code, message, hint, fields)
        response.status_code = status
    if request is not None:
        request._request.api_error_code = code
    return response


def json_not_found(request, exception=None) -> JsonResponse:
    if request.path.startswith("/api/"):
        request.api_error_code = "not_found"
        return JsonResponse(
            error_body("not_found", _("Not found."), _hint("not_found")), status=404
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_bad_request(request, exception=None) -> JsonResponse:
    """Django's own refusals (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or
    files, a suspicious request) in the one error shape on /api/."""
    if not request.path.startswith("/api/"):
        from django.views.defaults import bad_request

        return bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        code, status = "request_too_large", 413
        body = error_body(
            code,
            _("The request is too large."),
            _("Send less data: shorter texts, fewer or smaller files."),
        )
    else:
        code, status = "bad_request", 400
        body = error_body(code, _("The request could not be understood."))
    request.api_error_code = code
    return JsonResponse(body, status=status)


def json_server_error(request) -> JsonResponse:
    if request.path.startswith("/api/"):
        request.api_error_code = "server_error"
        return JsonResponse(
            error_body(
                "server_error",
                _("Something went wrong on our side."),
                _("Try again later; quote the X-Request-ID header if you contact support."),
            ),
            status=500,
        )
    from django.views.defaults import server_error

    return server_error(request)
