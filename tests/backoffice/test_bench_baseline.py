"""The benchmarks' plain-DRF baseline endpoint exists only with BENCH_BASELINE=true."""

import importlib

import pytest
from django.urls import clear_url_caches
from rest_framework_simplejwt.tokens import RefreshToken

import backoffice.urls
from backoffice.benchbaseline.models import BaselineComplaint
from tests.backoffice.factories import CustomerWithLoginFactory

pytestmark = pytest.mark.django_db
URL = "/api/bench/baseline/"


def _reload_urls() -> None:
    importlib.reload(backoffice.urls)
    clear_url_caches()


@pytest.fixture
def baseline_on(settings):
    settings.BENCH_BASELINE = True
    _reload_urls()
    yield
    settings.BENCH_BASELINE = False
    _reload_urls()


def _as_customer(api_client):
    customer = CustomerWithLoginFactory()
    token = RefreshToken.for_user(customer.user).access_token
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return customer


def test_absent_by_default(api_client):
    _as_customer(api_client)
    response = api_client.post(URL, {"text": "charged twice"}, format="json")
    assert response.status_code == 404
    assert BaselineComplaint.objects.count() == 0


def test_inserts_one_row_when_enabled(api_client, baseline_on):
    customer = _as_customer(api_client)
    response = api_client.post(URL, {"text": "charged twice"}, format="json")
    assert response.status_code == 201, response.content
    row = BaselineComplaint.objects.get()
    assert (row.customer, row.text) == (customer, "charged twice")
    assert response.json()["id"] == row.pk


def test_enabled_still_needs_a_customer(api_client, baseline_on):
    response = api_client.post(URL, {"text": "charged twice"}, format="json")
    assert response.status_code == 401
    assert BaselineComplaint.objects.count() == 0
