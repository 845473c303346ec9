from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.permissions import customer_of
from backoffice.api.service import ServiceAPIView

from .models import NotificationChannel
from .services import MAX_BATCH_ROWS, customer_update_preferences, transaction_ingest_batch


class TransactionRowSerializer(serializers.Serializer):
    """Documents one row; the service validates rows itself so the CSV import shares it."""

    transaction_id = serializers.CharField(max_length=64)
    wallet_account_id = serializers.CharField(max_length=64)
    type = serializers.ChoiceField(["payment", "transfer", "top_up", "withdrawal", "refund"])
    amount = serializers.CharField(help_text='Decimal string, e.g. "120.50".')
    fee = serializers.CharField(required=False)
    currency = serializers.CharField(max_length=3)
    status = serializers.ChoiceField(["succeeded", "failed", "pending", "reversed"])
    counterparty = serializers.CharField(required=False)
    channel = serializers.CharField(required=False)
    error_code = serializers.CharField(required=False)
    error_message = serializers.CharField(required=False)
    occurred_at = serializers.DateTimeField()
    settled_at = serializers.DateTimeField(required=False)


class TransactionBatchSerializer(serializers.Serializer):
    transactions = TransactionRowSerializer(many=True)


class TransactionIngestApi(ServiceAPIView):
    @extend_schema(
        tags=["service"],
        summary="Upsert payment-core transaction records (bulk, idempotent, all or nothing)",
        description=f"At most {MAX_BATCH_ROWS} rows. A batch with any bad row is rejected with "
        "row-level errors (`batch_rejected`) and saves nothing.",
        request=TransactionBatchSerializer,
        responses={
            200: inline_serializer(
                "TransactionIngestResult",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                },
            )
        },
        examples=[
            OpenApiExample(
                "One payment",
                request_only=True,
                value={
                    "transactions": [
                        {
                            "transaction_id": "TXN202611220001",
                            "wallet_account_id": "W10000001",
                            "type": "payment",
                            "amount": "120.50",
                            "fee": "0.00",
                            "currency": "HKD",
                            "status": "succeeded",
                            "counterparty": "Harbour Coffee",
                            "occurred_at": "2026-11-22T09:30:00+08:00",
                        }
                    ]
                },
            )
        ],
    )
    def post(self, request):
        rows = request.data.get("transactions") if isinstance(request.data, dict) else None
        result = transaction_ingest_batch(rows=rows, actor=request.user)
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            status=status.HTTP_200_OK,
        )


class CustomerProfileSerializer(serializers.Serializer):
    wallet_account_id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    preferred_channel = serializers.ChoiceField(NotificationChannel.choices)
    language = serializers.ChoiceField(settings.LANGUAGES)
    time_zone = serializers.CharField(max_length=64)


class MeApi(APIView):
    """The logged-in customer's own profile and notification preferences."""

    @extend_schema(tags=["customer"], summary="My profile", responses=CustomerProfileSerializer)
    def get(self, request):
        return Response(CustomerProfileSerializer(customer_of(request)).data)

    @extend_schema(
        tags=["customer"],
        summary="Change my notification channel, language or time zone",
        request=CustomerProfileSerializer(partial=True),
        responses=CustomerProfileSerializer,
        examples=[
            OpenApiExample(
                "Switch to SMS in Traditional Chinese",
                request_only=True,
                value={"preferred_channel": "sms", "language": "zh-hant"},
            )
        ],
    )
    def patch(self, request):
        data = CustomerProfileSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        customer = customer_update_preferences(
            customer=customer_of(request), actor=request.user, **data.validated_data
        )
        return Response(CustomerProfileSerializer(customer).data)
