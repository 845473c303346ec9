"""Hostile input across the API: every request below is refused with a 4xx in the one error
shape ({"error": {"code", "message", "hint", "fields"}}) with a stable code, and leaves
every table exactly as it was (row counts of every model compared before and after)."""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hostile.conftest import PNG, row_counts

pytestmark = pytest.mark.django_db

COMPLAINTS = "/api/v1/complaints/"
BODY = {
    "category": "duplicate_charge",
    "description": "Charged twice.",
    "amount": "100.00",
    "currency": "HKD",
}
INGEST_ROW = {
    "transaction_id": "TXN-HOSTILE-1",
    "wallet_account_id": "W-HOSTILE",
    "type": "payment",
    "amount": "120.50",
    "currency": "HKD",
    "status": "succeeded",
    "occurred_at": "2026-11-22T09:30:00+08:00",
}
EVALUATE = {"scenario": "large_payment", "context": {"amount": "100.00", "currency": "HKD"}}


@dataclass
class Case:
    """One hostile request. `path` may hold {mine}, {theirs} and {attachment}."""

    name: str
    path: str
    status: int
    code: str
    method: str = "post"
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    client: str = "client"
    files: bool = False
    field_code: tuple[str, str] | None = None  # (field, code) expected under "fields"


def intake(name: str, status: int = 400, code: str = "validation_error", **changes) -> Case:
    field_code = changes.pop("field_code", None)
    return Case(
        name, COMPLAINTS, status, code, json_body={**BODY, **changes}, field_code=field_code
    )


def raw_intake(name: str, raw: bytes, code: str = "malformed_request", **kw) -> Case:
    return Case(name, COMPLAINTS, 400, code, raw=raw, **kw)


def ingest(name: str, **changes) -> Case:
    return Case(
        name,
        "/api/v1/service/transactions/",
        400,
        "batch_rejected",
        json_body={"transactions": [{**INGEST_ROW, **changes}]},
        client="service",
    )


def evaluate(name: str, code: str = "validation_error", **context) -> Case:
    body = {**EVALUATE, "context": {**EVALUATE["context"], **context}}
    return Case(name, "/api/v1/education/warnings/evaluate/", 400, code, json_body=body)


CASES = [
    # --- amounts ------------------------------------------------------------------------
    intake("huge amount", amount="1" + "0" * 30, field_code=("amount", "amount_too_large")),
    intake("negative amount", amount="-5.00", field_code=("amount", "amount_not_positive")),
    intake("amount NaN string", amount="NaN", field_code=("amount", "amount_not_finite")),
    intake("amount Infinity string", amount="Infinity", field_code=("amount", "amount_not_finite")),
    intake("amount too precise", amount="1.005", field_code=("amount", "amount_too_precise")),
    intake("amount exponent", amount="1E+400", field_code=("amount", "amount_too_large")),
    intake("amount as list", amount=[1], field_code=("amount", "amount_not_a_number")),
    intake("amount as object", amount={"value": 1}, field_code=("amount", "amount_not_a_number")),
    intake("amount as boolean", amount=True, field_code=("amount", "amount_float_not_accepted")),
    raw_intake("NaN literal", b'{"category":"duplicate_charge","description":"x","amount":NaN}'),
    raw_intake(
        "Infinity literal", b'{"category":"duplicate_charge","description":"x","amount":-Infinity}'
    ),
    ingest("ingest NaN amount", amount="NaN"),
    ingest("ingest negative amount", amount="-1.00"),
    ingest("ingest huge amount", amount="9" * 40),
    ingest("ingest too-precise JPY", amount="100.5", currency="JPY"),
    evaluate("warning NaN amount", amount="NaN"),
    evaluate("warning negative amount", amount="-100.00"),
    # --- currency -----------------------------------------------------------------------
    intake("unknown currency", currency="XXZ", field_code=("amount", "currency_unknown")),
    intake("currency too long", currency="HKDD", field_code=("currency", "max_length")),
    intake("currency with HTML", currency="<b>", field_code=("amount", "currency_unknown")),
    ingest("ingest unknown currency", currency="ABC"),
    evaluate("warning unknown currency", currency="QQQ"),
    # --- text: size, null bytes, unicode ------------------------------------------------
    intake(
        "oversized description", description="x" * 5001, field_code=("description", "max_length")
    ),
    intake("three megabyte body", 413, "request_too_large", description="é" * 1_500_000),
    intake(
        "null byte in description",
        description="a\x00b",
        field_code=("description", "null_characters_not_allowed"),
    ),
    intake("null byte in a transaction id", transaction_ids=["TXN\x00"]),
    intake("too many transaction ids", transaction_ids=[f"T{i}" for i in range(21)]),
    intake("transaction ids as a string", transaction_ids="TXN1,TXN2"),
    intake("empty description", description="", field_code=("description", "blank")),
    raw_intake(
        "lone surrogate in a JSON escape",
        b'{"category":"duplicate_charge","description":"\\ud800 broken",'
        b'"amount":"1.00","currency":"HKD"}',
        code="validation_error",
    ),
    intake(
        "zero-width space in category",
        category="duplicate\u200b_charge",
        field_code=("category", "invalid_choice"),
    ),
    intake(
        "RTL override in currency", currency="\u202eDK", field_code=("amount", "currency_unknown")
    ),
    intake("emoji currency", currency="\U0001f4b0", field_code=("amount", "currency_unknown")),
    # --- SQL and HTML payloads ----------------------------------------------------------
    intake(
        "SQL in category",
        category="duplicate_charge' OR '1'='1",
        field_code=("category", "invalid_choice"),
    ),
    intake(
        "HTML in channel",
        channel="<script>alert(1)</script>",
        field_code=("channel", "invalid_choice"),
    ),
    Case(
        "SQL in reference",
        "/api/v1/complaints/CMP' OR 1=1--/",
        404,
        "complaint_not_found",
        method="get",
    ),
    # --- wrong types and shapes ---------------------------------------------------------
    intake(
        "date that is not a date", occurred_at="not-a-date", field_code=("occurred_at", "invalid")
    ),
    intake(
        "impossible date", occurred_at="2026-13-45T99:00:00Z", field_code=("occurred_at", "invalid")
    ),
    raw_intake("malformed JSON", b'{"category": "duplicate_charge",'),
    raw_intake("invalid UTF-8", b'{"description": "\xff\xfe"}'),
    Case("JSON list body", COMPLAINTS, 400, "validation_error", json_body=[BODY]),
    Case("JSON string body", COMPLAINTS, 400, "validation_error", json_body="complaint"),
    Case(
        "plain text body",
        COMPLAINTS,
        415,
        "unsupported_media_type",
        raw=b"category=x",
        content_type="text/plain",
    ),
    Case(
        "XML body",
        COMPLAINTS,
        415,
        "unsupported_media_type",
        raw=b"<complaint/>",
        content_type="application/xml",
    ),
    Case(
        "score not a number",
        "/api/v1/complaints/{mine}/rating/",
        400,
        "validation_error",
        json_body={"score": "5; DROP TABLE"},
    ),
    Case(
        "score huge",
        "/api/v1/complaints/{mine}/rating/",
        400,
        "validation_error",
        json_body={"score": 10**30},
    ),
    Case(
        "reject without reason",
        "/api/v1/complaints/{mine}/reject/",
        400,
        "validation_error",
        json_body={"reason": None},
    ),
    Case(
        "unknown time zone",
        "/api/v1/me/",
        400,
        "validation_error",
        method="patch",
        json_body={"time_zone": "Mars/Olympus"},
    ),
    Case(
        "null byte in time zone",
        "/api/v1/me/",
        400,
        "validation_error",
        method="patch",
        json_body={"time_zone": "Asia/\x00Hong_Kong"},
    ),
    Case(
        "unknown channel",
        "/api/v1/me/",
        400,
        "validation_error",
        method="patch",
        json_body={"preferred_channel": "fax"},
    ),
    # --- forged ids and references of other customers -----------------------------------
    Case(
        "another customer's complaint",
        "/api/v1/complaints/{theirs}/",
        404,
        "complaint_not_found",
        method="get",
    ),
    Case(
        "withdraw another's complaint",
        "/api/v1/complaints/{theirs}/withdraw/",
        404,
        "complaint_not_found",
        json_body={"reason": "mine now"},
    ),
    Case(
        "message another's complaint",
        "/api/v1/complaints/{theirs}/messages/",
        404,
        "complaint_not_found",
        json_body={"body": "hello"},
    ),
    Case(
        "another's attachment",
        "/api/v1/complaints/{theirs}/attachments/{attachment}/",
        404,
        "complaint_not_found",
        method="get",
    ),
    Case(
        "another's attachment via my complaint",
        "/api/v1/complaints/{mine}/attachments/{attachment}/",
        404,
        "complaint_not_found",
        method="get",
    ),
    Case(
        "attachment id beyond 64 bits",
        "/api/v1/complaints/{mine}/attachments/99999999999999999999999/",
        404,
        "complaint_not_found",
        method="get",
    ),
    Case(
        "delivery id beyond 64 bits",
        "/api/v1/education/deliveries/99999999999999999999999/events/",
        404,
        "delivery_not_found",
        json_body={"type": "opened"},
    ),
    Case(
        "forged warning decision",
        "/api/v1/education/warnings/00000000-0000-0000-0000-000000000000/outcome/",
        404,
        "decision_not_found",
        json_body={"outcome": "cancelled"},
    ),
    # --- pages and idempotency keys -----------------------------------------------------
    Case("page past the end", COMPLAINTS + "?page=999999", 404, "not_found", method="get"),
    Case("page not a number", COMPLAINTS + "?page=abc", 404, "not_found", method="get"),
    intake("Idempotency-Key too long", code="idempotency_key_invalid"),
    intake("Idempotency-Key with control characters", code="idempotency_key_invalid"),
    # --- attachments --------------------------------------------------------------------
    *(
        Case(name, "/api/v1/complaints/{mine}/messages/", 400, "attachment_rejected", files=True)
        for name in (
            "executable disguised as PNG",
            "HTML disguised as PDF",
            "attachment over 5 MB",
            "empty attachment",
            "six attachments",
        )
    ),
    # --- authentication -----------------------------------------------------------------
    Case(
        "garbage bearer token",
        "/api/v1/me/",
        401,
        "token_not_valid",
        method="get",
        client="anonymous",
        headers={"Authorization": "Bearer " + "A" * 10_000},
    ),
    Case(
        "null byte in login",
        "/api/v1/auth/token/",
        400,
        "validation_error",
        json_body={"username": "customer\x001", "password": "x"},
        client="anonymous",
    ),
]
IDEMPOTENCY_KEYS = {
    "Idempotency-Key too long": "k" * 201,
    "Idempotency-Key with control characters": "key\x07\x1bwith-bell",
}
UPLOADS = {
    "executable disguised as PNG": lambda: [
        SimpleUploadedFile("receipt.png", b"MZ\x90\x00" + b"\x00" * 64, "image/png")
    ],
    "HTML disguised as PDF": lambda: [
        SimpleUploadedFile("r.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    ],
    "attachment over 5 MB": lambda: [
        SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")
    ],
    "empty attachment": lambda: [SimpleUploadedFile("empty.png", b"", "image/png")],
    "six attachments": lambda: [
        SimpleUploadedFile(f"r{i}.png", PNG, "image/png") for i in range(6)
    ],
}


def _send(world, case: Case):
    from rest_framework.test import APIClient

    client = {"client": world.client, "service": world.service}.get(case.client) or APIClient()
    path = case.path.format(
        mine=world.mine.reference,
        theirs=world.theirs.reference,
        attachment=world.their_attachment.pk,
    )
    headers = dict(case.headers)
    if case.name in IDEMPOTENCY_KEYS:
        headers["Idempotency-Key"] = IDEMPOTENCY_KEYS[case.name]
    call = getattr(client, case.method)
    if case.method == "get":
        return call(path, headers=headers)
    if case.files:
        files = UPLOADS[case.name]()
        return call(path, {"body": "see file", "attachments": files}, format="multipart")
    if case.raw is not None:
        return call(path, case.raw, content_type=case.content_type, headers=headers)
    return call(path, json.dumps(case.json_body), content_type=case.content_type, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_is_refused_and_changes_nothing(world, case):
    before = row_counts()
    response = _send(world, case)
    assert response.status_code == case.status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "hint", "fields"}
    assert error["code"] == case.code
    assert error["message"]
    if case.field_code:
        field_name, code = case.field_code
        assert error["fields"][field_name][0]["code"] == code, error
    assert row_counts() == before


def test_there_are_at_least_forty_hostile_inputs():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


def test_another_customers_transaction_is_not_linked(world, django_capture_on_commit_callbacks):
    """A forged transaction id of another customer is kept as text, never linked, also
    by the follow-up that checks the transactions after commit."""
    theirs = world.theirs.transactions.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client.post(
            COMPLAINTS, {**BODY, "transaction_ids": [theirs.transaction_id]}, format="json"
        )
    assert response.status_code == 201
    complaint = world.me.complaints.get(reference=response.json()["reference"])
    assert not complaint.intake_followup_pending  # the follow-up ran
    assert complaint.raw_transaction_refs == [theirs.transaction_id]
    assert not complaint.transactions.exists()
    assert not complaint.findings.filter(transaction=theirs).exists()


def test_huge_page_size_is_capped(world):
    response = world.client.get(COMPLAINTS + "?page_size=1000000000")
    assert response.status_code == 200
    assert response.json()["count"] == 1 and len(response.json()["results"]) == 1


def test_unicode_text_is_kept_verbatim(world):
    """RTL overrides, zero-width joiners and emoji are valid text: stored as sent."""
    text = "Refund \u202egnorw\u202c \u200d\U0001f469\u200d\U0001f4bb \U0001f4b8"
    response = world.client.post(COMPLAINTS, {**BODY, "description": text}, format="json")
    assert response.status_code == 201
    assert (
        world.client.get(f"{COMPLAINTS}{response.json()['reference']}/").json()["description"]
        == text
    )
