"""Whatever a client puts in a read-back or EduBridge URL, the answer is a 2xx or a JSON 4xx."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import examples

pytestmark = pytest.mark.django_db

PATHS = [
    "/xp/1.0/users/{id}/entries",
    "/analytics/1.0/activity",
    "/insights/1.0/users/{id}",
    "/gradebook/1.0/assessment-results",
    "/ims/edubridge/analytics/v1p0/enrollmentFacts",
    "/edubridge/analytics/activity",
    "/edubridge/analytics/enrollment/{id}",
    "/edubridge/enrollments/user/{id}",
]
NAMES = [
    "course", "lesson", "student", "class", "startDate", "endDate", "date", "limit", "offset",
    "studentId", "courseId", "email", "timezone",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        [
            "ada",
            "math",
            "math-l1",
            "math-class",
            "2026-11-20",
            "2026-11-20T23:59:59.999Z",
            "2026-02-30",
            "0000-01-01",
            "9999-12-31T23:59:59+14:00",
            "-1",
            "0",
            "3001",
            "99999999999999999999",
            "1e9",
            "",
            " ",
            "'",
            "%",
            "\x00",
            "ada@school.example",
            "../",
            "🙂",
            "x" * 300,
        ]
    ),  # fmt: skip
    st.text(max_size=20),
)
IDS = st.one_of(st.sampled_from(["ada", "nobody", "%20", "🙂"]), st.text(min_size=1, max_size=12))


@settings(
    max_examples=examples(120),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(PATHS),
    object_id=IDS,
    params=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=5),
)
def test_no_url_a_client_can_send_answers_a_server_error(math_app, ada, path, object_id, params):
    url = path.format(id=quote(object_id, safe="")) + "?" + urlencode(params)
    response = math_app.get(url)
    assert response.status_code < 500, (url, response.content[:300])
    if response.status_code >= 400:
        assert "imsx_description" in response.json()
