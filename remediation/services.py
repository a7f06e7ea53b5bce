"""Writes of hole filling (docs/hole-filling.md): build, renew and close remediation plans
from mastery-test results, and materialise each plan as a OneRoster course of its own
(through rostering.services, like any roster write).

`consider_results` is what gradebook.signals.results_recorded leads to (remediation.receivers),
inside the transaction that wrote the results: a result on a mastery test (its line item's
`metadata.masteryTest`, or a standardized test, docs/closed-loop.md) with per-standard scores
opens a plan when a standard is below the threshold, renews the open plan when a retest still
misses some, and closes it when the retest passes them all. The rule that decides what a plan
holds is remediation.plan (pure); this module feeds it and stores its answer.
"""

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.oneroster import Status
from gradebook.models import AssessmentResult, LessonMastery
from rostering import access
from rostering import services as rostering
from rostering.models import (
    Class,
    ComponentKind,
    Course,
    CourseComponent,
    Enrollment,
    EnrollmentRole,
    Org,
    User,
)
from standards import selectors as standards

from . import plan as rules
from .models import PlanChange, PlanStatus, RemediationPlan

# The course metadata key rostering.access reads to show a plan's course to the apps whose
# lessons it names (rostering knows nothing else of remediation).
COURSE_MARK = access.ASSEMBLED_COURSE_MARK
CASE_SOURCE = "case"


def threshold() -> Decimal:
    return Decimal(str(settings.REMEDIATION_THRESHOLD))


# --- which results count ----------------------------------------------------------------


def mastery_test_results():
    """Results on mastery tests: the line item says `metadata.masteryTest: true`, is a
    standardized test (docs/closed-loop.md), or belongs to a lesson marked as one."""
    return AssessmentResult.objects.filter(
        Q(line_item__metadata__masteryTest=True)
        | Q(line_item__metadata__has_key="standardizedTest")
        | Q(lesson__metadata__masteryTest=True),
        status=Status.ACTIVE,
    )


def standard_scores(learning_objective_set) -> dict[str, Decimal]:
    """{standard reference: score in percent} of a OneRoster 1.2 `learningObjectiveSet` whose
    source is CASE (any case); anything not of that shape is ignored."""
    scores = {}
    for entry in learning_objective_set or ():
        if not isinstance(entry, dict) or str(entry.get("source", "")).lower() != CASE_SOURCE:
            continue
        for one in entry.get("learningObjectiveResults") or ():
            if not isinstance(one, dict) or not isinstance(one.get("learningObjectiveId"), str):
                continue
            try:
                scores[one["learningObjectiveId"].strip()] = Decimal(str(one["score"]))
            except (KeyError, InvalidOperation, TypeError, ValueError):
                continue
    return scores


@transaction.atomic
def consider_results(sourced_ids) -> list[RemediationPlan]:
    """Open, renew or close plans for the mastery-test results among `sourced_ids` (oldest
    first, so a batch holding a test and its retest ends as the retest says). Answers the
    plans touched."""
    results = (
        mastery_test_results()
        .filter(sourced_id__in=list(sourced_ids))
        .select_related("line_item", "course", "line_item__klass", "student")
        .order_by("score_date", "pk")
    )
    touched = []
    for result in results:
        plan = apply_test_result(result)
        if plan is not None:
            touched.append(plan)
    return touched


# --- the plan's life ----------------------------------------------------------------------


@dataclass
class _Scores:
    """One test's per-standard scores, resolved to CFItem identifiers."""

    by_identifier: dict[str, Decimal]
    items: dict  # identifier -> standards.StandardItem


def _resolve(scores: dict[str, Decimal]) -> _Scores:
    found = standards.items_by_identifier_or_uri(scores)
    by_identifier, items = {}, {}
    for ref, score in scores.items():
        item = found.get(ref)
        identifier = item.identifier if item else ref
        if item:
            items[identifier] = item
        # Two references to one standard: the lower score counts (the safer reading).
        by_identifier[identifier] = min(score, by_identifier.get(identifier, score))
    return _Scores(by_identifier, items)


def apply_test_result(result: AssessmentResult) -> RemediationPlan | None:
    """What one mastery-test result does to the student's plan for its subject."""
    raw = standard_scores(result.learning_objective_set)
    if not raw:
        return None
    scores = _resolve(raw)
    limit = threshold()
    below = {i for i, s in scores.by_identifier.items() if s < limit}
    subject = _subject(result, scores, below)
    # One writer at a time per student and subject: two results of the same student
    # processed at once (two workers) must not both open a plan.
    student = User.objects.select_for_update().get(pk=result.student_id)
    plans = RemediationPlan.objects.filter(student=student, subject=subject)
    latest = plans.order_by("-tested_at", "-pk").first()
    if latest is not None and _older(result, latest):
        return None  # a test taken before the plan's own: it says nothing new
    plan = latest if latest is not None and latest.status == PlanStatus.OPEN else None
    if plan is None:
        if not below:
            return None
        return _open(student, subject, result, below, scores)
    covered = set(plan.missed) & set(scores.by_identifier)
    if not covered and not below and result.pk != plan.result_id:
        return None  # another test, about none of the plan's standards
    still = below | (set(plan.missed) - set(scores.by_identifier))
    if not still:
        passed = ", ".join(sorted(_code(i, plan) for i in covered))
        return close_plan(plan, reason=f"Retest passed: {passed}.", result=result)
    return _renew(plan, result, still, scores)


def _older(result: AssessmentResult, plan: RemediationPlan) -> bool:
    if result.pk == plan.result_id:
        return plan.status == PlanStatus.CLOSED
    if result.score_date < plan.tested_at:
        return True
    # The same moment as a closed plan's test: that test is already answered.
    return result.score_date == plan.tested_at and plan.status == PlanStatus.CLOSED


def _code(identifier: str, plan: RemediationPlan) -> str:
    for step in plan.steps:
        if step["identifier"] == identifier:
            return step.get("humanCodingScheme") or identifier
    return identifier


def _subject(result: AssessmentResult, scores: _Scores, below: set[str]) -> str:
    """The subject of the framework's document (of the missed standards first), else the
    tested course's or the standardized test's."""
    for identifier in sorted(below) + sorted(scores.items):
        item = scores.items.get(identifier)
        if item is not None and item.subjects:
            return item.subjects[0][:255]
    test = (result.line_item.metadata or {}).get("standardizedTest") or {}
    if isinstance(test, dict) and test.get("subject"):
        return str(test["subject"])[:255]
    if result.course is not None and result.course.subjects:
        return str(result.course.subjects[0])[:255]
    return (result.line_item.title or "General")[:255]


def _open(student, subject, result, below, scores) -> RemediationPlan:
    plan = RemediationPlan.objects.create(
        student=student,
        subject=subject,
        threshold=threshold(),
        missed=sorted(below),
        result=result,
        tested_at=result.score_date,
    )
    _rebuild(plan, scores)
    _log(plan, PlanChange.Kind.OPENED, detail={"result": result.sourced_id, "missed": plan.missed})
    return plan


def _renew(plan: RemediationPlan, result, still: set[str], scores: _Scores) -> RemediationPlan:
    same_test = result.pk == plan.result_id
    plan.missed = sorted(still)
    plan.result = result
    plan.tested_at = result.score_date
    if not same_test:
        plan.renewals += 1
    _rebuild(plan, scores)
    if not same_test:
        _log(
            plan,
            PlanChange.Kind.RENEWED,
            reason="Retest still below the threshold.",
            detail={"result": result.sourced_id, "missed": plan.missed},
        )
    return plan


def _log(plan, kind, *, by=None, reason="", detail=None) -> PlanChange:
    return PlanChange.objects.create(
        plan=plan, kind=kind, by=by, reason=reason, detail=detail or {}
    )


def _rebuild(plan: RemediationPlan, scores: _Scores | None = None) -> None:
    """Build the plan's steps from its missed standards (remediation.plan decides), store
    them and bring its OneRoster course in step."""
    built = build(plan.student, plan.missed, excluded=set(plan.excluded))
    plan.steps = [_step_json(step) for step in built.steps]
    plan.updated_at = timezone.now()
    plan.save()
    materialise(plan)


def build(student: User, missed: list[str], *, excluded: set[str] = frozenset()) -> rules.Plan:
    """The plan for `missed` standards of `student`, from the frameworks, the student's
    mastery-test scores and lesson mastery, and the lessons of the apps they are enrolled
    with (a constant number of queries)."""
    graph = standards.framework_graph(missed)
    associations = [rules.Association(e.type, e.origin, e.destination) for e in graph.edges]
    candidates = rules.reachable(missed, associations, settings.REMEDIATION_MAX_DEPTH)
    aligned = standards.lessons_aligned_to(candidates, course_ids=_course_ids_of_apps(student))
    lesson_pks = {lesson.pk for found in aligned.values() for lesson in found}
    mastered_lessons = set(
        LessonMastery.objects.filter(student=student, lesson_id__in=lesson_pks).values_list(
            "lesson_id", flat=True
        )
    )
    app_of = dict(
        Course.objects.filter(
            pk__in={x.course_id for f in aligned.values() for x in f}
        ).values_list("pk", "partner_app_id")
    )
    lessons = {
        identifier: [
            rules.Lesson(
                sourced_id=x.sourced_id,
                title=x.title,
                app=app_of.get(x.course_id),
                mastered=x.pk in mastered_lessons,
            )
            for x in found
        ]
        for identifier, found in aligned.items()
    }
    known = {
        i.identifier: rules.Standard(i.identifier, i.human_coding_scheme, i.full_statement)
        for i in graph.items.values()
    }
    built = rules.build_plan(
        missed=missed,
        standards=known,
        associations=associations,
        mastered=_scored_mastered(student),
        lessons=lessons,
        max_depth=settings.REMEDIATION_MAX_DEPTH,
    )
    if excluded:
        steps = tuple(s for s in built.steps if s.standard.identifier not in excluded)
        built = rules.Plan(
            steps=steps, content_gaps=tuple(s.standard for s in steps if not s.lessons)
        )
    return built


def _course_ids_of_apps(student: User) -> list[int]:
    """The courses of every partner app the student is enrolled with (as a student)."""
    apps = Enrollment.objects.filter(
        user=student,
        role=EnrollmentRole.STUDENT,
        status=Status.ACTIVE,
        klass__course__partner_app__isnull=False,
    ).values("klass__course__partner_app")
    return list(
        Course.objects.filter(partner_app__in=apps, status=Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )


def _scored_mastered(student: User) -> set[str]:
    """The standards whose latest mastery-test score of the student is at or above the
    threshold (identifiers; references we do not hold stay as written)."""
    latest: dict[str, Decimal] = {}
    for lo_set in (
        mastery_test_results()
        .filter(student=student)
        .order_by("score_date", "pk")
        .values_list("learning_objective_set", flat=True)
    ):
        latest.update(standard_scores(lo_set))
    resolved = _resolve(latest)
    return {i for i, s in resolved.by_identifier.items() if s >= threshold()}


def _step_json(step: rules.Step) -> dict:
    return {
        "identifier": step.standard.identifier,
        "humanCodingScheme": step.standard.human_coding_scheme,
        "statement": step.standard.statement,
        "role": step.role,
        "lessons": [{"sourcedId": x.sourced_id, "title": x.title} for x in step.lessons],
    }


# --- guides -------------------------------------------------------------------------------


@transaction.atomic
def close_plan(
    plan: RemediationPlan, *, reason: str, by: User | None = None, result=None
) -> RemediationPlan:
    """Close the plan (a retest passed, or a guide decided), keeping why."""
    reason = (reason or "").strip()
    if by is not None and not reason:
        raise ValidationError({"reason": "Say why the plan is closed."})
    plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.CLOSED:
        return plan
    plan.status = PlanStatus.CLOSED
    plan.closed_at = timezone.now()
    plan.close_reason = reason[:2000]
    if result is not None:
        plan.result = result
        plan.tested_at = result.score_date
    plan.updated_at = plan.closed_at
    plan.save()
    if plan.enrollment_id:
        enrollment = Enrollment.objects.get(pk=plan.enrollment_id)
        rostering.upsert_enrollment(
            sourced_id=enrollment.sourced_id, end_date=plan.closed_at.date()
        )
        rostering.soft_delete(Enrollment.objects.get(pk=plan.enrollment_id))
    _log(
        plan,
        PlanChange.Kind.CLOSED,
        by=by,
        reason=plan.close_reason,
        detail={"result": result.sourced_id} if result is not None else {},
    )
    return plan


@transaction.atomic
def adjust_plan(
    plan: RemediationPlan, *, remove: list[str], restore: list[str] = (), reason: str, by: User
) -> RemediationPlan:
    """A guide takes standards out of the plan (or puts them back), with a reason kept;
    missed standards taken out no longer hold the plan open."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the plan is changed."})
    plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.OPEN:
        raise ValidationError("Only an open plan can be changed.")
    inside = {step["identifier"] for step in plan.steps} | set(plan.excluded)
    unknown = sorted((set(remove) | set(restore)) - inside)
    if unknown:
        raise ValidationError({"standards": f"Not in this plan: {', '.join(unknown)}."})
    excluded = dict(plan.excluded)
    for identifier in remove:
        excluded[identifier] = reason[:500]
    for identifier in restore:
        excluded.pop(identifier, None)
    plan.excluded = excluded
    _rebuild(plan)
    _log(
        plan,
        PlanChange.Kind.ADJUSTED,
        by=by,
        reason=reason,
        detail={"removed": sorted(remove), "restored": sorted(restore)},
    )
    if plan.missed and set(plan.missed) <= set(excluded):
        return close_plan(plan, reason=f"Every missed standard taken out: {reason}", by=by)
    return plan


# --- the plan as a OneRoster course ----------------------------------------------------------


def _sourced(*parts) -> str:
    """A stable sourcedId for the plan's roster objects (hashed: lesson ids may be long)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]
    return f"holefill-{parts[0]}-{digest}" if len(parts) > 1 else f"holefill-{parts[0]}"


def materialise(plan: RemediationPlan) -> None:
    """The plan as a course of its own ("Hole filling: <subject>"): one unit per standard in
    plan order, each with component resources naming the aligned lessons (a resource per
    lesson, owned by the lesson's app), a class and the student's enrollment. Standards that
    left the plan have their units soft-deleted. Without a school to hold the class, the plan
    has no course."""
    school = _school_of(plan)
    if school is None:
        return
    student = plan.student
    title = f"Hole filling: {plan.subject}"[:255]
    course, _ = rostering.upsert_course(
        sourced_id=_sourced(plan.pk),
        title=title,
        subjects=[plan.subject],
        org=school,
        partner_app=None,
        status=Status.ACTIVE,
        metadata={
            COURSE_MARK: {
                "plan": plan.pk,
                "student": student.sourced_id,
                "subject": plan.subject,
                "missed": plan.missed,
            }
        },
    )
    lessons = {
        x.sourced_id: x
        for x in rostering_lessons({x["sourcedId"] for s in plan.steps for x in s["lessons"]})
    }
    kept = set()
    for position, step in enumerate(plan.steps):
        unit_id = _sourced(plan.pk, "unit", step["identifier"])
        kept.add(unit_id)
        code = step.get("humanCodingScheme") or step["identifier"]
        unit, _ = rostering.upsert_course_component(
            sourced_id=unit_id,
            kind=ComponentKind.UNIT,
            course=course,
            parent=None,
            title=f"{code} {step.get('statement') or ''}".strip()[:255],
            sort_order=position,
            learning_standards=[step["identifier"]],
            status=Status.ACTIVE,
            metadata={"standard": step["identifier"], "role": step["role"]},
        )
        for order, named in enumerate(step["lessons"]):
            lesson = lessons.get(named["sourcedId"])
            if lesson is None:
                continue
            resource, _ = rostering.upsert_resource(
                sourced_id=_sourced("lesson", lesson.sourced_id),
                title=lesson.title[:255],
                vendor_resource_id=lesson.sourced_id[:255],
                partner_app=lesson.course.partner_app,
                metadata={"lesson": lesson.sourced_id, "course": lesson.course.sourced_id},
            )
            rostering.upsert_component_resource(
                sourced_id=_sourced(plan.pk, "lesson", step["identifier"], lesson.sourced_id),
                course_component=unit,
                resource=resource,
                title=lesson.title[:255],
                sort_order=order,
                status=Status.ACTIVE,
            )
    for gone in course.components.exclude(sourced_id__in=kept).exclude(status=Status.TOBEDELETED):
        rostering.soft_delete(gone)
    klass, _ = rostering.upsert_class(
        sourced_id=_sourced(plan.pk),
        title=title,
        course=course,
        school=school,
        subjects=[plan.subject],
        status=Status.ACTIVE,
    )
    enrollment, _ = rostering.upsert_enrollment(
        sourced_id=_sourced(plan.pk, "student", student.sourced_id),
        user=student,
        klass=klass,
        school=school,
        role=EnrollmentRole.STUDENT,
        status=Status.ACTIVE,
    )
    if (plan.course_id, plan.klass_id, plan.enrollment_id) != (course.pk, klass.pk, enrollment.pk):
        plan.course, plan.klass, plan.enrollment = course, klass, enrollment
        plan.save(update_fields=["course", "klass", "enrollment"])


def rostering_lessons(sourced_ids):
    return CourseComponent.objects.filter(
        sourced_id__in=list(sourced_ids), kind=ComponentKind.LESSON
    ).select_related("course")


def _school_of(plan: RemediationPlan) -> Org | None:
    """Where the plan's class sits: the tested class's school, the tested course's org, the
    school of one of the student's classes, else their primary org."""
    result = plan.result
    if result is not None:
        if result.line_item.klass_id:
            return result.line_item.klass.school
        if result.course is not None and result.course.org_id:
            return result.course.org
    enrolled = (
        Class.objects.filter(
            enrollments__user=plan.student, enrollments__role=EnrollmentRole.STUDENT
        )
        .exclude(course__metadata__has_key=COURSE_MARK)
        .select_related("school")
        .order_by("pk")
        .first()
    )
    if enrolled is not None:
        return enrolled.school
    return plan.student.primary_org
