"""Intake while a backing service is down: the database answers 503 (retry with the same
key), and an unreachable cache (Redis) does not stop complaints from being filed."""

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint
from tests.backoffice.factories import CustomerWithLoginFactory
from tests.complaints.factories import ensure_reference_data

pytestmark = pytest.mark.django_db
BODY = {"category": "duplicate_charge", "description": "Charged twice.", "amount": "100.00",
        "currency": "HKD"}  # fmt: skip


@pytest.fixture
def client():
    ensure_reference_data()
    customer = CustomerWithLoginFactory()
    client = APIClient()
    client.force_authenticate(user=customer.user)
    return client


def test_database_unavailable_is_a_503_to_retry(client, monkeypatch):
    def lost(**kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(services, "complaint_file", lost)
    response = client.post("/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert response["Retry-After"] == "2"
    assert not Complaint.objects.exists()


def test_database_unavailable_message_is_translated(client, monkeypatch):
    def lost(**kwargs):
        raise OperationalError("connection failed")

    monkeypatch.setattr(services, "complaint_file", lost)
    response = client.post(
        "/api/v1/complaints/", BODY, format="json", HTTP_ACCEPT_LANGUAGE="zh-hant"
    )
    assert response.status_code == 503
    assert response.json()["error"]["message"] == "服務暫時無法使用。"


def test_intake_is_open_while_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }
    response = client.post("/api/v1/complaints/", BODY, format="json")
    assert response.status_code == 201, response.json()
    assert Complaint.objects.count() == 1
