from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backoffice.api.service import ServiceAPIView

from .services import notification_record_receipt


class ReceiptSerializer(serializers.Serializer):
    provider_message_id = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(["delivered", "failed"])
    occurred_at = serializers.DateTimeField()
    error = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NotificationReceiptOutSerializer(serializers.Serializer):
    provider_message_id = serializers.CharField()
    status = serializers.CharField()


class NotificationReceiptApi(ServiceAPIView):
    @extend_schema(
        tags=["service"],
        summary="Record a delivery receipt from an SMS, e-mail or push provider",
        request=ReceiptSerializer,
        responses={200: NotificationReceiptOutSerializer},
    )
    def post(self, request):
        data = ReceiptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notification = notification_record_receipt(
            provider_message_id=data.validated_data["provider_message_id"],
            delivered=data.validated_data["status"] == "delivered",
            occurred_at=data.validated_data["occurred_at"],
            error=data.validated_data["error"],
            actor=request.user,
        )
        return Response(
            {"provider_message_id": notification.provider_message_id, "status": notification.status}
        )
