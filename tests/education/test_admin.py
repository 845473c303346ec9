"""Admin: effectiveness columns, dry-run counts, approval actions through the services."""

import pytest
from django.contrib.auth.models import Group

from education.models import (
    Campaign,
    Delivery,
    Outcome,
    SecurityTip,
    TipStatus,
    TipText,
    TipVersion,
    WarningOutcome,
)
from education.services.warnings import warning_evaluate
from tests.backoffice.factories import CustomerFactory, staff_user
from tests.education.factories import (
    CampaignFactory,
    SecurityTipFactory,
    SegmentFactory,
    WarningRuleFactory,
)
from tests.education.helpers import plan_at
from tests.education.test_fanout import HK_TEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(staff_user("content_editor"))
    return client


def test_tip_list_shows_effectiveness(editor_client, django_capture_on_commit_callbacks):
    CustomerFactory.create_batch(2)
    campaign = CampaignFactory()
    plan_at(HK_TEN, django_capture_on_commit_callbacks)
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(feedback="helpful")
    response = editor_client.get("/admin/education/securitytip/")
    assert response.status_code == 200
    tip = response.context["cl"].result_list.get(pk=campaign.tip_id)
    assert (tip.delivered, tip.helpful, tip.opened) == (2, 1, 0)


def test_segment_page_shows_dry_run_count(editor_client):
    CustomerFactory.create_batch(3, language="zh-hans")
    segment = SegmentFactory(language="zh-hans")
    response = editor_client.get(f"/admin/education/segment/{segment.pk}/change/")
    assert response.status_code == 200
    assert response.context["adminform"].form.instance == segment
    assert "Customers in the segment now (dry run)" in response.text
    assert '<div class="readonly">3</div>' in response.text


def test_rule_page_shows_proceed_rate_by_exposure(editor_client):
    rule = WarningRuleFactory(slug="large")
    customer = CustomerFactory()
    for n, outcome in enumerate([Outcome.PROCEEDED, Outcome.CANCELLED]):
        decision = warning_evaluate(
            customer=customer,
            scenario="large_payment",
            context={"amount": "20000", "currency": "HKD"},
            request_id=f"r{n}",
        )
        WarningOutcome.objects.create(decision=decision, outcome=outcome)
    response = editor_client.get("/admin/education/warningrule/")
    listed = response.context["cl"].result_list.get(pk=rule.pk)
    assert (listed.shown_count, listed.proceeded_count, listed.cancelled_count) == (2, 1, 1)
    response = editor_client.get(f"/admin/education/warningrule/{rule.pk}/change/")
    assert "<td>1</td><td>1</td><td>1</td><td>100%</td>" in response.text
    assert "<td>2</td><td>1</td><td>0</td><td>0%</td>" in response.text


def test_approve_action_refuses_the_author(client):
    author, other = staff_user("content_editor"), staff_user("content_editor")
    tip = SecurityTipFactory()
    version = TipVersion.objects.create(tip=tip, number=1, author=author)
    TipText.objects.create(version=version, language="en", title="t", body="b")
    client.force_login(author)
    data = {"action": "approve_latest", "_selected_action": [tip.pk]}
    client.post("/admin/education/securitytip/", data)
    assert SecurityTip.objects.get(pk=tip.pk).status == TipStatus.DRAFT
    client.force_login(other)
    client.post("/admin/education/securitytip/", data)
    assert SecurityTip.objects.get(pk=tip.pk).status == TipStatus.APPROVED


def test_auditor_views_but_cannot_change(client):
    auditor = staff_user("auditor")
    assert (
        Group.objects.get(name="auditor")
        .permissions.filter(codename="view_warningdecision")
        .exists()
    )
    client.force_login(auditor)
    assert client.get("/admin/education/warningdecision/").status_code == 200
    assert client.get("/admin/education/campaign/add/").status_code == 403


def test_editor_creates_a_campaign_in_draft_with_history(editor_client):
    tip = CampaignFactory().tip
    segment = SegmentFactory()
    assert editor_client.get("/admin/education/campaign/add/").status_code == 200
    response = editor_client.post(
        "/admin/education/campaign/add/",
        {
            "name": "Spring tips",
            "tip": tip.pk,
            "segment": segment.pk,
            "channels": '["in_app"]',
            "schedule": "weekly",
            "local_time": "10:00",
            "weekday": 0,
            "starts_on": "2026-12-01",
            "priority": 5,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    campaign = Campaign.objects.get(name="Spring tips")
    assert campaign.state == "draft"
    assert campaign.created_by.groups.filter(name="content_editor").exists()
    assert campaign.history.first().history_change_reason == "created"
