"""A logger session (docs/logger.md) and the same work sent as Caliper events end in the same
daily rollup: the dashboards cannot tell the two sources apart."""

import pytest
from django.utils import timezone

from analytics.models import DailyActivity
from rostering import services
from rostering.models import User

from .conftest import START, activity, time_spent

pytestmark = pytest.mark.django_db
FIELDS = ("xp", "active_seconds", "lessons_mastered")


def test_a_logger_session_counts_like_the_same_caliper_activity(catalogue, school, app_api, send):
    # stu-1 through Caliper: 10 active minutes, 2 of 2 right, first attempt.
    send(
        activity(student="stu-1", run="r1", totalQuestions=2, correctQuestions=2),
        time_spent(student="stu-1", run="r1", active=600),
    )
    # stu-2 through the logger: the same work on the same lesson.
    klass, _ = services.upsert_class(
        sourced_id="class-1", title="C", course=catalogue, school=school
    )
    services.upsert_enrollment(
        sourced_id="enr-2", user=User.objects.get(sourced_id="stu-2"), klass=klass, role="student"
    )
    started = app_api.post(
        "/api/logger/contentsession",
        {
            "user_id": "stu-2",
            "node_id": "lesson-1",
            "kind": "exercise",
            "mastery_model": {"type": "do_all", "n": 2},
        },
        format="json",
    ).json()
    right = {"correct": 1, "time_spent": 300, "answer": {}}
    app_api.put(
        f"/api/logger/contentsession/{started['session_id']}",
        {
            "time_spent_delta": 600,
            "interactions": [{"item": "q1", **right}, {"item": "q2", **right}],
        },
        format="json",
    )

    caliper = DailyActivity.objects.filter(student__sourced_id="stu-1", day=START.date())
    logger = DailyActivity.objects.filter(student__sourced_id="stu-2", day=timezone.now().date())
    assert list(logger.values(*FIELDS)) == list(caliper.values(*FIELDS))
    assert (logger.get().xp, logger.get().lessons_mastered) == (12.5, 1)
