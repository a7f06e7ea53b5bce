from datetime import date

import pytest

from analytics.models import DailyActivity
from gradebook.models import MasteryCredit
from gradebook.signals import notify_learning_changed
from rostering.models import Course, PartnerApp, User

pytestmark = pytest.mark.django_db


def test_learning_changed_outside_the_pipeline_rebuilds_that_days_rollup():
    app = PartnerApp.objects.create(name="App")
    course = Course.objects.create(sourced_id="c1", title="C", partner_app=app)
    student = User.objects.create(username="s1", sourced_id="s1")
    day = date(2026, 11, 2)
    MasteryCredit.objects.create(
        source_key="result:r1", student=student, course=course, units=2, occurred_on=day
    )

    notify_learning_changed({(student.pk, course.pk, day)})

    row = DailyActivity.objects.get(student=student, course=course, day=day)
    assert row.mastered_units == 2
