"""The rule engine: pure functions from a complaint's verified facts and a policy
version's rules to proposal lines, each with a trace that explains every number.

No database writes and no I/O: the quote service gathers the facts and the live limits
(refundable remainders, the complaint cap still free) and stores what this returns."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backoffice.core.money import quantize, quantum
from backoffice.customers.models import PaymentTransaction

from .models import CompensationRule, FaultCondition, GrantKind, PolicyVersion, RefundBasis

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FindingFact:
    """A confirmed finding of transaction verification."""

    kind: str
    transaction: PaymentTransaction | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Facts:
    """What was verified about a complaint; the only inputs rules can match on."""

    reference: str
    category: str
    root_cause: str
    customer_at_fault: bool
    escalation_level: int
    breached_clocks: frozenset[str]
    findings: tuple[FindingFact, ...]
    currency: str
    disputed_amount: Decimal | None
    transactions: tuple[PaymentTransaction, ...]

    def summary(self) -> dict[str, Any]:
        return {
            "complaint": self.reference,
            "category": self.category,
            "root_cause": self.root_cause,
            "customer_at_fault": self.customer_at_fault,
            "escalation_level": self.escalation_level,
            "breached_clocks": sorted(self.breached_clocks),
            "confirmed_findings": sorted({f.kind for f in self.findings}),
            "currency": self.currency,
            "disputed_amount": _s(self.disputed_amount),
        }


@dataclass
class LineDraft:
    rule: CompensationRule
    kind: str
    refund_basis: str
    transaction: PaymentTransaction | None
    currency: str
    amount: Decimal
    lower_bound: Decimal
    upper_bound: Decimal
    trace: dict[str, Any]


@dataclass
class Limits:
    """Live limits for one quote. `refundable` maps (transaction pk, covers fee) to what
    may still be refunded; `complaint_cap` is what the complaint may still receive."""

    complaint_cap: Decimal
    refundable: dict[tuple[int, bool], Decimal] = field(default_factory=dict)


@dataclass
class Evaluation:
    lines: list[LineDraft]
    rules: list[dict[str, Any]]


def exact(amount: Decimal, currency: str) -> Decimal:
    """An amount already within the currency's precision, written with its minor unit
    (database values carry three places); never rounds anything that matters."""
    return amount.quantize(quantum(currency))


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _condition(name: str, expected: Any, actual: Any, held: bool) -> dict[str, Any]:
    return {"condition": name, "expected": expected, "actual": actual, "held": held}


def rule_conditions(rule: CompensationRule, facts: Facts) -> list[dict[str, Any]]:
    """Each condition the rule sets, with the fact it was compared to and the verdict."""
    found = sorted({f.kind for f in facts.findings})
    checks = []
    if rule.category:
        checks.append(
            _condition("category", rule.category, facts.category, rule.category == facts.category)
        )
    if rule.root_cause:
        held = rule.root_cause == facts.root_cause
        checks.append(_condition("root_cause", rule.root_cause, facts.root_cause, held))
    if rule.finding_kind:
        held = rule.finding_kind in found
        checks.append(_condition("confirmed_finding", rule.finding_kind, found, held))
    if rule.breached_clock:
        held = rule.breached_clock in facts.breached_clocks
        actual = sorted(facts.breached_clocks)
        checks.append(_condition("breached_clock", rule.breached_clock, actual, held))
    if rule.min_escalation_level is not None:
        held = facts.escalation_level >= rule.min_escalation_level
        checks.append(
            _condition(
                "min_escalation_level", rule.min_escalation_level, facts.escalation_level, held
            )
        )
    if rule.customer_at_fault != FaultCondition.ANY:
        wanted = rule.customer_at_fault == FaultCondition.AT_FAULT
        held = facts.customer_at_fault == wanted
        checks.append(_condition("customer_at_fault", wanted, facts.customer_at_fault, held))
    if rule.currency:
        held = rule.currency == facts.currency
        checks.append(_condition("currency", rule.currency, facts.currency, held))
    return checks


def _finding_transactions(facts: Facts, kind: str) -> list[FindingFact]:
    return [
        f
        for f in facts.findings
        if f.kind == kind and f.transaction is not None and f.transaction.currency == facts.currency
    ]


def refund_bases(
    rule: CompensationRule, facts: Facts
) -> list[tuple[PaymentTransaction | None, Decimal, dict[str, Any]]]:
    """(original transaction, basis value, inputs) for each line a refund rule grants."""
    basis = rule.refund_basis
    if basis == RefundBasis.DUPLICATE_AMOUNT:
        return [
            (
                f.transaction,
                f.transaction.amount,
                {
                    "duplicate_transaction": f.transaction.transaction_id,
                    "duplicate_amount": str(f.transaction.amount),
                    "original_transaction": f.details.get("original"),
                },
            )
            for f in _finding_transactions(facts, "duplicate_charge")
        ]
    if basis == RefundBasis.OVERCHARGE_DIFFERENCE:
        out = []
        for f in _finding_transactions(facts, "amount_mismatch"):
            difference = Decimal(str(f.details.get("difference", "0")))
            if difference > 0:
                inputs = {
                    "transaction": f.transaction.transaction_id,
                    "claimed": f.details.get("claimed"),
                    "recorded": f.details.get("recorded"),
                    "difference": str(difference),
                }
                out.append((f.transaction, difference, inputs))
        return out
    if basis == RefundBasis.TRANSACTION_FEE:
        if rule.finding_kind:
            txns = [f.transaction for f in _finding_transactions(facts, rule.finding_kind)]
        else:
            txns = [t for t in facts.transactions if t.currency == facts.currency]
        unique = {t.pk: t for t in txns if t.fee > 0}
        return [
            (t, t.fee, {"transaction": t.transaction_id, "fee": str(t.fee)})
            for t in unique.values()
        ]
    if basis == RefundBasis.DISPUTED_AMOUNT:
        if facts.disputed_amount is None:
            return []
        single = facts.transactions[0] if len(facts.transactions) == 1 else None
        inputs = {"disputed_amount": str(facts.disputed_amount)}
        if single is not None:
            inputs["transaction"] = single.transaction_id
        return [(single, facts.disputed_amount, inputs)]
    if rule.fixed_amount:
        return [(None, rule.fixed_amount, {"fixed_amount": str(rule.fixed_amount)})]
    return []


class _Capper:
    """Applies caps in order and records each one: limit, amount before and after."""

    def __init__(self, amount: Decimal, currency: str) -> None:
        self.amount, self.currency = amount, currency
        self.steps: list[dict[str, Any]] = []

    def _step(self, name: str, limit: Decimal, before: Decimal) -> None:
        limit_s, before_s, after_s = (exact(v, self.currency) for v in (limit, before, self.amount))
        self.steps.append(
            {"cap": name, "limit": str(limit_s), "before": str(before_s), "after": str(after_s)}
        )

    def floor(self, name: str, limit: Decimal | None) -> None:
        if limit is None:
            return
        before, self.amount = self.amount, max(self.amount, limit)
        self._step(name, limit, before)

    def ceiling(self, name: str, limit: Decimal | None) -> None:
        if limit is None:
            return
        before, self.amount = self.amount, min(self.amount, limit)
        self._step(name, limit, before)


def _grant_details(rule: CompensationRule) -> dict[str, Any]:
    if rule.kind == GrantKind.COUPON:
        return {
            "amount_off": _s(rule.coupon_amount_off),
            "percent_off": _s(rule.coupon_percent_off),
            "min_spend": str(rule.coupon_min_spend),
            "validity_days": rule.coupon_validity_days,
        }
    if rule.kind == GrantKind.FEE_WAIVER:
        return {
            "transaction_count": rule.waiver_transaction_count,
            "days": rule.waiver_days,
            "transaction_types": list(rule.waiver_transaction_types or []),
        }
    return {"basis": rule.refund_basis, "percentage": str(rule.percentage)}


def _base_value(rule: CompensationRule) -> Decimal | None:
    """The face value of a coupon or fee waiver (a percent coupon: its largest discount)."""
    if rule.kind == GrantKind.COUPON:
        return rule.coupon_amount_off or rule.max_amount
    return rule.max_amount


def _line(
    rule: CompensationRule,
    version: PolicyVersion,
    facts: Facts,
    conditions: list[dict[str, Any]],
    limits: Limits,
    txn: PaymentTransaction | None,
    value: Decimal,
    inputs: dict[str, Any],
) -> LineDraft | None:
    currency = facts.currency
    value = exact(value, currency)
    pct = rule.percentage if rule.kind == GrantKind.REFUND else HUNDRED
    raw = value * pct / HUNDRED
    rounded = quantize(raw, currency, rounding=rule.rounding)
    capper = _Capper(rounded, currency)
    covers_fee = rule.refund_basis == RefundBasis.TRANSACTION_FEE
    key = (txn.pk, covers_fee) if txn is not None else None
    is_refund = rule.kind == GrantKind.REFUND
    if is_refund:
        capper.floor("minimum", rule.min_amount)
        capper.ceiling("maximum", rule.max_amount)
    if key is not None:
        capper.ceiling("refundable_remainder", limits.refundable.get(key, Decimal(0)))
    capper.ceiling("complaint_cap", limits.complaint_cap)
    amount = exact(capper.amount, currency)
    if amount <= 0:
        return None
    upper_candidates = [quantize(value, currency, rounding=rule.rounding), limits.complaint_cap]
    if is_refund and rule.max_amount is not None:
        upper_candidates.append(rule.max_amount)
    if key is not None:
        upper_candidates.append(limits.refundable.get(key, Decimal(0)))
        limits.refundable[key] -= amount
    upper = max(min(upper_candidates), amount)
    lower = min(rule.min_amount if is_refund and rule.min_amount else quantum(currency), amount)
    limits.complaint_cap -= amount
    trace = {
        "rule": {"id": rule.pk, "order": rule.order, "name": rule.name},
        "policy": version.policy.code,
        "version": version.number,
        "version_id": version.pk,
        "facts": facts.summary(),
        "inputs": inputs,
        "conditions": conditions,
        "grant": {"kind": rule.kind, **_grant_details(rule)},
        "computation": {"value": str(value), "percentage": str(pct), "raw": str(raw)},
        "rounding": {"mode": rule.rounding, "before": str(raw), "after": str(rounded)},
        "caps": capper.steps,
        "amount": str(amount),
        "bounds": {"lower": str(lower), "upper": str(upper)},
    }
    return LineDraft(
        rule=rule,
        kind=rule.kind,
        refund_basis=rule.refund_basis if is_refund else "",
        transaction=txn,
        currency=currency,
        amount=amount,
        lower_bound=lower,
        upper_bound=upper,
        trace=trace,
    )


def evaluate(
    *, version: PolicyVersion, rules: Iterable[CompensationRule], facts: Facts, limits: Limits
) -> Evaluation:
    """Every rule in order: its conditions, and the lines it grants when all held."""
    lines: list[LineDraft] = []
    report: list[dict[str, Any]] = []
    for rule in rules:
        conditions = rule_conditions(rule, facts)
        matched = all(c["held"] for c in conditions)
        entry = {"rule": rule.pk, "name": rule.name, "matched": matched, "conditions": conditions}
        granted = []
        if matched:
            if rule.kind == GrantKind.REFUND:
                bases = refund_bases(rule, facts)
            else:
                value = _base_value(rule)
                bases = [(None, value, {"face_value": str(value)})] if value else []
            for txn, value, inputs in bases:
                line = _line(rule, version, facts, conditions, limits, txn, value, inputs)
                if line is not None:
                    lines.append(line)
                    granted.append(str(line.amount))
            entry["granted"] = granted
        report.append(entry)
    return Evaluation(lines=lines, rules=report)
