"""logger.bodies.plain_update reads a PUT body exactly as UpdateSessionSerializer does, or
leaves it to the serializer (issue 16: the body read without DRF)."""

import random
import uuid

import pytest

from logger.api import UpdateSessionSerializer
from logger.bodies import plain_update

ID = str(uuid.UUID(int=7))

VALUES = [
    0,
    1,
    0.5,
    -1,
    2,
    86400,
    86401,
    1e300,
    2**60,
    True,
    False,
    None,
    "0.5",
    "x",
    " x",
    "x ",
    "",
    " ",
    "a\x00b",
    "\ud800",
    "é",
    "y" * 255,
    "y" * 256,
    {},
    {"k": None},
    [],
    [1],
    float("nan"),
    float("inf"),
    ID,
    ID.upper(),
    "{" + ID + "}",
    "not-a-uuid",
]
INTERACTION_FIELDS = [
    "id",
    "item",
    "correct",
    "time_spent",
    "complete",
    "answer",
    "simple_answer",
    "error",
    "hinted",
    "replace",
    "unknown",
]
BODY_FIELDS = [
    "progress",
    "progress_delta",
    "time_spent_delta",
    "extra_fields",
    "user_id",
    "unknown",
]


def through_the_serializer(body):
    serializer = UpdateSessionSerializer(data=body)
    if not serializer.is_valid():
        return None
    data = dict(serializer.validated_data)
    if "interactions" in data:
        data["interactions"] = [dict(i) for i in data["interactions"]]
    return data


def an_interaction(rng):
    interaction = {"item": "q1", "correct": 1, "time_spent": 5}
    for name in rng.sample(INTERACTION_FIELDS, rng.randint(0, 4)):
        if rng.random() < 0.2:
            interaction.pop(name, None)
        else:
            interaction[name] = rng.choice(VALUES)
    return interaction


def a_body(rng):
    body = {}
    for name in rng.sample(BODY_FIELDS, rng.randint(0, 4)):
        body[name] = rng.choice(VALUES)
    if rng.random() < 0.8:
        body["interactions"] = [an_interaction(rng) for _ in range(rng.choice([0, 1, 1, 2, 3]))]
    elif rng.random() < 0.5:
        body["interactions"] = rng.choice(VALUES)
    return body


COMMON = [
    {"time_spent_delta": 5, "interactions": [{"item": "q1", "correct": 1, "time_spent": 5}]},
    {
        "progress": 0.5,
        "time_spent_delta": 12.5,
        "extra_fields": {"a": [1, 2]},
        "interactions": [
            {
                "id": ID,
                "item": "item-3",
                "correct": 0,
                "time_spent": 3.25,
                "answer": {"n": 3},
                "simple_answer": "",
                "hinted": True,
            }
        ],
        "user_id": "stu-1",
    },
    {"progress_delta": 0.1},
    {"interactions": [{"item": "q", "correct": 0.5, "time_spent": 0}] * 100},
    {},
]


@pytest.mark.parametrize("body", COMMON)
def test_the_usual_bodies_are_read_without_the_serializer_to_the_same_data(body):
    data = plain_update(body)

    assert data is not None
    assert data == through_the_serializer(body)


def test_any_body_is_read_as_the_serializer_reads_it_or_left_to_it():
    rng = random.Random(16)
    read = 0
    for _ in range(4000):
        body = a_body(rng)
        data = plain_update(body)
        if data is not None:
            read += 1
            assert data == through_the_serializer(body), body
    assert read > 300  # the generator reaches the fast path, not only refusals


@pytest.mark.parametrize(
    "body",
    [
        {"progress": 0.5, "progress_delta": 0.1},
        {"interactions": [{"item": "q", "correct": 1, "time_spent": 1}] * 101},
        {"interactions": [{"item": " q", "correct": 1, "time_spent": 1}]},
        {"interactions": [{"correct": 1, "time_spent": 1}]},
        {"time_spent_delta": True},
        {"time_spent_delta": "5"},
        ["not", "an", "object"],
    ],
)
def test_bodies_the_serializer_changes_or_refuses_are_left_to_it(body):
    assert plain_update(body) is None
