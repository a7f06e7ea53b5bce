"""A school with a long history of processed learning events, loaded in bulk for benchmarks.

    from school import build_school        # bench/ is on sys.path for bench scripts
    school = build_school(students=600, class_size=30, days=180, events=5_000_000)

Or from the command line (prints what it built and how long each phase took):

    DATABASE_URL=postgres://... .venv/bin/python bench/school.py --students 600 --days 180 \\
        --events 5000000

What it builds (everything named with `prefix`, default "school"):
- an org, a term, one partner app owning `len(subjects)` courses (math, reading) of
  `lessons` lessons each; students in classes of `class_size`, one class per course and
  group: every student is in one class of each course;
- on each school day (Monday-Friday) of the `days` calendar days ending `end`, runs of
  each student in alternating courses; a run is a TimeSpentEvent, an ActivityEvent
  (10 questions, 60-100 % right, a quarter reporting xpEarned, a tenth masteredUnits) and
  two AssessmentItemEvents: four events. The run count per student-day is chosen to store
  about `events` events in all;
- the stored events (CaliperEvent rows with their Caliper JSON, status processed) and what
  the pipeline derives from them, written with COPY: time facts, item results, the XP
  ledger (computed XP by gradebook.xp, or the reported XP), mastery credits and lesson
  masteries (first ≥ 90 % run of a lesson);
- the daily rollups, built by the real code (`analytics.rollups.recompute`), in chunks.

Every build first empties the event store and gradebook (like bench/ingest.py) so that
figures are reproducible; the roster is upserted. Deterministic for a given shape.
"""

import argparse
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
from ingest import empty_event_store  # the same reset as the ingestion bench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings")

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
USERS = "https://timeback.example/ims/oneroster/rostering/v1p2/users/"
EVENTS_PER_RUN = 4
ITEMS_PER_RUN = 2


@dataclass
class School:
    """What build_school made: ids and sourcedIds to aim requests at."""

    app_id: int
    client_id: str
    client_secret: str
    course_refs: list[str]
    class_refs: list[str]  # "{prefix}-{course}-class-{n}"
    student_refs: list[str]
    first_day: date
    last_day: date
    events: int = 0
    timings: dict = field(default_factory=dict)


def setup_django(migrate: bool = True) -> None:
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def build_school(
    *,
    students: int = 600,
    class_size: int = 30,
    days: int = 180,
    events: int = 1_000_000,
    lessons: int = 40,
    subjects: tuple[str, ...] = ("math", "reading"),
    prefix: str = "school",
    end: date = date(2026, 11, 20),
    log=print,
) -> School:
    """Build the school (see the module docstring). Needs django.setup() and PostgreSQL."""
    timings = {}
    clock = time.perf_counter()
    empty_event_store()
    roster = _Roster.build(prefix, students, class_size, lessons, subjects)
    timings["roster"] = time.perf_counter() - clock
    school_days = [
        d for d in (end - timedelta(days=n) for n in range(days - 1, -1, -1)) if d.weekday() < 5
    ]
    runs_per_day = max(1, round(events / EVENTS_PER_RUN / (students * len(school_days))))
    log(
        f"school: {students} students, {len(roster.class_refs)} classes, {len(school_days)} school "
        f"days, {runs_per_day} runs ({runs_per_day * EVENTS_PER_RUN} events) per student-day"
    )
    clock = time.perf_counter()
    history = _History(roster, school_days, runs_per_day)
    stored = history.load(log)
    timings["events"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _build_rollups(history.rollup_keys, log)
    timings["rollups"] = time.perf_counter() - clock
    client_id, secret = roster.credentials()
    return School(
        app_id=roster.app.pk,
        client_id=client_id,
        client_secret=secret,
        course_refs=[c.sourced_id for c in roster.courses],
        class_refs=roster.class_refs,
        student_refs=[ref for ref, _ in roster.students],
        first_day=school_days[0],
        last_day=school_days[-1],
        events=stored,
        timings=timings,
    )


# --- roster ---------------------------------------------------------------------------


class _Roster:
    """Org, term, app, courses with lessons, students, classes and enrollments, in bulk."""

    @classmethod
    def build(cls, prefix, students, class_size, lessons, subjects):
        from rostering import partners, services
        from rostering.models import ComponentKind, CourseComponent, PartnerApp

        self = cls()
        self.prefix = prefix
        name = f"{prefix} bench app"
        self.app = PartnerApp.objects.filter(name=name).first() or partners.create_partner_app(
            name=name
        )
        self.org, _ = services.upsert_org(sourced_id=f"{prefix}-org", name=prefix, type="school")
        self.term, _ = services.upsert_academic_session(
            sourced_id=f"{prefix}-term",
            title="Year",
            type="schoolYear",
            start_date=date(2026, 1, 1),
            end_date=date(2027, 12, 31),
            school_year="2027",
        )
        self.courses = []
        self.lessons = {}  # course pk → [lesson pk]
        for subject in subjects:
            course, _ = services.upsert_course(
                sourced_id=f"{prefix}-{subject}",
                title=subject.title(),
                subjects=[subject.title()],
                partner_app=self.app,
                org=self.org,
                metadata={"totalUnits": lessons},
            )
            unit, _ = services.upsert_course_component(
                sourced_id=f"{prefix}-{subject}-unit", title="Unit", course=course, kind="unit"
            )
            CourseComponent.objects.bulk_create(
                [
                    CourseComponent(
                        sourced_id=f"{prefix}-{subject}-lesson-{n:03d}",
                        title=f"{subject.title()} {n}",
                        kind=ComponentKind.LESSON,
                        course=course,
                        parent=unit,
                        sort_order=n,
                    )
                    for n in range(lessons)
                ],
                ignore_conflicts=True,
            )
            self.courses.append(course)
            self.lessons[course.pk] = list(
                CourseComponent.objects.filter(course=course, kind=ComponentKind.LESSON)
                .order_by("sort_order")
                .values_list("pk", "sourced_id")
            )
        self.students = self._students(students)
        self.class_refs = self._classes(class_size)
        return self

    def _students(self, count):
        from rostering.models import User, UserRole

        refs = [f"{self.prefix}-stu-{n:04d}" for n in range(count)]
        User.objects.bulk_create(
            [
                User(
                    username=ref,
                    sourced_id=ref,
                    first_name="Student",
                    last_name=ref.rsplit("-", 1)[1],
                    email=f"{ref}@school.example",
                    password="!",
                    primary_org=self.org,
                )
                for ref in refs
            ],
            ignore_conflicts=True,
        )
        ids = dict(User.objects.filter(sourced_id__in=refs).values_list("sourced_id", "pk"))
        UserRole.objects.bulk_create(
            [UserRole(user_id=ids[ref], org=self.org, role="student") for ref in refs],
            ignore_conflicts=True,
        )
        return [(ref, ids[ref]) for ref in refs]

    def _classes(self, class_size):
        from rostering.models import Class, Enrollment

        refs = []
        enrollments = []
        groups = [
            self.students[i : i + class_size] for i in range(0, len(self.students), class_size)
        ]
        for course in self.courses:
            for n, group in enumerate(groups):
                ref = f"{course.sourced_id}-class-{n:02d}"
                klass, _ = Class.objects.get_or_create(
                    sourced_id=ref,
                    defaults={"title": f"{course.title} {n}", "course": course, "school": self.org},
                )
                klass.terms.set([self.term])
                refs.append(ref)
                enrollments += [
                    Enrollment(
                        sourced_id=f"{ref}-{student_ref}",
                        user_id=student_id,
                        klass=klass,
                        school=self.org,
                        role="student",
                    )
                    for student_ref, student_id in group
                ]
        Enrollment.objects.bulk_create(enrollments, ignore_conflicts=True)
        return refs

    def credentials(self) -> tuple[str, str]:
        from rostering import partners

        client, secret = partners.issue_client_credentials(app=self.app)
        return client.id, secret


# --- history --------------------------------------------------------------------------


class _History:
    """The events of every run and the rows the pipeline derives from them, COPYed."""

    def __init__(self, roster: _Roster, school_days: list[date], runs_per_day: int):
        self.roster = roster
        self.school_days = school_days
        self.runs_per_day = runs_per_day
        self.rollup_keys: set[tuple[int, int, date]] = set()
        self.mastered: set[tuple[int, int]] = set()  # (student, lesson)

    def load(self, log) -> int:
        from django.db import connection

        from events.models import CaliperEvent

        total_runs = len(self.roster.students) * len(self.school_days) * self.runs_per_day
        first_id = _reserve_ids(CaliperEvent, total_runs * EVENTS_PER_RUN)
        tables = _Tables()
        next_id = first_id
        for day_number, day in enumerate(self.school_days):
            for student_number, (student_ref, student_id) in enumerate(self.roster.students):
                for run in range(self.runs_per_day):
                    self._run(
                        tables,
                        next_id,
                        day,
                        day_number,
                        student_number,
                        student_ref,
                        student_id,
                        run,
                    )
                    next_id += EVENTS_PER_RUN
            if tables.size() > 200_000 or day_number == len(self.school_days) - 1:
                tables.flush(connection)
                log(
                    f"  events: day {day_number + 1}/{len(self.school_days)}, {next_id - first_id:,} stored"
                )
        return next_id - first_id

    def _run(self, tables, first_id, day, day_number, student_number, student_ref, student_id, run):
        from gradebook import credit

        course = self.roster.courses[(run + student_number) % len(self.roster.courses)]
        lessons = self.roster.lessons[course.pk]
        progress = day_number * self.runs_per_day + run  # the student's nth run
        lesson_id, lesson_ref = lessons[(progress // 6 + student_number) % len(lessons)]
        mix = progress + student_number * 7
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(
            hours=8, minutes=run * 25 + student_number % 20
        )
        run_id = f"{self.roster.prefix}-run-{student_number}-{progress}"
        active, inactive, waste = 240 + mix * 37 % 480, 20 + mix % 50, 15 if mix % 6 == 0 else 0
        correct = 6 + mix % 5
        reported = mix % 4 == 0
        units = 1 if mix % 10 == 0 else 0
        app_id = self.roster.app.pk
        context = dict(
            app_id=app_id,
            student_ref=student_ref,
            student_id=student_id,
            course=course,
            lesson_id=lesson_id,
            lesson_ref=lesson_ref,
            run_id=run_id,
        )
        common = {"student_id": student_id, "course_id": course.pk, "occurred_on": day}
        # 1. TimeSpentEvent → time fact
        time_items = {"active": active, "inactive": inactive, **({"waste": waste} if waste else {})}
        tables.event(first_id, "TimeSpentEvent", "SpentTime", at, time_items, **context)
        tables.time_fact(
            first_id, at, run_id, active, inactive, waste, lesson_id=lesson_id, **common
        )
        # 2. ActivityEvent → XP ledger, mastery credit, lesson mastery
        activity_at = at + timedelta(minutes=1)
        items = {"totalQuestions": 10, "correctQuestions": correct}
        if reported:
            items["xpEarned"] = 8 + mix % 5
        if units:
            items["masteredUnits"] = units
        tables.event(first_id + 1, "ActivityEvent", "Completed", activity_at, items, **context)
        # What the pipeline credits: the same policy, written straight into the tables.
        source_key = credit.activity_key(app_id, student_id, f"{run_id}|1")
        earned = credit.activity_credit(items, active_seconds=active, attempt=1)
        if earned.xp:
            tables.xp(
                source_key, earned.xp, earned.kind, first_id + 1, app_id, lesson_id, activity_at,
                **common,
            )  # fmt: skip
        # Every activity reports its questions (and some their mastered units).
        tables.mastery_credit(source_key, units, 10, correct, **common)
        if earned.masters(course.metadata) and (student_id, lesson_id) not in self.mastered:
            self.mastered.add((student_id, lesson_id))
            tables.lesson_mastery(
                student_id, lesson_id, course.pk, activity_at, credit.event_key(first_id + 1)
            )
        # 3-4. AssessmentItemEvents → item results
        for n in range(ITEMS_PER_RUN):
            item_at = at + timedelta(seconds=20 + n * 20)
            is_correct = (mix + n) % 10 < correct
            tables.event(
                first_id + 2 + n, "AssessmentItemEvent", "Completed", item_at, is_correct, **context
            )
            tables.item_result(
                first_id + 2 + n,
                f"{lesson_ref}-q{n}",
                is_correct,
                item_at,
                lesson_id=lesson_id,
                **common,
            )
        self.rollup_keys.add((student_id, course.pk, day))


def _reserve_ids(model, count: int) -> int:
    """Take `count` ids from the model's sequence; answers the first."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
        first = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [first + count]
        )
    return first


class _Tables:
    """Rows waiting to be COPYed, per table."""

    @property
    def event_columns(self):
        from events.services import COLUMNS  # the columns ingestion writes

        # Ingestion stamps received_at itself; the loader writes it beside event_time.
        columns = list(COLUMNS)
        columns.insert(columns.index("event_time") + 1, "received_at")
        return ("id", *columns, "processed_at")

    def __init__(self):
        self.rows = {name: [] for name in ("event", "time", "xp", "credit", "mastery", "item")}

    def size(self) -> int:
        return len(self.rows["event"])

    def event(
        self,
        pk,
        type_,
        action,
        at,
        payload,
        *,
        app_id,
        student_ref,
        student_id,
        course,
        lesson_id,
        lesson_ref,
        run_id,
    ):
        raw = _caliper_event(
            pk, type_, action, at, payload, student_ref, course.sourced_id, lesson_ref, run_id
        )
        activity_key = f"{run_id}|1" if type_ == "ActivityEvent" else ""
        stamp = at.isoformat()
        self.rows["event"].append(
            (
                pk,
                app_id,
                raw["id"],
                str(uuid.UUID(int=pk // 100, version=4)),
                type_,
                action,
                stamp,
                stamp,
                orjson.dumps(raw).decode(),
                student_ref,
                course.sourced_id,
                orjson.dumps([lesson_ref]).decode(),
                student_id,
                course.pk,
                lesson_id,
                run_id,
                activity_key,
                "processed",
                stamp,
            )
        )

    def time_fact(
        self,
        event_id,
        at,
        run_key,
        active,
        inactive,
        waste,
        *,
        student_id,
        course_id,
        lesson_id,
        occurred_on,
    ):
        self.rows["time"].append(
            (
                event_id,
                student_id,
                course_id,
                lesson_id,
                at.isoformat(),
                occurred_on,
                run_key,
                active,
                inactive,
                waste,
                0,
                0,
            )
        )

    def xp(
        self,
        source_key,
        amount,
        kind,
        event_id,
        app_id,
        lesson_id,
        at,
        *,
        student_id,
        course_id,
        occurred_on,
    ):
        self.rows["xp"].append(
            (
                student_id,
                course_id,
                lesson_id,
                app_id,
                source_key,
                0,
                amount,
                kind,
                occurred_on,
                event_id,
                at.isoformat(),
            )
        )

    def mastery_credit(
        self, source_key, units, questions, correct, *, student_id, course_id, occurred_on
    ):
        self.rows["credit"].append(
            (source_key, student_id, course_id, units, questions, correct, occurred_on)
        )

    def lesson_mastery(self, student_id, lesson_id, course_id, at, source_key):
        self.rows["mastery"].append((student_id, lesson_id, course_id, at.isoformat(), source_key))

    def item_result(
        self, event_id, item_ref, correct, at, *, student_id, course_id, lesson_id, occurred_on
    ):
        self.rows["item"].append(
            (
                event_id,
                student_id,
                course_id,
                lesson_id,
                item_ref,
                correct,
                at.isoformat(),
                occurred_on,
            )
        )

    def flush(self, connection) -> None:
        from events.models import CaliperEvent, TimeSpentFact
        from gradebook.models import ItemResult, LessonMastery, MasteryCredit, XpEntry

        time_columns = (
            "event_id",
            "student_id",
            "course_id",
            "lesson_id",
            "at",
            "occurred_on",
            "run_key",
            "active",
            "inactive",
            "waste",
            "unknown",
            "anti_pattern",
        )
        plan = [
            (CaliperEvent, self.event_columns, "event"),
            (TimeSpentFact, time_columns, "time"),
            (
                XpEntry,
                (
                    "student_id",
                    "course_id",
                    "lesson_id",
                    "partner_app_id",
                    "source_key",
                    "seq",
                    "amount",
                    "kind",
                    "occurred_on",
                    "caused_by_event",
                    "created_at",
                ),
                "xp",
            ),
            (
                MasteryCredit,
                (
                    "source_key",
                    "student_id",
                    "course_id",
                    "units",
                    "questions",
                    "correct_questions",
                    "occurred_on",
                ),
                "credit",
            ),
            (
                LessonMastery,
                ("student_id", "lesson_id", "course_id", "mastered_at", "source_key"),
                "mastery",
            ),
            (
                ItemResult,
                (
                    "source_event",
                    "student_id",
                    "course_id",
                    "lesson_id",
                    "item_ref",
                    "correct",
                    "answered_at",
                    "occurred_on",
                ),
                "item",
            ),
        ]
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:
            for model, columns, name in plan:
                rows = self.rows[name]
                if not rows:
                    continue
                sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                rows.clear()


def _caliper_event(
    pk, type_, action, at, payload, student_ref, course_ref, lesson_ref, run_id
) -> dict:
    """The Caliper JSON of one event, as a partner app would have sent it."""
    event = {
        "@context": DATA_VERSION,
        "id": f"urn:uuid:{uuid.UUID(int=pk, version=4)}",
        "type": type_,
        "action": action,
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "actor": {"id": USERS + student_ref, "type": "TimebackUser"},
        "extensions": {"course": {"id": course_ref}, "lesson": {"id": lesson_ref}, "runId": run_id},
    }
    if type_ == "AssessmentItemEvent":
        event["actor"]["type"] = "Person"
        event["object"] = {
            "id": f"{lesson_ref}-item",
            "type": "AssessmentItem",
            "isPartOf": {"id": lesson_ref, "type": "Assessment"},
        }
        event["generated"] = {
            "id": f"urn:uuid:{uuid.UUID(int=pk, version=1)}",
            "type": "Response",
            "extensions": {"isCorrect": payload},
        }
        return event
    event["profile"] = "TimebackProfile"
    event["object"] = {
        "id": lesson_ref,
        "type": "TimebackActivityContext",
        "activity": {"id": run_id},
        "course": {"id": course_ref},
    }
    collection = (
        "TimebackActivityMetricsCollection"
        if type_ == "ActivityEvent"
        else "TimebackTimeSpentMetricsCollection"
    )
    event["generated"] = {
        "id": f"urn:uuid:{uuid.UUID(int=pk, version=1)}",
        "type": collection,
        **({"attempt": 1} if type_ == "ActivityEvent" else {}),
        "items": [{"type": name, "value": value} for name, value in payload.items()],
    }
    return event


def _build_rollups(keys: set[tuple], log, chunk_days: int = 5) -> None:
    """The rollups, by the pipeline's own code, a few days of keys at a time (its reads
    are by student, course and day sets, so a chunk covers whole days)."""
    from analytics import rollups

    by_day: dict[date, set] = {}
    for key in keys:
        by_day.setdefault(key[2], set()).add(key)
    days = sorted(by_day)
    for i in range(0, len(days), chunk_days):
        chunk = set().union(*(by_day[d] for d in days[i : i + chunk_days]))
        rollups.recompute(chunk)
    log(f"  rollups: {len(keys):,} student-course-days")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--prefix", default="school")
    args = parser.parse_args()
    setup_django()
    school = build_school(
        students=args.students,
        class_size=args.class_size,
        days=args.days,
        events=args.events,
        prefix=args.prefix,
    )
    print(
        f"built: {school.events:,} events, courses {', '.join(school.course_refs)}, "
        f"{len(school.class_refs)} classes, days {school.first_day} .. {school.last_day}; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in school.timings.items())
    )


if __name__ == "__main__":
    main()
