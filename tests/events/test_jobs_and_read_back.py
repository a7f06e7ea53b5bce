"""Jobs, validation and reading back on the official clients' Caliper paths
(docs/events.md#jobs)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core import locks
from events import jobs, services
from events.models import CaliperEvent, EventStatus

from .conftest import activity, envelope, time_spent

SEND = "/caliper/event"


def job_of(api, response) -> dict:
    answer = api.get(f"/jobs/{response.json()['jobId']}/status")
    assert answer.status_code == 200, answer.json()
    return answer.json()["job"]


def test_a_send_to_caliper_event_answers_a_job_id(send, catalogue):
    response = send(activity(xpEarned=5), path=SEND)
    assert response.status_code == 200
    assert response.json()["jobId"]


def test_the_learnwith_ai_send_path_takes_the_same_envelope(send, catalogue):
    response = send(activity(xpEarned=5), path="/caliper/v1p2")
    assert response.json()["accepted"] == 1


def test_a_processed_envelope_is_a_completed_job(send, app_api, catalogue):
    event = activity(xpEarned=5)
    response = send(event, path=SEND)
    job = job_of(app_api, response)
    assert job["state"] == "completed"
    assert [r["externalId"] for r in job["returnValue"]["results"]] == [event["id"]]


def test_a_pending_envelope_nobody_processes_is_waiting(app_api, catalogue):
    # Without running the on-commit hand-off, the events stay pending.
    response = app_api.post(SEND, envelope(activity(xpEarned=5)), format="json")
    assert job_of(app_api, response)["state"] == "waiting"


def test_an_envelope_whose_student_is_unknown_completes_with_the_parked_reason(
    send, app_api, catalogue
):
    event = activity(student="nobody-yet", xpEarned=5)
    response = send(event, activity(xpEarned=3), path=SEND)
    job = job_of(app_api, response)
    assert job["state"] == "completed"
    body = job["returnValue"]
    assert (body["processed"], body["parked"], body["pending"], body["failed"]) == (1, 1, 0, 0)
    assert body["parkedEvents"] == [
        {"externalId": event["id"], "reasons": ["student 'nobody-yet' not rostered"]}
    ]


def test_a_job_names_the_unpublished_lesson_a_graded_event_waits_for(send, app_api, catalogue):
    from .conftest import item

    response = send(item(lesson="lesson-9"), path=SEND)
    job = job_of(app_api, response)
    assert job["state"] == "completed"
    assert job["returnValue"]["parkedEvents"][0]["reasons"] == ["lesson 'lesson-9' not published"]


def test_an_event_parked_past_the_retry_window_still_completes_its_job(
    send, app_api, catalogue, settings
):
    response = send(activity(student="nobody-yet", xpEarned=5), path=SEND)
    CaliperEvent.objects.update(received_at=timezone.now() - timedelta(days=31))
    settings.PARKED_RETRY_WINDOW = timedelta(days=30)
    job = job_of(app_api, response)
    assert job["state"] == "completed"
    assert job["returnValue"]["parked"] == 1


def test_an_event_that_failed_in_processing_fails_its_job_with_the_count(send, app_api, catalogue):
    response = send(activity(xpEarned=5), path=SEND)
    CaliperEvent.objects.update(status=EventStatus.FAILED, error="boom")
    job = job_of(app_api, response)
    assert job["state"] == "failed"
    assert job["returnValue"]["failed"] == 1


def test_an_envelope_with_every_event_rejected_is_a_failed_job(send, app_api, catalogue):
    bad = activity(xpEarned=5)
    del bad["extensions"]["lesson"], bad["object"]["activity"]
    bad["object"]["id"] = "https://app.example/no-lesson"
    bad["object"]["course"] = {"id": "course-1"}
    response = send({**bad, "type": "ActivityEvent", "generated": "oops"}, path=SEND)
    assert response.json()["accepted"] == 0
    job = job_of(app_api, response)
    assert job["state"] == "failed"
    assert job["returnValue"]["rejected"] == 1


def test_an_envelope_of_duplicates_only_is_completed(send, app_api, catalogue):
    event = activity(xpEarned=5)
    send(event, path=SEND)
    again = send(event, path=SEND)
    assert again.json()["duplicates"] == 1
    assert job_of(app_api, again)["state"] == "completed"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_envelope_a_worker_is_processing_is_active(app_api, catalogue, monkeypatch):
    monkeypatch.setattr(services, "enqueue", lambda event_ids: None)  # no worker yet
    response = app_api.post(SEND, envelope(activity(xpEarned=5)), format="json")
    envelope_id = response.json()["jobId"]
    worker = connection.copy()  # a second connection: the worker's
    try:
        worker.connect()
        with worker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s, %s)",
                [locks.JOBS.id, locks.key_of(uuid.UUID(envelope_id))],
            )
            assert job_of(app_api, response)["state"] == "active"
            cursor.execute("ROLLBACK")
        assert job_of(app_api, response)["state"] == "waiting"
    finally:
        worker.close()


def test_the_pipeline_marks_the_envelopes_of_its_batch_while_it_runs(app_api, catalogue):
    response = app_api.post(SEND, envelope(activity(xpEarned=5)), format="json")
    envelope_id = uuid.UUID(response.json()["jobId"])
    with transaction.atomic():
        jobs.hold_while_processing({envelope_id})
        assert jobs._being_processed(envelope_id)


def test_another_apps_job_is_not_found(send, make_partner, catalogue):
    response = send(activity(xpEarned=5), path=SEND)
    other = make_partner("Other App")
    answer = other.get(f"/jobs/{response.json()['jobId']}/status")
    assert answer.status_code == 404
    assert answer.json()["imsx_codeMajor"] == "failure"


def test_a_malformed_job_id_is_not_found(app_api):
    assert app_api.get("/jobs/not-a-uuid/status").status_code == 404


def test_validate_reports_a_valid_envelope_and_stores_nothing(app_api, catalogue):
    response = app_api.post(
        "/caliper/event/validate", envelope(activity(xpEarned=5)), format="json"
    )
    assert response.json()["status"] == "success"
    assert not CaliperEvent.objects.exists()


def test_validate_names_what_a_send_would_reject(app_api, catalogue):
    event = activity(xpEarned=5)
    event["generated"]["items"][0]["value"] = "twelve"
    response = app_api.post("/caliper/event/validate", envelope(event), format="json")
    body = response.json()
    assert body["status"] == "error"
    assert body["errors"][0]["id"] == event["id"]
    assert body["errors"][0]["errors"]


def test_validate_reports_a_broken_envelope_in_the_body(app_api):
    response = app_api.post("/caliper/event/validate", {"sensor": "x"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "error"
    assert "sendTime" in response.json()["message"]


def test_the_events_list_pages_and_filters_by_actor(send, app_api, catalogue):
    first, second = activity(xpEarned=1), time_spent(active=60)
    other_student = activity(student="stu-2", xpEarned=1)
    send(first, second, other_student, path=SEND)
    page = app_api.get("/caliper/events", {"limit": 1, "offset": 1, "actorId": "stu-1"}).json()
    assert [e["externalId"] for e in page["events"]] == [second["id"]]
    assert page["pagination"] == {"total": 2, "totalPages": 2, "currentPage": 2, "limit": 1}
    assert page["events"][0]["sensor"] == "https://app.example"


def test_the_events_list_leaves_out_other_apps_events(send, make_partner, catalogue):
    send(activity(xpEarned=1), path=SEND)
    other = make_partner("Other App")
    assert other.get("/caliper/events").json()["pagination"]["total"] == 0


def test_a_bad_limit_answers_400_naming_it(app_api):
    response = app_api.get("/caliper/events", {"limit": "lots"})
    assert response.status_code == 400
    assert "limit" in response.json()["imsx_description"]


def test_an_event_reads_back_by_the_id_it_was_sent_with(send, app_api, catalogue):
    event = activity(xpEarned=1)
    send(event, path=SEND)
    stored = app_api.get(f"/caliper/events/{event['id']}").json()["event"]
    assert stored["externalId"] == event["id"]
    assert stored["actor"] == event["actor"]
    assert stored["status"] == EventStatus.PROCESSED


def test_an_unknown_event_is_a_json_404(app_api):
    response = app_api.get("/caliper/events/urn:uuid:00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["imsx_codeMajor"] == "failure"
