"""POST and PUT /api/logger/contentsession: docs/logger.md's answers, server-side mastery,
repeat, replace, clamping, and refusals that change nothing."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone

from analytics.models import DailyActivity
from gradebook.models import AssessmentLineItem, LessonMastery, XpEntry
from logger.models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog
from rostering.models import Org

from .conftest import START, answer, exercise_start

pytestmark = pytest.mark.django_db


def start(client, body):
    response = client.post(START, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def put(client, session_id, body, **headers):
    return client.put(f"{START}/{session_id}", body, format="json", **headers)


def answered(client, session_id, *interactions):
    response = put(client, session_id, {"interactions": list(interactions)})
    assert response.status_code == 200, response.content
    return response.json()


def today_row(student, course):
    return DailyActivity.objects.get(student=student, course=course, day=timezone.now().date())


# --- start --------------------------------------------------------------------------------


def test_starting_a_video_answers_the_previous_progress_and_a_new_session(browser):
    answer_ = start(browser, {"node_id": "video-1", "kind": "video", "channel_id": "course-1"})

    assert answer_["progress"] == 0
    assert answer_["time_spent"] == 0
    assert answer_["extra_fields"] == {}
    assert answer_["complete"] is False
    assert answer_["context"] == {"node_id": "video-1"}
    assert ContentSessionLog.objects.filter(pk=answer_["session_id"]).exists()
    assert "mastery_criterion" not in answer_


def test_starting_an_exercise_answers_its_criterion_and_past_attempts(browser):
    answer_ = start(browser, exercise_start(model={"type": "m_of_n", "m": 3, "n": 5}))

    assert answer_["mastery_criterion"] == {"type": "m_of_n", "m": 3, "n": 5}
    assert answer_["pastattempts"] == []
    assert answer_["totalattempts"] == 0
    assert answer_["context"] == {"node_id": "lesson-1", "mastery_level": 1}


def test_starting_the_same_content_again_lands_on_the_same_summary_and_try(browser):
    first = start(browser, exercise_start())
    second = start(browser, exercise_start())

    assert first["session_id"] != second["session_id"]
    assert ContentSummaryLog.objects.count() == 1
    assert MasteryLog.objects.count() == 1
    assert second["context"]["mastery_level"] == 1


def test_past_attempts_are_the_criterions_window_most_recent_first(browser):
    session = start(browser, exercise_start(model={"type": "m_of_n", "m": 3, "n": 3}))
    for i in range(4):
        answered(browser, session["session_id"], answer(f"q{i}", correct=0))

    again = start(browser, exercise_start())

    assert [a["item"] for a in again["pastattempts"]] == ["q3", "q2", "q1"]
    assert again["totalattempts"] == 4
    assert set(again["pastattempts"][0]) == {
        "id",
        "correct",
        "complete",
        "hinted",
        "error",
        "item",
        "answer",
        "time_spent",
    }


def test_a_try_keeps_the_criterion_it_started_with(browser):
    start(browser, exercise_start(model={"type": "num_correct_in_a_row_2"}))
    again = start(browser, exercise_start(model={"type": "num_correct_in_a_row_10"}))
    assert again["mastery_criterion"] == {"type": "num_correct_in_a_row_2"}


def test_repeat_after_a_mastered_try_starts_a_new_try_from_nothing(browser):
    session = start(browser, exercise_start(model={"type": "num_correct_in_a_row_2"}))
    answered(browser, session["session_id"], answer("q1"), answer("q2"))

    again = start(browser, exercise_start(repeat=True))

    assert again["context"]["mastery_level"] == 2
    assert again["progress"] == 0
    assert again["complete"] is False
    assert again["totalattempts"] == 0
    assert MasteryLog.objects.filter(complete=True).count() == 1


def test_repeat_on_an_unfinished_try_continues_it(browser):
    session = start(browser, exercise_start())
    answered(browser, session["session_id"], answer("q1"))

    again = start(browser, exercise_start(repeat=True))

    assert again["context"]["mastery_level"] == 1
    assert again["totalattempts"] == 1


# --- update: progress, time, extra fields ----------------------------------------------


def test_progress_deltas_add_up_and_stop_at_one(browser):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    assert put(browser, session, {"progress_delta": 0.6}).json() == {"complete": False}
    assert put(browser, session, {"progress_delta": 0.6}).json() == {"complete": True}

    summary = ContentSummaryLog.objects.get()
    assert summary.progress == 1
    assert summary.completion_timestamp is not None


def test_progress_sets_the_value_rounded_up_to_three_decimals(browser):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    put(browser, session, {"progress": 0.12341})
    assert ContentSummaryLog.objects.get().progress == 0.124


def test_a_later_start_answers_the_progress_time_and_extra_fields_so_far(browser):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    put(browser, session, {"progress": 0.5, "time_spent_delta": 42, "extra_fields": {"pos": 3}})

    again = start(browser, {"node_id": "video-1", "kind": "video"})

    assert (again["progress"], again["time_spent"], again["extra_fields"]) == (0.5, 42, {"pos": 3})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"progress": 0.5, "progress_delta": 0.1}, "progress_delta"),
        ({"progress_delta": -0.1}, "progress_delta"),
        ({"progress": 1.5}, "progress"),
        ({"time_spent_delta": -5}, "time_spent_delta"),
        ('{"time_spent_delta": 1e999}', "time_spent_delta"),
        (
            {"interactions": [{"item": "q1", "correct": 2, "time_spent": 1, "answer": {}}]},
            "correct",
        ),
        ({"extra_fields": [1, 2]}, "extra_fields"),
    ],
)
def test_bad_updates_answer_400_naming_the_field_and_change_nothing(browser, body, field):
    session = start(browser, exercise_start())["session_id"]
    put(browser, session, {"time_spent_delta": 5})

    if isinstance(body, str):  # a raw body, for what json.dumps cannot write
        response = browser.put(f"{START}/{session}", body, content_type="application/json")
    else:
        response = put(browser, session, body)

    assert response.status_code == 400
    assert field in response.json()["imsx_description"]
    summary = ContentSummaryLog.objects.get()
    assert (summary.progress, summary.time_spent) == (0, 5)
    assert not AttemptLog.objects.exists()


def test_interactions_on_a_session_without_mastery_model_are_refused(browser):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    response = put(browser, session, {"interactions": [answer("q1")], "time_spent_delta": 9})

    assert response.status_code == 400
    assert "interactions" in response.json()["imsx_description"]
    assert ContentSummaryLog.objects.get().time_spent == 0


def test_an_update_repeating_the_previous_idempotency_key_changes_nothing(browser, student):
    session = start(browser, exercise_start())["session_id"]
    body = {"time_spent_delta": 60, "interactions": [answer("q1")]}
    put(browser, session, body, HTTP_IDEMPOTENCY_KEY="k1")
    replay = put(browser, session, body, HTTP_IDEMPOTENCY_KEY="k1")

    assert replay.status_code == 200
    assert ContentSummaryLog.objects.get().time_spent == 60
    assert AttemptLog.objects.count() == 1
    assert today_row(student, ContentSessionLog.objects.get().course).active_seconds == 60


# --- update: attempts ------------------------------------------------------------------


def test_consecutive_interactions_with_one_item_are_one_attempt_with_its_history(browser):
    session = start(browser, exercise_start())["session_id"]
    result = answered(
        browser, session, answer("q1", correct=0), answer("q1", correct=1, complete=True)
    )

    attempt = AttemptLog.objects.get()
    assert attempt.correct == 0  # the first answer counts
    assert attempt.complete is True
    assert [h["correct"] for h in attempt.interaction_history] == [0, 1]
    assert result["attempts"][0]["id"] == str(attempt.pk)


def test_an_interaction_without_an_answer_is_accepted_and_counted(browser):
    session = start(browser, exercise_start())["session_id"]
    bare = {"item": "q1", "correct": 1, "time_spent": 12}

    result = answered(browser, session, bare)

    attempt = AttemptLog.objects.get()
    assert (attempt.item, attempt.correct, attempt.answer) == ("q1", 1, None)
    assert result["attempts"][0]["id"] == str(attempt.pk)


@pytest.mark.parametrize("missing", ["item", "correct", "time_spent"])
def test_an_interaction_missing_a_required_field_is_refused(browser, missing):
    session = start(browser, exercise_start())["session_id"]
    interaction = {k: v for k, v in answer("q1").items() if k != missing}

    response = put(browser, session, {"interactions": [interaction]})

    assert response.status_code == 400
    assert missing in response.content.decode()
    assert not AttemptLog.objects.exists()


def test_replace_changes_the_latest_attempt_at_the_item(browser):
    session = start(browser, exercise_start())["session_id"]
    answered(browser, session, answer("q1", correct=0))
    answered(browser, session, answer("q1", correct=1, replace=True))

    attempt = AttemptLog.objects.get()
    assert attempt.correct == 1
    assert len(attempt.interaction_history) == 2


def test_an_interaction_naming_an_attempt_updates_that_attempt(browser):
    session = start(browser, exercise_start())["session_id"]
    first = answered(browser, session, answer("q1", correct=0))["attempts"][0]["id"]
    answered(browser, session, answer("q2"))
    answered(browser, session, answer("q1", id=first, hinted=True))

    assert AttemptLog.objects.count() == 2
    assert AttemptLog.objects.get(pk=first).hinted is True


def test_an_interaction_naming_an_unknown_attempt_is_refused(browser):
    session = start(browser, exercise_start())["session_id"]
    response = put(
        browser,
        session,
        {"interactions": [answer("q1", id="7d8f9a2e-0000-4000-8000-000000000000")]},
    )
    assert response.status_code == 400
    assert "interactions[0].id" in response.json()["imsx_description"]
    assert not AttemptLog.objects.exists()


# --- update: mastery, evaluated on the server ------------------------------------------


def test_mastery_is_met_on_the_server_and_masters_the_lesson(browser, student, lesson):
    session = start(browser, exercise_start())["session_id"]
    answered(browser, session, answer("q1", correct=0), answer("q2"), answer("q3"))
    result = answered(browser, session, answer("q4"))

    assert result["complete"] is True
    try_ = MasteryLog.objects.get()
    assert try_.complete and try_.completion_timestamp is not None
    assert LessonMastery.objects.filter(student=student, lesson=lesson).exists()
    assert today_row(student, lesson.course).lessons_mastered == 1


def test_an_exercise_is_not_completed_by_the_progress_a_client_claims(browser):
    session = start(browser, exercise_start())["session_id"]
    assert put(browser, session, {"progress": 1}).json() == {"complete": False}
    assert not MasteryLog.objects.get().complete


def test_exercise_progress_follows_the_attempts(browser):
    session = start(browser, exercise_start())["session_id"]
    answered(browser, session, answer("q1"))
    assert ContentSummaryLog.objects.get().progress == pytest.approx(0.334, abs=0.001)


# --- the learning engine ----------------------------------------------------------------


def test_session_time_counts_as_active_time_on_the_day(browser, student, logger_course):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    put(browser, session, {"time_spent_delta": 90})
    put(browser, session, {"time_spent_delta": 30})

    assert today_row(student, logger_course).active_seconds == 120


def test_an_exercise_session_earns_computed_xp_once(browser, student, logger_course):
    session = start(browser, exercise_start(model={"type": "do_all", "n": 2}))["session_id"]
    put(browser, session, {"time_spent_delta": 300, "interactions": [answer("q1")]})
    put(browser, session, {"time_spent_delta": 300, "interactions": [answer("q2")]})

    # 10 active minutes, all right, first try: 10 × 1.25 × 1.0 (docs/xp-and-mastery.md#xp).
    assert today_row(student, logger_course).xp == 12.5
    assert sum(e.amount for e in XpEntry.objects.all()) == 12.5
    assert today_row(student, logger_course).items_answered == 2
    assert today_row(student, logger_course).items_correct == 2


def test_a_repeated_try_earns_the_re_attempt_multiplier(browser, student, logger_course):
    session = start(browser, exercise_start(model={"type": "num_correct_in_a_row_2"}))
    answered(browser, session["session_id"], answer("q1"), answer("q2"))
    again = start(browser, exercise_start(repeat=True))["session_id"]
    put(browser, again, {"time_spent_delta": 600, "interactions": [answer("q1"), answer("q2")]})

    second_try = MasteryLog.objects.get(mastery_level=2)
    # 10 minutes, all right, first re-attempt: 10 × 1.25 × 0.5.
    assert XpEntry.objects.get(source_key=f"logger:try:{second_try.pk}").amount == 6.25


def test_splitting_a_try_into_sessions_earns_the_same_xp(browser, student, logger_course):
    model = {"type": "m_of_n", "m": 5, "n": 5}
    for item, correct in (("q1", 1), ("q2", 1), ("q3", 1), ("q4", 1), ("q5", 0)):
        session = start(browser, exercise_start(model=model))["session_id"]
        put(browser, session, {"time_spent_delta": 120, "interactions": [answer(item, correct)]})

    # One try: 10 minutes at 80 % → 10 × 1.0 × 1.0, whatever each session's own accuracy.
    assert today_row(student, logger_course).xp == 10


def test_a_video_session_earns_no_xp_without_questions(browser, student, logger_course):
    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    put(browser, session, {"time_spent_delta": 600})
    assert not XpEntry.objects.exists()


# --- coach-assigned quizzes --------------------------------------------------------------


@pytest.fixture
def quiz(logger_course, lesson):
    return AssessmentLineItem.objects.create(
        sourced_id="quiz-r", title="Quiz", course=logger_course, lesson=lesson
    )


def test_a_quiz_starts_with_the_quiz_criterion(browser, quiz):
    answer_ = start(browser, {"quiz_id": "quiz-r"})
    assert answer_["mastery_criterion"] == {"type": "quiz", "coach_assigned": True}
    assert answer_["context"] == {"quiz_id": "quiz-r", "mastery_level": 1}


def test_a_submitted_quiz_masters_its_lesson_at_the_pass_mark(browser, quiz, student, lesson):
    session = start(browser, {"quiz_id": "quiz-r"})["session_id"]
    answered(browser, session, answer("q1"), answer("q2"))
    assert not LessonMastery.objects.exists()

    assert put(browser, session, {"progress": 1}).json() == {"complete": True}
    assert MasteryLog.objects.get().complete
    assert LessonMastery.objects.filter(student=student, lesson=lesson).exists()


def test_a_quiz_counts_only_the_first_attempt_at_each_item(browser, quiz):
    session = start(browser, {"quiz_id": "quiz-r"})["session_id"]
    answered(browser, session, answer("q1", correct=0), answer("q2"), answer("q1"))
    put(browser, session, {"progress": 1})

    assert MasteryLog.objects.get().complete
    assert not LessonMastery.objects.exists()  # 1 of 2 right: below the 90 % pass mark


def test_a_complete_coach_assigned_quiz_is_read_only(browser, quiz):
    session = start(browser, {"quiz_id": "quiz-r"})["session_id"]
    answered(browser, session, answer("q1"))
    put(browser, session, {"progress": 1})

    response = put(browser, session, {"interactions": [answer("q1", correct=0, replace=True)]})
    assert response.status_code == 403
    assert AttemptLog.objects.get().correct == 1
    assert browser.post(START, {"quiz_id": "quiz-r"}, format="json").status_code == 403


# --- bad starts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "video"}, "node_id"),
        ({"node_id": "nowhere", "kind": "video"}, "node_id"),
        ({"node_id": "video-1"}, "kind"),
        ({"node_id": "lesson-1", "kind": "exercise"}, "mastery_model"),
        (
            {"node_id": "video-1", "kind": "video", "mastery_model": {"type": "do_all"}},
            "mastery_model",
        ),
        (exercise_start(model={"type": "m_of_n", "m": 9, "n": 5}), "mastery_model.m"),
        (exercise_start(model={"type": "do_all"}), "mastery_model.n"),
        (exercise_start(channel_id="other-course"), "channel_id"),
        (exercise_start(lesson_id="nope"), "lesson_id"),
        ({"quiz_id": "quiz-r", "node_id": "lesson-1"}, "quiz_id"),
        ({"quiz_id": "no-such-quiz"}, "quiz_id"),
        ({"node_id": "video-1", "kind": "podcast"}, "kind"),
    ],
)
def test_bad_starts_answer_400_naming_the_field_and_create_nothing(browser, body, field):
    response = browser.post(START, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["imsx_description"]
    assert not ContentSummaryLog.objects.exists()
    assert not ContentSessionLog.objects.exists()


def test_do_all_takes_the_item_count_from_the_content(browser, lesson):
    lesson.metadata = {"totalQuestions": 4}
    lesson.save()
    answer_ = start(browser, exercise_start(model={"type": "do_all"}))
    assert answer_["mastery_criterion"] == {"type": "do_all", "n": 4}


def test_midnight_splits_a_sessions_time_between_days(browser, student, logger_course, monkeypatch):
    from logger.models import SessionTime

    session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
    put(browser, session, {"time_spent_delta": 30})
    tomorrow = timezone.now() + timezone.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    put(browser, session, {"time_spent_delta": 20})

    by_day = dict(SessionTime.objects.values_list("occurred_on", "seconds"))
    assert by_day == {date.today(): 30, tomorrow.date(): 20}


@pytest.mark.parametrize(
    ("model", "pattern", "complete"),
    [
        ({"type": "m_of_n", "m": 3, "n": 5}, "10101", True),
        ({"type": "m_of_n", "m": 3, "n": 5}, "110001", False),
        ({"type": "num_correct_in_a_row_2"}, "1011", True),
        ({"type": "num_correct_in_a_row_3"}, "11011", False),
        ({"type": "num_correct_in_a_row_5"}, "011111", True),
        ({"type": "num_correct_in_a_row_10"}, "1" * 9, False),
        ({"type": "do_all", "n": 3}, "111", True),
        ({"type": "do_all", "n": 3}, "1101", False),
    ],
)
def test_each_mastery_model_completes_the_exercise_on_the_server(browser, model, pattern, complete):
    session = start(browser, exercise_start(model=model))["session_id"]
    for i, right in enumerate(pattern):
        result = answered(browser, session, answer(f"q{i}", correct=int(right)))

    assert result["complete"] is complete
    assert MasteryLog.objects.get().complete is complete
    assert LessonMastery.objects.exists() is complete


def test_a_sessions_time_counts_on_the_local_day_of_the_students_school(
    browser, student, logger_course
):
    from logger.models import SessionTime

    school = Org.objects.get(sourced_id="school")
    Org.objects.filter(pk=school.pk).update(timezone="America/Los_Angeles")
    student.primary_org = school
    student.save()
    # Monday 2 November 22:30 in Los Angeles: Tuesday 06:30 UTC.
    evening = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    with time_machine.travel(evening, tick=False):
        session = start(browser, {"node_id": "video-1", "kind": "video"})["session_id"]
        put(browser, session, {"time_spent_delta": 30})

    by_day = dict(SessionTime.objects.values_list("occurred_on", "seconds"))
    assert by_day == {date(2026, 11, 2): 30}
