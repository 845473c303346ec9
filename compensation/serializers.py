"""Input and output shapes of the compensation API."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.core.money import CURRENCY_CHOICES
from backoffice.customers.models import TransactionType

from .engine import exact
from .models import LineStatus


@extend_schema_field(OpenApiTypes.STR)
class AmountInputField(serializers.Field):
    """An amount exactly as sent (decimal string or JSON number); the service parses it
    with the currency's precision and refuses floats."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> str:
        return str(value)


class CouponRedeemInSerializer(serializers.Serializer):
    wallet_account_id = serializers.CharField(max_length=64)
    transaction_id = serializers.CharField(max_length=64)
    amount = AmountInputField(help_text=_('The payment amount, as a decimal string: "120.50".'))
    currency = serializers.ChoiceField(CURRENCY_CHOICES)


class CouponRedeemOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    transaction_id = serializers.CharField(source="used_transaction_id")
    currency = serializers.CharField()
    discount = serializers.SerializerMethodField()
    redeemed_at = serializers.DateTimeField(source="used_at")

    def get_discount(self, coupon) -> str:
        return str(exact(coupon.discount_given, coupon.currency))


class FeeWaiverConsumeInSerializer(serializers.Serializer):
    wallet_account_id = serializers.CharField(max_length=64)
    transaction_id = serializers.CharField(max_length=64)
    transaction_type = serializers.ChoiceField(TransactionType.choices)
    fee = AmountInputField(help_text=_('The fee the transaction would cost: "5.00".'))
    currency = serializers.ChoiceField(CURRENCY_CHOICES)


class FeeWaiverConsumeOutSerializer(serializers.Serializer):
    transaction_id = serializers.CharField()
    currency = serializers.CharField()
    waived = serializers.CharField(help_text=_("Fee waived; 0 when no waiver applies."))
    waiver_id = serializers.IntegerField(allow_null=True)
    remaining_count = serializers.IntegerField(allow_null=True)
    remaining_amount = serializers.CharField(allow_null=True)


_CUSTOMER_STATUS = {
    LineStatus.EXECUTING: "processing",
    LineStatus.UNKNOWN: "processing",
    LineStatus.SUCCEEDED: "completed",
    LineStatus.FAILED: "failed",
}


class RefundOutSerializer(serializers.Serializer):
    complaint = serializers.CharField(source="proposal.complaint.reference")
    transaction_id = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField()
    status = serializers.SerializerMethodField(help_text=_("processing, completed or failed."))
    reference = serializers.CharField(source="gateway_reference")
    account = serializers.CharField(source="account_credited")
    completed_at = serializers.DateTimeField(source="settled_at", allow_null=True)

    def get_transaction_id(self, line) -> str:
        return line.transaction.transaction_id if line.transaction_id else ""

    def get_amount(self, line) -> str:
        return str(exact(line.amount, line.currency))

    def get_status(self, line) -> str:
        return _CUSTOMER_STATUS.get(line.status, "processing")


class CouponOutSerializer(serializers.Serializer):
    code = serializers.CharField()
    currency = serializers.CharField()
    amount_off = serializers.SerializerMethodField()
    percent_off = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    max_discount = serializers.SerializerMethodField()
    min_spend = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()
    used = serializers.BooleanField(source="is_used")
    used_at = serializers.DateTimeField(allow_null=True)

    def get_amount_off(self, coupon) -> str | None:
        return None if coupon.amount_off is None else str(exact(coupon.amount_off, coupon.currency))

    def get_max_discount(self, coupon) -> str:
        return str(exact(coupon.max_discount, coupon.currency))

    def get_min_spend(self, coupon) -> str:
        return str(exact(coupon.min_spend, coupon.currency))


class FeeWaiverOutSerializer(serializers.Serializer):
    currency = serializers.CharField()
    transaction_types = serializers.ListField(child=serializers.CharField())
    remaining_count = serializers.IntegerField(allow_null=True)
    remaining_amount = serializers.SerializerMethodField()
    max_total = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)

    def get_remaining_amount(self, waiver) -> str:
        return str(exact(waiver.remaining_amount, waiver.currency))

    def get_max_total(self, waiver) -> str:
        return str(exact(waiver.max_total, waiver.currency))


class MyCompensationSerializer(serializers.Serializer):
    refunds = RefundOutSerializer(many=True)
    coupons = CouponOutSerializer(many=True)
    fee_waivers = FeeWaiverOutSerializer(many=True)
