"""What the read-back and EduBridge views share: the calling app's scope (rostering.access),
the filters they take (course, lesson, student, class, date range) and paged answers.

Everything a client can send is checked here: an unknown or out-of-scope id answers 404
(ids do not leak between apps), a bad date or a reversed range 400 naming the parameter.
"""

from dataclasses import dataclass
from datetime import date

import orjson
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer

from core import scopes
from core.api.auth import HasScope, IsTokenAuthenticated, partner_app
from core.api.errors import OneRosterError
from core.api.query import Page, parse_paging
from core.api.views import TimebackAPIView
from rostering import access
from rostering.models import Class, ComponentKind, Course, CourseComponent, User


class FastJSONRenderer(JSONRenderer):
    """orjson: read-back pages run to thousands of rows, and the standard encoder spent more
    time on them than the database. Bodies hold only JSON types (numbers via `number`)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data)


class AnalyticsView(TimebackAPIView):
    """A read of learning data by a partner token with `analytics.readonly`."""

    renderer_classes = [FastJSONRenderer]
    permission_classes = [IsTokenAuthenticated, HasScope]
    required_scopes = {"GET": [scopes.ANALYTICS_READONLY]}

    def scope(self) -> "AppScope":
        return AppScope(partner_app(self.request))


class AppScope:
    """What one partner app may read: its own courses and the students enrolled in them
    (everything for a roster source). `courses`/`students` are None when unrestricted, else
    subqueries of ids, ready for `course_id__in=` / `student_id__in=`."""

    def __init__(self, app):
        self.app = app
        everything = access.app_sees_everything(app)
        self.courses = None if everything else access.courses_visible_to_app(app).values("pk")
        self.students = None if everything else access.students_visible_to_app(app).values("pk")

    def _narrow(self, queryset, field, ids):
        return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})

    def student(self, sourced_id: str) -> User:
        found = self._narrow(User.objects.filter(sourced_id=sourced_id), "pk", self.students)
        return _one(found, f"No student with sourcedId '{sourced_id}'.")

    def student_by_email(self, email: str) -> User:
        found = self._narrow(User.objects.filter(email__iexact=email), "pk", self.students)
        return _one(found.order_by("pk"), f"No student with email '{email}'.")

    def student_named_by(self, params) -> User:
        """The student a request names with `studentId`, else `email` (the official
        EduBridge client sends either)."""
        if params.get("studentId"):
            return self.student(params["studentId"])
        if params.get("email"):
            return self.student_by_email(params["email"])
        raise OneRosterError("studentId or email is required.")

    def course(self, sourced_id: str) -> Course:
        found = self._narrow(Course.objects.filter(sourced_id=sourced_id), "pk", self.courses)
        return _one(found, f"No course with sourcedId '{sourced_id}'.")

    def lesson(self, sourced_id: str) -> CourseComponent:
        found = CourseComponent.objects.filter(sourced_id=sourced_id, kind=ComponentKind.LESSON)
        found = self._narrow(found, "course_id", self.courses)
        return _one(found, f"No lesson with sourcedId '{sourced_id}'.")

    def klass(self, sourced_id: str) -> Class:
        found = self._narrow(Class.objects.filter(sourced_id=sourced_id), "course_id", self.courses)
        return _one(found, f"No class with sourcedId '{sourced_id}'.")


def _one(queryset, message):
    obj = queryset.first()
    if obj is None:
        raise NotFound(message)
    return obj


# --- filters --------------------------------------------------------------------------


@dataclass
class Filters:
    """Rows to read: in `courses` (ids, None = any the app sees), of `students`, in `lesson`,
    dated within [start, end]. Always within the app's scope."""

    courses: object = None
    students: object = None
    lesson: CourseComponent | None = None
    start: date | None = None
    end: date | None = None

    def apply(
        self, queryset, *, course="course_id", student="student_id", day=None, lesson="lesson_id"
    ):
        if self.courses is not None:
            queryset = queryset.filter(**{f"{course}__in": self.courses})
        if self.students is not None:
            queryset = queryset.filter(**{f"{student}__in": self.students})
        if self.lesson is not None:
            queryset = queryset.filter(**{lesson: self.lesson.pk})
        if day and self.start:
            queryset = queryset.filter(**{f"{day}__gte": self.start})
        if day and self.end:
            queryset = queryset.filter(**{f"{day}__lte": self.end})
        return queryset


def parse_filters(params, scope: AppScope, *, lesson=True, klass=False) -> Filters:
    """The filters of a read-back request: `course`, `student`, `lesson` (when the rows have
    lessons), `class` (when asked), `startDate`, `endDate` (inclusive local days of the students' schools)."""
    filters = Filters(courses=scope.courses, students=scope.students)
    if "lesson" in params and not lesson:
        raise OneRosterError(
            "lesson: this collection is per course and day; filter by course instead."
        )
    if params.get("course"):
        filters.courses = [scope.course(params["course"]).pk]
    if params.get("student"):
        filters.students = [scope.student(params["student"]).pk]
    if params.get("lesson"):
        filters.lesson = scope.lesson(params["lesson"])
    if klass and params.get("class"):
        chosen = scope.klass(params["class"])
        # The class is within the app's courses already; with a `course` too, they must agree.
        if isinstance(filters.courses, list) and chosen.course_id not in filters.courses:
            raise NotFound(f"No class with sourcedId '{params['class']}' in that course.")
        filters.courses = [chosen.course_id]
        enrolled = chosen.enrollments.filter(role="student")
        if filters.students is not None:
            enrolled = enrolled.filter(user_id__in=filters.students)
        # Ids, not a subquery: PostgreSQL then knows it is a class, not the whole school, and
        # reads the rollups by student (a subquery here cost 150 ms over 20,000 rollups).
        filters.students = list(enrolled.values_list("user_id", flat=True))
    filters.start, filters.end = date_range(params)
    return filters


def date_range(params, start_name="startDate", end_name="endDate", required=False):
    start = parse_day(params.get(start_name), start_name, required=required)
    end = parse_day(params.get(end_name), end_name, required=required)
    if start and end and start > end:
        raise OneRosterError(f"{start_name} ({start}) is after {end_name} ({end}).")
    return start, end


def parse_day(raw: str | None, name: str, required: bool = False) -> date | None:
    """A day from `YYYY-MM-DD`, or the date an ISO 8601 timestamp names (as written, in its own
    offset): days are local days of each student's school (docs/api.md#days), so a date
    filter names the same calendar day in every school it reads."""
    if raw is None or raw == "":
        if required:
            raise OneRosterError(f"{name} is required (YYYY-MM-DD or an ISO 8601 timestamp).")
        return None
    value = None
    try:
        value = parse_date(raw) if len(raw) <= 10 else parse_datetime(raw.replace(" ", "T", 1))
    except ValueError:
        value = None
    if value is None:
        raise OneRosterError(
            f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp, not {raw[:40]!r}."
        )
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    return value.date()


# --- paging ---------------------------------------------------------------------------

PAGING_PARAMETERS = [
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description="Page size (default 100, at most 3000)."
    ),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip."),
]


def paginate(queryset, params, *, counted=None) -> Page:
    """One page of `queryset` (limit/offset as every collection takes them). `counted`, when
    given, is a cheaper queryset of the same rows to count (without the joins that only
    name things)."""
    limit, offset = parse_paging(params)
    total = (queryset if counted is None else counted).count()
    items = list(queryset[offset : offset + limit]) if offset < total else []
    return Page(items=items, total=total, limit=limit, offset=offset)


def number(value):
    """A Decimal for JSON: an int when whole, else a float."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def percent(value):
    return None if value is None else round(float(value), 1)
