"""The Partner API catalogue and sandbox scaffolding (docs/api.md#partner-api), and the write rules
the OneRoster binding shares with it: upserts, ownership, soft deletes, POST creates, bad bodies.
"""

from datetime import date

import pytest
from django.utils import timezone

from core import scopes
from rostering import services
from rostering.models import (
    SANDBOX_ORG_SOURCED_ID,
    AcademicSession,
    Class,
    ComponentResource,
    Course,
    CourseComponent,
    Enrollment,
    Resource,
    User,
)

pytestmark = pytest.mark.django_db

API = "/rostering/1.0"
V1P2 = "/ims/oneroster/rostering/v1p2"
SANDBOX = SANDBOX_ORG_SOURCED_ID


def ok(response, status=(200, 201)):
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.json())
    return response.json()


def description(response) -> str:
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    return body["imsx_description"]


def components(client) -> dict[str, dict]:
    body = ok(client.get(f"{V1P2}/courses/components"), 200)
    return {c["sourcedId"]: c for c in body["courseComponents"]}


@pytest.fixture
def catalogue(partner_api):
    """Partner A's course with one unit, one lesson and one resource."""
    ok(
        partner_api.put_json(
            f"{API}/courses/fractions", {"course": {"title": "Fractions", "courseCode": "FR"}}
        )
    )
    ok(
        partner_api.put_json(
            f"{API}/units/fr-u1", {"title": "Halves", "course": "fractions", "sortOrder": 1}
        )
    )
    ok(
        partner_api.put_json(
            f"{API}/lessons/fr-l1", {"title": "What is a half", "unit": "fr-u1", "sortOrder": 1}
        )
    )
    ok(
        partner_api.put_json(
            f"{API}/resources/fr-r1", {"title": "Halves video", "vendorResourceId": "vid-1"}
        )
    )
    return partner_api


@pytest.fixture
def other_app(make_partner):
    return make_partner("Partner B")


@pytest.fixture
def deleting_app(make_partner):
    """A learning app also granted the delete scopes (learning apps do not get them by default)."""
    granted = scopes.learning_app_scopes() + [
        scopes.oneroster("roster.delete"),
        scopes.oneroster("resource.delete"),
    ]
    return make_partner("Deleting App", scopes=granted)


# --- the catalogue: courses, units, lessons, resources ---


def test_putting_a_new_course_answers_201(partner_api):
    response = partner_api.put_json(f"{API}/courses/fractions", {"course": {"title": "Fractions"}})

    assert response.status_code == 201
    assert response.json()["course"]["title"] == "Fractions"


def test_putting_an_existing_course_updates_it_and_answers_200(catalogue):
    response = catalogue.put_json(f"{API}/courses/fractions", {"course": {"title": "Fractions I"}})

    assert response.status_code == 200
    assert Course.objects.get(sourced_id="fractions").title == "Fractions I"


def test_a_course_is_owned_by_the_app_that_created_it(catalogue):
    assert Course.objects.get(sourced_id="fractions").partner_app == catalogue.app


def test_a_bare_course_body_is_accepted(partner_api):
    response = partner_api.put_json(
        f"{API}/courses/decimals", {"title": "Decimals", "courseCode": "DEC"}
    )

    assert response.status_code == 201
    assert Course.objects.get(sourced_id="decimals").course_code == "DEC"


def test_a_wrapped_unit_body_is_accepted(catalogue):
    body = {"unit": {"title": "Quarters", "course": "fractions"}}

    assert catalogue.put_json(f"{API}/units/fr-u2", body).status_code == 201
    assert CourseComponent.objects.get(sourced_id="fr-u2").title == "Quarters"


def test_a_unit_may_come_wrapped_as_a_course_component(catalogue):
    body = {"courseComponent": {"title": "Quarters", "course": "fractions"}}

    assert catalogue.put_json(f"{API}/units/fr-u2", body).status_code == 201
    assert CourseComponent.objects.get(sourced_id="fr-u2").title == "Quarters"


def test_a_reference_may_be_a_sourced_id_string(catalogue):
    catalogue.put_json(f"{API}/units/fr-u2", {"title": "Quarters", "course": "fractions"})

    assert CourseComponent.objects.get(sourced_id="fr-u2").course.sourced_id == "fractions"


def test_a_reference_may_be_an_object_with_a_sourced_id(catalogue):
    catalogue.put_json(
        f"{API}/units/fr-u2",
        {"title": "Quarters", "course": {"sourcedId": "fractions", "type": "course"}},
    )
    catalogue.put_json(
        f"{API}/lessons/fr-l2", {"title": "A quarter", "unit": {"sourcedId": "fr-u2"}}
    )

    lesson = CourseComponent.objects.get(sourced_id="fr-l2")
    assert (lesson.course.sourced_id, lesson.parent.sourced_id) == ("fractions", "fr-u2")


def test_units_and_lessons_appear_as_course_components_under_their_parent(catalogue):
    listed = components(catalogue)

    unit, lesson = listed["fr-u1"], listed["fr-l1"]
    assert unit["course"]["sourcedId"] == "fractions" and unit["parent"] is None
    assert unit["metadata"]["componentType"] == "unit"
    assert lesson["course"]["sourcedId"] == "fractions"
    assert lesson["parent"]["sourcedId"] == lesson["courseComponent"]["sourcedId"] == "fr-u1"
    assert lesson["metadata"]["componentType"] == "lesson"


def test_a_lesson_may_name_its_course_as_well_as_its_unit(catalogue):
    response = catalogue.put_json(
        f"{API}/lessons/fr-l2", {"title": "Two halves", "unit": "fr-u1", "course": "fractions"}
    )

    assert response.status_code == 201
    assert components(catalogue)["fr-l2"]["parent"]["sourcedId"] == "fr-u1"


def test_a_lesson_naming_a_course_other_than_its_units_is_refused(catalogue):
    catalogue.put_json(f"{API}/courses/decimals", {"title": "Decimals"})

    response = catalogue.put_json(
        f"{API}/lessons/fr-l2", {"title": "Tenths", "unit": "fr-u1", "course": "decimals"}
    )

    assert response.status_code == 400
    assert not CourseComponent.objects.filter(sourced_id="fr-l2").exists()


def test_a_lesson_under_an_unknown_unit_is_refused_naming_the_field_and_nothing_is_written(
    catalogue,
):
    response = catalogue.put_json(f"{API}/lessons/fr-l2", {"title": "Lost", "unit": "no-such-unit"})

    assert response.status_code == 400
    assert "unit: unknown" in description(response)
    assert "no-such-unit" in description(response)
    assert not CourseComponent.objects.filter(sourced_id="fr-l2").exists()


def test_a_lesson_without_a_unit_is_refused(catalogue):
    response = catalogue.put_json(
        f"{API}/lessons/fr-l2", {"title": "Floating", "course": "fractions"}
    )

    assert response.status_code == 400
    assert "unit" in description(response)
    assert not CourseComponent.objects.filter(sourced_id="fr-l2").exists()


@pytest.mark.parametrize("path", ["courses/fractions", "units/fr-u1", "lessons/fr-l1"])
def test_another_app_may_not_change_an_apps_course_structure(catalogue, other_app, path):
    response = other_app.put_json(f"{API}/{path}", {"title": "Taken over"})

    assert response.status_code == 403
    assert "another app" in description(response)
    assert not Course.objects.filter(title="Taken over").exists()
    assert not CourseComponent.objects.filter(title="Taken over").exists()


def test_another_app_may_not_add_a_unit_to_an_apps_course(catalogue, other_app):
    response = other_app.put_json(
        f"{API}/units/intruder", {"title": "Mine now", "course": "fractions"}
    )

    assert response.status_code == 403
    assert not CourseComponent.objects.filter(sourced_id="intruder").exists()


def test_another_app_may_not_add_a_lesson_to_an_apps_unit(catalogue, other_app):
    response = other_app.put_json(f"{API}/lessons/intruder", {"title": "Mine now", "unit": "fr-u1"})

    assert response.status_code == 403
    assert not CourseComponent.objects.filter(sourced_id="intruder").exists()


def test_another_app_may_not_change_an_apps_resource(catalogue, other_app):
    response = other_app.put_json(f"{API}/resources/fr-r1", {"title": "Taken over"})

    assert response.status_code == 403
    assert Resource.objects.get(sourced_id="fr-r1").title == "Halves video"


def test_a_resource_put_with_lessons_is_linked_to_them(catalogue):
    response = catalogue.put_json(
        f"{API}/resources/fr-r2",
        {"title": "Halves game", "vendorResourceId": "game-1", "lessons": ["fr-l1"]},
    )

    assert response.status_code == 201
    links = ok(catalogue.get(f"{V1P2}/courses/component-resources"), 200)["componentResources"]
    assert [
        (link["courseComponent"]["sourcedId"], link["resource"]["sourcedId"]) for link in links
    ] == [("fr-l1", "fr-r2")]


def test_an_existing_resource_can_be_linked_to_a_lesson_later(catalogue):
    ok(catalogue.put_json(f"{API}/resources/fr-r1", {"lessons": [{"sourcedId": "fr-l1"}]}), 200)

    assert ComponentResource.objects.filter(
        course_component__sourced_id="fr-l1", resource__sourced_id="fr-r1"
    ).exists()


def test_a_resource_may_not_be_linked_to_another_apps_lesson(catalogue, other_app):
    response = other_app.put_json(
        f"{API}/resources/b-r1",
        {"title": "Sneaky", "vendorResourceId": "b-1", "lessons": ["fr-l1"]},
    )

    assert response.status_code == 403
    assert not Resource.objects.filter(sourced_id="b-r1").exists()
    assert not ComponentResource.objects.exists()


# --- testing-only scaffolding: sandbox apps, inside partner-sandbox ---


def sandbox_user(role="student", org=SANDBOX):
    return {
        "user": {
            "givenName": "Test",
            "familyName": role.title(),
            "roles": [{"roleType": "primary", "role": role, "org": org}],
        }
    }


@pytest.fixture
def sandbox_course(sandbox_api):
    ok(sandbox_api.put_json(f"{API}/courses/sb-course", {"title": "Sandbox course"}))
    return sandbox_api


@pytest.fixture
def sandbox_roster(sandbox_course):
    """A sandbox student, guardian and class, scaffolded by the sandbox app."""
    api = sandbox_course
    ok(api.put_json(f"{API}/users/sb-student", sandbox_user("student")))
    ok(api.put_json(f"{API}/users/sb-guardian", sandbox_user("guardian")))
    ok(
        api.put_json(
            f"{API}/classes/sb-class",
            {"class": {"title": "Sandbox class", "course": "sb-course", "school": SANDBOX}},
        )
    )
    return api


def test_a_sandbox_app_can_scaffold_a_user_in_the_sandbox_org(sandbox_api):
    response = sandbox_api.put_json(f"{API}/users/sb-student", sandbox_user("student"))

    assert response.status_code == 201
    user = ok(sandbox_api.get(f"{API}/users/sb-student"), 200)["user"]
    assert [(r["role"], r["org"]["sourcedId"]) for r in user["roles"]] == [("student", SANDBOX)]


def test_a_sandbox_app_can_scaffold_a_class_in_the_sandbox_org(sandbox_course):
    response = sandbox_course.put_json(
        f"{API}/classes/sb-class",
        {"class": {"title": "Sandbox class", "course": "sb-course", "org": SANDBOX}},
    )

    assert response.status_code == 201
    klass = ok(sandbox_course.get(f"{V1P2}/classes/sb-class"), 200)["class"]
    assert (klass["school"]["sourcedId"], klass["course"]["sourcedId"]) == (SANDBOX, "sb-course")


def test_a_sandbox_app_can_enrol_a_sandbox_user_in_a_sandbox_class(sandbox_roster):
    response = sandbox_roster.put_json(
        f"{API}/enrollments/sb-enr",
        {"enrollment": {"user": "sb-student", "class": "sb-class", "role": "student"}},
    )

    assert response.status_code == 201
    students = ok(sandbox_roster.get(f"{V1P2}/classes/sb-class/students"), 200)["users"]
    assert [s["sourcedId"] for s in students] == ["sb-student"]


def test_a_sandbox_app_can_link_a_guardian_to_a_sandbox_student(sandbox_roster):
    response = sandbox_roster.put_json(f"{API}/students/sb-student/agents/sb-guardian", {})

    assert response.status_code == 201
    student = ok(sandbox_roster.get(f"{V1P2}/users/sb-student"), 200)["user"]
    assert [a["sourcedId"] for a in student["agents"]] == ["sb-guardian"]


SCAFFOLDING = {
    "users": ("users/sb-teacher", sandbox_user("teacher")),
    "classes": (
        "classes/sb-class-2",
        {"class": {"title": "Mine", "course": "a-course", "school": SANDBOX}},
    ),
    "enrollments": (
        "enrollments/sb-enr",
        {"enrollment": {"user": "sb-student", "class": "sb-class", "role": "student"}},
    ),
    "agents": ("students/sb-student/agents/sb-guardian", {}),
}


@pytest.mark.parametrize("kind", list(SCAFFOLDING))
def test_an_ordinary_app_may_not_scaffold_roster_data_and_is_told_why(
    sandbox_roster, partner_api, kind
):
    ok(partner_api.put_json(f"{API}/courses/a-course", {"title": "Partner A's course"}))
    path, body = SCAFFOLDING[kind]

    response = partner_api.put_json(f"{API}/{path}", body)

    assert response.status_code == 403
    assert "not a sandbox app" in description(response)
    assert not User.objects.filter(sourced_id="sb-teacher").exists()
    assert not Class.objects.filter(sourced_id="sb-class-2").exists()
    assert not Enrollment.objects.exists()
    assert not User.objects.get(sourced_id="sb-student").agents.exists()


@pytest.fixture
def real_school(roster_api):
    ok(
        roster_api.put_json(
            f"{V1P2}/orgs/school-1", {"org": {"name": "Maple Elementary", "type": "school"}}
        )
    )
    return roster_api


def test_a_sandbox_app_may_not_create_a_user_in_a_real_school(real_school, sandbox_api):
    response = sandbox_api.put_json(
        f"{API}/users/real-kid", sandbox_user("student", org="school-1")
    )

    assert response.status_code == 403
    assert "school-1" in description(response)
    assert not User.objects.filter(sourced_id="real-kid").exists()


def test_a_sandbox_app_may_not_put_a_class_in_a_real_school(real_school, sandbox_course):
    response = sandbox_course.put_json(
        f"{API}/classes/real-class", {"title": "Real", "course": "sb-course", "school": "school-1"}
    )

    assert response.status_code == 403
    assert not Class.objects.filter(sourced_id="real-class").exists()


def test_a_sandbox_app_may_not_change_a_real_schools_user(real_school, sandbox_api):
    ok(real_school.put_json(f"{V1P2}/users/real-kid", sandbox_user("student", org="school-1")))

    response = sandbox_api.put_json(f"{API}/users/real-kid", sandbox_user("student"))

    assert response.status_code == 403
    assert User.objects.get(sourced_id="real-kid").roles.get().org.sourced_id == "school-1"


def test_a_sandbox_app_may_not_make_a_sandbox_user_the_agent_of_a_real_schools_user(
    real_school, sandbox_api
):
    ok(real_school.put_json(f"{V1P2}/users/real-kid", sandbox_user("student", org="school-1")))
    body = {"user": {**sandbox_user("guardian")["user"], "agents": ["real-kid"]}}

    response = sandbox_api.put_json(f"{API}/users/sb-guardian", body)

    assert response.status_code == 403
    assert "school-1" in description(response)
    assert not User.objects.filter(sourced_id="sb-guardian").exists()


def test_the_roster_source_can_write_users_classes_enrollments_and_agents_anywhere(real_school):
    api = real_school
    writes = [
        ("courses/math", {"title": "Math"}),
        ("users/kid", sandbox_user("student", org="school-1")),
        ("users/mum", sandbox_user("guardian", org="school-1")),
        ("classes/math-a", {"title": "Math A", "course": "math", "school": "school-1"}),
        ("enrollments/kid-math-a", {"user": "kid", "class": "math-a", "role": "student"}),
        ("students/kid/agents/mum", {}),
        ("users/sandbox-kid", sandbox_user("student")),
    ]

    statuses = [api.put_json(f"{API}/{path}", body).status_code for path, body in writes]

    assert statuses == [201] * len(writes)
    assert Enrollment.objects.get(sourced_id="kid-math-a").school.sourced_id == "school-1"


SCHOOL_STRUCTURE = {
    "orgs": (
        "orgs/sb-dept",
        {"org": {"name": "Test dept", "type": "department", "parent": SANDBOX}},
    ),
    "demographics": ("demographics/sb-student", {"demographics": {"sex": "female"}}),
}


@pytest.mark.parametrize("kind", list(SCHOOL_STRUCTURE))
def test_only_the_roster_source_writes_orgs_and_demographics(sandbox_roster, make_partner, kind):
    everything = make_partner(
        "Sandbox with every scope", sandbox=True, scopes=scopes.all_partner_scopes()
    )
    path, body = SCHOOL_STRUCTURE[kind]

    response = everything.put_json(f"{V1P2}/{path}", body)

    assert response.status_code == 403
    assert "roster source" in description(response)


def session(org=SANDBOX, **more):
    body = {
        "title": "Fall",
        "type": "term",
        "startDate": "2026-08-01",
        "endDate": "2026-12-20",
        "schoolYear": "2027",
        **more,
    }
    if org:
        body["org"] = {"sourcedId": org}
    return {"academicSession": body}


def test_a_sandbox_app_can_create_a_term_and_a_grading_period_in_the_sandbox_org(sandbox_api):
    ok(sandbox_api.put_json(f"{V1P2}/academicSessions/sb-term", session()))
    period = session(type="gradingPeriod", title="Q1", parent={"sourcedId": "sb-term"})

    response = sandbox_api.put_json(f"{V1P2}/academicSessions/sb-q1", period)

    assert response.status_code == 201
    read = ok(sandbox_api.get(f"{V1P2}/terms/sb-term/gradingPeriods"), 200)["academicSessions"]
    assert [p["sourcedId"] for p in read] == ["sb-q1"]
    assert AcademicSession.objects.get(sourced_id="sb-q1").org.sourced_id == SANDBOX


def test_a_sandbox_apps_term_naming_no_org_is_put_in_the_sandbox_org(sandbox_api):
    ok(sandbox_api.put_json(f"{API}/academicSessions/sb-term", session(org=None)))

    assert AcademicSession.objects.get(sourced_id="sb-term").org.sourced_id == SANDBOX


def test_a_sandbox_app_may_not_create_a_term_in_a_real_school(real_school, sandbox_api):
    response = sandbox_api.put_json(f"{V1P2}/academicSessions/real-term", session("school-1"))

    assert response.status_code == 403
    assert "school-1" in description(response)
    assert not AcademicSession.objects.filter(sourced_id="real-term").exists()


def test_a_sandbox_app_may_not_change_or_delete_a_real_schools_term(real_school, sandbox_api):
    ok(real_school.put_json(f"{V1P2}/academicSessions/real-term", session("school-1")))

    changed = sandbox_api.put_json(f"{V1P2}/academicSessions/real-term", session())
    deleted = sandbox_api.delete(f"{V1P2}/academicSessions/real-term")

    assert (changed.status_code, deleted.status_code) == (403, 403)
    term = AcademicSession.objects.get(sourced_id="real-term")
    assert (term.org.sourced_id, term.status) == ("school-1", "active")


def test_a_sandbox_app_may_not_hang_a_grading_period_under_a_real_schools_term(
    real_school, sandbox_api
):
    ok(real_school.put_json(f"{V1P2}/academicSessions/real-term", session("school-1")))
    period = session(type="gradingPeriod", parent={"sourcedId": "real-term"})

    response = sandbox_api.put_json(f"{V1P2}/academicSessions/sb-q1", period)

    assert response.status_code == 403
    assert not AcademicSession.objects.filter(sourced_id="sb-q1").exists()


def test_a_sandbox_app_can_delete_its_sandbox_term(sandbox_api):
    ok(sandbox_api.put_json(f"{V1P2}/academicSessions/sb-term", session()))

    response = sandbox_api.delete(f"{V1P2}/academicSessions/sb-term")

    assert response.status_code == 204
    assert AcademicSession.objects.get(sourced_id="sb-term").status == "tobedeleted"


def test_an_ordinary_app_may_not_create_academic_sessions(partner_api):
    response = partner_api.put_json(f"{V1P2}/academicSessions/p-term", session())

    assert response.status_code == 403
    assert "not a sandbox app" in description(response)
    assert not AcademicSession.objects.filter(sourced_id="p-term").exists()


def test_a_sandbox_class_naming_no_term_gets_the_sandbox_orgs_current_school_year(
    sandbox_course,
):
    ok(
        sandbox_course.put_json(
            f"{API}/classes/sb-class",
            {"class": {"title": "Sandbox class", "course": "sb-course", "org": SANDBOX}},
        )
    )

    klass = ok(sandbox_course.get(f"{V1P2}/classes/sb-class"), 200)["class"]
    (term_ref,) = klass["terms"]
    term = ok(sandbox_course.get(f"{V1P2}/terms/{term_ref['sourcedId']}"), 200)
    term = term["academicSession"]
    today = timezone.localdate().isoformat()
    assert term["startDate"] <= today <= term["endDate"]
    assert AcademicSession.objects.get(sourced_id=term["sourcedId"]).org.sourced_id == SANDBOX


@pytest.mark.parametrize(
    "today, first_day, last_day, school_year",
    [
        ("2027-03-10", date(2026, 8, 1), date(2027, 7, 31), "2027"),
        ("2027-07-31", date(2026, 8, 1), date(2027, 7, 31), "2027"),
        ("2027-08-01", date(2027, 8, 1), date(2028, 7, 31), "2028"),
    ],
)
def test_the_sandbox_term_is_the_school_year_of_the_day(today, first_day, last_day, school_year):
    term = services.sandbox_term(date.fromisoformat(today))

    assert (term.start_date, term.end_date, term.school_year) == (first_day, last_day, school_year)
    assert term.org.sourced_id == SANDBOX
    assert services.sandbox_term(date.fromisoformat(today)).pk == term.pk


def test_sandbox_classes_share_one_current_term_and_keep_the_terms_they_name(sandbox_course):
    ok(sandbox_course.put_json(f"{V1P2}/academicSessions/sb-term", session()))
    bodies = {
        "sb-a": {"title": "A", "course": "sb-course", "org": SANDBOX},
        "sb-b": {"title": "B", "course": "sb-course", "org": SANDBOX},
        "sb-c": {"title": "C", "course": "sb-course", "org": SANDBOX, "terms": ["sb-term"]},
    }
    for sourced_id, body in bodies.items():
        ok(sandbox_course.put_json(f"{API}/classes/{sourced_id}", {"class": body}))

    terms = {
        k.sourced_id: [t.sourced_id for t in k.terms.all()]
        for k in Class.objects.filter(sourced_id__startswith="sb-")
    }
    assert terms["sb-a"] == terms["sb-b"] != ["sb-term"]
    assert len(terms["sb-a"]) == 1
    assert terms["sb-c"] == ["sb-term"]


# --- soft deletes ---


@pytest.fixture
def deletable(deleting_app):
    api = deleting_app
    ok(api.put_json(f"{API}/courses/fractions", {"title": "Fractions"}))
    ok(api.put_json(f"{API}/units/fr-u1", {"title": "Halves", "course": "fractions"}))
    ok(api.put_json(f"{API}/lessons/fr-l1", {"title": "A half", "unit": "fr-u1"}))
    ok(
        api.put_json(
            f"{API}/resources/fr-r1",
            {"title": "Video", "vendorResourceId": "v1", "lessons": ["fr-l1"]},
        )
    )
    return api


@pytest.mark.parametrize(
    ("path", "model", "key"),
    [
        ("courses/fractions", Course, "course"),
        ("units/fr-u1", CourseComponent, "unit"),
        ("lessons/fr-l1", CourseComponent, "lesson"),
        ("resources/fr-r1", Resource, "resource"),
    ],
)
def test_delete_marks_the_object_tobedeleted_and_keeps_it_readable(deletable, path, model, key):
    response = deletable.delete(f"{API}/{path}")

    assert response.status_code == 204
    sourced_id = path.split("/")[1]
    assert model.objects.get(sourced_id=sourced_id).status == "tobedeleted"
    read = ok(deletable.get(f"{API}/{path}"), 200)
    assert read[key]["status"] == "tobedeleted"


def test_delete_keeps_the_lessons_of_a_deleted_course(deletable):
    deletable.delete(f"{API}/courses/fractions")

    assert CourseComponent.objects.filter(course__sourced_id="fractions").count() == 2


def test_another_app_may_not_delete_an_apps_course(deletable, make_partner):
    other = make_partner("Other deleter", scopes=[scopes.oneroster("roster.delete")])

    response = other.delete(f"{API}/courses/fractions")

    # It cannot even see the course (docs/access.md#who-sees-what).
    assert response.status_code == 404
    assert Course.objects.get(sourced_id="fractions").status == "active"


def test_deleting_an_unknown_object_answers_404(deletable):
    assert deletable.delete(f"{API}/courses/nothing").status_code == 404


# --- POST creates on collections ---


def test_posting_to_a_collection_creates_and_answers_sourced_id_pairs(partner_api):
    response = partner_api.post_json(
        f"{V1P2}/courses", {"course": {"sourcedId": "posted", "title": "Posted"}}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["sourcedIdPairs"] == {"suppliedSourcedId": "posted", "allocatedSourcedId": "posted"}
    assert body["course"]["sourcedId"] == "posted"
    assert Course.objects.get(sourced_id="posted").partner_app == partner_api.app


def test_posting_without_a_sourced_id_allocates_one(catalogue):
    response = catalogue.post_json(
        f"{V1P2}/courses/components", {"courseComponent": {"title": "U2", "course": "fractions"}}
    )

    assert response.status_code == 201
    allocated = response.json()["sourcedIdPairs"]["allocatedSourcedId"]
    assert CourseComponent.objects.get(sourced_id=allocated).title == "U2"


def test_posting_an_existing_sourced_id_answers_409_and_changes_nothing(catalogue):
    response = catalogue.post_json(
        f"{V1P2}/courses", {"course": {"sourcedId": "fractions", "title": "Again"}}
    )

    assert response.status_code == 409
    assert "fractions" in description(response)
    assert Course.objects.get(sourced_id="fractions").title == "Fractions"


# --- bad requests change nothing ---


def test_a_body_sourced_id_differing_from_the_url_is_refused(partner_api):
    response = partner_api.put_json(
        f"{API}/courses/one", {"course": {"sourcedId": "two", "title": "Which?"}}
    )

    assert response.status_code == 400
    assert "sourcedId" in description(response)
    assert not Course.objects.exists()


@pytest.fixture
def course_before(catalogue):
    return Course.objects.get(sourced_id="fractions")


def assert_course_unchanged(before):
    after = Course.objects.get(pk=before.pk)
    assert (after.title, after.grades, after.date_last_modified) == (
        before.title,
        before.grades,
        before.date_last_modified,
    )


def test_a_body_that_is_not_json_is_refused_with_a_status_payload(catalogue, course_before):
    response = catalogue.generic(
        "PUT", f"{API}/courses/fractions", '{"title": "Broken', content_type="application/json"
    )

    assert response.status_code == 400
    assert description(response)
    assert_course_unchanged(course_before)


def test_a_json_array_body_is_refused_with_a_status_payload(catalogue, course_before):
    response = catalogue.put_json(f"{API}/courses/fractions", [{"title": "In a list"}])

    assert response.status_code == 400
    assert "JSON object" in description(response)
    assert_course_unchanged(course_before)


def test_a_json_string_body_is_refused_with_a_status_payload(catalogue, course_before):
    response = catalogue.put_json(f"{API}/courses/fractions", "Fractions")

    assert response.status_code == 400
    assert_course_unchanged(course_before)


def test_a_field_of_the_wrong_type_is_refused_naming_it_and_nothing_is_written(
    catalogue, course_before
):
    response = catalogue.put_json(f"{API}/courses/fractions", {"title": "Renamed", "grades": "03"})

    assert response.status_code == 400
    assert "grades" in description(response)
    assert_course_unchanged(course_before)


def test_a_sort_order_that_is_not_a_number_is_refused(catalogue):
    response = catalogue.put_json(f"{API}/units/fr-u1", {"sortOrder": "first"})

    assert response.status_code == 400
    assert "sortOrder" in description(response)
    assert CourseComponent.objects.get(sourced_id="fr-u1").sort_order == 1


def test_a_reference_of_the_wrong_type_is_refused(catalogue):
    response = catalogue.put_json(f"{API}/units/fr-u2", {"title": "Odd", "course": 42})

    assert response.status_code == 400
    assert "course" in description(response)
    assert not CourseComponent.objects.filter(sourced_id="fr-u2").exists()


# --- idempotence ---

REPEATABLE = [
    ("courses/fractions", {"course": {"title": "Fractions", "courseCode": "FR", "grades": ["03"]}}),
    ("units/fr-u1", {"title": "Halves", "course": "fractions", "sortOrder": 1}),
    ("lessons/fr-l1", {"title": "What is a half", "unit": "fr-u1", "sortOrder": 1}),
    (
        "resources/fr-r1",
        {"title": "Halves video", "vendorResourceId": "vid-1", "lessons": ["fr-l1"]},
    ),
]


@pytest.mark.parametrize(("path", "body"), REPEATABLE, ids=[p for p, _ in REPEATABLE])
def test_repeating_an_identical_put_leaves_date_last_modified_alone(catalogue, path, body):
    first = ok(catalogue.put_json(f"{API}/{path}", body))

    second = ok(catalogue.put_json(f"{API}/{path}", body), 200)

    (first_obj,) = first.values()
    (second_obj,) = second.values()
    assert second_obj["dateLastModified"] == first_obj["dateLastModified"]


def test_repeating_an_identical_user_put_leaves_date_last_modified_alone(sandbox_roster):
    body = {
        "user": {
            **sandbox_user("student")["user"],
            "agents": ["sb-guardian"],
            "grades": ["03"],
            "enabledUser": "true",
        }
    }
    first = ok(sandbox_roster.put_json(f"{API}/users/sb-student", body), 200)

    second = ok(sandbox_roster.put_json(f"{API}/users/sb-student", body), 200)

    assert second["user"]["dateLastModified"] == first["user"]["dateLastModified"]


def test_a_put_that_changes_something_moves_date_last_modified(catalogue):
    before = Course.objects.get(sourced_id="fractions").date_last_modified

    catalogue.put_json(f"{API}/courses/fractions", {"title": "Fractions, revised"})

    assert Course.objects.get(sourced_id="fractions").date_last_modified > before


def test_one_sandbox_app_cannot_enrol_into_or_delete_another_sandbox_apps_class(
    sandbox_roster, make_partner
):
    intruder = make_partner("Other sandbox app", sandbox=True)
    ok(intruder.put_json(f"{API}/users/intruder-student", sandbox_user("student")))

    enrol = intruder.put_json(
        f"{API}/enrollments/intruder-enr",
        {"enrollment": {"user": "intruder-student", "class": "sb-class", "role": "student"}},
    )
    delete = intruder.delete(f"{API}/classes/sb-class")

    # Writing names the class, so the write rule explains (403); the class itself is out of
    # the intruder's sight, so deleting it is 404.
    assert (enrol.status_code, delete.status_code) == (403, 404)
    assert "another app" in description(enrol)
    assert not Enrollment.objects.filter(sourced_id="intruder-enr").exists()
    assert Class.objects.get(sourced_id="sb-class").status == "active"


def test_agents_given_on_a_user_are_linked_both_ways(sandbox_roster):
    body = sandbox_user("student")
    body["user"]["agents"] = [{"sourcedId": "sb-guardian"}]
    ok(sandbox_roster.put_json(f"{API}/users/sb-student", body))

    guardian = ok(sandbox_roster.get(f"{API}/users/sb-guardian"), 200)["user"]
    assert [a["sourcedId"] for a in guardian["agents"]] == ["sb-student"]

    body["user"]["agents"] = []
    ok(sandbox_roster.put_json(f"{API}/users/sb-student", body))
    guardian = ok(sandbox_roster.get(f"{API}/users/sb-guardian"), 200)["user"]
    assert guardian["agents"] == []


def test_logging_in_is_not_a_roster_change(sandbox_roster):
    user = User.objects.get(sourced_id="sb-student")
    before = user.date_last_modified
    user.set_password("pw-123456")
    user.save(update_fields=["password"])
    user.last_login = user.date_last_modified
    user.save(update_fields=["last_login"])
    user.refresh_from_db()
    assert user.date_last_modified == before


def test_a_grading_period_posted_under_a_term_belongs_to_that_term(make_partner):
    school_admin = make_partner(
        "SIS with all scopes", roster_source=True, scopes=scopes.all_partner_scopes()
    )
    ok(
        school_admin.put_json(
            f"{V1P2}/terms/t1",
            {
                "academicSession": {
                    "title": "Fall",
                    "type": "term",
                    "startDate": "2026-08-15",
                    "endDate": "2026-12-20",
                    "schoolYear": "2027",
                }
            },
        )
    )
    response = school_admin.post_json(
        f"{V1P2}/terms/t1/gradingPeriods",
        {
            "academicSession": {
                "sourcedId": "gp1",
                "title": "GP1",
                "type": "gradingPeriod",
                "startDate": "2026-08-15",
                "endDate": "2026-10-01",
                "schoolYear": "2027",
            }
        },
    )

    assert response.status_code == 201, response.json()
    periods = ok(school_admin.get(f"{V1P2}/terms/t1/gradingPeriods"), 200)["academicSessions"]
    assert [(p["sourcedId"], p["parent"]["sourcedId"]) for p in periods] == [("gp1", "t1")]
    assert (
        school_admin.post_json(f"{V1P2}/terms/missing/gradingPeriods", {"title": "x"}).status_code
        == 404
    )


def test_a_deleted_user_leaves_the_user_lists_but_not_its_single_read(sandbox_roster):
    ok(
        sandbox_roster.put_json(
            f"{API}/enrollments/sb-enr",
            {"enrollment": {"user": "sb-student", "class": "sb-class", "role": "student"}},
        )
    )
    assert sandbox_roster.delete(f"{V1P2}/users/sb-guardian").status_code == 204
    assert sandbox_roster.delete(f"{V1P2}/users/sb-student").status_code == 204

    users = ok(sandbox_roster.get(f"{V1P2}/users"), 200)["users"]
    students = ok(sandbox_roster.get(f"{V1P2}/classes/sb-class/students"), 200)["users"]
    single = ok(sandbox_roster.get(f"{V1P2}/users/sb-guardian"), 200)["user"]

    assert not {"sb-guardian", "sb-student"} & {u["sourcedId"] for u in users}
    assert students == []
    assert single["status"] == "tobedeleted"


# --- a sandbox app changes only the test people it created ---


@pytest.fixture
def second_sandbox(make_partner):
    """Another sandbox app, granted the delete scopes too."""
    granted = scopes.learning_app_scopes() + [scopes.oneroster("roster.delete")]
    return make_partner("Other Sandbox App", sandbox=True, scopes=granted)


def test_a_sandbox_app_cannot_rename_another_sandbox_apps_test_student(
    sandbox_roster, second_sandbox
):
    renamed = {"user": {**sandbox_user("student")["user"], "givenName": "Mallory"}}

    response = second_sandbox.put_json(f"{API}/users/sb-student", renamed)

    assert response.status_code == 403
    assert "not created by this app" in description(response)
    assert User.objects.get(sourced_id="sb-student").first_name == "Test"
    # Its creator still may.
    ok(sandbox_roster.put_json(f"{API}/users/sb-student", renamed), 200)
    assert User.objects.get(sourced_id="sb-student").first_name == "Mallory"


def test_a_sandbox_app_cannot_link_or_delete_another_sandbox_apps_test_people(
    sandbox_roster, second_sandbox
):
    ok(second_sandbox.put_json(f"{API}/users/sb-guardian-2", sandbox_user("guardian")))

    link = second_sandbox.put_json(f"{API}/students/sb-student/agents/sb-guardian-2", {})
    named = second_sandbox.put_json(
        f"{API}/users/sb-guardian-2",
        {"user": {**sandbox_user("guardian")["user"], "agents": ["sb-student"]}},
    )
    deleted = second_sandbox.delete(f"{API}/users/sb-student")

    assert (link.status_code, named.status_code, deleted.status_code) == (403, 403, 403)
    student = User.objects.get(sourced_id="sb-student")
    assert not student.agents.exists() and not student.agent_of.exists()
    assert student.status == "active"


def test_a_sandbox_apps_own_test_people_are_marked_as_created_by_it(sandbox_roster):
    assert User.objects.get(sourced_id="sb-student").scaffolded_by == sandbox_roster.app
