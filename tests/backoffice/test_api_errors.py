"""Every API error has one shape, and every API request is logged with its request id."""

import json
import logging

import pytest
from django.test import Client

from backoffice.api.services import service_credential_create
from tests.backoffice.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db
SERVICE = "/api/v1/service/transactions/"


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "hint", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture
def service(api_client):
    _, token = service_credential_create(name="core")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    return api_client


def test_not_authenticated(api_client):
    error = assert_error_shape(api_client.get("/api/v1/me/"), 401, "not_authenticated")
    assert "Bearer" in error["hint"]


def test_unknown_api_path_is_json_404(client):
    assert_error_shape(client.get("/api/v1/does-not-exist/"), 404, "not_found")


def test_malformed_json(service):
    response = service.post(SERVICE, "{not json", content_type="application/json")
    assert_error_shape(response, 400, "malformed_request")


def test_nan_is_not_json(service):
    response = service.post(SERVICE, '{"transactions": NaN}', content_type="application/json")
    assert_error_shape(response, 400, "malformed_request")


def test_wrong_content_type(service):
    response = service.post(SERVICE, "a=b", content_type="application/x-www-form-urlencoded")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_method_not_allowed(service):
    assert_error_shape(service.get(SERVICE), 405, "method_not_allowed")


def test_field_validation_errors_are_listed(api_client):
    customer = CustomerWithLoginFactory()
    api_client.force_authenticate(customer.user)
    response = api_client.patch("/api/v1/me/", {"language": "klingon"}, format="json")
    error = assert_error_shape(response, 400, "validation_error")
    assert error["fields"]["language"][0]["code"] == "invalid_choice"
    assert error["hint"]


def test_throttled_token_endpoint(api_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    # DRF reads the rates once at import; patch the class the views use.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    cache.clear()
    for _ in range(2):
        api_client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
    )
    error = assert_error_shape(response, 429, "throttled")
    assert "seconds" in error["hint"]
    cache.clear()


def test_server_error_is_json_with_the_request_id(settings, caplog):
    settings.ROOT_URLCONF = "tests.backoffice.urls_crash"
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/crash/", HTTP_X_REQUEST_ID="req-12345678")
    error = assert_error_shape(response, 500, "server_error")
    assert "X-Request-ID" in error["hint"]
    assert response["X-Request-ID"] == "req-12345678"


def test_request_id_is_generated_returned_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="backoffice.api.requests"):
        response = client.get("/api/v1/me/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    record = next(r for r in caplog.records if r.name == "backoffice.api.requests")
    assert record.request_id == request_id
    assert (record.method, record.path, record.status) == ("GET", "/api/v1/me/", 401)
    assert record.error_code == "not_authenticated"
    assert record.duration_ms >= 0


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123_XYZ.9")["X-Request-ID"] == (
        "abc-123_XYZ.9"
    )
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_json_log_lines_carry_request_id_and_mask_pii():
    from django.conf import settings

    from backoffice.core.logging import MaskPIIFilter, RequestIdFilter, request_id_var

    formatter_config = settings.LOGGING["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        formatter_config["format"], rename_fields=formatter_config["rename_fields"]
    )
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "call from %s", ("13812345678",), None
    )
    token = request_id_var.set("rid-42")
    try:
        RequestIdFilter().filter(record)
        MaskPIIFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "rid-42"
    assert line["message"] == "call from 138****5678"
    assert line["level"] == "INFO"
