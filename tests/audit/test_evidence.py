import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from backoffice.audit.evidence import evidence_export, evidence_verify
from backoffice.audit.models import AuditEntry
from backoffice.audit.services import audit_verify
from complaints.models import Complaint
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


@pytest.fixture
def story(django_capture_on_commit_callbacks):
    return paid_complaint(django_capture_on_commit_callbacks)


def _files(package: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def _rezip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_package_holds_timeline_traces_and_chain(story):
    complaint, _ = story
    auditor = staff_user("auditor")

    files = _files(evidence_export(actor=auditor, complaint=complaint))

    assert set(files) == {
        "timeline.json",
        "timeline.csv",
        "compensation_traces.json",
        "audit_chain.json",
        "summary.html",
        "manifest.json",
    }
    timeline = json.loads(files["timeline.json"])[complaint.reference]
    assert {"event", "change", "proposal", "approval", "payout"} <= {e["kind"] for e in timeline}
    assert files["timeline.csv"].splitlines()[0] == "complaint,at,kind,actor,summary,details"
    traces = json.loads(files["compensation_traces.json"])
    assert traces and traces[0]["trace"]["caps"]
    chain = json.loads(files["audit_chain.json"])
    actions = {e["action"] for e in chain}
    assert {"complaints.complaint.created", "compensation.compensationproposal.changed"} <= actions
    assert all(e["hash"] and e["prev_hash"] and e["content"] for e in chain)
    assert complaint.reference in files["summary.html"]
    assert "Audit chain entries" in files["summary.html"]
    recorded = AuditEntry.objects.get(action="evidence.exported")
    assert recorded.actor == auditor
    assert recorded.data["complaints"] == [complaint.reference]


def test_export_of_a_complaint_verifies_against_its_hashes(story):
    complaint, _ = story

    report = evidence_verify(package=evidence_export(actor=None, complaint=complaint))

    assert report.ok, report.problems
    assert report.entries_checked > 5
    assert audit_verify().ok


def test_tampered_chain_entry_fails_verification(story):
    complaint, _ = story
    files = _files(evidence_export(actor=None, complaint=complaint))
    chain = json.loads(files["audit_chain.json"])
    chain[0]["content"] = chain[0]["content"].replace("created", "deleted")
    files["audit_chain.json"] = json.dumps(chain)

    report = evidence_verify(package=_rezip(files))

    assert not report.ok
    assert any("does not match its hash" in p for p in report.problems)
    assert any("audit_chain.json does not match the manifest" in p for p in report.problems)


def test_tampered_timeline_fails_verification(story):
    complaint, _ = story
    files = _files(evidence_export(actor=None, complaint=complaint))
    files["timeline.csv"] = files["timeline.csv"].replace("supervisor", "manager")

    report = evidence_verify(package=_rezip(files))

    assert not report.ok
    assert report.problems == ["timeline.csv does not match the manifest"]


def test_tampered_manifest_fails_verification(story):
    complaint, _ = story
    files = _files(evidence_export(actor=None, complaint=complaint))
    files["timeline.csv"] += "forged,row\n"
    manifest = json.loads(files["manifest.json"])
    manifest["files"]["timeline.csv"] = "0" * 64
    files["manifest.json"] = json.dumps(manifest)

    report = evidence_verify(package=_rezip(files))

    assert not report.ok
    assert "no export with this manifest is recorded in the audit chain" in report.problems


def test_date_range_export_and_commands(story, tmp_path, capsys):
    complaint, _ = story
    day = timezone.localdate(complaint.created_at).isoformat()
    path = tmp_path / "evidence.zip"

    call_command("export_evidence", "--from", day, "--to", day, "--output", str(path))
    call_command("verify_evidence", str(path))

    assert complaint.reference in json.loads(_files(path.read_bytes())["timeline.json"])
    assert "evidence package OK" in capsys.readouterr().out
    by_reference = tmp_path / "one.zip"
    call_command(
        "export_evidence", "--complaint", complaint.reference, "--output", str(by_reference)
    )
    files = _files(by_reference.read_bytes())
    files["summary.html"] = files["summary.html"].replace(complaint.reference, "CMP-FORGED")
    forged = tmp_path / "forged.zip"
    forged.write_bytes(_rezip(files))
    with pytest.raises(CommandError, match="does NOT verify"):
        call_command("verify_evidence", str(forged))
    exports = AuditEntry.objects.filter(action="evidence.exported")
    assert exports.count() == 2
    assert {e.actor_label for e in exports} == {"system:evidence-export"}


def test_admin_exports(client, story):
    complaint, _ = story
    auditor = staff_user("auditor")
    client.force_login(auditor)

    one = client.post(reverse("admin:audit_complaint_evidence", args=[complaint.pk]))
    form = client.get(reverse("admin:audit_evidence_range"))
    day = timezone.localdate(complaint.created_at).isoformat()
    ranged = client.post(reverse("admin:audit_evidence_range"), {"date_from": day, "date_to": day})

    assert one.status_code == 200 and one["Content-Type"] == "application/zip"
    assert evidence_verify(package=one.content).ok
    assert form.status_code == 200
    assert ranged.status_code == 200 and ranged["Content-Type"] == "application/zip"
    assert evidence_verify(package=ranged.content).ok
    assert AuditEntry.objects.filter(action="evidence.exported", actor=auditor).count() == 2


def test_agent_cannot_export_a_date_range(client):
    client.force_login(staff_user("agent"))

    assert client.get(reverse("admin:audit_evidence_range")).status_code == 403


def test_export_of_a_demo_complaint_verifies(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):  # the demo's payouts run
        call_command("seed_demo", "--password", "pw-demo-123")
    complaint = Complaint.objects.filter(compensation_proposals__state="succeeded").first()
    assert complaint is not None, "the demo pays one complaint's compensation"

    package = evidence_export(actor=staff_user("auditor"), complaint=complaint)

    report = evidence_verify(package=package)
    assert report.ok, report.problems
    chain = json.loads(_files(package)["audit_chain.json"])
    assert "compensation.proposalline.changed" in {e["action"] for e in chain}
