"""The older `timeback` OneRoster client (docs/api.md#the-older-client): it asks for tokens
at /oauth2/token and names references flat (`orgSourcedId`, ...). What we cannot honour
answers 400, never stored as if absent."""

import base64
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from rostering import partners
from rostering.models import Class, Course, Enrollment, Org, User

pytestmark = pytest.mark.django_db

V1P2 = "/ims/oneroster/rostering/v1p2"


@pytest.fixture
def school(db):
    return Org.objects.create(sourced_id="school-1", name="Maple", type="school")


def ask_token(path, client_id, secret):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return APIClient().post(
        path,
        urlencode({"grant_type": "client_credentials"}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def test_the_oauth2_token_path_answers_like_the_partner_token_path(db):
    app = partners.create_partner_app(name="Older client")
    client, secret = partners.issue_client_credentials(app=app)

    older = ask_token("/oauth2/token", client.id, secret)
    usual = ask_token("/auth/1.0/token", client.id, secret)

    assert older.status_code == usual.status_code == 200
    assert set(older.json()) == set(usual.json())
    assert older.json()["scope"] == usual.json()["scope"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {older.json()['access_token']}")
    assert api.get(f"{V1P2}/orgs").status_code == 200


def test_the_oauth2_token_path_refuses_a_wrong_secret_in_json(db):
    app = partners.create_partner_app(name="Older client")
    client, _ = partners.issue_client_credentials(app=app)

    response = ask_token("/oauth2/token", client.id, "wrong")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_course_naming_its_org_flat_is_stored_with_the_org(partner_api, school):
    response = partner_api.post_json(
        f"{V1P2}/courses",
        {"course": {"sourcedId": "c-1", "title": "Fractions", "orgSourcedId": "school-1"}},
    )

    assert response.status_code == 201, response.json()
    assert Course.objects.get(sourced_id="c-1").org == school
    assert response.json()["course"]["org"]["sourcedId"] == "school-1"


def test_a_class_and_an_enrollment_named_flat_keep_every_reference(roster_api, school):
    roster_api.put_json(
        f"{V1P2}/academicSessions/t-1",
        {
            "academicSession": {
                "title": "Fall",
                "type": "term",
                "startDate": "2026-08-01",
                "endDate": "2026-12-20",
                "schoolYear": "2027",
            }
        },
    )
    roster_api.put_json(f"{V1P2}/courses/c-1", {"course": {"title": "Fractions"}})
    User.objects.create(username="kid", sourced_id="kid")

    klass = roster_api.put_json(
        f"{V1P2}/classes/k-1",
        {
            "class": {
                "title": "Fractions A",
                "courseSourcedId": "c-1",
                "schoolSourcedId": "school-1",
                "termSourcedIds": ["t-1"],
            }
        },
    )
    enrollment = roster_api.put_json(
        f"{V1P2}/enrollments/e-1",
        {"enrollment": {"userSourcedId": "kid", "classSourcedId": "k-1", "role": "student"}},
    )

    assert (klass.status_code, enrollment.status_code) == (201, 201), enrollment.json()
    stored = Class.objects.get(sourced_id="k-1")
    assert (stored.course.sourced_id, stored.school.sourced_id) == ("c-1", "school-1")
    assert [t.sourced_id for t in stored.terms.all()] == ["t-1"]
    e = Enrollment.objects.get(sourced_id="e-1")
    assert (e.user.sourced_id, e.klass.sourced_id) == ("kid", "k-1")


def test_a_flat_reference_the_object_does_not_have_answers_400_and_stores_nothing(partner_api):
    response = partner_api.post_json(
        f"{V1P2}/courses",
        {"course": {"sourcedId": "c-1", "title": "Fractions", "teacherSourcedId": "t-1"}},
    )

    assert response.status_code == 400
    assert "teacherSourcedId" in response.json()["imsx_description"]
    assert not Course.objects.filter(sourced_id="c-1").exists()


def test_a_flat_reference_to_an_unknown_object_answers_400(partner_api, school):
    response = partner_api.post_json(
        f"{V1P2}/courses",
        {"course": {"sourcedId": "c-1", "title": "Fractions", "orgSourcedId": "nowhere"}},
    )

    assert response.status_code == 400
    assert not Course.objects.filter(sourced_id="c-1").exists()


def test_a_flat_reference_contradicting_the_nested_one_answers_400(partner_api, school):
    Org.objects.create(sourced_id="school-2", name="Oak", type="school")

    response = partner_api.post_json(
        f"{V1P2}/courses",
        {
            "course": {
                "sourcedId": "c-1",
                "title": "Fractions",
                "org": {"sourcedId": "school-2"},
                "orgSourcedId": "school-1",
            }
        },
    )

    assert response.status_code == 400
    assert not Course.objects.filter(sourced_id="c-1").exists()


def test_a_flat_reference_agreeing_with_the_nested_one_is_accepted(partner_api, school):
    response = partner_api.post_json(
        f"{V1P2}/courses",
        {
            "course": {
                "sourcedId": "c-1",
                "title": "Fractions",
                "org": {"sourcedId": "school-1"},
                "orgSourcedId": "school-1",
            }
        },
    )

    assert response.status_code == 201
    assert Course.objects.get(sourced_id="c-1").org == school
