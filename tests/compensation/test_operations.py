"""Periodic jobs, expiry, rule validation, the admin quote view and the API schema."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from compensation.models import CompensationProposal, CompensationRule, ProposalState
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    fresh,
    quoted,
    refund_rule,
    submitted,
)

pytestmark = pytest.mark.django_db


def test_undecided_proposals_expire_and_free_the_complaint():
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint()
    proposal = submitted(complaint, agent)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        call_command("run_periodic_jobs", only=["compensation-expire-proposals"])
    assert fresh(proposal).state == ProposalState.EXPIRED
    assert fresh(proposal).history.first().history_change_reason.startswith("expired")


def test_reconciliation_job_runs_from_the_periodic_command(capsys):
    call_command("run_periodic_jobs", only=["compensation-reconcile"])
    assert "compensation-reconcile: ok" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "refund", "refund_basis": "fixed", "currency": "HKD"}, "fixed_amount"),
        ({"kind": "fee_waiver", "currency": "HKD", "waiver_days": 5}, "max_amount"),
        ({"kind": "coupon", "currency": "HKD"}, "coupon_amount_off"),
        (
            {"kind": "coupon", "currency": "HKD", "coupon_percent_off": Decimal("10")},
            "max_amount",
        ),
    ],
)
def test_incomplete_rules_are_refused(fields, field):
    rule = CompensationRule(order=1, name="x", rounding="ROUND_DOWN", **fields)
    with pytest.raises(ValidationError) as refused:
        rule.clean()
    assert field in refused.value.message_dict


def test_an_agent_quotes_from_the_admin(client):
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint()
    client.force_login(agent)
    url = reverse("admin:compensation_quote")
    assert client.get(url).status_code == 200
    response = client.post(url, {"reference": complaint.reference})
    proposal = CompensationProposal.objects.get(complaint=complaint)
    assert response.status_code == 302 and str(proposal.pk) in response["Location"]
    assert proposal.proposed_by == agent


def test_every_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/compensations/",
        "/api/v1/service/coupons/{code}/redeem/",
        "/api/v1/service/fee-waivers/consume/",
    ):
        assert path in schema["paths"]


def test_quoting_again_refreshes_the_draft_and_keeps_its_history():
    activate_policy([refund_rule()])
    complaint, agent, _txn = duplicate_charge_complaint(amount="120.00")
    first = quoted(complaint, agent)
    old_line = first.lines.get()
    again = quoted(complaint, agent)
    assert again.pk == first.pk
    new_line = again.lines.get()
    assert new_line.pk != old_line.pk and new_line.amount == Decimal("120.00")
    deleted = new_line.history.model.objects.filter(id=old_line.pk, history_type="-").get()
    assert deleted.history_change_reason == "replaced by a new quote"
    assert deleted.history_user == agent
