"""Factories for the education app (kernel factories come from tests/backoffice)."""

from datetime import date, time

import factory

from education.models import (
    Campaign,
    CampaignState,
    Schedule,
    SecurityTip,
    Segment,
    TipStatus,
    TipText,
    TipVersion,
    WarningRule,
    WarningText,
)
from tests.backoffice.factories import UserFactory


class SecurityTipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityTip

    slug = factory.Sequence(lambda n: f"tip-{n}")
    topic = "phishing"
    severity = "info"


def approved_tip(slug: str | None = None, topic: str = "phishing", variants: int = 1, **kwargs):
    """An approved tip with English and Chinese texts in `variants` variants."""
    tip = SecurityTipFactory(topic=topic, **({"slug": slug} if slug else {}), **kwargs)
    version = TipVersion.objects.create(tip=tip, number=1, author=UserFactory())
    for variant in range(variants):
        for language in ("en", "zh-hans", "zh-hant"):
            TipText.objects.create(
                version=version,
                variant=variant,
                language=language,
                title=f"{tip.slug} {language} v{variant}",
                body=f"body {language} {variant}",
            )
    tip.status, tip.published_version = TipStatus.APPROVED, version
    tip.save()
    return tip


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"segment {n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"campaign {n}")
    tip = factory.LazyFunction(approved_tip)
    segment = factory.SubFactory(SegmentFactory)
    channels = factory.LazyFunction(lambda: ["in_app"])
    schedule = Schedule.DAILY
    local_time = time(10, 0)
    starts_on = date(2026, 11, 1)
    state = CampaignState.RUNNING
    created_by = factory.SubFactory(UserFactory)


class WarningRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarningRule
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"rule-{n}")
    scenario = "large_payment"
    min_amounts = factory.LazyFunction(lambda: {"CNY": "10000", "HKD": "10000", "USD": "1500"})

    @factory.post_generation
    def texts(self, create, extracted, **kwargs):
        for variant in range(extracted or 1):
            for language in ("en", "zh-hans"):
                WarningText.objects.create(
                    rule=self,
                    variant=variant,
                    language=language,
                    title=f"{self.slug} {language} {variant}",
                    body="Check before you pay.",
                    ack_phrase="I understand",
                )
