"""Per-standard results (docs/hole-filling.md#per-standard-results): OneRoster 1.2's
learningObjectiveSet, scores in percent, stored and read back through the gradebook API and
from Caliper events' generated.extensions."""

import uuid

import pytest

from events.caliper.references import learning_objective_set
from gradebook.models import AssessmentResult

from .conftest import TEST_DAY, V1P2, grade_event, put_mastery_test, scores

pytestmark = pytest.mark.django_db


def test_the_gradebook_api_stores_and_reads_back_per_standard_scores(world, holes):
    put_mastery_test(world.math.api, G3_MUL_1=95, G3_MUL_3=60)

    body = world.math.api.get(f"{V1P2}/assessmentResults/mt-1").json()["assessmentResult"]
    assert body["learningObjectiveSet"] == scores(G3_MUL_1=95, G3_MUL_3=60)


def test_a_grade_event_keeps_its_per_standard_scores_on_its_result(world, holes, send):
    send(grade_event(lesson="lesson-2", given=70, at=TEST_DAY, objectives=scores(G3_MUL_3=70)))

    result = AssessmentResult.objects.get(lesson__sourced_id="lesson-2")
    assert result.learning_objective_set == scores(G3_MUL_3=70)
    body = world.math.api.get(f"{V1P2}/assessmentResults/{result.sourced_id}").json()
    assert body["assessmentResult"]["learningObjectiveSet"] == scores(G3_MUL_3=70)


def test_a_submitted_assessment_event_keeps_its_per_standard_scores(world, holes, send):
    event = {
        "@context": "http://purl.imsglobal.org/ctx/caliper/v1p2",
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": "AssessmentEvent",
        "action": "Submitted",
        "eventTime": TEST_DAY.isoformat().replace("+00:00", "Z"),
        "actor": {"id": "https://timeback.example/users/stu-1", "type": "Person"},
        "object": {"id": "https://app.example/assessments/test-1", "type": "Assessment"},
        "generated": {
            "id": f"https://app.example/attempts/{uuid.uuid4()}",
            "type": "Attempt",
            "extensions": {"learningObjectiveSet": scores(G3_MUL_3=40, G3_MUL_2=100)},
        },
        "extensions": {"course": {"id": "course-1"}, "lesson": {"id": "test-1"}},
    }

    send(event)

    result = AssessmentResult.objects.get(lesson__sourced_id="test-1")
    assert result.learning_objective_set == scores(G3_MUL_3=40, G3_MUL_2=100)
    # test-1 is a mastery-test lesson: the submitted attempt opened a plan.
    assert result.student.remediation_plans.get().status == "open"


@pytest.mark.parametrize(
    "extensions, kept",
    [
        (None, []),
        ({"learningObjectiveSet": "nope"}, []),
        ({"learningObjectiveSet": [{"source": "CASE", "learningObjectiveResults": []}]}, []),
        (
            {
                "learningObjectiveSet": [
                    {
                        "source": "CASE",
                        "learningObjectiveResults": [
                            {"learningObjectiveId": "a", "score": 80},
                            {"learningObjectiveId": "b", "score": "80"},
                            {"learningObjectiveId": "", "score": 10},
                            {"learningObjectiveId": "c", "score": True},
                            {"score": 50},
                            "d",
                        ],
                    },
                    {"learningObjectiveResults": [{"learningObjectiveId": "e", "score": 1}]},
                ]
            },
            [
                {
                    "source": "CASE",
                    "learningObjectiveResults": [{"learningObjectiveId": "a", "score": 80}],
                }
            ],
        ),
    ],
)
def test_only_well_formed_per_standard_scores_are_kept_from_an_event(extensions, kept):
    generated = {"id": "x", "type": "Score"}
    if extensions is not None:
        generated["extensions"] = extensions
    assert learning_objective_set({"generated": generated}) == kept
