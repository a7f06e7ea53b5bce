"""Whatever a client sends, the API answers a 2xx or a 4xx with a JSON body: never a 500.

Property tests: hypothesis generates hostile filters, query parameters and bodies.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import examples

pytestmark = pytest.mark.django_db
BASE = "/ims/oneroster/rostering/v1p2"
FIELDS = [
    "familyName",
    "roles.role",
    "grades",
    "enabledUser",
    "dateLastModified",
    "metadata.x",
    "sourcedId",
    "a.b.c",
    "ünï",
]
TOKENS = st.sampled_from(
    FIELDS
    + [
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "~",
        "'",
        "''",
        '"',
        " AND ",
        " OR ",
        " ",
        "x",
        "2026-01-01",
        "true",
        "%",
        "\\",
        "\x00",
        "'; DROP TABLE x; --",
    ]
)
HYPOTHESIS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def assert_never_500(response):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert "imsx_description" in response.json()


@HYPOTHESIS
@given(st.lists(TOKENS, min_size=1, max_size=12).map("".join))
def test_any_filter_answers_200_or_400(roster_api, text):
    assert_never_500(roster_api.get(f"{BASE}/users", {"filter": text}))


@HYPOTHESIS
@given(
    st.dictionaries(
        st.sampled_from(["limit", "offset", "sort", "orderBy", "fields", "search"]),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_any_query_parameters_answer_200_or_400(roster_api, params):
    assert_never_500(roster_api.get(f"{BASE}/classes", params))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
USER_KEYS = [
    "givenName",
    "familyName",
    "roles",
    "agents",
    "enabledUser",
    "grades",
    "email",
    "primaryOrg",
    "userIds",
    "metadata",
    "status",
    "password",
    "username",
]


@HYPOTHESIS
@given(
    st.sampled_from(
        [
            "users",
            "orgs",
            "classes",
            "enrollments",
            "courses",
            "academicSessions",
            "courses/components",
            "demographics",
        ]
    ),
    st.dictionaries(
        st.sampled_from(
            USER_KEYS
            + [
                "name",
                "type",
                "title",
                "course",
                "class",
                "user",
                "school",
                "terms",
                "startDate",
                "endDate",
                "parent",
                "sortOrder",
            ]
        ),
        JSON,
        max_size=8,
    ),
    st.booleans(),
)
def test_any_body_answers_a_2xx_or_4xx(roster_api, collection, body, wrapped):
    payload = {"x": body} if wrapped else body
    response = roster_api.put(
        f"{BASE}/{collection}/fuzz-object", json.dumps(payload), content_type="application/json"
    )
    assert_never_500(response)
