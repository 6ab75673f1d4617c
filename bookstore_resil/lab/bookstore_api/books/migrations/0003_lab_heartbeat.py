"""The lab's heartbeat table (bookstore_resil.lab.canary.Heartbeat): part of the schema, so
every snapshot holds it and a restore never races the snapshotter to create it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("books", "0002_seed")]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE IF NOT EXISTS lab_heartbeat (at timestamptz PRIMARY KEY)",
            "DROP TABLE IF EXISTS lab_heartbeat",
        )
    ]
