"""Bulk files are complete (OneRoster 1.2 CSV, manifest `bulk`): what is stored but missing
from one is withdrawn (`tobedeleted`), within the bundle's own orgs and nothing beyond;
`delta` files only change what they list (docs/operations.md#bulk-files)."""

import shutil
from pathlib import Path

import pytest

from rostering import services
from rostering.csv_import import import_bundle
from rostering.models import (
    SANDBOX_ORG_SOURCED_ID,
    Class,
    Course,
    Demographics,
    Enrollment,
    Org,
    Status,
    User,
)
from rostering.services import RoleAssignment
from tests.factories import PartnerAppFactory

GOOD = Path(__file__).resolve().parent / "csv_bundles" / "good"

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(tmp_path):
    """The good bundle, imported once; the copy is then changed by each test."""
    copy = Path(shutil.copytree(GOOD, tmp_path / "bundle"))
    import_bundle(copy)
    return copy


def drop_rows(path: Path, *sourced_ids: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    kept = [lines[0]] + [ln for ln in lines[1:] if ln.split(",")[0] not in sourced_ids]
    assert len(kept) == len(lines) - len(sourced_ids)
    path.write_text("".join(kept), encoding="utf-8")


def set_mode(bundle: Path, stem: str, mode: str) -> None:
    manifest = bundle / "manifest.csv"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(f"file.{stem},bulk", f"file.{stem},{mode}"), encoding="utf-8")


def status(model, sourced_id):
    return model._base_manager.get(sourced_id=sourced_id).status


def test_a_student_missing_from_a_bulk_users_file_is_withdrawn(bundle):
    drop_rows(bundle / "users.csv", "stu-cai")

    result = import_bundle(bundle)

    assert status(User, "stu-cai") == Status.TOBEDELETED
    assert status(User, "stu-ana") == Status.ACTIVE
    assert result.counts["users.csv"].withdrawn == 1
    assert str(result.counts["users.csv"]).endswith(", 1 withdrawn")


def test_enrollments_classes_courses_and_schools_missing_from_bulk_files_are_withdrawn(bundle):
    services.upsert_org(
        sourced_id="org-annex",
        name="Maple Annex",
        type="school",
        parent=Org.objects.get(sourced_id="org-district"),
    )
    drop_rows(bundle / "enrollments.csv", "enr-cai-read")

    result = import_bundle(bundle)

    assert status(Enrollment, "enr-cai-read") == Status.TOBEDELETED
    assert status(Org, "org-annex") == Status.TOBEDELETED  # under the bundle's district
    assert status(Enrollment, "enr-ana-read") == Status.ACTIVE
    assert (result.counts["enrollments.csv"].withdrawn, result.counts["orgs.csv"].withdrawn) == (
        1,
        1,
    )
    assert result.counts["classes.csv"].withdrawn == 0


def test_a_delta_file_withdraws_nothing(bundle):
    drop_rows(bundle / "users.csv", "stu-cai")
    set_mode(bundle, "users", "delta")

    result = import_bundle(bundle)

    assert status(User, "stu-cai") == Status.ACTIVE
    assert result.counts["users.csv"].withdrawn == 0


def test_a_withdrawn_object_listed_again_comes_back(bundle):
    drop_rows(bundle / "users.csv", "stu-cai")
    import_bundle(bundle)
    shutil.copy(GOOD / "users.csv", bundle / "users.csv")

    import_bundle(bundle)

    assert status(User, "stu-cai") == Status.ACTIVE


def test_nothing_outside_the_bundles_orgs_is_withdrawn(bundle):
    school = Org.objects.get(sourced_id="org-school")
    other, _ = services.upsert_org(sourced_id="org-elsewhere", name="Oak School", type="school")
    services.upsert_user(
        sourced_id="stu-oak", username="stu-oak", roles=[RoleAssignment(org=other, role="student")]
    )
    services.upsert_user(  # a student in both districts: the other one still has them
        sourced_id="stu-both",
        username="stu-both",
        roles=[
            RoleAssignment(org=school, role="student"),
            RoleAssignment(org=other, role="student", role_type="secondary"),
        ],
    )
    services.upsert_user(sourced_id="dev-1", username="dev-1")  # no role: a developer
    staff, _ = services.upsert_user(
        sourced_id="it-1", username="it-1", roles=[RoleAssignment(org=school, role="administrator")]
    )
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    app = PartnerAppFactory(name="Reading App")
    services.upsert_course(sourced_id="course-app", title="App course", org=school, partner_app=app)
    oak_course, _ = services.upsert_course(sourced_id="course-oak", title="Oak", org=other)
    services.upsert_class(sourced_id="class-oak", title="Oak 4", course=oak_course, school=other)

    result = import_bundle(bundle)

    for model, sourced_id in [
        (User, "stu-oak"),
        (User, "stu-both"),
        (User, "dev-1"),
        (User, "it-1"),
        (Course, "course-app"),
        (Course, "course-oak"),
        (Class, "class-oak"),
        (Org, "org-elsewhere"),
        (Org, SANDBOX_ORG_SOURCED_ID),
    ]:
        assert status(model, sourced_id) == Status.ACTIVE, sourced_id
    assert sum(counts.withdrawn for counts in result.counts.values()) == 0


def test_demographics_of_a_user_missing_from_a_bulk_file_are_withdrawn(bundle):
    drop_rows(bundle / "demographics.csv", "stu-ben")

    import_bundle(bundle)

    assert status(Demographics, "stu-ben") == Status.TOBEDELETED
    assert status(Demographics, "stu-ana") == Status.ACTIVE
