import pytest
from django.core.management import call_command

from education.models import Campaign, CampaignState, Scenario, SecurityTip, WarningRule


@pytest.mark.django_db
def test_seed_demo_twice_keeps_one_copy(capsys):
    call_command("seed_demo", "--force", "--password", "demo-pass-2026")
    counts = (SecurityTip.objects.count(), WarningRule.objects.count(), Campaign.objects.count())
    call_command("seed_demo", "--force", "--password", "demo-pass-2026")
    assert counts == (
        SecurityTip.objects.count(),
        WarningRule.objects.count(),
        Campaign.objects.count(),
    )
    assert set(WarningRule.objects.values_list("scenario", flat=True)) == set(Scenario.values)
    assert Campaign.objects.get().state == CampaignState.RUNNING
    assert not SecurityTip.objects.exclude(status="approved").exists()
