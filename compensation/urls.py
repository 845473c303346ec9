from django.urls import path

from .apis import CouponRedeemApi, FeeWaiverConsumeApi, MyCompensationApi

urlpatterns = [
    path("compensations/", MyCompensationApi.as_view(), name="my-compensations"),
    path(
        "service/coupons/<str:code>/redeem/",
        CouponRedeemApi.as_view(),
        name="service-coupon-redeem",
    ),
    path(
        "service/fee-waivers/consume/",
        FeeWaiverConsumeApi.as_view(),
        name="service-fee-waiver-consume",
    ),
]
