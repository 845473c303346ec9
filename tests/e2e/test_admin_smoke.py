import pytest

from tests.backoffice.factories import CustomerFactory, staff_user
from tests.e2e.conftest import admin_login

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_logs_in_and_sees_customers_masked(page, screenshot):
    staff_user("agent", username="agent-e2e")
    CustomerFactory(wallet_account_id="W-E2E-1", phone="13812345678")
    admin_login(page, "agent-e2e")
    page.click('#content-main a[href="/admin/customers/customer/"] >> nth=0')
    page.wait_for_selector("text=W-E2E-1")
    body = page.inner_text("body")
    assert "138****5678" in body and "13812345678" not in body
    assert screenshot("admin-customers").stat().st_size > 10_000


def test_admin_speaks_traditional_chinese(page, browser, live_server):
    staff_user("agent", username="agent-zh")
    context = browser.new_context(base_url=live_server.url, locale="zh-TW")
    zh_page = context.new_page()
    admin_login(zh_page, "agent-zh")
    assert "投訴處理後台" in zh_page.inner_text("body")
    context.close()
