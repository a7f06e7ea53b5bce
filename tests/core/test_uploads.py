"""One upload mechanism in the admin (core/uploads.py): a OneRoster CSV bundle or a test
results export is stored, imported by a task (in the request without a broker), and its page
shows the progress and every row it could not import with file, line and reason."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import uploads
from core.admin import UploadForm
from core.models import Upload
from gradebook.models import AssessmentResult
from outcomes.imports import MATCHES
from rostering.models import User
from tests.outcomes.conftest import SAMPLE, make_map_students

BUNDLES = Path(__file__).resolve().parent.parent / "rostering" / "csv_bundles"
ADD = "admin:core_upload_add"


def zipped(folder: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, arcname=file.name)
    return out.getvalue()


def upload(client, captured, kind, name, content, **fields):
    with captured(execute=True):
        response = client.post(
            reverse(ADD),
            {"kind": kind, "file": SimpleUploadedFile(name, content), "match": "auto", **fields},
        )
    return response


@pytest.fixture
def map_students(world):
    return make_map_students(world)


@pytest.fixture
def captured(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_a_roster_zip_is_imported_and_its_page_says_what_was_written(admin_client, captured):
    response = upload(admin_client, captured, "oneroster", "maple.zip", zipped(BUNDLES / "good"))

    done = Upload.objects.get()
    assert response.url == reverse("admin:core_upload_change", args=[done.pk])
    assert done.state == "done"
    assert User.objects.filter(sourced_id="stu-ana").exists()
    page = admin_client.get(response.url).content.decode()
    assert "Finished." in page
    assert 'value="100"' in page
    assert "users.csv: " in page and "created" in page
    assert "hx-trigger" not in page  # finished: the page stops polling


def test_a_bad_roster_zip_writes_nothing_and_lists_file_line_field_and_reason(
    admin_client, captured
):
    response = upload(admin_client, captured, "oneroster", "bad.zip", zipped(BUNDLES / "bad"))

    failed = Upload.objects.get()
    assert failed.state == "failed"
    assert failed.error_count == len(failed.errors) > 3
    assert {"file": "users.csv", "line": 3, "field": "enabledUser"}.items() <= next(
        e for e in failed.errors if e["file"] == "users.csv" and e["line"] == 3
    ).items()
    assert not User.objects.filter(sourced_id="u1").exists()
    page = admin_client.get(response.url).content.decode()
    assert "Not imported." in page
    assert "<td>users.csv</td><td>3</td><td>enabledUser</td>" in page


def test_test_results_are_imported_and_the_rows_left_out_are_listed(
    admin_client, captured, map_students
):
    map_students["SYN0002"].delete()

    response = upload(admin_client, captured, "map-growth", "fall.csv", SAMPLE.read_bytes())

    done = Upload.objects.get()
    assert done.state == "done"
    assert done.summary.startswith("14 test results imported")
    assert AssessmentResult.objects.count() == 14
    page = admin_client.get(response.url).content.decode()
    assert "Rows not imported (2)" in page
    assert (
        "<td>fall.csv</td><td>4</td><td></td><td>no student with sourcedId or identifier or email &#x27;SYN0002&#x27;</td>"
        in page
    )


def test_a_state_upload_reads_its_mapping_and_without_one_is_refused(
    admin_client, captured, map_students
):
    csv_text = b"ID,Date,Score\nSYN0001,2026-04-14,1612\n"
    mapping = b'[columns]\nstudent = "ID"\ndate = "Date"\nscaleScore = "Score"\n[values]\nsubject = "Reading"\n'

    refused = upload(admin_client, captured, "state", "st.csv", csv_text)
    accepted = upload(
        admin_client,
        captured,
        "state",
        "st.csv",
        csv_text,
        mapping=SimpleUploadedFile("m.toml", mapping),
        strict="on",
    )

    assert refused.status_code == 200
    assert "State test results need their column mapping." in refused.content.decode()
    assert Upload.objects.get().state == "done"
    assert accepted.status_code == 302
    assert AssessmentResult.objects.get().score == 1612


def test_the_progress_fragment_polls_while_the_import_runs(admin_client):
    running = Upload.objects.create(
        kind="oneroster", file_name="big.zip", content=b"", state="running"
    )
    uploads.report_progress(running.pk, 30, 120, "writing users.csv")

    fragment = admin_client.get(reverse("admin:core_upload_progress", args=[running.pk]))

    html = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert 'value="25"' in html
    assert "Importing: writing users.csv" in html
    cache.clear()


def test_running_an_upload_twice_imports_it_once(db, map_students):
    stored = uploads.create_upload(
        kind="map-growth", file_name="f.csv", content=SAMPLE.read_bytes(), options={}, user=None
    )

    uploads.run(stored.pk)
    finished_at = Upload.objects.get().finished_at
    uploads.run(stored.pk)

    assert Upload.objects.get().finished_at == finished_at
    assert AssessmentResult.objects.count() == 16


def test_uploads_need_an_administrator(client, django_user_model):
    staff = django_user_model.objects.create(username="staff", sourced_id="staff", is_staff=True)
    client.force_login(staff)

    assert client.get(reverse(ADD)).status_code == 403
    client.logout()
    assert client.get(reverse(ADD)).status_code == 302  # to the admin login


def test_the_upload_form_offers_the_importers_match_choices():
    assert [value for value, _ in UploadForm.MATCHES] == list(MATCHES)


def test_an_uploaded_file_keeps_its_own_name_only():
    assert uploads.safe_name("C:\\Users\\dana\\roster.zip") == "roster.zip"
    assert uploads.safe_name("../../etc/passwd") == "passwd"


def test_a_roster_import_reports_its_progress_as_it_writes(db, tmp_path):
    from rostering.uploads import import_bundle

    path = tmp_path / "maple.zip"
    path.write_bytes(zipped(BUNDLES / "good"))
    reports = []

    outcome = import_bundle(
        path, {}, lambda done, total, phase: reports.append((done, total, phase))
    )

    assert outcome.ok
    assert reports[0] == (0, 0, "checking every file")
    written = reports[1:]
    assert [phase for _, _, phase in written][:2] == [
        "writing orgs.csv",
        "writing academicSessions.csv",
    ]
    dones = [done for done, _, _ in written]
    assert dones == sorted(dones) and dones[-1] < written[-1][1]  # it never claims 100 % early
