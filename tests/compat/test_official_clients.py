"""Timeback's official Python clients (timeback-core, -oneroster, -caliper, -edubridge
0.4.0) work against this server unchanged, on both path profiles (docs/api.md#path-profiles):
each test runs once for BEYOND_AI and once for LEARNWITH_AI (AggregationProfile events).

The EduBridge tests read `/edubridge/...`, built on the EduBridge branch (issue 8 part 3).
"""

import pytest

from .scenario_values import ACTIVE, CORRECT, INACTIVE, MASTERED, TOTAL, WASTE, XP

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_token_is_issued_to_the_clients_credentials(seen):
    assert seen["auth"]["ok"] is True


def test_the_learnwith_ai_token_with_the_caliper_scope_uri_is_issued(seen_on):
    assert seen_on("LEARNWITH_AI")["lwai_auth"]["ok"] is True


def test_upserted_term_course_and_components_read_back(seen):
    read, ids = seen.step("roster")["read_back"], seen["ids"]
    assert read["term"]["sourcedId"] == ids["term"]
    assert read["term"]["type"] == "term"
    assert read["course"]["title"] == "Compat Math"
    assert read["unit"]["course"]["sourcedId"] == ids["course"]
    assert read["lesson"]["parent"]["sourcedId"] == ids["unit"]


def test_upserted_student_class_and_enrollment_read_back(seen):
    read, ids = seen.step("roster")["read_back"], seen["ids"]
    assert read["student"]["familyName"] == ids["family"]
    assert read["student"]["enabledUser"] in (True, "true")
    assert read["class"]["course"]["sourcedId"] == ids["course"]
    assert [t["sourcedId"] for t in read["class"]["terms"]] == [ids["term"]]
    assert read["enrollment"]["user"]["sourcedId"] == ids["student"]
    assert read["enrollment"]["class"]["sourcedId"] == ids["class"]


def test_a_create_answers_the_sourced_id_pairs(seen):
    pairs = seen.step("roster")["create_response"]["sourcedIdPairs"]
    assert pairs["allocatedSourcedId"] == seen["ids"]["classmate"]


def test_a_filtered_user_list_pages_through_link_headers(seen):
    ids = seen.step("roster")["ids"]
    assert seen["filtered_users"] == sorted([ids["classmate"], ids["student"]])


def test_an_unknown_user_does_not_exist_for_the_client(seen):
    assert seen.step("roster")["unknown_user_exists"] is False


def test_the_envelope_job_completes(seen):
    job = seen.step("events")["job"]
    assert job["id"] == seen["job_id"]
    assert job["state"] == "completed"
    assert {r["externalId"] for r in job["returnValue"]["results"]} == set(seen["event_ids"])


def test_a_sent_event_reads_back_by_its_id(seen):
    stored = seen.step("events")["stored_activity"]
    assert stored["externalId"] == seen["event_ids"][0]
    assert stored["type"] == "ActivityEvent"
    assert stored["sensor"].endswith("/sensors/compat")
    expected = "AggregationProfile" if seen["config"]["profile"] == "LEARNWITH_AI" else None
    assert stored["profile"] == (expected or "TimebackProfile")


def test_the_apps_events_list_by_actor_one_page_at_a_time(seen):
    listed = seen.step("events")["listed"]
    assert listed["ids"] == [seen["event_ids"][0]]
    assert listed["pagination"]["total"] == 2
    assert listed["pagination"]["totalPages"] == 2


def test_the_same_envelope_validates(seen):
    assert seen.step("events")["validation"]["status"] == "success"


def _day_of(seen) -> dict:
    return seen["config"]["day"]


def _metrics(facts: dict, day: str) -> tuple[dict, dict]:
    """(activityMetrics, timeSpentMetrics) summed over the subjects of `day`."""
    activity, time_spent = {}, {}
    for subject in facts[day].values():
        for name, value in subject["activityMetrics"].items():
            activity[name] = activity.get(name, 0) + value
        for name, value in subject["timeSpentMetrics"].items():
            time_spent[name] = time_spent.get(name, 0) + value
    return activity, time_spent


EXPECTED_ACTIVITY = {
    "xpEarned": XP,
    "totalQuestions": TOTAL,
    "correctQuestions": CORRECT,
    "masteredUnits": MASTERED,
}
EXPECTED_TIME = {"activeSeconds": ACTIVE, "inactiveSeconds": INACTIVE, "wasteSeconds": WASTE}


def test_edubridge_enrollment_facts_show_exactly_what_was_sent(seen):
    facts = seen.step("events").step("enrollment_facts")["enrollment_facts"]
    assert facts["enrollmentId"] == seen["ids"]["enrollment"]
    activity, time_spent = _metrics(facts["facts"], _day_of(seen))
    assert activity == EXPECTED_ACTIVITY
    assert time_spent == EXPECTED_TIME


def test_edubridge_activity_shows_exactly_what_was_sent(seen):
    activity_response = seen.step("events").step("activity")["activity"]
    activity, time_spent = _metrics(activity_response["facts"], _day_of(seen))
    assert activity == EXPECTED_ACTIVITY
    assert time_spent == EXPECTED_TIME


def test_edubridge_lists_the_students_enrollment(seen):
    enrollments = seen.step("edubridge_enrollments")["edubridge_enrollments"]
    assert seen["ids"]["enrollment"] in [e["id"] for e in enrollments]
