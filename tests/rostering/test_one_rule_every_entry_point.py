"""The rostering rules that used to drift between entry points now hold the same through
the OneRoster API, the CSV import and the admin: a tree has no loop (an org, an academic
session or a course component is never its own ancestor), a user is never their own agent,
and deleting a partner app revokes its OAuth clients however it is deleted."""

import io
from datetime import date

import pytest
from allauth.idp.oidc.models import Client, Token
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from rostering import partners, services
from rostering.models import CourseComponent, Org, PartnerApp, User
from tests.admin_form import change_form_data

ORGS = "/ims/oneroster/rostering/v1p2/orgs"
COMPONENTS = "/ims/oneroster/rostering/v1p2/courses/components"
USERS = "/ims/oneroster/rostering/v1p2/users"
AGENT_LINKS = "/rostering/1.0/students"  # the Partner API


@pytest.fixture
def district_and_school(db):
    """org-district above org-school."""
    district, _ = services.upsert_org(sourced_id="org-district", name="District", type="district")
    school, _ = services.upsert_org(
        sourced_id="org-school", name="School", type="school", parent=district
    )
    return district, school


@pytest.fixture
def two_units(db):
    """unit-outer above unit-inner, in one course."""
    course, _ = services.upsert_course(sourced_id="course-1", title="Maths")
    outer, _ = services.upsert_course_component(
        sourced_id="unit-outer", kind="unit", course=course, title="Outer"
    )
    inner, _ = services.upsert_course_component(
        sourced_id="unit-inner", kind="unit", course=course, title="Inner", parent=outer
    )
    return outer, inner


@pytest.fixture
def student_and_guardian(db):
    student, _ = services.upsert_user(sourced_id="student-1", username="ada")
    guardian, _ = services.upsert_user(sourced_id="guardian-1", username="grace")
    return student, guardian


def import_orgs(tmp_path, rows: str) -> str:
    """Import an orgs.csv; answer the command's error ('' when it imported)."""
    (tmp_path / "orgs.csv").write_text("sourcedId,name,type,parentSourcedId\n" + rows)
    try:
        call_command("import_oneroster_csv", str(tmp_path), stdout=io.StringIO())
    except CommandError as error:
        return str(error)
    return ""


def parent_of(model, sourced_id):
    return model.objects.get(sourced_id=sourced_id).parent


# --- the rule itself ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ancestor_check_refuses_a_loop_through_stored_parents(district_and_school):
    district, school = district_and_school

    with pytest.raises(ValidationError) as refused:
        services.check_not_own_ancestor(Org, sourced_id="org-district", parent=school)

    assert refused.value.message_dict == {"parent": ["'org-district' would be its own ancestor."]}


@pytest.mark.django_db
def test_the_ancestor_check_allows_moving_an_org_under_another_branch(district_and_school):
    other, _ = services.upsert_org(sourced_id="org-other", name="Other", type="district")

    services.check_not_own_ancestor(Org, sourced_id="org-school", parent=other)


# --- orgs: A under B, then B under A ----------------------------------------------------------


@pytest.mark.django_db
def test_the_api_refuses_an_org_under_its_own_child(roster_api, district_and_school):
    response = roster_api.put_json(
        f"{ORGS}/org-district",
        {"org": {"name": "District", "type": "district", "parent": {"sourcedId": "org-school"}}},
    )

    assert response.status_code == 400
    assert response.json()["imsx_description"] == (
        "Invalid data: parent: 'org-district' would be its own ancestor."
    )
    assert parent_of(Org, "org-district") is None


@pytest.mark.django_db
def test_the_api_refuses_an_org_as_its_own_parent(roster_api, district_and_school):
    response = roster_api.put_json(
        f"{ORGS}/org-school",
        {"org": {"name": "School", "type": "school", "parent": {"sourcedId": "org-school"}}},
    )

    assert response.status_code == 400
    assert "'org-school' would be its own ancestor" in response.json()["imsx_description"]
    assert parent_of(Org, "org-school").sourced_id == "org-district"


@pytest.mark.django_db
def test_the_api_still_moves_an_org_to_another_parent(roster_api, district_and_school):
    services.upsert_org(sourced_id="org-other", name="Other", type="district")

    response = roster_api.put_json(
        f"{ORGS}/org-school",
        {"org": {"name": "School", "type": "school", "parent": {"sourcedId": "org-other"}}},
    )

    assert response.status_code == 200, response.json()
    assert parent_of(Org, "org-school").sourced_id == "org-other"


@pytest.mark.django_db
def test_the_csv_import_refuses_b_under_a_after_a_under_b(tmp_path):
    assert import_orgs(tmp_path, "org-a,A,district,\norg-b,B,school,org-a\n") == ""

    error = import_orgs(tmp_path, "org-a,A,district,org-b\n")

    assert "orgs.csv line 2, field parentSourcedId: 'org-a' would be its own ancestor" in error
    assert parent_of(Org, "org-a") is None


@pytest.mark.django_db
def test_the_admin_refuses_an_org_under_its_own_child(admin_client, district_and_school):
    district, school = district_and_school
    url = reverse("admin:rostering_org_change", args=[district.pk])

    response = admin_client.post(url, change_form_data(admin_client, url, parent=school.pk))

    assert response.status_code == 200
    assert "&#x27;org-district&#x27; would be its own ancestor." in response.content.decode()
    assert parent_of(Org, "org-district") is None


@pytest.mark.django_db
def test_the_admin_still_saves_an_org_whose_parent_is_allowed(admin_client, district_and_school):
    district, school = district_and_school
    other, _ = services.upsert_org(sourced_id="org-other", name="Other", type="district")
    url = reverse("admin:rostering_org_change", args=[school.pk])

    response = admin_client.post(url, change_form_data(admin_client, url, parent=other.pk))

    assert response.status_code == 302
    assert parent_of(Org, "org-school") == other


@pytest.mark.django_db
def test_the_admin_refuses_an_academic_session_under_its_own_term(admin_client):
    year, _ = services.upsert_academic_session(
        sourced_id="sy-2027",
        title="2026-2027",
        type="schoolYear",
        start_date=date(2026, 8, 1),
        end_date=date(2027, 7, 31),
        school_year="2027",
    )
    term, _ = services.upsert_academic_session(
        sourced_id="fall-2026",
        title="Fall",
        type="term",
        start_date=date(2026, 8, 1),
        end_date=date(2026, 12, 31),
        school_year="2027",
        parent=year,
    )
    url = reverse("admin:rostering_academicsession_change", args=[year.pk])

    response = admin_client.post(url, change_form_data(admin_client, url, parent=term.pk))

    assert response.status_code == 200
    assert "would be its own ancestor" in response.content.decode()
    year.refresh_from_db()
    assert year.parent is None


# --- course components: the same rule ---------------------------------------------------------


@pytest.mark.django_db
def test_the_api_refuses_a_unit_under_its_own_child(roster_api, two_units):
    response = roster_api.put_json(
        f"{COMPONENTS}/unit-outer",
        {"courseComponent": {"title": "Outer", "course": "course-1", "parent": "unit-inner"}},
    )

    assert response.status_code == 400
    assert response.json()["imsx_description"] == (
        "Invalid data: parent: 'unit-outer' would be its own ancestor."
    )
    assert parent_of(CourseComponent, "unit-outer") is None


@pytest.mark.django_db
def test_the_api_refuses_a_unit_as_its_own_parent(roster_api, two_units):
    response = roster_api.put_json(
        f"{COMPONENTS}/unit-inner",
        {"courseComponent": {"title": "Inner", "course": "course-1", "parent": "unit-inner"}},
    )

    assert response.status_code == 400
    assert parent_of(CourseComponent, "unit-inner").sourced_id == "unit-outer"


@pytest.mark.django_db
def test_the_admin_refuses_a_unit_under_its_own_child(admin_client, two_units):
    outer, inner = two_units
    url = reverse("admin:rostering_unit_change", args=[outer.pk])

    response = admin_client.post(url, change_form_data(admin_client, url, parent=inner.pk))

    assert response.status_code == 200
    assert "would be its own ancestor" in response.content.decode()
    assert parent_of(CourseComponent, "unit-outer") is None


@pytest.mark.django_db
def test_the_service_refuses_a_unit_under_its_own_child(two_units):
    outer, inner = two_units

    with pytest.raises(ValidationError):
        services.upsert_course_component(
            sourced_id="unit-outer", course=outer.course, title="Outer", parent=inner
        )

    assert parent_of(CourseComponent, "unit-outer") is None


# --- a user is not their own agent ------------------------------------------------------------


@pytest.mark.django_db
def test_the_agent_link_api_refuses_a_user_as_their_own_agent(roster_api, student_and_guardian):
    response = roster_api.put(f"{AGENT_LINKS}/student-1/agents/student-1")

    assert response.status_code == 400
    assert response.json()["imsx_description"] == (
        "Invalid data: agentId: a user cannot be their own agent."
    )
    assert not User.objects.get(sourced_id="student-1").agents.exists()


@pytest.mark.django_db
def test_the_user_api_refuses_a_user_among_their_own_agents(roster_api, student_and_guardian):
    response = roster_api.put_json(
        f"{USERS}/student-1",
        {
            "user": {
                "username": "ada",
                "enabledUser": True,
                "givenName": "Ada",
                "familyName": "Lovelace",
                "roles": [],
                "agents": [{"sourcedId": "guardian-1"}, {"sourcedId": "student-1"}],
            }
        },
    )

    assert response.status_code == 400
    assert "agents: a user cannot be their own agent." in response.json()["imsx_description"]
    assert not User.objects.get(sourced_id="student-1").agents.exists()


@pytest.mark.django_db
def test_the_agent_link_api_still_links_a_guardian(roster_api, student_and_guardian):
    response = roster_api.put(f"{AGENT_LINKS}/student-1/agents/guardian-1")

    assert response.status_code == 201, response.json()
    assert list(User.objects.get(sourced_id="student-1").agents.all()) == [
        User.objects.get(sourced_id="guardian-1")
    ]


@pytest.mark.django_db
def test_the_csv_import_refuses_a_user_as_their_own_agent(tmp_path):
    (tmp_path / "users.csv").write_text(
        "sourcedId,enabledUser,username,givenName,familyName,agentSourcedIds\n"
        "student-1,true,ada,Ada,Lovelace,student-1\n"
    )

    with pytest.raises(CommandError) as refused:
        call_command("import_oneroster_csv", str(tmp_path), stdout=io.StringIO())

    assert "users.csv line 2, field agentSourcedIds: a user cannot be their own agent" in str(
        refused.value
    )
    assert not User.objects.filter(sourced_id="student-1").exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_user_as_their_own_agent(admin_client, student_and_guardian):
    student, guardian = student_and_guardian
    url = reverse("admin:rostering_user_change", args=[student.pk])

    response = admin_client.post(
        url, change_form_data(admin_client, url, agents=[guardian.pk, student.pk])
    )

    assert response.status_code == 200
    assert "a user cannot be their own agent." in response.content.decode()
    assert not student.agents.exists()


@pytest.mark.django_db
def test_the_admin_still_saves_a_guardian_as_agent(admin_client, student_and_guardian):
    student, guardian = student_and_guardian
    url = reverse("admin:rostering_user_change", args=[student.pk])

    response = admin_client.post(url, change_form_data(admin_client, url, agents=[guardian.pk]))

    assert response.status_code == 302
    assert list(student.agents.all()) == [guardian]


# --- deleting a partner app revokes its clients, whoever deletes it ---------------------------


@pytest.fixture
def app_with_token(db):
    """A partner app whose client holds a live token."""
    from tests.conftest import new_token

    app = partners.create_partner_app(name="Retired App")
    new_token(app)
    return app


def clients_of(app_pk):
    return Client.objects.filter(partnerclient__app_id=app_pk)


@pytest.mark.django_db
def test_the_service_deletes_the_app_and_revokes_its_clients_and_tokens(app_with_token):
    client_ids = [c.client_id for c in app_with_token.clients.all()]

    partners.delete_partner_app(app=app_with_token)

    assert not PartnerApp.objects.filter(pk=app_with_token.pk).exists()
    assert not Client.objects.filter(id__in=client_ids).exists()
    assert not Token.objects.filter(client_id__in=client_ids).exists()


@pytest.mark.django_db
def test_a_bare_queryset_delete_revokes_the_clients_too(app_with_token):
    client_ids = [c.client_id for c in app_with_token.clients.all()]
    other = partners.create_partner_app(name="Still Here")
    kept, _ = partners.issue_client_credentials(app=other)

    PartnerApp.objects.filter(pk=app_with_token.pk).delete()

    assert not Client.objects.filter(id__in=client_ids).exists()
    assert Client.objects.filter(id=kept.id).exists()


@pytest.mark.django_db
def test_a_revoked_app_token_is_refused_by_the_api(make_partner):
    partner = make_partner("Leaving App")
    assert partner.get(USERS).status_code == 200

    partners.delete_partner_app(app=partner.app)

    assert partner.get(USERS).status_code == 401
