"""Data migrations run against a database at the state before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.backoffice.factories import CustomerFactory
from tests.complaints.factories import ensure_reference_data

BEFORE = [("complaints", "0007_intake_followup_attempts")]
AFTER = [("complaints", "0008_idempotency_on_complaint")]


@pytest.mark.django_db(transaction=True)
def test_idempotency_keys_on_record_move_onto_their_complaints():
    ensure_reference_data()
    customer = CustomerFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Complaint = old.get_model("complaints", "Complaint")
    Record = old.get_model("complaints", "IdempotencyRecord")
    regime = old.get_model("complaints", "RegulatoryRegime").objects.get(is_default=True)
    fields = {"customer_id": customer.pk, "regime": regime, "description": "Charged twice."}
    keyed = Complaint.objects.create(reference="CMP-20261201-AAAAAA", **fields)
    unkeyed = Complaint.objects.create(reference="CMP-20261201-BBBBBB", **fields)
    Record.objects.create(
        customer_id=customer.pk,
        key="app-key-1",
        request_hash="f" * 64,
        response_status=201,
        response_body={"reference": keyed.reference},
    )
    Record.objects.create(  # an answer that filed nothing (no reference): nothing to carry
        customer_id=customer.pk, key="app-key-2", request_hash="e" * 64, response_body={}
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("complaints", "Complaint")
    assert new.objects.get(pk=keyed.pk).idempotency_key == "app-key-1"
    assert new.objects.get(pk=keyed.pk).request_hash == "f" * 64
    assert new.objects.get(pk=unkeyed.pk).idempotency_key == ""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest for the rest
