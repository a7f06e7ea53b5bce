"""The closed loop's pages: the developer's "Does it work?" panel, the administrators' apps
compared, and a student's tests and diagnosis for their guide."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from outcomes import selectors
from outcomes.services import recompute_outcomes as recompute
from tests.factories import ClassFactory, CourseFactory, EnrollmentFactory, PartnerAppFactory
from tests.outcomes.cohort import FALL, WINTER, cohort, rollup
from tests.outcomes.results import fall_and_winter

pytestmark = pytest.mark.django_db


def page(user, url) -> str:
    client = Client()
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


@pytest.fixture
def studied(world):
    c = cohort(world, 48, seed=3)
    recompute()
    return c


def test_the_developer_panel_says_r_and_its_interval_in_words_and_draws_the_scatter(world, studied):
    html = page(world.math.developer, f"/developers/apps/{world.math.app.pk}/")

    row = selectors.stored_rows(apps=[world.math.app.pk])[1]
    p = row.statistics["pearson"]
    words = f"r = {p['r']:.2f} [{p['ciLow']:.2f}, {p['ciHigh']:.2f}], n = 48"
    assert "Does it work?" in html
    assert re.search(
        r"(weak|moderate|strong|very strong), likely positive: " + re.escape(words), html
    )
    assert "exploratory" in html
    chart = json.loads(
        re.search(r'id="scatter-mathematics-falltowinter"[^>]*>(.*?)</script>', html, re.S).group(1)
    )
    assert len(chart["points"]) == 48
    assert len(chart["line"]) == len(chart["low"]) == len(chart["high"]) == selectors.BAND_POINTS
    assert all(
        lo["y"] <= mid["y"] <= hi["y"]
        for lo, mid, hi in zip(chart["low"], chart["line"], chart["high"], strict=True)
    )


def test_the_developer_panel_ranks_the_app_without_naming_the_others(world, studied):
    other = PartnerAppFactory(name="Rival Math")
    course = CourseFactory(
        sourced_id="rival", title="Rival", org=world.school, partner_app=other, subjects=["Math"]
    )
    klass = ClassFactory(
        sourced_id="rival-class",
        title="Rival class",
        course=course,
        school=world.school,
        terms=[world.term],
    )
    for i, student in enumerate(studied.students):
        EnrollmentFactory(user=student, klass=klass, role="student")
        rollup(
            student,
            course,
            FALL + timedelta(days=3),
            xp=Decimal(10),
            active_seconds=600 * (1 + i % 5),
        )
    recompute()
    slopes = {
        r.app_name: r.statistics["growthPerHour"]["slope"]
        for r in selectors.stored_rows()
        if r.usage == "activeMinutes"
    }
    expected = 1 if slopes["Math App"] >= slopes["Rival Math"] else 2

    html = page(world.math.developer, f"/developers/apps/{world.math.app.pk}/")

    assert f"Rank {expected} of 2 apps by growth per hour" in html
    assert "Rival" not in html


def test_the_developer_panel_hides_figures_below_20_students(world):
    cohort(world, 12)
    recompute()

    html = page(world.math.developer, f"/developers/apps/{world.math.app.pk}/")

    assert "12 students so far: too few to say" in html
    assert "likely" not in html


def test_school_administrators_compare_apps_by_growth_per_hour(world, studied):
    html = page(world.admin, "/outcomes/")

    row = selectors.stored_rows(apps=[world.math.app.pk])[1]
    per_hour = row.statistics["growthPerHour"]
    assert "Mathematics · FallToWinter" in html
    assert "Math App" in html
    assert f"[{per_hour['ciLow']:.3f}, {per_hour['ciHigh']:.3f}]" in html
    assert '"/outcomes/"' in html  # in the navigation


def test_only_administrators_open_the_comparison(world, studied):
    client = Client()
    client.force_login(world.rivera)
    assert client.get("/outcomes/").status_code == 404


def test_a_guide_sees_a_students_last_two_scores_growth_and_diagnosis(world, studied):
    student = studied.students[0]
    # Little time between the tests, and below the projection: a motivation problem.
    fall_and_winter(student, fall=FALL, winter=WINTER, cgi=-1.1, start=201, projected=7, observed=2)
    recompute()

    html = page(world.rivera, f"/classes/{world.math.klass.pk}/students/{student.pk}/")

    assert "Standardized tests" in html
    assert (
        "Last scores: 203 (Winter test, 11 Jan 2027); before that 201 (Fall test, 14 Sep 2026)"
        in html
    )
    assert (
        "FallToWinter: grew 2 points against 7 projected (conditional growth index -1.10)" in html
    )
    diagnosis = selectors.student_growth(student.pk)[0].diagnosis
    assert f'<span class="flag {diagnosis.code}">{diagnosis.label}</span>' in html
    assert diagnosis.code == "motivation"  # a few hundred minutes over 17 weeks
    assert "active minutes per school day over 85 school days." in html
