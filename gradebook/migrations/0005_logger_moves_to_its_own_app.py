"""The progress-tracking ("logger") models move to the `logger` app. State only: their
tables keep their names (`gradebook_...`, set by `db_table` in logger/models.py) and their
rows; `logger.0001_initial` takes them over in its state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gradebook", "0004_reported_questions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # Dependents first, so no state model points at a deleted one.
                migrations.DeleteModel(name="SessionTime"),
                migrations.DeleteModel(name="AttemptLog"),
                migrations.DeleteModel(name="ContentSessionLog"),
                migrations.DeleteModel(name="MasteryLog"),
                migrations.DeleteModel(name="ContentSummaryLog"),
            ],
            database_operations=[],
        ),
    ]
