"""The hole-filling rule (docs/hole-filling.md): from the standards a student missed on a
mastery test, the framework's graph and what the student has mastered, the ordered list of
standards to work on, each with the lessons aligned to it. Pure: no Django, tested
table-driven; remediation.services feeds it from the database and stores what it answers.

- The plan holds the missed standards; their prerequisites through CASE `precedes`
  associations (the origin precedes the destination: the origin is the prerequisite) that
  the student has not mastered, up to `max_depth` steps back; and the children of the
  missed standards through `isChildOf` (the origin is the child) not mastered, as deep.
  `isRelatedTo` and every other association add nothing.
- A standard is mastered when the student scored at or above the threshold on it, or
  mastered a lesson aligned to it. A mastered prerequisite ends the walk back along its path
  (what it rests on was learnt with it).
- Every `precedes` edge that lies on a cycle is ignored (a framework saying A before B before
  A says nothing usable about order), both for finding prerequisites and for ordering.
- Order: a prerequisite always before the standards it precedes; among what may come next,
  prerequisites first, then by `humanCodingScheme` (numbers compared as numbers: 3.MUL.10
  after 3.MUL.9), then identifier.
- Lessons: those aligned to each standard in the apps the student is enrolled with (all of
  them when `apps` is None); a standard with none is a content gap, listed as such and kept
  in the plan (the guide sees what is missing).
"""

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MISSED = "missed"
PREREQUISITE = "prerequisite"
CHILD = "child"

PRECEDES = "precedes"
IS_CHILD_OF = "isChildOf"

# What may come first when the order of precedence leaves a choice.
_ROLE_RANK = {PREREQUISITE: 0, MISSED: 1, CHILD: 1}
# When a standard reaches the plan two ways, the role that says most about it wins.
_ROLE_STRENGTH = {MISSED: 0, PREREQUISITE: 1, CHILD: 2}

DEFAULT_MAX_DEPTH = 3


@dataclass(frozen=True)
class Standard:
    identifier: str
    human_coding_scheme: str = ""
    statement: str = ""


@dataclass(frozen=True)
class Association:
    """A CASE association between two items, by identifier."""

    type: str
    origin: str
    destination: str


@dataclass(frozen=True)
class Lesson:
    sourced_id: str
    title: str = ""
    app: object = None
    mastered: bool = False


@dataclass(frozen=True)
class Step:
    """One standard of the plan, with its role and its lessons."""

    standard: Standard
    role: str
    lessons: tuple[Lesson, ...]

    @property
    def mastered(self) -> bool:
        """Every lesson aligned to it is mastered (a content gap never is)."""
        return bool(self.lessons) and all(lesson.mastered for lesson in self.lessons)

    @property
    def content_gap(self) -> bool:
        return not self.lessons


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    content_gaps: tuple[Standard, ...] = field(default=())

    @property
    def lessons(self) -> list[Lesson]:
        """Every lesson of the plan once, in plan order."""
        seen, ordered = set(), []
        for step in self.steps:
            for lesson in step.lessons:
                if lesson.sourced_id not in seen:
                    seen.add(lesson.sourced_id)
                    ordered.append(lesson)
        return ordered

    @property
    def next_lesson(self) -> Lesson | None:
        return next((lesson for lesson in self.lessons if not lesson.mastered), None)

    @property
    def progress(self) -> tuple[int, int]:
        """(lessons mastered, lessons in the plan)."""
        lessons = self.lessons
        return sum(1 for lesson in lessons if lesson.mastered), len(lessons)

    @property
    def ready_for_retest(self) -> bool:
        """Every lesson of the plan is mastered (true of a plan of content gaps only: there
        is nothing left to do before the retest but what the guide decides)."""
        done, total = self.progress
        return done == total

    @property
    def missed(self) -> list[str]:
        return [s.standard.identifier for s in self.steps if s.role == MISSED]


def natural_key(code: str) -> tuple:
    """`humanCodingScheme` compared with its numbers as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.findall(r"\d+|\D+", code or "")
    )


def cyclic_edges(edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges (origin, destination) that lie on a cycle: both ends in one strongly
    connected component, or a self-loop (Tarjan's algorithm, iterative)."""
    graph: dict[str, list[str]] = {}
    edges = list(edges)
    for origin, destination in edges:
        graph.setdefault(origin, []).append(destination)
        graph.setdefault(destination, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    component: dict[str, int] = {}
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
    return {(o, d) for o, d in edges if o == d or component[o] == component[d]}


def build_plan(
    *,
    missed: Iterable[str],
    standards: Mapping[str, Standard],
    associations: Iterable[Association],
    mastered: Iterable[str] = (),
    lessons: Mapping[str, Sequence[Lesson]] | None = None,
    apps: Iterable[object] | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Plan:
    """The plan for `missed` standards (identifiers). `standards` names the items known
    (an identifier missing there still takes part, named by its identifier); `mastered` are
    the standards the student scored at or above the threshold on; `lessons` maps a standard
    to the lessons aligned to it, each saying whether the student mastered it; `apps` the
    partner apps the student is enrolled with (None: every app)."""
    lessons = lessons or {}
    allowed = None if apps is None else set(apps)
    associations = list(associations)
    precedes = [(a.origin, a.destination) for a in associations if a.type == PRECEDES]
    broken = cyclic_edges(precedes)
    precedes = [edge for edge in precedes if edge not in broken]
    prerequisites_of: dict[str, set[str]] = {}
    for origin, destination in precedes:
        prerequisites_of.setdefault(destination, set()).add(origin)
    children_of: dict[str, set[str]] = {}
    for a in associations:
        if a.type == IS_CHILD_OF and a.origin != a.destination:
            children_of.setdefault(a.destination, set()).add(a.origin)

    def lessons_of(identifier: str) -> tuple[Lesson, ...]:
        found = [
            lesson
            for lesson in lessons.get(identifier, ())
            if allowed is None or lesson.app in allowed
        ]
        unique = {lesson.sourced_id: lesson for lesson in found}
        return tuple(sorted(unique.values(), key=lambda x: (natural_key(x.title), x.sourced_id)))

    scored = set(mastered)

    def is_mastered(identifier: str) -> bool:
        # A lesson mastered in any app counts, even one the student has left: it was learnt.
        return identifier in scored or any(x.mastered for x in lessons.get(identifier, ()))

    roles: dict[str, str] = {}

    def add(identifier: str, role: str) -> None:
        current = roles.get(identifier)
        if current is None or _ROLE_STRENGTH[role] < _ROLE_STRENGTH[current]:
            roles[identifier] = role

    missed = list(dict.fromkeys(missed))
    for identifier in missed:
        add(identifier, MISSED)
    for start in missed:
        _walk(start, prerequisites_of, max_depth, is_mastered, lambda i: add(i, PREREQUISITE))
        _walk(start, children_of, max_depth, is_mastered, lambda i: add(i, CHILD))

    def standard(identifier: str) -> Standard:
        return standards.get(identifier) or Standard(identifier=identifier)

    order = _ordered(roles, precedes, standard)
    steps = tuple(Step(standard(i), roles[i], lessons_of(i)) for i in order)
    return Plan(steps=steps, content_gaps=tuple(s.standard for s in steps if s.content_gap))


def _walk(start, neighbours, max_depth, is_mastered, include) -> None:
    """Breadth-first from `start` along `neighbours`, at most `max_depth` steps, including
    each unmastered standard reached; a mastered one ends its path."""
    seen = {start}
    frontier = [start]
    for _ in range(max(0, max_depth)):
        following = []
        for node in frontier:
            for neighbour in sorted(neighbours.get(node, ())):
                if neighbour in seen:
                    continue
                seen.add(neighbour)
                if is_mastered(neighbour):
                    continue
                include(neighbour)
                following.append(neighbour)
        frontier = following


def _ordered(roles: dict[str, str], precedes, standard) -> list[str]:
    """Kahn's order over the acyclic `precedes` edges between the plan's standards, the
    choice among ready standards by (role rank, humanCodingScheme, identifier)."""
    inside = set(roles)
    after: dict[str, set[str]] = {i: set() for i in inside}
    waiting = dict.fromkeys(inside, 0)
    for origin, destination in set(precedes):
        if origin in inside and destination in inside:
            after[origin].add(destination)
            waiting[destination] += 1

    def key(identifier):
        return (
            _ROLE_RANK[roles[identifier]],
            natural_key(standard(identifier).human_coding_scheme),
            identifier,
        )

    ready = [(key(i), i) for i, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, identifier = heapq.heappop(ready)
        order.append(identifier)
        for following in after[identifier]:
            waiting[following] -= 1
            if waiting[following] == 0:
                heapq.heappush(ready, (key(following), following))
    return order


def reachable(
    missed: Iterable[str], associations: Iterable[Association], max_depth: int = DEFAULT_MAX_DEPTH
) -> set[str]:
    """Every standard `build_plan` could include for `missed`, whatever is mastered: what to
    read lessons and scores for before building (a superset of the plan)."""
    associations = list(associations)
    precedes = [(a.origin, a.destination) for a in associations if a.type == PRECEDES]
    broken = cyclic_edges(precedes)
    back: dict[str, set[str]] = {}
    for origin, destination in precedes:
        if (origin, destination) not in broken:
            back.setdefault(destination, set()).add(origin)
    down: dict[str, set[str]] = {}
    for a in associations:
        if a.type == IS_CHILD_OF and a.origin != a.destination:
            down.setdefault(a.destination, set()).add(a.origin)
    found = set(missed)
    for start in list(found):
        for neighbours in (back, down):
            _walk(start, neighbours, max_depth, lambda _: False, found.add)
    return found
