"""EduBridge analytics (docs/api.md#edubridge-analytics and #path-profiles), read from the
daily rollups.

    GET /ims/edubridge/analytics/v1p0/enrollmentFacts?studentId=&courseId=   (documented form)
    GET /edubridge/analytics/activity?studentId=|email=&startDate=&endDate=  (official client)
    GET /edubridge/analytics/enrollment/{enrollmentId}[?startDate=&endDate=]
    GET /edubridge/enrollments/user/{userId}
    GET /edubridge/analytics/facts/weekly?studentId=|email=&weekDate=

Shapes follow the models of the official Python client (timeback-edubridge 0.4): `facts` is
{date: {subject: {activityMetrics, timeSpentMetrics, apps}}} and `factsByApp` is
{app: {date: {subject: ...}}}; a course's subject is its first `subjects` entry, else its
title; the app is the name of the partner app owning the course. Days are local days of the
student's school (rostering.zones).
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Sum
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core.api.oneroster import paged_response
from gradebook.selectors import course_progress
from rostering.models import Enrollment, EnrollmentRole, Status

from .. import goals as goal_rules
from ..selectors import active_day, activity_rows
from .common import (
    PAGING_PARAMETERS,
    AnalyticsView,
    date_range,
    number,
    paginate,
    parse_day,
)

# --- the documented enrollmentFacts --------------------------------------------------

ENROLLMENT_FACTS_EXAMPLE = {
    "enrollmentFacts": [
        {
            "studentId": "student-123",
            "courseId": "math-grade-3",
            "xpEarned": 1250,
            "masteredUnits": 3,
            "totalUnits": 5,
            "pctCompleteApp": 60,
            "lastActivityDate": "2026-11-18",
        }
    ],
    "totalCount": 1,
    "pageCount": 1,
    "pageNumber": 1,
    "offset": 0,
    "limit": 100,
}


class EnrollmentFactsView(AnalyticsView):
    @extend_schema(
        operation_id="edubridge_enrollment_facts_list",
        parameters=[
            OpenApiParameter("studentId", OpenApiTypes.STR, description="Only this student."),
            OpenApiParameter("courseId", OpenApiTypes.STR, description="Only this course."),
            *PAGING_PARAMETERS,
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "Three of five units", value=ENROLLMENT_FACTS_EXAMPLE, response_only=True
            )
        ],
        description="One fact per student enrolled (as a student) in a course of the app: "
        "XP earned, cumulative masteredUnits, totalUnits (course metadata, else its lessons) "
        "and pctCompleteApp (capped at 100), and the last day with activity (local to the school).",
    )
    def get(self, request):
        scope = self.scope()
        params = request.query_params
        pairs = Enrollment.objects.filter(role=EnrollmentRole.STUDENT, status=Status.ACTIVE)
        if scope.courses is not None:
            pairs = pairs.filter(klass__course__in=scope.courses)
        if params.get("studentId"):
            pairs = pairs.filter(user=scope.student(params["studentId"]))
        if params.get("courseId"):
            pairs = pairs.filter(klass__course=scope.course(params["courseId"]))
        pairs = (
            pairs.values(
                "user_id", "user__sourced_id", "klass__course_id", "klass__course__sourced_id"
            )
            .distinct()
            .order_by("user__sourced_id", "klass__course__sourced_id")
        )
        page = paginate(pairs, params)
        keys = [(p["user_id"], p["klass__course_id"]) for p in page.items]
        totals = _totals(keys)
        progress = course_progress(keys)
        facts = []
        for p, key in zip(page.items, keys, strict=True):
            xp, last = totals.get(key, (Decimal(0), None))
            facts.append(
                {
                    "studentId": p["user__sourced_id"],
                    "courseId": p["klass__course__sourced_id"],
                    "xpEarned": number(xp),
                    "masteredUnits": number(progress[key].mastered_units),
                    "totalUnits": progress[key].total_units,
                    "pctCompleteApp": number(progress[key].pct_complete),
                    "lastActivityDate": last.isoformat() if last else None,
                }
            )
        return paged_response(request, {"enrollmentFacts": facts}, page)


def _totals(keys) -> dict:
    """(XP earned, last day showing learning) per (student, course), in one query."""
    if not keys:
        return {}
    rows = (
        activity_rows(students={s for s, _ in keys}, courses={c for _, c in keys})
        .order_by()
        .values("student_id", "course_id")
        .annotate(
            xp_total=Sum("xp"),
            last=Max("day", filter=active_day()),
        )
    )
    return {
        (r["student_id"], r["course_id"]): (r["xp_total"] or Decimal(0), r["last"]) for r in rows
    }


# --- the official client's activity facts ---------------------------------------------

SUBJECT_METRICS_EXAMPLE = {
    "activityMetrics": {
        "xpEarned": 42.5,
        "totalQuestions": 20,
        "correctQuestions": 17,
        "masteredUnits": 1,
    },
    "timeSpentMetrics": {"activeSeconds": 1890, "inactiveSeconds": 120, "wasteSeconds": 45},
    "apps": ["Math App"],
}
ACTIVITY_EXAMPLE = {
    "message": "Activity facts of student-123 from 2026-11-16 to 2026-11-20.",
    "studentId": "student-123",
    "startDate": "2026-11-16T00:00:00.000Z",
    "endDate": "2026-11-20T23:59:59.999Z",
    "facts": {"2026-11-18": {"Math": SUBJECT_METRICS_EXAMPLE}},
    "factsByApp": {"Math App": {"2026-11-18": {"Math": SUBJECT_METRICS_EXAMPLE}}},
}


class ActivityFactsView(AnalyticsView):
    @extend_schema(
        operation_id="edubridge_activity_retrieve",
        parameters=[
            OpenApiParameter("studentId", OpenApiTypes.STR, description="The student (sourcedId)."),
            OpenApiParameter("email", OpenApiTypes.STR, description="Or the student's email."),
            OpenApiParameter(
                "startDate",
                OpenApiTypes.STR,
                required=True,
                description="YYYY-MM-DD or ISO timestamp (the date it names).",
            ),
            OpenApiParameter("endDate", OpenApiTypes.STR, required=True, description="Inclusive."),
            OpenApiParameter(
                "timezone",
                OpenApiTypes.STR,
                description="Accepted; days are local days of the student's school.",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("One day of math", value=ACTIVITY_EXAMPLE, response_only=True)],
        description="A student's daily facts per subject in the app's courses over a date "
        "range, as the official EduBridge client reads them.",
    )
    def get(self, request):
        scope = self.scope()
        params = request.query_params
        student = scope.student_named_by(params)
        start, end = date_range(params, required=True)
        facts, by_app = daily_facts(student.pk, scope.courses, start, end)
        return Response(
            {
                "message": f"Activity facts of {student.sourced_id} from {start} to {end}.",
                "studentId": student.sourced_id,
                "startDate": params["startDate"],
                "endDate": params["endDate"],
                "facts": facts,
                "factsByApp": by_app,
            }
        )


class EnrollmentActivityView(AnalyticsView):
    @extend_schema(
        operation_id="edubridge_enrollment_activity_retrieve",
        parameters=[
            OpenApiParameter(
                "startDate", OpenApiTypes.STR, description="YYYY-MM-DD or ISO timestamp."
            ),
            OpenApiParameter("endDate", OpenApiTypes.STR, description="Inclusive."),
            OpenApiParameter(
                "timezone",
                OpenApiTypes.STR,
                description="Accepted; days are local days of the student's school.",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "One enrollment",
                value={
                    "message": "Activity facts of enrollment enr-1.",
                    "enrollmentId": "enr-1",
                    "startDate": None,
                    "endDate": None,
                    "facts": ACTIVITY_EXAMPLE["facts"],
                    "factsByApp": ACTIVITY_EXAMPLE["factsByApp"],
                },
                response_only=True,
            )
        ],
        description="The daily facts of one enrollment (its student in its class's course), "
        "over the whole history unless a date range is given.",
    )
    def get(self, request, enrollment_id):
        scope = self.scope()
        enrollments = Enrollment.objects.filter(sourced_id=enrollment_id).select_related("klass")
        if scope.courses is not None:
            enrollments = enrollments.filter(klass__course__in=scope.courses)
        enrollment = enrollments.first()
        if enrollment is None:
            raise NotFound(f"No enrollment with sourcedId '{enrollment_id}'.")
        start, end = date_range(request.query_params)
        facts, by_app = daily_facts(enrollment.user_id, [enrollment.klass.course_id], start, end)
        return Response(
            {
                "message": f"Activity facts of enrollment {enrollment_id}.",
                "enrollmentId": enrollment.sourced_id,
                "startDate": request.query_params.get("startDate"),
                "endDate": request.query_params.get("endDate"),
                "facts": facts,
                "factsByApp": by_app,
            }
        )


def daily_facts(student_id, courses, start, end) -> tuple[dict, dict]:
    """({date: {subject: metrics}}, {app: {date: {subject: metrics}}}) of one student, summed
    over the courses of a subject (and app). One query."""
    rows = (
        activity_rows(students=[student_id], courses=courses, start=start, end=end)
        .select_related("course__partner_app")
        .only(
            "day",
            "xp",
            "items_answered",
            "items_correct",
            "mastered_units",
            "active_seconds",
            "wasted_seconds",
            "inactive_seconds",
            "course__title",
            "course__subjects",
            "course__partner_app__name",
        )  # fmt: skip
    )
    facts = defaultdict(dict)
    by_app = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        day, subject = row.day.isoformat(), _subject(row.course)
        app = row.course.partner_app.name if row.course.partner_app else "Timeback"
        _add(facts[day], subject, row, app)
        _add(by_app[app][day], subject, row, app)
    return _plain(facts), _plain(by_app)


def _subject(course) -> str:
    subjects = course.subjects if isinstance(course.subjects, list) else []
    return str(subjects[0]) if subjects and subjects[0] else course.title


def _add(by_subject: dict, subject: str, row, app: str) -> None:
    metrics = by_subject.setdefault(
        subject,
        {
            "activityMetrics": {
                "xpEarned": Decimal(0),
                "totalQuestions": 0,
                "correctQuestions": 0,
                "masteredUnits": Decimal(0),
            },
            "timeSpentMetrics": {"activeSeconds": 0, "inactiveSeconds": 0, "wasteSeconds": 0},
            "apps": [],
        },
    )
    activity, time = metrics["activityMetrics"], metrics["timeSpentMetrics"]
    activity["xpEarned"] += row.xp
    activity["totalQuestions"] += row.items_answered
    activity["correctQuestions"] += row.items_correct
    activity["masteredUnits"] += row.mastered_units
    time["activeSeconds"] += row.active_seconds
    time["inactiveSeconds"] += row.inactive_seconds
    time["wasteSeconds"] += row.wasted_seconds - row.inactive_seconds
    if app not in metrics["apps"]:
        metrics["apps"].append(app)


def _plain(nested):
    """Plain dicts for JSON, with Decimal sums as numbers."""
    if isinstance(nested, dict):
        return {k: _plain(v) for k, v in nested.items()}
    return number(nested) if isinstance(nested, Decimal) else nested


# --- the official client's enrollments of a user --------------------------------------

ENROLLMENTS_EXAMPLE = {
    "data": [
        {
            "id": "enr-1",
            "role": "student",
            "beginDate": "2026-08-20",
            "endDate": None,
            "metadata": {
                "goals": {
                    "dailyXp": 100,
                    "dailyLessons": 3,
                    "dailyActiveMinutes": 25,
                    "dailyAccuracy": 80,
                    "dailyMasteredUnits": 2,
                }
            },
            "course": {
                "id": "math-grade-3",
                "title": "Math 3",
                "metadata": {"totalUnits": 5},
                "subjects": ["Math"],
                "grades": ["03"],
                "primaryApp": {"id": "7", "name": "Math App", "domains": []},
            },
            "school": {"id": "school-1", "name": "Alpha School"},
            "periods": [
                {
                    "id": "term-1",
                    "title": "Fall",
                    "startDate": "2026-08-01",
                    "endDate": "2026-12-31",
                }
            ],
            "testOutSupported": False,
            "testOutEligible": False,
        }
    ]
}
CLIENT_ROLES = ("administrator", "proctor", "student", "teacher")  # the client's EnrollmentRole


class UserEnrollmentsView(AnalyticsView):
    @extend_schema(
        operation_id="edubridge_user_enrollments_list",
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample("A student in one course", value=ENROLLMENTS_EXAMPLE, response_only=True)
        ],
        description="A user's active enrollments in the app's courses, course-centric, with "
        "the effective daily goals (enrollment over course over defaults) in metadata.goals.",
    )
    def get(self, request, user_id):
        scope = self.scope()
        user = scope.student(user_id)
        enrollments = Enrollment.objects.filter(
            user=user, status=Status.ACTIVE, role__in=CLIENT_ROLES
        )
        if scope.courses is not None:
            enrollments = enrollments.filter(klass__course__in=scope.courses)
        enrollments = (
            enrollments.select_related("klass__course__partner_app", "school")
            .prefetch_related("klass__terms")
            .order_by("sourced_id")
        )
        return Response({"data": [_enrollment(e) for e in enrollments]})


def _enrollment(e: Enrollment) -> dict:
    course = e.klass.course
    goals = goal_rules.goals_from_metadata(course.metadata, e.metadata)
    app = course.partner_app
    return {
        "id": e.sourced_id,
        "role": e.role,
        "beginDate": e.begin_date.isoformat() if e.begin_date else None,
        "endDate": e.end_date.isoformat() if e.end_date else None,
        "metadata": {
            **(e.metadata if isinstance(e.metadata, dict) else {}),
            "goals": {
                key: number(getattr(goals, name)) for key, name in goal_rules.GOAL_KEYS.items()
            },
        },
        "course": {
            "id": course.sourced_id,
            "title": course.title,
            "metadata": course.metadata if isinstance(course.metadata, dict) else {},
            "subjects": course.subjects,
            "grades": course.grades,
            "primaryApp": {"id": str(app.pk), "name": app.name, "domains": []} if app else None,
        },
        "school": {"id": e.school.sourced_id, "name": e.school.name},
        "periods": [
            {
                "id": t.sourced_id,
                "title": t.title,
                "startDate": t.start_date.isoformat(),
                "endDate": t.end_date.isoformat(),
            }
            for t in e.klass.terms.all()
        ],
        "testOutSupported": False,
        "testOutEligible": False,
    }


# --- weekly facts (the official client's get_weekly_facts) -------------------------------

WEEKLY_FACT_EXAMPLE = {
    "id": 41,
    "email": "ada@school.example",
    "date": "2026-11-18",
    "datetime": "2026-11-18T00:00:00.000Z",
    "username": "ada",
    "userGrade": "3",
    "userFamilyName": "Lovelace",
    "userGivenName": "Ada",
    "userId": "student-123",
    "subject": "Math",
    "app": "Math App",
    "courseId": "math-grade-3",
    "courseName": "Math grade 3",
    "campusId": None,
    "campusName": None,
    "enrollmentId": None,
    "activityId": None,
    "activityName": None,
    "totalQuestions": 12,
    "correctQuestions": 10,
    "xpEarned": 25,
    "masteredUnits": 1,
    "activeSeconds": "900",
    "inactiveSeconds": "60",
    "wasteSeconds": "30",
    "source": "timeback",
    "year": 2026,
    "month": 11,
    "day": 18,
    "dayOfWeek": 3,
}


class WeeklyFactsView(AnalyticsView):
    @extend_schema(
        operation_id="edubridge_weekly_facts_retrieve",
        parameters=[
            OpenApiParameter("studentId", OpenApiTypes.STR, description="The student (sourcedId)."),
            OpenApiParameter("email", OpenApiTypes.STR, description="Or the student's email."),
            OpenApiParameter(
                "weekDate",
                OpenApiTypes.STR,
                required=True,
                description="A day of the week wanted (YYYY-MM-DD or ISO timestamp, the "
                "date it names); weeks run Monday to Sunday.",
            ),
            OpenApiParameter(
                "timezone",
                OpenApiTypes.STR,
                description="Accepted; days are local days of the student's school.",
            ),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "One day of math",
                value={"facts": [WEEKLY_FACT_EXAMPLE]},
                response_only=True,
            )
        ],
        description="A student's facts of one week in the app's courses, one record per day "
        "and course, as the official EduBridge client's get_weekly_facts reads them.",
    )
    def get(self, request):
        scope = self.scope()
        params = request.query_params
        student = scope.student_named_by(params)
        week_day = parse_day(params.get("weekDate"), "weekDate", required=True)
        monday = week_day - timedelta(days=week_day.weekday())
        sunday = monday + timedelta(days=6)
        return Response(
            {
                "message": f"Weekly facts of {student.sourced_id} from {monday} to {sunday}.",
                "studentId": student.sourced_id,
                "weekStart": monday.isoformat(),
                "weekEnd": sunday.isoformat(),
                "facts": weekly_facts(student, scope.courses, monday, sunday),
            }
        )


def weekly_facts(student, courses, start, end) -> list[dict]:
    """One record per day and course of `student` between start and end (local days), from the
    daily rollups. One query. Seconds are strings, as the official client's model types them."""
    rows = (
        activity_rows(students=[student.pk], courses=courses, start=start, end=end)
        .select_related("course__partner_app")
        .order_by("day", "course__sourced_id")
    )
    grades = student.grades if isinstance(student.grades, list) else []
    return [
        {
            "id": row.pk,
            "email": student.email or "",
            "date": row.day.isoformat(),
            "datetime": f"{row.day.isoformat()}T00:00:00.000Z",
            "username": student.username,
            "userGrade": str(grades[0]) if grades else None,
            "userFamilyName": student.last_name or None,
            "userGivenName": student.first_name or None,
            "userId": student.sourced_id,
            "subject": _subject(row.course),
            "app": row.course.partner_app.name if row.course.partner_app else "Timeback",
            "courseId": row.course.sourced_id,
            "courseName": row.course.title,
            "campusId": None,
            "campusName": None,
            "enrollmentId": None,
            "activityId": None,
            "activityName": None,
            "totalQuestions": row.items_answered,
            "correctQuestions": row.items_correct,
            "xpEarned": number(row.xp),
            "masteredUnits": number(row.mastered_units),
            "activeSeconds": str(row.active_seconds),
            "inactiveSeconds": str(row.inactive_seconds),
            "wasteSeconds": str(row.wasted_seconds - row.inactive_seconds),
            "source": "timeback",
            "year": row.day.year,
            "month": row.day.month,
            "day": row.day.day,
            "dayOfWeek": row.day.isoweekday(),
        }
        for row in rows
    ]
