"""The progress-tracking ("logger") models, taken over from gradebook in state only: their
tables were created by `gradebook.0003_logger` and keep their names (`db_table`), so an
existing database keeps its rows and a new one gets the same schema. The content types
(and so the admin permissions and history) of the five models follow them to this app."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("contentsummarylog", "masterylog", "contentsessionlog", "attemptlog", "sessiontime")


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
        ("gradebook", "0005_logger_moves_to_its_own_app"),
        ("rostering", "0003_partner_sandbox_org"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ContentSummaryLog",
                    fields=[
                        ("id", models.UUIDField(primary_key=True, serialize=False)),
                        ("content_id", models.CharField(max_length=255)),
                        ("kind", models.CharField(max_length=16)),
                        ("progress", models.FloatField(default=0)),
                        ("time_spent", models.FloatField(default=0)),
                        ("extra_fields", models.JSONField(blank=True, default=dict)),
                        (
                            "start_timestamp",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("end_timestamp", models.DateTimeField(default=django.utils.timezone.now)),
                        ("completion_timestamp", models.DateTimeField(blank=True, null=True)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "lesson",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.coursecomponent",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="content_summaries",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "gradebook_contentsummarylog",
                    },
                ),
                migrations.CreateModel(
                    name="MasteryLog",
                    fields=[
                        ("id", models.UUIDField(primary_key=True, serialize=False)),
                        ("mastery_level", models.PositiveIntegerField()),
                        ("mastery_criterion", models.JSONField()),
                        ("complete", models.BooleanField(default=False)),
                        (
                            "start_timestamp",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("end_timestamp", models.DateTimeField(default=django.utils.timezone.now)),
                        ("completion_timestamp", models.DateTimeField(blank=True, null=True)),
                        ("time_spent", models.FloatField(default=0)),
                        ("attempt_count", models.PositiveIntegerField(default=0)),
                        ("correct", models.FloatField(default=0)),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "summary",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="mastery_logs",
                                to="logger.contentsummarylog",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "gradebook_masterylog",
                    },
                ),
                migrations.CreateModel(
                    name="ContentSessionLog",
                    fields=[
                        (
                            "id",
                            models.UUIDField(default=uuid.uuid4, primary_key=True, serialize=False),
                        ),
                        ("content_id", models.CharField(max_length=255)),
                        ("kind", models.CharField(max_length=16)),
                        ("context", models.JSONField(default=dict)),
                        ("progress", models.FloatField(default=0)),
                        ("time_spent", models.FloatField(default=0)),
                        (
                            "start_timestamp",
                            models.DateTimeField(default=django.utils.timezone.now),
                        ),
                        ("end_timestamp", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "last_request_key",
                            models.CharField(blank=True, default="", max_length=200),
                        ),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "lesson",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.coursecomponent",
                            ),
                        ),
                        (
                            "partner_app",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                to="rostering.partnerapp",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "summary",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sessions",
                                to="logger.contentsummarylog",
                            ),
                        ),
                        (
                            "mastery_log",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sessions",
                                to="logger.masterylog",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "gradebook_contentsessionlog",
                    },
                ),
                migrations.CreateModel(
                    name="AttemptLog",
                    fields=[
                        (
                            "id",
                            models.UUIDField(default=uuid.uuid4, primary_key=True, serialize=False),
                        ),
                        (
                            "number",
                            models.PositiveIntegerField(
                                help_text="1 for the first attempt of the try, then 2..."
                            ),
                        ),
                        ("item", models.CharField(max_length=255)),
                        ("start_timestamp", models.DateTimeField()),
                        ("end_timestamp", models.DateTimeField()),
                        ("completion_timestamp", models.DateTimeField(blank=True, null=True)),
                        (
                            "occurred_on",
                            models.DateField(help_text="The UTC day the item was first answered."),
                        ),
                        ("time_spent", models.FloatField(default=0)),
                        ("complete", models.BooleanField(default=False)),
                        ("correct", models.FloatField(default=0)),
                        ("hinted", models.BooleanField(default=False)),
                        ("error", models.BooleanField(default=False)),
                        ("answer", models.JSONField(blank=True, null=True)),
                        ("simple_answer", models.TextField(blank=True, default="")),
                        ("interaction_history", models.JSONField(default=list)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "session",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="logger.contentsessionlog",
                            ),
                        ),
                        (
                            "mastery_log",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempts",
                                to="logger.masterylog",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "gradebook_attemptlog",
                    },
                ),
                migrations.CreateModel(
                    name="SessionTime",
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
                        ("occurred_on", models.DateField()),
                        ("seconds", models.FloatField(default=0)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="rostering.course",
                            ),
                        ),
                        (
                            "session",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="logger.contentsessionlog",
                            ),
                        ),
                        (
                            "student",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "gradebook_sessiontime",
                    },
                ),
                migrations.AddConstraint(
                    model_name="contentsummarylog",
                    constraint=models.UniqueConstraint(
                        fields=("student", "content_id"), name="content_summary_once_per_student"
                    ),
                ),
                migrations.AddIndex(
                    model_name="masterylog",
                    index=models.Index(
                        fields=["summary", "-end_timestamp"], name="gradebook_m_summary_e9202d_idx"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="masterylog",
                    constraint=models.UniqueConstraint(
                        fields=("summary", "mastery_level"), name="mastery_log_once_per_try"
                    ),
                ),
                migrations.AddIndex(
                    model_name="attemptlog",
                    index=models.Index(
                        fields=["mastery_log", "item"], name="gradebook_a_mastery_9dd933_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="attemptlog",
                    index=models.Index(fields=["session"], name="gradebook_a_session_736357_idx"),
                ),
                migrations.AddIndex(
                    model_name="attemptlog",
                    index=models.Index(
                        fields=["student", "course", "occurred_on"],
                        name="gradebook_a_student_341233_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="attemptlog",
                    constraint=models.UniqueConstraint(
                        fields=("mastery_log", "number"), name="attempt_numbered_once_per_try"
                    ),
                ),
                migrations.AddIndex(
                    model_name="sessiontime",
                    index=models.Index(
                        fields=["student", "course", "occurred_on"],
                        name="gradebook_s_student_3c4ca5_idx",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="sessiontime",
                    constraint=models.UniqueConstraint(
                        fields=("session", "occurred_on"), name="session_time_once_per_day"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            move_content_types("gradebook", "logger"),
            move_content_types("logger", "gradebook"),
        ),
    ]
