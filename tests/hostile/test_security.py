"""Rate limits on the token and intake endpoints, security headers on every answer, HSTS
with production settings, attachments served as downloads with a safe content type, and
Django's own refusals (bad host) in the one error shape."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from complaints.models import Complaint
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.hostile.conftest import PNG, jwt_client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
BODY = {
    "category": "duplicate_charge",
    "description": "Charged twice.",
    "amount": "10.00",
    "currency": "HKD",
}
TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def rates(monkeypatch):
    """Small rates for one test (DRF reads the rates once at import: patch the class)."""

    def set_rates(**rates):
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
        cache.clear()

    yield set_rates
    cache.clear()


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code
    return error


def test_token_endpoint_is_rate_limited_per_client(rates):
    rates(token="3/min")
    customer = CustomerWithLoginFactory()
    client = APIClient()
    for _ in range(3):
        _refused(
            client.post(
                TOKEN, {"username": customer.user.username, "password": "no"}, format="json"
            ),
            401,
            "authentication_failed",
        )
    # The right password does not get through either: guessing is what is being slowed.
    right = {"username": customer.user.username, "password": "pass-1234"}
    response = client.post(TOKEN, right, format="json")
    error = _refused(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0 and "seconds" in error["hint"]
    _refused(client.post(TOKEN + "refresh/", {"refresh": "x"}, format="json"), 429, "throttled")


def test_token_endpoint_refuses_with_a_503_while_its_counter_is_unreachable(settings):
    """Logging in is how passwords are guessed: no counter, no unlimited attempts, but a
    clean answer the app retries, not a 500. Intake, by contrast, stays open."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    customer = CustomerWithLoginFactory()
    right = {"username": customer.user.username, "password": "pass-1234"}
    with translation.override("zh-hans"):
        response = APIClient().post(TOKEN, right, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    error = _refused(response, 503, "service_unavailable")
    assert response["Retry-After"] == "2"
    assert error["message"] == "服务暂时不可用。" and error["hint"]
    assert "access" not in response.json()


def test_intake_is_rate_limited_but_reading_is_not(rates):
    rates(intake="2/min")
    customer = CustomerWithLoginFactory()
    client = jwt_client(customer)
    assert [
        client.post("/api/v1/complaints/", BODY, format="json").status_code for _ in range(2)
    ] == [201, 201]
    _refused(client.post("/api/v1/complaints/", BODY, format="json"), 429, "throttled")
    assert Complaint.objects.filter(customer=customer).count() == 2
    assert client.get("/api/v1/complaints/").status_code == 200
    other = jwt_client(CustomerWithLoginFactory())  # another customer has their own budget
    assert other.post("/api/v1/complaints/", BODY, format="json").status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/schema/", "/admin/login/", "/healthz"])
def test_security_headers_on_api_admin_and_health(path):
    response = jwt_client(CustomerWithLoginFactory()).get(path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_hsts_on_https_answers_with_debug_off(client):
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


def test_production_settings_turn_on_https_and_hsts():
    """The real settings module with only the production environment variables set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(
        DJANGO_SETTINGS_MODULE="backoffice.settings.base",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x7$Kq9!vR2#mZ8@pL4^wN6&tY1*hB3(jD5)fG0-sA-long-random-key",
    )
    code = (
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, s.SECURE_CROSS_ORIGIN_OPENER_POLICY)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    expected = ["31536000", "True", "True", "True", "True", "DENY", "same-origin"]
    assert result.stdout.split() == expected


def test_attachment_is_a_download_with_its_sniffed_type(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    customer = CustomerWithLoginFactory()
    client = jwt_client(customer)
    reference = client.post("/api/v1/complaints/", BODY, format="json").json()["reference"]
    upload = SimpleUploadedFile("<img onerror=x>.html", PNG, content_type="text/html")
    sent = client.post(
        f"/api/v1/complaints/{reference}/messages/",
        {"body": "receipt", "attachments": [upload]},
        format="multipart",
    )
    assert sent.status_code == 201, sent.content
    url = sent.json()["attachments"][0]["url"]

    for reader in (client, _staff_client()):
        download = reader.get(url)
        assert download.status_code == 200
        assert download["Content-Type"] == "image/png"
        assert download["Content-Disposition"] == 'attachment; filename="img onerror_x.png"'
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Cache-Control"] == "private, no-store"
        assert b"".join(download.streaming_content) == PNG


def _staff_client() -> APIClient:
    client = APIClient()
    client.force_login(staff_user("agent"))
    return client


def test_bad_host_on_the_api_is_refused_in_the_error_shape(client):
    response = client.get("/api/v1/me/", HTTP_HOST="evil.example")
    _refused(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("name", "content_type", "saved_as"),
    [
        ("收据.pdf", "application/pdf", "收据.pdf"),
        ("receipt.PNG.exe", "image/png", "receipt.PNG.png"),
        ("../../etc/passwd", "application/pdf", "etc_passwd.pdf"),
        ('a";\r\nSet-Cookie: x=1.jpg', "image/jpeg", "a_Set-Cookie_ x_1.jpg"),
        ("\u202egpj.exe", "image/jpeg", "gpj.jpg"),
        ("...", "image/png", "attachment.png"),
    ],
)
def test_download_names_keep_only_safe_characters_and_the_real_extension(
    name, content_type, saved_as
):
    from complaints.services.messages import attachment_download_name

    assert attachment_download_name(name=name, content_type=content_type) == saved_as
