"""Customer notices about a complaint, above all the resolution notice (投訴處理結果通知書)."""

from typing import Any

from django.utils.translation import gettext as _

from .. import exceptions, hooks
from ..conf import setting
from ..models import Complaint, ComplaintEvent, RootCause
from ._core import notify_customer, untranslated


def compensation_lines(complaint: Complaint) -> list[dict[str, str]]:
    """What the compensation app granted, as plain strings for the outbox context."""
    lines: list[dict[str, Any]] = []
    for provider in hooks.notice_compensation_providers:
        lines.extend(provider(complaint) or [])
    return [
        {
            "description": str(line.get("description", "")),
            "amount": str(line.get("amount", "")),
            "currency": str(line.get("currency", "")),
            "reference": str(line.get("reference", "")),
            "account": str(line.get("account", "")),
        }
        for line in lines
    ]


def notice_blocker(complaint: Complaint) -> str | None:
    """The first reason another app gives for holding the notice back, if any."""
    for guard in hooks.resolution_notice_guards:
        reason = guard(complaint)
        if reason:
            return str(reason)
    return None


def require_notice_allowed(complaint: Complaint) -> None:
    reason = notice_blocker(complaint)
    if reason:
        raise exceptions.ResolutionNoticeBlocked(
            _("The resolution notice cannot be sent yet: %(reason)s") % {"reason": reason}
        )


def regulator_context(complaint: Complaint) -> dict[str, str]:
    regime = complaint.regime
    return {
        "regime_name": regime.name,
        "regulator_name": regime.regulator_name,
        "regulator_contact": regime.regulator_contact,
    }


def send_resolution_notice(complaint: Complaint, *, event: ComplaintEvent):
    """What was done, the outcome, compensation, follow-up advice and the right to refer
    the complaint to the regulator; on the preferred channel, in-app as the fallback."""
    context = {
        "resolution_summary": complaint.resolution_summary,
        "follow_up_advice": complaint.follow_up_advice,
        "root_cause_label": untranslated(RootCause(complaint.root_cause).label)
        if complaint.root_cause
        else "",
        "compensation": compensation_lines(complaint),
        "answer_days": setting("COMPLAINT_AUTO_CLOSE_DAYS"),
        **regulator_context(complaint),
    }
    return notify_customer(complaint, template="complaint_resolution", event=event, context=context)
