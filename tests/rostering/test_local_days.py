"""`rostering.zones.local_days`, the pipeline's day of every event of a batch in one
statement (docs/dashboards.md#days-are-the-schools-local-days): the same days, in the same
order, as each moment converted alone in its student's school zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rostering import zones
from tests.factories import SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db


def test_a_batch_of_moments_gets_each_students_local_day_in_order(settings):
    settings.SCHOOL_TIME_ZONE = "Europe/Paris"
    zones_of = {"Pacific/Auckland": None, "America/Los_Angeles": None}
    for name in zones_of:
        school = SchoolFactory(metadata={"timezone": name})
        zones_of[name] = StudentFactory(org=school, primary_org=school).pk
    # More than one chunk of moments, around midnight and across the daylight-saving changes.
    start = datetime(2026, 3, 7, 20, 0, tzinfo=UTC)
    moments = [start + timedelta(minutes=97 * n) for n in range(2 * zones.CHUNK + 1)]
    asked = []
    for n, at in enumerate(moments):
        name = list(zones_of)[n % 2]
        student = zones_of[name] if n % 3 else None  # no student: the settings' zone
        asked.append((student, at, name if student else "Europe/Paris"))

    days = zones.local_days([(student, at) for student, at, _ in asked])

    expected = [at.astimezone(ZoneInfo(name)).date() for _, at, name in asked]
    assert days == expected
    assert len(set(days)) > 100  # many days: a mix-up of order would show
    assert (
        zones.local_day(zones_of["Pacific/Auckland"], start)
        == start.astimezone(ZoneInfo("Pacific/Auckland")).date()
    )
