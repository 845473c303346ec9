"""Input and output serializers of the education API (no logic: services decide)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backoffice.customers.models import NotificationChannel

from .models import DeliveryEventType, Friction, Outcome, TipTopic


class InboxItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    tip = serializers.CharField(help_text=_("The tip's slug."))
    topic = serializers.CharField()
    severity = serializers.CharField()
    language = serializers.CharField()
    variant = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    sent_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    dismissed_at = serializers.DateTimeField(allow_null=True)
    feedback = serializers.CharField(allow_blank=True)
    has_quiz = serializers.BooleanField()


class DeliveryEventInSerializer(serializers.Serializer):
    type = serializers.ChoiceField(DeliveryEventType.choices)


class DeliveryStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    opened_at = serializers.DateTimeField(allow_null=True)
    dismissed_at = serializers.DateTimeField(allow_null=True)
    feedback = serializers.CharField(allow_blank=True)


class EvaluateInSerializer(serializers.Serializer):
    scenario = serializers.CharField(max_length=32)
    context = serializers.DictField(
        help_text=_(
            "amount (decimal string) and currency; payee_first_seen_at (ISO 8601 or null for "
            "a payee never paid); network_type; device_known."
        )
    )
    request_id = serializers.RegexField(
        r"^[A-Za-z0-9._:-]{1,64}$",
        help_text=_("The app's id for this attempt; a retry with the same id is not new."),
    )


class WarningOutSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The warning rule's id."))
    rule = serializers.CharField()
    variant = serializers.IntegerField()
    severity = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    friction = serializers.ChoiceField(Friction.choices)
    actions = serializers.ListField(child=serializers.CharField())
    exposure_number = serializers.IntegerField()
    ack_phrase = serializers.CharField(allow_blank=True)
    hold_seconds = serializers.IntegerField()


class EvaluateOutSerializer(serializers.Serializer):
    decision_id = serializers.UUIDField()
    rules_version = serializers.CharField()
    warnings = WarningOutSerializer(many=True)


class OutcomeInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(Outcome.choices)


class OutcomeOutSerializer(serializers.Serializer):
    decision_id = serializers.UUIDField()
    outcome = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class RulesBundleSerializer(serializers.Serializer):
    version = serializers.CharField()
    built_at = serializers.DateTimeField()
    sensitivity_raised = serializers.BooleanField()
    raised_sensitivity_factor = serializers.CharField()
    rules = serializers.ListField(child=serializers.DictField())


class QuizChoiceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuizQuestionOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    prompt = serializers.CharField()
    choices = QuizChoiceOutSerializer(many=True)


class QuizOutSerializer(serializers.Serializer):
    tip = serializers.CharField()
    questions = QuizQuestionOutSerializer(many=True)


class QuizAnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    choice = serializers.IntegerField()


class QuizAttemptInSerializer(serializers.Serializer):
    answers = QuizAnswerSerializer(many=True, allow_empty=False)


class QuizAttemptOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    max_score = serializers.IntegerField()


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "enum": NotificationChannel.values}}
)
class ChannelListField(serializers.ListField):
    """The channel choices are the kernel's preferred-channel enum; described inline so the
    schema does not name the same choice set twice."""

    child = serializers.ChoiceField(NotificationChannel.choices)


class PreferencesSerializer(serializers.Serializer):
    quiet_start = serializers.TimeField()
    quiet_end = serializers.TimeField()
    opted_out_channels = ChannelListField(allow_empty=True)
    opted_out_topics = serializers.ListField(
        child=serializers.ChoiceField(TipTopic.choices), allow_empty=True
    )
