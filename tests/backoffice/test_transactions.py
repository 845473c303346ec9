from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backoffice.api.services import service_credential_create
from backoffice.core.actors import system_actor
from backoffice.core.exceptions import ValidationFailed
from backoffice.customers.models import PaymentTransaction
from backoffice.customers.services import transaction_ingest_batch
from tests.backoffice.factories import CustomerFactory, CustomerWithLoginFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/service/transactions/"


def row(customer, txn_id="TXN1", **overrides):
    data = {
        "transaction_id": txn_id,
        "wallet_account_id": customer.wallet_account_id,
        "type": "payment",
        "amount": "100.00",
        "fee": "1.50",
        "currency": "HKD",
        "status": "pending",
        "counterparty": "Star Mart",
        "occurred_at": "2026-11-20T10:00:00+08:00",
    }
    return {**data, **overrides}


@pytest.fixture
def actor():
    return system_actor("test")


def test_ingest_creates_then_updates_then_is_idempotent(actor):
    customer = CustomerFactory()
    first = transaction_ingest_batch(rows=[row(customer), row(customer, "TXN2")], actor=actor)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    settled = row(customer, status="succeeded", settled_at="2026-11-20T10:00:05+08:00")
    second = transaction_ingest_batch(rows=[settled, row(customer, "TXN2")], actor=actor)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    again = transaction_ingest_batch(rows=[settled], actor=actor)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    txn = PaymentTransaction.objects.get(transaction_id="TXN1")
    assert txn.status == "succeeded" and txn.amount == Decimal("100.00")
    assert txn.fee == Decimal("1.50")
    history = list(txn.history.order_by("history_date"))
    assert [h.history_change_reason for h in history] == [
        "ingested",
        "payment core update: status, settled_at, raw_payload",
    ]
    assert all(h.history_user == actor for h in history)


def test_one_bad_row_rejects_the_batch_and_saves_nothing(actor):
    customer = CustomerFactory()
    rows = [
        row(customer, "TXN-OK"),
        row(customer, "TXN-BAD", amount="12.345", currency="HKD"),
        row(customer, "TXN-BAD2", occurred_at="2026-11-20T10:00:00"),
        row(customer, "TXN-BAD3", wallet_account_id="nobody", type="gift"),
    ]
    with pytest.raises(ValidationFailed) as exc:
        transaction_ingest_batch(rows=rows, actor=actor)
    assert exc.value.code == "batch_rejected"
    problems = {p["row"]: p["fields"] for p in exc.value.fields["rows"]}
    assert set(problems) == {1, 2, 3}
    assert problems[1]["amount"][0]["code"] == "amount_too_precise"
    assert problems[2]["occurred_at"][0]["code"] == "datetime_without_offset"
    assert problems[3]["wallet_account_id"][0]["code"] == "customer_unknown"
    assert problems[3]["type"][0]["code"] == "invalid_choice"
    assert not PaymentTransaction.objects.exists()


def test_duplicate_ids_in_one_batch_are_rejected(actor):
    customer = CustomerFactory()
    with pytest.raises(ValidationFailed) as exc:
        transaction_ingest_batch(rows=[row(customer), row(customer, amount="5.00")], actor=actor)
    problem = exc.value.fields["rows"][0]
    assert problem["row"] == 1
    assert problem["fields"]["transaction_id"][0]["code"] == "duplicate_in_batch"
    assert not PaymentTransaction.objects.exists()


def test_a_transaction_cannot_move_to_another_customer(actor):
    owner, other = CustomerFactory(), CustomerFactory()
    transaction_ingest_batch(rows=[row(owner)], actor=actor)
    with pytest.raises(ValidationFailed) as exc:
        transaction_ingest_batch(rows=[row(other, "TXN-NEW"), row(other)], actor=actor)
    code = exc.value.fields["rows"][0]["fields"]["wallet_account_id"][0]["code"]
    assert code == "transaction_customer_mismatch"
    assert PaymentTransaction.objects.count() == 1


@pytest.mark.parametrize(
    ("batch", "code"), [([], "batch_empty"), (None, "batch_empty"), ("x", "batch_empty")]
)
def test_batch_shape_errors(batch, code, actor):
    with pytest.raises(ValidationFailed) as exc:
        transaction_ingest_batch(rows=batch, actor=actor)
    assert exc.value.code == code


def test_oversized_batch_is_refused(actor, monkeypatch):
    monkeypatch.setattr("backoffice.customers.services.MAX_BATCH_ROWS", 2)
    customer = CustomerFactory()
    rows = [row(customer, f"T{i}") for i in range(3)]
    with pytest.raises(ValidationFailed) as exc:
        transaction_ingest_batch(rows=rows, actor=actor)
    assert exc.value.code == "batch_too_large"


def _service_client(api_client):
    _, token = service_credential_create(name="payment-core")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    return api_client


def test_service_api_ingests_and_attributes_history(api_client):
    customer = CustomerFactory()
    client = _service_client(api_client)
    response = client.post(URL, {"transactions": [row(customer)]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    again = client.post(URL, {"transactions": [row(customer)]}, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}
    record = PaymentTransaction.objects.get().history.get()
    assert record.history_user.username == "system:service-payment-core"


def test_service_api_rejects_a_bad_batch_with_row_errors(api_client):
    customer = CustomerFactory()
    client = _service_client(api_client)
    body = {"transactions": [row(customer), row(customer, "TXN9", amount="-1")]}
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "batch_rejected"
    assert error["hint"]
    assert error["fields"]["rows"][0]["row"] == 1
    assert error["fields"]["rows"][0]["fields"]["amount"][0]["code"] == "amount_not_positive"
    assert not PaymentTransaction.objects.exists()


def test_json_numbers_are_read_as_exact_decimals(api_client):
    customer = CustomerFactory()
    client = _service_client(api_client)
    row_json = (
        '{"transaction_id": "T-DEC", "type": "payment", "amount": 0.30, "currency": "HKD", '
        '"status": "succeeded", "occurred_at": "2026-11-20T10:00:00+00:00", '
        f'"wallet_account_id": "{customer.wallet_account_id}"}}'
    )
    payload = '{"transactions": [' + row_json + "]}"
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 200, response.content
    assert PaymentTransaction.objects.get().amount == Decimal("0.30")


def test_customer_token_cannot_call_the_service_api(api_client):
    customer = CustomerWithLoginFactory()
    api_client.force_authenticate(customer.user)
    response = api_client.post(URL, {"transactions": [row(customer)]}, format="json")
    assert response.status_code in (401, 403)
    assert not PaymentTransaction.objects.exists()


def test_csv_import_all_or_nothing(tmp_path, capsys):
    customer = CustomerFactory()
    header = "transaction_id,wallet_account_id,type,amount,fee,currency,status,occurred_at\n"
    good = tmp_path / "good.csv"
    good.write_text(
        header
        + f"C1,{customer.wallet_account_id},payment,10.00,0,HKD,succeeded,2026-11-20T10:00:00Z\n"
        + f"C2,{customer.wallet_account_id},refund,10.00,,HKD,succeeded,2026-11-21T10:00:00Z\n"
    )
    call_command("import_transactions", str(good))
    assert "created 2" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header
        + f"C3,{customer.wallet_account_id},payment,10.00,0,HKD,succeeded,2026-11-20T10:00:00Z\n"
        + f"C4,{customer.wallet_account_id},payment,ten,0,HKD,succeeded,2026-11-20T10:00:00Z\n"
    )
    with pytest.raises(CommandError):
        call_command("import_transactions", str(bad))
    assert '"line": 3' in capsys.readouterr().err
    assert set(PaymentTransaction.objects.values_list("transaction_id", flat=True)) == {"C1", "C2"}
