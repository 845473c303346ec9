"""Automatic transaction verification on submit, and on demand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import ComplaintFinding
from tests.backoffice.factories import CustomerWithLoginFactory, PaymentTransactionFactory
from tests.complaints.factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return CustomerWithLoginFactory()


def kinds(complaint):
    return sorted(complaint.findings.values_list("kind", flat=True))


def test_duplicate_charge_within_the_window(customer):
    when = timezone.now() - timedelta(hours=3)
    first = PaymentTransactionFactory(customer=customer, occurred_at=when)
    second = PaymentTransactionFactory(customer=customer, occurred_at=when + timedelta(seconds=50))
    PaymentTransactionFactory(customer=customer, occurred_at=when + timedelta(hours=1))
    complaint = submit(customer, transaction_ids=[second.transaction_id])
    finding = complaint.findings.get(kind="duplicate_charge")
    assert finding.transaction == second and not finding.confirmed
    assert finding.details == {
        "original": first.transaction_id,
        "duplicate": second.transaction_id,
        "amount": "100.00",
        "currency": "HKD",
    }


def test_amount_mismatch(customer):
    txn = PaymentTransactionFactory(customer=customer, amount=Decimal("120.00"))
    complaint = submit(
        customer, category="wrong_amount", amount="100.00", transaction_ids=[txn.transaction_id]
    )
    finding = complaint.findings.get(kind="amount_mismatch")
    assert finding.details == {
        "claimed": "100.00",
        "recorded": "120.00",
        "difference": "20.00",
        "currency": "HKD",
    }


def test_status_findings(customer, settings):
    settings.COMPLAINT_SETTLEMENT_DELAY_HOURS = 24
    failed = PaymentTransactionFactory(customer=customer, status="failed", error_code="OTP_TIMEOUT")
    pending_long = PaymentTransactionFactory(
        customer=customer, status="pending", occurred_at=timezone.now() - timedelta(hours=30)
    )
    pending_short = PaymentTransactionFactory(customer=customer, status="pending")
    reversed_txn = PaymentTransactionFactory(customer=customer, status="reversed")
    ids = [t.transaction_id for t in (failed, pending_long, pending_short, reversed_txn)]
    complaint = submit(customer, category="transaction_failure", amount=None, transaction_ids=ids)
    by_txn = {(f.transaction_id, f.kind): f.details for f in complaint.findings.all()}
    assert by_txn[(failed.pk, "transaction_status")]["error_code"] == "OTP_TIMEOUT"
    assert by_txn[(pending_long.pk, "settlement_delay")]["hours"] == 30
    assert by_txn[(pending_short.pk, "transaction_status")]["status"] == "pending"
    assert by_txn[(reversed_txn.pk, "already_refunded")] == {"reason": "reversed"}


def test_already_refunded_by_a_refund_transaction(customer):
    txn = PaymentTransactionFactory(customer=customer)
    refund = PaymentTransactionFactory(
        customer=customer, type="refund", occurred_at=timezone.now() - timedelta(minutes=5)
    )
    complaint = submit(customer, amount=None, transaction_ids=[txn.transaction_id])
    finding = complaint.findings.get(kind="already_refunded")
    assert finding.details["refund"] == refund.transaction_id


def test_unknown_references_are_kept_and_linked_later(customer, agent):
    complaint = submit(customer, transaction_ids=["TXN-NOT-YET"])
    assert complaint.raw_transaction_refs == ["TXN-NOT-YET"]
    assert complaint.transactions.count() == 0
    PaymentTransactionFactory(customer=customer, transaction_id="TXN-NOT-YET", status="failed")
    created = services.complaint_verify_transactions(complaint=complaint, actor=agent)
    complaint.refresh_from_db()
    assert complaint.raw_transaction_refs == []
    assert [f.kind for f in created] == ["transaction_status"]
    assert services.complaint_verify_transactions(complaint=complaint, actor=agent) == []


def test_other_customers_transactions_are_never_linked(customer):
    stranger = PaymentTransactionFactory()
    complaint = submit(customer, transaction_ids=[stranger.transaction_id])
    assert complaint.transactions.count() == 0
    assert not ComplaintFinding.objects.filter(transaction=stranger).exists()


def test_staff_confirm_and_dismiss_findings(customer, agent):
    txn = PaymentTransactionFactory(customer=customer, status="failed")
    complaint = submit(customer, amount=None, transaction_ids=[txn.transaction_id])
    finding = complaint.findings.get()
    services.complaint_review_finding(finding=finding, actor=agent, confirmed=True, reason="ok")
    finding.refresh_from_db()
    assert finding.confirmed and finding.reviewed_by == agent
    assert finding.history.latest().history_user == agent
