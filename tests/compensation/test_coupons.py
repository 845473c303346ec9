"""Acceptance 10 (sequential part): coupons are single use, expire exactly at their
expiry time, and refuse foreign customers, other currencies and small payments, each with
its own code; fee waivers are consumed atomically and never go below zero."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from backoffice.api.services import service_credential_create
from compensation import services
from compensation.models import COUPON_ALPHABET, Coupon, FeeWaiver
from tests.backoffice.factories import CustomerWithLoginFactory
from tests.compensation.factories import (
    activate_policy,
    coupon_rule,
    duplicate_charge_complaint,
    fee_waiver_rule,
    quoted,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def granted(run_on_commit):
    """A customer holding a HKD 60 coupon (minimum spend 100) and a HKD 15 fee waiver
    for the next two transfers."""
    activate_policy([coupon_rule("60.00"), fee_waiver_rule("15.00", count=2)])
    complaint, agent, _txn = duplicate_charge_complaint()
    run_on_commit(services.compensation_submit, proposal=quoted(complaint, agent), actor=agent)
    return complaint.customer


@pytest.fixture
def service_client(api_client):
    _credential, token = service_credential_create(name="payment-core-tests")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    return api_client


def _redeem(client, code, customer, amount="120.00", currency="HKD", txn="TXN-PAY-1"):
    return client.post(
        f"/api/v1/service/coupons/{code}/redeem/",
        {
            "wallet_account_id": customer.wallet_account_id,
            "transaction_id": txn,
            "amount": amount,
            "currency": currency,
        },
        format="json",
    )


def test_coupon_codes_are_random_without_look_alikes(granted):
    coupon = Coupon.objects.get(customer=granted)
    raw = coupon.code.replace("-", "")
    assert len(raw) == 12 and set(raw) <= set(COUPON_ALPHABET)
    assert not set("01OIL") & set(COUPON_ALPHABET)


def test_10_coupon_is_single_use(granted, service_client):
    coupon = Coupon.objects.get(customer=granted)
    first = _redeem(service_client, coupon.code, granted)
    assert first.status_code == 200, first.json()
    assert first.json()["discount"] == "60.00"
    again = _redeem(service_client, coupon.code, granted)
    assert again.status_code == 200  # the same payment asking again: the same answer
    other = _redeem(service_client, coupon.code, granted, txn="TXN-PAY-2")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "coupon_already_used")


def test_10_expiry_boundary(granted, service_client):
    coupon = Coupon.objects.get(customer=granted)
    with time_machine.travel(coupon.expires_at, tick=False):
        response = _redeem(service_client, coupon.code, granted)
        assert response.json()["error"]["code"] == "coupon_expired"
    with time_machine.travel(coupon.expires_at - timedelta(microseconds=1), tick=False):
        assert _redeem(service_client, coupon.code, granted).status_code == 200


@pytest.mark.parametrize(
    ("who", "amount", "currency", "status", "code"),
    [
        ("stranger", "120.00", "HKD", 403, "coupon_not_owned"),
        ("owner", "120.00", "USD", 400, "coupon_currency_mismatch"),
        ("owner", "99.99", "HKD", 400, "coupon_below_minimum_spend"),
        ("owner", "120.001", "HKD", 400, "amount_too_precise"),
    ],
)
def test_10_wrong_customer_currency_spend_and_precision(
    granted, service_client, who, amount, currency, status, code
):
    coupon = Coupon.objects.get(customer=granted)
    customer = granted if who == "owner" else CustomerWithLoginFactory()
    response = _redeem(service_client, coupon.code, customer, amount=amount, currency=currency)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert Coupon.objects.get(pk=coupon.pk).used_at is None


def test_unknown_code_and_customer_credentials(granted, service_client, api_client):
    assert _redeem(service_client, "2222-3333-4444", granted).json()["error"]["code"] == (
        "coupon_not_found"
    )
    api_client.credentials()
    api_client.force_authenticate(granted.user)
    coupon = Coupon.objects.get(customer=granted)
    assert _redeem(api_client, coupon.code, granted).status_code in (401, 403)


def _consume(client, customer, txn, fee="5.00", kind="transfer"):
    return client.post(
        "/api/v1/service/fee-waivers/consume/",
        {
            "wallet_account_id": customer.wallet_account_id,
            "transaction_id": txn,
            "transaction_type": kind,
            "fee": fee,
            "currency": "HKD",
        },
        format="json",
    )


def test_fee_waiver_consumed_atomically_never_below_zero(granted, service_client):
    first = _consume(service_client, granted, "T1", fee="12.00").json()
    assert (first["waived"], first["remaining_amount"], first["remaining_count"]) == (
        "12.00",
        "3.00",
        1,
    )
    assert _consume(service_client, granted, "T1", fee="12.00").json() == first
    assert _consume(service_client, granted, "T2", kind="payment").json()["waived"] == "0.00"
    second = _consume(service_client, granted, "T3", fee="5.00").json()
    assert (second["waived"], second["remaining_amount"], second["remaining_count"]) == (
        "3.00",
        "0.00",
        0,
    )
    assert _consume(service_client, granted, "T4").json()["waived"] == "0.00"
    waiver = FeeWaiver.objects.get(customer=granted)
    assert (waiver.remaining_amount, waiver.remaining_count) == (D("0"), 0)


def test_customer_sees_only_their_own_compensation(granted, api_client):
    stranger = CustomerWithLoginFactory()
    api_client.force_authenticate(stranger.user)
    assert api_client.get("/api/v1/compensations/").json() == {
        "refunds": [],
        "coupons": [],
        "fee_waivers": [],
    }
    api_client.force_authenticate(granted.user)
    body = api_client.get("/api/v1/compensations/").json()
    assert [c["amount_off"] for c in body["coupons"]] == ["60.00"]
    assert body["coupons"][0]["used"] is False
    assert body["fee_waivers"][0]["remaining_amount"] == "15.00"
