"""Collections of the OneRoster API: filters become ORM queries over real rows; sort,
fields, search and paging behave as the standard says; bad input answers 400."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rostering import services
from rostering.models import Org, User
from rostering.services import RoleAssignment

pytestmark = pytest.mark.django_db
USERS = "/ims/oneroster/rostering/v1p2/users"


@pytest.fixture
def school(db):
    district, _ = services.upsert_org(sourced_id="district", name="District", type="district")
    school, _ = services.upsert_org(
        sourced_id="school", name="North School", type="school", parent=district
    )
    return school


@pytest.fixture
def people(school):
    other, _ = services.upsert_org(sourced_id="other-school", name="South School", type="school")
    rows = [
        ("u-ada", "Ada", "Lovelace", "student", school, ["05"], True),
        ("u-alan", "Alan", "Turing", "student", other, ["06"], True),
        ("u-grace", "Grace", "Hopper", "teacher", school, [], True),
        ("u-obrien", "Sean", "O'Brien", "student", school, ["05", "06"], False),
        ("u-guardian", "Mary", "Lovelace", "guardian", school, [], True),
    ]
    for sourced_id, given, family, role, org, grades, enabled in rows:
        services.upsert_user(
            sourced_id=sourced_id,
            first_name=given,
            last_name=family,
            grades=grades,
            enabled_user=enabled,
            email=f"{given.lower()}@example.org",
            metadata={"house": "red" if role == "student" else "blue", "level": 3},
            roles=[RoleAssignment(org=org, role=role)],
        )
    services.link_agent(
        student=User.objects.get(sourced_id="u-ada"),
        agent=User.objects.get(sourced_id="u-guardian"),
    )
    User.objects.filter(sourced_id="u-alan").update(
        date_last_modified=timezone.now() - timedelta(days=10)
    )


def sourced_ids(response):
    assert response.status_code == 200, response.content
    return sorted(u["sourcedId"] for u in response.json()["users"])


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ("familyName='Lovelace'", ["u-ada", "u-guardian"]),
        ("familyName!='Lovelace'", ["u-alan", "u-grace", "u-obrien"]),
        ("givenName~'AN'", ["u-alan", "u-obrien"]),  # AlAN, SeAN: contains, any case
        ("familyName='O''Brien'", ["u-obrien"]),
        ("familyName>'M'", ["u-alan", "u-obrien"]),
        ("familyName>='Lovelace'", ["u-ada", "u-alan", "u-guardian", "u-obrien"]),
        ("familyName<'Lovelace'", ["u-grace"]),
        ("familyName<='Hopper'", ["u-grace"]),
        ("roles.role='student'", ["u-ada", "u-alan", "u-obrien"]),
        ("role='teacher'", ["u-grace"]),
        ("roles.role!='student'", ["u-grace", "u-guardian"]),
        ("roles.org.sourcedId='other-school'", ["u-alan"]),
        ("roles.role='student' AND roles.org.sourcedId='school'", ["u-ada", "u-obrien"]),
        ("roles.role='teacher' OR roles.role='guardian'", ["u-grace", "u-guardian"]),
        ("familyName='Turing' OR familyName='Hopper' AND givenName='Grace'", ["u-alan", "u-grace"]),
        ("enabledUser='false'", ["u-obrien"]),
        ("enabledUser=true", ["u-ada", "u-alan", "u-grace", "u-guardian"]),
        ("grades='06'", ["u-alan", "u-obrien"]),
        ("grades!='05'", ["u-alan", "u-grace", "u-guardian"]),
        ("agents.sourcedId='u-guardian'", ["u-ada"]),
        ("metadata.house='red'", ["u-ada", "u-alan", "u-obrien"]),
        ("metadata.level='3'", ["u-ada", "u-alan", "u-grace", "u-guardian", "u-obrien"]),
        ("metadata.house!='red'", ["u-grace", "u-guardian"]),
        ("sourcedId='u-ada'", ["u-ada"]),
        ("status='active'", ["u-ada", "u-alan", "u-grace", "u-guardian", "u-obrien"]),
        (f"dateLastModified<'{(date.today() - timedelta(days=5)).isoformat()}'", ["u-alan"]),
        (
            f"dateLastModified>'{(date.today() - timedelta(days=5)).isoformat()}'",
            ["u-ada", "u-grace", "u-guardian", "u-obrien"],
        ),
        ("email='ada@example.org'", ["u-ada"]),
    ],
)
def test_filter_selects_exactly_the_matching_users(roster_api, people, filter_text, expected):
    assert sourced_ids(roster_api.get(USERS, {"filter": filter_text})) == expected


@pytest.mark.parametrize(
    ("params", "code_minor"),
    [
        ({"filter": "shoeSize='9'"}, "invalid_filter_field"),
        ({"filter": "familyName='unterminated"}, "invalid_filter_field"),
        ({"filter": "familyName"}, "invalid_filter_field"),
        ({"filter": ""}, "invalid_filter_field"),
        ({"filter": "enabledUser='maybe'"}, "invalid_filter_field"),
        ({"filter": "dateLastModified>'yesterday'"}, "invalid_filter_field"),
        ({"filter": "grades>'05'"}, "invalid_filter_field"),
        ({"filter": "enabledUser~'t'"}, "invalid_filter_field"),
        ({"filter": "metadata.$where='1'"}, "invalid_filter_field"),
        ({"fields": "sourcedId,shoeSize"}, "invalid_selection_field"),
        ({"fields": ","}, "invalid_selection_field"),
        ({"sort": "shoeSize"}, "invalid_selection_field"),
        ({"sort": "roles.role"}, "invalid_selection_field"),
        ({"orderBy": "sideways"}, "invalid_selection_field"),
        ({"limit": "ten"}, "invaliddata"),
        ({"limit": "0"}, "invaliddata"),
        ({"offset": "-1"}, "invaliddata"),
        ({"offset": "99999999999999999999"}, "invaliddata"),
    ],
)
def test_bad_query_parameters_answer_400_with_the_oneroster_code(
    roster_api, people, params, code_minor
):
    response = roster_api.get(USERS, params)
    assert response.status_code == 400
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert (
        body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == code_minor
    )
    assert body["imsx_description"]


def test_sort_and_order_by_order_the_collection(roster_api, people):
    ascending = roster_api.get(USERS, {"sort": "givenName"}).json()["users"]
    descending = roster_api.get(USERS, {"sort": "givenName", "orderBy": "desc"}).json()["users"]
    names = [u["givenName"] for u in ascending]
    assert names == sorted(names)
    assert [u["givenName"] for u in descending] == list(reversed(names))


def test_fields_selects_the_returned_properties(roster_api, people):
    users = roster_api.get(USERS, {"fields": "sourcedId,familyName"}).json()["users"]
    assert users and all(set(u) == {"sourcedId", "familyName"} for u in users)


def test_search_matches_names_and_email(roster_api, people):
    assert sourced_ids(roster_api.get(USERS, {"search": "hopper"})) == ["u-grace"]
    assert sourced_ids(roster_api.get(USERS, {"search": "sean@"})) == ["u-obrien"]


def test_paging_answers_headers_links_and_body_fields(roster_api, people):
    response = roster_api.get(USERS, {"limit": 2, "offset": 2, "sort": "sourcedId"})
    body = response.json()
    assert response["X-Total-Count"] == "5"
    assert [u["sourcedId"] for u in body["users"]] == ["u-grace", "u-guardian"]
    assert (
        body["totalCount"],
        body["pageCount"],
        body["pageNumber"],
        body["offset"],
        body["limit"],
    ) == (5, 3, 2, 2, 2)
    links = link_offsets(response["Link"])
    assert links == {"first": 0, "prev": 0, "next": 4, "last": 4}
    assert "sort=sourcedId" in response["Link"]


def link_offsets(header):
    """{rel: offset} from an RFC 8288 Link header."""
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', header)
    return {rel: int(parse_qs(urlparse(url).query)["offset"][0]) for url, rel in found}


def test_last_page_has_no_next_link_and_past_the_end_is_empty(roster_api, people):
    last = roster_api.get(USERS, {"limit": 2, "offset": 4})
    assert 'rel="next"' not in last["Link"]
    beyond = roster_api.get(USERS, {"limit": 2, "offset": 50})
    assert beyond.status_code == 200 and beyond.json()["users"] == []


def test_limit_above_the_cap_is_capped_not_refused(roster_api, people):
    assert roster_api.get(USERS, {"limit": 100000}).json()["limit"] == 3000


def test_default_limit_is_100(roster_api, people):
    assert roster_api.get(USERS).json()["limit"] == 100


def _many_users(count, org):
    for i in range(count):
        services.upsert_user(
            sourced_id=f"bulk-{i:03d}",
            first_name=f"Given{i}",
            last_name=f"Family{i}",
            roles=[RoleAssignment(org=org, role="student"), RoleAssignment(org=org, role="aide")],
        )
    guardian = User.objects.get(sourced_id="bulk-000")
    # Not the guardian themselves: a user cannot be their own agent.
    for user in User.objects.filter(sourced_id__startswith="bulk-").exclude(pk=guardian.pk)[:10]:
        services.link_agent(student=user, agent=guardian)


@pytest.mark.parametrize(
    "path",
    [
        USERS,
        "/ims/oneroster/rostering/v1p2/students",
        "/ims/oneroster/rostering/v1p2/schools/school/students",
    ],
)
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(roster_api, school, path):
    _many_users(60, school)

    roster_api.get(path)  # the token's first request checks it; later ones remember it

    def queries_for(limit):
        with CaptureQueriesContext(connection) as captured:
            response = roster_api.get(path, {"limit": limit, "filter": "roles.role='student'"})
        assert response.status_code == 200
        assert len(response.json()["users"]) == limit
        return len(captured)

    assert queries_for(5) == queries_for(50)


@pytest.mark.parametrize(
    "path",
    [
        "/ims/oneroster/rostering/v1p2/orgs",
        "/ims/oneroster/rostering/v1p2/classes",
        "/ims/oneroster/rostering/v1p2/enrollments",
        "/ims/oneroster/rostering/v1p2/academicSessions",
        "/ims/oneroster/rostering/v1p2/courses/components",
    ],
)
def test_other_collections_cost_constant_queries_too(roster_api, school, path):
    services.upsert_academic_session(
        sourced_id="year",
        title="Year",
        type="schoolYear",
        start_date=date(2026, 8, 1),
        end_date=date(2027, 6, 30),
        school_year="2027",
    )
    for i in range(30):
        org, _ = services.upsert_org(
            sourced_id=f"org-{i}",
            name=f"Org {i}",
            type="school",
            parent=Org.objects.get(sourced_id="district"),
        )
        course, _ = services.upsert_course(sourced_id=f"course-{i}", title=f"Course {i}", org=org)
        unit, _ = services.upsert_course_component(
            sourced_id=f"unit-{i}", title="Unit", course=course
        )
        services.upsert_course_component(
            sourced_id=f"lesson-{i}", title="Lesson", course=course, parent=unit
        )
        klass, _ = services.upsert_class(
            sourced_id=f"class-{i}", title=f"Class {i}", course=course, school=org, terms=[]
        )
        user, _ = services.upsert_user(
            sourced_id=f"s-{i}",
            first_name="S",
            last_name=str(i),
            roles=[RoleAssignment(org=org, role="student")],
        )
        services.upsert_enrollment(sourced_id=f"e-{i}", user=user, klass=klass, role="student")
        services.upsert_academic_session(
            sourced_id=f"term-{i}",
            title=f"T{i}",
            type="term",
            start_date=date(2026, 8, 1),
            end_date=date(2026, 12, 20),
            school_year="2027",
        )

    roster_api.get(path)  # the token's first request checks it; later ones remember it

    def queries_for(limit):
        with CaptureQueriesContext(connection) as captured:
            assert roster_api.get(path, {"limit": limit}).status_code == 200
        return len(captured)

    assert queries_for(3) == queries_for(25)
