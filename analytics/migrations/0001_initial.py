"""The daily rollups and their stale markers, taken over from events in state only: their
tables were created by `events.0001_initial` (and 0002, 0004) and keep their names
(`db_table`), so an existing database keeps its rows and a new one gets the same schema.
Their content types (so admin permissions and history) follow them to this app."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("dailyactivity", "stalerollup")


def move_content_types(from_app, to_app):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        taken = set(
            ContentType.objects.filter(app_label=to_app, model__in=MODELS).values_list(
                "model", flat=True
            )
        )
        ContentType.objects.filter(app_label=from_app, model__in=MODELS).exclude(
            model__in=taken
        ).update(app_label=to_app)

    return move


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0005_rollups_move_to_analytics"),
        ("rostering", "0003_partner_sandbox_org"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DailyActivity",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField()),
                        ("xp", models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                        ("active_seconds", models.PositiveIntegerField(default=0)),
                        ("wasted_seconds", models.PositiveIntegerField(default=0)),
                        ("inactive_seconds", models.PositiveIntegerField(default=0)),
                        ("items_answered", models.PositiveIntegerField(default=0)),
                        ("items_correct", models.PositiveIntegerField(default=0)),
                        ("lessons_mastered", models.PositiveIntegerField(default=0)),
                        (
                            "mastered_units",
                            models.DecimalField(decimal_places=2, default=0, max_digits=10),
                        ),
                        ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="daily_activity",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "daily activity",
                        "db_table": "events_dailyactivity",
                        "indexes": [
                            models.Index(
                                fields=["course", "day"], name="events_dail_course__be38c0_idx"
                            ),
                            models.Index(
                                fields=["student", "day"], name="events_dail_student_9c1d66_idx"
                            ),
                            models.Index(
                                fields=["day", "student", "course"],
                                name="rollup_day_student_course",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("student", "course", "day"),
                                name="one_rollup_per_student_course_day",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="StaleRollup",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField()),
                        ("since", models.DateTimeField()),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "events_stalerollup",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("student", "course", "day"),
                                name="one_stale_marker_per_rollup",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types("events", "analytics"), move_content_types("analytics", "events")
        ),
    ]
