from django.urls import path

from .apis import BaselineComplaintCreateApi

urlpatterns = [path("", BaselineComplaintCreateApi.as_view(), name="bench-baseline")]
