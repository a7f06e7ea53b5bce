"""The demo's standardized tests: written in the Combined Data File layout, imported through
the importer, and the outcomes computed by the pipeline from them — a real correlation,
checked here against scipy over what the database holds (docs/closed-loop.md#the-demo)."""

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from scipy import stats as scipy_stats

from analytics.models import DailyActivity
from gradebook.models import AssessmentResult
from outcomes import demo, nwea
from outcomes.models import Outcome
from rostering.models import Course


@pytest.fixture
def seeded(settings, tmp_path, django_capture_on_commit_callbacks, time_machine):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    time_machine.move_to("2026-11-20T18:00:00Z", tick=False)
    out = StringIO()
    # The test's transaction holds the pipeline's after-commit work until the block ends, so
    # the first run's tests were drawn before its history reached the rollups; the second
    # run (a rerun, as `make run` does) draws them from the rollups, like the real command.
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", "--students", "22", "--days", "10", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_imports_fall_and_winter_results_written_as_the_export(seeded, tmp_path):
    with (tmp_path / demo.FILE).open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert tuple(reader.fieldnames) == nwea.COMBINED_DATA_FILE_COLUMNS
    assert {r["TermName"] for r in rows} == {"Fall 2026-2027", "Winter 2026-2027"}
    assert len(rows) == 22 * 2 * 2
    assert AssessmentResult.objects.filter(sourced_id__startswith="stdtest_").count() == 88
    assert "(0 created, " in seeded.splitlines()[-1]  # a rerun updates in place
    assert "Test results: MAP Growth fall (2026-11-10) and winter (2026-11-20)" in seeded


@pytest.mark.django_db
def test_the_pipeline_computes_the_demos_correlation_from_what_is_stored(seeded):
    course = Course.objects.get(sourced_id="demo-math-g5")
    row = Outcome.objects.get(subject="Mathematics", usage="activeMinutes")
    minutes = dict(
        DailyActivity.objects.filter(course=course, day__lt="2026-11-20")
        .values_list("student__sourced_id")
        .annotate(s=Sum("active_seconds"))
    )
    cgi = {
        r.student.sourced_id: r.metadata["standardizedTest"]["growth"]["FallToWinter"]["cgi"]
        for r in AssessmentResult.objects.filter(
            sourced_id__startswith="stdtest_",
            line_item__metadata__standardizedTest__subject="Mathematics",
            line_item__metadata__standardizedTest__season="Winter",
        ).select_related("student")
    }
    students = sorted(cgi)
    expected = scipy_stats.pearsonr([minutes[s] / 60 for s in students], [cgi[s] for s in students])

    assert (row.n, row.hidden, row.exploratory) == (22, False, True)
    assert row.statistics["pearson"]["r"] == pytest.approx(expected.statistic)
    assert row.statistics["pearson"]["ciLow"] > 0  # the demo's growth goes with its usage
    reading = Outcome.objects.get(subject="Reading", usage="activeMinutes")
    assert (reading.n, reading.excluded_rapid_guessing) == (20, 2)
