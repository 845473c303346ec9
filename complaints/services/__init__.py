"""The only writers of complaint data. Every service is keyword-only and atomic, and
checks the actor's permission itself, whichever door (admin, API, task) called it."""

from .assignment import complaint_assign
from .intake import (
    complaint_file,
    complaint_intake_followup,
    complaint_intake_followup_drain,
    complaint_intake_followup_due,
    complaint_intake_record,
    complaint_submit,
    regime_for,
)
from .messages import complaint_add_internal_note, complaint_add_message
from .sla import SweepResult, complaint_auto_close_due, complaint_extend_statutory, sla_sweep
from .verification import (
    complaint_record_identity_verification,
    complaint_review_finding,
    complaint_verify_transactions,
)
from .workflow import (
    complaint_accept_resolution,
    complaint_acknowledge,
    complaint_classify,
    complaint_escalate,
    complaint_propose_resolution,
    complaint_rate,
    complaint_reject,
    complaint_reject_resolution,
    complaint_reopen,
    complaint_request_info,
    complaint_resume_investigation,
    complaint_send_resolution_notice,
    complaint_set_root_cause,
    complaint_start_investigation,
    complaint_withdraw,
)

__all__ = [
    "SweepResult",
    "complaint_accept_resolution",
    "complaint_acknowledge",
    "complaint_add_internal_note",
    "complaint_add_message",
    "complaint_assign",
    "complaint_auto_close_due",
    "complaint_classify",
    "complaint_escalate",
    "complaint_extend_statutory",
    "complaint_file",
    "complaint_intake_followup",
    "complaint_intake_followup_drain",
    "complaint_intake_followup_due",
    "complaint_intake_record",
    "complaint_propose_resolution",
    "complaint_rate",
    "complaint_record_identity_verification",
    "complaint_reject",
    "complaint_reject_resolution",
    "complaint_reopen",
    "complaint_request_info",
    "complaint_resume_investigation",
    "complaint_review_finding",
    "complaint_send_resolution_notice",
    "complaint_set_root_cause",
    "complaint_start_investigation",
    "complaint_submit",
    "complaint_verify_transactions",
    "complaint_withdraw",
    "regime_for",
    "sla_sweep",
]
