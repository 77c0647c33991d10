"""BRIN index on LocationFix.time (PostgreSQL only): fixes arrive in time order, so a BRIN index is a few
pages for hundreds of millions of rows and serves time-range scans and retention deletes.  Skipped on
SQLite (development/tests), where the (subject, time) index is enough."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS geo_fix_time_brin ON geo_locationfix USING brin (time) WITH (pages_per_range = 32)"
DROP = "DROP INDEX IF EXISTS geo_fix_time_brin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
