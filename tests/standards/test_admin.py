"""The admin imports a CFPackage from a file or a URL through the import service, lists
every problem of a refused one, and shows frameworks read-only."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from standards.models import CFDocument, CFItem

from .conftest import DEMO_MATH
from .test_import import served  # noqa: F401 - the local HTTP server fixture

pytestmark = pytest.mark.django_db
IMPORT = "/admin/standards/cfdocument/import/"


def test_an_administrator_imports_a_package_file(admin_client):
    upload = SimpleUploadedFile(
        "demo.json", DEMO_MATH.read_bytes(), content_type="application/json"
    )

    response = admin_client.post(IMPORT, {"file": upload}, follow=True)

    assert response.status_code == 200
    assert (
        "Imported Synthetic Demo Math Framework: 9 items, 14 associations"
        in response.content.decode()
    )
    assert CFItem.objects.count() == 9


def test_an_administrator_imports_a_package_from_a_url(admin_client, served):  # noqa: F811
    response = admin_client.post(IMPORT, {"url": served + "/demo.json"}, follow=True)

    assert "Imported Synthetic Demo Math Framework" in response.content.decode()
    assert CFDocument.objects.get().source_url == served + "/demo.json"


def test_a_refused_package_lists_every_problem_and_imports_nothing(admin_client, demo_math):
    del demo_math["CFItems"][0]["identifier"]
    del demo_math["CFAssociations"][1]["identifier"]
    upload = SimpleUploadedFile(
        "bad.json", json.dumps(demo_math).encode(), content_type="application/json"
    )

    response = admin_client.post(IMPORT, {"file": upload})

    page = response.content.decode()
    assert response.status_code == 200
    assert "CFItems[0] has no identifier" in page
    assert "CFAssociations[1] has no identifier" in page
    assert not CFDocument.objects.exists()


def test_the_form_wants_a_file_or_a_url(admin_client):
    response = admin_client.post(IMPORT, {})

    assert "Give either a file or a URL." in response.content.decode()


def test_frameworks_are_browsable_but_not_edited_by_hand(admin_client):
    from standards.services import import_package_from

    import_package_from(str(DEMO_MATH))
    document = CFDocument.objects.get()
    item = CFItem.objects.first()

    listing = admin_client.get("/admin/standards/cfdocument/")
    assert "Import a CFPackage" in listing.content.decode()
    assert admin_client.get(f"/admin/standards/cfitem/{item.pk}/change/").status_code == 200
    assert (
        admin_client.post(
            f"/admin/standards/cfitem/{item.pk}/change/", {"full_statement": "x"}
        ).status_code
        == 403
    )
    assert admin_client.get("/admin/standards/cfdocument/add/").status_code == 403
    deleted = admin_client.post(
        f"/admin/standards/cfdocument/{document.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not CFItem.objects.exists()


def test_a_staff_member_without_the_permission_cannot_import(client, django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff-case", password="x", is_staff=True
    )
    client.force_login(staff)

    assert client.get(IMPORT).status_code == 403
