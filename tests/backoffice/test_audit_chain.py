"""The audit chain: recorded in the caller's transaction, sealed in order, and any
alteration, deletion or insertion made behind the application's back is detected."""

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from backoffice.audit.models import AuditEntry
from backoffice.audit.services import audit_record, audit_seal, audit_verify
from tests.backoffice.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """The whole sealed chain: what migrate recorded (role permissions) plus 5 events."""
    actor = UserFactory(username="carol")
    for n in range(5):
        audit_record(actor=actor, action="test.event", data={"n": n, "amount": "10.00"})
    audit_seal()
    return list(AuditEntry.objects.order_by("seq"))


def _seq(chain, index):
    return chain[index].seq


def _raw(sql, params=()):
    """Tampering as an attacker with database access would, bypassing the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a superuser switching user triggers off
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = DEFAULT")


def test_sealed_chain_verifies(chain):
    assert [e.seq for e in chain] == list(range(1, len(chain) + 1))
    assert [e.action for e in chain[-5:]] == ["test.event"] * 5
    assert chain[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    report = audit_verify()
    assert report.ok and report.checked == len(chain) and report.head_hash == chain[-1].hash


def test_sealing_twice_changes_nothing(chain):
    assert audit_seal() == 0
    audit_record(actor=None, action="test.late")
    assert audit_seal() == 1
    assert AuditEntry.objects.get(action="test.late").seq == len(chain) + 1
    assert audit_verify().ok


def test_altered_entry_is_detected(chain):
    target = _seq(chain, -3)
    _raw(
        "UPDATE audit_auditentry SET data = %s WHERE seq = %s",
        ['{"n": 2, "amount": "99.00"}', target],
    )
    report = audit_verify()
    assert not report.ok and report.broken_at == target
    assert "altered" in report.problem


def test_deleted_entry_is_detected(chain):
    target = _seq(chain, -4)
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [target])
    report = audit_verify()
    assert not report.ok and report.broken_at == target
    assert "missing" in report.problem


def test_deleted_last_entry_is_detected_by_the_head(chain):
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [_seq(chain, -1)])
    report = audit_verify()
    assert not report.ok and "head" in report.problem


def test_inserted_entry_is_detected(chain):
    # Mallory shifts the tail one place up and slips an entry of hers into the gap.
    target, previous = _seq(chain, -3), chain[-4]
    for entry in reversed(chain[-3:]):
        _raw("UPDATE audit_auditentry SET seq = seq + 1 WHERE id = %s", [entry.pk])
    _raw(
        "INSERT INTO audit_auditentry (seq, created_at, actor_label, action, object_type, "
        "object_id, object_repr, data, prev_hash, hash, sealed_at) "
        "VALUES (%s, %s, 'mallory', 'test.event', '', '', '', '{}', %s, %s, %s)",
        [target, previous.created_at, previous.hash, "f" * 64, previous.created_at],
    )
    report = audit_verify()
    assert not report.ok and report.broken_at == target


def test_audit_verify_command(chain, capsys):
    call_command("audit_verify")
    assert f"audit chain OK: {len(chain)} entries" in capsys.readouterr().out
    target = _seq(chain, -2)
    _raw("UPDATE audit_auditentry SET action = 'test.other' WHERE seq = %s", [target])
    with pytest.raises(CommandError, match=f"BROKEN at #{target}"):
        call_command("audit_verify")


def test_entry_is_rolled_back_with_its_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back")
        raise RuntimeError
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete(chain):
    for sql in (
        "UPDATE audit_auditentry SET action = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditentry WHERE seq = 1",
        "UPDATE audit_auditentry SET hash = '' WHERE seq = 1",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert audit_verify().ok


def test_staff_logins_and_failures_are_recorded(client):
    staff_user("agent", username="agent-login")
    assert client.login(username="agent-login", password="pass-1234")
    client.logout()
    assert not client.login(username="agent-login", password="wrong")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor_label"))
    assert ("auth.login", "agent-login") in actions
    assert ("auth.logout", "agent-login") in actions
    assert ("auth.login_failed", "anonymous") in actions
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert failed.data["username"] == "agent-login"
    assert "password" not in failed.data


def test_role_and_permission_changes_are_recorded():
    user = UserFactory(username="dave")
    user.groups.add(Group.objects.get(name="supervisor"))
    user.groups.remove(Group.objects.get(name="supervisor"))
    user.is_staff = True
    user.save()
    auditor = Group.objects.get(name="auditor")
    auditor.permissions.remove(auditor.permissions.first())
    rows = {(e.action, e.data.get("change")): e for e in AuditEntry.objects.all()}
    assert rows[("auth.roles_changed", "add")].data["items"] == ["supervisor"]
    assert ("auth.roles_changed", "remove") in rows
    assert rows[("auth.user_flags_changed", None)].data == {"is_staff": True}
    assert ("auth.role_permissions_changed", "remove") in rows


def test_complaint_transitions_are_chained_with_actor_and_reason():
    from complaints.services import complaint_acknowledge
    from tests.complaints.factories import submit

    complaint = submit()
    agent = staff_user("agent", username="agent-chain")
    complaint_acknowledge(complaint=complaint, actor=agent, reason="called back")
    entries = AuditEntry.objects.filter(
        object_type="complaints.complaint", object_id=str(complaint.pk)
    ).order_by("id")
    created, *changes = entries
    assert created.action == "complaints.complaint.created"
    assert created.data["changes"]["state"] == [None, "submitted"]
    ack = next(e for e in changes if "state" in e.data["changes"])
    assert ack.data["changes"]["state"] == ["submitted", "acknowledged"]
    assert ack.actor == agent and ack.data["reason"].startswith("acknowledge")
    audit_seal()
    assert audit_verify().ok


def _admin_get(client):
    return client.get("/admin/", follow=False)


def test_staff_session_ends_after_inactivity_and_the_logout_is_recorded(client, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 1800
    staff_user("agent", username="idle-agent")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.login(username="idle-agent", password="pass-1234")
        assert _admin_get(client).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert _admin_get(client).status_code == 200  # activity keeps it alive
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert _admin_get(client).status_code == 200  # 29 minutes after the last request
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        response = _admin_get(client)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    logout = AuditEntry.objects.get(action="auth.logout")
    assert logout.actor_label == "idle-agent"
    assert logout.data["reason"] == "idle_timeout"


def test_staff_session_has_an_absolute_lifetime(client, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 1800
    settings.STAFF_SESSION_SECONDS = 3600
    staff_user("agent", username="busy-agent")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.login(username="busy-agent", password="pass-1234")
    for minutes in (20, 40, 59):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert _admin_get(client).status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert _admin_get(client).status_code == 302
    assert AuditEntry.objects.get(action="auth.logout").data["reason"] == "session_lifetime"


def test_a_deliberate_logout_says_so(client):
    staff_user("agent", username="leaving-agent")
    assert client.login(username="leaving-agent", password="pass-1234")
    client.logout()
    assert AuditEntry.objects.get(action="auth.logout").data["reason"] == "logout"
