"""Which changes the audit chain records, beyond logins and role changes.

For each model: the fields whose change is chained. A change is detected from the model's
simple-history record (so it is caught whichever door the write came through: admin, API,
task, command), compared with the previous record; creation counts as a change. The
history's user and change reason are chained with it.
"""

CHAINED_FIELDS: dict[str, tuple[str, ...]] = {
    # state transitions, ownership and escalation of complaints
    "complaints.complaint": ("state", "owner", "escalation_level", "statutory_due_at"),
    # maker-checker approvals and payouts
    "compensation.compensationproposal": ("state",),
    "compensation.proposalapproval": ("approver", "cleared_at"),
    "compensation.proposalline": ("status", "amount", "gateway_reference", "account_credited"),
    # policy activations and retirements
    "compensation.policyversion": ("state",),
}
