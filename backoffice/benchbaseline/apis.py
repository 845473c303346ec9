"""A plain CreateAPIView: ModelSerializer validation, one INSERT, the serializer's output.

Authentication and permission are the API defaults, exactly what complaint intake and
warning evaluation use (customer JWT, IsCustomer), so the ratio does not count auth twice.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from backoffice.api.permissions import customer_of

from .models import BaselineComplaint


class BaselineComplaintSerializer(serializers.ModelSerializer):
    class Meta:
        model = BaselineComplaint
        fields = ["id", "text", "created_at"]


@extend_schema(exclude=True)  # a benchmark fixture, not part of the published API
class BaselineComplaintCreateApi(generics.CreateAPIView):
    serializer_class = BaselineComplaintSerializer

    def perform_create(self, serializer):
        serializer.save(customer=customer_of(self.request))
