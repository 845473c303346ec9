"""The admin pages: who may see them, what the downloads contain, and that the number of
queries does not grow with the number of complaints."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insight.services import summary_refresh
from tests.backoffice.factories import staff_user
from tests.insight.factories import complaint, local

DASHBOARD = reverse("admin:insight_dashboard_changelist")
DASHBOARD_CSV = reverse("admin:insight_dashboard_download")
REVIEW = reverse("admin:insight_casereview_changelist")
REVIEW_PDF = reverse("admin:insight_casereview_download")
REGULATORY = reverse("admin:insight_regulatoryreport_changelist")
REGULATORY_CSV = reverse("admin:insight_regulatoryreport_download")
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


def login(client, role):
    client.force_login(staff_user(role))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", [DASHBOARD, DASHBOARD_CSV, REVIEW, REVIEW_PDF, REGULATORY])
def test_agent_is_refused(client, url):
    assert login(client, "agent").get(url).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_login(client):
    assert client.get(DASHBOARD).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "manager", "auditor"])
@pytest.mark.parametrize("url", [DASHBOARD, REVIEW, REGULATORY])
def test_readers_see_the_reports(client, role, url):
    assert login(client, role).get(url).status_code == 200


@pytest.mark.django_db
def test_auditor_is_read_only(client):
    login(client, "auditor")
    response = client.get(reverse("admin:index"))
    assert DASHBOARD in response.content.decode()
    assert client.post(DASHBOARD).status_code in (403, 405)
    assert client.get(f"{DASHBOARD}add/").status_code == 404


def test_dashboard_page_shows_figures_charts_and_tables(client, october):
    summary_refresh()
    response = login(client, "manager").get(DASHBOARD + OCTOBER)
    html = response.content.decode()
    assert response.status_code == 200
    assert "insight/vendor/chartjs/chart.umd.min.js" in html
    assert 'id="insight-charts"' in html
    assert 'data-chart="volume_by_category"' in html
    assert "Harbour Coffee" in html and "E_TIMEOUT" in html
    # Nothing loaded from another host (a CDN): every script and stylesheet is ours. (Not a
    # search for "cdn" in the page: a random complaint reference may contain those letters.)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


@pytest.mark.django_db
def test_dashboard_rejects_a_reversed_period(client):
    response = login(client, "manager").get(DASHBOARD + "?date_from=2026-10-31&date_to=2026-10-01")
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert login(client, "manager").get(DASHBOARD_CSV + "?date_from=x").status_code == 400


def test_dashboard_csv_holds_the_same_figures(client, october):
    summary_refresh()
    response = login(client, "supervisor").get(DASHBOARD_CSV + OCTOBER)
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "section,item,measure,value"
    assert "totals,,received,4" in lines
    assert "totals,,resolution_rate,50.0" in lines
    assert "sla,acknowledge,compliance,33.3" in lines
    assert "durations,close,median_hours,35.00" in lines
    assert "compensation,HKD,budget_used,12.0" in lines
    assert "merchants,Harbour Coffee,complaints,2" in lines
    section = client.get(DASHBOARD_CSV + OCTOBER + "&section=sla").content.decode().splitlines()
    assert len(section) == 1 + 4 * 4
    assert all(line.startswith("sla,") for line in section[1:])


def test_case_review_html_and_pdf(client, october):
    login(client, "manager")
    html = client.get(REVIEW + "?month=2026-10").content.decode()
    assert october["a"].reference in html  # typical case, SLA miss and escalation
    assert "needs lead" in html
    assert "HKD 100.000" in html or "HKD 100.00" in html
    assert october["e"].reference in html
    response = client.get(REVIEW_PDF + "?month=2026-10")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get(REVIEW + "?month=2026-10&format=pdf").content.startswith(b"%PDF")
    assert client.get(REVIEW_PDF + "?month=2026-13").status_code == 400


def test_regulatory_statistics_page_and_csv(client, october):
    summary_refresh()
    login(client, "manager")
    assert "<td>50.0</td>" in client.get(REGULATORY + "?year=2026").content.decode()
    lines = client.get(REGULATORY_CSV + "?year=2026").content.decode().splitlines()
    assert lines[0] == (
        "regime,period,received,handled,handled_ratio,average_handling_days,category,count"
    )
    regime = october["a"].regime.code
    assert f"{regime},2026,6,3,50.0,1.11,," in lines
    assert f"{regime},2026-Q3,1,0,0.0,,," in lines
    assert f"{regime},2026-Q4,5,3,60.0,1.11,,"  # A, C and D closed: 50, 20, 10 h in lines
    assert f"{regime},2026-Q1,0,0,,,," in lines
    assert f"{regime},2026,,,,,duplicate_charge,3" in lines


def _dashboard_queries(client) -> int:
    summary_refresh()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD + OCTOBER).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_rows(client):
    login(client, "manager")
    complaint(local(2026, 10, 3, 9), state="closed", ack_h=1, close_h=5)
    few = _dashboard_queries(client)
    for day in range(1, 29):
        complaint(local(2026, 10, day, 12), channel="hotline", category="wrong_amount", ack_h=2)
    assert _dashboard_queries(client) == few
