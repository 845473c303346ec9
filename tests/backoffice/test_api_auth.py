"""Customers and integrating systems authenticate separately and never cross over."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.api.models import ServiceCredential
from backoffice.api.services import service_credential_create
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"
SERVICE = "/api/v1/service/transactions/"


def _login(api_client, username, password="pass-1234"):
    return api_client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def test_customer_logs_in_and_reads_own_profile(api_client):
    customer = CustomerWithLoginFactory(phone="13812345678")
    tokens = _login(api_client, customer.user.username).json()
    assert set(tokens) == {"access", "refresh"}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    profile = api_client.get(ME).json()
    assert profile["wallet_account_id"] == customer.wallet_account_id
    assert profile["phone"] == "13812345678"  # their own data, unmasked
    refreshed = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200 and "access" in refreshed.json()


def test_wrong_password_has_the_error_shape(api_client):
    customer = CustomerWithLoginFactory()
    response = _login(api_client, customer.user.username, "nope")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "authentication_failed"
    assert set(error) == {"code", "message", "hint", "fields"}


def test_staff_cannot_get_an_api_token(api_client):
    agent = staff_user("agent", username="agent-x")
    response = _login(api_client, agent.username)
    assert response.status_code == 401
    assert "access" not in response.json()


def test_customer_token_is_refused_by_the_service_api(api_client):
    customer = CustomerWithLoginFactory()
    access = _login(api_client, customer.user.username).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api_client.post(SERVICE, {"transactions": []}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_service_credential_cannot_act_as_a_customer(api_client):
    _, token = service_credential_create(name="payment-core")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    assert api_client.get(ME).status_code == 401
    response = api_client.post(SERVICE, {"transactions": []}, format="json")
    assert response.json()["error"]["code"] == "batch_empty"  # authenticated, then validated


@pytest.mark.parametrize(
    "header",
    ["Service nonsense", "Service abc.def", "Service a.b c", "Bearer not-a-jwt"],
)
def test_bad_credentials_are_refused(api_client, header):
    service_credential_create(name="payment-core")
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.post(SERVICE, {"transactions": []}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}


def test_revoked_service_credential_is_refused(api_client):
    credential, token = service_credential_create(name="payment-core")
    ServiceCredential.objects.filter(pk=credential.pk).update(is_active=False)
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    assert api_client.post(SERVICE, {"transactions": []}, format="json").status_code == 401


def test_expired_customer_token_says_so(api_client, settings):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    customer = CustomerWithLoginFactory()
    token = AccessToken.for_user(customer.user)
    token.set_exp(lifetime=-timedelta(minutes=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api_client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_not_valid"


@pytest.fixture
def idp(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.IDP_JWT_PUBLIC_KEY = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.IDP_JWT_ISSUER = "https://id.wallet.example"
    settings.IDP_JWT_AUDIENCE = "backoffice"

    def sign(sub, **claims):
        payload = {
            "sub": sub,
            "iss": "https://id.wallet.example",
            "aud": "backoffice",
            "exp": int(time.time()) + 300,
            **claims,
        }
        return jwt.encode(payload, key, algorithm="RS256")

    return sign


def test_identity_provider_rs256_token_is_accepted(api_client, idp):
    customer = CustomerWithLoginFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {idp(customer.wallet_account_id)}")
    response = api_client.get(ME)
    assert response.status_code == 200
    assert response.json()["wallet_account_id"] == customer.wallet_account_id


@pytest.mark.parametrize("claims", [{"iss": "https://evil.example"}, {"aud": "other"}, {"exp": 1}])
def test_identity_provider_token_claims_are_checked(api_client, idp, claims):
    customer = CustomerWithLoginFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {idp(customer.wallet_account_id, **claims)}")
    assert api_client.get(ME).status_code == 401


def test_identity_provider_token_cannot_call_the_service_api(api_client, idp):
    customer = CustomerWithLoginFactory()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {idp(customer.wallet_account_id)}")
    assert api_client.post(SERVICE, {"transactions": []}, format="json").status_code == 401


def test_rs256_tokens_are_ignored_when_no_key_is_configured(api_client, idp, settings):
    customer = CustomerWithLoginFactory()
    token = idp(customer.wallet_account_id)
    settings.IDP_JWT_PUBLIC_KEY = ""
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api_client.get(ME).status_code == 401


def test_customer_updates_preferences_with_history(api_client):
    customer = CustomerWithLoginFactory()
    api_client.force_authenticate(customer.user)
    response = api_client.patch(
        ME, {"preferred_channel": "sms", "language": "zh-hant"}, format="json"
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.preferred_channel, customer.language) == ("sms", "zh-hant")
    record = customer.history.first()
    assert record.history_user == customer.user
    assert record.history_change_reason == "preferences changed by the customer"


def test_bad_preferences_change_nothing(api_client):
    customer = CustomerWithLoginFactory()
    api_client.force_authenticate(customer.user)
    response = api_client.patch(ME, {"time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["time_zone"][0]["code"] == "invalid"
    response = api_client.patch(ME, {"preferred_channel": "pigeon"}, format="json")
    assert response.json()["error"]["fields"]["preferred_channel"][0]["code"] == "invalid_choice"
    customer.refresh_from_db()
    assert customer.time_zone == "Asia/Hong_Kong"


def test_a_token_reads_the_login_and_its_customer_in_one_query(api_client):
    customer = CustomerWithLoginFactory()
    access = _login(api_client, customer.user.username).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(ME).status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert '"customers_customer"' in queries[0]["sql"]


def test_a_token_of_an_inactive_or_deleted_login_is_refused(api_client):
    customer = CustomerWithLoginFactory()
    access = _login(api_client, customer.user.username).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    type(customer.user).objects.filter(pk=customer.user.pk).update(is_active=False)
    inactive = api_client.get(ME)
    customer.delete()
    customer.user.delete()
    deleted = api_client.get(ME)
    for response in (inactive, deleted):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "authentication_failed"
