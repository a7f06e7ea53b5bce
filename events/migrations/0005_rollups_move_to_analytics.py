"""The daily rollups (DailyActivity) and their stale markers (StaleRollup) move to the
`analytics` app, the read models' home. State only: their tables keep their names
(`events_dailyactivity`, `events_stalerollup`, set by `db_table` in analytics/models.py) and
their rows; `analytics.0001_initial` takes them over in its state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_stale_rollup"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="StaleRollup"),
                migrations.DeleteModel(name="DailyActivity"),
            ],
            database_operations=[],
        ),
    ]
