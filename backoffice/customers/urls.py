from django.urls import path

from .apis import MeApi, TransactionIngestApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="me"),
    path("service/transactions/", TransactionIngestApi.as_view(), name="service-transactions"),
]
