"""Acceptance 5: amounts round per the rule in the currency's minor unit (JPY 0, KWD 3
decimals); too many decimals and floats are refused."""

from decimal import Decimal

import pytest

from backoffice.core.money import MoneyError
from compensation import services
from compensation.engine import Facts, Limits, evaluate
from compensation.models import CompensationPolicy, CompensationRule, PolicyVersion
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    quoted,
    refund_rule,
)

D = Decimal


def _evaluate(currency: str, disputed: str, percentage: str, rounding: str):
    version = PolicyVersion(policy=CompensationPolicy(code="p"), number=1)
    rule = CompensationRule(
        version=version,
        order=1,
        name="share of the disputed amount",
        customer_at_fault="any",
        kind="refund",
        refund_basis="disputed_amount",
        percentage=D(percentage),
        rounding=rounding,
    )
    facts = Facts(
        reference="CMP-1",
        category="wrong_amount",
        root_cause="own_system",
        customer_at_fault=False,
        escalation_level=0,
        breached_clocks=frozenset(),
        findings=(),
        currency=currency,
        disputed_amount=D(disputed),
        transactions=(),
    )
    return evaluate(version=version, rules=[rule], facts=facts, limits=Limits(D("1e9")))


@pytest.mark.parametrize(
    ("currency", "disputed", "percentage", "rounding", "expected"),
    [
        ("JPY", "1000", "33.33", "ROUND_HALF_UP", "333"),
        ("JPY", "1000", "33.33", "ROUND_UP", "334"),
        ("JPY", "1001", "50", "ROUND_HALF_EVEN", "500"),
        ("JPY", "1001", "50", "ROUND_HALF_UP", "501"),
        ("KWD", "10.005", "50", "ROUND_HALF_EVEN", "5.002"),
        ("KWD", "10.005", "50", "ROUND_HALF_UP", "5.003"),
        ("KWD", "10.005", "50", "ROUND_FLOOR", "5.002"),
        ("HKD", "0.05", "50", "ROUND_HALF_EVEN", "0.02"),
        ("HKD", "0.05", "50", "ROUND_CEILING", "0.03"),
    ],
)
def test_5_amounts_round_per_rule_in_the_minor_unit(
    currency, disputed, percentage, rounding, expected
):
    line = _evaluate(currency, disputed, percentage, rounding).lines[0]
    assert str(line.amount) == expected
    assert line.trace["rounding"] == {
        "mode": rounding,
        "before": str(D(disputed) * D(percentage) / 100),
        "after": expected,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("currency", "amount", "bad", "code"),
    [
        ("JPY", "5000", "4999.5", "amount_too_precise"),
        ("KWD", "12.500", "12.0005", "amount_too_precise"),
        ("JPY", "5000", 4999.0, "amount_float_not_accepted"),
        ("KWD", "12.500", 1.5, "amount_float_not_accepted"),
    ],
)
def test_5_adjustments_with_too_many_decimals_or_floats_are_refused(currency, amount, bad, code):
    from tests.compensation.factories import tiers

    tiers(currency, [(None, 1, "supervisor")])
    activate_policy([refund_rule()], currency=currency, with_tiers=False)
    complaint, agent, _txn = duplicate_charge_complaint(amount=amount, currency=currency)
    line = quoted(complaint, agent).lines.get()
    assert str(line.amount.normalize()) == str(D(amount).normalize())
    with pytest.raises(MoneyError) as refused:
        services.compensation_adjust_line(line=line, actor=agent, amount=bad, reason="less")
    assert refused.value.code == code
    assert refused.value.fields["amount"][0]["code"] == code
