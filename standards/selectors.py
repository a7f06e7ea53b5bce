"""Reads of the imported CASE frameworks, as plain data for the layers above.

The contract the gradebook, remediation and dashboards rely on (each call runs a constant
number of queries, whatever the number of references):

- `items_by_identifier_or_uri(refs)` → `{ref: StandardItem}` for each reference (a CFItem
  identifier or its `uri`, as lessons' `learningStandards` and `learningObjectiveSet` carry
  them) that names an item we hold. A reference we do not hold is absent from the answer:
  `unresolved(refs)` lists those.
- `framework_graph(refs)` → `FrameworkGraph`: every item of the frameworks (CFDocuments)
  the references belong to, and every association edge of those frameworks, plus the edges
  of other frameworks that touch their items. Edges name their ends by CFItem identifier
  (`origin`, `destination`); an end we do not hold (an item of another framework not
  imported, kept as an external link) has no entry in `items`, and `edge.external` is True.
  An end that is the document itself (the top `isChildOf` edges) is the document's
  identifier. Read CASE's direction as written: `origin associationType destination`, so
  for `precedes` the origin is the prerequisite (`graph.prerequisites_of(x)`), for
  `isChildOf` the origin is the child (`graph.children_of(x)`, `graph.parents_of(x)`).
  The graph may contain cycles (nothing in CASE forbids them): walkers must guard.
- `lessons_aligned_to(identifiers, course_ids=None)` → `{item identifier: [AlignedLesson]}`:
  the active lessons whose `learningStandards` name the item by identifier or by uri,
  optionally only in the given courses (rostering `Course` primary keys), ordered by
  course and sort order. Items with no lesson are absent.
- `document_subjects(document identifier)` is `StandardItem.subjects` for a document.
- `case_references(learning_objective_set)`: the CFItem references a OneRoster 1.2
  `learningObjectiveSet` carries under source "CASE" (ids, or a result's
  `learningObjectiveResults[].learningObjectiveId`).
- `alignment_report(lessons, other_references=...)`: unresolved references and, per
  framework, covered standards and content gaps (the developer dashboard).

Everything returned is an immutable dataclass of strings, tuples and ints: safe to cache,
compare and serialise with `dataclasses.asdict`.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from core.oneroster import Status
from rostering.models import ComponentKind, CourseComponent

from .models import CFAssociation, CFDocument, CFItem

PRECEDES = "precedes"
IS_CHILD_OF = "isChildOf"


@dataclass(frozen=True)
class StandardItem:
    """One CFItem, with what hole filling and the dashboards show of it."""

    identifier: str
    uri: str
    human_coding_scheme: str
    full_statement: str
    item_type: str
    education_level: tuple[str, ...]
    document: str  # the CFDocument's identifier
    document_title: str
    # The item's own CASE `subject`, else its document's (e.g. ("Mathematics",)).
    subjects: tuple[str, ...]
    pk: int = field(compare=False, default=0)


@dataclass(frozen=True)
class Edge:
    """One CFAssociation: `origin type destination`, ends as CFItem (or CFDocument) identifiers."""

    type: str
    origin: str
    destination: str
    origin_uri: str
    destination_uri: str
    identifier: str  # the CFAssociation's identifier
    document: str  # identifier of the CFDocument whose package carried the edge
    sequence_number: int | None
    external: bool  # an end is neither an item we hold nor the edge's document


@dataclass(frozen=True)
class FrameworkGraph:
    items: dict[str, StandardItem]
    edges: tuple[Edge, ...]
    documents: dict[str, str]  # identifier → title of the frameworks included

    def _ends(self, kind: str, *, to: str, want: str) -> list[str]:
        found = []
        for edge in self.edges:
            if edge.type != kind:
                continue
            if want == "origin" and edge.destination == to:
                found.append(edge.origin)
            elif want == "destination" and edge.origin == to:
                found.append(edge.destination)
        return found

    def prerequisites_of(self, identifier: str) -> list[str]:
        """Origins of the `precedes` edges whose destination is `identifier`."""
        return self._ends(PRECEDES, to=identifier, want="origin")

    def successors_of(self, identifier: str) -> list[str]:
        """Destinations of the `precedes` edges whose origin is `identifier`."""
        return self._ends(PRECEDES, to=identifier, want="destination")

    def children_of(self, identifier: str) -> list[str]:
        """Origins of the `isChildOf` edges whose destination is `identifier`."""
        return self._ends(IS_CHILD_OF, to=identifier, want="origin")

    def parents_of(self, identifier: str) -> list[str]:
        """Destinations of the `isChildOf` edges whose origin is `identifier`."""
        return self._ends(IS_CHILD_OF, to=identifier, want="destination")


@dataclass(frozen=True)
class AlignedLesson:
    pk: int
    sourced_id: str
    title: str
    course_id: int
    course_sourced_id: str


def _clean(refs: Iterable[str]) -> list[str]:
    return sorted({str(r).strip() for r in refs if r is not None and str(r).strip()})


def _as_item(item: CFItem, document: CFDocument) -> StandardItem:
    return StandardItem(
        identifier=item.identifier,
        uri=item.uri,
        human_coding_scheme=item.human_coding_scheme,
        full_statement=item.full_statement,
        item_type=item.cf_item_type,
        education_level=tuple(str(v) for v in item.education_level or ()),
        document=document.identifier,
        document_title=document.title,
        subjects=tuple(str(s) for s in (item.subject or document.subject or ())),
        pk=item.pk,
    )


def _items(queryset) -> list[StandardItem]:
    return [_as_item(i, i.document) for i in queryset.select_related("document")]


def items_by_identifier_or_uri(refs: Iterable[str]) -> dict[str, StandardItem]:
    """`{ref: StandardItem}` for the references naming an item we hold (one query).

    A reference matches an item's identifier (exactly, or lower-cased: CASE identifiers are
    UUIDs and some tools write them in capitals) or its uri (exactly)."""
    wanted = _clean(refs)
    if not wanted:
        return {}
    lowered = {r.lower() for r in wanted}
    found = _items(CFItem.objects.filter(Q(identifier__in=[*wanted, *lowered]) | Q(uri__in=wanted)))
    by_identifier = {i.identifier: i for i in found}
    by_lower = {i.identifier.lower(): i for i in found}
    by_uri = {i.uri: i for i in found if i.uri}
    answer = {}
    for ref in wanted:
        item = by_identifier.get(ref) or by_uri.get(ref) or by_lower.get(ref.lower())
        if item is not None:
            answer[ref] = item
    return answer


def unresolved(refs: Iterable[str]) -> list[str]:
    """The references (sorted) that name no item we hold."""
    wanted = _clean(refs)
    known = items_by_identifier_or_uri(wanted)
    return [r for r in wanted if r not in known]


def _as_edge(a: CFAssociation, document_identifier: str, known: set[str]) -> Edge:
    ends_known = all(
        end in known or end == document_identifier
        for end in (a.origin_identifier, a.destination_identifier)
    )
    return Edge(
        type=a.association_type,
        origin=a.origin_item.identifier if a.origin_item else a.origin_identifier,
        destination=(
            a.destination_item.identifier if a.destination_item else a.destination_identifier
        ),
        origin_uri=a.origin_uri,
        destination_uri=a.destination_uri,
        identifier=a.identifier,
        document=document_identifier,
        sequence_number=a.sequence_number,
        external=not ends_known,
    )


def framework_graph(refs: Iterable[str]) -> FrameworkGraph:
    """The frameworks the references belong to, as items and edges (four queries)."""
    resolved = items_by_identifier_or_uri(refs)
    document_ids = {i.document for i in resolved.values()}
    if not document_ids:
        return FrameworkGraph(items={}, edges=(), documents={})
    documents = {
        d.pk: d
        for d in CFDocument.objects.filter(identifier__in=document_ids).only("identifier", "title")
    }
    items = {
        i.identifier: i for i in _items(CFItem.objects.filter(document_id__in=documents.keys()))
    }
    item_pks = [i.pk for i in items.values()]
    associations = list(
        CFAssociation.objects.filter(
            Q(document_id__in=documents.keys())
            | Q(origin_item_id__in=item_pks)
            | Q(destination_item_id__in=item_pks)
        )
        .select_related("document", "origin_item", "destination_item")
        .order_by("document_id", "position", "id")
    )
    # Ends in other frameworks that we hold: included, so cross-framework prerequisites
    # carry their codes and statements.
    others = {
        end
        for a in associations
        for end in (a.origin_item, a.destination_item)
        if end is not None and end.identifier not in items
    }
    if others:
        for item in _items(CFItem.objects.filter(pk__in=[o.pk for o in others])):
            items[item.identifier] = item
    known = set(items)
    edges = tuple(_as_edge(a, a.document.identifier, known) for a in associations)
    return FrameworkGraph(
        items=items,
        edges=edges,
        documents={d.identifier: d.title for d in documents.values()},
    )


def document_subjects(identifier: str) -> tuple[str, ...]:
    subject = (
        CFDocument.objects.filter(identifier=identifier).values_list("subject", flat=True).first()
    )
    return tuple(str(s) for s in subject or ())


def lessons_aligned_to(
    identifiers: Iterable[str], *, course_ids: Iterable[int] | None = None
) -> dict[str, list[AlignedLesson]]:
    """`{item identifier: [AlignedLesson]}` for the items with at least one active lesson
    aligned to them by identifier or uri (two queries)."""
    items = {i.identifier: i for i in items_by_identifier_or_uri(identifiers).values()}
    if not items:
        return {}
    names: dict[str, str] = {}
    for item in items.values():
        names[item.identifier] = item.identifier
        names[item.identifier.lower()] = item.identifier
        if item.uri:
            names[item.uri] = item.identifier
    lessons = CourseComponent.objects.filter(
        kind=ComponentKind.LESSON,
        status=Status.ACTIVE,
        learning_standards__has_any_keys=list(names),
    ).select_related("course")
    if course_ids is not None:
        lessons = lessons.filter(course_id__in=list(course_ids))
    aligned: dict[str, list[AlignedLesson]] = defaultdict(list)
    for lesson in lessons.order_by("course_id", "sort_order", "id"):
        seen = set()
        for ref in lesson.learning_standards or ():
            identifier = names.get(str(ref).strip()) or names.get(str(ref).strip().lower())
            if identifier and identifier not in seen:
                seen.add(identifier)
                aligned[identifier].append(
                    AlignedLesson(
                        pk=lesson.pk,
                        sourced_id=lesson.sourced_id,
                        title=lesson.title,
                        course_id=lesson.course_id,
                        course_sourced_id=lesson.course.sourced_id,
                    )
                )
    return dict(aligned)


# --- reads of the CASE API (whole packages, their tree) ------------------------------------


@dataclass
class PackageRows:
    """One framework's rows, each list in package order (four queries)."""

    document: CFDocument
    items: list[CFItem]
    associations: list[CFAssociation]
    definitions: list = field(default_factory=list)


def package_rows(document: CFDocument) -> PackageRows:
    return PackageRows(
        document=document,
        items=list(document.items.order_by("position", "id")),
        associations=list(
            document.associations.select_related("origin_item", "destination_item").order_by(
                "position", "id"
            )
        ),
        definitions=list(document.definitions.order_by("kind", "position", "id")),
    )


@dataclass
class TreeNode:
    item: CFItem
    children: list["TreeNode"] = field(default_factory=list)


def item_tree(rows: PackageRows) -> list[TreeNode]:
    """The framework's isChildOf tree over its own items: roots are the items whose parent
    is the document, or is no item of the package (an item with no parent at all is a root
    too). Siblings by sequenceNumber, then package order. An item listed under several
    parents appears under each; a cycle is cut where it closes."""
    by_id = {i.identifier: i for i in rows.items}
    order = {i.identifier: n for n, i in enumerate(rows.items)}
    children: dict[str, list[tuple]] = defaultdict(list)
    has_parent: set[str] = set()
    for a in rows.associations:
        if a.association_type != IS_CHILD_OF or a.origin_identifier not in by_id:
            continue
        if a.destination_identifier in by_id:
            has_parent.add(a.origin_identifier)
            key = (a.sequence_number is None, a.sequence_number or 0, order[a.origin_identifier])
            children[a.destination_identifier].append((key, a.origin_identifier))

    def build(identifier: str, path: frozenset) -> TreeNode:
        node = TreeNode(by_id[identifier])
        for _, child in sorted(children.get(identifier, ())):
            if child not in path:
                node.children.append(build(child, path | {child}))
        return node

    roots = [i.identifier for i in rows.items if i.identifier not in has_parent]
    return [build(r, frozenset({r})) for r in roots]


# --- alignment: what lessons and line items name, resolved against the frameworks ---------

CASE_SOURCE = "case"


def case_references(learning_objective_set) -> list[str]:
    """The CFItem references of a OneRoster 1.2 `learningObjectiveSet` whose source is CASE
    (`[{"source": "CASE", "learningObjectiveIds": [...]}]`, or on a result
    `learningObjectiveResults: [{"learningObjectiveId"}]`); the source is matched without
    regard to case, as clients write "CASE" or "case"."""
    found: list[str] = []
    for entry in learning_objective_set or ():
        if (
            not isinstance(entry, dict)
            or str(entry.get("source", "")).strip().lower() != CASE_SOURCE
        ):
            continue
        for ref in entry.get("learningObjectiveIds") or ():
            found.append(str(ref))
        for result in entry.get("learningObjectiveResults") or ():
            if isinstance(result, dict) and result.get("learningObjectiveId"):
                found.append(str(result["learningObjectiveId"]))
    return list(dict.fromkeys(r.strip() for r in found if str(r).strip()))


@dataclass(frozen=True)
class UnresolvedReference:
    reference: str
    used_by: tuple[str, ...]  # "lesson <title> (<sourcedId>)", "assessment line item ..."


@dataclass(frozen=True)
class CoveredStandard:
    item: StandardItem
    lessons: tuple[str, ...]  # titles of the lessons aligned to it


@dataclass(frozen=True)
class FrameworkCoverage:
    document: str
    title: str
    subjects: tuple[str, ...]
    covered: tuple[CoveredStandard, ...]
    gaps: tuple[StandardItem, ...]

    @property
    def standards_total(self) -> int:
        return len(self.covered) + len(self.gaps)

    @property
    def covered_percent(self) -> int:
        return round(100 * len(self.covered) / self.standards_total) if self.standards_total else 0


@dataclass(frozen=True)
class AlignmentReport:
    lessons_total: int
    lessons_aligned: int
    unresolved: tuple[UnresolvedReference, ...]
    frameworks: tuple[FrameworkCoverage, ...]


def _code_order(item: StandardItem):
    return (item.human_coding_scheme or "\uffff", item.full_statement)


def lessons_of_courses(course_ids: Iterable[int]) -> list:
    """The active lessons of the courses, in course order (one query)."""
    return list(
        CourseComponent.objects.filter(
            course_id__in=list(course_ids), kind=ComponentKind.LESSON, status=Status.ACTIVE
        ).order_by("course_id", "sort_order", "id")
    )


def alignment_report(
    lessons: Iterable, *, other_references: dict[str, list[str]] | None = None
) -> AlignmentReport:
    """How the given lessons (rostering CourseComponents, e.g. `lessons_of_courses(...)` or
    the ones a page already holds) and any other references (e.g. an app's assessment line
    items: `{reference: [who uses it]}`) align to the imported frameworks: no query when
    nothing names a standard, else three.

    Unresolved: every reference that names no item we hold, with who uses it. Per framework
    a reference names: its standards, i.e. the items no other item of the framework is a
    child of (`isChildOf` leaves) and any item a lesson names directly; covered when at
    least one lesson names it (by identifier or uri), else a content gap."""
    lessons = list(lessons)
    used_by: dict[str, list[str]] = defaultdict(list)
    for lesson in lessons:
        for ref in lesson.learning_standards or ():
            ref = str(ref).strip()
            if ref:
                used_by[ref].append(f"lesson {lesson.title} ({lesson.sourced_id})")
    for ref, users in (other_references or {}).items():
        if str(ref).strip():
            used_by[str(ref).strip()].extend(users)
    resolved = items_by_identifier_or_uri(used_by) if used_by else {}
    unresolved = tuple(
        UnresolvedReference(ref, tuple(dict.fromkeys(used_by[ref])))
        for ref in sorted(used_by)
        if ref not in resolved
    )
    lesson_titles: dict[str, list[str]] = defaultdict(list)
    for lesson in lessons:
        for ref in dict.fromkeys(str(r).strip() for r in lesson.learning_standards or ()):
            if ref in resolved and lesson.title not in lesson_titles[resolved[ref].identifier]:
                lesson_titles[resolved[ref].identifier].append(lesson.title)
    documents = sorted({i.document for i in resolved.values()})
    frameworks = []
    if documents:
        rows = list(
            CFItem.objects.filter(document__identifier__in=documents).select_related("document")
        )
        described = {r.document.identifier: r.document for r in rows}
        items = [_as_item(r, r.document) for r in rows]
        parents = set(
            CFAssociation.objects.filter(
                document__identifier__in=documents,
                association_type=IS_CHILD_OF,
                origin_item__isnull=False,
                destination_item__isnull=False,
            ).values_list("destination_identifier", flat=True)
        )
        for document in documents:
            own = sorted((i for i in items if i.document == document), key=_code_order)
            standards = [
                i for i in own if i.identifier not in parents or i.identifier in lesson_titles
            ]
            frameworks.append(
                FrameworkCoverage(
                    document=document,
                    title=described[document].title,
                    subjects=tuple(str(s) for s in described[document].subject or ()),
                    covered=tuple(
                        CoveredStandard(i, tuple(lesson_titles[i.identifier]))
                        for i in standards
                        if i.identifier in lesson_titles
                    ),
                    gaps=tuple(i for i in standards if i.identifier not in lesson_titles),
                )
            )
    return AlignmentReport(
        lessons_total=len(lessons),
        lessons_aligned=sum(1 for lesson in lessons if lesson.learning_standards),
        unresolved=unresolved,
        frameworks=tuple(frameworks),
    )
