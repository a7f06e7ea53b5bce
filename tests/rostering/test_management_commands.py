"""`create_partner_app`, `seed_demo` and `demo_logins`: their output contracts, and the demo
school they seed."""

import json
import re
import stat
from io import StringIO

import pytest
from allauth.idp.oidc.models import Client
from django.core.management import CommandError, call_command
from django.db.models import Count, Max
from django.utils import timezone

from rostering import demo
from rostering.models import (
    AcademicSession,
    Class,
    ComponentKind,
    ComponentResource,
    Course,
    CourseComponent,
    Demographics,
    Enrollment,
    Lesson,
    Org,
    PartnerApp,
    PartnerClient,
    Resource,
    Unit,
    User,
    UserRole,
)


def run(command, *args, **options):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# --- create_partner_app -------------------------------------------------------------------


@pytest.mark.django_db
def test_create_partner_app_prints_one_json_line_whose_secret_checks():
    out, _ = run("create_partner_app", "Fraction Quest")

    [line] = out.splitlines()
    payload = json.loads(line)
    assert set(payload) == {"app_id", "client_id", "client_secret"}
    app = PartnerApp.objects.get(pk=payload["app_id"])
    client = Client.objects.get(id=payload["client_id"])
    assert (app.name, app.sandbox, app.owners.count()) == ("Fraction Quest", False, 0)
    assert client.partner.app == app
    assert client.check_secret(payload["client_secret"])
    assert not client.check_secret(payload["client_secret"] + "x")


@pytest.mark.django_db
def test_create_partner_app_with_sandbox_and_owner(django_user_model):
    owner = django_user_model.objects.create_user(username="dev", sourced_id="dev-1")

    out, _ = run("create_partner_app", "Word Garden", "--sandbox", "--owner", "dev")

    payload = json.loads(out)
    app = PartnerApp.objects.get(pk=payload["app_id"])
    assert app.sandbox is True
    assert list(app.owners.all()) == [owner]
    assert Client.objects.get(id=payload["client_id"]).check_secret(payload["client_secret"])


@pytest.mark.django_db
def test_create_partner_app_grants_the_learning_app_scopes():
    payload = json.loads(run("create_partner_app", "Scope Check")[0])

    scopes = Client.objects.get(id=payload["client_id"]).get_scopes()
    assert "events.write" in scopes
    assert "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly" in scopes


@pytest.mark.django_db
def test_create_partner_app_with_an_unknown_owner_fails_and_creates_nothing():
    with pytest.raises(CommandError, match="No user with username 'ghost'"):
        run("create_partner_app", "Haunted", "--owner", "ghost")

    assert not PartnerApp.objects.exists()
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_create_partner_app_refuses_a_duplicate_name():
    run("create_partner_app", "Fraction Quest")

    with pytest.raises(CommandError, match="already exists"):
        run("create_partner_app", "Fraction Quest")

    assert PartnerApp.objects.count() == 1
    assert Client.objects.count() == 1


# --- seed_demo ----------------------------------------------------------------------------


@pytest.fixture
def demo_env(settings, tmp_path):
    """DEBUG on (pytest-django turns it off) and a private VAR_DIR for the credentials file."""
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.DEMO_HISTORY_DAYS = 0  # the roster only; the history has its own tests
    return tmp_path


def printed_credentials(out):
    client_id = re.search(r"client_id\s+(\S+)", out).group(1)
    secret = re.search(r"client_secret\s+(\S+)", out).group(1)
    return client_id, secret


ONEROSTER_MODELS = (
    Org,
    AcademicSession,
    User,
    Course,
    CourseComponent,
    Resource,
    ComponentResource,
    Class,
    Enrollment,
    Demographics,
)


def database_state():
    """Row count and latest dateLastModified of every table the demo writes."""
    state = {
        model.__name__: model._base_manager.aggregate(n=Count("pk"), last=Max("date_last_modified"))
        for model in ONEROSTER_MODELS
    }
    state |= {
        "UserRole": list(
            UserRole.objects.order_by("pk").values_list("pk", "user_id", "org_id", "role")
        ),
        "agents": list(User.agents.through.objects.order_by("pk").values_list("pk", flat=True)),
        "terms": list(Class.terms.through.objects.order_by("pk").values_list("pk", flat=True)),
        "PartnerApp": list(PartnerApp.objects.values_list("pk", "name", "sandbox")),
        "PartnerClient": list(PartnerClient.objects.values_list("client_id", "app_id")),
        "passwords": list(User.objects.order_by("pk").values_list("password", flat=True)),
    }
    return state


@pytest.mark.django_db
def test_seed_demo_creates_the_demo_school(demo_env):
    out, _ = run("seed_demo")

    school = Org.objects.get(sourced_id="demo-school")
    assert school.parent.type == "district"
    assert Org.objects.filter(sourced_id="partner-sandbox").exists()
    students = User.objects.filter(roles__role="student", roles__org=school)
    guides = User.objects.filter(roles__role="teacher", roles__org=school)
    assert students.count() == 30
    assert set(guides.values_list("username", flat=True)) == {"guide1", "guide2"}
    # The rostered school; beside it, one student's hole-filling plan is a course of its own
    # (docs/hole-filling.md#demo).
    rostered = Course.objects.exclude(metadata__has_key="holeFilling")
    assert rostered.count() == 2
    assert Course.objects.filter(metadata__has_key="holeFilling").count() == 1
    assert Unit.objects.filter(course__in=rostered).count() == 6
    assert Lesson.objects.count() == 24
    assert Class.objects.filter(course__in=rostered).count() == 2
    assert Enrollment.objects.filter(role="student", klass__course__in=rostered).count() == 60
    assert Enrollment.objects.filter(role="teacher").count() == 2
    assert all(grades == ["05"] for grades in students.values_list("grades", flat=True))
    assert User.objects.get(username="admin").is_superuser
    assert "Demo school: 30 students" in out


@pytest.mark.django_db
def test_seed_demo_prints_a_line_or_two_and_no_credentials(demo_env):
    out, _ = run("seed_demo")

    client_id, secret = demo.current_logins().client_id, demo.current_logins().client_secret
    assert len(out.strip().splitlines()) == 2
    for secret_text in (client_id, secret, demo.STUDENT_PASSWORD, demo.ADMIN_PASSWORD):
        assert secret_text not in out
    # make run prints the one line that says the demo is ready, once the server answers.
    assert "ready" not in out.lower()


@pytest.mark.django_db
def test_seed_demo_courses_belong_to_a_sandbox_app_and_declare_their_lesson_count(demo_env):
    run("seed_demo")

    app = PartnerApp.objects.get(name=demo.DEMO_APP_NAME)
    assert app.sandbox
    assert set(app.courses.values_list("title", flat=True)) == {"Math Grade 5", "Reading Grade 5"}
    for course in app.courses.all():
        lessons = Lesson.objects.filter(course=course)
        assert course.metadata["totalUnits"] == lessons.count() == 12
        assert Unit.objects.filter(course=course).count() == 3
        for lesson in lessons.select_related("parent"):
            assert lesson.parent.kind == ComponentKind.UNIT
            assert lesson.parent.course_id == course.pk
        assert (
            Unit.objects.filter(course=course).annotate(n=Count("children")).filter(n=4).count()
            == 3
        )


@pytest.mark.django_db
def test_seed_demo_classes_span_both_terms_of_a_school_year_around_today(demo_env):
    run("seed_demo")

    year = AcademicSession.objects.get(type="schoolYear")
    terms = AcademicSession.objects.filter(type="term", parent=year)
    assert terms.count() == 2
    today = timezone.localdate()
    assert year.start_date <= today <= year.end_date
    for klass in Class.objects.all():
        assert set(klass.terms.all()) == set(terms)
        assert klass.school.sourced_id == "demo-school"


@pytest.mark.django_db
def test_seed_demo_people_have_their_roles_enrollments_and_links(demo_env):
    run("seed_demo")

    guide1, guide2 = User.objects.get(username="guide1"), User.objects.get(username="guide2")
    assert guide1.enrollments.get().klass.course.title == "Math Grade 5"
    assert guide2.enrollments.get().klass.course.title == "Reading Grade 5"
    student01 = User.objects.get(username="student01")
    assert student01.sourced_id == "demo-student-01"
    assert student01.enrollments.filter(role="student").count() == 2
    guardian = User.objects.get(username="guardian1")
    assert set(guardian.agents.values_list("username", flat=True)) == {"student01", "student02"}
    for child in ("student01", "student02"):
        assert list(User.objects.get(username=child).agents.all()) == [guardian]
    assert guardian.roles.get().role == "guardian"


@pytest.mark.django_db
def test_seed_demo_logins_work_with_the_printed_passwords(demo_env):
    run("seed_demo")
    out, _ = run("demo_logins")

    for username, password in [
        ("admin", "admin-demo-pass"),
        ("guide1", "guide-demo-pass"),
        ("student01", "student-demo-pass"),
        ("student30", "student-demo-pass"),
        ("guardian1", "guardian-demo-pass"),
        ("developer1", "developer-demo-pass"),
    ]:
        assert User.objects.get(username=username).check_password(password), username
        if username != "student30":
            assert re.search(rf"{username}\s+{password}", out), username


@pytest.mark.django_db
def test_the_demo_students_share_one_password_hash_and_the_roles_do_not(demo_env):
    run("seed_demo", "--students", "4")

    students = User.objects.filter(sourced_id__startswith="demo-student-")
    assert students.values("password").distinct().count() == 1
    guide, guardian = User.objects.get(username="guide1"), User.objects.get(username="guardian1")
    assert len({students[0].password, guide.password, guardian.password}) == 3


@pytest.mark.django_db
def test_seed_demo_student_names_are_varied_and_deterministic(demo_env):
    run("seed_demo")

    names = list(
        User.objects.filter(username__startswith="student")
        .order_by("username")
        .values_list("first_name", "last_name")
    )
    assert names == demo.student_names(30)
    assert len(set(names)) > 20
    assert demo.student_names(5) == names[:5]


@pytest.mark.django_db
def test_demo_logins_prints_urls_and_working_partner_credentials(demo_env):
    run("seed_demo")
    out, _ = run("demo_logins")

    for url in (
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/admin/",
        "http://127.0.0.1:8000/api/docs/",
    ):
        assert url in out
    client_id, secret = printed_credentials(out)
    client = Client.objects.get(id=client_id)
    assert client.check_secret(secret)
    assert client.partner.app.name == demo.DEMO_APP_NAME
    token = re.search(
        r"(curl -s -X POST \S+ -d grant_type=client_credentials) \\.*\n.*-u (\S+)", out
    )
    assert token.group(1) == (
        "curl -s -X POST http://127.0.0.1:8000/auth/1.0/token -d grant_type=client_credentials"
    )
    assert token.group(2) == f"{client_id}:{secret}"


@pytest.mark.django_db
def test_seed_demo_keeps_the_credentials_in_a_private_file(demo_env):
    run("seed_demo")
    out, _ = run("demo_logins")

    path = demo_env / "demo-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert (saved["client_id"], saved["client_secret"]) == printed_credentials(out)


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing_and_prints_the_same_credentials(demo_env):
    run("seed_demo")
    first, _ = run("demo_logins")
    before = database_state()

    run("seed_demo")
    second, _ = run("demo_logins")

    assert database_state() == before
    assert printed_credentials(second) == printed_credentials(first)


@pytest.mark.django_db
def test_seed_demo_restores_the_same_client_when_the_database_lost_it(demo_env):
    run("seed_demo")
    first, _ = run("demo_logins")
    client_id, secret = printed_credentials(first)
    Client.objects.filter(id=client_id).delete()

    run("seed_demo")
    second, _ = run("demo_logins")

    assert printed_credentials(second) == (client_id, secret)
    assert Client.objects.get(id=client_id).check_secret(secret)
    assert PartnerClient.objects.get(client_id=client_id).app.name == demo.DEMO_APP_NAME


@pytest.mark.django_db
def test_seed_demo_issues_new_credentials_when_the_file_is_lost(demo_env):
    run("seed_demo")
    first, _ = run("demo_logins")
    (demo_env / "demo-credentials.json").unlink()

    run("seed_demo")
    second, _ = run("demo_logins")
    run("seed_demo")
    third, _ = run("demo_logins")

    client_id, secret = printed_credentials(second)
    assert client_id != printed_credentials(first)[0]
    assert Client.objects.get(id=client_id).check_secret(secret)
    assert printed_credentials(third) == (client_id, secret)


@pytest.mark.django_db
def test_seed_demo_with_five_students(demo_env):
    run("seed_demo", "--students", "5")
    out, _ = run("demo_logins")

    assert User.objects.filter(roles__role="student").count() == 5
    # Two classes each, and student03's hole-filling plan (docs/hole-filling.md#demo).
    assert Enrollment.objects.filter(role="student").count() == 10 + 1
    assert "student01..student05" in out


@pytest.mark.django_db
def test_seed_demo_with_fewer_students_after_more_keeps_everyone(demo_env):
    run("seed_demo", "--students", "8")
    before = database_state()

    run("seed_demo", "--students", "5")

    assert database_state() == before


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path

    with pytest.raises(CommandError, match="DEBUG is off"):
        run("seed_demo")

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_runs_without_debug_when_forced(settings, tmp_path):
    settings.DEBUG = False
    settings.VAR_DIR = tmp_path

    run("seed_demo", "--students", "2", "--days", "0", "--force")

    assert User.objects.filter(roles__role="student").count() == 2


@pytest.mark.django_db
def test_seed_demo_reuses_an_existing_admin_without_touching_its_password(
    demo_env, django_user_model
):
    admin = django_user_model.objects.create_superuser(
        username="admin", email="ops@school.example", password="their-own", sourced_id="ops-1"
    )

    run("seed_demo", "--students", "2")
    out, _ = run("demo_logins")

    admin.refresh_from_db()
    assert admin.check_password("their-own")
    assert re.search(r"admin\s+\(unchanged\)", out)
    owners = PartnerApp.objects.get(name=demo.DEMO_APP_NAME).owners
    assert set(owners.values_list("username", flat=True)) == {"admin", "developer1"}


@pytest.mark.django_db
def test_seed_demo_stops_when_a_demo_username_belongs_to_someone_else(demo_env, django_user_model):
    django_user_model.objects.create_user(username="guide1", sourced_id="real-teacher")

    with pytest.raises(CommandError, match="'guide1' belongs to another user"):
        run("seed_demo", "--students", "2")

    assert not Course.objects.exists()  # all or nothing


# --- demo_logins ----------------------------------------------------------------------------


def box_rows(out):
    """The rows of the login table inside demo_logins' box: {username: (role, password, lands)}."""
    rows = {}
    for line in out.splitlines():
        cells = line.strip("│ ").split()
        if len(cells) >= 4 and cells[0] in {"admin", "guide", "student", "guardian", "developer"}:
            rows[cells[1]] = (cells[0], cells[2], cells[3])
    return rows


@pytest.mark.django_db
def test_demo_logins_prints_one_box_with_every_role_and_where_it_lands(demo_env):
    run("seed_demo", "--students", "3")

    out, _ = run("demo_logins", "--url", "http://localhost:8123/")

    lines = out.rstrip("\n").split("\n")
    assert lines[0].startswith("┌") and lines[0].endswith("┐")
    assert lines[-1].startswith("└") and lines[-1].endswith("┘")
    assert all(line.startswith("│ ") and line.endswith(" │") for line in lines[1:-1])
    assert len({len(line) for line in lines}) == 1  # every line as wide as the box
    assert "Timeback demo: http://localhost:8123/" in out
    assert "http://127.0.0.1:8000" not in out
    app = PartnerApp.objects.get(name=demo.DEMO_APP_NAME)
    assert box_rows(out) == {
        "admin": ("admin", "admin-demo-pass", "/classes/"),
        "guide1": ("guide", "guide-demo-pass", "/classes/"),
        "guide2": ("guide", "guide-demo-pass", "/classes/"),
        "student01": ("student", "student-demo-pass", "/me/"),
        "guardian1": ("guardian", "guardian-demo-pass", "/children/"),
        "developer1": ("developer", "developer-demo-pass", f"/developers/apps/{app.pk}/"),
    }
    assert "student01..student03" in out
    client_id, secret = printed_credentials(out)
    assert Client.objects.get(id=client_id).check_secret(secret)


@pytest.mark.django_db
def test_every_printed_login_signs_in_and_lands_where_the_box_says(demo_env, client):
    run("seed_demo", "--students", "2")
    out, _ = run("demo_logins")

    rows = box_rows(out)
    assert len(rows) == 6
    for username, (_, password, lands) in rows.items():
        client.logout()
        response = client.post(
            "/accounts/login/", {"login": username, "password": password}, follow=True
        )
        assert response.redirect_chain[-1][0] == lands, username
        assert response.status_code == 200, username


@pytest.mark.django_db
def test_the_demo_developer_owns_the_demo_app_and_holds_no_school_role(demo_env):
    run("seed_demo", "--students", "2")

    developer = User.objects.get(username="developer1")
    app = PartnerApp.objects.get(name=demo.DEMO_APP_NAME)
    assert list(developer.partner_apps.all()) == [app]
    assert not developer.roles.exists()
    assert not developer.is_staff


@pytest.mark.django_db
def test_demo_logins_before_the_demo_is_seeded_says_to_seed_it(demo_env):
    with pytest.raises(CommandError, match="run `python manage.py seed_demo`"):
        run("demo_logins")
