"""Customer API: inbox, delivery events, scenario warnings, rules bundle, quizzes and
preferences. Thin views: input serializer -> service/selector -> output serializer."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.pagination import StandardPagination
from backoffice.api.permissions import customer_of

from .exceptions import QuizNotFound
from .models import EducationProfile, SecurityTip
from .rules_cache import rules_bundle
from .selectors import inbox_deliveries, inbox_items, tip_quiz
from .serializers import (
    DeliveryEventInSerializer,
    DeliveryStateSerializer,
    EvaluateInSerializer,
    EvaluateOutSerializer,
    InboxItemSerializer,
    OutcomeInSerializer,
    OutcomeOutSerializer,
    PreferencesSerializer,
    QuizAttemptInSerializer,
    QuizAttemptOutSerializer,
    QuizOutSerializer,
    RulesBundleSerializer,
)
from .services.content import quiz_attempt_submit
from .services.delivery import delivery_event_record
from .services.preferences import education_preferences, education_preferences_update
from .services.warnings import (
    RAISED_SENSITIVITY_FACTOR,
    warning_evaluate,
    warning_outcome_record,
    warning_presentation,
)

TAGS = ["education"]
_INBOX_EXAMPLE = {
    "id": 812,
    "tip": "never-share-otp",
    "topic": "one_time_code",
    "severity": "warning",
    "language": "en",
    "variant": 1,
    "title": "Nobody needs your code",
    "body": "Not even our staff will ever ask for a one-time code.",
    "sent_at": "2026-11-22T10:00:00+08:00",
    "opened_at": None,
    "dismissed_at": None,
    "feedback": "",
    "has_quiz": True,
}


class InboxApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The customer's in-app security tips, newest first, in their language",
        responses={200: InboxItemSerializer(many=True)},
        examples=[OpenApiExample("One tip", value=_INBOX_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        customer = customer_of(request)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(inbox_deliveries(customer=customer), request, self)
        items = inbox_items(deliveries=page, language=customer.language)
        return paginator.get_paginated_response(InboxItemSerializer(items, many=True).data)


class DeliveryEventApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Record what the customer did with a tip: opened, dismissed, (not) helpful",
        request=DeliveryEventInSerializer,
        responses={200: DeliveryStateSerializer},
        examples=[OpenApiExample("Opened", value={"type": "opened"}, request_only=True)],
    )
    def post(self, request, delivery_id: int):
        data = DeliveryEventInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = delivery_event_record(
            customer=customer_of(request),
            delivery_id=delivery_id,
            type=data.validated_data["type"],
        )
        return Response(DeliveryStateSerializer(delivery).data)


class WarningEvaluateApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Which security warnings to show now, for a scenario in the payment flow",
        description="Errors: `scenario_unknown`, `amount_required`, `amount_not_positive`, "
        "`amount_not_a_number`, `amount_too_precise`, `currency_unknown`, `invalid_choice`, "
        "`invalid_datetime`, `invalid_boolean` (all 400, details under `fields`).",
        request=EvaluateInSerializer,
        responses={200: EvaluateOutSerializer},
        examples=[
            OpenApiExample(
                "Large payment to a new payee",
                request_only=True,
                value={
                    "scenario": "large_payment",
                    "request_id": "pay-7f3a9c",
                    "context": {
                        "amount": "12000.00",
                        "currency": "CNY",
                        "payee_first_seen_at": None,
                        "network_type": "cellular",
                        "device_known": True,
                    },
                },
            ),
            OpenApiExample(
                "One warning",
                response_only=True,
                value={
                    "decision_id": "5b0f0c1e-8f5d-4d7e-9c1a-2f9a1c3b7e10",
                    "rules_version": "3fa2c1d09b7e4a11",
                    "warnings": [
                        {
                            "id": 4,
                            "rule": "large-payment-new-payee",
                            "variant": 0,
                            "severity": "critical",
                            "title": "Do you know this payee?",
                            "body": "Scammers ask for large transfers to new accounts.",
                            "friction": "typed_ack",
                            "actions": ["acknowledge", "cancel", "edit"],
                            "exposure_number": 1,
                            "ack_phrase": "I know this payee",
                            "hold_seconds": 0,
                        }
                    ],
                },
            ),
        ],
    )
    def post(self, request):
        data = EvaluateInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = warning_evaluate(customer=customer_of(request), **data.validated_data)
        body = {
            "decision_id": decision.pk,
            "rules_version": decision.rules_version,
            "warnings": warning_presentation(decision=decision),
        }
        # Already in EvaluateOutSerializer's shape (plain values, a UUID the renderer
        # writes as text): in the payment flow, a second pass through DRF fields is cost
        # without a check. tests/education test that the two agree.
        return Response(body)


class WarningOutcomeApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="What the customer did after the warnings: proceeded, cancelled or edited",
        request=OutcomeInSerializer,
        responses={200: OutcomeOutSerializer},
        examples=[OpenApiExample("Cancelled", value={"outcome": "cancelled"}, request_only=True)],
    )
    def post(self, request, decision_id):
        data = OutcomeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = warning_outcome_record(
            customer=customer_of(request),
            decision_id=decision_id,
            outcome=data.validated_data["outcome"],
        )
        return Response(
            OutcomeOutSerializer(
                {
                    "decision_id": outcome.decision_id,
                    "outcome": outcome.outcome,
                    "recorded_at": outcome.created_at,
                }
            ).data
        )


class WarningRulesApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The warning rules as a versioned bundle the app caches for offline use",
        description="Send the ETag back in If-None-Match: 304 while nothing changed. With "
        "`sensitivity_raised`, multiply amount thresholds by "
        "`raised_sensitivity_factor` and ignore cooldowns.",
        responses={200: RulesBundleSerializer},
        examples=[
            OpenApiExample(
                "Bundle",
                response_only=True,
                value={
                    "version": "3fa2c1d09b7e4a11",
                    "built_at": "2026-11-22T10:00:00+08:00",
                    "sensitivity_raised": False,
                    "raised_sensitivity_factor": "0.5",
                    "rules": [{"slug": "large-payment", "scenario": "large_payment"}],
                },
            )
        ],
    )
    def get(self, request):
        bundle = rules_bundle()
        raised = EducationProfile.objects.filter(
            customer=customer_of(request), sensitivity_raised_until__gt=timezone.now()
        ).exists()
        etag = f'"{bundle.version}-{int(raised)}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        body = {
            "version": bundle.version,
            "built_at": bundle.built_at,
            "sensitivity_raised": raised,
            "raised_sensitivity_factor": str(RAISED_SENSITIVITY_FACTOR),
            "rules": bundle.payload,
        }
        return Response(RulesBundleSerializer(body).data, headers={"ETag": etag})


class QuizApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A tip's quiz in the customer's language",
        responses={200: QuizOutSerializer},
        examples=[
            OpenApiExample(
                "Quiz",
                response_only=True,
                value={
                    "tip": "never-share-otp",
                    "questions": [
                        {
                            "id": 1,
                            "prompt": "Who may ask for your one-time code?",
                            "choices": [{"id": 1, "text": "Nobody"}, {"id": 2, "text": "Staff"}],
                        }
                    ],
                },
            )
        ],
    )
    def get(self, request, slug: str):
        quiz = tip_quiz(slug=slug, language=customer_of(request).language)
        if quiz is None:
            raise QuizNotFound()
        return Response(QuizOutSerializer(quiz).data)


class QuizAttemptApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Answer a tip's quiz; returns the score",
        request=QuizAttemptInSerializer,
        responses={201: QuizAttemptOutSerializer},
        examples=[
            OpenApiExample(
                "Answers",
                request_only=True,
                value={"answers": [{"question": 1, "choice": 1}]},
            )
        ],
    )
    def post(self, request, slug: str):
        data = QuizAttemptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tip = SecurityTip.objects.filter(slug=slug, status="approved").first()
        if tip is None:
            raise QuizNotFound()
        attempt = quiz_attempt_submit(
            customer=customer_of(request),
            tip=tip,
            answers={a["question"]: a["choice"] for a in data.validated_data["answers"]},
        )
        return Response(QuizAttemptOutSerializer(attempt).data, status=status.HTTP_201_CREATED)


_PREFS_EXAMPLE = {
    "quiet_start": "22:00:00",
    "quiet_end": "08:00:00",
    "opted_out_channels": ["sms"],
    "opted_out_topics": [],
}


class PreferencesApi(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The customer's quiet hours and education opt-outs",
        responses={200: PreferencesSerializer},
        examples=[OpenApiExample("Defaults", value=_PREFS_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        return Response(
            PreferencesSerializer(education_preferences(customer=customer_of(request))).data
        )

    @extend_schema(
        tags=TAGS,
        summary="Replace the customer's quiet hours and education opt-outs",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer},
        examples=[OpenApiExample("No SMS", value=_PREFS_EXAMPLE)],
    )
    def put(self, request):
        data = PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        prefs = education_preferences_update(customer=customer_of(request), **data.validated_data)
        return Response(PreferencesSerializer(prefs).data)

    @extend_schema(
        tags=TAGS,
        summary="Change some of the customer's quiet hours and education opt-outs",
        request=PreferencesSerializer(partial=True),
        responses={200: PreferencesSerializer},
        examples=[OpenApiExample("Quiet until nine", value={"quiet_end": "09:00:00"})],
    )
    def patch(self, request):
        data = PreferencesSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = customer_of(request)
        current = education_preferences(customer=customer)
        prefs = education_preferences_update(
            customer=customer, **{**current, **data.validated_data}
        )
        return Response(PreferencesSerializer(prefs).data)
