"""The Idempotency-Key moves onto the complaint it filed (one INSERT per filing instead of
a complaint and a record); the keys already on record are carried over."""

from django.conf import settings
from django.db import migrations, models


def carry_keys_over(apps, schema_editor):
    Record = apps.get_model("complaints", "IdempotencyRecord")
    Complaint = apps.get_model("complaints", "Complaint")
    for record in Record.objects.order_by("pk").iterator():
        reference = (record.response_body or {}).get("reference")
        if reference:
            Complaint.objects.filter(
                reference=reference, customer_id=record.customer_id, idempotency_key=""
            ).update(idempotency_key=record.key, request_hash=record.request_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_intake_followup_attempts"),
        ("customers", "0002_alter_customer_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="idempotency_key",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                help_text="The app's Idempotency-Key for this filing: a retry gets this complaint.",
                max_length=200,
                verbose_name="idempotency key",
            ),
        ),
        migrations.AddField(
            model_name="complaint",
            name="request_hash",
            field=models.CharField(
                blank=True,
                default="",
                editable=False,
                max_length=64,
                verbose_name="request hash",
            ),
        ),
        migrations.RunPython(carry_keys_over, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="complaint",
            constraint=models.UniqueConstraint(
                condition=models.Q(("idempotency_key", ""), _negated=True),
                fields=("customer", "idempotency_key"),
                name="complaint_idempotency_once",
            ),
        ),
        migrations.DeleteModel(name="IdempotencyRecord"),
    ]
