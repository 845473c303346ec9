"""Gives each request an id (returned as X-Request-ID) and logs every API request."""

import logging
import re
import time
import uuid

from backoffice.core.logging import request_id_var

logger = logging.getLogger("backoffice.api.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            if request.path.startswith("/api/"):
                self._log(request, response, started)
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _log(request, response, started: float) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        error_code = getattr(request, "api_error_code", "")
        logger.info(
            "%s %s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            error_code or "-",
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "error_code": error_code,
                "duration_ms": duration_ms,
            },
        )
