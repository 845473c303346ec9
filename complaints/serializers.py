"""Customer API shapes. Customers see staff only as a first name and a role, and never
internal events or notes."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.core.money import CURRENCY_CHOICES

from .models import Complaint, ComplaintCategory, ComplaintChannel, ComplaintState
from .selectors import complaint_sla_expectations, complaint_timeline, staff_label


class AmountField(serializers.Field):
    """A decimal amount as a string ("12.50") or JSON number; never a float (the parser
    reads fractions as Decimal). The service validates it against the currency."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> str:
        return str(value)


extend_schema_field({"type": "string", "example": "100.00"})(AmountField)


class ComplaintCreateIn(serializers.Serializer):
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    channel = serializers.ChoiceField(
        choices=ComplaintChannel.choices, default=ComplaintChannel.IN_APP
    )
    amount = AmountField(required=False, allow_null=True, default=None)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    transaction_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=20
    )


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RejectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RatingIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MessageIn(serializers.Serializer):
    body = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text=_("PNG, JPEG or PDF, 5 MB each.")
    )


class StaffOut(serializers.Serializer):
    first_name = serializers.CharField()
    role = serializers.CharField()


class ComplaintOut(serializers.Serializer):
    """A complaint as its customer sees it. Declared field by field, not a ModelSerializer:
    that one rebuilds its fields from the model on every use, a fifth of the cost of
    answering a filing."""

    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=ComplaintState.choices)
    state_label = serializers.CharField(source="get_state_display")
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    category_label = serializers.CharField(source="get_category_display")
    channel = serializers.ChoiceField(choices=ComplaintChannel.choices)
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, allow_null=True)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, allow_blank=True)
    occurred_at = serializers.DateTimeField(allow_null=True)
    transaction_ids = serializers.SerializerMethodField()
    handled_by = serializers.SerializerMethodField()
    sla_expectations = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    satisfaction_score = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_transaction_ids(self, obj: Complaint) -> list[str]:
        linked = getattr(obj, "linked_transaction_ids", None)  # set by intake: no query
        if linked is None:
            linked = [t.transaction_id for t in obj.transactions.all()]
        return linked + list(obj.raw_transaction_refs or [])

    @extend_schema_field(StaffOut(allow_null=True))
    def get_handled_by(self, obj: Complaint) -> dict | None:
        return staff_label(obj.owner) if obj.owner_id else None

    def get_sla_expectations(self, obj: Complaint) -> list[str]:
        return complaint_sla_expectations(complaint=obj) if obj.is_open else []

    def get_actions(self, obj: Complaint) -> list[str]:
        """What the customer can do now."""
        actions = []
        if obj.state == ComplaintState.AWAITING_CONFIRMATION:
            actions += ["accept", "reject"]
        if obj.is_open:
            actions += ["withdraw", "message"]
        if obj.state == ComplaintState.CLOSED and obj.satisfaction_score is None:
            actions.append("rate")
        return actions


class TimelineItemOut(serializers.Serializer):
    type = serializers.ChoiceField(["event", "message", "notice"])
    at = serializers.DateTimeField()
    kind = serializers.CharField(required=False)
    from_state = serializers.CharField(required=False)
    to_state = serializers.CharField(required=False)
    to_state_label = serializers.CharField(required=False)
    text = serializers.CharField(required=False)
    sender = serializers.CharField(required=False)
    author = StaffOut(required=False, allow_null=True)
    attachments = serializers.ListField(child=serializers.DictField(), required=False)
    channel = serializers.CharField(required=False)
    subject = serializers.CharField(required=False)
    status = serializers.CharField(required=False)
    sent_at = serializers.DateTimeField(required=False, allow_null=True)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)


def attachment_out(complaint: Complaint, attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse(
            "complaint-attachment",
            kwargs={"reference": complaint.reference, "attachment_id": attachment.pk},
        ),
    }


def timeline_for_customer(complaint: Complaint) -> list[dict[str, Any]]:
    out = []
    for item in complaint_timeline(complaint=complaint, for_customer=True):
        row: dict[str, Any] = {"type": item["type"], "at": item["at"]}
        if item["type"] == "event":
            event = item["event"]
            row |= {
                "kind": event.kind,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "to_state_label": event.get_to_state_display() if event.to_state else "",
                "text": event.reason,
            }
        elif item["type"] == "message":
            message = item["message"]
            author = staff_label(message.author) if message.sender == "staff" else None
            row |= {
                "sender": message.sender,
                "author": author,
                "text": message.body,
                "attachments": [attachment_out(complaint, a) for a in message.attachments.all()],
            }
        else:
            notice = item["notice"]
            row |= {
                "channel": notice.channel,
                "subject": notice.subject,
                "status": notice.status,
                "sent_at": notice.sent_at,
                "delivered_at": notice.delivered_at,
            }
        out.append(row)
    return out


class ComplaintDetailOut(ComplaintOut):
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(TimelineItemOut(many=True))
    def get_timeline(self, obj: Complaint) -> list[dict]:
        return TimelineItemOut(timeline_for_customer(obj), many=True).data


class MessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = serializers.ListField(child=serializers.DictField())
