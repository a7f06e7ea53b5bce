"""Logger API over the example world (tests/world.py): the Math App's course-1 with Ada and
Ben enrolled, and clients for the partner's server (bearer token) and Ada's browser
(Django session)."""

import pytest
from rest_framework.test import APIClient

START = "/api/logger/contentsession"


@pytest.fixture
def logger_app(world):
    """The Math App (tests/world.py), with a real bearer token."""
    return world.math.api


@pytest.fixture
def logger_course(world):
    """course-1 (the Math App's) with lesson-1 (holding the video video-1) and lesson-2;
    stu-1 (Ada) and stu-2 (Ben) in class-1; stu-3 (Cleo) in no class of it."""
    return world.math.course


@pytest.fixture
def student(world):
    return world.ada


@pytest.fixture
def lesson(world):
    return world.math.lesson


@pytest.fixture
def browser(student):
    """Ada's (stu-1's) browser, logged in."""
    client = APIClient()
    client.force_login(student)
    return client


@pytest.fixture
def partner(logger_app):
    return logger_app


def exercise_start(node="lesson-1", model=None, **extra) -> dict:
    return {
        "node_id": node,
        "content_id": node,
        "channel_id": "course-1",
        "kind": "exercise",
        "mastery_model": model or {"type": "num_correct_in_a_row_3"},
        **extra,
    }


def answer(item: str, correct: float = 1, **extra) -> dict:
    return {"item": item, "correct": correct, "time_spent": 10, "answer": {"x": 1}, **extra}


def start_session(client, body) -> str:
    """POST a content session; its id (the request must succeed)."""
    response = client.post(START, body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["session_id"]


def put_ok(client, session, body) -> dict:
    """PUT to a content session; the answer's JSON (the request must succeed)."""
    response = client.put(f"{START}/{session}", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()
