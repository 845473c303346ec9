"""Demo education data: approved tips with translations and a quiz, an onboarding series,
a follow-up series fed by complaints, a running campaign and a warning rule for every
scenario. Safe to run twice (everything is found by its slug or name first)."""

from datetime import time

from django.contrib.auth import get_user_model
from django.utils import timezone

from backoffice.core.actors import system_actor
from backoffice.customers.models import Customer

from .demo_content import ACK_PHRASES, QUIZ, RULES, TIPS
from .models import (
    Campaign,
    ComplaintEnrolmentRule,
    QuizChoice,
    QuizQuestion,
    SecurityTip,
    Segment,
    SeriesEnrolment,
    SeriesStep,
    TipSeries,
    WarningRule,
    WarningText,
)
from .services.campaigns import campaign_approve
from .services.content import save_with_history, tip_approve, tip_create, tip_version_create
from .services.enrolment import series_deliver_due


def _tips(author, approver) -> dict[str, SecurityTip]:
    tips = {}
    for slug, (topic, severity, variants) in TIPS.items():
        tip = SecurityTip.objects.filter(slug=slug).first()
        if tip is None:
            tip = tip_create(slug=slug, topic=topic, severity=severity, actor=author)
            texts = [
                {"variant": n, "language": lang, "title": title, "body": body}
                for n, variant in enumerate(variants)
                for lang, (title, body) in variant.items()
            ]
            tip_version_create(tip=tip, texts=texts, actor=author)
            tip = tip_approve(tip=tip, actor=approver)
        tips[slug] = tip
    return tips


def _quiz(tips) -> None:
    tip = tips[QUIZ["tip"]]
    if tip.questions.exists():
        return
    question = QuizQuestion.objects.create(tip=tip, prompt=QUIZ["prompt"])
    for position, (text, correct) in enumerate(QUIZ["choices"]):
        QuizChoice.objects.create(
            question=question, position=position, text=text, is_correct=correct
        )


def _series(tips, actor) -> None:
    onboarding, created = TipSeries.objects.get_or_create(
        slug="welcome-security",
        defaults={
            "name": "Welcome: secure your wallet",
            "kind": "onboarding",
            "onboarding_within_days": 7,
        },
    )
    if created:
        for day, slug in (
            (0, "set-strong-password"),
            (1, "bind-your-phone"),
            (3, "set-transaction-limits"),
        ):
            SeriesStep.objects.create(series=onboarding, tip=tips[slug], day_offset=day)
    follow_up, created = TipSeries.objects.get_or_create(
        slug="after-account-security-complaint",
        defaults={"name": "After an account security complaint", "kind": "follow_up"},
    )
    if created:
        for day, slug in ((0, "spot-phishing"), (2, "never-share-otp"), (5, "avoid-public-wifi")):
            SeriesStep.objects.create(series=follow_up, tip=tips[slug], day_offset=day)
        for category, cause in (("account_security", ""), ("", "fraud")):
            rule = ComplaintEnrolmentRule(
                category=category, root_cause=cause, series=follow_up, raise_sensitivity_days=30
            )
            save_with_history(rule, actor=actor, reason="demo")


def _campaign(tips, author, approver) -> Campaign:
    campaign = Campaign.objects.filter(name="Weekly security tip").first()
    if campaign is not None:
        return campaign
    segment, _ = Segment.objects.get_or_create(name="Everyone")
    Segment.objects.get_or_create(name="New customers (30 days)", registered_within_days=30)
    Segment.objects.get_or_create(name="Vulnerable customers", vulnerable_only=True)
    campaign = Campaign(
        name="Weekly security tip",
        segment=segment,
        channels=["in_app", "push"],
        schedule="weekly",
        weekday=0,
        local_time=time(10, 0),
        starts_on=timezone.now().date(),
        reeligible_after_days=28,
        created_by=author,
    )
    save_with_history(campaign, actor=author, reason="demo")
    campaign.pool.set([tips["never-share-otp"], tips["spot-phishing"], tips["avoid-public-wifi"]])
    campaign = campaign_approve(campaign=campaign, actor=approver)
    campaign.start()
    save_with_history(campaign, actor=system_actor("demo-seed"), reason="demo: running")
    return campaign


def _rules(author) -> int:
    created = 0
    for slug, (fields, variants) in RULES.items():
        if WarningRule.objects.filter(slug=slug).exists():
            continue
        rule = WarningRule(slug=slug, **fields)
        save_with_history(rule, actor=author, reason="demo")
        for n, variant in enumerate(variants):
            for lang, (title, body) in variant.items():
                WarningText.objects.create(
                    rule=rule,
                    variant=n,
                    language=lang,
                    title=title,
                    body=body,
                    ack_phrase=ACK_PHRASES[lang],
                )
        created += 1
    return created


def _welcome_logins() -> int:
    """Customers who can log in follow the onboarding series, so their inbox has a tip."""
    series = TipSeries.objects.get(slug="welcome-security")
    for customer in Customer.objects.filter(user__isnull=False):
        SeriesEnrolment.objects.get_or_create(
            customer=customer, series=series, defaults={"source": "demo"}
        )
    return series_deliver_due(now=timezone.now())


def seed_demo(ctx) -> None:
    users = get_user_model().objects
    author, approver = users.get(username="editor1"), users.get(username="manager1")
    tips = _tips(author, approver)
    _quiz(tips)
    _series(tips, author)
    campaign = _campaign(tips, author, approver)
    rules = _rules(author)
    inbox = _welcome_logins()
    ctx.out(
        f"education: {len(tips)} approved tips, onboarding and follow-up series, "
        f"campaign '{campaign.name}' ({campaign.state}), {rules} new warning rules, "
        f"{inbox} new onboarding tips in the demo logins' inboxes"
    )
