"""A school where the Math App's course is a Math course taken by a class of students who
sat MAP Growth Mathematics in the fall and in the winter (tests/outcomes/results.py), and
whose usage between the tests (daily rollups) goes with their growth."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from analytics import rollups
from analytics.models import DailyActivity
from rostering.models import Course
from tests.factories import EnrollmentFactory, StudentFactory
from tests.outcomes.results import fall_and_winter

FALL = date(2026, 9, 14)
WINTER = date(2027, 1, 11)


def rollup(student, course, day, **figures):
    """One DailyActivity row, as analytics.rollups would leave it."""
    values = {**rollups.EMPTY, **figures}
    return DailyActivity.objects.create(student=student, course=course, day=day, **values)


@dataclass
class Cohort:
    students: list
    minutes: list[float]  # active minutes between the tests, per student
    cgi: list[float]


def cohort(world, n: int, *, seed: int = 0, rho: float = 0.6, prefix="kid") -> Cohort:
    """n more students in the Math App's class, each with usage on three days between the
    tests and fall/winter results whose CGI correlates with it."""
    Course.objects.filter(pk=world.math.course.pk).update(subjects=["Math"])
    rng = np.random.default_rng(seed)
    z_usage, z_growth = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n).T
    students, minutes, cgis = [], [], []
    for i in range(n):
        student = StudentFactory(sourced_id=f"{prefix}-{i}", org=world.school)
        EnrollmentFactory(user=student, klass=world.math.klass, role="student")
        total = max(30, round(600 + 200 * z_usage[i]))
        for k, share in enumerate((0.5, 0.3, 0.2)):
            rollup(
                student,
                world.math.course,
                FALL + timedelta(days=7 * (k + 1)),
                xp=Decimal(round(total * share)),
                active_seconds=round(total * share * 60),
            )
        cgi = round(float(z_growth[i]), 2)
        fall_and_winter(student, fall=FALL, winter=WINTER, cgi=cgi, start=200 + i % 7)
        students.append(student)
        minutes.append(sum(round(total * s * 60) for s in (0.5, 0.3, 0.2)) / 60)
        cgis.append(cgi)
    return Cohort(students, minutes, cgis)
