"""Reads of hole filling: a student's plans with each lesson's mastery read from the
gradebook now (docs/hole-filling.md#gating), for the pages, the read-back API and insights.
Each read takes a constant number of queries, whatever the number of plans and lessons."""

from dataclasses import dataclass

from gradebook.models import LessonMastery

from .models import PlanStatus, RemediationPlan

OPEN, READY, CLOSED = "open", "ready", "closed"


@dataclass(frozen=True)
class LessonView:
    sourced_id: str
    title: str
    mastered: bool


@dataclass(frozen=True)
class StandardView:
    identifier: str
    human_coding_scheme: str
    statement: str
    role: str
    lessons: tuple[LessonView, ...]

    @property
    def mastered(self) -> bool:
        return bool(self.lessons) and all(x.mastered for x in self.lessons)


@dataclass(frozen=True)
class PlanView:
    plan: RemediationPlan
    standards: tuple[StandardView, ...]

    @property
    def lessons(self) -> list[LessonView]:
        seen, ordered = set(), []
        for standard in self.standards:
            for lesson in standard.lessons:
                if lesson.sourced_id not in seen:
                    seen.add(lesson.sourced_id)
                    ordered.append(lesson)
        return ordered

    @property
    def progress(self) -> tuple[int, int]:
        lessons = self.lessons
        return sum(1 for x in lessons if x.mastered), len(lessons)

    @property
    def percent(self) -> int:
        done, total = self.progress
        return round(100 * done / total) if total else 100

    @property
    def ready_for_retest(self) -> bool:
        done, total = self.progress
        return self.plan.status == PlanStatus.OPEN and done == total

    @property
    def status(self) -> str:
        if self.plan.status == PlanStatus.CLOSED:
            return CLOSED
        return READY if self.ready_for_retest else OPEN

    @property
    def next_lesson(self) -> LessonView | None:
        return next((x for x in self.lessons if not x.mastered), None)

    @property
    def content_gaps(self) -> list[StandardView]:
        return [s for s in self.standards if not s.lessons]

    @property
    def missed(self) -> list[StandardView]:
        return [s for s in self.standards if s.role == "missed"]


def _views(plans: list[RemediationPlan]) -> list[PlanView]:
    """Plans with their lessons' mastery (one query for all of them)."""
    wanted = {
        (plan.student_id, lesson["sourcedId"])
        for plan in plans
        for step in plan.steps
        for lesson in step["lessons"]
    }
    mastered = set()
    if wanted:
        mastered = set(
            LessonMastery.objects.filter(
                student_id__in={s for s, _ in wanted},
                lesson__sourced_id__in={x for _, x in wanted},
            ).values_list("student_id", "lesson__sourced_id")
        )
    return [
        PlanView(
            plan=plan,
            standards=tuple(
                StandardView(
                    identifier=step["identifier"],
                    human_coding_scheme=step.get("humanCodingScheme") or "",
                    statement=step.get("statement") or "",
                    role=step["role"],
                    lessons=tuple(
                        LessonView(
                            x["sourcedId"],
                            x["title"],
                            (plan.student_id, x["sourcedId"]) in mastered,
                        )
                        for x in step["lessons"]
                    ),
                )
                for step in plan.steps
            ),
        )
        for plan in plans
    ]


def plans_of(student, *, include_closed: bool = True) -> list[PlanView]:
    """The student's plans, open ones first, newest first."""
    plans = RemediationPlan.objects.filter(student=student).select_related("course")
    if not include_closed:
        plans = plans.filter(status=PlanStatus.OPEN)
    # "open" sorts after "closed", so descending status puts open plans first.
    return _views(list(plans.order_by("-status", "-tested_at", "-pk")))


def open_plans(student) -> list[PlanView]:
    return plans_of(student, include_closed=False)


def open_plans_of_students(student_ids) -> dict[int, list[PlanView]]:
    """{student id: their open plans} for a guide's students."""
    plans = list(
        RemediationPlan.objects.filter(student_id__in=student_ids, status=PlanStatus.OPEN)
        .select_related("course", "student")
        .order_by("student_id", "subject")
    )
    found: dict[int, list[PlanView]] = {}
    for view in _views(plans):
        found.setdefault(view.plan.student_id, []).append(view)
    return found


def most_missed(student_ids, limit: int = 10) -> list[dict]:
    """The standards most often missed in the open plans of these students: [{identifier,
    humanCodingScheme, statement, students}] by number of students, then code."""
    counts: dict[str, dict] = {}
    for plan in RemediationPlan.objects.filter(
        student_id__in=student_ids, status=PlanStatus.OPEN
    ).only("student_id", "missed", "steps"):
        named = {step["identifier"]: step for step in plan.steps}
        for identifier in plan.missed:
            step = named.get(identifier, {})
            entry = counts.setdefault(
                identifier,
                {
                    "identifier": identifier,
                    "humanCodingScheme": step.get("humanCodingScheme") or "",
                    "statement": step.get("statement") or "",
                    "students": set(),
                },
            )
            entry["students"].add(plan.student_id)
    ranked = sorted(
        counts.values(),
        key=lambda e: (-len(e["students"]), e["humanCodingScheme"], e["identifier"]),
    )
    return [{**e, "students": len(e["students"])} for e in ranked[:limit]]


def plan_json(view: PlanView) -> dict:
    """A plan as `GET /analytics/1.0/users/{id}/remediation` answers it (docs/hole-filling.md)."""
    plan = view.plan
    return {
        "id": str(plan.pk),
        "status": view.status,
        "subject": plan.subject,
        "course": {"sourcedId": plan.course.sourced_id} if plan.course_id else None,
        "standards": [
            {
                "identifier": s.identifier,
                "humanCodingScheme": s.human_coding_scheme,
                "role": s.role,
                "mastered": s.mastered,
                "lessons": [
                    {"sourcedId": x.sourced_id, "title": x.title, "mastered": x.mastered}
                    for x in s.lessons
                ],
            }
            for s in view.standards
        ],
        "contentGaps": [
            {"identifier": s.identifier, "humanCodingScheme": s.human_coding_scheme}
            for s in view.content_gaps
        ],
        "readyForRetest": view.ready_for_retest,
    }


def remediation_json(student) -> dict:
    return {"plans": [plan_json(view) for view in plans_of(student)]}


def open_plan_for_insights(student) -> dict:
    """What `GET /insights/1.0/users/{id}` adds (analytics reads it through the setting
    INSIGHTS_SECTIONS, since analytics sits below remediation): the open plans."""
    return {"remediation": {"plans": [plan_json(view) for view in open_plans(student)]}}
