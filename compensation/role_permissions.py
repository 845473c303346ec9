"""Model permissions of the compensation app per role (merged by roles_sync_permissions).

These open the admin pages; what a user may *do* (propose, approve within a tier, change
policies) is decided by compensation.permissions in the services."""

_VIEW = [
    "compensation.view_compensationpolicy",
    "compensation.view_policyversion",
    "compensation.view_compensationrule",
    "compensation.view_currencylimit",
    "compensation.view_policybudget",
    "compensation.view_approvaltier",
    "compensation.view_compensationproposal",
    "compensation.view_proposalline",
    "compensation.view_proposalapproval",
    "compensation.view_budgetreservation",
    "compensation.view_coupon",
    "compensation.view_feewaiver",
    "compensation.view_walletledgerentry",
]
_APPROVE = ["compensation.approve_compensationproposal"]
_POLICY = [
    "compensation.add_compensationpolicy",
    "compensation.change_compensationpolicy",
    "compensation.change_policyversion",
    "compensation.add_compensationrule",
    "compensation.change_compensationrule",
    "compensation.delete_compensationrule",
    "compensation.add_currencylimit",
    "compensation.change_currencylimit",
    "compensation.delete_currencylimit",
    "compensation.add_policybudget",
    "compensation.change_policybudget",
    "compensation.add_approvaltier",
    "compensation.change_approvaltier",
    "compensation.delete_approvaltier",
]

ROLE_PERMISSIONS = {
    "agent": [*_VIEW],
    "supervisor": [*_VIEW, *_APPROVE],
    "manager": [*_VIEW, *_APPROVE, *_POLICY],
}
