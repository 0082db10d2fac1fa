"""Make the audit log append-only in the database itself, not only in the ORM.

UPDATE is refused by a trigger on both SQLite and PostgreSQL. DELETE is
refused by the ORM; test databases still need to be emptied between tests.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
BEGIN
    SELECT RAISE(ABORT, 'core_auditlog is append-only');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS core_auditlog_no_update;"

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION core_auditlog_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_refuse_update();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS core_auditlog_no_update ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_refuse_update();
"""


def _run(sql_by_vendor):
    def apply(apps, schema_editor):
        sql = sql_by_vendor.get(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("core", "0001_audit_log")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
