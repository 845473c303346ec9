"""Seeding for the reliability tests, run as a subprocess with the app's environment:

    python -m tests.reliability.seed COMMAND '{"option": value}'

It prints one JSON line (the last line of stdout) with what the test needs: customer ids and
access tokens, the campaign to fan out, the proposal whose payout times out.
"""

import json
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import AccessToken  # noqa: E402

from backoffice.customers.models import Customer  # noqa: E402


def _customers(*, count: int, prefix: str, channel: str, language: str, zone: str, ids=None):
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n}", password="!") for n in range(count)
    )
    registered = timezone.now() - timedelta(days=400)
    return Customer.objects.bulk_create(
        Customer(
            **({"id": ids[n]} if ids else {}),
            user=user,
            wallet_account_id=f"{prefix.upper()}{n:08d}",
            name=f"Reliability {prefix} {n}",
            phone=f"+852{n:08d}",
            email=f"{prefix}{n}@mail.example",
            preferred_channel=channel,
            language=language,
            time_zone=zone,
            registered_at=registered,
        )
        for n, user in enumerate(users)
    )


def _agents(count: int) -> None:
    from tests.backoffice.factories import staff_user

    for n in range(count):
        staff_user("agent", username=f"rel-agent-{n}")


@transaction.atomic
def customers(*, count: int, prefix: str = "rel", channel: str = "sms", agents: int = 3) -> dict:
    """Customers with logins (and their access tokens) on `channel`, plus a few agents so
    intake assigns every complaint as in production."""
    if agents:
        _agents(agents)
    made = _customers(
        count=count, prefix=prefix, channel=channel, language="en", zone="Asia/Hong_Kong"
    )
    return {"customers": [{"id": c.pk, "token": str(AccessToken.for_user(c.user))} for c in made]}


def _due_local_time(zone: str) -> time:
    """A send time a few minutes ago in `zone`, so the next planning tick runs it now."""
    import zoneinfo

    local = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    earlier = local - timedelta(minutes=5)
    return earlier.time().replace(microsecond=0) if earlier.date() == local.date() else time(0)


@transaction.atomic
def campaign(*, chunks: int, per_chunk: int, channels: list[str]) -> dict:
    """A running daily campaign due now for `chunks * per_chunk` customers whose ids are
    spread over `chunks` fan-out ranges (so one run is `chunks` tasks), no quiet hours."""
    from education.models import EducationProfile, Segment
    from education.services.fanout import CHUNK_SIZE
    from tests.education.factories import CampaignFactory, approved_tip

    zone, language = "Asia/Taipei", "zh-hant"
    ids = [(k + 1) * CHUNK_SIZE + j for k in range(chunks) for j in range(per_chunk)]
    made = _customers(
        count=len(ids), prefix="fan", channel="in_app", language=language, zone=zone, ids=ids
    )
    EducationProfile.objects.bulk_create(
        EducationProfile(customer=c, quiet_start=time(0), quiet_end=time(0)) for c in made
    )
    segment = Segment.objects.create(name="reliability fan-out", language=language)
    found = CampaignFactory(
        name="reliability fan-out",
        tip=approved_tip(slug="reliability-tip"),
        segment=segment,
        channels=channels,
        local_time=_due_local_time(zone),
        starts_on=date.today() - timedelta(days=2),
    )
    cache.clear()  # the planner caches the customers' time zones
    return {
        "campaign": found.pk,
        "customers": len(made),
        "expected": len(made) * len(channels),
        "lock_keys": [(k + 1) for k in range(chunks)],  # pg_advisory_xact_lock key per range
    }


def proposal() -> dict:
    """An approved refund (HKD 250.00, one supervisor approval) whose payout runs after the
    approval commits: in-process when there is no broker, so through the gateway now."""
    from compensation import services
    from compensation.models import ProposalLine
    from tests.backoffice.factories import staff_user
    from tests.compensation.factories import (
        activate_policy,
        duplicate_charge_complaint,
        refund_rule,
        submitted,
    )

    with transaction.atomic():
        activate_policy([refund_rule()])
        complaint, agent, _txn = duplicate_charge_complaint(amount="250.00")
        found = submitted(complaint, agent)
        supervisor = staff_user("supervisor")
    started = datetime.now()
    with transaction.atomic():
        services.compensation_approve(proposal=found, actor=supervisor)
    elapsed = (datetime.now() - started).total_seconds()
    line = ProposalLine.objects.get(proposal=found)
    return {
        "proposal": found.pk,
        "line": line.pk,
        "key": line.idempotency_key,
        "amount": str(line.amount.quantize(Decimal("0.01"))),
        "approve_seconds": round(elapsed, 2),
    }


COMMANDS = {"customers": customers, "campaign": campaign, "proposal": proposal}

if __name__ == "__main__":
    command, options = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    print(json.dumps(COMMANDS[command](**options)))
