"""Education errors: stable codes the apps and the admin can rely on."""

from django.utils.translation import gettext_lazy as _

from backoffice.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed


class ApprovalNotAllowed(PermissionDenied):
    code = "approval_not_allowed"
    message = _("Only a content editor or a manager may approve.")
    hint = _("Ask a content editor or a manager to approve it.")


class SelfApprovalRefused(PermissionDenied):
    code = "self_approval_refused"
    message = _("You cannot approve your own content.")
    hint = _("Another content editor or a manager must approve it.")


class NothingToApprove(ValidationFailed):
    code = "nothing_to_approve"
    message = _("The tip has no version with texts to approve.")
    hint = _("Add a version with at least an English text first.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = _("This change of state is not possible now.")
    hint = _("Reload the page to see the current state.")


class CampaignInvalid(ValidationFailed):
    code = "campaign_invalid"
    message = _("The campaign is not complete.")
    hint = _("Correct the fields listed.")


class ScenarioUnknown(ValidationFailed):
    code = "scenario_unknown"
    message = _("Unknown warning scenario.")


class ContextInvalid(ValidationFailed):
    code = "context_invalid"
    message = _("The warning context is not valid.")
    hint = _("Correct the context fields listed and send the request again.")


class DecisionNotFound(NotFound):
    code = "decision_not_found"
    message = _("No warning decision has this id.")
    hint = _("Use the decision_id returned by the evaluate call.")


class OutcomeAlreadyRecorded(Conflict):
    code = "outcome_already_recorded"
    message = _("A different outcome was already recorded for this decision.")
    hint = _("An outcome is recorded once; start a new evaluation for a new attempt.")


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    message = _("No delivery of yours has this id.")
    hint = _("Use an id from your inbox.")


class QuizNotFound(NotFound):
    code = "quiz_not_found"
    message = _("This tip has no quiz.")
    hint = _("Use a tip from your inbox that offers a quiz.")


class QuizAnswersInvalid(ValidationFailed):
    code = "quiz_answers_invalid"
    message = _("The quiz answers do not match the questions.")
    hint = _("Send one choice id for each question id of the quiz.")
