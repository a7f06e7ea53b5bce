"""Reads of the progress-tracking ("logger") API: what content a node names, whose logs a
caller may read, and the lists the API answers. Bounded: every list is paged or capped."""

from dataclasses import dataclass
from enum import Enum

from django.db import connection
from django.db.models import F

from gradebook.models import AssessmentLineItem
from rostering import access
from rostering.models import (
    ComponentKind,
    ComponentResource,
    Course,
    CourseComponent,
    Enrollment,
    PartnerApp,
    Resource,
    User,
)

from .models import AttemptLog, ContentSessionLog, ContentSummaryLog, MasteryLog

# The fields of an attempt in the start answer's `pastattempts` and the update's `attempts`.
ATTEMPT_FIELDS = ("id", "correct", "complete", "hinted", "error", "item", "answer", "time_spent")
ATTEMPT_LOG_FIELDS = (
    "id",
    "item",
    "start_timestamp",
    "end_timestamp",
    "completion_timestamp",
    "time_spent",
    "complete",
    "correct",
    "hinted",
    "answer",
    "simple_answer",
    "interaction_history",
    "error",
)
MASTERY_LOG_FIELDS = (
    "id",
    "mastery_criterion",
    "start_timestamp",
    "end_timestamp",
    "completion_timestamp",
    "complete",
    "correct",
    "time_spent",
)
TRIES_ORDER = (F("end_timestamp").desc(nulls_last=True), "-mastery_level")


@dataclass(frozen=True)
class Caller:
    """Who is asking: a logged-in student for themselves, or a partner app for a student."""

    student: User | None
    app: PartnerApp | None


@dataclass(frozen=True)
class Content:
    """What a start names: the course it belongs to, the lesson mastery counts for, and,
    for a coach-assigned quiz, its line item."""

    course: Course
    lesson: CourseComponent | None
    node_id: str | None = None
    quiz: AssessmentLineItem | None = None
    item_count: int | None = None


def courses_of_caller(caller: Caller):
    if caller.app is not None or caller.student is None:
        return access.courses_visible_to_app(caller.app)
    return Course.objects.filter(
        pk__in=Enrollment.objects.filter(user=caller.student, role="student").values(
            "klass__course_id"
        )
    )


def student_for(caller: Caller, user_id: str | None) -> User | None:
    """The student a request is for: a logged-in student is always themselves (naming
    someone else finds no one); a partner names a student it may see."""
    if caller.student is not None:
        if user_id not in (None, "", caller.student.sourced_id):
            return None
        return caller.student
    if not user_id:
        return None
    return access.students_visible_to_app(caller.app).filter(sourced_id=user_id).first()


def content_for_node(node_id: str, lesson_id: str | None) -> Content | None:
    """A node is a course component (a lesson, or a unit) or a resource linked to one."""
    component = CourseComponent.objects.select_related("course").filter(sourced_id=node_id).first()
    if component is not None:
        lesson = component if component.kind == ComponentKind.LESSON else None
        return Content(
            course=component.course,
            lesson=lesson,
            node_id=node_id,
            item_count=_item_count(component.metadata),
        )
    resource = Resource.objects.filter(sourced_id=node_id).first()
    if resource is None:
        return None
    links = ComponentResource.objects.filter(resource=resource).select_related(
        "course_component__course"
    )
    if lesson_id:
        links = links.filter(course_component__sourced_id=lesson_id)
    link = links.order_by("sort_order", "id").first()
    if link is None:
        return None
    component = link.course_component
    return Content(
        course=component.course,
        lesson=component if component.kind == ComponentKind.LESSON else None,
        node_id=node_id,
        item_count=_item_count(resource.metadata),
    )


def content_for_quiz(quiz_id: str) -> Content | None:
    """A coach-assigned quiz is an assessment line item of a course (or of a lesson)."""
    quiz = (
        AssessmentLineItem.objects.select_related("course", "lesson__course")
        .filter(sourced_id=quiz_id)
        .first()
    )
    if quiz is None:
        return None
    course = quiz.course or (quiz.lesson.course if quiz.lesson else None)
    if course is None:
        return None
    return Content(course=course, lesson=quiz.lesson, quiz=quiz)


def _item_count(metadata) -> int | None:
    """The number of items of an exercise, when its metadata says (for `do_all`)."""
    value = (metadata or {}).get("totalQuestions")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def lesson_in_course(lesson_id: str, course: Course) -> CourseComponent | None:
    return CourseComponent.objects.filter(
        sourced_id=lesson_id, course=course, kind=ComponentKind.LESSON
    ).first()


def in_reach(caller: Caller, logs):
    """The logs (sessions, attempts) of a caller's reach: a student's own; a partner's
    students' in its courses."""
    if caller.student is not None:
        return logs.filter(student=caller.student)
    return logs.filter(
        course__in=access.courses_visible_to_app(caller.app),
        student__in=access.students_visible_to_app(caller.app),
    )


@dataclass(frozen=True)
class SessionScope:
    """The content sessions a caller may update, as a condition on the sessions' table (named
    by its table name, unaliased) for the update's locking statement, and its params."""

    condition: str
    params: tuple


SESSIONS = ContentSessionLog._meta.db_table


def sessions_of(caller: Caller, user_id: str | None = None) -> SessionScope:
    """Content sessions the caller may update (`in_reach`), of the student `user_id`
    (sourcedId) when given."""
    if caller.student is not None:
        condition, params = f'"{SESSIONS}".student_id = %s', (caller.student.pk,)
    else:
        condition, params = _partner_reach(caller.app)
    if user_id:
        users = User._meta.db_table
        condition += (
            f' AND "{SESSIONS}".student_id IN (SELECT id FROM "{users}" WHERE sourced_id = %s)'
        )
        params += (user_id,)
    return SessionScope(condition, params)


def _partner_reach(app: PartnerApp | None) -> tuple[str, tuple]:
    """`in_reach` of a partner's sessions compiled to SQL once per app (and per what decides
    its reach): building and compiling its subqueries with the ORM was a tenth of an
    update's CPU, and the rule is `in_reach`'s, whatever it becomes."""
    if app is None:
        return "FALSE", ()
    key = (app.pk, access.app_sees_everything(app))
    compiled = _REACH_SQL.get(key)
    if compiled is None:
        query = in_reach(Caller(student=None, app=app), ContentSessionLog.objects.all()).query
        compiler = query.get_compiler(connection=connection)
        if not query.where:
            compiled = ("TRUE", ())
        else:
            sql, params = compiler.compile(query.where)
            # Choices (EnrollmentRole.STUDENT) as their plain values.
            compiled = (sql, tuple(p.value if isinstance(p, Enum) else p for p in params))
        if len(_REACH_SQL) > 1000:
            _REACH_SQL.clear()
        _REACH_SQL[key] = compiled
    return compiled


_REACH_SQL: dict[tuple, tuple[str, tuple]] = {}


def past_attempts(mastery_log: MasteryLog, window: int) -> list[dict]:
    """The most recent attempts of a try, at most `window` (one indexed read whatever the
    size of the history)."""
    return list(mastery_log.attempts.order_by("-number").values(*ATTEMPT_FIELDS)[:window])


def total_progress(student: User, courses=None) -> int:
    """Completed content (in `courses`, else anywhere), counted as Kolibri does: each
    completed try of an assessment, and each other content whose progress reached 1."""
    summaries = ContentSummaryLog.objects.filter(student=student)
    tries_done = MasteryLog.objects.filter(student=student, complete=True)
    if courses is not None:
        summaries = summaries.filter(course__in=courses)
        tries_done = tries_done.filter(summary__course__in=courses)
    plain_done = summaries.filter(progress__gte=1, mastery_logs__isnull=True).count()
    return plain_done + tries_done.count()


def tries(caller: Caller, *, student: User, content_id: str):
    """A student's tries at one content, most recent first."""
    return MasteryLog.objects.filter(
        student=student,
        summary__content_id=content_id,
        summary__course__in=courses_of_caller(caller),
    ).order_by(*TRIES_ORDER)


def attempts_of_caller(caller: Caller):
    return in_reach(caller, AttemptLog.objects.all())


def attempt_rows(attempts) -> list[dict]:
    """Attempt logs as the API answers them (user as sourcedId, logs as ids)."""
    rows = attempts.values(
        *ATTEMPT_LOG_FIELDS,
        user=F("student__sourced_id"),
        masterylog=F("mastery_log_id"),
        sessionlog=F("session_id"),
    )
    return list(rows)


def previous_correct_by_item(previous_try_id) -> dict[str, float]:
    """For each item of a try, the correct score of its latest attempt (for diffs)."""
    latest = {}
    attempts = AttemptLog.objects.filter(mastery_log_id=previous_try_id).order_by("number")
    for item, correct in attempts.values_list("item", "correct"):
        latest[item] = correct
    return latest
