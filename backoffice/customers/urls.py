from django.urls import path

from .apis import TransactionIngestApi

urlpatterns = [
    path("service/transactions/", TransactionIngestApi.as_view(), name="service-transactions"),
]
