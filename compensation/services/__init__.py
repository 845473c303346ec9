"""The only writers of compensation data. Every service is keyword-only and atomic, and
checks the actor's permission itself, whichever door (admin, API, task) called it."""

from .approvals import (
    compensation_approve,
    compensation_expire_stale,
    compensation_reject,
    compensation_submit,
    compensation_withdraw,
)
from .execution import (
    compensation_execute,
    compensation_execute_line,
    compensation_reconcile,
    compensation_settle,
)
from .grants import coupon_redeem, fee_waiver_consume
from .policies import (
    policy_version_activate,
    policy_version_create_draft,
    policy_version_return_to_draft,
    policy_version_submit,
)
from .quotes import compensation_adjust_line, compensation_quote

__all__ = [
    "compensation_adjust_line",
    "compensation_approve",
    "compensation_execute",
    "compensation_execute_line",
    "compensation_expire_stale",
    "compensation_quote",
    "compensation_reconcile",
    "compensation_reject",
    "compensation_settle",
    "compensation_submit",
    "compensation_withdraw",
    "coupon_redeem",
    "fee_waiver_consume",
    "policy_version_activate",
    "policy_version_create_draft",
    "policy_version_return_to_draft",
    "policy_version_submit",
]
