"""AggregationProfile events (what the official client sends on LEARNWITH_AI) are processed exactly
like their TimebackProfile twins (docs/events.md#the-aggregationprofile): same XP, mastery and
time."""

from analytics.models import DailyActivity
from events.models import CaliperEvent, EventStatus

from .conftest import activity, time_spent


def aggregation_twin(event: dict) -> dict:
    """The event as timeback-caliper 0.4's LEARNWITH_AI transformer rewrites it
    (resources/event_transformers/lwai.py)."""
    obj, generated = event["object"], event["generated"]
    is_activity = event["type"] == "ActivityEvent"
    kind = "Activity" if is_activity else "TimeSpent"
    return {
        **event,
        "profile": "AggregationProfile",
        "actor": {"type": "Person", "id": event["actor"]["id"]},
        "object": {
            "type": "AssignableDigitalResource",
            "id": obj["id"],
            "isPartOf": {"type": "CourseOffering", "id": obj["course"]["id"]},
        },
        "generated": {
            **{k: v for k, v in generated.items() if k != "items"},
            "type": f"{kind}MetricsCollection",
            "items": [
                {
                    "id": f"{generated['id']}-{i}",
                    "type": f"{kind}Metric",
                    "metricType": item["type"][0].upper() + item["type"][1:],
                    "metricValue": item["value"],
                }
                for i, item in enumerate(generated["items"])
            ],
        },
        "session": "urn:tag:auto-attach",
    }


def rollup_of(student: str) -> tuple:
    row = DailyActivity.objects.get(student__sourced_id=student)
    return (
        row.xp,
        row.active_seconds,
        row.wasted_seconds,
        row.items_answered,
        row.items_correct,
        row.mastered_units,
        row.lessons_mastered,
    )


def test_an_aggregation_profile_twin_credits_the_same_xp_mastery_and_time(send, catalogue):
    def pair(student):
        return [
            activity(student, xpEarned=12, totalQuestions=10, correctQuestions=10, masteredUnits=2),
            time_spent(student, active=600, inactive=60, waste=30),
        ]

    response = send(*pair("stu-1"), *[aggregation_twin(e) for e in pair("stu-2")])

    assert response.json()["accepted"] == 4, response.json()
    assert set(CaliperEvent.objects.values_list("status", flat=True)) == {EventStatus.PROCESSED}
    assert rollup_of("stu-2") == rollup_of("stu-1")
    assert rollup_of("stu-1")[:3] == (12, 600, 90)


def test_a_computed_xp_twin_computes_the_same_xp(send, catalogue):
    def pair(student):
        return [
            activity(student, run=f"run-{student}", totalQuestions=10, correctQuestions=10),
            time_spent(student, run=f"run-{student}", active=600),
        ]

    send(*pair("stu-1"), *[aggregation_twin(e) for e in pair("stu-2")])

    assert rollup_of("stu-2") == rollup_of("stu-1")
    assert rollup_of("stu-1")[0] == 12.5  # 10 active minutes x 1.25 at 100 %
