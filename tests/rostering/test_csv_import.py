"""`import_oneroster_csv`: a OneRoster 1.2 CSV bundle, validated whole, written all or nothing."""

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from rostering import csv_import
from rostering.csv_import import BundleInvalid, Problems, Table
from rostering.models import (
    AcademicSession,
    Class,
    Course,
    Demographics,
    Enrollment,
    Org,
    Status,
    User,
    UserRole,
)

BUNDLES = Path(__file__).parent / "csv_bundles"
GOOD = BUNDLES / "good"
BAD = BUNDLES / "bad"
ROSTER_MODELS = (Org, AcademicSession, Course, Class, User, Enrollment, Demographics)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def good_copy(tmp_path):
    """A writable copy of the good bundle, for tests that change a file."""
    return Path(shutil.copytree(GOOD, tmp_path / "bundle"))


def run_import(path) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_oneroster_csv", str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def import_error(path) -> str:
    with pytest.raises(CommandError) as raised:
        run_import(path)
    return str(raised.value)


def modification_times() -> dict:
    return {
        (model.__name__, sourced_id): modified
        for model in ROSTER_MODELS
        for sourced_id, modified in model.objects.values_list("sourced_id", "date_last_modified")
    }


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def zip_folder(folder: Path, target: Path, *, inside: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, arcname=f"{inside}{file.name}")
    return target


# --- a good bundle ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_good_bundle_imports_every_object():
    run_import(GOOD)

    assert set(Org.objects.values_list("sourced_id", flat=True)) >= {"org-district", "org-school"}
    assert AcademicSession.objects.count() == 3
    assert Course.objects.count() == 2
    assert Class.objects.count() == 2
    assert User.objects.count() == 6
    assert UserRole.objects.count() == 7
    assert Enrollment.objects.count() == 6
    assert Demographics.objects.count() == 2


@pytest.mark.django_db
def test_orgs_and_sessions_hang_under_their_parents_whatever_the_row_order():
    run_import(GOOD)

    school = Org.objects.get(sourced_id="org-school")
    assert (school.name, school.type, school.identifier) == ("Maple Elementary", "school", "MES")
    assert school.parent.sourced_id == "org-district"
    fall = AcademicSession.objects.get(sourced_id="term-fall")
    assert (fall.type, fall.start_date, fall.end_date, fall.school_year) == (
        "term",
        date(2026, 8, 24),
        date(2026, 12, 18),
        "2027",
    )
    assert fall.parent.sourced_id == "sy-2027"


@pytest.mark.django_db
def test_a_user_gets_their_roles_with_their_orgs():
    run_import(GOOD)

    teacher = User.objects.get(sourced_id="tch-dee")
    roles = {(r.role, r.role_type, r.org.sourced_id) for r in teacher.roles.all()}
    assert roles == {
        ("teacher", "primary", "org-school"),
        ("administrator", "secondary", "org-district"),
    }
    ana_role = User.objects.get(sourced_id="stu-ana").roles.get()
    assert (ana_role.role, ana_role.begin_date) == ("student", date(2026, 8, 24))


# OneRoster 1.1's users.csv: a `role` column and `orgSourcedIds`, no roles.csv.
OLD_STYLE_USERS = """\
sourcedId,status,dateLastModified,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
stu-ana,active,,org-school,student,ana.lopez,,Ana,Lopez,,S-1001,,,,,04,
tch-dee,active,,"org-school,org-district",Teacher,dee.park,,Dee,Park,,T-2001,,,,,,
grd-eve,active,,org-school,guardian,eve.lopez,,Eve,Lopez,,,,,,stu-ana,,
"""


@pytest.fixture
def old_style_bundle(tmp_path):
    folder = tmp_path / "old-style"
    folder.mkdir()
    for name in ("orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv"):
        shutil.copy(GOOD / name, folder / name)
    (folder / "users.csv").write_text(OLD_STYLE_USERS, encoding="utf-8")
    return folder


def roles_of(sourced_id):
    user = User.objects.get(sourced_id=sourced_id)
    return {(r.role, r.role_type, r.org.sourced_id) for r in user.roles.all()}


@pytest.mark.django_db
def test_an_old_style_users_file_gives_each_user_its_role_in_each_of_its_orgs(old_style_bundle):
    _, notes = run_import(old_style_bundle)

    assert roles_of("stu-ana") == {("student", "primary", "org-school")}
    assert roles_of("tch-dee") == {
        ("teacher", "primary", "org-school"),
        ("teacher", "secondary", "org-district"),
    }
    assert roles_of("grd-eve") == {("guardian", "primary", "org-school")}
    assert "'role' and 'orgSourcedIds' columns (OneRoster 1.1)" in notes


@pytest.mark.django_db
def test_importing_an_old_style_users_file_again_changes_no_role(old_style_bundle):
    run_import(old_style_bundle)
    before = set(UserRole.objects.values_list("pk", "user__sourced_id", "org__sourced_id", "role"))

    run_import(old_style_bundle)

    after = set(UserRole.objects.values_list("pk", "user__sourced_id", "org__sourced_id", "role"))
    assert after == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "org-school,student,ana.lopez",
            "org-school,,ana.lopez",
            "users.csv line 2, field role: a value is required",
        ),
        (
            ",,org-school,student,ana.lopez",
            ",,,student,ana.lopez",
            "users.csv line 2, field orgSourcedIds: a value is required",
        ),
        (
            "org-school,student,ana.lopez",
            "org-school,pupil,ana.lopez",
            "users.csv line 2, field role: 'pupil' is not one of",
        ),
        (
            "org-school,guardian",
            "org-nowhere,guardian",
            "users.csv line 4, field orgSourcedIds: unknown org 'org-nowhere'",
        ),
    ],
)
def test_an_old_style_user_without_a_usable_role_is_refused_with_its_line(
    old_style_bundle, old, new, expected
):
    replace_in(old_style_bundle / "users.csv", old, new)

    message = import_error(old_style_bundle)

    assert message.splitlines()[1].strip().startswith(expected)
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_role_column_beside_a_roles_file_is_refused(old_style_bundle):
    shutil.copy(GOOD / "roles.csv", old_style_bundle / "roles.csv")

    message = import_error(old_style_bundle)

    assert (
        "users.csv line 1, field role: the 'role' column (OneRoster 1.1) and roles.csv" in message
    )


@pytest.mark.django_db
def test_user_fields_come_from_their_columns():
    run_import(GOOD)

    ana = User.objects.get(sourced_id="stu-ana")
    assert (ana.username, ana.first_name, ana.middle_name, ana.last_name) == (
        "ana.lopez",
        "Ana",
        "Maria",
        "Lopez",
    )
    assert ana.user_ids == [
        {"type": "Fed", "identifier": "111"},
        {"type": "Local", "identifier": "A-1"},
    ]
    assert (ana.grades, ana.pronouns, ana.primary_org.sourced_id) == (
        ["04"],
        "she/her",
        "org-school",
    )
    assert User.objects.get(sourced_id="stu-ben").preferred_first_name == "Benny"
    assert User.objects.get(sourced_id="adm-fay").enabled_user is False


@pytest.mark.django_db
def test_a_class_gets_its_course_school_and_terms():
    run_import(GOOD)

    math = Class.objects.get(sourced_id="class-math")
    assert (math.title, math.class_code, math.class_type, math.location) == (
        "Math 4 - Room 12",
        "M4-12",
        "scheduled",
        "Room 12",
    )
    assert (math.course.sourced_id, math.school.sourced_id) == ("course-math", "org-school")
    assert set(math.terms.values_list("sourced_id", flat=True)) == {"term-fall", "term-spring"}
    assert math.periods == ["1", "2"]
    reading = Class.objects.get(sourced_id="class-read")
    assert (reading.class_type, reading.grades) == ("homeroom", ["04", "05"])
    assert list(reading.terms.values_list("sourced_id", flat=True)) == ["term-fall"]


@pytest.mark.django_db
def test_multi_valued_cells_become_lists():
    run_import(GOOD)

    reading = Course.objects.get(sourced_id="course-read")
    assert reading.grades == ["04", "05"]
    assert reading.subjects == ["Reading", "English Language Arts"]
    assert (reading.org.sourced_id, reading.school_year.sourced_id) == ("org-school", "sy-2027")


@pytest.mark.django_db
def test_an_enrollment_keeps_its_role_primary_flag_and_dates():
    run_import(GOOD)

    teaching = Enrollment.objects.get(sourced_id="enr-dee-math")
    assert (teaching.user.sourced_id, teaching.klass.sourced_id, teaching.school.sourced_id) == (
        "tch-dee",
        "class-math",
        "org-school",
    )
    assert (teaching.role, teaching.primary) == ("teacher", True)
    assert (teaching.begin_date, teaching.end_date) == (date(2026, 8, 24), date(2027, 5, 28))
    learning = Enrollment.objects.get(sourced_id="enr-ben-math")
    assert (learning.role, learning.primary, learning.begin_date) == ("student", False, None)


@pytest.mark.django_db
def test_a_guardian_and_their_children_are_linked_both_ways():
    run_import(GOOD)

    guardian = User.objects.get(sourced_id="grd-eve")
    assert set(guardian.agents.values_list("sourced_id", flat=True)) == {"stu-ana", "stu-ben"}
    # Ben's row lists no agent; Eve's row names him, so he is linked back.
    for student in ("stu-ana", "stu-ben"):
        agents = User.objects.get(sourced_id=student).agents.values_list("sourced_id", flat=True)
        assert list(agents) == ["grd-eve"]
    assert not User.objects.get(sourced_id="stu-cai").agents.exists()


@pytest.mark.django_db
def test_demographics_belong_to_the_user_with_the_same_sourced_id():
    run_import(GOOD)

    ana = Demographics.objects.get(sourced_id="stu-ana")
    assert ana.user.sourced_id == "stu-ana"
    assert (ana.birth_date, ana.sex, ana.hispanic_or_latino_ethnicity, ana.white) == (
        date(2017, 3, 14),
        "female",
        True,
        False,
    )
    assert (ana.country_of_birth_code, ana.state_of_birth_abbreviation, ana.city_of_birth) == (
        "US",
        "CA",
        "Fresno",
    )
    ben = Demographics.objects.get(sourced_id="stu-ben")
    assert (ben.asian, ben.white) == (True, None)  # an empty cell is "not given"


@pytest.mark.django_db
def test_a_password_is_stored_hashed_and_users_without_one_cannot_use_a_password():
    run_import(GOOD)

    teacher = User.objects.get(sourced_id="tch-dee")
    assert "correct horse" not in teacher.password
    assert teacher.check_password("correct horse battery staple")
    student = User.objects.get(sourced_id="stu-ana")
    assert not student.has_usable_password()


@pytest.mark.django_db
def test_a_user_without_a_username_gets_their_sourced_id():
    run_import(GOOD)

    assert User.objects.get(sourced_id="stu-cai").username == "stu-cai"


@pytest.mark.django_db
def test_metadata_columns_are_stored_in_metadata():
    run_import(GOOD)

    assert Org.objects.get(sourced_id="org-school").metadata == {"region": "north"}
    assert Org.objects.get(sourced_id="org-district").metadata == {}


@pytest.mark.django_db
def test_the_command_prints_what_it_did_per_file():
    stdout, _ = run_import(GOOD)

    assert stdout.splitlines() == [
        "orgs.csv: 2 created, 0 updated, 0 unchanged",
        "academicSessions.csv: 3 created, 0 updated, 0 unchanged",
        "courses.csv: 2 created, 0 updated, 0 unchanged",
        "classes.csv: 2 created, 0 updated, 0 unchanged",
        "users.csv: 6 created, 0 updated, 0 unchanged",
        "roles.csv: 7 created, 0 updated, 0 unchanged",
        "enrollments.csv: 6 created, 0 updated, 0 unchanged",
        "demographics.csv: 2 created, 0 updated, 0 unchanged",
    ]


# --- importing again ----------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_bundle_again_changes_nothing():
    run_import(GOOD)
    modified = modification_times()
    roles = list(UserRole.objects.values_list("pk", "user_id", "org_id", "role", "role_type"))
    password = User.objects.get(sourced_id="tch-dee").password

    stdout, _ = run_import(GOOD)

    assert modification_times() == modified
    assert (
        list(UserRole.objects.values_list("pk", "user_id", "org_id", "role", "role_type")) == roles
    )
    assert User.objects.get(sourced_id="tch-dee").password == password
    assert [line.split(": ")[1] for line in stdout.splitlines()] == [
        "0 created, 0 updated, 2 unchanged",
        "0 created, 0 updated, 3 unchanged",
        "0 created, 0 updated, 2 unchanged",
        "0 created, 0 updated, 2 unchanged",
        "0 created, 0 updated, 6 unchanged",
        "0 created, 0 updated, 7 unchanged",
        "0 created, 0 updated, 6 unchanged",
        "0 created, 0 updated, 2 unchanged",
    ]


@pytest.mark.django_db
def test_a_modified_row_updates_only_that_object(good_copy):
    run_import(good_copy)
    before = modification_times()
    replace_in(good_copy / "classes.csv", "Math 4 - Room 12", "Math 4 - Room 21")

    stdout, _ = run_import(good_copy)

    assert Class.objects.get(sourced_id="class-math").title == "Math 4 - Room 21"
    after = modification_times()
    assert {key for key in after if after[key] != before[key]} == {("Class", "class-math")}
    assert "classes.csv: 0 created, 1 updated, 1 unchanged" in stdout.splitlines()


@pytest.mark.django_db
def test_a_changed_term_list_updates_the_class(good_copy):
    run_import(good_copy)
    replace_in(good_copy / "classes.csv", '"term-fall,term-spring"', "term-spring")

    stdout, _ = run_import(good_copy)

    math = Class.objects.get(sourced_id="class-math")
    assert list(math.terms.values_list("sourced_id", flat=True)) == ["term-spring"]
    assert "classes.csv: 0 created, 1 updated, 1 unchanged" in stdout.splitlines()


@pytest.mark.django_db
def test_a_changed_role_row_updates_that_role_only(good_copy):
    run_import(good_copy)
    before = modification_times()
    replace_in(good_copy / "roles.csv", "tch-dee,secondary,administrator", "tch-dee,secondary,aide")

    stdout, _ = run_import(good_copy)

    roles = set(User.objects.get(sourced_id="tch-dee").roles.values_list("role", flat=True))
    assert roles == {"teacher", "aide"}
    assert "roles.csv: 1 created, 0 updated, 6 unchanged" in stdout.splitlines()
    assert "users.csv: 0 created, 0 updated, 6 unchanged" in stdout.splitlines()
    after = modification_times()
    assert {key for key in after if after[key] != before[key]} == {("User", "tch-dee")}


@pytest.mark.django_db
def test_tobedeleted_rows_are_soft_deleted(good_copy):
    run_import(good_copy)
    replace_in(good_copy / "enrollments.csv", "enr-ben-math,active", "enr-ben-math,tobedeleted")
    replace_in(good_copy / "classes.csv", "class-read,active", "class-read,tobedeleted")
    replace_in(good_copy / "users.csv", "stu-cai,active", "stu-cai,tobedeleted")

    stdout, _ = run_import(good_copy)

    assert Enrollment.objects.get(sourced_id="enr-ben-math").status == Status.TOBEDELETED
    assert Class.objects.get(sourced_id="class-read").status == Status.TOBEDELETED
    assert User.objects.get(sourced_id="stu-cai").status == Status.TOBEDELETED
    assert Enrollment.objects.count() == 6  # still there: a soft delete, never a hard one
    assert Class.objects.get(sourced_id="class-math").status == Status.ACTIVE
    assert "enrollments.csv: 0 created, 1 updated, 5 unchanged" in stdout.splitlines()


@pytest.mark.django_db
def test_a_tobedeleted_role_row_removes_only_that_role(good_copy):
    run_import(good_copy)
    replace_in(good_copy / "roles.csv", "role-dee-admin,active", "role-dee-admin,tobedeleted")

    run_import(good_copy)

    teacher = User.objects.get(sourced_id="tch-dee")
    assert list(teacher.roles.values_list("role", flat=True)) == ["teacher"]
    assert teacher.status == Status.ACTIVE


@pytest.mark.django_db
def test_references_may_point_to_objects_already_in_the_database(tmp_path):
    run_import(GOOD)
    (tmp_path / "classes.csv").write_text(
        "sourcedId,title,courseSourcedId,classType,schoolSourcedId,termSourcedIds\n"
        "class-art,Art 4,course-read,scheduled,org-school,term-spring\n"
    )
    (tmp_path / "enrollments.csv").write_text(
        "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,primary\n"
        "enr-cai-art,class-art,org-school,stu-cai,student,true\n"
    )

    stdout, _ = run_import(tmp_path)

    enrollment = Enrollment.objects.get(sourced_id="enr-cai-art")
    assert (enrollment.user.sourced_id, enrollment.klass.course.sourced_id) == (
        "stu-cai",
        "course-read",
    )
    assert stdout.splitlines() == [
        "classes.csv: 1 created, 0 updated, 0 unchanged",
        "enrollments.csv: 1 created, 0 updated, 0 unchanged",
    ]


# --- zip ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_zipped_bundle_imports_like_the_folder(tmp_path):
    bundle = zip_folder(GOOD, tmp_path / "roster.zip")

    stdout, _ = run_import(bundle)

    assert "users.csv: 6 created, 0 updated, 0 unchanged" in stdout.splitlines()
    assert Enrollment.objects.count() == 6
    assert set(
        Class.objects.get(sourced_id="class-math").terms.values_list("sourced_id", flat=True)
    ) == {
        "term-fall",
        "term-spring",
    }


@pytest.mark.django_db
def test_a_zip_whose_files_sit_in_a_folder_is_read_too(tmp_path):
    bundle = zip_folder(GOOD, tmp_path / "roster.zip", inside="export-2026-08-01/")

    run_import(bundle)

    assert User.objects.count() == 6


# --- a bad bundle -------------------------------------------------------------------------


BAD_ROWS = [
    "orgs.csv line 3, field type: 'college' is not one of",
    "orgs.csv line 4, field name: a value is required",
    "orgs.csv line 4, field parentSourcedId: unknown org 'org-nowhere'",
    "orgs.csv line 5, field sourcedId: duplicate sourcedId 'org-district' (first on line 2)",
    "academicSessions.csv line 3, field type: 'quarter' is not one of",
    "academicSessions.csv line 4, field endDate: 2027-01-05 is before startDate 2027-05-28",
    "academicSessions.csv line 5, field startDate: '2027-13-01' is not a valid date",
    "courses.csv line 3, field title: a value is required",
    "classes.csv line 2, field classType: 'lecture' is not one of homeroom, scheduled",
    "classes.csv line 2, field termSourcedIds: unknown academic session 't-missing'",
    "classes.csv line 3, field courseSourcedId: unknown course 'c-missing'",
    "users.csv line 3, field enabledUser: 'yes' is not a boolean (true or false)",
    "users.csv line 4, field status: 'deleted' is not one of active, tobedeleted",
    "roles.csv line 3, field userSourcedId: unknown user 'u-missing'",
    "roles.csv line 4, field role: 'wizard' is not one of",
    "enrollments.csv line 3, field primary: 'maybe' is not a boolean (true or false)",
    "enrollments.csv line 3, field classSourcedId: unknown class 'k-missing'",
    "enrollments.csv line 4, field sourcedId: a value is required",
    "demographics.csv line 2, field sourcedId: unknown user 'u-ghost'",
    "demographics.csv line 3, field birthDate: '01/02/2017' is not a date (YYYY-MM-DD)",
]


@pytest.mark.django_db
def test_a_bad_bundle_names_the_file_line_and_field_of_every_bad_row():
    message = import_error(BAD)

    listed = [line.strip() for line in message.splitlines()[1:]]
    assert len(listed) == len(BAD_ROWS)
    for expected, actual in zip(BAD_ROWS, listed, strict=True):
        assert actual.startswith(expected)
    assert message.splitlines()[0] == (
        f"The bundle was not imported, nothing was written: {len(BAD_ROWS)} problems."
    )


@pytest.mark.django_db
def test_a_bad_bundle_writes_nothing():
    before = {model: model.objects.count() for model in (*ROSTER_MODELS, UserRole)}

    import_error(BAD)

    assert {model: model.objects.count() for model in (*ROSTER_MODELS, UserRole)} == before


@pytest.mark.django_db
def test_one_bad_row_in_the_last_file_keeps_every_other_file_out(good_copy):
    replace_in(good_copy / "demographics.csv", "2017-06-02,male", "2017-06-02,boy")

    message = import_error(good_copy)

    assert "demographics.csv line 3, field sex: 'boy' is not one of" in message
    assert not User.objects.exists()
    assert not Org.objects.filter(sourced_id="org-district").exists()


@pytest.mark.django_db
def test_a_missing_required_column_is_reported_on_the_header_line(good_copy):
    replace_in(good_copy / "classes.csv", ",classType,", ",kind,")

    message = import_error(good_copy)

    assert "classes.csv line 1, field classType: required column is missing" in message


@pytest.mark.django_db
def test_a_parent_loop_is_refused(tmp_path):
    (tmp_path / "orgs.csv").write_text(
        "sourcedId,name,type,parentSourcedId\n"
        "org-a,A,district,org-b\n"
        "org-b,B,school,org-a\n"
        "org-c,C,school,org-c\n"
    )

    message = import_error(tmp_path)

    assert "orgs.csv line 2, field parentSourcedId: 'org-a' would be its own ancestor" in message
    assert "orgs.csv line 3, field parentSourcedId: 'org-b' would be its own ancestor" in message
    assert "orgs.csv line 4, field parentSourcedId: 'org-c' would be its own ancestor" in message


@pytest.mark.django_db
def test_a_parent_loop_through_a_stored_org_is_refused(tmp_path):
    run_import(GOOD)  # org-school is a child of org-district
    (tmp_path / "orgs.csv").write_text(
        "sourcedId,name,type,parentSourcedId\norg-district,Maple District,district,org-school\n"
    )

    message = import_error(tmp_path)

    assert (
        "orgs.csv line 2, field parentSourcedId: 'org-district' would be its own ancestor"
        in message
    )


@pytest.mark.django_db
def test_a_username_already_taken_by_someone_else_is_refused(good_copy):
    User.objects.create(sourced_id="someone-else", username="ben.kim")

    message = import_error(good_copy)

    assert (
        "users.csv line 3, field username: username 'ben.kim' belongs to user 'someone-else'"
        in message
    )


@pytest.mark.django_db
def test_the_same_username_twice_in_a_file_is_refused(good_copy):
    replace_in(good_copy / "users.csv", "true,ben.kim,", "true,ana.lopez,")

    message = import_error(good_copy)

    assert (
        "users.csv line 3, field username: username 'ana.lopez' is already used on line 2"
        in message
    )


@pytest.mark.django_db
def test_a_file_the_manifest_declares_but_the_bundle_lacks_is_an_error(good_copy):
    (good_copy / "demographics.csv").unlink()

    message = import_error(good_copy)

    assert (
        "manifest.csv line 10, field value: demographics.csv is declared 'bulk' but is not in the bundle"
        in message
    )


# --- manifest, notes and tolerance --------------------------------------------------------


@pytest.mark.django_db
def test_a_file_marked_absent_in_the_manifest_is_skipped(good_copy):
    replace_in(good_copy / "manifest.csv", "file.demographics,bulk", "file.demographics,absent")

    stdout, stderr = run_import(good_copy)

    assert not Demographics.objects.exists()
    assert "demographics.csv" not in stdout
    assert "note: demographics.csv is marked absent in manifest.csv; skipped" in stderr


@pytest.mark.django_db
def test_other_files_and_unknown_columns_are_ignored_with_a_note(good_copy):
    (good_copy / "lineItems.csv").write_text("sourcedId,title\nli-1,Quiz\n")
    (good_copy / "README.txt").write_text("exported by Maple SIS\n")
    replace_in(
        good_copy / "courses.csv", "status,dateLastModified", "status,dateLastModified,colour"
    )

    _, stderr = run_import(good_copy)

    assert "note: lineItems.csv is not a file this import reads; ignored" in stderr
    assert "note: README.txt is not a file this import reads; ignored" in stderr
    assert "note: courses.csv: column 'colour' is not part of OneRoster 1.2; ignored" in stderr
    assert Course.objects.count() == 2


@pytest.mark.django_db
def test_a_bundle_without_a_manifest_imports_the_files_it_has(tmp_path):
    (tmp_path / "orgs.csv").write_bytes((GOOD / "orgs.csv").read_bytes())

    stdout, _ = run_import(tmp_path)

    assert stdout.splitlines() == ["orgs.csv: 2 created, 0 updated, 0 unchanged"]


def test_a_path_that_is_neither_folder_nor_zip_is_refused(tmp_path):
    (tmp_path / "roster.csv").write_text("sourcedId\n")

    assert "no such folder or zip file" in import_error(tmp_path / "missing")
    assert "roster.csv: is neither a folder nor a zip file" in import_error(tmp_path / "roster.csv")


def test_line_numbers_count_blank_lines_and_the_header_is_line_one():
    problems = Problems()
    table = csv_import.read_table(
        "orgs.csv", b"\xef\xbb\xbfsourcedId,name\r\na,A\r\n\r\nb,B\r\n", problems
    )

    assert table == Table("orgs.csv", ["sourcedId", "name"], [(2, ["a", "A"]), (4, ["b", "B"])])
    assert problems.errors == []


def test_a_file_that_is_not_utf8_is_reported_with_its_line():
    problems = Problems()

    assert (
        csv_import.read_table("users.csv", b"sourcedId,givenName\nu1,Jos\xe9\n", problems) is None
    )
    assert str(problems.errors[0]) == "users.csv line 2: is not UTF-8 text (byte 0xe9)"


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [("true", True), ("false", False), ("TRUE", True), ("False", False)],
)
def test_booleans_are_true_or_false(cell, parsed):
    assert csv_import.parse_boolean(cell) is parsed


@pytest.mark.parametrize("cell", ["yes", "1", "t", "no"])
def test_anything_else_is_not_a_boolean(cell):
    with pytest.raises(csv_import.CellError):
        csv_import.parse_boolean(cell)


@pytest.mark.parametrize("cell", ["2026-02-30", "2026-2-3", "20260203", "03/02/2026"])
def test_dates_must_be_real_and_written_yyyy_mm_dd(cell):
    with pytest.raises(csv_import.CellError):
        csv_import.parse_date(cell)


def test_user_ids_are_type_identifier_pairs():
    assert csv_import.parse_user_ids("{LDAP:ana}, {SIS:42:7}") == [
        {"type": "LDAP", "identifier": "ana"},
        {"type": "SIS", "identifier": "42:7"},
    ]
    for cell in ("ana", "{ana}", "{LDAP:ana}x"):
        with pytest.raises(csv_import.CellError):
            csv_import.parse_user_ids(cell)


def test_enumerations_ignore_case_and_answer_the_canonical_spelling():
    assert (
        csv_import.one_of(["districtAdministrator"])("DistrictAdministrator")
        == "districtAdministrator"
    )


def test_parents_come_before_their_children():
    def row(sourced_id, parent):
        ref = csv_import.Ref("org", "parentSourcedId", parent)
        return csv_import.ParsedRow(2, sourced_id, {}, {"parent": ref}, {})

    rows = [row("class-room", "school"), row("school", "district"), row("district", None)]

    ordered = [r.sourced_id for r in csv_import.parents_first(rows)]

    assert ordered == ["district", "school", "class-room"]


def test_agents_are_linked_both_ways_within_the_file():
    wanted = csv_import.agent_sets(
        {"guardian": ["ana", "ben"], "ana": ["guardian"]}, {"guardian", "ana", "ben"}
    )

    assert wanted == {"guardian": {"ana", "ben"}, "ana": {"guardian"}, "ben": {"guardian"}}


# --- bounded queries ----------------------------------------------------------------------


@pytest.mark.django_db
def test_validation_needs_a_fixed_number_of_queries_however_many_rows(
    tmp_path, django_assert_max_num_queries
):
    users = ["sourcedId,givenName,familyName,primaryOrgSourcedId"]
    users += [f"u{n},Given{n},Family{n},org-school" for n in range(300)]
    (tmp_path / "users.csv").write_text("\n".join(users) + "\n")
    (tmp_path / "orgs.csv").write_bytes((GOOD / "orgs.csv").read_bytes())
    files = csv_import.read_bundle(tmp_path)

    with django_assert_max_num_queries(5):
        csv_import.validate_bundle(files)


@pytest.mark.django_db
def test_an_invalid_bundle_raises_with_every_error_before_any_write():
    files = csv_import.read_bundle(BAD)

    with pytest.raises(BundleInvalid) as raised:
        csv_import.validate_bundle(files)

    assert len(raised.value.errors) == len(BAD_ROWS)


@pytest.mark.django_db
def test_columns_may_come_in_any_order_and_cells_may_be_left_off(tmp_path):
    (tmp_path / "orgs.csv").write_text(
        "type,name,sourcedId,\n"  # a trailing empty header, as spreadsheets leave it
        "district,Birch District,org-birch\n"
    )

    _, stderr = run_import(tmp_path)

    birch = Org.objects.get(sourced_id="org-birch")
    assert (birch.name, birch.type, birch.identifier, birch.parent) == (
        "Birch District",
        "district",
        "",
        None,
    )
    assert stderr == ""
