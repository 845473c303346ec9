"""Scenario warnings: conditions, cooldowns, escalating friction, never-suppress, raised
sensitivity, the append-only log and the in-process rule cache."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.core.exceptions import ApplicationError
from education.models import (
    EducationProfile,
    WarningDecision,
    WarningExposure,
    WarningRule,
    WarningShown,
)
from education.rules_cache import rules_bundle
from education.services.warnings import (
    warning_evaluate,
    warning_outcome_record,
    warning_rule_save,
)
from tests.backoffice.factories import CustomerFactory, staff_user
from tests.education.factories import WarningRuleFactory

pytestmark = pytest.mark.django_db
_counter = iter(range(10**6))


def evaluate(customer, scenario="large_payment", **context):
    decision = warning_evaluate(
        customer=customer, scenario=scenario, context=context, request_id=f"r{next(_counter)}"
    )
    return list(decision.shown.order_by("id"))


def slugs(shown) -> list[str]:
    return [s.rule.slug for s in shown]


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("10000.00", "CNY", True),
        ("9999.99", "CNY", False),
        ("10000", "HKD", True),
        ("1500.00", "USD", True),
        ("1499.99", "USD", False),
        ("99999", "JPY", False),  # no threshold for this currency
    ],
)
def test_amount_threshold_per_currency(amount, currency, shown):
    WarningRuleFactory(slug="large")
    assert bool(evaluate(CustomerFactory(), amount=amount, currency=currency)) is shown


def test_stricter_rule_for_new_payee():
    WarningRuleFactory(slug="large")
    WarningRuleFactory(
        slug="large-new-payee", min_amounts={"CNY": "3000"}, payee_new_within_days=30
    )
    customer = CustomerFactory()
    old_payee = (timezone.now() - timedelta(days=400)).isoformat()
    recent_payee = (timezone.now() - timedelta(days=3)).isoformat()
    assert slugs(evaluate(customer, amount="5000", currency="CNY", payee_first_seen_at=None)) == [
        "large-new-payee"
    ]
    other = CustomerFactory()
    assert slugs(
        evaluate(other, amount="5000", currency="CNY", payee_first_seen_at=recent_payee)
    ) == ["large-new-payee"]
    third = CustomerFactory()
    assert evaluate(third, amount="5000", currency="CNY", payee_first_seen_at=old_payee) == []


def test_account_age_network_and_device_conditions():
    WarningRuleFactory(
        slug="first-payment-new-account",
        scenario="first_payment",
        min_amounts={},
        max_account_age_days=30,
    )
    WarningRuleFactory(
        slug="wifi", scenario="public_wifi", min_amounts={}, network_types=["public_wifi"]
    )
    WarningRuleFactory(
        slug="new-device", scenario="new_device_login", min_amounts={}, device_known=False
    )
    new = CustomerFactory(registered_at=timezone.now() - timedelta(days=2))
    old = CustomerFactory()
    assert slugs(evaluate(new, "first_payment")) == ["first-payment-new-account"]
    assert evaluate(old, "first_payment") == []
    assert slugs(evaluate(old, "public_wifi", network_type="public_wifi")) == ["wifi"]
    assert evaluate(new, "public_wifi", network_type="cellular") == []
    assert slugs(evaluate(old, "new_device_login", device_known=False)) == ["new-device"]
    assert evaluate(new, "new_device_login", device_known=True) == []


def test_cooldown_per_customer_and_scenario():
    WarningRuleFactory(slug="large", cooldown_minutes=60)
    customer, other = CustomerFactory(), CustomerFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert evaluate(customer, amount="20000", currency="HKD")
        assert evaluate(other, amount="20000", currency="HKD")
    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        decision_shown = evaluate(customer, amount="20000", currency="HKD")
        assert decision_shown == []
        last = WarningDecision.objects.filter(customer=customer).order_by("-created_at").first()
        assert last.suppressed == [{"rule": "large", "version": 1, "reason": "cooldown"}]
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert evaluate(customer, amount="20000", currency="HKD")


def test_critical_warning_is_never_suppressed():
    WarningRuleFactory(slug="critical", cooldown_minutes=600, never_suppress=True)
    customer = CustomerFactory()
    for exposure in (1, 2, 3):
        shown = evaluate(customer, amount="20000", currency="HKD")
        assert [s.exposure_number for s in shown] == [exposure]


def test_friction_escalates_with_exposures_up_to_the_maximum():
    WarningRuleFactory(
        slug="large", friction="banner", escalate_every=2, max_friction="typed_ack", texts=2
    )
    customer = CustomerFactory()
    seen = [evaluate(customer, amount="20000", currency="HKD")[0] for _ in range(7)]
    assert [s.friction for s in seen] == [
        "banner",
        "banner",
        "interstitial",
        "interstitial",
        "typed_ack",
        "typed_ack",
        "typed_ack",
    ]
    # The wording rotates between the variants.
    assert [s.variant for s in seen[:4]] == [0, 1, 0, 1]
    assert WarningExposure.objects.get(customer=customer).count == 7


def test_raised_sensitivity_lowers_thresholds_and_skips_cooldown():
    WarningRuleFactory(slug="large", cooldown_minutes=600)
    customer = CustomerFactory()
    assert evaluate(customer, amount="6000", currency="CNY") == []
    EducationProfile.objects.create(
        customer=customer, sensitivity_raised_until=timezone.now() + timedelta(days=30)
    )
    assert evaluate(customer, amount="6000", currency="CNY")
    assert evaluate(customer, amount="6000", currency="CNY")
    assert WarningDecision.objects.filter(customer=customer, sensitivity_raised=True).count() == 2


@pytest.mark.parametrize("raised", [False, True])
def test_a_payment_no_rule_could_match_records_the_real_sensitivity_with_one_query_less(
    raised,
):
    WarningRuleFactory(slug="large")  # 10,000 CNY, 5,000 raised: 100 CNY matches neither
    customer = CustomerFactory()
    if raised:
        EducationProfile.objects.create(
            customer=customer, sensitivity_raised_until=timezone.now() + timedelta(days=30)
        )
    rules_bundle()
    context = {"amount": "100.00", "currency": "CNY"}
    with CaptureQueriesContext(connection) as queries:
        decision = warning_evaluate(
            customer=customer, scenario="large_payment", context=context, request_id="small"
        )
    # The decision's INSERT, with an EXISTS inside (a savepoint around it here: the test
    # runs in a transaction; in a request it is the only statement).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("INSERT"), statements
    assert decision.sensitivity_raised is raised  # read back from the row
    assert WarningDecision.objects.get(pk=decision.pk).sensitivity_raised is raised
    assert not WarningShown.objects.exists()


def test_decision_log_records_what_was_shown_in_the_customers_language():
    rule = WarningRuleFactory(slug="large")
    customer = CustomerFactory(language="zh-hans")
    decision = warning_evaluate(
        customer=customer,
        scenario="large_payment",
        context={"amount": Decimal("12000.00"), "currency": "cny"},
        request_id="pay-1",
    )
    row = decision.shown.get()
    assert (row.rule_id, row.rule_version, row.language, row.exposure_number) == (
        rule.pk,
        1,
        "zh-hans",
        1,
    )
    assert row.title == "large zh-hans 0"
    assert decision.context["amount"] == "12000.00"
    assert decision.context["currency"] == "CNY"
    with pytest.raises(ValueError, match="append-only"):
        row.save()


def test_same_request_id_is_not_a_new_exposure():
    WarningRuleFactory(slug="large")
    customer = CustomerFactory()
    context = {"amount": "20000", "currency": "HKD"}
    first = warning_evaluate(
        customer=customer, scenario="large_payment", context=context, request_id="same"
    )
    again = warning_evaluate(
        customer=customer, scenario="large_payment", context=context, request_id="same"
    )
    assert first.pk == again.pk
    assert WarningShown.objects.count() == 1


def test_outcome_is_recorded_once():
    WarningRuleFactory(slug="large")
    customer = CustomerFactory()
    decision = warning_evaluate(
        customer=customer,
        scenario="large_payment",
        context={"amount": "20000", "currency": "HKD"},
        request_id="x",
    )
    warning_outcome_record(customer=customer, decision_id=decision.pk, outcome="cancelled")
    warning_outcome_record(customer=customer, decision_id=decision.pk, outcome="cancelled")
    with pytest.raises(ApplicationError) as excinfo:
        warning_outcome_record(customer=customer, decision_id=decision.pk, outcome="proceeded")
    assert excinfo.value.code == "outcome_already_recorded"
    with pytest.raises(ApplicationError) as excinfo:
        warning_outcome_record(
            customer=CustomerFactory(), decision_id=decision.pk, outcome="cancelled"
        )
    assert excinfo.value.code == "decision_not_found"


def test_rule_cache_is_reused_and_invalidated_on_change(django_assert_num_queries):
    rule = WarningRuleFactory(slug="large")
    first = rules_bundle()
    with django_assert_num_queries(0):
        assert rules_bundle() is first
    rule.min_amounts = {"HKD": "50000"}
    warning_rule_save(rule=rule, actor=staff_user("content_editor"), reason="raise threshold")
    second = rules_bundle()
    assert second is not first
    assert second.by_scenario["large_payment"][0].min_amounts == {"HKD": Decimal("50000")}
    assert second.by_scenario["large_payment"][0].version == 2
    assert evaluate(CustomerFactory(), amount="20000", currency="HKD") == []
    WarningRule.objects.filter(pk=rule.pk).update(is_active=False)  # bypasses signals ...
    assert rules_bundle() is second  # ... so only a save through the model invalidates
    rule.refresh_from_db()
    rule.save()
    assert rules_bundle().by_scenario == {}


def test_another_process_change_is_seen_after_the_check_interval(monkeypatch):
    from django.core.cache import cache

    from education import rules_cache

    rule = WarningRuleFactory(slug="large")
    first = rules_bundle()
    # Another process changed the rule and published a new token.
    WarningRule.objects.filter(pk=rule.pk).update(is_active=False)
    cache.set(rules_cache.RULES.token_key, "published-elsewhere")
    assert rules_bundle() is first  # within the interval: not even a cache read
    monkeypatch.setattr(rules_cache.RULES, "checked_at", 0.0)
    assert rules_bundle().by_scenario == {}


def test_unreachable_cache_keeps_the_rules_in_memory(monkeypatch):
    from django.core.cache import cache

    from education import rules_cache

    WarningRuleFactory(slug="large")
    first = rules_bundle()

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(rules_cache.RULES, "checked_at", 0.0)
    assert rules_bundle() is first
    assert evaluate(CustomerFactory(), amount="20000", currency="HKD")
