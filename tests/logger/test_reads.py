"""GET totalcontentprogress, masterylog (and its diff) and attemptlog; who may call what."""

import pytest

from logger.models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog
from rostering import services

from .conftest import START, answer, exercise_start, put_ok, start_session

pytestmark = pytest.mark.django_db

TRIES = "/api/logger/masterylog?content=lesson-1&user=stu-1"


@pytest.fixture
def two_tries(browser):
    """Try 1: q1 wrong, q2 right, q3 right (mastered, 2 in a row), 60 s; try 2: q1 right,
    q2 wrong, 20 s."""
    model = {"type": "num_correct_in_a_row_2"}
    first = start_session(browser, exercise_start(model=model))
    put_ok(
        browser,
        first,
        {
            "time_spent_delta": 60,
            "interactions": [answer("q1", correct=0), answer("q2"), answer("q3")],
        },
    )
    second = start_session(browser, exercise_start(model=model, repeat=True))
    put_ok(
        browser,
        second,
        {"time_spent_delta": 20, "interactions": [answer("q1"), answer("q2", correct=0)]},
    )


def test_total_progress_counts_completed_content_and_completed_tries(browser, two_tries):
    video = start_session(browser, {"node_id": "video-1", "kind": "video"})
    put_ok(browser, video, {"progress": 1})

    response = browser.get("/api/logger/totalcontentprogress/stu-1")

    assert response.json() == {"id": "stu-1", "progress": 2}


def test_mastery_logs_list_a_students_tries_most_recent_first(browser, two_tries):
    rows = browser.get(TRIES).json()

    assert [(r["complete"], r["correct"], r["time_spent"]) for r in rows] == [
        (False, 1, 20),
        (True, 2, 60),
    ]
    assert set(rows[0]) == {
        "id",
        "mastery_criterion",
        "start_timestamp",
        "end_timestamp",
        "completion_timestamp",
        "complete",
        "correct",
        "time_spent",
    }


def test_mastery_logs_filter_by_completion_and_page(browser, two_tries):
    assert len(browser.get(TRIES + "&complete=true").json()) == 1
    assert browser.get(TRIES + "&quiz=true").json() == []

    page = browser.get(TRIES + "&page_size=1").json()
    assert page["count"] == 2
    assert len(page["results"]) == 1
    assert "page=2" in page["next"]
    assert page["previous"] is None


@pytest.mark.parametrize("missing", ["content", "user"])
def test_mastery_logs_need_content_and_user(browser, missing):
    query = {"content": "lesson-1", "user": "stu-1"}
    del query[missing]
    response = browser.get("/api/logger/masterylog", query)
    assert response.status_code == 400
    assert missing in response.json()["imsx_description"]


def test_the_diff_compares_a_try_with_the_one_before(browser, two_tries):
    latest = browser.get("/api/logger/masterylog/0/diff?content=lesson-1&user=stu-1").json()

    assert latest["diff"] == {"correct": -1, "time_spent": -40}
    by_item = {a["item"]: a["diff"]["correct"] for a in latest["attemptlogs"]}
    assert by_item == {"q1": 1, "q2": -1}


def test_the_diff_of_the_first_try_has_nothing_to_compare(browser, two_tries):
    first = browser.get("/api/logger/masterylog/1/diff?content=lesson-1&user=stu-1").json()

    assert first["diff"] is None
    assert {a["diff"]["correct"] for a in first["attemptlogs"]} == {None}


def test_a_diff_beyond_the_tries_is_not_found(browser, two_tries):
    response = browser.get("/api/logger/masterylog/2/diff?content=lesson-1&user=stu-1")
    assert response.status_code == 404


def test_attempt_logs_filter_by_try_item_and_level(browser, two_tries):
    second_try = MasteryLog.objects.get(mastery_level=2).pk
    rows = browser.get(f"/api/logger/attemptlog?masterylog={second_try}").json()
    assert sorted(r["item"] for r in rows) == ["q1", "q2"]
    assert rows[0]["user"] == "stu-1"
    assert rows[0]["masterylog"] == str(second_try)

    assert len(browser.get("/api/logger/attemptlog?item=q3").json()) == 1
    assert len(browser.get("/api/logger/attemptlog?mastery_level=1").json()) == 3
    assert len(browser.get("/api/logger/attemptlog?content=lesson-1&complete=false").json()) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("masterylog=nope", "masterylog"),
        ("complete=maybe", "complete"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_attempt_log_filters_name_the_field(browser, query, field):
    response = browser.get(f"/api/logger/attemptlog?{query}")
    assert response.status_code == 400
    assert field in response.json()["imsx_description"]


def test_attempt_logs_filter_by_class(browser, two_tries):
    assert len(browser.get("/api/logger/attemptlog?classroom=class-1").json()) == 5
    assert browser.get("/api/logger/attemptlog?classroom=other").json() == []


# --- who may call -------------------------------------------------------------------------


def test_anonymous_requests_answer_401(client, logger_course):
    assert client.post(START, {}, content_type="application/json").status_code == 401
    assert client.get("/api/logger/attemptlog").status_code == 401


def test_a_student_cannot_act_for_someone_else(browser):
    response = browser.post(START, exercise_start(user_id="stu-2"), format="json")
    assert response.status_code == 404
    assert browser.get("/api/logger/totalcontentprogress/stu-2").status_code == 404


def test_a_student_reaches_only_courses_they_are_enrolled_in(client, logger_course):
    from rostering.models import User

    client.force_login(User.objects.get(sourced_id="stu-3"))
    response = client.post(START, exercise_start(), content_type="application/json")
    assert response.status_code == 400
    assert "node_id" in response.json()["imsx_description"]


def test_a_partner_logs_for_a_student_of_its_course(partner):
    session = partner.post(START, exercise_start(user_id="stu-1"), format="json").json()
    response = partner.put(
        f"{START}/{session['session_id']}",
        {"time_spent_delta": 5, "interactions": [answer("q1")]},
        format="json",
    )

    assert response.status_code == 200
    log = ContentSessionLog.objects.get()
    assert (log.student.sourced_id, log.partner_app) == ("stu-1", partner.app)
    rows = partner.get("/api/logger/attemptlog?user=stu-1").json()
    assert len(rows) == 1


def test_a_partner_must_name_the_student(partner):
    response = partner.post(START, exercise_start(), format="json")
    assert response.status_code == 400
    assert "user_id" in response.json()["imsx_description"]


def test_a_partner_cannot_reach_students_outside_its_courses(partner):
    response = partner.post(START, exercise_start(user_id="stu-3"), format="json")
    assert response.status_code == 404
    assert partner.get("/api/logger/totalcontentprogress/stu-3").status_code == 404
    assert not ContentSummaryLog.objects.exists()


def test_a_partner_cannot_reach_another_apps_content_or_sessions(partner, make_partner, browser):
    other = make_partner("Other App")
    services.upsert_course(sourced_id="course-o", title="Other", partner_app=other.app)
    session = start_session(browser, exercise_start())

    response = other.post(START, exercise_start(user_id="stu-1"), format="json")
    assert response.status_code == 404  # stu-1 is not enrolled in the other app's course
    assert other.put(f"{START}/{session}", {"progress": 1}, format="json").status_code == 404
    assert other.get("/api/logger/attemptlog").json() == []


def test_a_partner_needs_events_write_to_log(make_partner, logger_course):
    from core import scopes

    reader = make_partner("Reader", scopes=[scopes.ANALYTICS_READONLY])
    response = reader.post(START, exercise_start(user_id="stu-1"), format="json")
    assert response.status_code == 403


def test_an_update_with_one_interaction_takes_a_bounded_number_of_queries(
    browser, django_assert_num_queries
):
    session = start_session(browser, exercise_start(model={"type": "m_of_n", "m": 10, "n": 10}))
    for i in range(30):
        put_ok(browser, session, {"interactions": [answer(f"q{i}", correct=0)]})

    # Session login (2) and the transaction's savepoint (2, inside the test's transaction),
    # then the update's own six: the locked session and summary; the locked try with its
    # window and XP so far; one statement for every write (the attempt, the session time,
    # the ledger entry, the three logs); the rollup's lock, then its derive-and-write; the
    # outcomes' staleness read. 19 before the writes went into one statement, 14 before
    # the reads around the try did.
    with django_assert_num_queries(10):
        put_ok(browser, session, {"time_spent_delta": 10, "interactions": [answer("last")]})


def test_an_update_costs_the_same_queries_whatever_the_history_of_the_try(
    browser, django_assert_num_queries
):
    session = start_session(browser, exercise_start(model={"type": "m_of_n", "m": 10, "n": 10}))
    put_ok(browser, session, {"interactions": [answer("q0", correct=0)]})
    with django_assert_num_queries(10) as short:
        put_ok(browser, session, {"time_spent_delta": 5, "interactions": [answer("a", correct=0)]})
    for batch in range(6):
        put_ok(
            browser,
            session,
            {"interactions": [answer(f"b{batch}-{i}", correct=0) for i in range(100)]},
        )

    with django_assert_num_queries(10) as long:
        answered = put_ok(
            browser, session, {"time_spent_delta": 5, "interactions": [answer("b", correct=1)]}
        )

    assert AttemptLog.objects.count() == 603
    assert [q["sql"] for q in long.captured_queries] == [q["sql"] for q in short.captured_queries]
    assert answered["attempts"][0]["item"] == "b"
    # The window is read with a LIMIT of the criterion's n, not the whole history.
    assert any("LIMIT" in q["sql"] for q in long.captured_queries)


def test_the_start_answer_reads_a_bounded_window_of_a_long_history(
    browser, django_assert_max_num_queries
):
    session = start_session(browser, exercise_start(model={"type": "m_of_n", "m": 5, "n": 5}))
    put_ok(browser, session, {"interactions": [answer(f"q{i}", correct=0) for i in range(100)]})

    with django_assert_max_num_queries(12) as captured:
        response = browser.post(START, exercise_start(), format="json")

    assert len(response.json()["pastattempts"]) == 5
    assert response.json()["totalattempts"] == AttemptLog.objects.count() == 100
    assert any("LIMIT 5" in q["sql"] for q in captured.captured_queries)


def test_the_admin_lists_the_logs_read_only(admin_client, browser, two_tries):
    for model in ("contentsummarylog", "contentsessionlog", "masterylog", "attemptlog"):
        response = admin_client.get(f"/admin/logger/{model}/")
        assert response.status_code == 200, model
    assert admin_client.get("/admin/logger/attemptlog/add/").status_code == 403
