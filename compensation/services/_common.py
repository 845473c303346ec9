"""Plumbing shared by the services: saving with history, money as text, locks."""

from typing import Any

from django.db import models
from django.utils import timezone

from backoffice.core.actors import system_actor
from backoffice.customers.models import Customer

from .. import exceptions
from ..models import CompensationProposal

SYSTEM_NAME = "compensation"


def save(obj: models.Model, *, actor: Any, reason: str) -> None:
    """Save with the history user and reason every change of ours carries."""
    obj._change_reason = reason[:100]
    obj._history_user = actor
    obj.save()


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        error = exceptions.ReasonRequired
        raise error(fields={"reason": [{"code": error.code, "message": str(error.message)}]})
    return text


def locked_proposal(proposal: CompensationProposal | int) -> CompensationProposal:
    pk = proposal.pk if isinstance(proposal, CompensationProposal) else proposal
    found = (
        CompensationProposal.objects.select_for_update(of=("self",))
        .select_related("complaint", "customer", "policy_version__policy", "proposed_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise exceptions.ProposalNotFound()
    return found


def lock_customer(customer_id: int) -> None:
    """Serialises every approval for one customer (per-transaction and rolling caps)."""
    Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk").first()


def system() -> Any:
    return system_actor(SYSTEM_NAME)


def now():
    return timezone.now()
