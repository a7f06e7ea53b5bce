"""From Caliper events sent by the app to what it reads back: the real pipeline in between."""

import pytest

from tests.events.conftest import START, activity, envelope, time_spent

pytestmark = pytest.mark.django_db

DAY = START.date().isoformat()


@pytest.fixture
def send(math_app, django_capture_on_commit_callbacks):
    def post(*events):
        with django_capture_on_commit_callbacks(execute=True):
            response = math_app.post("/ims/caliper/v1p2/events", envelope(*events), format="json")
        assert response.status_code == 200 and response.json()["accepted"] == len(events)

    return post


def test_events_sent_are_read_back_as_ledger_activity_and_edubridge_facts(send, math_app, ada):
    run = dict(student="ada", lesson="math-l1", course="math", run="run-1")
    quiz = activity(**run, totalQuestions=10, correctQuestions=10)
    send(time_spent(**run, active=600, inactive=60, waste=30), quiz)

    (entry,) = math_app.get("/xp/1.0/users/ada/entries").json()["entries"]
    assert (entry["xp"], entry["kind"], entry["eventId"], entry["date"]) == (
        12.5,  # 10 active minutes at 100 % on a first attempt
        "computed",
        quiz["id"],
        DAY,
    )
    (row,) = math_app.get("/analytics/1.0/activity").json()["activity"]
    assert (row["xp"], row["activeMinutes"], row["wastedMinutes"]) == (12.5, 10.0, 1.5)

    query = f"studentId=ada&startDate={DAY}&endDate={DAY}"
    facts = math_app.get(f"/edubridge/analytics/activity?{query}").json()["facts"]
    assert facts[DAY]["Math"]["timeSpentMetrics"] == {
        "activeSeconds": 600,
        "inactiveSeconds": 60,
        "wasteSeconds": 30,
    }
