"""Indexes the developer page's reads need to cost the same after a year of history as
after a week (docs/performance.md, issue 16). They index tables of other apps (the event
store, the gradebook's flags and masteries) for reads that analytics and the dashboards
make: each is small (partial, or two integers and a time) and written rarely.

- the events outside the catalogue of an app, by time (`analytics.selectors.outside_activities`):
  partial, only events without a published lesson are in it, so ingestion of ordinary
  events only evaluates its predicate;
- an app's flagged XP claims, newest first, and their count (index-only);
- a course's lesson masteries per lesson (the completion count, index-only) and by time
  (the masteries of the last thirty days, without reading older ones).

Built CONCURRENTLY (no lock on writers of a large event store), hence not atomic."""

from django.db import migrations

INDEXES = {
    "event_outside_catalogue": (
        "events_caliperevent (partner_app_id, event_time)"
        " WHERE lesson_id IS NULL AND course_id IS NOT NULL"
    ),
    "xpflag_app_flagged_newest": "gradebook_xpflag (partner_app_id, occurred_on DESC, id DESC)"
    " WHERE flagged",
    "lessonmastery_course_lesson": "gradebook_lessonmastery (course_id, lesson_id)",
    "lessonmastery_course_time": "gradebook_lessonmastery (course_id, mastered_at)",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("analytics", "0001_initial"),
        ("events", "0008_event_app_time"),
        ("gradebook", "0007_human_field_names"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
