"""Each dashboard page costs the same number of SQL queries whatever the number of students,
days and events: measured at two sizes of the same school, the counts are equal."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import build_school


def pages(school):
    student = school.students[-1]
    return {
        "student": (student, "/me/"),
        "guardian's child": (school.guardian, f"/students/{school.students[0].pk}/"),
        "class": (school.guide, f"/classes/{school.klass.pk}/"),
        "class sorted": (school.guide, f"/classes/{school.klass.pk}/?sort=flag&dir=desc"),
        "class csv": (school.guide, f"/classes/{school.klass.pk}/students.csv"),
        "drill-down": (school.guide, f"/classes/{school.klass.pk}/students/{student.pk}/"),
        "developer": (school.developer, f"/developers/apps/{school.app.pk}/"),
        "classes": (school.admin, "/classes/"),
    }


def count_queries(client, school) -> dict[str, int]:
    counts = {}
    for name, (user, url) in pages(school).items():
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_every_page_costs_a_constant_number_of_queries(client, frozen_today):
    small = count_queries(client, build_school(students=2, days=3, lessons=2, prefix="small-"))
    big = count_queries(client, build_school(students=25, days=40, lessons=8, prefix="big-"))
    assert big == small
    # 20 before the closed loop: its sections cost one query each when there is nothing to
    # show (the student's standardized tests on the drill-down, the app's outcomes on the
    # developer page; docs/closed-loop.md#pages).
    assert max(small.values()) <= 21, small
