"""Domain errors of the compensation app: stable codes the apps and the admin switch on."""

from django.utils.translation import gettext_lazy as _

from backoffice.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed


class ProposalNotFound(NotFound):
    code = "proposal_not_found"
    message = _("No compensation proposal with this id.")


class NotPermitted(PermissionDenied):
    code = "compensation_not_permitted"
    message = _("You may not do this with compensation.")
    hint = _("Agents propose; supervisors and managers approve; managers change policies.")


class ProposerCannotApprove(PermissionDenied):
    code = "proposer_cannot_approve"
    message = _("You proposed or adjusted this compensation, so you cannot approve it.")
    hint = _("Another supervisor or manager must approve it (maker-checker).")


class AuditorCannotApprove(PermissionDenied):
    code = "auditor_cannot_approve"
    message = _("Auditors cannot approve compensation.")
    hint = _("Auditors review; a supervisor or manager approves.")


class ApproverRankTooLow(PermissionDenied):
    code = "approver_rank_too_low"
    message = _("This amount needs an approver with a higher role.")
    hint = _("Ask someone with the minimum role shown on the proposal.")


class AlreadyApproved(Conflict):
    code = "already_approved"
    message = _("You have already approved this proposal.")
    hint = _("A different person must give the next approval.")


class InvalidProposalState(Conflict):
    code = "proposal_state_invalid"
    message = _("This is not possible in the proposal's current state.")
    hint = _("Reload the proposal to see its current state.")


class ProposalAlreadyOpen(Conflict):
    code = "proposal_already_open"
    message = _("This complaint already has an open compensation proposal.")
    hint = _("Finish, reject or withdraw the open proposal first.")


class PolicyNotActive(Conflict):
    code = "policy_not_active"
    message = _("The compensation policy has no active version.")
    hint = _("A manager must approve a version of the policy first.")


class NothingToCompensate(ValidationFailed):
    code = "nothing_to_compensate"
    message = _("No rule of the policy grants compensation for this complaint's facts.")
    hint = _("Check the root cause and confirm the findings, or escalate for a manual decision.")


class PolicyChanged(Conflict):
    code = "policy_changed_requote"
    message = _("The policy changed since this proposal was quoted.")
    hint = _("Withdraw this proposal and request a new quote.")


class RefundExceedsOriginal(Conflict):
    code = "refund_exceeds_original"
    message = _("Refunds would exceed what was originally charged.")
    hint = _("Refunds paid, executing, unknown or pending already use up the original amount.")


class ComplaintCapExceeded(Conflict):
    code = "complaint_cap_exceeded"
    message = _("The compensation for this complaint would exceed the policy's cap.")
    hint = _("Lower the amounts, or escalate to a manager for a policy decision.")


class GoodwillLimitExceeded(Conflict):
    code = "goodwill_limit_exceeded"
    message = _("The customer's goodwill limit for the period would be exceeded.")
    hint = _("Goodwill granted recently counts too; lower the amounts or wait.")


class BudgetExhausted(Conflict):
    code = "budget_exhausted"
    message = _("The policy's monthly budget for this currency would be exceeded.")
    hint = _("A manager can raise the budget, or the proposal waits for next month.")


class BudgetNotConfigured(Conflict):
    code = "budget_not_configured"
    message = _("The policy has no monthly budget for this currency.")
    hint = _("A manager must set a monthly budget for the currency.")


class LimitsNotConfigured(Conflict):
    code = "currency_limits_missing"
    message = _("The policy version has no caps for this currency.")
    hint = _("A manager must add caps for the currency in a new policy version.")


class ApprovalTierMissing(Conflict):
    code = "approval_tier_missing"
    message = _("No approval tier covers this amount and currency.")
    hint = _("A manager must add an approval tier for the currency.")


class AdjustmentOutOfBounds(ValidationFailed):
    code = "adjustment_out_of_bounds"
    message = _("The amount lies outside what the rule allows.")
    hint = _("Choose an amount between the lowest and highest allowed shown on the line.")


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    message = _("A reason is required.")
    hint = _("Say why, in a sentence an auditor can understand.")


class VersionNotEditable(Conflict):
    code = "version_not_editable"
    message = _("Only a draft policy version can be changed.")
    hint = _("Create a new version to change the rules.")


class VersionStateInvalid(Conflict):
    code = "version_state_invalid"
    message = _("This is not possible in the version's current state.")
    hint = _("Reload the version to see its current state.")


class AuthorCannotActivate(PermissionDenied):
    code = "author_cannot_activate"
    message = _("The author of a policy version cannot approve it.")
    hint = _("Another manager must approve it.")


class CouponNotFound(NotFound):
    code = "coupon_not_found"
    message = _("No coupon has this code.")
    hint = _("Check the code; it has 12 letters and digits in groups of four.")


class CouponExpired(Conflict):
    code = "coupon_expired"
    message = _("This coupon has expired.")
    hint = _("Coupons can only be used before their expiry time.")


class CouponNotOwned(PermissionDenied):
    code = "coupon_not_owned"
    message = _("This coupon belongs to another customer.")
    hint = _("Only the customer it was issued to can use it.")


class CouponCurrencyMismatch(ValidationFailed):
    code = "coupon_currency_mismatch"
    message = _("This coupon is for another currency.")
    hint = _("Use it on a payment in the coupon's currency.")


class CouponBelowMinimumSpend(ValidationFailed):
    code = "coupon_below_minimum_spend"
    message = _("The payment is below the coupon's minimum spend.")
    hint = _("Use the coupon on a larger payment.")


class CouponAlreadyUsed(Conflict):
    code = "coupon_already_used"
    message = _("This coupon has already been used.")
    hint = _("Each coupon can be used once.")


class CustomerUnknown(NotFound):
    code = "customer_unknown"
    message = _("No customer has this wallet account id.")
    hint = _("Check the wallet account id.")


class TransactionTypeUnknown(ValidationFailed):
    code = "transaction_type_unknown"
    message = _("Unknown transaction type.")
    hint = _("Use payment, transfer, top_up or withdrawal.")
