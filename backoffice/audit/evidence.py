"""Evidence packages: everything about one complaint (or the complaints received in a date
range) in a ZIP an auditor or a regulator can read and verify on their own.

Contents: timeline.json and timeline.csv (the complaint timelines), compensation_traces.json
(the stored calculation trace of every proposal line), audit_chain.json (the chain entries
concerning those objects, each with its position, previous hash, hash and the exact
content its hash covers), summary.html (human-readable) and manifest.json (the SHA-256 of
every other file). The export itself is recorded in the chain with the manifest's digest,
so a package altered afterwards no longer matches the chain.
"""

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import AuditEntry
from .services import audit_record, audit_seal, entry_content, entry_hash
from .timeline import complaint_timeline

PACKAGE_FILES = (
    "timeline.json",
    "timeline.csv",
    "compensation_traces.json",
    "audit_chain.json",
    "summary.html",
)


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)


def _complaints_in_range(date_from: date, date_to: date):
    from complaints.models import Complaint

    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return Complaint.objects.filter(created_at__gte=start, created_at__lt=end).order_by("id")


def _related_objects(complaints: list) -> dict[str, set[str]]:
    """The chain's object keys (type → ids) of the complaints and their compensation."""
    from compensation.models import CompensationProposal, ProposalApproval, ProposalLine
    from complaints.models import ComplaintFinding

    ids = [c.pk for c in complaints]

    def keys(queryset) -> set[str]:
        return {str(pk) for pk in queryset.values_list("pk", flat=True)}

    return {
        "complaints.complaint": {str(pk) for pk in ids},
        "complaints.complaintfinding": keys(ComplaintFinding.objects.filter(complaint_id__in=ids)),
        "compensation.compensationproposal": keys(
            CompensationProposal.objects.filter(complaint_id__in=ids)
        ),
        "compensation.proposalapproval": keys(
            ProposalApproval.objects.filter(proposal__complaint_id__in=ids)
        ),
        "compensation.proposalline": keys(
            ProposalLine.objects.filter(proposal__complaint_id__in=ids)
        ),
    }


def _chain_entries(objects: dict[str, set[str]]) -> list[dict[str, Any]]:
    rows = []
    for object_type, object_ids in objects.items():
        if not object_ids:
            continue
        entries = AuditEntry.objects.filter(
            object_type=object_type, object_id__in=object_ids
        ).exclude(seq=None)
        rows.extend(entries)
    rows.sort(key=lambda e: e.seq)
    return [
        {
            "seq": e.seq,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
            "content": entry_content(e),
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
        }
        for e in rows
    ]


def _traces(complaints: list) -> list[dict[str, Any]]:
    from compensation.models import ProposalLine

    lines = ProposalLine.objects.filter(proposal__complaint__in=complaints).select_related(
        "proposal__complaint"
    )
    return [
        {
            "complaint": line.proposal.complaint.reference,
            "proposal_id": line.proposal_id,
            "line_id": line.pk,
            "kind": line.kind,
            "amount": line.amount,
            "currency": line.currency,
            "status": line.status,
            "trace": line.trace,
        }
        for line in lines.order_by("proposal_id", "id")
    ]


def _timeline_csv(timelines: dict[str, list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["complaint", "at", "kind", "actor", "summary", "details"])
    for reference, entries in timelines.items():
        for e in entries:
            writer.writerow(
                [
                    reference,
                    e.at.isoformat(),
                    e.kind,
                    e.actor,
                    e.summary,
                    json.dumps(e.details, cls=DjangoJSONEncoder, ensure_ascii=False),
                ]
            )
    return out.getvalue()


def _package_files(complaints: list, scope: dict[str, Any]) -> dict[str, str]:
    timelines = {c.reference: complaint_timeline(complaint=c) for c in complaints}
    chain = _chain_entries(_related_objects(complaints))
    traces = _traces(complaints)
    summary = render_to_string(
        "audit/evidence_summary.html",
        {
            "scope": scope,
            "generated_at": timezone.now(),
            "sections": [(c, timelines[c.reference]) for c in complaints],
            "chain": chain,
            "traces": traces,
        },
    )
    return {
        "timeline.json": _json(
            {ref: [e.as_dict() for e in entries] for ref, entries in timelines.items()}
        ),
        "timeline.csv": _timeline_csv(timelines),
        "compensation_traces.json": _json(traces),
        "audit_chain.json": _json(chain),
        "summary.html": summary,
    }


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def evidence_export(
    *,
    actor: Any,
    complaint: Any = None,
    date_from: date | None = None,
    date_to: date | None = None,
    language: str = "en",
) -> bytes:
    """Build the evidence package of one complaint or of the complaints received between
    `date_from` and `date_to` (inclusive, local dates) and record the export in the chain.
    Returns the ZIP's bytes."""
    if complaint is not None:
        complaints = [complaint]
        scope = {"complaint": complaint.reference}
    else:
        if date_from is None or date_to is None:
            raise ValueError("a complaint or both dates are required")
        complaints = list(_complaints_in_range(date_from, date_to))
        scope = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    # Pending entries get their place in the chain first, so the package can include them.
    while audit_seal():
        pass
    with translation.override(language), transaction.atomic():
        files = _package_files(complaints, scope)
        manifest = {name: _sha256(text) for name, text in files.items()}
        manifest_text = _json({"scope": scope, "files": manifest})
        audit_record(
            actor=actor,
            action="evidence.exported",
            object_repr=", ".join(c.reference for c in complaints)[:200],
            data={
                "scope": scope,
                "complaints": [c.reference for c in complaints],
                "manifest_sha256": _sha256(manifest_text),
            },
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("manifest.json", manifest_text)
    return buffer.getvalue()


@dataclass
class EvidenceReport:
    ok: bool = True
    entries_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


def _verify_files(archive: zipfile.ZipFile, report: EvidenceReport) -> None:
    names = set(archive.namelist())
    if "manifest.json" not in names:
        report.fail("manifest.json is missing")
        return
    manifest_text = archive.read("manifest.json").decode()
    manifest = json.loads(manifest_text)
    for name in PACKAGE_FILES:
        if name not in names:
            report.fail(f"{name} is missing")
        elif _sha256(archive.read(name).decode()) != manifest["files"].get(name):
            report.fail(f"{name} does not match the manifest")
    recorded = AuditEntry.objects.filter(
        action="evidence.exported", data__manifest_sha256=_sha256(manifest_text)
    )
    if not recorded.exists():
        report.fail("no export with this manifest is recorded in the audit chain")


def _verify_chain(entries: list[dict[str, Any]], report: EvidenceReport) -> None:
    live = AuditEntry.objects.in_bulk([e["seq"] for e in entries], field_name="seq")
    for item in entries:
        seq = item["seq"]
        content = item["content"]
        recomputed = hashlib.sha256(f"{item['prev_hash']}\n{content}".encode()).hexdigest()
        try:
            content_seq = json.loads(content).get("seq")
        except (TypeError, ValueError, AttributeError):
            content_seq = None
        if content_seq != seq:
            report.fail(f"#{seq}: the content is not that of position #{seq}")
        if recomputed != item["hash"]:
            report.fail(f"#{seq}: the content does not match its hash")
        entry = live.get(seq)
        if entry is None:
            report.fail(f"#{seq}: not in the live chain")
        elif entry.hash != item["hash"] or entry.prev_hash != item["prev_hash"]:
            report.fail(f"#{seq}: the live chain has another hash at this position")
        elif entry_content(entry) != content or entry_hash(entry, entry.prev_hash) != entry.hash:
            report.fail(f"#{seq}: the live entry no longer matches its hash")
        report.entries_checked += 1


def evidence_verify(*, package: bytes | io.IOBase | str) -> EvidenceReport:
    """Check an evidence package: every file matches the manifest recorded in the chain at
    export, and every included chain entry's hash is recomputed from its content and
    matches the live chain at the same position."""
    report = EvidenceReport()
    source = io.BytesIO(package) if isinstance(package, bytes) else package
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        report.fail("not a ZIP file")
        return report
    with archive:
        _verify_files(archive, report)
        try:
            entries = json.loads(archive.read("audit_chain.json"))
        except (KeyError, ValueError):
            report.fail("audit_chain.json is unreadable")
            return report
        _verify_chain(entries, report)
    return report
