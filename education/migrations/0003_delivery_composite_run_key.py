"""Deliveries: one composite foreign key (run, campaign, tip, version) -> CampaignRun
replaces the four single-column keys on PostgreSQL (one check per inserted row instead of
four; the fan-out inserts millions). SQLite keeps no database key for these columns."""

import django.db.models.deletion
from django.db import migrations, models

COMPOSITE = "delivery_run_campaign_tip_version_fk"


def add_composite_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE education_delivery ADD CONSTRAINT {COMPOSITE} "
        "FOREIGN KEY (run_id, campaign_id, tip_id, version_id) "
        "REFERENCES education_campaignrun (id, campaign_id, tip_id, version_id) "
        "DEFERRABLE INITIALLY DEFERRED"
    )


def drop_composite_key(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE education_delivery DROP CONSTRAINT {COMPOSITE}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_alter_customer_options"),
        ("education", "0002_default_frequency_cap"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="delivery",
            name="delivery_from_run_or_step",
        ),
        migrations.AlterField(
            model_name="delivery",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="education.campaign",
                verbose_name="campaign",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="education.campaignrun",
                verbose_name="run",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="tip",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="education.securitytip",
                verbose_name="tip",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="education.tipversion",
                verbose_name="version",
            ),
        ),
        migrations.AddConstraint(
            model_name="campaignrun",
            constraint=models.UniqueConstraint(
                fields=("id", "campaign", "tip", "version"), name="run_unique_delivery_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("campaign__isnull", False),
                        ("run__isnull", False),
                        ("series_step__isnull", True),
                    ),
                    models.Q(("run__isnull", True), ("series_step__isnull", False)),
                    _connector="OR",
                ),
                name="delivery_from_run_or_step",
            ),
        ),
        migrations.RunPython(add_composite_key, drop_composite_key),
    ]
