"""The warning rules, compiled and kept in each process.

The evaluate call sits in the payment flow, so it must not read the rules from the
database each time: the compiled bundle is a ProcessCache (backoffice.core.refcache), and
any change to a rule or its texts replaces its token (education.receivers), so every
process reloads within a second; if the cache is unreachable the rules in memory keep
being used.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from backoffice.core.refcache import ProcessCache

from .models import WarningRule

CHECK_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class CompiledRule:
    id: int
    slug: str
    scenario: str
    severity: str
    version: int
    min_amounts: dict[str, Decimal]
    max_account_age_days: int | None
    payee_new_within_days: int | None
    network_types: frozenset[str]
    device_known: bool | None
    friction: str
    escalate_every: int | None
    max_friction: str
    cooling_off_seconds: int
    cooldown_minutes: int
    never_suppress: bool
    texts: dict[tuple[int, str], tuple[str, str, str]] = field(repr=False)
    variants: int = 1

    def text(self, variant: int, language: str) -> tuple[str, str, str, str]:
        """(language, title, body, ack phrase): the customer's language, else English."""
        for lang in (language, "en"):
            for var in (variant, 0):
                if (var, lang) in self.texts:
                    return (lang, *self.texts[(var, lang)])
        return ("en", self.slug, "", "")


@dataclass(frozen=True)
class RulesBundle:
    version: str
    by_scenario: dict[str, tuple[CompiledRule, ...]]
    payload: list[dict]
    built_at: str


def _compile(rule: WarningRule) -> CompiledRule:
    texts = {(t.variant, t.language): (t.title, t.body, t.ack_phrase) for t in rule.texts.all()}
    return CompiledRule(
        id=rule.pk,
        slug=rule.slug,
        scenario=rule.scenario,
        severity=rule.severity,
        version=rule.version,
        min_amounts={cur: Decimal(str(v)) for cur, v in (rule.min_amounts or {}).items()},
        max_account_age_days=rule.max_account_age_days,
        payee_new_within_days=rule.payee_new_within_days,
        network_types=frozenset(rule.network_types or []),
        device_known=rule.device_known,
        friction=rule.friction,
        escalate_every=rule.escalate_every,
        max_friction=rule.max_friction,
        cooling_off_seconds=rule.cooling_off_seconds,
        cooldown_minutes=rule.cooldown_minutes,
        never_suppress=rule.never_suppress,
        texts=texts,
        variants=len({variant for variant, _lang in texts}) or 1,
    )


def _payload(rule: CompiledRule) -> dict:
    return {
        "id": rule.id,
        "slug": rule.slug,
        "scenario": rule.scenario,
        "severity": rule.severity,
        "version": rule.version,
        "conditions": {
            "min_amounts": {cur: str(v) for cur, v in sorted(rule.min_amounts.items())},
            "max_account_age_days": rule.max_account_age_days,
            "payee_new_within_days": rule.payee_new_within_days,
            "network_types": sorted(rule.network_types),
            "device_known": rule.device_known,
        },
        "friction": {
            "base": rule.friction,
            "escalate_every": rule.escalate_every,
            "max": rule.max_friction,
            "cooling_off_seconds": rule.cooling_off_seconds,
        },
        "cooldown_minutes": rule.cooldown_minutes,
        "never_suppress": rule.never_suppress,
        "texts": [
            {"variant": v, "language": lang, "title": t, "body": b, "ack_phrase": a}
            for (v, lang), (t, b, a) in sorted(rule.texts.items())
        ],
    }


def _build() -> RulesBundle:
    rules = [
        _compile(r)
        for r in WarningRule.objects.filter(is_active=True).prefetch_related("texts").order_by("id")
    ]
    payload = [_payload(r) for r in rules]
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    by_scenario: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        by_scenario.setdefault(rule.scenario, []).append(rule)
    return RulesBundle(
        version=digest,
        by_scenario={k: tuple(v) for k, v in by_scenario.items()},
        payload=payload,
        built_at=timezone.now().isoformat(),
    )


RULES: ProcessCache[RulesBundle] = ProcessCache(
    "education:warning-rules", _build, check_seconds=CHECK_INTERVAL_SECONDS
)


def rules_bundle() -> RulesBundle:
    """The compiled active rules; the shared token is read at most once per
    CHECK_INTERVAL_SECONDS and the rules rebuilt only when it changed."""
    return RULES.get()


def rules_invalidate() -> None:
    """A rule or text changed: this process reloads at once, every other one within
    CHECK_INTERVAL_SECONDS."""
    RULES.invalidate()
