"""Real-time scenario warnings: evaluate a context against the cached rules, log exactly
what was shown, record the outcome. No external call on this path."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from backoffice.core.exceptions import ApplicationError, Conflict
from backoffice.core.money import parse_amount, quantize
from backoffice.customers.models import Customer

from ..exceptions import ContextInvalid, DecisionNotFound, OutcomeAlreadyRecorded, ScenarioUnknown
from ..models import (
    FRICTION_ORDER,
    EducationProfile,
    Friction,
    NetworkType,
    Scenario,
    WarningDecision,
    WarningExposure,
    WarningOutcome,
    WarningRule,
    WarningShown,
)
from ..rules_cache import CompiledRule, rules_bundle
from .content import save_with_history

RAISED_SENSITIVITY_FACTOR = Decimal("0.5")
ACTIONS = {
    Friction.BANNER: ["proceed", "cancel"],
    Friction.INTERSTITIAL: ["proceed", "cancel", "edit"],
    Friction.TYPED_ACK: ["acknowledge", "cancel", "edit"],
    Friction.COOLING_OFF: ["wait", "cancel", "edit"],
}


@dataclass(frozen=True)
class WarningContext:
    amount: Decimal | None = None
    currency: str = ""
    payee_first_seen_at: datetime | None = None
    payee_known: bool = False
    network_type: str = ""
    device_known: bool | None = None


def _field_error(field: str, code: str, message: Any, hint: Any = "") -> ContextInvalid:
    return ContextInvalid(
        code=code,
        message=message,
        hint=hint or ContextInvalid.hint,
        fields={f"context.{field}": [{"code": code, "message": str(message)}]},
    )


def _clean_money(context: dict, scenario: str) -> dict[str, Any]:
    amount, currency = context.get("amount"), context.get("currency")
    if amount is None and currency is None:
        if scenario == Scenario.LARGE_PAYMENT:
            raise _field_error("amount", "amount_required", _("A large payment needs an amount."))
        return {}
    if not isinstance(currency, str) or amount is None:
        raise _field_error(
            "currency", "amount_and_currency_required", _("Send the amount with its currency.")
        )
    try:
        return {"amount": parse_amount(amount, currency.upper()), "currency": currency.upper()}
    except ApplicationError as exc:
        field = "currency" if exc.code == "currency_unknown" else "amount"
        raise _field_error(field, exc.code, exc.message, exc.hint) from None


def _clean_payee(context: dict) -> dict[str, Any]:
    if "payee_first_seen_at" not in context:
        return {}
    value = context["payee_first_seen_at"]
    if value is None:
        return {"payee_first_seen_at": None, "payee_known": False}
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise _field_error(
            "payee_first_seen_at",
            "invalid_datetime",
            _("Use ISO 8601 with an offset, e.g. 2026-11-22T09:30:00+08:00, or null."),
        )
    return {"payee_first_seen_at": parsed, "payee_known": True}


def warning_context_clean(*, scenario: str, context: Any) -> WarningContext:
    """Validate what the app sent; unknown keys are ignored (newer apps may send more)."""
    if scenario not in Scenario.values:
        raise ScenarioUnknown(
            hint=_("Use one of: %(scenarios)s.") % {"scenarios": ", ".join(Scenario.values)}
        )
    if not isinstance(context, dict):
        raise ContextInvalid(message=_("The context must be an object."))
    clean: dict[str, Any] = {**_clean_money(context, scenario), **_clean_payee(context)}
    network = context.get("network_type")
    if network is not None:
        if network not in NetworkType.values:
            raise _field_error(
                "network_type",
                "invalid_choice",
                _("Use one of: %(values)s.") % {"values": ", ".join(NetworkType.values)},
            )
        clean["network_type"] = network
    device = context.get("device_known")
    if device is not None:
        if not isinstance(device, bool):
            raise _field_error("device_known", "invalid_boolean", _("Send true or false."))
        clean["device_known"] = device
    return WarningContext(**clean)


def _threshold(rule: CompiledRule, currency: str, raised: bool) -> Decimal | None:
    limit = rule.min_amounts.get(currency)
    if limit is None or not raised:
        return limit
    return quantize(limit * RAISED_SENSITIVITY_FACTOR, currency, rounding=ROUND_CEILING)


def rule_matches(
    *, rule: CompiledRule, ctx: WarningContext, registered_at: datetime, now: datetime, raised: bool
) -> bool:
    """Every condition the rule sets holds for this context."""
    if rule.min_amounts:
        limit = _threshold(rule, ctx.currency, raised)
        if ctx.amount is None or limit is None or ctx.amount < limit:
            return False
    if rule.max_account_age_days is not None and (
        now - registered_at >= timedelta(days=rule.max_account_age_days)
    ):
        return False
    if rule.payee_new_within_days is not None and ctx.payee_known:
        seen = ctx.payee_first_seen_at
        if seen is None or now - seen >= timedelta(days=rule.payee_new_within_days):
            return False
    if rule.network_types and ctx.network_type not in rule.network_types:
        return False
    return rule.device_known is None or ctx.device_known == rule.device_known


def friction_for(rule: CompiledRule, exposure_number: int) -> str:
    """The base friction, one step up every `escalate_every` exposures, up to the max."""
    level = FRICTION_ORDER.index(rule.friction)
    if rule.escalate_every:
        ceiling = max(level, FRICTION_ORDER.index(rule.max_friction))
        level = min(level + (exposure_number - 1) // rule.escalate_every, ceiling)
    return FRICTION_ORDER[level]


def _in_cooldown(rule: CompiledRule, last_shown: datetime | None, now: datetime) -> bool:
    return bool(
        rule.cooldown_minutes
        and last_shown is not None
        and now - last_shown < timedelta(minutes=rule.cooldown_minutes)
    )


def _record_exposures(
    customer: Customer, shown: list[WarningShown], exposures: dict[int, WarningExposure], now
) -> None:
    """One UPDATE for the rules shown before (their rows are locked by `_decide`), one
    INSERT for first exposures; a concurrent first exposure of the same rule makes the
    INSERT fail, and the caller decides again."""
    again = [exposures[row.rule_id].pk for row in shown if row.rule_id in exposures]
    if again:
        WarningExposure.objects.filter(pk__in=again).update(count=F("count") + 1, last_shown_at=now)
    first = [
        WarningExposure(customer=customer, rule_id=row.rule_id, count=1, last_shown_at=now)
        for row in shown
        if row.rule_id not in exposures
    ]
    if first:
        WarningExposure.objects.bulk_create(first)


def _decide(customer, ctx, rules, matching, raised, now) -> tuple[list, list, dict]:
    """(shown, suppressed, the customer's exposures to the scenario's rules, locked)."""
    if not matching:
        return [], [], {}
    exposures = {
        e.rule_id: e
        for e in WarningExposure.objects.select_for_update().filter(
            customer=customer, rule_id__in=[r.id for r in rules]
        )
    }
    last_shown = max((e.last_shown_at for e in exposures.values()), default=None)
    shown, suppressed = [], []
    for rule in matching:
        if not rule.never_suppress and not raised and _in_cooldown(rule, last_shown, now):
            suppressed.append({"rule": rule.slug, "version": rule.version, "reason": "cooldown"})
            continue
        number = (exposures[rule.id].count if rule.id in exposures else 0) + 1
        variant = (number - 1) % rule.variants
        language, title, body, _ack = rule.text(variant, customer.language)
        shown.append(
            WarningShown(
                rule_id=rule.id,
                rule_version=rule.version,
                variant=variant,
                language=language,
                exposure_number=number,
                friction=friction_for(rule, number),
                severity=rule.severity,
                title=title,
                body=body,
            )
        )
    return shown, suppressed, exposures


def _atomic_unless_one_insert(matching: list) -> Any:
    """Locking exposures and writing several rows needs a transaction; the decision alone
    is one INSERT, atomic by itself (inside a caller's transaction it still gets a
    savepoint, so that a repeated request id does not break that transaction)."""
    if matching or transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def _context_json(ctx: WarningContext) -> dict[str, Any]:
    return {
        "amount": str(ctx.amount) if ctx.amount is not None else None,
        "currency": ctx.currency,
        "payee_first_seen_at": ctx.payee_first_seen_at.isoformat()
        if ctx.payee_first_seen_at
        else None,
        "network_type": ctx.network_type,
        "device_known": ctx.device_known,
    }


def warning_evaluate(
    *, customer: Customer, scenario: str, context: Any, request_id: str
) -> WarningDecision:
    """Which warnings to show now. Appends a decision with exactly what was shown; the
    same request id returns the first decision (a retried call is not a new exposure).
    Queries: when no rule could match even at raised sensitivity, the decision's INSERT
    alone; otherwise the customer's profile, and when a rule matches, their exposures
    (locked) and up to four writes in one transaction."""
    ctx = warning_context_clean(scenario=scenario, context=context)
    bundle, now = rules_bundle(), timezone.now()
    rules = bundle.by_scenario.get(scenario, ())

    def matches(raised: bool) -> list[CompiledRule]:
        registered = customer.registered_at
        return [
            r
            for r in rules
            if rule_matches(rule=r, ctx=ctx, registered_at=registered, now=now, raised=raised)
        ]

    # Raised sensitivity only lowers thresholds (and lifts cooldowns of rules that match):
    # when no rule matches even with it raised, the answer is "no warning" either way, and
    # the decision records the customer's real state through an EXISTS inside its INSERT,
    # which spares the common small payment a query.
    raised: bool | None = None
    matching: list[CompiledRule] = []
    if matches(raised=True):
        raised = EducationProfile.objects.filter(
            customer=customer, sensitivity_raised_until__gt=now
        ).exists()
        matching = matches(raised=raised)
    for _attempt in range(2):
        try:
            with _atomic_unless_one_insert(matching):
                shown, suppressed, exposures = _decide(
                    customer, ctx, rules, matching, bool(raised), now
                )
                decision = WarningDecision(
                    customer=customer,
                    scenario=scenario,
                    request_id=request_id,
                    context=_context_json(ctx),
                    rules_version=bundle.version,
                    sensitivity_raised=bool(raised),
                    suppressed=suppressed,
                    created_at=now,
                )
                _insert_decision(decision, raised_known=raised is not None)
                for row in shown:
                    row.decision = decision
                if shown:
                    WarningShown.objects.bulk_create(shown)
                _record_exposures(customer, shown, exposures, now)
            break
        except IntegrityError:
            # A repeated request id (a retry, or the same call twice at once): the first
            # decision stands and nothing new is counted. Otherwise a concurrent first
            # exposure of the same rule won the insert: decide again, now counting it.
            existing = WarningDecision.objects.filter(
                customer=customer, request_id=request_id
            ).first()
            if existing is not None:
                return existing
    else:
        raise Conflict()
    decision.shown_rows = shown  # spares the presentation a query
    if raised is None:
        del decision.sensitivity_raised  # read back from the row only if someone asks
    return decision


def _insert_decision(decision: WarningDecision, *, raised_known: bool) -> None:
    """The decision's INSERT, written out: this is the one statement of most evaluate
    calls (the payment flow waits on it), and the ORM spends as long compiling an INSERT
    with a subquery as the database takes to run it. Values go through each field's own
    conversion for the database in use; when the sensitivity is not known yet, an EXISTS
    on the customer's education profile fills it in the same statement. The decision has
    no signals and no history (it is append-only evidence), so nothing is skipped."""
    meta, connection = WarningDecision._meta, transaction.get_connection()
    profile, quote = EducationProfile._meta, connection.ops.quote_name
    until = profile.get_field("sensitivity_raised_until")
    raised_sql = "EXISTS (SELECT 1 FROM {} WHERE {} = %s AND {} > %s)".format(  # noqa: S608
        quote(profile.db_table), quote(profile.get_field("customer").column), quote(until.column)
    )
    columns, values, params = [], [], []
    for field in meta.concrete_fields:
        columns.append(quote(field.column))
        if field.name == "sensitivity_raised" and not raised_known:
            values.append(raised_sql)
            params += [
                decision.customer_id,
                until.get_db_prep_value(decision.created_at, connection),
            ]
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(getattr(decision, field.attname), connection))
    # Identifiers come from the models, every value is a bound parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (model identifiers)
        quote(meta.db_table), ", ".join(columns), ", ".join(values)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    decision._state.adding, decision._state.db = False, connection.alias


def warning_presentation(*, decision: WarningDecision) -> list[dict[str, Any]]:
    """The warnings of a decision as the app shows them."""
    by_id = {r.id: r for rules in rules_bundle().by_scenario.values() for r in rules}
    items = []
    rows = getattr(decision, "shown_rows", None)
    for row in decision.shown.all() if rows is None else rows:
        rule = by_id.get(row.rule_id)
        ack = rule.text(row.variant, row.language)[3] if rule else ""
        items.append(
            {
                "id": row.rule_id,
                "rule": rule.slug if rule else "",
                "variant": row.variant,
                "severity": row.severity,
                "title": row.title,
                "body": row.body,
                "friction": row.friction,
                "actions": ACTIONS[Friction(row.friction)],
                "exposure_number": row.exposure_number,
                "ack_phrase": ack if row.friction == Friction.TYPED_ACK else "",
                "hold_seconds": rule.cooling_off_seconds
                if rule and row.friction == Friction.COOLING_OFF
                else 0,
            }
        )
    return items


def warning_outcome_record(*, customer: Customer, decision_id: Any, outcome: str) -> WarningOutcome:
    """What the customer did next; recorded once (repeating the same outcome is harmless)."""
    decision = WarningDecision.objects.filter(pk=decision_id, customer=customer).first()
    if decision is None:
        raise DecisionNotFound()
    try:
        with transaction.atomic():
            return WarningOutcome.objects.create(decision=decision, outcome=outcome)
    except IntegrityError:
        existing = WarningOutcome.objects.get(decision=decision)
        if existing.outcome != outcome:
            raise OutcomeAlreadyRecorded() from None
        return existing


@transaction.atomic
def warning_rule_save(*, rule: WarningRule, actor: AbstractBaseUser, reason: str) -> WarningRule:
    """Save a rule (or record that its texts changed) as a new version."""
    if rule.pk:
        rule.version = (
            WarningRule.objects.select_for_update()
            .values_list("version", flat=True)
            .get(pk=rule.pk)
            + 1
        )
    save_with_history(rule, actor=actor, reason=reason)
    return rule
