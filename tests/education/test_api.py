"""Customer API: inbox and events (own deliveries only), warnings evaluate / outcome /
bundle, quizzes, preferences; service credentials and staff are refused."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework_simplejwt.tokens import RefreshToken

from backoffice.api.services import service_credential_create
from education.models import (
    Delivery,
    DeliveryEvent,
    EducationOptOut,
    QuizAttempt,
    QuizChoice,
    QuizQuestion,
)
from education.serializers import EvaluateOutSerializer
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.education.factories import CampaignFactory, WarningRuleFactory, approved_tip
from tests.education.helpers import plan_at

pytestmark = pytest.mark.django_db
HK_TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def login(client, user):
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def customer():
    return CustomerWithLoginFactory(language="zh-hant")


@pytest.fixture
def client(api_client, customer):
    return login(api_client, customer.user)


def _deliver(capture, *customers):
    CampaignFactory(tip=approved_tip(slug="otp", topic="one_time_code"))
    plan_at(HK_TEN, capture)
    return {c.pk: Delivery.objects.get(customer=c) for c in customers}


def test_inbox_shows_only_own_tips_in_own_language(
    client, customer, django_capture_on_commit_callbacks
):
    other = CustomerWithLoginFactory()
    _deliver(django_capture_on_commit_callbacks, customer, other)
    response = client.get("/api/v1/education/inbox/")
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["tip"] == "otp"
    assert (item["language"], item["title"]) == ("zh-hant", "otp zh-hant v0")
    assert item["has_quiz"] is False


def test_events_update_own_delivery_and_refuse_others(
    client, customer, django_capture_on_commit_callbacks
):
    other = CustomerWithLoginFactory()
    deliveries = _deliver(django_capture_on_commit_callbacks, customer, other)
    own, foreign = deliveries[customer.pk], deliveries[other.pk]
    url = "/api/v1/education/deliveries/{}/events/"
    response = client.post(url.format(own.pk), {"type": "helpful"}, format="json")
    assert response.status_code == 200
    assert response.json()["feedback"] == "helpful"
    assert response.json()["opened_at"] is not None
    response = client.post(url.format(foreign.pk), {"type": "opened"}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "delivery_not_found"
    response = client.post(url.format(own.pk), {"type": "shared"}, format="json")
    assert response.status_code == 400
    assert list(DeliveryEvent.objects.values_list("delivery_id", "type")) == [(own.pk, "helpful")]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/education/inbox/",
        "/api/v1/education/warning-rules/",
        "/api/v1/education/preferences/",
    ],
)
def test_service_credential_and_staff_are_refused(api_client, path):
    _, token = service_credential_create(name="payment-core-test")
    api_client.credentials(HTTP_AUTHORIZATION=f"Service {token}")
    assert api_client.get(path).status_code in (401, 403)
    login(api_client, staff_user("content_editor"))
    assert api_client.get(path).status_code == 403
    api_client.credentials()
    assert api_client.get(path).status_code == 401


def test_evaluate_then_outcome(client):
    WarningRuleFactory(slug="large", friction="typed_ack")
    body = {
        "scenario": "large_payment",
        "request_id": "pay-0001",
        "context": {"amount": Decimal("12000.00"), "currency": "CNY"},
    }
    response = client.post("/api/v1/education/warnings/evaluate/", body, format="json")
    assert response.status_code == 200
    data = response.json()
    [warning] = data["warnings"]
    assert warning["friction"] == "typed_ack"
    assert warning["ack_phrase"] == "I understand"
    assert warning["actions"] == ["acknowledge", "cancel", "edit"]
    # The view answers without a second pass through its documented serializer: the
    # answer is exactly what that serializer would give.
    assert data == json.loads(JSONRenderer().render(EvaluateOutSerializer(data).data))
    assert sorted(data) == sorted(EvaluateOutSerializer().fields)
    assert sorted(warning) == sorted(EvaluateOutSerializer().fields["warnings"].child.fields)
    url = f"/api/v1/education/warnings/{data['decision_id']}/outcome/"
    response = client.post(url, {"outcome": "cancelled"}, format="json")
    assert response.status_code == 200
    response = client.post(url, {"outcome": "proceeded"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outcome_already_recorded"


@pytest.mark.parametrize(
    ("scenario", "context", "code", "field"),
    [
        ("big_payment", {"amount": "10", "currency": "HKD"}, "scenario_unknown", None),
        ("large_payment", {"amount": "-5", "currency": "HKD"}, "amount_not_positive", "amount"),
        ("large_payment", {"amount": "12,000", "currency": "HKD"}, "amount_not_a_number", "amount"),
        ("large_payment", {"amount": "1.234", "currency": "HKD"}, "amount_too_precise", "amount"),
        ("large_payment", {"amount": "10", "currency": "XYZ"}, "currency_unknown", "currency"),
        ("large_payment", {"currency": "HKD"}, "amount_and_currency_required", "currency"),
        ("large_payment", {}, "amount_required", "amount"),
        ("public_wifi", {"network_type": "satellite"}, "invalid_choice", "network_type"),
        ("new_device_login", {"device_known": "yes"}, "invalid_boolean", "device_known"),
        ("new_payee", {"payee_first_seen_at": "yesterday"}, "invalid_datetime", None),
    ],
)
def test_bad_evaluate_input_gets_a_clear_error(client, scenario, context, code, field):
    body = {"scenario": scenario, "request_id": "pay-bad", "context": context}
    response = client.post("/api/v1/education/warnings/evaluate/", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field:
        assert error["fields"][f"context.{field}"][0]["code"] == code


def test_evaluate_needs_a_request_id(client):
    response = client.post(
        "/api/v1/education/warnings/evaluate/",
        data=b'{"scenario": "large_payment", "context": {"amount": 12000.50, "currency": "HKD"}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["request_id"][0]["code"] == "required"


def test_outcome_of_someone_elses_decision_is_not_found(client, api_client):
    WarningRuleFactory(slug="large")
    other = login(api_client.__class__(), CustomerWithLoginFactory().user)
    data = other.post(
        "/api/v1/education/warnings/evaluate/",
        {
            "scenario": "large_payment",
            "request_id": "a1",
            "context": {"amount": "20000", "currency": "HKD"},
        },
        format="json",
    ).json()
    response = client.post(
        f"/api/v1/education/warnings/{data['decision_id']}/outcome/",
        {"outcome": "proceeded"},
        format="json",
    )
    assert response.status_code == 404


def test_rules_bundle_with_etag(client):
    WarningRuleFactory(slug="large")
    response = client.get("/api/v1/education/warning-rules/")
    assert response.status_code == 200
    bundle = response.json()
    assert [r["slug"] for r in bundle["rules"]] == ["large"]
    assert bundle["rules"][0]["conditions"]["min_amounts"]["USD"] == "1500"
    etag = response.headers["ETag"]
    assert (
        client.get("/api/v1/education/warning-rules/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    WarningRuleFactory(slug="wifi", scenario="public_wifi", min_amounts={})
    response = client.get("/api/v1/education/warning-rules/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["version"] != bundle["version"]


def test_quiz_answers_are_scored_and_recorded(client, customer):
    tip = approved_tip(slug="otp")
    question = QuizQuestion.objects.create(
        tip=tip, prompt={"en": "Who may ask for your code?", "zh-hant": "誰可以索取驗證碼"}
    )
    right = QuizChoice.objects.create(question=question, text={"en": "Nobody"}, is_correct=True)
    QuizChoice.objects.create(question=question, text={"en": "Staff"})
    quiz = client.get("/api/v1/education/tips/otp/quiz/").json()
    assert quiz["questions"][0]["prompt"] == "誰可以索取驗證碼"
    response = client.post(
        "/api/v1/education/tips/otp/quiz/attempts/",
        {"answers": [{"question": question.pk, "choice": right.pk}]},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["score"], response.json()["max_score"]) == (1, 1)
    assert QuizAttempt.objects.get().customer == customer
    response = client.post(
        "/api/v1/education/tips/otp/quiz/attempts/",
        {"answers": [{"question": question.pk, "choice": 999999}]},
        format="json",
    )
    assert response.json()["error"]["code"] == "quiz_answers_invalid"
    assert client.get("/api/v1/education/tips/nope/quiz/").status_code == 404


def test_preferences_defaults_and_update(client, customer):
    assert client.get("/api/v1/education/preferences/").json() == {
        "quiet_start": "22:00:00",
        "quiet_end": "08:00:00",
        "opted_out_channels": [],
        "opted_out_topics": [],
    }
    body = {
        "quiet_start": "23:00",
        "quiet_end": "07:00",
        "opted_out_channels": ["sms"],
        "opted_out_topics": ["phishing"],
    }
    response = client.put("/api/v1/education/preferences/", body, format="json")
    assert response.status_code == 200
    assert response.json()["opted_out_channels"] == ["sms"]
    assert EducationOptOut.objects.filter(customer=customer).count() == 2
    body["opted_out_topics"] = []
    client.put("/api/v1/education/preferences/", body, format="json")
    assert EducationOptOut.objects.filter(customer=customer).count() == 1
    response = client.patch("/api/v1/education/preferences/", {"quiet_end": "09:30"}, format="json")
    assert response.json() == {
        "quiet_start": "23:00:00",
        "quiet_end": "09:30:00",
        "opted_out_channels": ["sms"],
        "opted_out_topics": [],
    }


def test_every_endpoint_is_in_the_schema(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    paths = [p for p in schema["paths"] if p.startswith("/api/v1/education/")]
    assert sorted(paths) == [
        "/api/v1/education/deliveries/{delivery_id}/events/",
        "/api/v1/education/inbox/",
        "/api/v1/education/preferences/",
        "/api/v1/education/tips/{slug}/quiz/",
        "/api/v1/education/tips/{slug}/quiz/attempts/",
        "/api/v1/education/warning-rules/",
        "/api/v1/education/warnings/evaluate/",
        "/api/v1/education/warnings/{decision_id}/outcome/",
    ]
