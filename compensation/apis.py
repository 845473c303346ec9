"""Thin views: validate the input, call a service or selector, render the output."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from backoffice.api.permissions import customer_of
from backoffice.api.service import ServiceAPIView

from .engine import exact
from .selectors import customer_coupons, customer_fee_waivers, customer_refunds
from .serializers import (
    CouponRedeemInSerializer,
    CouponRedeemOutSerializer,
    FeeWaiverConsumeInSerializer,
    FeeWaiverConsumeOutSerializer,
    MyCompensationSerializer,
)
from .services import coupon_redeem, fee_waiver_consume

_MY_EXAMPLE = {
    "refunds": [
        {
            "complaint": "CMP-20261122-7KQ2MX",
            "transaction_id": "TXN202611220001D",
            "amount": "120.50",
            "currency": "HKD",
            "status": "completed",
            "reference": "WL3F9A0C1D2E4B5A6C",
            "account": "W10000001",
            "completed_at": "2026-11-22T10:02:00+08:00",
        }
    ],
    "coupons": [
        {
            "code": "7KQ2-MXPA-9RTW",
            "currency": "HKD",
            "amount_off": "50.00",
            "percent_off": None,
            "max_discount": "50.00",
            "min_spend": "100.00",
            "expires_at": "2026-12-22T10:02:00+08:00",
            "used": False,
            "used_at": None,
        }
    ],
    "fee_waivers": [
        {
            "currency": "HKD",
            "transaction_types": ["transfer"],
            "remaining_count": 2,
            "remaining_amount": "10.00",
            "max_total": "15.00",
            "expires_at": "2026-12-22T10:02:00+08:00",
        }
    ],
}


class MyCompensationApi(APIView):
    """The logged-in customer's own refunds, coupons and fee waivers."""

    pagination_class = None

    @extend_schema(
        tags=["compensation"],
        summary="My compensation: refunds (status), coupons and fee waivers",
        responses=MyCompensationSerializer,
        examples=[OpenApiExample("Refund, coupon and waiver", value=_MY_EXAMPLE)],
    )
    def get(self, request):
        customer = customer_of(request)
        data = {
            "refunds": customer_refunds(customer=customer),
            "coupons": customer_coupons(customer=customer),
            "fee_waivers": customer_fee_waivers(customer=customer),
        }
        return Response(MyCompensationSerializer(data).data)


class CouponRedeemApi(ServiceAPIView):
    @extend_schema(
        tags=["service"],
        summary="Redeem a customer's coupon on a payment (single use)",
        description="Errors: `coupon_not_found`, `coupon_not_owned`, `coupon_already_used`, "
        "`coupon_expired`, `coupon_currency_mismatch`, `coupon_below_minimum_spend`. "
        "Repeating the call for the same transaction returns the first answer.",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        request=CouponRedeemInSerializer,
        responses={200: CouponRedeemOutSerializer},
        examples=[
            OpenApiExample(
                "A payment of HKD 120.50",
                request_only=True,
                value={
                    "wallet_account_id": "W10000001",
                    "transaction_id": "TXN202611220777",
                    "amount": "120.50",
                    "currency": "HKD",
                },
            )
        ],
    )
    def post(self, request, code: str):
        data = CouponRedeemInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        coupon = coupon_redeem(code=code, actor=request.user, **data.validated_data)
        return Response(CouponRedeemOutSerializer(coupon).data)


class FeeWaiverConsumeApi(ServiceAPIView):
    @extend_schema(
        tags=["service"],
        summary="Waive a transaction's fee from the customer's fee waivers",
        description="Atomic and idempotent per transaction id; a waiver never goes below "
        "zero. When no waiver applies, `waived` is 0 and the fee is charged as usual.",
        request=FeeWaiverConsumeInSerializer,
        responses={200: FeeWaiverConsumeOutSerializer},
        examples=[
            OpenApiExample(
                "A transfer fee",
                request_only=True,
                value={
                    "wallet_account_id": "W10000001",
                    "transaction_id": "TXN202611220778",
                    "transaction_type": "transfer",
                    "fee": "5.00",
                    "currency": "HKD",
                },
            )
        ],
    )
    def post(self, request):
        data = FeeWaiverConsumeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        use = fee_waiver_consume(actor=request.user, **data.validated_data)
        waiver = use.waiver
        body = {
            "transaction_id": data.validated_data["transaction_id"],
            "currency": use.currency,
            "waived": str(exact(use.waived, use.currency)),
            "waiver_id": waiver.pk if waiver else None,
            "remaining_count": waiver.remaining_count if waiver else None,
            "remaining_amount": str(exact(waiver.remaining_amount, waiver.currency))
            if waiver
            else None,
        }
        return Response(FeeWaiverConsumeOutSerializer(body).data)
