"""The staff admin: a complaint taken from submitted to closed with the action buttons,
the history shows who did what and why; buttons only for what the user may do."""

import pytest
from django.test import Client
from django.urls import reverse

from complaints.models import Complaint, ComplaintState
from tests.backoffice.factories import PaymentTransactionFactory, staff_user
from tests.complaints.factories import fresh, submit

pytestmark = pytest.mark.django_db
S = ComplaintState


def action(client, complaint, name, **data):
    url = reverse("admin:complaints_complaint_action", args=[complaint.pk, name])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return fresh(complaint)


def test_agent_takes_a_complaint_from_submitted_to_closed_in_the_admin(agent):
    complaint = submit()
    client = Client()
    client.force_login(agent)
    change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = client.get(change_url).content.decode()
    assert 'data-action="acknowledge"' in page and 'data-action="escalate"' not in page

    complaint = action(client, complaint, "acknowledge", reason="Called the customer back")
    complaint = action(client, complaint, "start_investigation", plan="Check both charges")
    complaint = action(client, complaint, "verify_identity", method="one_time_code")
    complaint = action(
        client, complaint, "set_root_cause", root_cause="merchant", reason="API called twice"
    )
    complaint = action(
        client, complaint, "add_message", canned=complaint.category and "", body="On it."
    )
    complaint = action(
        client,
        complaint,
        "propose_resolution",
        summary="The merchant refunds the second charge.",
        follow_up_advice="Check your statement next week.",
    )
    complaint = action(client, complaint, "send_resolution_notice")
    assert complaint.state == S.AWAITING_CONFIRMATION
    complaint = action(
        client, complaint, "accept_resolution", reason="Customer accepted on the phone"
    )
    assert complaint.state == S.CLOSED

    records = list(complaint.history.order_by("history_id"))
    staff_records = [r for r in records if r.history_user == agent]
    reasons = " | ".join(r.history_change_reason for r in staff_records)
    assert "acknowledge: Called the customer back" in reasons
    assert "start_investigation: Check both charges" in reasons
    assert "accept_resolution: Customer accepted on the phone" in reasons
    history = client.get(reverse("admin:complaints_complaint_history", args=[complaint.pk]))
    assert history.status_code == 200
    text = history.content.decode()
    assert "Customer accepted on the phone" in text and agent.username in text


def test_guard_errors_are_shown_and_change_nothing(agent):
    complaint = submit()
    client = Client()
    client.force_login(agent)
    action(client, complaint, "acknowledge")
    action(client, complaint, "start_investigation", plan="look")
    url = reverse("admin:complaints_complaint_action", args=[complaint.pk, "propose_resolution"])
    response = client.post(url, {"summary": "done"}, follow=True)
    assert "identity has not been verified" in response.content.decode()
    assert fresh(complaint).state == S.INVESTIGATING


def test_auditor_sees_no_buttons_and_cannot_act(agent):
    complaint = submit()
    auditor = staff_user("auditor")
    client = Client()
    client.force_login(auditor)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert page.status_code == 200
    assert "complaint-action" not in page.content.decode()
    url = reverse("admin:complaints_complaint_action", args=[complaint.pk, "acknowledge"])
    client.post(url, {})
    assert fresh(complaint).state == S.SUBMITTED


def test_list_filters_search_and_countdown(agent):
    customer_complaint = submit()
    txn = PaymentTransactionFactory(customer=customer_complaint.customer)
    with_txn = submit(customer_complaint.customer, transaction_ids=[txn.transaction_id])
    supervisor = staff_user("supervisor")
    client = Client()
    client.force_login(supervisor)
    url = reverse("admin:complaints_complaint_changelist")
    for query in (
        {"q": with_txn.reference},
        {"q": txn.transaction_id},
        {"q": with_txn.customer.wallet_account_id},
        {"q": with_txn.customer.phone},
    ):
        response = client.get(url, query)
        assert with_txn.reference in response.content.decode(), query
    for sla in ("on_time", "due_soon", "breached"):
        assert client.get(url, {"sla": sla}).status_code == 200
    page = client.get(url, {"state": "submitted"}).content.decode()
    assert "0:29" in page or "0:30" in page  # countdown to the acknowledgement deadline


def test_bulk_acknowledge_and_assign(agent):
    first, second = submit(), submit()
    other = staff_user("agent")
    supervisor = staff_user("supervisor")
    client = Client()
    client.force_login(supervisor)
    url = reverse("admin:complaints_complaint_changelist")
    ids = [first.pk, second.pk]
    client.post(url, {"action": "bulk_acknowledge", "_selected_action": ids})
    assert {c.state for c in Complaint.objects.filter(pk__in=ids)} == {S.ACKNOWLEDGED}
    form = client.post(url, {"action": "bulk_assign", "_selected_action": ids})
    assert form.status_code == 200
    client.post(
        url,
        {
            "action": "bulk_assign",
            "_selected_action": ids,
            "apply": "1",
            "owner": other.pk,
            "reason": "Balance the queue",
        },
    )
    assert {c.owner_id for c in Complaint.objects.filter(pk__in=ids)} == {other.pk}


def test_agent_records_a_hotline_complaint_in_the_admin(agent):
    from tests.backoffice.factories import CustomerFactory

    customer = CustomerFactory(phone="13900001111")
    txn = PaymentTransactionFactory(customer=customer)
    client = Client()
    client.force_login(agent)
    listing = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    record_url = reverse("admin:complaints_complaint_record")
    assert record_url in listing
    response = client.post(
        record_url,
        {
            "customer": "13900001111",
            "channel": "hotline",
            "category": "duplicate_charge",
            "description": "Charged twice at the coffee shop.",
            "amount": "100.00",
            "currency": "HKD",
            "transaction_ids": f"{txn.transaction_id}, UNKNOWN-REF",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(customer=customer)
    assert response["Location"] == reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert (complaint.channel, complaint.state) == ("hotline", S.SUBMITTED)
    assert list(complaint.transactions.all()) == [txn]
    assert complaint.raw_transaction_refs == ["UNKNOWN-REF"]
    created = complaint.history.earliest("history_date")
    assert (created.history_user, created.history_change_reason) == (agent, "submitted")


def test_record_form_shows_service_errors_and_saves_nothing(agent):
    from tests.backoffice.factories import CustomerFactory

    customer = CustomerFactory()
    client = Client()
    client.force_login(agent)
    response = client.post(
        reverse("admin:complaints_complaint_record"),
        {
            "customer": customer.wallet_account_id,
            "channel": "hotline",
            "category": "wrong_amount",
            "description": "Wrong amount.",
            "amount": "12.345",
            "currency": "HKD",
        },
    )
    assert response.status_code == 200
    assert "at most 2 decimal places" in response.content.decode()
    response = client.post(
        reverse("admin:complaints_complaint_record"),
        {
            "customer": "nobody",
            "channel": "hotline",
            "category": "other",
            "description": "x",
        },
    )
    assert "No customer has this account id" in response.content.decode()
    assert not Complaint.objects.exists()


def test_auditor_cannot_record_a_complaint():
    auditor = staff_user("auditor")
    client = Client()
    client.force_login(auditor)
    listing = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    record_url = reverse("admin:complaints_complaint_record")
    assert record_url not in listing
    response = client.post(
        record_url, {"customer": "x", "channel": "hotline", "category": "other", "description": "x"}
    )
    assert response.status_code == 302
    assert not Complaint.objects.exists()
