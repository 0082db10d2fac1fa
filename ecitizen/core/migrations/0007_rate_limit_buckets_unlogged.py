"""On PostgreSQL the rate-limit windows are an UNLOGGED table: their writes skip the write-ahead
log, so an allowed hit does not wait for a disk flush. A crash empties the table (every window
starts afresh) and standbys do not hold it; both are acceptable for counts of the last minutes
(ADR 0002). Other databases are left as they are."""

from django.db import migrations

TABLE = "core_ratelimitbucket"


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0006_rate_limit_buckets")]

    operations = [migrations.RunPython(unlogged, logged)]
