"""A complaint with a full story, produced by the real services: state changes, a
message and a note, a confirmed finding, a notice, and a refund approved and paid."""

from django.utils import timezone

from backoffice.notifications.models import Notification
from compensation import services as compensation_services
from complaints import services as complaint_services
from tests.backoffice.factories import staff_user
from tests.compensation.factories import (
    activate_policy,
    duplicate_charge_complaint,
    refund_rule,
    submitted,
)


def paid_complaint(capture_on_commit):
    """(complaint, supervisor) once the duplicate charge has been refunded."""
    activate_policy([refund_rule()])
    complaint, agent, _duplicate = duplicate_charge_complaint(amount="250.00")
    complaint_services.complaint_add_message(
        complaint=complaint, actor=complaint.customer.user, body="Any news?"
    )
    complaint_services.complaint_add_internal_note(
        complaint=complaint, actor=agent, body="Checked the ledger."
    )
    proposal = submitted(complaint, agent)
    supervisor = staff_user("supervisor")
    with capture_on_commit(execute=True):
        compensation_services.compensation_approve(proposal=proposal, actor=supervisor)
    notice = Notification.objects.filter(topic=f"complaint:{complaint.reference}").first()
    if notice is not None:
        Notification.objects.filter(pk=notice.pk).update(
            status="delivered", sent_at=timezone.now(), delivered_at=timezone.now()
        )
    complaint.refresh_from_db()
    return complaint, supervisor
