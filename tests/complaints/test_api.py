"""Customer REST API: intake with Idempotency-Key, own complaints only, answers, messages
with private attachments, and the OpenAPI schema."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint, ComplaintState
from tests.backoffice.factories import (
    CustomerWithLoginFactory,
    PaymentTransactionFactory,
    staff_user,
)
from tests.complaints.factories import advance, ensure_reference_data, submit

pytestmark = pytest.mark.django_db
S = ComplaintState
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
BODY = {
    "category": "duplicate_charge",
    "description": "Charged twice.",
    "amount": "100.00",
    "currency": "HKD",
}


@pytest.fixture
def customer():
    return CustomerWithLoginFactory()


@pytest.fixture
def client_for():
    def make(customer):
        client = APIClient()
        client.force_authenticate(user=customer.user)
        return client

    return make


def test_create_returns_reference_state_and_expectations(customer, client_for):
    txn = PaymentTransactionFactory(customer=customer)
    response = client_for(customer).post(
        "/api/v1/complaints/", {**BODY, "transaction_ids": [txn.transaction_id]}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("CMP-") and body["state"] == "submitted"
    assert any("final response" in s for s in body["sla_expectations"])
    assert body["transaction_ids"] == [txn.transaction_id]


def test_expectations_in_the_customers_language(client_for):
    customer = CustomerWithLoginFactory(language="zh-hans")
    body = client_for(customer).post("/api/v1/complaints/", BODY, format="json").json()
    assert "我们" in " ".join(body["sla_expectations"])


def test_float_like_and_bad_amounts_are_refused_per_field(customer, client_for):
    response = client_for(customer).post(
        "/api/v1/complaints/", {**BODY, "amount": "1.005"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["amount"][0]["code"] == "amount_too_precise"


def test_idempotent_replay_and_key_reuse(customer, client_for):
    client = client_for(customer)
    first = client.post("/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Complaint.objects.filter(customer=customer).count() == 1
    other = client.post(
        "/api/v1/complaints/",
        {**BODY, "description": "Something else"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_customer(customer, client_for):
    other = CustomerWithLoginFactory()
    for who in (customer, other):
        response = client_for(who).post(
            "/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        assert response.status_code == 201
    assert Complaint.objects.filter(idempotency_key="same").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_requests_with_one_key_create_one_complaint():
    ensure_reference_data()
    customer = CustomerWithLoginFactory()
    barrier = threading.Barrier(20)
    responses, errors = [], []

    def post():
        try:
            client = APIClient()
            client.force_authenticate(user=customer.user)
            barrier.wait()
            responses.append(
                client.post(
                    "/api/v1/complaints/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="burst"
                )
            )
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["reference"] for r in responses}) == 1
    assert Complaint.objects.filter(customer=customer).count() == 1


def test_list_and_detail_only_my_own(customer, client_for):
    mine = submit(customer)
    theirs = submit()
    client = client_for(customer)
    listed = client.get("/api/v1/complaints/").json()
    assert [c["reference"] for c in listed["results"]] == [mine.reference]
    assert client.get(f"/api/v1/complaints/{mine.reference}/").status_code == 200
    for path in ("", "messages/", "accept/", "reject/", "withdraw/", "rating/"):
        method = client.get if path == "" else client.post
        response = method(f"/api/v1/complaints/{theirs.reference}/{path}", {}, format="json")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "complaint_not_found"


def test_anonymous_and_staff_tokens_are_refused(customer):
    complaint = submit(customer)
    assert APIClient().get("/api/v1/complaints/").status_code == 401
    staff = APIClient()
    staff.force_authenticate(user=staff_user("agent"))
    assert staff.get(f"/api/v1/complaints/{complaint.reference}/").status_code == 403


def test_timeline_hides_internal_events_notes_and_staff_details(customer, client_for, agent):
    agent.first_name, agent.last_name = "Alice", "Chan"
    agent.save()
    complaint = advance(submit(customer), S.INVESTIGATING, agent=agent)
    services.complaint_add_internal_note(complaint=complaint, actor=agent, body="SECRET NOTE")
    services.complaint_set_root_cause(complaint=complaint, actor=agent, root_cause="merchant")
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are on it.")
    body = client_for(customer).get(f"/api/v1/complaints/{complaint.reference}/").json()
    text = str(body)
    assert "SECRET NOTE" not in text and "Chan" not in text and "agent-owner" not in text
    assert body["handled_by"] == {"first_name": "Alice", "role": "agent"}
    kinds = {item.get("kind") for item in body["timeline"] if item["type"] == "event"}
    assert "root_cause" not in kinds and "transition" in kinds
    message = next(i for i in body["timeline"] if i["type"] == "message")
    assert message["author"] == {"first_name": "Alice", "role": "agent"}
    notices = [i for i in body["timeline"] if i["type"] == "notice"]
    assert notices and {"status", "sent_at", "delivered_at"} <= set(notices[0])


def test_accept_reject_withdraw_and_rate(customer, client_for, agent):
    client = client_for(customer)
    accepted = advance(submit(customer), S.AWAITING_CONFIRMATION, agent=agent)
    response = client.post(f"/api/v1/complaints/{accepted.reference}/accept/", {}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "closed"
    rating = client.post(
        f"/api/v1/complaints/{accepted.reference}/rating/", {"score": 6}, format="json"
    )
    assert rating.status_code == 400
    rating = client.post(
        f"/api/v1/complaints/{accepted.reference}/rating/", {"score": 4}, format="json"
    )
    assert rating.json()["satisfaction_score"] == 4

    staff_user("supervisor")
    rejected = advance(submit(customer), S.AWAITING_CONFIRMATION, agent=agent)
    missing = client.post(f"/api/v1/complaints/{rejected.reference}/reject/", {}, format="json")
    assert missing.status_code == 400
    response = client.post(
        f"/api/v1/complaints/{rejected.reference}/reject/", {"reason": "No."}, format="json"
    )
    assert response.json()["state"] == "escalated"

    withdrawn = submit(customer)
    response = client.post(f"/api/v1/complaints/{withdrawn.reference}/withdraw/", {}, format="json")
    assert response.json()["state"] == "withdrawn"
    again = client.post(f"/api/v1/complaints/{withdrawn.reference}/withdraw/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"


def _upload(client, complaint, *files, body="see attached"):
    return client.post(
        f"/api/v1/complaints/{complaint.reference}/messages/",
        {"body": body, "attachments": list(files)},
        format="multipart",
    )


def test_attachments_are_sniffed_limited_and_private(customer, client_for, settings):
    settings.COMPLAINT_ATTACHMENT_MAX_BYTES = 1024
    complaint = submit(customer)
    client = client_for(customer)
    fake = SimpleUploadedFile("evil.png", b"<html><script>x</script>", "image/png")
    assert _upload(client, complaint, fake).json()["error"]["code"] == "attachment_rejected"
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000, "application/pdf")
    assert _upload(client, complaint, big).status_code == 400
    response = _upload(client, complaint, SimpleUploadedFile("r.pdf", PDF, "text/html"))
    assert response.status_code == 201
    attachment = response.json()["attachments"][0]
    assert attachment["content_type"] == "application/pdf"
    url = attachment["url"]

    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF

    assert APIClient().get(url).status_code == 401
    assert client_for(CustomerWithLoginFactory()).get(url).status_code == 404
    staff = APIClient()
    staff.force_login(staff_user("agent"))
    assert staff.get(url).status_code == 200
    auditor = APIClient()
    auditor.force_login(staff_user("content_editor"))
    assert auditor.get(url).status_code == 404


def test_png_message_and_empty_message(customer, client_for):
    complaint = submit(customer)
    client = client_for(customer)
    ok = _upload(client, complaint, SimpleUploadedFile("a.png", PNG, "image/png"), body="")
    assert ok.status_code == 201
    empty = client.post(f"/api/v1/complaints/{complaint.reference}/messages/", {"body": " "})
    assert empty.json()["error"]["code"] == "message_empty"


def test_every_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/complaints/": {"get", "post"},
        "/api/v1/complaints/{reference}/": {"get"},
        "/api/v1/complaints/{reference}/messages/": {"post"},
        "/api/v1/complaints/{reference}/accept/": {"post"},
        "/api/v1/complaints/{reference}/reject/": {"post"},
        "/api/v1/complaints/{reference}/withdraw/": {"post"},
        "/api/v1/complaints/{reference}/rating/": {"post"},
        "/api/v1/complaints/{reference}/attachments/{attachment_id}/": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert paths[path][method]["tags"] == ["complaints"]
