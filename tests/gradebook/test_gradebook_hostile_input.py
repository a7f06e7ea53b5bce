"""Nothing a client can send makes the gradebook API answer 500."""

import pytest

from gradebook.models import AssessmentResult

from .conftest import V1P2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("assessmentResults/ar-1", {"score": 99_999_999.99999}),
        ("assessmentResults/ar-1", {"metadata": {"masteredUnits": 10**7}}),
        ("assessmentResults/ar-1", {"metadata": {"xp": 10**9}}),
        ("assessmentResults/ar-1", {"scoreDate": "9999-12-31T23:00:00-05:00"}),
        ("assessmentResults/ar-1", {"scorePercentile": 101}),
        ("assessmentResults/ar-1", {"learningObjectiveSet": [{"source": "case"}]}),
        ("assessmentResults/ar-1", {"inProgress": "maybe"}),
        ("lineItems/li-1", {"dueDate": "0001-01-01T00:00:00+01:00"}),
        ("lineItems/li-1", {"resultValueMin": 5, "resultValueMax": 1}),
        ("lineItems/li-1", {"category": {"id": "cat-1"}}),
        ("scoreScales/scale-1", {"scoreScaleValue": []}),
        ("scoreScales/scale-1", {"scoreScaleValue": [{"itemValueLHS": "A"}]}),
        ("categories/cat-1", {"weight": "heavy"}),
        ("results/res-1", {"class": "class-2"}),
        ("results/res-1", {"scoreDate": 20261102}),
        ("categories/" + "x" * 300, {"title": "Long id"}),
        ("lineItems/li-1", {"metadata": "not an object"}),
    ],
)
def test_bad_values_answer_4xx_never_500(gradebook, path, body):
    response = gradebook.api.put_json(f"{V1P2}/{path}", body)

    assert 400 <= response.status_code < 500, response.json()


def test_the_stored_result_is_unchanged_after_a_refused_write(gradebook):
    gradebook.api.put_json(f"{V1P2}/assessmentResults/ar-1", {"score": 1, "metadata": {"xp": "x"}})

    assert AssessmentResult.objects.get(sourced_id="ar-1").score == 70


@pytest.mark.parametrize(
    "query",
    [
        {"filter": "score>=1e999"},
        {"filter": "scoreDate>'not a date'"},
        {"filter": "metadata.xp>'5' OR student.sourcedId~'a'"},
        {"sort": "lineItem"},
        {"limit": "-1"},
    ],
)
def test_hostile_queries_answer_4xx_or_200(gradebook, query):
    response = gradebook.api.get(f"{V1P2}/results", query)

    assert response.status_code in (200, 400), response.json()
