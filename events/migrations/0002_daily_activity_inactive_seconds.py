from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def backfill_inactive_seconds(apps, schema_editor):
    """Existing rollups get their inactive seconds from the time facts, as _derive would."""
    DailyActivity = apps.get_model("events", "DailyActivity")
    TimeSpentFact = apps.get_model("events", "TimeSpentFact")
    inactive = (
        TimeSpentFact.objects.filter(
            student_id=OuterRef("student_id"),
            course_id=OuterRef("course_id"),
            occurred_on=OuterRef("day"),
        )
        .values("student_id")
        .annotate(total=Sum("inactive"))
        .values("total")
    )
    DailyActivity.objects.update(inactive_seconds=Coalesce(Subquery(inactive), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyactivity",
            name="inactive_seconds",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(backfill_inactive_seconds, migrations.RunPython.noop),
    ]
