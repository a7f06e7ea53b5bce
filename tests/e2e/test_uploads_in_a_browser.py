"""An administrator uploads a roster zip and test results in the admin, watches the progress
bar and reads every row that could not be imported, with file, line and reason. Screenshots go
to docs/screenshots/ (admin-upload-*.png)."""

import zipfile
from pathlib import Path

import pytest

from core import uploads
from core.models import Upload
from gradebook.models import AssessmentResult
from rostering.models import User
from tests.outcomes.conftest import SAMPLE, make_map_students
from tests.world import build_world

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLES = Path(__file__).resolve().parents[1] / "rostering" / "csv_bundles"
PASSWORD = "upload-admin-pass"


@pytest.fixture
def admin_page(page_for):
    User.objects.create_superuser(
        username="root", email="root@example.org", password=PASSWORD, sourced_id="root"
    )
    page = page_for()
    page.goto("/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state("networkidle")
    return page


def zipped(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, arcname=file.name)
    return target


def send(page, kind: str, path: Path, **options):
    page.goto("/admin/core/upload/add/")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    for name, file in options.items():
        page.set_input_files(f"input[name={name}]", str(file))
    page.locator("#upload-form input[type=submit]").click()
    page.wait_for_selector("#upload-progress")


def test_an_administrator_uploads_a_roster_zip_and_then_a_bad_one(admin_page, tmp_path):
    page = admin_page

    send(page, "oneroster", zipped(BUNDLES / "good", tmp_path / "maple.zip"))

    assert page.locator("#upload-progress").inner_text().startswith("Finished.")
    assert page.locator("#upload-bar").get_attribute("value") == "100"
    assert "users.csv: 6 created" in page.locator("#upload-summary").inner_text()
    assert User.objects.filter(sourced_id="stu-ana").exists()
    screenshot(page, "admin-upload-roster")

    send(page, "oneroster", zipped(BUNDLES / "bad", tmp_path / "bad.zip"))

    assert page.locator("#upload-progress").inner_text().startswith("Not imported.")
    rows = page.locator("#upload-errors tbody tr")
    assert rows.count() == Upload.objects.get(file_name="bad.zip").error_count > 3
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert any(c[:3] == ["users.csv", "3", "enabledUser"] for c in cells)
    assert not User.objects.filter(sourced_id="u1").exists()
    screenshot(page, "admin-upload-roster-errors")


def test_an_administrator_uploads_map_growth_results_and_sees_the_rows_left_out(
    admin_page, tmp_path
):
    students = make_map_students(build_world())
    students["SYN0005"].delete()
    page = admin_page

    send(page, "map-growth", SAMPLE)

    assert page.locator("#upload-progress").inner_text().startswith("Finished.")
    assert page.locator("#upload-summary").inner_text().startswith("14 test results imported")
    rows = page.locator("#upload-errors tbody tr")
    assert [rows.nth(i).locator("td").all_inner_texts() for i in range(2)] == [
        [SAMPLE.name, str(line), "", "no student with sourcedId or identifier or email 'SYN0005'"]
        for line in (10, 11)
    ]
    assert AssessmentResult.objects.count() == 14
    screenshot(page, "admin-upload-test-results")


def test_the_progress_bar_follows_a_running_import_until_it_finishes(admin_page):
    running = Upload.objects.create(
        kind="oneroster", file_name="big.zip", content=b"", state="running"
    )
    uploads.report_progress(running.pk, 40, 160, "writing users.csv")
    page = admin_page

    page.goto(f"/admin/core/upload/{running.pk}/change/")

    assert page.locator("#upload-bar").get_attribute("value") == "25"
    assert "writing users.csv" in page.locator("#upload-progress").inner_text()
    uploads.report_progress(running.pk, 120, 160, "writing enrollments.csv")
    page.wait_for_function(
        "document.querySelector('#upload-bar').getAttribute('value') === '75'", timeout=5000
    )
    Upload.objects.filter(pk=running.pk).update(state="done", summary="users.csv: 160 created")
    page.wait_for_selector("#upload-summary", timeout=5000)
    assert page.locator("#upload-bar").get_attribute("value") == "100"
