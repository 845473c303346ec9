"""Recording, sealing and verifying the audit chain."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from backoffice.core.wakeups import wake

from .models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64
SEAL_BATCH = 1000
SEAL_WAKEUP = "audit-seal"


def _label(actor: Any) -> str:
    if actor is None or not getattr(actor, "pk", None):
        return "anonymous"
    return actor.get_username()


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    object_repr: str = "",
) -> AuditEntry:
    """Append an entry in the caller's transaction; it is sealed into the chain after
    commit (and by the periodic sealer, should that be missed)."""
    entry = AuditEntry.objects.create(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_label(actor),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
    )
    _seal_after_commit()
    return entry


def _seal_after_commit() -> None:
    """One seal request per transaction, however many entries it appends (each request
    seals every unsealed entry). A hook already registered in a savepoint that is later
    rolled back goes with it, so the check never leaves a committed entry unrequested."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        hook[1] is _queue_seal for hook in connection.run_on_commit
    ):
        return
    transaction.on_commit(_queue_seal)


def _queue_seal() -> None:
    """Wake the sealer: one seal task for a burst of transactions, not one each (each run
    seals every entry committed before it; the periodic sealer catches the rest)."""
    from .tasks import seal_audit_chain

    wake(seal_audit_chain, key=SEAL_WAKEUP)


def entry_content(entry: AuditEntry) -> str:
    """The canonical text a hash covers."""
    return json.dumps(
        {
            "seq": entry.seq,
            "created_at": entry.created_at.isoformat(),
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "object_repr": entry.object_repr,
            "data": entry.data,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{entry_content(entry)}".encode()).hexdigest()


@transaction.atomic
def audit_seal(*, limit: int = SEAL_BATCH) -> int:
    """Chain the unsealed entries in insertion order. Serialised by the head row's lock, so
    two sealers never give out the same position."""
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    entries = list(AuditEntry.objects.filter(hash="").order_by("id")[:limit])
    prev_hash, seq, now = head.last_hash or GENESIS_HASH, head.last_seq, timezone.now()
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash, entry.sealed_at = seq, prev_hash, now
        entry.hash = prev_hash = entry_hash(entry, prev_hash)
    AuditEntry.objects.bulk_update(entries, ["seq", "prev_hash", "hash", "sealed_at"])
    if entries:
        head.last_seq, head.last_hash = seq, prev_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return len(entries)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_hash: str
    broken_at: int | None = None
    problem: str = ""


def audit_verify(*, start_seq: int = 1, start_prev_hash: str = GENESIS_HASH) -> ChainReport:
    """Walk the sealed chain and recompute every link; report the first broken one.

    Detects an altered entry (its hash no longer matches), a deleted one (a gap in the
    positions or a broken previous-hash link) and an inserted one (a duplicate position
    or a link that does not follow). `start_*` verify an exported slice of the chain.
    """
    expected_seq, prev_hash, checked = start_seq, start_prev_hash, 0
    sealed = AuditEntry.objects.exclude(seq=None).filter(seq__gte=start_seq).order_by("seq", "id")
    for entry in sealed.iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            kind = "missing entries" if entry.seq > expected_seq else "duplicate position"
            return ChainReport(
                False,
                checked,
                prev_hash,
                expected_seq,
                f"{kind}: expected #{expected_seq}, found #{entry.seq}",
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                False,
                checked,
                prev_hash,
                entry.seq,
                f"#{entry.seq} does not follow the previous entry",
            )
        if entry_hash(entry, prev_hash) != entry.hash:
            return ChainReport(
                False,
                checked,
                prev_hash,
                entry.seq,
                f"#{entry.seq} was altered: its content no longer matches its hash",
            )
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and start_seq == 1 and head.last_seq != checked:
        return ChainReport(
            False,
            checked,
            prev_hash,
            checked + 1,
            f"the chain head says #{head.last_seq} but the chain ends at #{checked}",
        )
    return ChainReport(True, checked, prev_hash)
