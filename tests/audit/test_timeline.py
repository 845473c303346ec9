import pytest
from django.urls import reverse

from backoffice.audit.timeline import complaint_timeline
from tests.audit.complaint_story import paid_complaint
from tests.backoffice.factories import staff_user
from tests.compensation.gateways import CountingGateway

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _payouts_and_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.COMPENSATION_GATEWAY = "tests.compensation.gateways.CountingGateway"
    CountingGateway.calls.clear()
    yield
    CountingGateway.calls.clear()


def test_timeline_is_chronological_and_tells_the_whole_story(
    django_capture_on_commit_callbacks,
):
    complaint, supervisor = paid_complaint(django_capture_on_commit_callbacks)

    entries = complaint_timeline(complaint=complaint)

    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = {e.kind for e in entries}
    assert {"change", "event", "message", "note", "finding", "proposal", "approval"} <= kinds
    assert "payout" in kinds
    transitions = [e for e in entries if e.kind == "event" and e.details["to_state"]]
    assert [e.details["to_state"] for e in transitions][:3] == [
        "submitted",
        "acknowledged",
        "investigating",
    ]
    changes = [e for e in entries if e.kind == "change" and e.details["changes"]]
    assert any(
        c["field"] == "state" and c["new"] == "investigating"
        for e in changes
        for c in e.details["changes"]
    )
    confirmed = [e for e in entries if e.kind == "finding" and e.details.get("confirmed")]
    assert confirmed and confirmed[0].actor == complaint.owner.username
    approval = next(e for e in entries if e.kind == "approval")
    assert approval.actor == supervisor.username
    paid = [e for e in entries if e.kind == "payout" and e.details["to_status"] == "succeeded"]
    assert len(paid) == 1
    message = next(e for e in entries if e.kind == "message")
    assert message.details["body"] == "Any news?"
    assert next(e for e in entries if e.kind == "note").details["body"] == "Checked the ledger."


def test_timeline_shows_notice_receipts(django_capture_on_commit_callbacks):
    complaint, _ = paid_complaint(django_capture_on_commit_callbacks)

    notices = [e for e in complaint_timeline(complaint=complaint) if e.kind == "notice"]

    assert notices, "the acknowledgement notice is on the timeline"
    assert any(e.summary.startswith("Notice delivered") for e in notices)
    assert any(e.summary.startswith("Notice queued") for e in notices)


@pytest.mark.parametrize("role", ["agent", "auditor"])
def test_timeline_page_for_staff_and_auditors(client, role, django_capture_on_commit_callbacks):
    complaint, _ = paid_complaint(django_capture_on_commit_callbacks)
    client.force_login(staff_user(role))

    change_page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    timeline_url = reverse("admin:audit_complaint_timeline", args=[complaint.pk])
    page = client.get(timeline_url)

    assert change_page.status_code == 200
    assert timeline_url in change_page.content.decode()
    assert page.status_code == 200
    body = page.content.decode()
    assert "Any news?" in body
    assert reverse("admin:audit_complaint_evidence", args=[complaint.pk]) in body


def test_timeline_page_refused_without_complaint_access(client, django_capture_on_commit_callbacks):
    complaint, _ = paid_complaint(django_capture_on_commit_callbacks)
    client.force_login(staff_user("content_editor"))

    page = client.get(reverse("admin:audit_complaint_timeline", args=[complaint.pk]))

    assert page.status_code == 403
