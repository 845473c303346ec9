"""Deliveries: no per-row foreign-key check on the customer (it locked every customer row
on each fan-out). On PostgreSQL a trigger keeps the half of the key that can still fail:
a customer who has deliveries cannot be deleted."""

import django.db.models.deletion
from django.db import migrations, models

FUNCTION = "education_customer_delete_guard"
TRIGGER = "education_customer_has_deliveries"


def add_guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM education_delivery WHERE customer_id = OLD.id) THEN
                RAISE foreign_key_violation USING MESSAGE =
                    'customer ' || OLD.id || ' has education deliveries and cannot be deleted';
            END IF;
            RETURN OLD;
        END $$;
        CREATE TRIGGER {TRIGGER} BEFORE DELETE ON customers_customer
            FOR EACH ROW EXECUTE FUNCTION {FUNCTION}();
        """
    )


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON customers_customer")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_alter_customer_options"),
        ("education", "0003_delivery_composite_run_key"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="customer",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="customer",
            ),
        ),
        migrations.RunPython(add_guard, drop_guard),
    ]
