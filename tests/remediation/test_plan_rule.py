"""The hole-filling rule (remediation.plan, docs/hole-filling.md), table-driven: which
standards a plan holds, in which order and with which lessons."""

import pytest

from remediation.plan import (
    CHILD,
    MISSED,
    PREREQUISITE,
    Association,
    Lesson,
    Standard,
    build_plan,
    cyclic_edges,
    natural_key,
)

# A small framework: codes name the standards (identifier "id-<code>").
CODES = ["A.1", "A.2", "A.3", "A.4", "A.9", "A.10", "B", "B.1", "B.2", "B.2.a", "C"]
STANDARDS = {f"id-{c}": Standard(f"id-{c}", c, f"Standard {c}") for c in CODES}


def pre(origin, destination):
    return Association("precedes", f"id-{origin}", f"id-{destination}")


def child(origin, parent):
    return Association("isChildOf", f"id-{origin}", f"id-{parent}")


def related(origin, destination):
    return Association("isRelatedTo", f"id-{origin}", f"id-{destination}")


def lesson(code, app="app1", mastered=False, n=1):
    return Lesson(f"{app}-{code}-{n}", f"Lesson {code} #{n}", app, mastered)


def plan_of(missed, associations=(), mastered=(), lessons=None, apps=None, max_depth=3):
    return build_plan(
        missed=[f"id-{c}" for c in missed],
        standards=STANDARDS,
        associations=associations,
        mastered=[f"id-{c}" for c in mastered],
        lessons={f"id-{code}": ls for code, ls in (lessons or {}).items()},
        apps=apps,
        max_depth=max_depth,
    )


def steps(plan):
    return [(s.standard.human_coding_scheme, s.role) for s in plan.steps]


@pytest.mark.parametrize(
    "case, missed, associations, mastered, max_depth, expected",
    [
        ("one missed standard alone", ["A.3"], [], [], 3, [("A.3", MISSED)]),
        (
            "a chain of prerequisites comes first, the furthest back first",
            ["A.3"],
            [pre("A.1", "A.2"), pre("A.2", "A.3")],
            [],
            3,
            [("A.1", PREREQUISITE), ("A.2", PREREQUISITE), ("A.3", MISSED)],
        ),
        (
            "a mastered prerequisite is left out and ends the walk back",
            ["A.3"],
            [pre("A.1", "A.2"), pre("A.2", "A.3")],
            ["A.2"],
            3,
            [("A.3", MISSED)],
        ),
        (
            "the walk back stops at the depth bound",
            ["A.4"],
            [pre("A.1", "A.2"), pre("A.2", "A.3"), pre("A.3", "A.4")],
            [],
            2,
            [("A.2", PREREQUISITE), ("A.3", PREREQUISITE), ("A.4", MISSED)],
        ),
        (
            "depth zero takes no prerequisite",
            ["A.3"],
            [pre("A.2", "A.3")],
            [],
            0,
            [("A.3", MISSED)],
        ),
        (
            "every edge of a cycle is ignored, edges off the cycle still count",
            ["A.3"],
            [pre("A.2", "A.3"), pre("A.3", "A.2"), pre("A.1", "A.3")],
            [],
            3,
            [("A.1", PREREQUISITE), ("A.3", MISSED)],
        ),
        (
            "a self-loop adds nothing",
            ["A.3"],
            [pre("A.3", "A.3")],
            [],
            3,
            [("A.3", MISSED)],
        ),
        (
            "a longer cycle is ignored whole",
            ["A.1"],
            [pre("A.1", "A.2"), pre("A.2", "A.3"), pre("A.3", "A.1"), pre("A.4", "A.3")],
            [],
            3,
            [("A.1", MISSED)],
        ),
        (
            "children of a missed standard follow it, grandchildren too, mastered ones left out",
            ["B"],
            [child("B.1", "B"), child("B.2", "B"), child("B.2.a", "B.2")],
            ["B.1"],
            3,
            [("B", MISSED), ("B.2", CHILD), ("B.2.a", CHILD)],
        ),
        (
            "isRelatedTo adds nothing",
            ["A.3"],
            [related("C", "A.3"), related("A.3", "C")],
            [],
            3,
            [("A.3", MISSED)],
        ),
        (
            "a missed standard preceding another stays missed and comes first",
            ["A.2", "A.1"],
            [pre("A.1", "A.2")],
            [],
            3,
            [("A.1", MISSED), ("A.2", MISSED)],
        ),
        (
            "prerequisites first, then by humanCodingScheme with numbers as numbers",
            ["A.10", "A.9", "C"],
            [pre("B.1", "C")],
            [],
            3,
            [("B.1", PREREQUISITE), ("A.9", MISSED), ("A.10", MISSED), ("C", MISSED)],
        ),
        (
            "a prerequisite shared by two missed standards is listed once",
            ["A.2", "A.3"],
            [pre("A.1", "A.2"), pre("A.1", "A.3")],
            [],
            3,
            [("A.1", PREREQUISITE), ("A.2", MISSED), ("A.3", MISSED)],
        ),
        (
            "precedence wins over the code: a later code that is needed first comes first",
            ["A.1"],
            [pre("C", "A.1"), pre("B", "C")],
            [],
            3,
            [("B", PREREQUISITE), ("C", PREREQUISITE), ("A.1", MISSED)],
        ),
    ],
)
def test_plan_standards_and_order(case, missed, associations, mastered, max_depth, expected):
    assert steps(plan_of(missed, associations, mastered, max_depth=max_depth)) == expected, case


def test_a_prerequisite_with_a_mastered_lesson_counts_as_mastered():
    plan = plan_of(
        ["A.3"],
        [pre("A.2", "A.3")],
        lessons={"A.2": [lesson("A.2", mastered=True)], "A.3": [lesson("A.3")]},
    )
    assert steps(plan) == [("A.3", MISSED)]


def test_a_prerequisite_mastered_only_in_an_app_the_student_left_still_counts():
    plan = plan_of(
        ["A.3"],
        [pre("A.2", "A.3")],
        lessons={"A.2": [lesson("A.2", app="gone", mastered=True)], "A.3": [lesson("A.3")]},
        apps={"app1"},
    )
    assert steps(plan) == [("A.3", MISSED)]


def test_standards_without_a_lesson_are_content_gaps_kept_in_the_plan():
    plan = plan_of(
        ["A.3"], [pre("A.1", "A.3"), pre("A.2", "A.3")], lessons={"A.3": [lesson("A.3")]}
    )
    assert [s.human_coding_scheme for s in plan.content_gaps] == ["A.1", "A.2"]
    assert [(s.standard.human_coding_scheme, s.content_gap) for s in plan.steps] == [
        ("A.1", True),
        ("A.2", True),
        ("A.3", False),
    ]


def test_lessons_of_every_enrolled_app_are_listed_and_other_apps_left_out():
    lessons = {
        "A.3": [
            lesson("A.3", app="math-app"),
            lesson("A.3", app="drill-app"),
            lesson("A.3", app="not-enrolled"),
        ]
    }
    plan = plan_of(["A.3"], lessons=lessons, apps={"math-app", "drill-app"})
    assert [x.sourced_id for x in plan.steps[0].lessons] == ["drill-app-A.3-1", "math-app-A.3-1"]
    everywhere = plan_of(["A.3"], lessons=lessons, apps=None)
    assert len(everywhere.steps[0].lessons) == 3


def test_a_standard_whose_lessons_are_all_in_other_apps_is_a_content_gap():
    plan = plan_of(["A.3"], lessons={"A.3": [lesson("A.3", app="other")]}, apps={"app1"})
    assert [s.identifier for s in plan.content_gaps] == ["id-A.3"]


@pytest.mark.parametrize(
    "mastered_lessons, next_lesson, progress, ready",
    [
        (set(), "app1-A.2-1", (0, 3), False),
        ({"app1-A.2-1"}, "app1-A.3-1", (1, 3), False),
        ({"app1-A.2-1", "app1-A.3-1"}, "app1-A.3-2", (2, 3), False),
        ({"app1-A.2-1", "app1-A.3-1", "app1-A.3-2"}, None, (3, 3), True),
    ],
)
def test_progress_next_lesson_and_readiness_follow_the_lessons_mastered(
    mastered_lessons, next_lesson, progress, ready
):
    def ls(code, n):
        sourced = f"app1-{code}-{n}"
        return Lesson(sourced, f"Lesson {code} #{n}", "app1", sourced in mastered_lessons)

    # A.2 is missed too, so its mastered lesson does not take it out of the plan.
    plan = plan_of(
        ["A.2", "A.3"],
        [pre("A.2", "A.3")],
        lessons={"A.2": [ls("A.2", 1)], "A.3": [ls("A.3", 1), ls("A.3", 2)]},
    )
    assert (plan.next_lesson.sourced_id if plan.next_lesson else None) == next_lesson
    assert plan.progress == progress
    assert plan.ready_for_retest is ready
    assert plan.steps[0].mastered is ("app1-A.2-1" in mastered_lessons)


def test_a_lesson_aligned_to_two_standards_counts_once():
    shared = lesson("A", app="app1")
    plan = plan_of(["A.1", "A.2"], lessons={"A.1": [shared], "A.2": [shared]})
    assert plan.progress == (0, 1)


def test_a_plan_of_content_gaps_only_is_ready_at_once():
    plan = plan_of(["A.3"])
    assert plan.ready_for_retest and plan.next_lesson is None


def test_unknown_identifiers_take_part_named_by_their_identifier():
    plan = build_plan(missed=["x"], standards={}, associations=[Association("precedes", "y", "x")])
    assert [(s.standard.identifier, s.role) for s in plan.steps] == [
        ("y", PREREQUISITE),
        ("x", MISSED),
    ]


@pytest.mark.parametrize(
    "edges, on_cycles",
    [
        ([("a", "b"), ("b", "c")], set()),
        ([("a", "b"), ("b", "a")], {("a", "b"), ("b", "a")}),
        ([("a", "a"), ("a", "b")], {("a", "a")}),
        (
            [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d")],
            {("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "d")},
        ),
    ],
)
def test_cyclic_edges_are_those_within_a_strongly_connected_component(edges, on_cycles):
    assert cyclic_edges(edges) == on_cycles


def test_natural_key_compares_numbers_as_numbers():
    codes = ["3.MUL.10", "3.MUL.9", "3.MUL", "3.FRA.1"]
    assert sorted(codes, key=natural_key) == ["3.FRA.1", "3.MUL", "3.MUL.9", "3.MUL.10"]
