"""Approval of tips and campaigns: a content editor or manager who is not the author."""

import pytest

from backoffice.core.exceptions import ApplicationError
from education.models import CampaignState, SecurityTip, TipStatus
from education.services.campaigns import (
    campaign_approve,
    campaign_finish,
    campaign_pause,
    campaign_resume,
)
from education.services.content import tip_approve, tip_create, tip_retire, tip_version_create
from tests.backoffice.factories import staff_user
from tests.education.factories import CampaignFactory, approved_tip

pytestmark = pytest.mark.django_db

TEXTS = [
    {"variant": 0, "language": "en", "title": "Strong passwords", "body": "Use a long one."},
    {"variant": 0, "language": "zh-hans", "title": "强密码", "body": "使用长密码。"},
    {"variant": 0, "language": "zh-hant", "title": "強密碼", "body": "使用長密碼。"},
]


def _draft(author) -> SecurityTip:
    tip = tip_create(slug="strong-passwords", topic="password", severity="info", actor=author)
    tip_version_create(tip=tip, texts=TEXTS, actor=author)
    return tip


def _code(call) -> str:
    with pytest.raises(ApplicationError) as excinfo:
        call()
    return excinfo.value.code


def test_author_cannot_approve_own_tip():
    author = staff_user("content_editor")
    tip = _draft(author)
    assert _code(lambda: tip_approve(tip=tip, actor=author)) == "self_approval_refused"
    tip.refresh_from_db()
    assert tip.status == TipStatus.DRAFT


@pytest.mark.parametrize("role", ["content_editor", "manager"])
def test_another_editor_or_a_manager_approves(role):
    tip = _draft(staff_user("content_editor"))
    approver = staff_user(role)
    tip = tip_approve(tip=tip, actor=approver)
    assert tip.status == TipStatus.APPROVED
    assert tip.published_version.approved_by == approver
    assert tip.history.first().history_change_reason == "approved version 1"
    assert tip.history.first().history_user == approver


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
def test_other_roles_cannot_approve(role):
    tip = _draft(staff_user("content_editor"))
    assert _code(lambda: tip_approve(tip=tip, actor=staff_user(role))) == "approval_not_allowed"


def test_new_version_stays_unpublished_until_approved():
    editor, other = staff_user("content_editor"), staff_user("content_editor")
    tip = tip_approve(tip=_draft(editor), actor=other)
    first = tip.published_version
    tip_version_create(tip=tip, texts=TEXTS, actor=other)
    tip.refresh_from_db()
    assert tip.published_version == first
    assert _code(lambda: tip_approve(tip=tip, actor=other)) == "self_approval_refused"
    tip = tip_approve(tip=tip, actor=editor)
    assert tip.published_version.number == 2


def test_tip_without_texts_cannot_be_approved():
    tip = tip_create(slug="empty", topic="device", severity="info", actor=staff_user("manager"))
    assert _code(lambda: tip_approve(tip=tip, actor=staff_user("manager"))) == "nothing_to_approve"


def test_retire():
    tip = approved_tip()
    tip = tip_retire(tip=tip, actor=staff_user("manager"))
    assert tip.status == TipStatus.RETIRED
    assert _code(lambda: tip_retire(tip=tip, actor=staff_user("manager"))) == "invalid_transition"


def test_campaign_approval_by_non_author_and_life_cycle():
    author = staff_user("content_editor")
    campaign = CampaignFactory(state=CampaignState.DRAFT, created_by=author)
    assert _code(lambda: campaign_approve(campaign=campaign, actor=author)) == (
        "self_approval_refused"
    )
    assert _code(lambda: campaign_approve(campaign=campaign, actor=staff_user("agent"))) == (
        "approval_not_allowed"
    )
    manager = staff_user("manager")
    campaign = campaign_approve(campaign=campaign, actor=manager)
    assert (campaign.state, campaign.approved_by) == (CampaignState.SCHEDULED, manager)
    assert _code(lambda: campaign_pause(campaign=campaign, actor=manager)) == "invalid_transition"
    campaign.state = CampaignState.RUNNING
    campaign.save()
    assert campaign_pause(campaign=campaign, actor=manager).state == CampaignState.PAUSED
    assert campaign_resume(campaign=campaign, actor=manager).state == CampaignState.RUNNING
    assert campaign_finish(campaign=campaign, actor=manager).state == CampaignState.FINISHED
    assert _code(lambda: campaign_resume(campaign=campaign, actor=manager)) == (
        "invalid_transition"
    )


def test_incomplete_campaign_cannot_be_approved():
    draft_tip = SecurityTip.objects.create(slug="draft", topic="device")
    campaign = CampaignFactory(
        state=CampaignState.DRAFT, tip=draft_tip, channels=["fax"], schedule="weekly"
    )
    with pytest.raises(ApplicationError) as excinfo:
        campaign_approve(campaign=campaign, actor=staff_user("manager"))
    assert excinfo.value.code == "campaign_invalid"
    assert set(excinfo.value.fields) == {"channels", "tip", "weekday"}
