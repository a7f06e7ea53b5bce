"""Course progress reads a stored per-(student, course) total of mastered units
(gradebook.MasteredUnitsTotal), kept by the database in the statement that changes the
mastery credits (migration gradebook.0008). After the pipeline, the services and direct
writes of every kind, the stored totals are the sums of the credits, row for row, and course
progress says what the credits say."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from gradebook import services
from gradebook.models import MasteredUnitsTotal, MasteryCredit
from gradebook.selectors import course_progress
from rostering.models import Course, User

from .conftest import START, activity

pytestmark = pytest.mark.django_db


def derived() -> dict:
    """Each pair's units summed from the credits (pairs summing to zero have no total)."""
    return {
        (s, c): units
        for s, c, units in MasteryCredit.objects.values_list("student_id", "course_id")
        .annotate(units=Sum("units"))
        .values_list("student_id", "course_id", "units")
        if units != 0
    }


def stored() -> dict:
    """Each pair's stored units, summed over its lanes."""
    return {
        (s, c): units
        for s, c, units in MasteredUnitsTotal.objects.values("student_id", "course_id")
        .annotate(units=Sum("units"))
        .values_list("student_id", "course_id", "units")
        if units != 0
    }


def assert_totals_match():
    assert stored() == derived()
    pairs = set(MasteryCredit.objects.values_list("student_id", "course_id"))
    for pair, progress in course_progress(pairs).items():
        assert progress.mastered_units == derived().get(pair, Decimal(0))


def test_the_stored_totals_are_the_sums_of_the_credits_whoever_writes_them(catalogue, send):
    stu1, stu2 = (User.objects.get(sourced_id=s) for s in ("stu-1", "stu-2"))
    course = Course.objects.get(sourced_id="course-1")
    other = Course.objects.create(sourced_id="course-x", title="Other", org=course.org)
    day = START.date()

    # The pipeline: a batch of activities of two students, one reporting again later.
    send(
        activity(lesson="lesson-1", masteredUnits=1, totalQuestions=10, correctQuestions=9),
        activity(lesson="lesson-2", masteredUnits=2.5),
        activity(student="stu-2", lesson="lesson-1", masteredUnits=0.5),
    )
    assert stored() == {
        (stu1.pk, course.pk): Decimal("3.50"),
        (stu2.pk, course.pk): Decimal("0.50"),
    }
    assert_totals_match()
    send(activity(lesson="lesson-2", masteredUnits=1))  # its own source: adds
    assert_totals_match()

    # The services: a new source, its later report replacing it (another course, another
    # student), and many sources at once, new and known (INSERT ... ON CONFLICT DO UPDATE).
    def report(key, units, student=stu1, to=course, **extra):
        return {"source_key": key, "units": units, "student_id": student.pk,
                "course_id": to.pk, "occurred_on": day, **extra}  # fmt: skip

    services.set_mastered_units(**report("r1", 2))
    services.set_mastered_units(**report("r1", 3, to=other))
    services.set_mastered_units(**report("r1", 3, student=stu2, to=other, questions=4))
    assert_totals_match()
    services.set_mastered_units_many(
        [report("r1", "1.25", student=stu2, to=other), report("r2", 4), report("r3", 0, stu2)]
    )
    assert_totals_match()

    # Direct writes: a bulk insert, an update of many, a delete, all of them gone.
    MasteryCredit.objects.bulk_create(
        [MasteryCredit(**report(f"b{n}", n, student=(stu1, stu2)[n % 2])) for n in range(6)]
    )
    MasteryCredit.objects.filter(source_key__startswith="b").update(units=Decimal("0.75"))
    assert_totals_match()
    MasteryCredit.objects.filter(student=stu2, course=course).delete()
    assert_totals_match()
    assert stored()[(stu1.pk, course.pk)] == derived()[(stu1.pk, course.pk)] > 0
    with connection.cursor() as cursor:  # as the benchmarks empty the history
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's deferred checks first
        cursor.execute("TRUNCATE gradebook_masterycredit")
    assert not MasteredUnitsTotal.objects.exists()
    assert course_progress({(stu1.pk, course.pk)})[(stu1.pk, course.pk)].mastered_units == 0


def test_a_pair_whose_credits_cancel_out_shows_no_units(catalogue):
    stu1 = User.objects.get(sourced_id="stu-1")
    course = Course.objects.get(sourced_id="course-1")
    pair = (stu1.pk, course.pk)
    services.set_mastered_units(
        source_key="s", units=2, student_id=stu1.pk, course_id=course.pk, occurred_on=START.date()
    )
    MasteryCredit.objects.filter(source_key="s").update(units=0)
    progress = course_progress({pair})[pair]
    assert progress.mastered_units == 0 and progress.pct_complete == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as its neighbours
def test_two_connections_crediting_the_same_pair_at_once_do_not_wait_for_each_other(catalogue):
    """Each connection adds to its own lane of a pair: a second writer of the same student
    and course goes on while the first holds its transaction open (unless both backends
    fall in the same lane), and the pair's total is both credits."""
    import threading

    from django.db import connections, transaction

    stu1 = User.objects.get(sourced_id="stu-1")
    course = Course.objects.get(sourced_id="course-1")

    def credit(key, units):
        services.set_mastered_units(
            source_key=key, units=units, student_id=stu1.pk, course_id=course.pk,
            occurred_on=START.date(),
        )  # fmt: skip

    def pid():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    first_in, second_done, lanes = threading.Event(), threading.Event(), []

    def first():
        with transaction.atomic():
            credit("one", 1)
            lanes.append(pid() % 16)
            first_in.set()
            second_done.wait(timeout=10)  # holds its transaction open meanwhile
        connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(timeout=10)
    same_lane = pid() % 16 == lanes[0]  # 1 in 16: both backends fall in one lane
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")  # a wait would raise
        if not same_lane:
            credit("two", 2)
    second_done.set()
    thread.join()
    if same_lane:
        credit("two", 2)  # after the first's commit
    assert stored() == {(stu1.pk, course.pk): Decimal("3.00")} == derived()
