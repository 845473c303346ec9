from django.urls import path

from .apis import NotificationReceiptApi

urlpatterns = [
    path(
        "service/notifications/receipts/",
        NotificationReceiptApi.as_view(),
        name="service-notification-receipts",
    ),
]
