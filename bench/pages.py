"""Benchmark: the three dashboard pages at 0.5 M and 5 M stored events (issue 16's goal: guide
class page p95 < 100 ms, student page p95 < 50 ms, developer page p95 < 100 ms, each page's
cost flat, ≤ 1.2 ×, between the two sizes).

    DATABASE_URL=postgres://postgres@127.0.0.1:55025/timeback_pages \\
        .venv/bin/python bench/pages.py [--sizes 500000 5000000] [--requests 100]

`make bench` runs it as a phase of bench/peers.py (`pages.run(...)`, `pages.table(...)`).

The school (a roster kept between sizes): `--students` students (2,000) in groups of 50;
every group has a math class (the math app) and a reading or a science class (two more
apps): 80 classes of 50, 3 partner apps, 3 courses of 80 lessons in 4 units.

The history, written set-based (`generate`): each school day (Monday to Friday) ending
today, each student does 5 runs alternating their two courses; a run is what a Timeback
app sends for one activity: a TimeSpentEvent, an ActivityEvent (10 questions, 60-100 %
right, a quarter reporting xpEarned, a tenth masteredUnits, an eighth asking for a result)
and two AssessmentItemEvents: 20 events a student-day, 40,000 a school day. Every size is
the same roster with more days of history (0.5 M ≈ 13 school days, 5 M ≈ 125). What the
pipeline stores for those events is written by INSERT ... SELECT statements over a table of
runs (no Python per row): the events (processed, with their Caliper JSON and envelopes),
time facts, the XP ledger (XP decided by gradebook.credit for each distinct (active time,
accuracy, reported XP), joined in), XP plausibility flags, mastery credits and their
per-course totals, lesson masteries (the first run of a lesson at the mastery threshold),
item results, attempt results under their line items (made by gradebook.services), then the
daily rollups aggregated from those tables as analytics.rollups derives them.
tests/analytics/test_bench_pages.py processes a small generated history again with the real
pipeline and finds the same rows.

Pages are measured in process through Django's test client with a logged-in session (the
middleware, the view, the templates; DEBUG off, gc.freeze() as timeback/wsgi.py does):
`--warmup` then `--requests` sequential GETs per page: wall-clock p50/p95 and the Python
CPU per request (time.process_time), and the SQL queries of one request.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")

PREFIX = "pages"
SUBJECTS = (("math", "Math"), ("reading", "Reading"), ("science", "Science"))
GROUP_SIZE = 50
LESSONS = 80
UNITS = 4
RUNS_PER_DAY = 5
EVENTS_PER_RUN = 4
DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
# Goals a student of this school can meet on a good day (the defaults ask 100 XP a day).
COURSE_GOALS = {
    "dailyXp": 15,
    "dailyLessons": 0,
    "dailyActiveMinutes": 10,
    "dailyAccuracy": 70,
    "dailyMasteredUnits": 0,
}
GOALS = {"class": 100, "student": 50, "developer": 100}  # p95 targets, ms
FLAT = 1.2  # the 5 M page may cost at most this many times the 0.5 M page


@dataclass
class Roster:
    org_id: int
    apps: list[int]  # partner app ids, one per subject
    courses: list[int]  # course ids, one per subject
    classes: list[int]
    students: list[int]


def setup_django(migrate: bool = True) -> None:
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


# --- roster ----------------------------------------------------------------------------


def build_roster(students: int = 2000, lessons: int = LESSONS, prefix: str = PREFIX) -> Roster:
    """The school, its apps, courses, lessons, students and classes (idempotent)."""
    from rostering import partners, services
    from rostering.models import (
        Class,
        ComponentKind,
        CourseComponent,
        Enrollment,
        PartnerApp,
        User,
        UserRole,
    )

    org, _ = services.upsert_org(sourced_id=f"{prefix}-org", name=f"{prefix} school", type="school")
    term, _ = services.upsert_academic_session(
        sourced_id=f"{prefix}-term",
        title="Year",
        type="schoolYear",
        start_date=date(2020, 1, 1),
        end_date=date(2035, 12, 31),
        school_year="2030",
    )
    apps, courses = [], []
    for subject, title in SUBJECTS:
        name = f"{prefix} {subject} app"
        app = PartnerApp.objects.filter(name=name).first() or partners.create_partner_app(name=name)
        course, _ = services.upsert_course(
            sourced_id=f"{prefix}-{subject}",
            title=title,
            subjects=[title],
            partner_app=app,
            org=org,
            metadata={"totalUnits": lessons, "goals": COURSE_GOALS},
        )
        per_unit = lessons // UNITS
        for u in range(UNITS):
            unit, _ = services.upsert_course_component(
                sourced_id=f"{prefix}-{subject}-unit-{u}",
                title=f"{title} unit {u + 1}",
                course=course,
                kind="unit",
                sort_order=u,
            )
            CourseComponent.objects.bulk_create(
                [
                    CourseComponent(
                        sourced_id=f"{prefix}-{subject}-lesson-{n:03d}",
                        title=f"{title} {n + 1}",
                        kind=ComponentKind.LESSON,
                        course=course,
                        parent=unit,
                        sort_order=n,
                    )
                    for n in range(u * per_unit, (u + 1) * per_unit)
                ],
                ignore_conflicts=True,
            )
        apps.append(app.pk)
        courses.append(course.pk)
    refs = [f"{prefix}-stu-{n:05d}" for n in range(students)]
    User.objects.bulk_create(
        [
            User(
                username=ref,
                sourced_id=ref,
                first_name=f"Student{n}",
                last_name=f"Family{n % 97:02d}",
                email=f"{ref}@school.example",
                password="!",
                primary_org=org,
            )
            for n, ref in enumerate(refs)
        ],
        ignore_conflicts=True,
    )
    ids = dict(User.objects.filter(sourced_id__in=refs).values_list("sourced_id", "pk"))
    UserRole.objects.bulk_create(
        [UserRole(user_id=ids[ref], org=org, role="student") for ref in refs],
        ignore_conflicts=True,
    )
    classes, enrollments = [], []
    for g in range(0, students, GROUP_SIZE):
        group = refs[g : g + GROUP_SIZE]
        number = g // GROUP_SIZE
        for slot in (0, 1 + number % 2):  # math, then reading or science
            subject, title = SUBJECTS[slot]
            ref = f"{prefix}-{subject}-class-{number:03d}"
            klass, _ = Class.objects.get_or_create(
                sourced_id=ref,
                defaults={"title": f"{title} {number}", "course_id": courses[slot], "school": org},
            )
            klass.terms.set([term])
            classes.append(klass.pk)
            enrollments += [
                Enrollment(
                    sourced_id=f"{ref}-{s}", user_id=ids[s], klass=klass, school=org, role="student"
                )
                for s in group
            ]
    Enrollment.objects.bulk_create(enrollments, ignore_conflicts=True)
    return Roster(org.pk, apps, courses, classes, [ids[ref] for ref in refs])


# --- history ---------------------------------------------------------------------------

HISTORY_TABLES = (
    "events_caliperevent",
    "analytics_eventdaycount",
    "analytics_lessonmasterycount",
    "analytics_flaggedclaimcount",
    "analytics_weekactivitysum",
    "events_envelope",
    "events_rejectedevent",
    "events_timespentfact",
    "events_sessionfact",
    "events_viewfact",
    "events_assignablefact",
    "events_dailyactivity",
    "events_stalerollup",
    "gradebook_xpentry",
    "gradebook_xpflag",
    "gradebook_masterycredit",
    "gradebook_masteredunitstotal",
    "gradebook_lessonmastery",
    "gradebook_itemresult",
    "gradebook_assessmentresult",
)


def school_days_for(events: int, students: int, end: date) -> list[date]:
    """The school days (Monday-Friday) ending `end` that hold about `events` events."""
    wanted = max(1, round(events / (students * RUNS_PER_DAY * EVENTS_PER_RUN)))
    days, day = [], end
    while len(days) < wanted:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def generate(roster: Roster, days: list[date], *, log=print) -> dict:
    """Empty the event store and everything derived from it, then write the history of
    `days` for the roster, set-based. Answers {table: rows} and the seconds taken."""
    from django.db import connection, transaction

    clock = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(HISTORY_TABLES)} CASCADE")
        # A bulk load into empty tables: foreign keys are known good (built from the roster
        # above), so their per-row triggers are skipped (superuser of the throwaway server).
        cursor.execute("SET LOCAL session_replication_role = replica")
        _staging(cursor, roster, days)
        # The event store's indexes and unique constraints are built once after the load
        # (sorted), not entry by entry into indexes of millions of random keys.
        cursor.execute(
            """
            SELECT indexname, indexdef FROM pg_indexes
            WHERE tablename = 'events_caliperevent' AND indexname NOT IN (
                SELECT i.relname FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid)
            """
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'events_caliperevent'::regclass AND contype = 'u'"
        )
        uniques = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name, _ in uniques:
            cursor.execute(f'ALTER TABLE events_caliperevent DROP CONSTRAINT "{name}"')
        timings = {}
        for name, sql in _STATEMENTS:
            start = time.perf_counter()
            cursor.execute(sql)
            timings[name] = time.perf_counter() - start
            if name == "events":
                start = time.perf_counter()
                for _, definition in indexes:
                    cursor.execute(definition)
                for name, definition in uniques:
                    cursor.execute(
                        f'ALTER TABLE events_caliperevent ADD CONSTRAINT "{name}" {definition}'
                    )
                timings["event indexes"] = time.perf_counter() - start
        _results(cursor)
        start = time.perf_counter()
        cursor.execute(_ROLLUPS)
        # What the rollups' triggers (analytics.0007) would have appended, folded: one row
        # per (student, course, week).
        cursor.execute(_WEEK_SUMS)
        timings["rollups"] = time.perf_counter() - start
        # Inside a caller's transaction (a test) the role and the staging tables would
        # outlive this load.
        cursor.execute("SET LOCAL session_replication_role = origin")
        cursor.execute("DROP TABLE b_students, b_lessons, b_days, b_credit, b_runs, b_ids, b_items")
    counts = {}
    with connection.cursor() as cursor:
        for table in HISTORY_TABLES:
            # As autovacuum leaves a history that old: statistics, and the visibility map
            # that index-only scans need (not inside a caller's transaction, as in a test).
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(f"{vacuum} {table}")
            cursor.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    seconds = time.perf_counter() - clock
    log(
        f"  generated {counts['events_caliperevent']:,} events over {len(days)} school days "
        f"({days[0]} .. {days[-1]}) in {seconds:.0f} s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )
    return {"counts": counts, "seconds": seconds}


def _staging(cursor, roster: Roster, days: list[date]) -> None:
    """Temporary tables: students with their two courses, lessons, days, the credit policy's
    answers for every (active seconds, correct answers, reported XP) a run can have, and the
    runs themselves."""
    from rostering.models import ComponentKind, Course, CourseComponent

    courses = {c.pk: c for c in Course.objects.filter(pk__in=roster.courses)}
    cursor.execute(
        "CREATE TEMP TABLE b_students (n int, id bigint, ref text, course_a bigint,"
        " course_b bigint) ON COMMIT DROP"
    )
    from rostering.models import User

    refs = dict(User.objects.filter(pk__in=roster.students).values_list("pk", "sourced_id"))
    cursor.executemany(
        "INSERT INTO b_students VALUES (%s, %s, %s, %s, %s)",
        [
            (n, s, refs[s], roster.courses[0], roster.courses[1 + (n // GROUP_SIZE) % 2])
            for n, s in enumerate(roster.students)
        ],
    )
    cursor.execute(
        "CREATE TEMP TABLE b_lessons (course_id bigint, n int, id bigint, ref text,"
        " course_ref text, app_id bigint) ON COMMIT DROP"
    )
    rows = []
    for course_id in roster.courses:
        lessons = CourseComponent.objects.filter(
            course_id=course_id, kind=ComponentKind.LESSON
        ).order_by("sort_order")
        course = courses[course_id]
        rows += [
            (course_id, n, lesson.pk, lesson.sourced_id, course.sourced_id, course.partner_app_id)
            for n, lesson in enumerate(lessons)
        ]
    cursor.executemany("INSERT INTO b_lessons VALUES (%s, %s, %s, %s, %s, %s)", rows)
    lesson_count = len(rows) // len(roster.courses)
    cursor.execute("CREATE TEMP TABLE b_days (ord int, day date) ON COMMIT DROP")
    epoch = date(2020, 1, 6)  # a Monday: a day's number does not depend on the history's length
    cursor.executemany(
        "INSERT INTO b_days VALUES (%s, %s)",
        [((d - epoch).days // 7 * 5 + d.weekday(), d) for d in days],
    )
    _credit_table(cursor, next(iter(courses.values())).metadata)
    cursor.execute(
        f"""
        CREATE TEMP TABLE b_runs ON COMMIT DROP AS
        WITH r AS (
            SELECT s.n, s.id AS student_id, s.ref AS student_ref, d.day, d.ord, k AS run,
                   d.ord * {RUNS_PER_DAY} + k AS progress,
                   CASE WHEN (k + s.n) % 2 = 0 THEN s.course_a ELSE s.course_b END AS course_id
            FROM b_students s CROSS JOIN b_days d CROSS JOIN generate_series(0, {RUNS_PER_DAY - 1}) k
        )
        SELECT r.*, l.id AS lesson_id, l.ref AS lesson_ref, l.course_ref, l.app_id,
               (r.progress + r.n * 7) AS mix,
               '{PREFIX}-run-' || r.n || '-' || r.progress AS run_id,
               (r.day + time '08:00' + make_interval(mins => r.run * 25 + r.n % 20))
                   AT TIME ZONE 'UTC' AS at
        FROM r JOIN b_lessons l
          ON l.course_id = r.course_id AND l.n = (r.progress / 6 + r.n) % {lesson_count}
        """
    )
    cursor.execute(
        """
        ALTER TABLE b_runs ADD COLUMN active int, ADD COLUMN inactive int, ADD COLUMN waste int,
            ADD COLUMN correct int, ADD COLUMN reported int, ADD COLUMN units int,
            ADD COLUMN wants_result boolean, ADD COLUMN id bigint
        """
    )
    cursor.execute(
        """
        UPDATE b_runs SET active = 240 + mix * 37 % 480, inactive = 20 + mix % 50,
            waste = CASE WHEN mix % 6 = 0 THEN 15 ELSE 0 END, correct = 6 + mix % 5,
            reported = CASE WHEN mix % 4 = 0 THEN 8 + mix % 5 END,
            units = CASE WHEN mix % 10 = 0 THEN 1 ELSE 0 END, wants_result = mix % 8 = 3
        """
    )
    cursor.execute("SELECT count(*) FROM b_runs")
    runs = cursor.fetchone()[0]
    # The events' ids, from the table's own sequence, four consecutive ids per run.
    cursor.execute("SELECT nextval(pg_get_serial_sequence('events_caliperevent', 'id'))")
    first = cursor.fetchone()[0]
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('events_caliperevent', 'id'), %s)",
        [first + runs * EVENTS_PER_RUN],
    )
    cursor.execute(
        "CREATE TEMP TABLE b_ids ON COMMIT DROP AS SELECT run_id, %s + (row_number() OVER"
        " (ORDER BY day, n, run) - 1) * 4 AS id FROM b_runs",
        [first],
    )
    cursor.execute("UPDATE b_runs r SET id = i.id FROM b_ids i WHERE i.run_id = r.run_id")
    cursor.execute("ANALYZE b_runs")


def _credit_table(cursor, course_metadata) -> None:
    """What gradebook.credit decides for each (active seconds, correct of 10, reported XP)
    a run can have: the XP, its kind, the plausibility flag, accuracy, mastery, the result's
    metadata. The policy itself, not a copy of it."""
    import orjson

    from gradebook import credit
    from gradebook import xp as rules

    rows = []
    for active in range(240, 720):
        for correct in range(6, 11):
            for reported in (None, 8, 9, 10, 11, 12):
                items = {"totalQuestions": 10, "correctQuestions": correct}
                if reported is not None:
                    items["xpEarned"] = reported
                earned = credit.activity_credit(items, active_seconds=active, attempt=1)
                flagged = (
                    rules.is_implausible(reported_xp=earned.xp, active_seconds=active)
                    if earned.claimed
                    else None
                )
                rows.append(
                    (
                        active,
                        correct,
                        reported,
                        earned.xp,
                        earned.kind,
                        flagged,
                        earned.accuracy,
                        earned.masters(course_metadata),
                        orjson.dumps(
                            {**credit.result_metadata(items, earned), "attempt": 1}
                        ).decode(),
                    )
                )
    cursor.execute(
        "CREATE TEMP TABLE b_credit (active int, correct int, reported int, xp numeric,"
        " kind text, flagged boolean, accuracy numeric, masters boolean, meta jsonb)"
        " ON COMMIT DROP"
    )
    with cursor.copy("COPY b_credit FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# One run's four events: j = 0 TimeSpentEvent, 1 ActivityEvent, 2-3 AssessmentItemEvents.
_EVENT_JSON = f"""
    jsonb_build_object(
        '@context', '{DATA_VERSION}',
        'id', 'urn:uuid:' || e.uuid,
        'type', e.type,
        'action', e.action,
        'eventTime', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'actor', jsonb_build_object('id', '{USERS}' || r.student_ref,
                                    'type', CASE WHEN e.j >= 2 THEN 'Person' ELSE 'TimebackUser' END),
        'extensions', jsonb_build_object('course', jsonb_build_object('id', r.course_ref),
                                         'lesson', jsonb_build_object('id', r.lesson_ref),
                                         'runId', r.run_id)
    ) || CASE
        WHEN e.j >= 2 THEN jsonb_build_object(
            'object', jsonb_build_object('id', r.lesson_ref || '-q' || (e.j - 2),
                                         'type', 'AssessmentItem',
                                         'isPartOf', jsonb_build_object('id', r.lesson_ref,
                                                                        'type', 'Assessment')),
            'generated', jsonb_build_object('id', 'urn:uuid:' || md5('r' || e.id)::uuid,
                                            'type', 'Response',
                                            'extensions', jsonb_build_object('isCorrect', e.item_correct)))
        ELSE jsonb_build_object(
            'profile', 'TimebackProfile',
            'object', jsonb_build_object('id', r.lesson_ref, 'type', 'TimebackActivityContext',
                                         'activity', jsonb_build_object('id', r.run_id),
                                         'course', jsonb_build_object('id', r.course_ref))
                      || CASE WHEN e.j = 1 AND r.wants_result
                              THEN jsonb_build_object('process', true) ELSE '{{}}'::jsonb END,
            'generated', jsonb_build_object(
                'id', 'urn:uuid:' || md5('g' || e.id)::uuid,
                'type', CASE WHEN e.j = 1 THEN 'TimebackActivityMetricsCollection'
                             ELSE 'TimebackTimeSpentMetricsCollection' END,
                'items', CASE WHEN e.j = 1 THEN
                    jsonb_build_array(jsonb_build_object('type', 'totalQuestions', 'value', 10),
                                      jsonb_build_object('type', 'correctQuestions', 'value', r.correct))
                    || CASE WHEN r.reported IS NOT NULL THEN jsonb_build_array(
                           jsonb_build_object('type', 'xpEarned', 'value', r.reported)) ELSE '[]' END
                    || CASE WHEN r.units > 0 THEN jsonb_build_array(
                           jsonb_build_object('type', 'masteredUnits', 'value', r.units)) ELSE '[]' END
                ELSE
                    jsonb_build_array(jsonb_build_object('type', 'active', 'value', r.active),
                                      jsonb_build_object('type', 'inactive', 'value', r.inactive))
                    || CASE WHEN r.waste > 0 THEN jsonb_build_array(
                           jsonb_build_object('type', 'waste', 'value', r.waste)) ELSE '[]' END
                END)
              || CASE WHEN e.j = 1 THEN jsonb_build_object('attempt', 1) ELSE '{{}}' END)
    END
"""

_EVENTS = f"""
    INSERT INTO events_caliperevent (id, partner_app_id, event_id, envelope_id, type, action,
        event_time, received_at, raw, student_ref, course_ref, lesson_refs, student_id,
        course_id, lesson_id, run_key, activity_key, status, processed_at, error)
    SELECT e.id, r.app_id, 'urn:uuid:' || e.uuid, e.envelope, e.type, e.action, e.at,
           e.at + interval '2 seconds', {_EVENT_JSON}, r.student_ref, r.course_ref,
           jsonb_build_array(r.lesson_ref), r.student_id, r.course_id, r.lesson_id, r.run_id,
           CASE WHEN e.j = 1 THEN r.run_id || '|1' ELSE '' END, 'processed',
           e.at + interval '3 seconds', ''
    FROM b_runs r CROSS JOIN LATERAL (
        SELECT j, r.id + j AS id, md5('e' || (r.id + j))::uuid AS uuid,
               md5('v' || r.student_id || r.day || r.app_id)::uuid AS envelope,
               CASE j WHEN 0 THEN 'TimeSpentEvent' WHEN 1 THEN 'ActivityEvent'
                      ELSE 'AssessmentItemEvent' END AS type,
               CASE j WHEN 0 THEN 'SpentTime' ELSE 'Completed' END AS action,
               CASE j WHEN 0 THEN r.at WHEN 1 THEN r.at + interval '1 minute'
                      ELSE r.at + make_interval(secs => 20 + (j - 2) * 20) END AS at,
               (r.mix + j - 2) % 10 < r.correct AS item_correct
        FROM generate_series(0, 3) j
    ) e
"""

_STATEMENTS = [
    ("events", _EVENTS),
    (
        # What the event store's triggers (analytics.0004) would have appended, folded: one
        # row per (app, day of event time). The load runs with triggers off (replica role).
        "event day counts",
        """
        INSERT INTO analytics_eventdaycount (partner_app_id, day, events)
        SELECT partner_app_id, (event_time AT TIME ZONE 'UTC')::date, count(*)
        FROM events_caliperevent GROUP BY 1, 2
        """,
    ),
    (
        "envelopes",
        """
        INSERT INTO events_envelope (id, partner_app_id, sensor, sent_at, received_at, accepted,
            duplicates, rejected)
        SELECT envelope_id, min(partner_app_id), '', NULL, min(received_at), count(*), 0, 0
        FROM events_caliperevent GROUP BY envelope_id
        """,
    ),
    (
        "time facts",
        """
        INSERT INTO events_timespentfact (event_id, student_id, course_id, lesson_id, at,
            occurred_on, run_key, active, inactive, waste, unknown, anti_pattern)
        SELECT id, student_id, course_id, lesson_id, at, day, run_id, active, inactive, waste, 0, 0
        FROM b_runs
        """,
    ),
    (
        "ledger",
        """
        INSERT INTO gradebook_xpentry (student_id, course_id, lesson_id, partner_app_id,
            source_key, seq, amount, kind, occurred_on, caused_by_event, created_at)
        SELECT r.student_id, r.course_id, r.lesson_id, r.app_id,
               'activity:' || r.app_id || ':' || r.student_id || ':' || r.run_id || '|1', 0,
               c.xp, c.kind, r.day, r.id + 1, r.at + interval '3 seconds'
        FROM b_runs r JOIN b_credit c ON c.active = r.active AND c.correct = r.correct
             AND c.reported IS NOT DISTINCT FROM r.reported
        WHERE c.xp <> 0
        """,
    ),
    (
        "flags",
        """
        INSERT INTO gradebook_xpflag (source_key, student_id, course_id, partner_app_id,
            reported_xp, active_seconds, flagged, occurred_on, updated_at)
        SELECT 'activity:' || r.app_id || ':' || r.student_id || ':' || r.run_id || '|1',
               r.student_id, r.course_id, r.app_id, c.xp, r.active, c.flagged, r.day,
               r.at + interval '3 seconds'
        FROM b_runs r JOIN b_credit c ON c.active = r.active AND c.correct = r.correct
             AND c.reported = r.reported
        """,
    ),
    (
        # What the flags' triggers (analytics.0006) would have appended, folded.
        "flagged claim counts",
        """
        INSERT INTO analytics_flaggedclaimcount (partner_app_id, claims)
        SELECT partner_app_id, count(*) FROM gradebook_xpflag WHERE flagged GROUP BY 1
        """,
    ),
    (
        "mastery credits",
        """
        INSERT INTO gradebook_masterycredit (source_key, student_id, course_id, units,
            questions, correct_questions, occurred_on)
        SELECT 'activity:' || app_id || ':' || student_id || ':' || run_id || '|1', student_id,
               course_id, units, 10, correct, day
        FROM b_runs
        """,
    ),
    (
        # Kept by triggers on the credits (migration gradebook.0008), which a load in
        # session_replication_role = replica does not fire: summed here, as they would.
        "mastered units totals",
        """
        INSERT INTO gradebook_masteredunitstotal (student_id, course_id, lane, units)
        SELECT student_id, course_id, 0, SUM(units) FROM gradebook_masterycredit
        GROUP BY student_id, course_id HAVING SUM(units) <> 0
        """,
    ),
    (
        "lesson masteries",
        """
        INSERT INTO gradebook_lessonmastery (student_id, lesson_id, course_id, mastered_at,
            source_key)
        SELECT DISTINCT ON (r.student_id, r.lesson_id) r.student_id, r.lesson_id, r.course_id,
               r.at + interval '1 minute', 'event:' || (r.id + 1)
        FROM b_runs r JOIN b_credit c ON c.active = r.active AND c.correct = r.correct
             AND c.reported IS NOT DISTINCT FROM r.reported
        WHERE c.masters
        ORDER BY r.student_id, r.lesson_id, r.at, r.id
        """,
    ),
    (
        # What the masteries' triggers (analytics.0005) would have appended, folded.
        "lesson mastery counts",
        """
        INSERT INTO analytics_lessonmasterycount (course_id, lesson_id, masteries)
        SELECT course_id, lesson_id, count(*) FROM gradebook_lessonmastery GROUP BY 1, 2
        """,
    ),
    (
        # What ingestion refuses: a run in five hundred sends an ActivityEvent whose
        # eventTime is not a date-time (kept with its reason for the developer page).
        "rejections",
        """
        INSERT INTO events_rejectedevent (partner_app_id, envelope_id, index, event_id, type,
            errors, raw, received_at)
        SELECT app_id, md5('v' || student_id || day || app_id)::uuid, 0,
               'urn:uuid:' || md5('x' || id)::uuid, 'ActivityEvent',
               jsonb_build_array('eventTime: ' || to_char(day, 'DD/MM/YYYY')
                                 || ' is not an ISO 8601 date-time'),
               jsonb_build_object('id', 'urn:uuid:' || md5('x' || id)::uuid,
                                  'type', 'ActivityEvent', 'action', 'Completed',
                                  'eventTime', to_char(day, 'DD/MM/YYYY'),
                                  'actor', jsonb_build_object('id', student_ref)),
               at + interval '2 seconds'
        FROM b_runs WHERE mix % 500 = 13
        """,
    ),
    (
        "item results",
        """
        INSERT INTO gradebook_itemresult (source_event, student_id, course_id, lesson_id,
            item_ref, correct, answered_at, occurred_on)
        SELECT r.id + j, r.student_id, r.course_id, r.lesson_id, r.lesson_ref || '-q' || (j - 2),
               (r.mix + j - 2) % 10 < r.correct, r.at + make_interval(secs => 20 + (j - 2) * 20),
               r.day
        FROM b_runs r CROSS JOIN generate_series(2, 3) j
        """,
    ),
]


def _results(cursor) -> None:
    """The attempt results of the runs asking for one (object.process), under the line item
    gradebook.services makes for each (lesson, course) the first time (made here by that
    code, then the results in one statement)."""
    from gradebook import credit
    from gradebook import services as gradebook
    from rostering.models import CourseComponent, PartnerApp

    cursor.execute(
        "SELECT DISTINCT lesson_id, lesson_ref, course_ref, course_id, app_id FROM b_runs"
        " WHERE wants_result"
    )
    wanted = cursor.fetchall()
    lessons = CourseComponent.objects.in_bulk([row[0] for row in wanted])
    apps = PartnerApp.objects.in_bulk({row[4] for row in wanted})
    wanted_items = {
        credit.attempt_line_item_id(lesson_ref, course_ref): (lesson_id, course_id, app_id)
        for lesson_id, lesson_ref, course_ref, course_id, app_id in wanted
    }
    made = gradebook._new_line_items(
        {
            sourced_id: {
                "lesson": lessons[lesson_id],
                "line_item_id": sourced_id,
                "line_item_title": None,
                "course_id": course_id,
                "app": apps[app_id],
            }
            for sourced_id, (lesson_id, course_id, app_id) in wanted_items.items()
        }
    )
    items = [
        (lesson_id, made[sourced_id].pk) for sourced_id, (lesson_id, _, _) in wanted_items.items()
    ]
    cursor.execute("CREATE TEMP TABLE b_items (lesson_id bigint, id bigint) ON COMMIT DROP")
    cursor.executemany("INSERT INTO b_items VALUES (%s, %s)", items)
    cursor.execute(
        f"""
        INSERT INTO gradebook_assessmentresult (sourced_id, status, date_last_modified, metadata,
            line_item_id, student_id, course_id, lesson_id, score, score_status, score_date,
            comment, text_score, score_percentile, score_scale_id, learning_objective_set, flags)
        SELECT '{credit.EVENT_RESULT_PREFIX}' || r.app_id || ':attempt:'
                   || encode(sha256(convert_to(r.student_id || '|' || r.run_id || '|1', 'UTF8')), 'hex'),
               'active', r.at + interval '3 seconds',
               c.meta || CASE WHEN r.units > 0 THEN jsonb_build_object('masteredUnits', r.units)
                              ELSE '{{}}' END,
               i.id, r.student_id, r.course_id, r.lesson_id, c.accuracy, 'fully graded',
               r.at + interval '1 minute', '', '', NULL, NULL, '[]', '{{}}'
        FROM b_runs r JOIN b_items i ON i.lesson_id = r.lesson_id
             JOIN b_credit c ON c.active = r.active AND c.correct = r.correct
             AND c.reported IS NOT DISTINCT FROM r.reported
        WHERE r.wants_result
        """
    )


_WEEK_SUMS = """
    INSERT INTO analytics_weekactivitysum (student_id, course_id, week, xp, active_seconds,
        wasted_seconds, items_answered, items_correct)
    SELECT student_id, course_id, date_trunc('week', day::timestamp)::date, sum(xp),
           sum(active_seconds), sum(wasted_seconds), sum(items_answered), sum(items_correct)
    FROM events_dailyactivity GROUP BY 1, 2, 3
    HAVING sum(xp) <> 0 OR sum(active_seconds) <> 0 OR sum(wasted_seconds) <> 0
        OR sum(items_answered) <> 0 OR sum(items_correct) <> 0
"""


# The rollups as analytics.rollups derives each key (the same sources and rules, every key at
# once): questions reported by activities count instead of the answered items when more.
# The school's zone is UTC (no Org.timezone given): a mastery counts on its UTC day.
_ROLLUPS = """
    INSERT INTO events_dailyactivity (student_id, course_id, day, xp, active_seconds,
        wasted_seconds, inactive_seconds, items_answered, items_correct, lessons_mastered,
        mastered_units, updated_at)
    WITH keys AS (SELECT DISTINCT student_id, course_id, occurred_on AS day
                  FROM events_timespentfact),
    t AS (SELECT student_id, course_id, occurred_on AS day, SUM(active) AS active,
                 SUM(inactive + waste + anti_pattern) AS wasted, SUM(inactive) AS inactive
          FROM events_timespentfact GROUP BY 1, 2, 3),
    x AS (SELECT student_id, course_id, occurred_on AS day, SUM(amount) AS xp
          FROM gradebook_xpentry GROUP BY 1, 2, 3),
    i AS (SELECT student_id, course_id, occurred_on AS day, COUNT(*) AS answered,
                 SUM(CASE WHEN correct THEN 1 ELSE 0 END) AS correct
          FROM gradebook_itemresult GROUP BY 1, 2, 3),
    m AS (SELECT student_id, course_id, occurred_on AS day, SUM(units) AS units,
                 SUM(questions) AS reported, SUM(correct_questions) AS reported_right
          FROM gradebook_masterycredit GROUP BY 1, 2, 3),
    l AS (SELECT student_id, course_id, (mastered_at AT TIME ZONE 'UTC')::date AS day,
                 COUNT(*) AS lessons
          FROM gradebook_lessonmastery GROUP BY 1, 2, 3)
    SELECT k.student_id, k.course_id, k.day, COALESCE(x.xp, 0), COALESCE(t.active, 0),
           COALESCE(t.wasted, 0), COALESCE(t.inactive, 0),
           CASE WHEN COALESCE(m.reported, 0) > COALESCE(i.answered, 0) THEN m.reported
                ELSE COALESCE(i.answered, 0) END,
           CASE WHEN COALESCE(m.reported, 0) > COALESCE(i.answered, 0)
                THEN COALESCE(m.reported_right, 0) ELSE COALESCE(i.correct, 0) END,
           COALESCE(l.lessons, 0), COALESCE(m.units, 0), now()
    FROM keys k
    LEFT JOIN t USING (student_id, course_id, day)
    LEFT JOIN x USING (student_id, course_id, day)
    LEFT JOIN i USING (student_id, course_id, day)
    LEFT JOIN m USING (student_id, course_id, day)
    LEFT JOIN l USING (student_id, course_id, day)
"""


# --- pages -----------------------------------------------------------------------------


def people(roster: Roster):
    """A guide of the first math class, a developer of the math app, the first student."""
    from rostering import services
    from rostering.models import Class, PartnerApp, User

    klass = Class.objects.get(pk=roster.classes[0])
    guide, _ = services.upsert_user(
        sourced_id=f"{PREFIX}-guide", username=f"{PREFIX}-guide", first_name="G"
    )
    services.upsert_enrollment(
        sourced_id=f"{PREFIX}-guide-enrollment", user=guide, klass=klass, role="teacher"
    )
    developer, _ = services.upsert_user(
        sourced_id=f"{PREFIX}-dev", username=f"{PREFIX}-dev", first_name="D"
    )
    app = PartnerApp.objects.get(pk=roster.apps[0])
    app.owners.add(developer)
    student = User.objects.get(pk=roster.students[0])
    return [
        ("class", guide, f"/classes/{klass.pk}/"),
        ("student", student, "/me/"),
        ("developer", developer, f"/developers/apps/{app.pk}/"),
    ]


def measure_pages(pages, requests: int, warmup: int) -> dict:
    """{page: {p50, p95, cpu, queries}} through Django's test client, logged in."""
    from django.db import connection
    from django.test import Client

    answer = {}
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        queries = []  # (a wrapper: the request's start resets Django's own query log)
        with connection.execute_wrapper(partial(_counting, queries)):
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        for _ in range(warmup):
            client.get(url)
        gc.collect()
        gc.freeze()
        walls, cpus = [], []
        backend, backend_start = _backend_cpu(connection)
        for _ in range(requests):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            cpus.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - wall)
            assert response.status_code == 200
        gc.unfreeze()
        backend_end = _backend_cpu(connection)
        postgres = (
            (backend_end[1] - backend_start) / requests * 1000
            if backend_end[0] == backend and backend_start is not None
            else None
        )
        walls.sort()
        answer[name] = {
            "p50": statistics.median(walls) * 1000,
            "p95": walls[max(0, int(len(walls) * 0.95) - 1)] * 1000,
            "cpu": statistics.fmean(cpus) * 1000,
            "postgres": postgres,
            "queries": len(queries),
        }
    return answer


def _backend_cpu(connection) -> tuple[int, float | None]:
    """(pid, CPU seconds used) of the PostgreSQL backend serving Django's connection, read
    from /proc (None when the server is not on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _counting(queries, execute, sql, *args):
    queries.append(sql)
    return execute(sql, *args)


def _count(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def settle() -> None:
    """Let the bulk load's writes finish before measuring: PostgreSQL's dirty buffers
    written out (CHECKPOINT) and the kernel's dirty pages flushed (sync). Otherwise the
    writeback of a freshly generated history (gigabytes at 5 M events) runs during the
    measurement, on the same two cores: one run measured the class page's Python at 21.5 ms
    per request at 0.48 M and 29.2 ms at 5 M, the next 29.9 ms and 22.5 ms, for the same
    work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    os.sync()


def run(
    sizes=(500_000, 5_000_000),
    *,
    students: int = 2000,
    requests: int = 100,
    warmup: int = 10,
    generate_history: bool = True,
    log=print,
) -> dict:
    """Build the roster, then for each size generate the history and measure the pages.
    Answers {size: {page: figures}}. Without `generate_history`, the history in the
    database is measured as it is (one size)."""
    from django.conf import settings
    from django.utils import timezone

    from rostering import zones

    settings.DEBUG = False
    # One connection for the whole run (as a gunicorn worker keeps one), so that its
    # backend's CPU can be read before and after each page's requests.
    from django.db import connection

    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    roster = build_roster(students)
    pages = people(roster)
    end = timezone.now().astimezone(zones.default_zone()).date()
    figures = {}
    for size in sizes:
        if generate_history:
            made = generate(roster, school_days_for(size, students, end), log=log)
        else:
            made = {"counts": {"events_caliperevent": _count("events_caliperevent")}, "seconds": 0}
        settle()
        figures[size] = measure_pages(pages, requests, warmup)
        figures[size]["_events"] = made["counts"]["events_caliperevent"]
        figures[size]["_seconds"] = made["seconds"]
        for page, f in figures[size].items():
            if not page.startswith("_"):
                log(
                    f"  {figures[size]['_events']:,} events: {page} p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, CPU "
                    f"{f['cpu']:.1f} ms Python + {_ms(f['postgres'])} PostgreSQL, "
                    f"{f['queries']} queries"
                )
    return figures


def _ms(value, unit=" ms") -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"


def _cpu_ratio(small: dict, large: dict) -> str:
    """CPU per request (Python and PostgreSQL) at the larger size ÷ the smaller: on a
    shared machine, steadier than wall-clock time."""
    if small["postgres"] is None or large["postgres"] is None:
        return "n/a"
    return f"{(large['cpu'] + large['postgres']) / (small['cpu'] + small['postgres']):.2f} ×"


def table(figures: dict) -> str:
    """The small table: page, p50/p95 at each size, the ratio of the largest to the smallest
    (p50), and whether the goal is met (p95 under the target at the largest size, ratio ≤ 1.2)."""
    sizes = sorted(figures)
    small, large = sizes[0], sizes[-1]
    head = (
        "| page | "
        + " | ".join(f"p50 / p95 at {figures[s]['_events'] / 1e6:.2g} M events" for s in sizes)
        + " | CPU per request, Python + PostgreSQL (ms) | queries | ratio p50 | ratio CPU"
        + " | goal | met? |"
    )
    lines = [head, "|" + "---|" * (len(sizes) + 7)]
    for page, target in GOALS.items():
        ratio = figures[large][page]["p50"] / figures[small][page]["p50"]
        met = figures[large][page]["p95"] < target and ratio <= FLAT
        lines.append(
            f"| {page} | "
            + " | ".join(
                f"{figures[s][page]['p50']:.1f} / {figures[s][page]['p95']:.1f} ms" for s in sizes
            )
            + " | "
            + " → ".join(
                f"{figures[s][page]['cpu']:.1f} + {_ms(figures[s][page]['postgres'], unit='')}"
                for s in sizes
            )
            + " | "
            + " → ".join(str(figures[s][page]["queries"]) for s in sizes)
            + f" | {ratio:.2f} × | {_cpu_ratio(figures[small][page], figures[large][page])}"
            + f" | p95 < {target} ms, ≤ {FLAT} × | {'yes' if met else 'no'} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500_000, 5_000_000])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument(
        "--measure-only", action="store_true", help="measure the history already stored"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database.")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-use-0123456789")
    if "OIDC_PRIVATE_KEY" not in os.environ:  # any key: no ID token is signed here
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        os.environ["OIDC_PRIVATE_KEY"] = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    setup_django()
    figures = run(
        args.sizes[:1] if args.measure_only else args.sizes,
        students=args.students,
        requests=args.requests,
        warmup=args.warmup,
        generate_history=not args.measure_only,
    )
    print(table(figures))


if __name__ == "__main__":
    main()
