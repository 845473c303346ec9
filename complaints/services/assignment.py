"""Who owns a complaint: automatic assignment of new complaints (least open work first
among available agents), owners for escalations, and reassignment by a supervisor."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils.translation import gettext as _

from backoffice.roles.models import Role
from backoffice.roles.selectors import user_rank

from .. import exceptions
from ..models import OPEN_STATES, AlertKind, Complaint, EventKind
from ..permissions import Action
from ._core import alert_staff, locked, record_event, require_permission, require_text, save


def _least_busy(candidates: QuerySet) -> Any | None:
    """The candidate with the least open work who has capacity left (no agent profile or
    a capacity of 0 means no limit), ties to the lowest id: one grouped query on the
    owner-and-state index that returns one row, however many candidates there are. (A
    correlated count per user, tried once, made escalations at a million complaints ten
    times slower: see tests/benchmarks/RESULTS.md, scale.)"""
    return (
        candidates.annotate(
            # The state in the join condition, not in the count's FILTER: the join then reads
            # only open complaints from the owner-and-state index, not every one ever owned.
            open_owned=FilteredRelation(
                "owned_complaints", condition=Q(owned_complaints__state__in=OPEN_STATES)
            ),
            open_work=Count("open_owned"),
        )
        .filter(
            Q(complaint_profile__isnull=True)
            | Q(complaint_profile__capacity=0)
            | Q(open_work__lt=F("complaint_profile__capacity"))
        )
        .order_by("open_work", "pk")
        .first()
    )


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
