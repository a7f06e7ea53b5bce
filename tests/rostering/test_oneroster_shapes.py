"""Every rostering read answers what the official schemas describe.

Object shapes come from 1EdTech's OneRoster 1.2 OpenAPI file (docs/api.md#oneroster-12: the
official 1EdTech files decide object shapes and error payloads); course components and component
resources, which OneRoster 1.2 rostering does not define, from Timeback's published
OneRoster API. The schemas are used as published, never edited.
"""

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT7

from core import scopes
from rostering.api.urls import rostering_urlpatterns

pytestmark = pytest.mark.django_db

# The official and Timeback's published API descriptions, vendored unmodified with their
# notices (tests/fixtures/README.md).
CONFORMANCE = Path(__file__).resolve().parents[1] / "fixtures"
ONEROSTER_FILE = CONFORMANCE / "oneroster-v1p2/onerosterv1p2rostersservice_openapi3_v1p0.json"
TIMEBACK_FILE = CONFORMANCE / "timeback-oneroster/openapi.yaml"
ONEROSTER_URI = "urn:oneroster-v1p2:rostering"
V1P2 = "/ims/oneroster/rostering/v1p2"
PARTNER = "/rostering/1.0"
PAGING_FIELDS = ("totalCount", "pageCount", "pageNumber", "offset", "limit")


def _read(path: Path) -> str:
    assert path.is_file(), (
        f"Conformance file {path} is missing: it is part of the repository "
        "(tests/fixtures/, see its README.md)."
    )
    return path.read_text()


# --- formats: jsonschema checks "date-time" and "uri" only with optional extras, so the
# rules the OneRoster files state are checked here directly ---

FORMATS = FormatChecker(formats=())
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    # OneRoster: "DateTimes MUST be expressed in W3C profile of ISO 8601 and MUST contain
    # the UTC timezone".
    return bool(_DATE_TIME.match(value)) and datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _is_date(value):
    return not isinstance(value, str) or (
        bool(_DATE.match(value)) and bool(date.fromisoformat(value))
    )


@FORMATS.checks("uri")
def _is_uri(value):
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value


# --- the official schemas ---


def official_validators(path: Path, uri: str):
    """(document, validator(schema name)) for one of 1EdTech's OpenAPI files."""
    document = json.loads(_read(path))
    registry = Registry().with_resource(uri, DRAFT7.create_resource(document))

    def validator(name: str) -> Draft7Validator:
        assert name in document["components"]["schemas"], f"{name} is not an official schema"
        return Draft7Validator(
            {"$ref": f"{uri}#/components/schemas/{name}"},
            registry=registry,
            format_checker=FORMATS,
        )

    return document, validator


ONEROSTER_DOCUMENT, oneroster_schema = official_validators(ONEROSTER_FILE, ONEROSTER_URI)


@cache
def _timeback_document() -> dict:
    return yaml.safe_load(_read(TIMEBACK_FILE))


def timeback_schema(path: str, method: str = "get", status: str = "200") -> Draft202012Validator:
    response = _timeback_document()["paths"][path][method]["responses"][status]
    return Draft202012Validator(
        response["content"]["application/json"]["schema"], format_checker=FORMATS
    )


def assert_valid(validator, body):
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]
    )


# --- a small but complete school, written through the API by its roster source ---


@pytest.fixture
def sis(make_partner):
    """The school's roster source, granted every scope (demographics and deletes included)."""
    return make_partner("Shapes SIS", roster_source=True, scopes=scopes.all_partner_scopes())


def put(client, path, body):
    response = client.put_json(path, body)
    assert response.status_code in (200, 201), (path, response.json())
    return response.json()


@pytest.fixture
def school(sis):
    put(
        sis,
        f"{V1P2}/orgs/district-1",
        {"org": {"name": "North District", "type": "district", "identifier": "ND"}},
    )
    put(
        sis,
        f"{V1P2}/orgs/school-1",
        {
            "org": {
                "name": "Maple Elementary",
                "type": "school",
                "identifier": "ME",
                "parent": "district-1",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/academicSessions/sy-2027",
        {
            "academicSession": {
                "title": "2026-2027",
                "type": "schoolYear",
                "startDate": "2026-08-01",
                "endDate": "2027-07-31",
                "schoolYear": "2027",
                "org": "school-1",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/academicSessions/term-1",
        {
            "academicSession": {
                "title": "Fall",
                "type": "term",
                "startDate": "2026-08-01",
                "endDate": "2026-12-20",
                "schoolYear": "2027",
                "parent": "sy-2027",
                "org": "school-1",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/academicSessions/gp-1",
        {
            "academicSession": {
                "title": "Fall quarter 1",
                "type": "gradingPeriod",
                "startDate": "2026-08-01",
                "endDate": "2026-10-15",
                "schoolYear": "2027",
                "parent": "term-1",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/courses/math-3",
        {
            "course": {
                "title": "Math 3",
                "courseCode": "M3",
                "grades": ["03"],
                "subjects": ["Math"],
                "subjectCodes": ["MATH"],
                "org": "school-1",
                "schoolYear": "sy-2027",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/classes/math-3a",
        {
            "class": {
                "title": "Math 3A",
                "classCode": "M3A",
                "classType": "scheduled",
                "location": "Room 4",
                "grades": ["03"],
                "subjects": ["Math"],
                "periods": ["1"],
                "course": "math-3",
                "school": "school-1",
                "terms": ["term-1"],
            }
        },
    )
    person = {"roleType": "primary", "org": {"sourcedId": "school-1"}}
    put(
        sis,
        f"{V1P2}/users/student-1",
        {
            "user": {
                "username": "ada",
                "givenName": "Ada",
                "familyName": "Lovelace",
                "enabledUser": True,
                "email": "ada@example.org",
                "grades": ["03"],
                "primaryOrg": "school-1",
                "userIds": [{"type": "LTI", "identifier": "lti-ada"}],
                "roles": [{**person, "role": "student"}],
            }
        },
    )
    put(
        sis,
        f"{V1P2}/users/guardian-1",
        {
            "user": {
                "givenName": "Anne",
                "familyName": "Lovelace",
                "roles": [{**person, "role": "guardian"}],
            }
        },
    )
    put(sis, f"{PARTNER}/students/student-1/agents/guardian-1", {})
    put(
        sis,
        f"{V1P2}/users/teacher-1",
        {
            "user": {
                "givenName": "Grace",
                "familyName": "Hopper",
                "roles": [{**person, "role": "teacher"}],
            }
        },
    )
    put(
        sis,
        f"{V1P2}/enrollments/enr-student-1",
        {
            "enrollment": {
                "user": "student-1",
                "class": "math-3a",
                "role": "student",
                "primary": False,
                "beginDate": "2026-08-01",
                "endDate": "2026-12-20",
            }
        },
    )
    put(
        sis,
        f"{V1P2}/enrollments/enr-teacher-1",
        {
            "enrollment": {
                "user": "teacher-1",
                "class": "math-3a",
                "role": "teacher",
                "primary": True,
            }
        },
    )
    put(
        sis,
        f"{V1P2}/demographics/student-1",
        {
            "demographics": {
                "birthDate": "2018-03-01",
                "sex": "female",
                "white": "true",
                "hispanicOrLatinoEthnicity": False,
                "countryOfBirthCode": "US",
            }
        },
    )
    put(
        sis, f"{PARTNER}/units/unit-1", {"title": "Place value", "course": "math-3", "sortOrder": 1}
    )
    put(sis, f"{PARTNER}/lessons/lesson-1", {"title": "Hundreds", "unit": "unit-1", "sortOrder": 1})
    put(
        sis,
        f"{PARTNER}/resources/video-1",
        {
            "title": "Hundreds video",
            "vendorResourceId": "v-1",
            "importance": "primary",
            "lessons": ["lesson-1"],
        },
    )
    return sis


# --- which schema answers which route ---

SINGLE = {
    "orgs": "SingleOrgDType",
    "schools": "SingleOrgDType",
    "academicSessions": "SingleAcademicSessionDType",
    "terms": "SingleAcademicSessionDType",
    "gradingPeriods": "SingleAcademicSessionDType",
    "users": "SingleUserDType",
    "students": "SingleUserDType",
    "teachers": "SingleUserDType",
    "courses": "SingleCourseDType",
    "classes": "SingleClassDType",
    "enrollments": "SingleEnrollmentDType",
    "demographics": "SingleDemographicsDType",
}
SINGLE_IDS = {
    "orgs": "district-1",
    "schools": "school-1",
    "academicSessions": "sy-2027",
    "terms": "term-1",
    "gradingPeriods": "gp-1",
    "users": "guardian-1",
    "students": "student-1",
    "teachers": "teacher-1",
    "courses": "math-3",
    "classes": "math-3a",
    "enrollments": "enr-student-1",
    "demographics": "student-1",
}
COLLECTIONS = {
    "orgs": "OrgSetDType",
    "schools": "OrgSetDType",
    "academicSessions": "AcademicSessionSetDType",
    "terms": "AcademicSessionSetDType",
    "gradingPeriods": "AcademicSessionSetDType",
    "users": "UserSetDType",
    "students": "UserSetDType",
    "teachers": "UserSetDType",
    "courses": "CourseSetDType",
    "classes": "ClassSetDType",
    "enrollments": "EnrollmentSetDType",
    "demographics": "DemographicsSetDType",
    "schools/school-1/classes": "ClassSetDType",
    "schools/school-1/classes/math-3a/enrollments": "EnrollmentSetDType",
    "schools/school-1/classes/math-3a/students": "UserSetDType",
    "schools/school-1/classes/math-3a/teachers": "UserSetDType",
    "schools/school-1/courses": "CourseSetDType",
    "schools/school-1/enrollments": "EnrollmentSetDType",
    "schools/school-1/students": "UserSetDType",
    "schools/school-1/teachers": "UserSetDType",
    "schools/school-1/terms": "AcademicSessionSetDType",
    "classes/math-3a/students": "UserSetDType",
    "classes/math-3a/teachers": "UserSetDType",
    "courses/math-3/classes": "ClassSetDType",
    "users/student-1/classes": "ClassSetDType",
    "students/student-1/classes": "ClassSetDType",
    "teachers/teacher-1/classes": "ClassSetDType",
    "terms/term-1/classes": "ClassSetDType",
    "terms/term-1/gradingPeriods": "AcademicSessionSetDType",
}
TIMEBACK_COLLECTIONS = {
    "courses/components": f"{V1P2}/courses/components",
    "courses/component-resources": f"{V1P2}/courses/component-resources",
}
TIMEBACK_SINGLES = {
    "courses/components/lesson-1": f"{V1P2}/courses/components/{{sourcedId}}",
    "courses/component-resources/lesson-1:video-1": f"{V1P2}/courses/component-resources/{{sourcedId}}",
}
SINGLE_PATHS = {f"{plural}/{SINGLE_IDS[plural]}": name for plural, name in SINGLE.items()}
EVERY_READ = [*COLLECTIONS, *SINGLE_PATHS, *TIMEBACK_COLLECTIONS, *TIMEBACK_SINGLES]


# Keys Timeback's official clients read where 1EdTech has academicSession(s)
# (docs/api.md#path-profiles, docs/decisions.md): answered alongside the standard key, with the same
# value.
CLIENT_ALIASES = {
    "term": "academicSession",
    "terms": "academicSessions",
    "gradingPeriod": "academicSession",
    "gradingPeriods": "academicSessions",
}


def without_client_aliases(body: dict) -> dict:
    """The 1EdTech body: each official-client alias key removed, once checked to repeat
    its standard key."""
    for alias, standard in CLIENT_ALIASES.items():
        if alias in body:
            assert body.pop(alias) == body[standard]
    return body


def test_every_rostering_route_is_read_by_a_shape_test():
    unread = [
        p.pattern.regex.pattern
        for p in rostering_urlpatterns
        if not any(p.pattern.regex.match(path) for path in EVERY_READ)
    ]
    assert not unread


def test_every_read_of_the_official_binding_is_read_by_a_shape_test():
    official = [
        path.lstrip("/") for path, ops in ONEROSTER_DOCUMENT["paths"].items() if "get" in ops
    ]
    unread = [
        path
        for path in official
        if not any(re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), read) for read in EVERY_READ)
    ]
    assert not unread


@pytest.mark.parametrize("path", list(COLLECTIONS))
def test_collection_answers_the_official_set_schema(school, path):
    response = school.get(f"{V1P2}/{path}")

    assert response.status_code == 200, response.json()
    body = without_client_aliases(response.json())
    paging = {name: body.pop(name) for name in PAGING_FIELDS}
    (items,) = body.values()
    assert items, "the school should give every collection something to validate"
    assert_valid(oneroster_schema(COLLECTIONS[path]), body)
    assert paging == {
        "totalCount": len(items),
        "pageCount": 1,
        "pageNumber": 1,
        "offset": 0,
        "limit": 100,
    }
    assert response["X-Total-Count"] == str(len(items))


@pytest.mark.parametrize("path", list(SINGLE_PATHS))
def test_single_read_answers_the_official_single_schema(school, path):
    response = school.get(f"{V1P2}/{path}")

    assert response.status_code == 200, response.json()
    assert_valid(oneroster_schema(SINGLE_PATHS[path]), without_client_aliases(response.json()))


@pytest.mark.parametrize("path", list(SINGLE_PATHS))
def test_single_read_through_the_partner_api_answers_the_official_single_schema(school, path):
    response = school.get(f"{PARTNER}/{path}")

    assert response.status_code == 200, response.json()
    assert_valid(oneroster_schema(SINGLE_PATHS[path]), without_client_aliases(response.json()))


@pytest.mark.parametrize("path", list(TIMEBACK_COLLECTIONS))
def test_course_structure_collection_answers_timebacks_schema_with_paging_in_the_body(school, path):
    response = school.get(f"{V1P2}/{path}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert_valid(timeback_schema(TIMEBACK_COLLECTIONS[path]), body)
    (items,) = (v for k, v in body.items() if k not in PAGING_FIELDS)
    assert items
    assert body["totalCount"] == len(items) and response["X-Total-Count"] == str(len(items))


@pytest.mark.parametrize("path", list(TIMEBACK_SINGLES))
def test_course_structure_single_read_answers_timebacks_schema(school, path):
    response = school.get(f"{V1P2}/{path}")

    assert response.status_code == 200, response.json()
    assert_valid(timeback_schema(TIMEBACK_SINGLES[path]), response.json())


def test_a_collection_page_reports_its_paging_in_the_body_and_headers(school):
    response = school.get(f"{V1P2}/users", {"limit": 1, "offset": 1})

    body = response.json()
    assert len(body["users"]) == 1
    assert {k: body[k] for k in PAGING_FIELDS} == {
        "totalCount": 3,
        "pageCount": 3,
        "pageNumber": 2,
        "offset": 1,
        "limit": 1,
    }
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]


def test_a_soft_deleted_object_still_answers_the_official_schema(school):
    assert school.delete(f"{V1P2}/users/guardian-1").status_code == 204

    response = school.get(f"{V1P2}/users/guardian-1")

    assert response.json()["user"]["status"] == "tobedeleted"
    assert_valid(oneroster_schema("SingleUserDType"), response.json())


# --- error payloads ---

STATUS_INFO = "imsx_StatusInfoDType"


def code_minor(body) -> str:
    return body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def test_a_bad_filter_answers_400_with_the_official_status_payload(school):
    response = school.get(f"{V1P2}/users", {"filter": "shoeSize='9'"})

    assert response.status_code == 400
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "invalid_filter_field"
    assert "shoeSize" in response.json()["imsx_description"]


def test_a_malformed_filter_answers_400_with_the_official_status_payload(school):
    response = school.get(f"{V1P2}/users", {"filter": "familyName='Lovelace"})

    assert response.status_code == 400
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "invalid_filter_field"


def test_no_token_answers_401_with_the_official_status_payload(client):
    response = client.get(f"{V1P2}/users")

    assert response.status_code == 401
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "unauthorisedrequest"


def test_a_missing_scope_answers_403_with_the_official_status_payload(make_partner):
    reader = make_partner("Roster reader", scopes=[scopes.oneroster("roster-core.readonly")])

    response = reader.get(f"{V1P2}/demographics")

    assert response.status_code == 403
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "forbidden"


def test_an_unknown_sourced_id_answers_404_with_the_official_status_payload(school):
    response = school.get(f"{V1P2}/users/nobody")

    assert response.status_code == 404
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "unknownobject"


def test_an_unknown_parent_of_a_nested_read_answers_404_with_the_official_status_payload(school):
    response = school.get(f"{V1P2}/schools/nowhere/classes")

    assert response.status_code == 404
    assert_valid(oneroster_schema(STATUS_INFO), response.json())


def test_an_unknown_url_answers_404_with_the_official_status_payload(school):
    response = school.get(f"{V1P2}/spaceships")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert_valid(oneroster_schema(STATUS_INFO), response.json())
    assert code_minor(response.json()) == "unknownobject"
