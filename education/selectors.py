"""Readers: segment membership in SQL, the inbox, effectiveness figures."""

from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backoffice.core.exceptions import ValidationFailed
from backoffice.customers.models import Customer

from .models import (
    Delivery,
    DeliveryStatus,
    Outcome,
    SecurityTip,
    Segment,
    TipText,
    WarningRule,
    WarningShown,
)


def _complaint_model():
    try:
        return apps.get_model("complaints", "Complaint")
    except LookupError:
        raise ValidationFailed(
            _("Complaint-based segments need the complaints app."),
            code="complaints_unavailable",
            hint=_("Remove the complaint criteria from the segment."),
        ) from None


def segment_filter(*, segment: Segment, now: datetime) -> Q:
    """The segment as one SQL condition on Customer (criteria ANDed; none: everyone)."""
    condition = Q()
    if segment.registered_within_days is not None:
        condition &= Q(registered_at__gte=now - timedelta(days=segment.registered_within_days))
    if segment.complaint_category or segment.complaint_root_cause:
        complaints = _complaint_model().objects.filter(customer=OuterRef("pk"))
        if segment.complaint_category:
            complaints = complaints.filter(category=segment.complaint_category)
        if segment.complaint_root_cause:
            complaints = complaints.filter(root_cause=segment.complaint_root_cause)
        if segment.complaint_within_days is not None:
            since = now - timedelta(days=segment.complaint_within_days)
            complaints = complaints.filter(created_at__gte=since)
        condition &= Q(Exists(complaints))
    if segment.language:
        condition &= Q(language=segment.language)
    if segment.not_read_topic:
        read = Delivery.objects.filter(
            customer=OuterRef("pk"), tip__topic=segment.not_read_topic, opened_at__isnull=False
        )
        condition &= ~Q(Exists(read))
    if segment.vulnerable_only:
        condition &= Q(is_vulnerable=True)
    return condition


def segment_customers(*, segment: Segment, now: datetime | None = None) -> QuerySet[Customer]:
    return Customer.objects.filter(segment_filter(segment=segment, now=now or timezone.now()))


def segment_count(*, segment: Segment) -> int:
    """Dry run: how many customers the segment holds right now."""
    return segment_customers(segment=segment).count()


def tip_texts(*, version_ids: set[int]) -> dict[tuple[int, int, str], TipText]:
    """Texts by (version id, variant, language)."""
    return {
        (t.version_id, t.variant, t.language): t
        for t in TipText.objects.filter(version_id__in=version_ids)
    }


def pick_text(texts: dict, version_id: int, variant: int, language: str) -> TipText | None:
    """The text in the customer's language, else English; variant 0 if the variant lacks it."""
    for key in (
        (version_id, variant, language),
        (version_id, variant, "en"),
        (version_id, 0, language),
        (version_id, 0, "en"),
    ):
        if key in texts:
            return texts[key]
    return None


def inbox_deliveries(*, customer: Customer) -> QuerySet[Delivery]:
    """The customer's in-app tips that have been sent, newest first."""
    return (
        Delivery.objects.filter(customer=customer, channel="in_app", status=DeliveryStatus.SENT)
        .select_related("tip")
        .annotate(quiz_questions=Count("tip__questions"))
        .order_by("-sent_at", "-id")
    )


def tip_effectiveness(*, tips: QuerySet[SecurityTip]) -> QuerySet[SecurityTip]:
    """Per tip: delivered, opened, dismissed, helpful and not helpful counts."""
    sent = Q(deliveries__status=DeliveryStatus.SENT)
    return tips.annotate(
        delivered=Count("deliveries", filter=sent),
        opened=Count("deliveries", filter=sent & Q(deliveries__opened_at__isnull=False)),
        dismissed=Count("deliveries", filter=sent & Q(deliveries__dismissed_at__isnull=False)),
        helpful=Count("deliveries", filter=sent & Q(deliveries__feedback="helpful")),
        not_helpful=Count("deliveries", filter=sent & Q(deliveries__feedback="not_helpful")),
    )


def rule_effectiveness(*, rules: QuerySet[WarningRule]) -> QuerySet[WarningRule]:
    """Per warning rule: times shown, cancelled and proceeded."""
    return rules.annotate(
        shown_count=Count("shown"),
        cancelled_count=Count(
            "shown", filter=Q(shown__decision__outcome__outcome=Outcome.CANCELLED)
        ),
        proceeded_count=Count(
            "shown", filter=Q(shown__decision__outcome__outcome=Outcome.PROCEEDED)
        ),
    )


def rule_proceed_rate_by_exposure(*, rule: WarningRule, limit: int = 10) -> list[dict]:
    """For exposure number 1, 2, ...: shown, proceeded, and the proceed rate (of those with
    an outcome). Shows whether repeated warnings stop working."""
    rows = (
        WarningShown.objects.filter(rule=rule, exposure_number__lte=limit)
        .values("exposure_number")
        .annotate(
            shown=Count("id"),
            answered=Count("id", filter=Q(decision__outcome__isnull=False)),
            proceeded=Count("id", filter=Q(decision__outcome__outcome=Outcome.PROCEEDED)),
        )
        .order_by("exposure_number")
    )
    return [
        {**row, "proceed_rate": (row["proceeded"] / row["answered"]) if row["answered"] else None}
        for row in rows
    ]


def inbox_items(*, deliveries: list[Delivery], language: str) -> list[dict]:
    """Inbox rows rendered in the customer's language (English when a text lacks it)."""
    texts = tip_texts(version_ids={d.version_id for d in deliveries})
    items = []
    for delivery in deliveries:
        text = pick_text(texts, delivery.version_id, delivery.variant, language)
        items.append(
            {
                "id": delivery.pk,
                "tip": delivery.tip.slug,
                "topic": delivery.tip.topic,
                "severity": delivery.tip.severity,
                "language": text.language if text else language,
                "variant": delivery.variant,
                "title": text.title if text else "",
                "body": text.body if text else "",
                "sent_at": delivery.sent_at,
                "opened_at": delivery.opened_at,
                "dismissed_at": delivery.dismissed_at,
                "feedback": delivery.feedback,
                "has_quiz": bool(delivery.quiz_questions),
            }
        )
    return items


def _localized(texts: dict, language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def tip_quiz(*, slug: str, language: str) -> dict | None:
    """An approved tip's quiz in `language`, or None."""
    tip = (
        SecurityTip.objects.filter(slug=slug, status="approved")
        .prefetch_related("questions__choices")
        .first()
    )
    if tip is None or not tip.questions.all():
        return None
    return {
        "tip": tip.slug,
        "questions": [
            {
                "id": q.pk,
                "prompt": _localized(q.prompt, language),
                "choices": [
                    {"id": c.pk, "text": _localized(c.text, language)} for c in q.choices.all()
                ],
            }
            for q in tip.questions.all()
        ],
    }
