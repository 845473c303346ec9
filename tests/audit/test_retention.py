import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from backoffice.audit.models import AuditEntry
from backoffice.audit.retention import (
    ANONYMISED,
    PURGED,
    customer_anonymise,
    retention_due,
    retention_purge,
)
from backoffice.audit.services import audit_record, audit_seal, audit_verify
from backoffice.audit.tasks import purge_past_retention
from backoffice.customers.models import Customer
from complaints import services
from complaints.models import Complaint, ComplaintState, RegulatoryRegime
from tests.backoffice.factories import CustomerWithLoginFactory, staff_user
from tests.complaints.factories import advance, available_agent, fresh, submit

pytestmark = pytest.mark.django_db
S = ComplaintState


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def agent():
    return available_agent("retention-agent")


def _closed(agent, *, years: int, description="Charged twice; my card ends 4242."):
    complaint = advance(submit(description=description), S.CLOSED, agent=agent)
    services.complaint_add_internal_note(
        complaint=Complaint.objects.get(pk=complaint.pk), actor=agent, body="Called Ms Chan."
    )
    RegulatoryRegime.objects.filter(pk=complaint.regime_id).update(retention_years=years)
    return fresh(complaint)


def _sealed_chain_ok() -> bool:
    while audit_seal():
        pass
    return audit_verify().ok


def test_closed_complaint_past_retention_is_anonymised_and_recorded(agent):
    complaint = _closed(agent, years=5)
    later = complaint.closed_at + timedelta(days=5 * 365 + 2)

    assert list(retention_due(now=later)) == [complaint]
    assert retention_purge(now=later) == 1

    purged = fresh(complaint)
    assert purged.description == PURGED
    assert purged.resolution_summary == PURGED
    assert purged.state == S.CLOSED and purged.closed_at == complaint.closed_at
    assert set(purged.notes.values_list("body", flat=True)) == {PURGED}
    assert set(purged.events.exclude(reason="").values_list("reason", flat=True)) == {PURGED}
    assert "4242" not in str(list(Complaint.history.filter(id=complaint.pk).values()))
    entry = AuditEntry.objects.get(action="retention.purged")
    assert entry.object_id == str(complaint.pk)
    assert entry.actor_label == "system:retention"
    assert retention_purge(now=later) == 0, "a purge happens once"
    assert _sealed_chain_ok()


def test_retention_period_follows_the_regime(agent):
    short = _closed(agent, years=3)
    four_years_on = short.closed_at + timedelta(days=4 * 365)
    assert list(retention_due(now=four_years_on)) == [short]

    RegulatoryRegime.objects.filter(pk=short.regime_id).update(retention_years=5)
    assert list(retention_due(now=four_years_on)) == []


def test_open_complaints_are_never_purged(agent):
    complaint = advance(submit(), S.INVESTIGATING, agent=agent)
    RegulatoryRegime.objects.update(retention_years=1)

    assert retention_purge(now=complaint.created_at + timedelta(days=3650)) == 0
    assert fresh(complaint).description != PURGED


def test_withdrawn_complaint_counts_from_its_last_change(agent):
    complaint = advance(submit(), S.WITHDRAWN, agent=agent)
    RegulatoryRegime.objects.update(retention_years=1)

    assert list(retention_due(now=complaint.updated_at + timedelta(days=300))) == []
    assert list(retention_due(now=complaint.updated_at + timedelta(days=400))) == [complaint]


def test_regime_defaults_documented_by_the_migration():
    migration = importlib.import_module("complaints.migrations.0004_regime_retention_years")
    RegulatoryRegime.objects.update(retention_years=1)
    migration.set_retention(django_apps, SimpleNamespace(connection=connection))

    years = dict(RegulatoryRegime.objects.values_list("code", "retention_years"))
    assert years == {"UK": 5, "CN": 5, "US": 3}


def test_periodic_job_and_command(agent, capsys):
    assert django_settings.PERIODIC_JOBS["audit-retention-purge"] == (
        "audit.retention_purge",
        86400,
    )
    complaint = _closed(agent, years=1)
    Complaint.objects.filter(pk=complaint.pk).update(
        closed_at=complaint.closed_at - timedelta(days=800)
    )

    call_command("retention_purge", "--dry-run")
    assert complaint.reference in capsys.readouterr().out
    assert fresh(complaint).description != PURGED
    assert purge_past_retention() == 1
    assert fresh(complaint).description == PURGED
    call_command("retention_purge")
    assert "0 complaint(s) purged" in capsys.readouterr().out


def test_customer_anonymised_everywhere_and_chain_still_verifies():
    customer = CustomerWithLoginFactory(name="Chan Tai Man", phone="+85291234567")
    manager = staff_user("manager")
    audit_record(actor=manager, action="pii.unmasked", obj=customer, data={"view": "customer"})
    customer.email = "chan@example.com"
    customer._change_reason = "new e-mail"
    customer.save()
    login = customer.user
    assert _sealed_chain_ok()

    customer_anonymise(customer=customer, actor=manager, reason="erasure request ER-17")

    customer = Customer.objects.get(pk=customer.pk)
    assert (customer.name, customer.phone, customer.email, customer.id_number) == (
        ANONYMISED,
        "",
        "",
        "",
    )
    assert customer.user is None
    login.refresh_from_db()
    assert not login.is_active and not login.has_usable_password()
    assert login.username == f"anonymised-{login.pk}"
    history = str(list(Customer.history.filter(id=customer.pk).values()))
    assert "Chan Tai Man" not in history
    assert "91234567" not in history
    assert "chan@example.com" not in history
    last = Customer.history.filter(id=customer.pk).latest("history_date")
    assert last.history_user == manager
    recorded = AuditEntry.objects.get(action="customer.anonymised")
    assert recorded.data["reason"] == "erasure request ER-17"
    assert _sealed_chain_ok()


def test_anonymise_action_is_for_managers_only(client):
    customer = CustomerWithLoginFactory(name="Lee Siu Ming")
    url = reverse("admin:customers_customer_changelist")
    client.force_login(staff_user("supervisor"))
    assert "anonymise_customers" not in client.get(url).content.decode()

    client.force_login(staff_user("manager"))
    assert "anonymise_customers" in client.get(url).content.decode()
    ask = client.post(url, {"action": "anonymise_customers", "_selected_action": [customer.pk]})
    assert ask.status_code == 200 and "Reason" in ask.content.decode()
    assert Customer.objects.get(pk=customer.pk).name == "Lee Siu Ming"
    done = client.post(
        url,
        {
            "action": "anonymise_customers",
            "_selected_action": [customer.pk],
            "apply": "1",
            "reason": "erasure request ER-18",
        },
    )

    assert done.status_code == 302
    assert Customer.objects.get(pk=customer.pk).name == ANONYMISED
    assert AuditEntry.objects.filter(action="customer.anonymised").count() == 1
