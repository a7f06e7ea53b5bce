"""Whose day is it: the IANA time zone of a student's school, and the school calendar.

A student's days (rollups, today, goals, streaks, time back, charts, EduBridge dates, date
filters) are local days of their school (docs/dashboards.md#days-are-the-schools-local-days):
the school is the student's primary org, else the org of their primary role (then of their
first role), else settings.SCHOOL_TIME_ZONE. A class page counts days in its own school's zone.

Days are bucketed in SQL (`AT TIME ZONE`), for a whole batch in one statement: the pipeline,
the gradebook and the logger ask `local_days` for every (student, moment) they write at once.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from core.oneroster import Status

from .models import AcademicSession, Org, SessionType, User, UserRole


def student_zone_sql(user_column: str) -> tuple[str, list]:
    """SQL for the time zone name of the student whose id is `user_column`, and its params."""
    quote = connection.ops.quote_name
    users, orgs, roles = (quote(m._meta.db_table) for m in (User, Org, UserRole))
    return (
        "COALESCE("
        f"(SELECT zo.timezone FROM {users} zu JOIN {orgs} zo ON zo.id = zu.primary_org_id"
        f" WHERE zu.id = {user_column}),"
        f" (SELECT zo.timezone FROM {roles} zr JOIN {orgs} zo ON zo.id = zr.org_id"
        f" WHERE zr.user_id = {user_column} ORDER BY zr.role_type = 'primary' DESC, zr.id"
        " LIMIT 1),"
        " %s)",
        [settings.SCHOOL_TIME_ZONE],
    )


def local_days(moments: Sequence[tuple[int | None, datetime]]) -> list[date]:
    """The local day of each (student id, aware moment) in their school's zone, in order:
    one statement for them all. The pairs travel as one JSON document (orjson writes a
    thousand in well under a millisecond), not as three placeholders each that psycopg
    would merge into the statement in Python (a pipeline batch's thousand events cost
    ~25 ms that way)."""
    if not moments:
        return []
    days: list[date] = []
    zone, zone_params = student_zone_sql("k.s")
    sql = (
        f"SELECT (k.at AT TIME ZONE {zone})::date FROM ROWS FROM ("
        "json_to_recordset(%s::json) AS (s bigint, at timestamptz)"
        ") WITH ORDINALITY AS k(s, at, i) ORDER BY k.i"
    )
    for start in range(0, len(moments), CHUNK):
        chunk = moments[start : start + CHUNK]
        document = orjson.dumps([{"s": s, "at": at} for s, at in chunk]).decode()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*zone_params, document])
            days += [day for (day,) in cursor.fetchall()]
    return days


CHUNK = 1000


def local_day(student_id: int | None, moment: datetime) -> date:
    return local_days([(student_id, moment)])[0]


def default_zone() -> ZoneInfo:
    return ZoneInfo(settings.SCHOOL_TIME_ZONE)


def today_in(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zone).date()


def org_zone(org: Org | None) -> ZoneInfo:
    return ZoneInfo(org.timezone) if org is not None and org.timezone else default_zone()


# --- school calendar -------------------------------------------------------------------

SCHOOL_WEEK = frozenset(range(5))  # Monday..Friday, date.weekday()


@dataclass(frozen=True)
class Calendar:
    """Which days are school days: Monday to Friday, inside one of the school's terms when it
    has any, and not one of its holidays."""

    terms: tuple[tuple[date, date], ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    week: frozenset[int] = SCHOOL_WEEK

    def is_school_day(self, day: date) -> bool:
        if day.weekday() not in self.week or day in self.holidays:
            return False
        return not self.terms or any(start <= day <= end for start, end in self.terms)

    def last_school_day(self, before: date) -> date:
        """The latest school day before `before` (bounded: a year back at most, then the
        previous weekday)."""
        day = before - timedelta(days=1)
        for _ in range(366):
            if self.is_school_day(day):
                return day
            day -= timedelta(days=1)
        day = before - timedelta(days=1)
        while day.weekday() not in SCHOOL_WEEK:
            day -= timedelta(days=1)
        return day


WEEKDAYS = Calendar()


def calendar_of(org: Org | None) -> Calendar:
    """The school's calendar: its terms' dates (terms, semesters and school years of the org)
    and its holidays. One query."""
    if org is None:
        return WEEKDAYS
    terms = tuple(
        AcademicSession.objects.filter(
            org=org,
            type__in=[SessionType.TERM, SessionType.SEMESTER, SessionType.SCHOOL_YEAR],
            status=Status.ACTIVE,
        ).values_list("start_date", "end_date")
    )
    return Calendar(terms=terms, holidays=frozenset(parse_holidays(org.holidays)))


def parse_holidays(values) -> list[date]:
    days = []
    for value in values or []:
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError:
            continue
    return days


def check_holidays(values) -> list[str]:
    """Holidays as stored: ISO dates, sorted, each once. Refuses anything else."""
    if not isinstance(values, list):
        raise ValidationError("holidays must be a list of ISO dates (YYYY-MM-DD).")
    days = set()
    for value in values:
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise ValidationError(f"holiday {value!r} is not an ISO date (YYYY-MM-DD).") from None
    return [d.isoformat() for d in sorted(days)]


def school_of(student: User) -> Org | None:
    """The student's school as the day bucketing picks it (primary org, else the org of their
    primary role, then of their first role). One query at most."""
    if student.primary_org_id:
        return Org.objects.filter(pk=student.primary_org_id).first()
    role = (
        UserRole.objects.filter(user_id=student.pk)
        .select_related("org")
        .order_by(models.Case(models.When(role_type="primary", then=0), default=1), "pk")
        .first()
    )
    return role.org if role else None


@dataclass(frozen=True)
class SchoolDays:
    """Whose days a page counts: the school's zone, today there, and its calendar."""

    zone: ZoneInfo
    today: date
    calendar: Calendar

    @property
    def zone_name(self) -> str:
        return self.zone.key


def school_days_of(org: Org | None, now: datetime | None = None) -> SchoolDays:
    zone = org_zone(org)
    return SchoolDays(zone=zone, today=today_in(zone, now), calendar=calendar_of(org))
