"""The daily rollups summed per (student, course, week), kept by triggers on
events_dailyactivity (analytics.models.WeekActivitySum), as analytics.0004-0006 keep their
counts: statement-level triggers with transition tables append one delta row per (student,
course, week) a statement changed (an insert adds the new rows' figures, a delete takes
the old ones away, an update, such as a rollup recompute's ON CONFLICT DO UPDATE, adds new
minus old; a key whose figures did not change gets no row), in the writer's transaction; a
TRUNCATE empties the sums. Created before the set-based backfill in one transaction
(CREATE TRIGGER holds writers of rollups off until the commit: nothing summed twice or
missed)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ROLLUPS = "events_dailyactivity"
SUMS = "analytics_weekactivitysum"
COLUMNS = ("xp", "active_seconds", "wasted_seconds", "items_answered", "items_correct")
KEY = "student_id, course_id, date_trunc('week', day::timestamp)::date"
CHANGED = " OR ".join(f"sum({c}) <> 0" for c in COLUMNS)


def _append(select: str) -> str:
    """The INSERT of one delta row per key of `select` (rows of student_id, course_id, day
    and the COLUMNS, signed) whose figures changed."""
    return f"""
        INSERT INTO {SUMS} (student_id, course_id, week, {", ".join(COLUMNS)})
        SELECT {KEY}, {", ".join(f"sum({c})" for c in COLUMNS)}
        FROM ({select}) changed GROUP BY 1, 2, 3 HAVING {CHANGED};"""


PLUS = ", ".join(COLUMNS)
MINUS = ", ".join(f"-{c}::numeric AS {c}" if c == "xp" else f"-{c}::bigint AS {c}" for c in COLUMNS)
FUNCTIONS = {
    "inserted": _append(f"SELECT student_id, course_id, day, {PLUS} FROM new_rollups"),
    "deleted": _append(f"SELECT student_id, course_id, day, {MINUS} FROM old_rollups"),
    "updated": _append(
        f"SELECT student_id, course_id, day, {PLUS} FROM new_rollups"
        f" UNION ALL SELECT student_id, course_id, day, {MINUS} FROM old_rollups"
    ),
    "truncated": f"DELETE FROM {SUMS};",
}
TRIGGERS = {
    "inserted": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_rollups FOR EACH STATEMENT",
    "deleted": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_rollups FOR EACH STATEMENT",
    "updated": (
        "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS old_rollups NEW TABLE AS new_rollups"
        " FOR EACH STATEMENT"
    ),
    "truncated": "AFTER TRUNCATE ON {t} FOR EACH STATEMENT",
}
CREATE = "\n".join(
    f"""
    CREATE FUNCTION analytics_sum_weeks_{name}() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {body}
        RETURN NULL;
    END $$;
    CREATE TRIGGER sum_weeks_{name} {TRIGGERS[name].format(t=ROLLUPS)}
    EXECUTE FUNCTION analytics_sum_weeks_{name}();"""
    for name, body in FUNCTIONS.items()
)
DROP = "\n".join(
    f"DROP TRIGGER IF EXISTS sum_weeks_{name} ON {ROLLUPS};"
    f" DROP FUNCTION IF EXISTS analytics_sum_weeks_{name}();"
    for name in FUNCTIONS
)
BACKFILL = _append(f"SELECT student_id, course_id, day, {PLUS} FROM {ROLLUPS}")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_flagged_claim_counts"),
        ("rostering", "0006_org_time_zone_and_holidays"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WeekActivitySum",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("week", models.DateField()),
                ("xp", models.DecimalField(decimal_places=2, max_digits=16)),
                ("active_seconds", models.BigIntegerField()),
                ("wasted_seconds", models.BigIntegerField()),
                ("items_answered", models.BigIntegerField()),
                ("items_correct", models.BigIntegerField()),
                (
                    "course",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="rostering.course",
                    ),
                ),
                (
                    "student",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["course", "week", "student"],
                        include=(
                            "xp",
                            "active_seconds",
                            "wasted_seconds",
                            "items_answered",
                            "items_correct",
                        ),
                        name="weeksum_course_week",
                    )
                ],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
