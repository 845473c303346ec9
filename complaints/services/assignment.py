"""Who owns a complaint: automatic assignment of new complaints (least open work first
among available agents), owners for escalations, and reassignment by a supervisor."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from backoffice.roles.models import Role
from backoffice.roles.selectors import user_rank

from .. import exceptions
from ..models import OPEN_STATES, AlertKind, Complaint, EventKind
from ..permissions import Action
from ._core import alert_staff, locked, record_event, require_permission, require_text, save


def _open_work(user_ids: list[int]) -> dict[int, int]:
    """Open complaints per user, one grouped query on the owner-and-state index. (A
    correlated count per user, and a join of the candidates with their complaints, both
    tried to save this query, made the SLA sweep's escalations at a million complaints
    two to ten times slower: see tests/benchmarks/RESULTS.md, scale.)"""
    rows = (
        Complaint.objects.filter(owner_id__in=user_ids, state__in=OPEN_STATES)
        .values("owner_id")
        .annotate(n=Count("id"))
    )
    return {row["owner_id"]: row["n"] for row in rows}


def _least_busy(candidates: QuerySet) -> Any | None:
    """The candidate with the least open work who has capacity left (no agent profile or
    a capacity of 0 means no limit), ties to the lowest id. The candidates are read as
    (id, capacity) pairs, not as users with profiles: with fifty available agents,
    building those objects cost more than the rest of the assignment."""
    pairs = dict(candidates.values_list("pk", "complaint_profile__capacity").distinct())
    work = _open_work(list(pairs))
    eligible = [pk for pk, cap in pairs.items() if not cap or work.get(pk, 0) < cap]
    chosen = min(eligible, key=lambda pk: (work.get(pk, 0), pk), default=None)
    return None if chosen is None else get_user_model().objects.get(pk=chosen)


def agent_for_new_complaint() -> Any | None:
    """The available agent with the least open work (only agents who opted in through an
    agent profile take new complaints automatically)."""
    return _least_busy(
        get_user_model().objects.filter(
            is_active=True, groups__name=Role.AGENT, complaint_profile__is_available=True
        )
    )


def owner_for_level(level: int) -> Any | None:
    """A supervisor (level 1) or manager (level 2), least open work first; people who
    marked themselves unavailable are skipped. None leaves the complaint in the queue."""
    role = Role.SUPERVISOR if level <= 1 else Role.MANAGER
    return _least_busy(
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .exclude(complaint_profile__is_available=False)
    )


def assign_new(complaint: Complaint, *, actor: Any) -> None:
    """Auto-assignment of a complaint being submitted (caller holds the transaction)."""
    owner = agent_for_new_complaint()
    if owner is None:
        return
    complaint.owner = owner
    save(complaint, actor=actor, reason="auto-assigned")
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.ASSIGNMENT,
        reason=_("Assigned automatically (least open work)."),
        data={"owner": owner.pk},
    )
    alert_staff(
        owner,
        complaint,
        kind=AlertKind.ASSIGNED,
        message=_("Complaint %(ref)s was assigned to you.") % {"ref": complaint.reference},
    )


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor: Any, owner: Any, reason: str) -> Complaint:
    """A supervisor or manager gives the complaint to someone else, saying why."""
    reason = require_text(reason, "reason")
    complaint = locked(complaint)
    require_permission(complaint, actor, Action.ASSIGN)
    if not complaint.is_open:
        raise exceptions.InvalidTransition()
    if not owner.is_active or user_rank(owner) < max(1, complaint.escalation_level + 1):
        raise exceptions.AssigneeNotEligible()
    previous = complaint.owner_id
    complaint.owner = owner
    save(complaint, actor=actor, reason=f"reassigned: {reason}")
    record_event(
        complaint,
        actor=actor,
        kind=EventKind.ASSIGNMENT,
        reason=reason,
        data={"from_owner": previous, "owner": owner.pk},
    )
    alert_staff(
        owner,
        complaint,
        kind=AlertKind.ASSIGNED,
        message=_("Complaint %(ref)s was assigned to you.") % {"ref": complaint.reference},
    )
    return complaint
