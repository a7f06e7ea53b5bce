"""Per-(app, UTC day of event time) counts of stored events, kept by triggers on the event
store (analytics.models.EventDayCount, docs/decisions.md "The events chart from counted
deltas"). Statement-level triggers with transition tables: one INSERT of a few rows per
statement that stores, deletes or moves events, whatever code runs it (the ingestion
statement, the pipeline, the admin, a test; a TRUNCATE empties them), in that statement's transaction; append-only,
so concurrent envelopes never wait on each other for a counter row.

The triggers are created before the backfill in one transaction: CREATE TRIGGER locks the
event store against writes until the commit, so no event is counted twice or missed. The
backfill is one INSERT ... SELECT ... GROUP BY over the stored events."""

from django.db import migrations, models

EVENTS = "events_caliperevent"
COUNTS = "analytics_eventdaycount"
DAY = "(event_time AT TIME ZONE 'UTC')::date"

FUNCTIONS = {
    "inserted": f"""
        INSERT INTO {COUNTS} (partner_app_id, day, events)
        SELECT partner_app_id, {DAY}, count(*) FROM new_events GROUP BY 1, 2;""",
    "deleted": f"""
        INSERT INTO {COUNTS} (partner_app_id, day, events)
        SELECT partner_app_id, {DAY}, -count(*) FROM old_events GROUP BY 1, 2;""",
    # Row by row, and only for rows whose app or event time changed (nothing in the code
    # changes them; a status update, the pipeline's, does not even call the function):
    # transition tables cannot be limited to some columns.
    "moved": f"""
        INSERT INTO {COUNTS} (partner_app_id, day, events) VALUES
            (OLD.partner_app_id, (OLD.event_time AT TIME ZONE 'UTC')::date, -1),
            (NEW.partner_app_id, (NEW.event_time AT TIME ZONE 'UTC')::date, 1);""",
    "truncated": f"DELETE FROM {COUNTS};",  # the event store emptied: nothing stored
}
TRIGGERS = {
    "inserted": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS new_events",
    "deleted": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS old_events",
    "moved": (
        "AFTER UPDATE OF partner_app_id, event_time ON {t} FOR EACH ROW WHEN"
        " (OLD.partner_app_id IS DISTINCT FROM NEW.partner_app_id"
        " OR OLD.event_time IS DISTINCT FROM NEW.event_time)"
    ),
    "truncated": "AFTER TRUNCATE ON {t}",
}

CREATE = "\n".join(
    f"""
    CREATE FUNCTION analytics_count_events_{name}() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {body}
        RETURN NULL;
    END $$;
    CREATE TRIGGER count_events_{name} {TRIGGERS[name].format(t=EVENTS)}
    {"" if name == "moved" else "FOR EACH STATEMENT"}
    EXECUTE FUNCTION analytics_count_events_{name}();"""
    for name, body in FUNCTIONS.items()
)
DROP = "\n".join(
    f"DROP TRIGGER IF EXISTS count_events_{name} ON {EVENTS};"
    f" DROP FUNCTION IF EXISTS analytics_count_events_{name}();"
    for name in FUNCTIONS
)
BACKFILL = f"""
    INSERT INTO {COUNTS} (partner_app_id, day, events)
    SELECT partner_app_id, {DAY}, count(*) FROM {EVENTS} GROUP BY 1, 2
"""


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_pending_after_commit"),
        ("events", "0009_event_refs_unconstrained"),
        ("rostering", "0006_org_time_zone_and_holidays"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventDayCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("events", models.BigIntegerField()),
                (
                    "partner_app",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="+",
                        to="rostering.partnerapp",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["partner_app", "day"],
                        include=("events",),
                        name="eventdaycount_app_day",
                    )
                ],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
