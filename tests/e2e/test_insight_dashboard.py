"""The KPI dashboard in a real browser, with the demo data: charts drawn, screenshot kept."""

import pytest
from django.core.management import call_command

from tests.e2e.conftest import admin_login

pytestmark = pytest.mark.django_db(transaction=True)


def test_supervisor_sees_the_dashboard_with_demo_data(page, screenshot, settings):
    settings.DEBUG = True  # seed_demo refuses to run with debug off
    call_command("seed_demo", "--password", "pass-1234", verbosity=0)
    call_command("refresh_insight_summaries", "--full", verbosity=0)
    settings.DEBUG = False
    admin_login(page, "supervisor1")
    page.goto("/admin/insight/dashboard/")
    page.wait_for_selector("canvas")
    page.wait_for_timeout(800)  # let Chart.js finish its animation before the screenshot
    charts = page.eval_on_selector_all(
        "canvas", "els => els.filter(c => c.width > 0 && c.height > 0).length"
    )
    assert charts >= 3
    assert "table" in page.content()
    assert screenshot("insight-dashboard").stat().st_size > 30_000
