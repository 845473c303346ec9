"""Campaign life cycle: draft -> scheduled (approved) -> running <-> paused -> finished."""

from collections.abc import Callable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from backoffice.customers.models import NotificationChannel

from ..exceptions import ApprovalNotAllowed, CampaignInvalid, InvalidTransition
from ..models import Campaign, Schedule, TipStatus
from .content import APPROVER_ROLES, check_approver, save_with_history
from .fanout import chunks_requeue_stale


def _errors(campaign: Campaign) -> dict[str, list[dict[str, str]]]:
    errors: dict[str, list[dict[str, str]]] = {}

    def add(field: str, code: str, message: str) -> None:
        errors.setdefault(field, []).append({"code": code, "message": message})

    channels = campaign.channels if isinstance(campaign.channels, list) else None
    if not channels or any(c not in NotificationChannel.values for c in channels):
        add("channels", "invalid_channels", _("Choose channels among in_app, push, sms, email."))
    pool = list(campaign.pool.all()) if campaign.pk else []
    tips = pool or ([campaign.tip] if campaign.tip_id else [])
    if not tips:
        add("tip", "tip_required", _("Choose a tip or a rotation pool."))
    elif any(t.status != TipStatus.APPROVED for t in tips):
        add("tip", "tip_not_approved", _("Every tip of the campaign must be approved."))
    if campaign.schedule == Schedule.WEEKLY and campaign.weekday is None:
        add("weekday", "required", _("A weekly campaign needs a weekday."))
    if campaign.schedule == Schedule.MONTHLY and campaign.day_of_month is None:
        add("day_of_month", "required", _("A monthly campaign needs a day of the month."))
    return errors


def campaign_validate(*, campaign: Campaign) -> None:
    errors = _errors(campaign)
    if errors:
        raise CampaignInvalid(fields=errors)


def _transition(
    campaign: Campaign, actor: AbstractBaseUser, name: str, reason: str
) -> tuple[Campaign, Callable]:
    from backoffice.roles.selectors import user_has_role

    if not user_has_role(actor, *APPROVER_ROLES):
        raise ApprovalNotAllowed()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    method = getattr(campaign, name)
    if not can_proceed(method):
        raise InvalidTransition()
    return campaign, method


@transaction.atomic
def campaign_approve(*, campaign: Campaign, actor: AbstractBaseUser) -> Campaign:
    """Schedule a complete campaign; by a content editor or manager who did not create it."""
    campaign, method = _transition(campaign, actor, "approve", "approved")
    check_approver(actor=actor, author_id=campaign.created_by_id)
    campaign_validate(campaign=campaign)
    method(actor)
    save_with_history(campaign, actor=actor, reason="approved")
    return campaign


@transaction.atomic
def campaign_pause(*, campaign: Campaign, actor: AbstractBaseUser) -> Campaign:
    campaign, method = _transition(campaign, actor, "pause", "paused")
    method()
    save_with_history(campaign, actor=actor, reason="paused")
    return campaign


@transaction.atomic
def campaign_resume(*, campaign: Campaign, actor: AbstractBaseUser) -> Campaign:
    """Running again; the chunks the pause stopped are queued again."""
    campaign, method = _transition(campaign, actor, "resume", "resumed")
    method()
    save_with_history(campaign, actor=actor, reason="resumed")
    chunks_requeue_stale(now=timezone.now(), campaign=campaign)
    return campaign


@transaction.atomic
def campaign_finish(*, campaign: Campaign, actor: AbstractBaseUser) -> Campaign:
    campaign, method = _transition(campaign, actor, "finish", "finished")
    method()
    save_with_history(campaign, actor=actor, reason="finished by staff")
    return campaign
