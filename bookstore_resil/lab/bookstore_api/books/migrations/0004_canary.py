"""The exercises' canaries, in a table of their own (no public read lists them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("books", "0003_lab_heartbeat")]

    operations = [
        migrations.CreateModel(
            name="Canary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("run", models.CharField(max_length=32)),
                ("seq", models.PositiveIntegerField()),
                ("proof", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "seq", "proof"), name="canary_run_seq_proof"
                    )
                ],
            },
        ),
    ]
