"""Row trigger refusing UPDATE (except sealing) and DELETE on the audit chain.

TRUNCATE is not trapped: Django's test flush truncates every table. In production the
application's database role is not granted TRUNCATE on audit_auditentry.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION USING MESSAGE = 'audit entries are append-only (' || TG_OP || ' refused)';
    END IF;
    -- The only update ever allowed is sealing an unsealed entry: setting its chain
    -- position and hashes, leaving its content as it was.
    IF OLD.hash <> '' OR OLD.seq IS NOT NULL
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.actor_id IS DISTINCT FROM OLD.actor_id
       OR NEW.actor_label IS DISTINCT FROM OLD.actor_label
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.object_type IS DISTINCT FROM OLD.object_type
       OR NEW.object_id IS DISTINCT FROM OLD.object_id
       OR NEW.object_repr IS DISTINCT FROM OLD.object_repr
       OR NEW.data::text IS DISTINCT FROM OLD.data::text THEN
        RAISE EXCEPTION 'audit entries are append-only (UPDATE refused)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_append_only_row
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_append_only_row ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP))]
