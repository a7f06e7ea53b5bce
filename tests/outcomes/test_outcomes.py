"""Usage between two tests, growth, and the stored outcomes per app × subject × term pair
(docs/closed-loop.md)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from scipy import stats as scipy_stats

from analytics.models import DailyActivity
from outcomes import selectors
from outcomes.models import GrowthObservation, Outcome, StaleOutcomes
from outcomes.services import recompute_outcomes as recompute
from rostering.models import Course
from tests.factories import EnrollmentFactory
from tests.outcomes.cohort import FALL, WINTER, cohort, rollup
from tests.outcomes.results import fall_and_winter, take_test

pytestmark = pytest.mark.django_db


def observation(student, app):
    return GrowthObservation.objects.get(student=student, app=app)


def test_usage_is_summed_from_the_rollups_between_the_two_tests_only(world):
    Course.objects.filter(pk=world.math.course.pk).update(subjects=["Math"])
    ada, course = world.ada, world.math.course
    rollup(ada, course, FALL - timedelta(days=1), xp=Decimal(1000), active_seconds=99999)
    rollup(
        ada, course, FALL, xp=Decimal(10), active_seconds=600, items_answered=10, items_correct=8
    )
    rollup(
        ada,
        course,
        FALL + timedelta(days=20),
        xp=Decimal(5),
        active_seconds=300,
        wasted_seconds=100,
        lessons_mastered=2,
        mastered_units=Decimal(1),
    )
    rollup(ada, course, WINTER, xp=Decimal(1000), active_seconds=99999)  # the later test's day
    fall_and_winter(ada, fall=FALL, winter=WINTER, cgi=0.4)

    recompute()

    o = observation(ada, world.math.app)
    assert (o.xp, o.active_seconds, o.wasted_seconds) == (Decimal(15), 900, 100)
    assert (o.items_answered, o.items_correct, o.lessons_mastered) == (10, 8, 2)
    assert o.mastered_units == 1
    assert (o.start_date, o.end_date, o.subject, o.term_pair) == (
        FALL,
        WINTER,
        "Mathematics",
        "FallToWinter",
    )


def test_only_courses_of_the_tested_subject_count(world):
    Course.objects.filter(pk=world.math.course.pk).update(subjects=["Math"])
    Course.objects.filter(pk=world.science.course.pk).update(subjects=["Science"])
    EnrollmentFactory(user=world.ada, klass=world.science.klass, role="student")
    rollup(world.ada, world.math.course, FALL, xp=Decimal(7), active_seconds=60)
    rollup(world.ada, world.science.course, FALL, xp=Decimal(500), active_seconds=6000)
    fall_and_winter(world.ada, fall=FALL, winter=WINTER, cgi=0.4)

    recompute()

    assert list(GrowthObservation.objects.values_list("app__name", "xp")) == [
        ("Math App", Decimal(7))
    ]


def test_a_course_subject_of_another_name_matches_through_the_settings(world, settings):
    Course.objects.filter(pk=world.math.course.pk).update(subjects=["Numeracy"])
    rollup(world.ada, world.math.course, FALL, xp=Decimal(7), active_seconds=60)
    fall_and_winter(world.ada, fall=FALL, winter=WINTER, cgi=0.4)
    recompute()
    assert not GrowthObservation.objects.exists()

    settings.STANDARDIZED_SUBJECTS = {"Mathematics": ["Numeracy"]}
    recompute()

    assert observation(world.ada, world.math.app).xp == 7


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Mathematics", "Mathematics"),
        ("math", "Mathematics"),
        ("ELA", "Reading"),
        ("Language Usage", "Language Usage"),
        ("Mathematics 6+", "Mathematics"),
        ("Science", "Science"),
        ("Art", None),
    ],
)
def test_subjects_are_normalised(name, normalised):
    assert selectors.normalise_subject(name) == normalised


def test_a_pair_needs_the_earlier_test_of_its_first_season(world):
    Course.objects.filter(pk=world.math.course.pk).update(subjects=["Math"])
    rollup(world.ada, world.math.course, FALL, xp=Decimal(7), active_seconds=60)
    take_test(
        world.ada,
        season="Winter",
        day=WINTER,
        rit=210,
        growth={"FallToWinter": {"projected": 6, "observed": 8, "cgi": 0.3}},
    )

    recompute()

    assert not GrowthObservation.objects.exists()


def test_the_statistics_of_a_cohort_match_scipy_on_the_same_figures(world):
    c = cohort(world, 40)

    recompute()

    row = Outcome.objects.get(app=world.math.app, usage="activeMinutes")
    expected = scipy_stats.pearsonr(c.minutes, c.cgi)
    assert (row.n, row.hidden, row.exploratory, row.outcome) == (40, False, True, "cgi")
    assert row.statistics["pearson"]["r"] == pytest.approx(expected.statistic)
    assert row.p == pytest.approx(expected.pvalue)
    assert row.statistics["pearson"]["ciLow"] == pytest.approx(expected.confidence_interval().low)
    slope = scipy_stats.linregress([m / 60 for m in c.minutes], c.cgi).slope
    assert row.statistics["growthPerHour"]["slope"] == pytest.approx(slope)
    assert Outcome.objects.get(app=world.math.app, usage="xp").n == 40


def test_fewer_than_20_students_hide_the_statistics(world):
    cohort(world, 19)

    recompute()

    rows = Outcome.objects.filter(app=world.math.app)
    assert [(r.n, r.hidden, r.statistics, r.p) for r in rows] == [(19, True, {}, None)] * 2


def test_rapid_guessing_on_either_test_leaves_the_pair_out_and_is_counted(world, settings):
    c = cohort(world, 22)
    settings.OUTCOMES_RAPID_GUESSING_PERCENT = 30
    fall_and_winter(c.students[0], fall=FALL, winter=WINTER, cgi=0.1, rapid_fall=31)
    fall_and_winter(c.students[1], fall=FALL, winter=WINTER, cgi=0.1, rapid_winter=45)
    fall_and_winter(c.students[2], fall=FALL, winter=WINTER, cgi=0.1, rapid_winter=30)  # not above

    recompute()

    row = Outcome.objects.get(app=world.math.app, usage="xp")
    assert (row.n, row.excluded_rapid_guessing, row.hidden) == (20, 2, False)


def test_students_without_usage_are_counted_apart(world):
    cohort(world, 21)
    fall_and_winter(world.ada, fall=FALL, winter=WINTER, cgi=1.5)  # enrolled, never worked

    recompute()

    row = Outcome.objects.get(app=world.math.app, usage="xp")
    assert (row.n, row.excluded_no_usage) == (21, 1)


def test_without_cgi_the_outcome_is_observed_minus_projected_never_the_gain(world):
    c = cohort(world, 20)
    fall_and_winter(c.students[0], fall=FALL, winter=WINTER, cgi=None, projected=7, observed=12)

    recompute()

    row = Outcome.objects.get(app=world.math.app, usage="activeMinutes")
    assert row.outcome == "observedMinusProjected"
    growth = [
        o.observed - o.projected for o in GrowthObservation.objects.order_by("student__sourced_id")
    ]
    minutes = [
        o.active_seconds / 60 for o in GrowthObservation.objects.order_by("student__sourced_id")
    ]
    assert row.statistics["pearson"]["r"] == pytest.approx(
        scipy_stats.pearsonr(minutes, growth).statistic
    )


def test_recomputing_twice_writes_the_same_rows(world):
    cohort(world, 20)
    recompute()
    first = list(Outcome.objects.values_list("app", "usage", "n", "p", "statistics"))

    recompute()

    assert list(Outcome.objects.values_list("app", "usage", "n", "p", "statistics")) == first


def test_an_import_recomputes_the_outcomes_after_its_commit(
    world, django_capture_on_commit_callbacks
):
    from gradebook.signals import notify_test_results_imported

    cohort(world, 20)
    with django_capture_on_commit_callbacks(execute=True):
        result = fall_and_winter(world.ada, fall=FALL, winter=WINTER, cgi=0.2)
        notify_test_results_imported(
            student_ids=[world.ada.pk],
            subjects=["Mathematics"],
            line_item_ids=[result.line_item.sourced_id],
        )

    assert Outcome.objects.filter(app=world.math.app).count() == 2


def test_usage_changed_inside_a_window_marks_the_app_stale_and_the_sweep_recomputes(world):
    from events import sweep
    from gradebook.signals import notify_learning_changed

    c = cohort(world, 20)
    recompute()
    student = c.students[0]
    notify_learning_changed({(student.pk, world.math.course.pk, WINTER + timedelta(days=30))})
    assert not StaleOutcomes.objects.exists()  # outside every window

    later = FALL + timedelta(days=40)
    notify_learning_changed({(student.pk, world.math.course.pk, later)})
    # (analytics recomputed that day's rollup from its sources; these tests have none, so
    # the day's figures are set as the recompute would have found them)
    DailyActivity.objects.filter(student=student, day=later).update(active_seconds=54000)
    assert list(StaleOutcomes.objects.values_list("app", flat=True)) == [world.math.app.pk]

    counts = sweep.run(min_age=timedelta(0))

    assert counts["stale_outcomes"] == 1
    assert not StaleOutcomes.objects.exists()
    assert observation(student, world.math.app).active_seconds > 54000
