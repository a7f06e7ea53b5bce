"""The developer's "Does it work?" panel over the seeded demo (its MAP Growth results
imported through the importer, its outcomes computed by the pipeline), in a browser: the
words, the scatter drawn by Chart.js with its fitted line and band, and a screenshot into
docs/screenshots/."""

from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from outcomes import selectors
from rostering import demo as roster_demo
from rostering.models import PartnerApp

from .conftest import SCREENSHOTS, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_with_tests(settings, tmp_path):
    """The demo school with enough students for statistics to show (22: n ≥ 20 in both
    subjects after the two rapid guessers in Reading are left out)."""
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    import_module("rostering.migrations.0003_partner_sandbox_org").create_sandbox_org(apps, None)
    call_command("seed_demo", "--students", "22", "--days", "12", stdout=StringIO())


def test_the_developer_sees_whether_the_app_works(demo_with_tests, page_for):
    app = PartnerApp.objects.get(name=roster_demo.DEMO_APP_NAME)
    page = page_for()
    log_in(page, "developer1", roster_demo.DEVELOPER_PASSWORD)
    assert page.url.endswith(f"/developers/apps/{app.pk}/")

    panel = page.get_by_test_id("does-it-work")
    assert panel.get_by_role("heading", name="Does it work?").count() == 1
    shown = [
        r
        for r in selectors.stored_rows(apps=[app.pk])
        if r.usage == "activeMinutes" and not r.hidden
    ]
    assert {r.subject for r in shown} == {"Mathematics", "Reading"}
    words = panel.get_by_test_id("in-words").all_inner_texts()
    for row in shown:
        p = row.statistics["pearson"]
        expected = f"r = {p['r']:.2f} [{p['ciLow']:.2f}, {p['ciHigh']:.2f}], n = {row.n}"
        assert any(expected in text for text in words), (expected, words)
    assert panel.get_by_test_id("rank").first.inner_text().startswith("Rank 1 of 1 app")
    # Chart.js drew each scatter: the students, the fitted line and the band's two edges.
    datasets = page.evaluate(
        "Array.from(document.querySelectorAll('canvas[data-outcome-scatter]'))"
        ".map(c => window.Chart.getChart(c).data.datasets.map(d => d.data.length))"
    )
    assert datasets == [[25, 25, 25, 22], [25, 25, 25, 20]]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / "does-it-work.png"))
