"""One chronological timeline per complaint, assembled from every record that says what
happened to it: state events, field changes (simple-history diffs), messages and internal
notes, notices with their delivery receipts, findings, and compensation proposals,
approvals and payouts.

The audit app is part of the kernel: complaints and compensation are imported inside the
functions only.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

# Fields whose change says nothing an auditor needs (bookkeeping of the models).
_IGNORED_FIELDS = {"updated_at", "created_at"}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    actor: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _who(user: Any) -> str:
    if user is None:
        return ""
    return user.get_username()


def _history_diffs(records: list) -> list[tuple[Any, list[dict[str, Any]]]]:
    """(record, changes) for each historical record, oldest first; a creation has the
    record's non-empty tracked values as its changes."""
    out = []
    previous = None
    for record in records:
        if previous is None:
            changes = []
        else:
            delta = record.diff_against(previous)
            changes = [
                {"field": c.field, "old": c.old, "new": c.new}
                for c in delta.changes
                if c.field not in _IGNORED_FIELDS
            ]
        out.append((record, changes))
        previous = record
    return out


def _state_events(complaint) -> list[TimelineEntry]:
    entries = []
    for event in complaint.events.select_related("actor").order_by("created_at", "id"):
        if event.from_state or event.to_state:
            summary = _("%(kind)s: %(from)s → %(to)s") % {
                "kind": event.get_kind_display(),
                "from": event.get_from_state_display() or "-",
                "to": event.get_to_state_display() or "-",
            }
        else:
            summary = str(event.get_kind_display())
        entries.append(
            TimelineEntry(
                at=event.created_at,
                kind="event",
                actor=_who(event.actor),
                summary=summary,
                details={
                    "event_kind": event.kind,
                    "from_state": event.from_state,
                    "to_state": event.to_state,
                    "reason": event.reason,
                    "visibility": event.visibility,
                    "data": event.data,
                },
            )
        )
    return entries


def _field_changes(complaint) -> list[TimelineEntry]:
    records = list(complaint.history.select_related("history_user").order_by("history_date"))
    entries = []
    for record, changes in _history_diffs(records):
        if record.history_type == "+":
            summary, changes = _("Complaint recorded"), []
        elif not changes:
            continue
        else:
            summary = _("Changed: %(fields)s") % {
                "fields": ", ".join(change["field"] for change in changes)
            }
        entries.append(
            TimelineEntry(
                at=record.history_date,
                kind="change",
                actor=_who(record.history_user),
                summary=summary,
                details={"changes": changes, "reason": record.history_change_reason or ""},
            )
        )
    return entries


def _conversation(complaint) -> list[TimelineEntry]:
    entries = []
    for message in complaint.messages.select_related("author").prefetch_related("attachments"):
        entries.append(
            TimelineEntry(
                at=message.created_at,
                kind="message",
                actor=_who(message.author),
                summary=_("Message from %(sender)s") % {"sender": message.get_sender_display()},
                details={
                    "sender": message.sender,
                    "body": message.body,
                    "attachments": [
                        {"name": a.original_name, "sha256": a.sha256, "size": a.size}
                        for a in message.attachments.all()
                    ],
                },
            )
        )
    for note in complaint.notes.select_related("author"):
        entries.append(
            TimelineEntry(
                at=note.created_at,
                kind="note",
                actor=_who(note.author),
                summary=_("Internal note"),
                details={"body": note.body},
            )
        )
    return entries


def _notices(complaint) -> list[TimelineEntry]:
    from backoffice.notifications.models import Notification

    entries = []
    notices = Notification.objects.filter(
        customer_id=complaint.customer_id, topic=f"complaint:{complaint.reference}"
    ).order_by("id")
    for notice in notices:
        details = {
            "notification_id": notice.pk,
            "template": notice.template_key,
            "channel": notice.channel,
            "status": notice.status,
            "sent_at": notice.sent_at,
            "delivered_at": notice.delivered_at,
            "last_error": notice.last_error,
        }
        receipts = [(notice.created_at, _("Notice queued: %(template)s"))]
        if notice.sent_at:
            receipts.append((notice.sent_at, _("Notice sent: %(template)s")))
        if notice.delivered_at:
            receipts.append((notice.delivered_at, _("Notice delivered: %(template)s")))
        if notice.status == "failed":
            receipts.append((notice.updated_at, _("Notice failed: %(template)s")))
        for at, text in receipts:
            entries.append(
                TimelineEntry(
                    at=at,
                    kind="notice",
                    actor="",
                    summary=text % {"template": notice.template_key},
                    details=details,
                )
            )
    return entries


def _findings(complaint) -> list[TimelineEntry]:
    entries = []
    for finding in complaint.findings.select_related("transaction", "reviewed_by"):
        details = {
            "finding_id": finding.pk,
            "finding_kind": finding.kind,
            "transaction": finding.transaction.transaction_id if finding.transaction else "",
            "details": finding.details,
        }
        entries.append(
            TimelineEntry(
                at=finding.created_at,
                kind="finding",
                actor="",
                summary=_("Finding: %(kind)s") % {"kind": finding.get_kind_display()},
                details=details,
            )
        )
        if finding.reviewed_at:
            text = _("Finding confirmed: %(kind)s") if finding.confirmed else None
            text = text or _("Finding dismissed: %(kind)s")
            entries.append(
                TimelineEntry(
                    at=finding.reviewed_at,
                    kind="finding",
                    actor=_who(finding.reviewed_by),
                    summary=text % {"kind": finding.get_kind_display()},
                    details={**details, "confirmed": finding.confirmed},
                )
            )
    return entries


def _state_history(records: list, field_name: str):
    """(record, old, new) for each creation or change of `field_name`."""
    previous = None
    for record in records:
        new = getattr(record, field_name)
        old = getattr(previous, field_name) if previous is not None else None
        if previous is None or old != new:
            yield record, old, new
        previous = record


def _compensation(complaint) -> list[TimelineEntry]:
    from backoffice.core.money import quantize
    from compensation.models import (
        CompensationProposal,
        LineStatus,
        ProposalApproval,
        ProposalLine,
        ProposalState,
    )

    entries = []
    proposals = CompensationProposal.objects.filter(complaint=complaint).order_by("id")
    for proposal in proposals:
        records = list(proposal.history.select_related("history_user").order_by("history_date"))
        for record, old, new in _state_history(records, "state"):
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="proposal",
                    actor=_who(record.history_user),
                    summary=_("Proposal %(id)s: %(from)s → %(to)s")
                    % {
                        "id": proposal.pk,
                        "from": ProposalState(old).label if old else "-",
                        "to": ProposalState(new).label,
                    },
                    details={
                        "proposal_id": proposal.pk,
                        "from_state": old,
                        "to_state": new,
                        "amount": record.total_amount,
                        "currency": proposal.currency,
                        "reason": record.history_change_reason or "",
                    },
                )
            )
    approvals = ProposalApproval.objects.filter(proposal__complaint=complaint).select_related(
        "approver"
    )
    for approval in approvals.order_by("id"):
        entries.append(
            TimelineEntry(
                at=approval.created_at,
                kind="approval",
                actor=_who(approval.approver),
                summary=_("Proposal %(id)s approved by a %(role)s")
                % {"id": approval.proposal_id, "role": approval.get_role_display()},
                details={
                    "proposal_id": approval.proposal_id,
                    "role": approval.role,
                    "comment": approval.comment,
                    "cleared_at": approval.cleared_at,
                },
            )
        )
    lines = ProposalLine.objects.filter(proposal__complaint=complaint).order_by("id")
    for line in lines:
        records = list(line.history.select_related("history_user").order_by("history_date"))
        for record, old, new in _state_history(records, "status"):
            if old is None:
                continue
            entries.append(
                TimelineEntry(
                    at=record.history_date,
                    kind="payout",
                    actor=_who(record.history_user),
                    summary=_("Payout line %(id)s (%(kind)s %(amount)s %(currency)s): %(to)s")
                    % {
                        "id": line.pk,
                        "kind": line.get_kind_display(),
                        "amount": quantize(
                            record.amount, line.currency, rounding="ROUND_HALF_EVEN"
                        ),
                        "currency": line.currency,
                        "to": LineStatus(new).label,
                    },
                    details={
                        "line_id": line.pk,
                        "proposal_id": line.proposal_id,
                        "from_status": old,
                        "to_status": new,
                        "amount": record.amount,
                        "gateway_reference": record.gateway_reference,
                        "last_error": record.last_error,
                        "reason": record.history_change_reason or "",
                    },
                )
            )
    return entries


_ORDER = {"change": 0, "event": 1, "finding": 2, "message": 3, "note": 4}


def complaint_timeline(*, complaint) -> list[TimelineEntry]:
    """Everything that happened to `complaint`, oldest first."""
    entries = [
        *_field_changes(complaint),
        *_state_events(complaint),
        *_conversation(complaint),
        *_notices(complaint),
        *_findings(complaint),
        *_compensation(complaint),
    ]
    entries.sort(key=lambda e: (e.at, _ORDER.get(e.kind, 5)))
    return entries
