"""What Google's public OneRoster 1.2 integration conformance suite checks before Classroom
syncs with a SIS, run as its calls are made: plain HTTP against a live server, a token asked
for with HTTP Basic credentials and the four OneRoster scopes, the school's teacher found by
email, their active classes, the class's students, categories and term's grading periods,
then a line item and a result written, edited (a long title, extra credit, exempt), read back
under the class and deleted (docs/api.md#googles-oneroster-suite).

Our own tests of the same checks, in the order the suite makes its calls: the flow runs once
(the first test that asks) and each test reads what one step answered."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.db import connections

from rostering.services import RoleAssignment
from tests.factories import (
    AcademicSessionFactory,
    ClassFactory,
    CourseFactory,
    EnrollmentFactory,
    PartnerAppFactory,
    SchoolFactory,
    StudentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCOPES = " ".join(
    f"https://purl.imsglobal.org/spec/or/v1p2/scope/{name}"
    for name in ("roster.readonly", "gradebook.readonly", "gradebook.createput", "gradebook.delete")
)
TEACHER_EMAIL = "grace.hopper@maple.example"
LONG_TITLE = "[Amended] " + "Really " * 30 + "long line item title"


@pytest.fixture(autouse=True)
def _live_server_closes_its_connections():
    database = connections.settings["default"]
    kept, database["CONN_MAX_AGE"] = database["CONN_MAX_AGE"], 0
    yield
    database["CONN_MAX_AGE"] = kept


@pytest.fixture
def school(transactional_db):
    """A school as its SIS rosters it: a term with two grading periods, a teacher with an
    email, an active class taught in the term, a student, and the school's grading
    categories. Google's integration is connected as the school's roster source."""
    org = SchoolFactory(sourced_id="maple", name="Maple Elementary")
    term = AcademicSessionFactory(sourced_id="fall", title="Fall", type="term", org=org)
    for n, (start, end) in enumerate([("2026-08-15", "2026-10-15"), ("2026-10-16", "2026-12-20")]):
        AcademicSessionFactory(
            sourced_id=f"fall-gp{n + 1}",
            title=f"Fall period {n + 1}",
            type="gradingPeriod",
            org=org,
            parent=term,
            start_date=start,
            end_date=end,
        )
    teacher = UserFactory(
        sourced_id="t-hopper", email=TEACHER_EMAIL, roles=[RoleAssignment(org=org, role="teacher")]
    )
    student = StudentFactory(sourced_id="s-ada", email="ada@maple.example", org=org)
    course = CourseFactory(sourced_id="math-3", title="Math 3", org=org)
    klass = ClassFactory(sourced_id="math-3a", course=course, school=org, terms=[term])
    EnrollmentFactory(sourced_id="e-hopper", user=teacher, klass=klass, role="teacher")
    EnrollmentFactory(sourced_id="e-ada", user=student, klass=klass)
    from gradebook.models import Category

    Category.objects.create(sourced_id="homework", title="Homework")
    app = PartnerAppFactory(name="Google Classroom", roster_source=True)
    return app


_answers: dict = {}


@pytest.fixture
def answers(request) -> dict:
    if not _answers:
        _answers.update(_run_flow(request))
    return _answers


def _run_flow(request) -> dict:
    app = request.getfixturevalue("school")
    base = request.getfixturevalue("live_server").url
    roster, gradebook = (
        f"{base}/ims/oneroster/rostering/v1p2",
        f"{base}/ims/oneroster/gradebook/v1p2",
    )
    seen = {}
    token = requests.post(
        f"{base}/auth/1.0/token",
        auth=(app.oauth_client.id, app.client_secret),
        data={"grant_type": "client_credentials", "scope": SCOPES},
        timeout=30,
    )
    seen["token"] = token
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    put = {**bearer, "Content-Type": "application/json"}

    def get(url, **params):
        return requests.get(url, headers=bearer, params=params, timeout=30)

    seen["teachers"] = get(f"{roster}/teachers", limit=1)
    seen["teacher_by_email"] = get(
        f"{roster}/teachers", filter=f"email='{TEACHER_EMAIL}'", limit=10000
    )
    teacher = seen["teacher_by_email"].json()["users"][0]["sourcedId"]
    seen["classes"] = get(
        f"{roster}/teachers/{teacher}/classes", limit=10000, filter="status='active'"
    )
    klass = seen["classes"].json()["classes"][0]
    class_id, school_id = klass["sourcedId"], klass["school"]["sourcedId"]
    term_id = klass["terms"][0]["sourcedId"]
    seen["students"] = get(f"{roster}/classes/{class_id}/students", limit=10000)
    student_id = seen["students"].json()["users"][0]["sourcedId"]
    # The suite sends its token form as the body of this GET; the server ignores it.
    seen["categories"] = requests.get(
        f"{gradebook}/classes/{class_id}/categories",
        headers=bearer,
        params={"limit": 10000},
        data={"grant_type": "client_credentials", "scope": SCOPES},
        timeout=30,
    )
    category_id = seen["categories"].json()["categories"][0]["sourcedId"]
    seen["grading_periods"] = get(f"{roster}/terms/{term_id}/gradingPeriods", limit=10000)

    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    due = (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    line_item = str(uuid.uuid4())

    def line_item_body(title):
        return {
            "lineItem": {
                "sourcedId": line_item,
                "title": title,
                "description": "Test Line Item",
                "resultValueMin": 0,
                "resultValueMax": 100,
                "assignDate": stamp,
                "dueDate": due,
                "class": {"sourcedId": class_id},
                "category": {"sourcedId": category_id},
                "school": {"sourcedId": school_id},
            }
        }

    class_items = f"{gradebook}/classes/{class_id}/lineItems"
    seen["line_item_created"] = requests.put(
        f"{gradebook}/lineItems/{line_item}",
        headers=put,
        json=line_item_body("New test item"),
        timeout=30,
    )
    seen["line_items_after_create"] = get(class_items, limit=10000)
    seen["line_item_edited"] = requests.put(
        f"{gradebook}/lineItems/{line_item}",
        headers=put,
        json=line_item_body(LONG_TITLE),
        timeout=30,
    )
    seen["line_items_after_edit"] = get(class_items, limit=10000)

    result = str(uuid.uuid4())
    results_of_item = f"{class_items}/{line_item}/results"

    def result_body(score, status):
        return {
            "result": {
                "sourcedId": result,
                "score": score,
                "comment": "",
                "scoreStatus": status,
                "scoreDate": stamp,  # a date-time, where OneRoster 1.2 types a date
                "lineItem": {"sourcedId": line_item},
                "student": {"sourcedId": student_id},
            }
        }

    for step, (score, status) in {
        "result_created": (80, "fully graded"),
        "result_extra_credit": (300, "fully graded"),
        "result_exempt": (80, "exempt"),
    }.items():
        seen[step] = requests.put(
            f"{gradebook}/results/{result}",
            headers=put,
            json=result_body(score, status),
            timeout=30,
        )
        seen[f"{step}_read"] = get(results_of_item, limit=10000)
    seen["result_deleted"] = requests.delete(
        f"{gradebook}/results/{result}", headers=bearer, timeout=30
    )
    seen["results_after_delete"] = get(results_of_item, limit=10000)
    seen["line_item_deleted"] = requests.delete(
        f"{gradebook}/lineItems/{line_item}", headers=bearer, timeout=30
    )
    seen["line_items_after_delete"] = get(class_items, limit=10000)
    return {
        "status": {name: answer.status_code for name, answer in seen.items()},
        "json": {name: answer.json() if answer.content else None for name, answer in seen.items()},
        "ids": {"line_item": line_item, "result": result, "class": class_id},
    }


def _listed(answer: dict, collection: str) -> dict:
    return {item["sourcedId"]: item for item in answer[collection]}


def test_a_token_is_issued_to_basic_credentials_with_the_four_oneroster_scopes(answers):
    assert answers["status"]["token"] == 200
    assert set(answers["json"]["token"]["scope"].split()) >= set(SCOPES.split())


def test_teachers_list_and_one_teacher_is_found_by_email(answers):
    assert answers["status"]["teachers"] == 200
    (teacher,) = answers["json"]["teacher_by_email"]["users"]
    assert teacher["sourcedId"] == "t-hopper" and teacher["email"] == TEACHER_EMAIL


def test_the_teachers_active_classes_name_their_school_and_term(answers):
    (klass,) = answers["json"]["classes"]["classes"]
    assert klass["school"]["sourcedId"] == "maple"
    assert [t["sourcedId"] for t in klass["terms"]] == ["fall"]


def test_the_class_lists_its_students_with_their_email(answers):
    (student,) = answers["json"]["students"]["users"]
    assert (student["sourcedId"], student["email"]) == ("s-ada", "ada@maple.example")


def test_a_new_class_offers_the_schools_grading_categories(answers):
    assert answers["status"]["categories"] == 200
    assert [c["sourcedId"] for c in answers["json"]["categories"]["categories"]] == ["homework"]


def test_the_terms_grading_periods_are_grading_periods_with_their_dates(answers):
    periods = answers["json"]["grading_periods"]["academicSessions"]
    assert [p["sourcedId"] for p in periods] == ["fall-gp1", "fall-gp2"]
    for period in periods:
        assert period["type"] == "gradingPeriod"
        assert period.keys() >= {"sourcedId", "title", "startDate", "endDate", "schoolYear"}


def test_a_line_item_put_creates_201_then_edits_200_with_its_long_title(answers):
    assert answers["status"]["line_item_created"] == 201
    assert answers["ids"]["line_item"] in _listed(
        answers["json"]["line_items_after_create"], "lineItems"
    )
    assert answers["status"]["line_item_edited"] == 200
    edited = _listed(answers["json"]["line_items_after_edit"], "lineItems")[
        answers["ids"]["line_item"]
    ]
    assert edited["title"] == LONG_TITLE


def test_a_result_with_a_date_time_score_date_is_written_and_listed_under_its_line_item(answers):
    assert answers["status"]["result_created"] in (200, 201)
    listed = _listed(answers["json"]["result_created_read"], "results")
    assert listed[answers["ids"]["result"]]["score"] == 80


def test_extra_credit_above_the_maximum_is_kept(answers):
    assert answers["status"]["result_extra_credit"] == 200
    listed = _listed(answers["json"]["result_extra_credit_read"], "results")
    assert listed[answers["ids"]["result"]]["score"] == 300


def test_an_exempt_result_reads_back_exempt(answers):
    listed = _listed(answers["json"]["result_exempt_read"], "results")
    assert listed[answers["ids"]["result"]]["scoreStatus"] == "exempt"


def test_a_deleted_result_leaves_its_line_items_results(answers):
    assert answers["status"]["result_deleted"] in (200, 204)
    assert answers["ids"]["result"] not in _listed(
        answers["json"]["results_after_delete"], "results"
    )


def test_a_deleted_line_item_leaves_the_classs_line_items(answers):
    assert answers["status"]["line_item_deleted"] in (200, 204)
    after = _listed(answers["json"]["line_items_after_delete"], "lineItems")
    assert answers["ids"]["line_item"] not in after
