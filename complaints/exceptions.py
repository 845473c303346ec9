"""Domain errors of the complaints app: stable codes the apps and the admin switch on."""

from django.utils.translation import gettext_lazy as _

from backoffice.core.exceptions import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)


class ComplaintNotFound(NotFound):
    code = "complaint_not_found"
    message = _("No complaint with this reference.")
    hint = _("Check the reference; you can only see your own complaints.")


class ActionNotPermitted(PermissionDenied):
    code = "complaint_action_not_permitted"
    message = _("You may not do this with this complaint.")
    hint = _("Ask the complaint's owner, a supervisor or a manager.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = _("This action is not possible in the complaint's current state.")
    hint = _("Reload the complaint to see its current state and the actions available.")


class ConcurrentChange(Conflict):
    code = "complaint_changed"
    message = _("Someone else changed this complaint at the same time.")
    hint = _("Reload the complaint and try again.")


class GuardFailed(ValidationFailed):
    code = "transition_guard_failed"
    message = _("The complaint is not ready for this step.")
    hint = _("Complete the missing steps first.")


class IdentityNotVerified(GuardFailed):
    code = "identity_not_verified"
    message = _("The customer's identity has not been verified.")
    hint = _("Record the identity verification (one-time code, ID document or bound phone).")


class RootCauseMissing(GuardFailed):
    code = "root_cause_missing"
    message = _("No root cause has been recorded.")
    hint = _("Record the root cause before proposing a resolution.")


class ResolutionSummaryMissing(GuardFailed):
    code = "resolution_summary_missing"
    message = _("The resolution summary is empty.")
    hint = _("Describe what was done and the outcome.")


class ResolutionNoticeNotSent(GuardFailed):
    code = "resolution_notice_not_sent"
    message = _("The resolution notice has not been sent to the customer.")
    hint = _("Send the resolution notice before closing the complaint.")


class ResolutionNoticeBlocked(GuardFailed):
    code = "resolution_notice_blocked"
    message = _("The resolution notice cannot be sent yet.")
    hint = _("Resolve the reason given, for example a pending compensation approval.")


class ReopenWindowPassed(GuardFailed):
    code = "reopen_window_passed"
    message = _("The complaint was closed too long ago to be reopened.")
    hint = _("Open a new complaint that refers to this one.")


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    message = _("A reason is required.")
    hint = _("Say why, in a sentence the customer or an auditor can understand.")


class FollowUpPlanRequired(ValidationFailed):
    code = "follow_up_plan_required"
    message = _("A plan is required before investigating.")
    hint = _("Record the initial judgement or the follow-up plan.")


class EscalationLimitReached(Conflict):
    code = "escalation_limit_reached"
    message = _("The complaint is already at the highest escalation level.")
    hint = _("A manager or the special team handles it now.")


class StatutoryExtensionNotAllowed(Conflict):
    code = "statutory_extension_not_allowed"
    message = _("The statutory deadline cannot be extended.")
    hint = _("It can be extended once, before the final response, if the regime allows it.")


class RatingNotAllowed(Conflict):
    code = "rating_not_allowed"
    message = _("This complaint cannot be rated now.")
    hint = _("A complaint can be rated once, after it has been closed.")


class AssigneeNotEligible(ValidationFailed):
    code = "assignee_not_eligible"
    message = _("This person cannot own the complaint.")
    hint = _("Choose an active agent, supervisor or manager for the escalation level.")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency_key_reused"
    message = _("This Idempotency-Key was already used with a different request.")
    hint = _("Use a new key for a new request; repeat a request only with identical data.")
    status = 422


class IdempotencyKeyInvalid(ValidationFailed):
    code = "idempotency_key_invalid"
    message = _("The Idempotency-Key header is not valid.")
    hint = _("Use at most 200 printable ASCII characters, e.g. a UUID.")


class AttachmentRejected(ValidationFailed):
    code = "attachment_rejected"
    message = _("The attachment was refused.")
    hint = _("Send PNG, JPEG or PDF files of at most 5 MB each, at most 5 files.")


class MessageEmpty(ValidationFailed):
    code = "message_empty"
    message = _("The message is empty.")
    hint = _("Write some text or attach a file.")
