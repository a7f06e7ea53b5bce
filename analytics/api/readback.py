"""Partner read-back (docs/api.md#partner-api): what the app's students earned in the app's courses.

    GET /xp/1.0/users/{id}/entries         the XP ledger of one student
    GET /analytics/1.0/activity            per student × course × local day, from the rollups
    GET /insights/1.0/users/{id}           goals, today, streak, progress, diagnosis
    GET /gradebook/1.0/assessment-results  assessment results

Scope `analytics.readonly`; only the app's own courses and the students enrolled in them
(others answer 404). Filters: course, lesson, student, startDate/endDate; paged with
limit/offset, X-Total-Count and Link. Each answer takes a constant number of queries.
"""

from datetime import UTC

from django.conf import settings
from django.db.models import DateField, F, FloatField, OuterRef, Subquery, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api.oneroster import paged_response
from events.models import CaliperEvent
from gradebook.models import AssessmentResult, XpEntry
from rostering import zones
from rostering.models import User

from .. import figures, selectors
from .common import (
    PAGING_PARAMETERS,
    AnalyticsView,
    number,
    paginate,
    parse_day,
    parse_filters,
    percent,
)


def _filter_parameters(*names):
    described = {
        "course": "Only this course (sourcedId).",
        "lesson": "Only this lesson (sourcedId).",
        "student": "Only this student (sourcedId).",
        "class": "Only the students and course of this class (sourcedId).",
        "startDate": "First day, YYYY-MM-DD, a local day of the student's school (an ISO "
        "timestamp counts as the date it names).",
        "endDate": "Last day, inclusive.",
    }
    return [OpenApiParameter(n, OpenApiTypes.STR, description=described[n]) for n in names] + (
        PAGING_PARAMETERS
    )


# --- XP ledger ------------------------------------------------------------------------

XP_EXAMPLE = {
    "entries": [
        {
            "id": 4711,
            "studentId": "student-123",
            "courseId": "math-grade-5",
            "lessonId": "fractions-1",
            "date": "2026-11-18",
            "xp": 12.5,
            "kind": "computed",
            "correction": False,
            "eventId": "urn:uuid:c51570e4-f8ed-4c18-bb3a-dfe51b2cc594",
            "createdAt": "2026-11-18T10:15:02.120000Z",
        }
    ],
    "totalXp": 12.5,
    "totalCount": 1,
    "pageCount": 1,
    "pageNumber": 1,
    "offset": 0,
    "limit": 100,
}


class XpEntriesView(AnalyticsView):
    @extend_schema(
        operation_id="xp_entries_list",
        parameters=_filter_parameters("course", "lesson", "startDate", "endDate"),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("A computed credit", value=XP_EXAMPLE, response_only=True)],
        description="The XP ledger of one student in the app's courses, oldest first: one "
        "entry per credit, corrections as further entries (`correction: true`). `totalXp` "
        "sums every entry the filters select, across pages.",
    )
    def get(self, request, user_id):
        scope = self.scope()
        student = scope.student(user_id)
        filters = parse_filters(request.query_params, scope)
        filters.students = [student.pk]
        entries = filters.apply(XpEntry.objects.all(), day="occurred_on")
        total = entries.aggregate(total=Sum("amount"))["total"] or 0
        event_ids = CaliperEvent.objects.filter(pk=OuterRef("caused_by_event")).values("event_id")
        rows = (
            entries.annotate(
                event_ref=Subquery(event_ids[:1]),
                course_ref=F("course__sourced_id"),
                lesson_ref=F("lesson__sourced_id"),
            )
            .order_by("occurred_on", "created_at", "pk")
            .values(
                "pk",
                "occurred_on",
                "amount",
                "kind",
                "seq",
                "created_at",
                "event_ref",
                "course_ref",
                "lesson_ref",
            )
        )
        page = paginate(rows, request.query_params, counted=entries)
        items = [
            {
                "id": e["pk"],
                "studentId": student.sourced_id,
                "courseId": e["course_ref"],
                "lessonId": e["lesson_ref"],
                "date": e["occurred_on"].isoformat(),
                "xp": number(e["amount"]),
                "kind": e["kind"],
                "correction": e["seq"] > 0,
                "eventId": e["event_ref"],
                "createdAt": _timestamp(e["created_at"]),
            }
            for e in page.items
        ]
        return paged_response(request, {"entries": items}, page, totalXp=number(total))


def _timestamp(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


# --- activity -------------------------------------------------------------------------

ACTIVITY_EXAMPLE = {
    "activity": [
        {
            "studentId": "student-123",
            "courseId": "math-grade-5",
            "date": "2026-11-18",
            "xp": 42.5,
            "activeMinutes": 31.5,
            "wastedMinutes": 4.0,
            "activeSeconds": 1890,
            "wastedSeconds": 240,
            "accuracy": 85.0,
            "itemsAnswered": 20,
            "itemsCorrect": 17,
            "lessonsMastered": 2,
            "masteredUnits": 1,
        }
    ],
    "totalCount": 1,
    "pageCount": 1,
    "pageNumber": 1,
    "offset": 0,
    "limit": 100,
}


class ActivityView(AnalyticsView):
    @extend_schema(
        operation_id="analytics_activity_list",
        parameters=_filter_parameters("course", "student", "class", "startDate", "endDate"),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("One student-day", value=ACTIVITY_EXAMPLE, response_only=True)],
        description="What the app's students did, per student × course × local day (days "
        "without activity are absent), oldest day first. Wasted time is inactive + waste + "
        "anti-pattern; accuracy is the percent of answered items that were right (null "
        "when none were answered). The rollups are per course: `lesson` is refused.",
    )
    def get(self, request):
        filters = parse_filters(request.query_params, self.scope(), lesson=False, klass=True)
        where = {
            "students": filters.students,
            "courses": filters.courses,
            "start": filters.start,
            "end": filters.end,
        }
        rows = selectors.activity_rows(**where).values_list(*ACTIVITY_COLUMNS)
        page = paginate(rows, request.query_params, counted=selectors.rollups(**where))
        return paged_response(request, {"activity": [_activity(*r) for r in page.items]}, page)


# Decimals come out of the database as floats: a page holds up to 3,000 rows, and making
# Decimals and converting them back took as long as reading the rows.
ACTIVITY_COLUMNS = (
    "student_ref", "course_ref", "day", Cast("xp", FloatField()), "active_seconds",
    "wasted_seconds", "items_answered", "items_correct", "lessons_mastered",
    Cast("mastered_units", FloatField()),
)  # fmt: skip


def _activity(student, course, day, xp, active, wasted, answered, correct, lessons, units):
    return {
        "studentId": student,
        "courseId": course,
        "date": day,  # rendered YYYY-MM-DD
        "xp": xp,
        "activeMinutes": round(figures.active_minutes(active), 1),
        "wastedMinutes": round(figures.active_minutes(wasted), 1),
        "activeSeconds": active,
        "wastedSeconds": wasted,
        "accuracy": round(figures.accuracy(correct, answered), 1) if answered else None,
        "itemsAnswered": answered,
        "itemsCorrect": correct,
        "lessonsMastered": lessons,
        "masteredUnits": units,
    }


# --- insights -------------------------------------------------------------------------

INSIGHTS_EXAMPLE = {
    "insights": {
        "studentId": "student-123",
        "date": "2026-11-20",
        "xpToday": 64,
        "xpGoalToday": 100,
        "goalMetToday": False,
        "streak": 4,
        "goalMetDays": 37,
        "timeBack": {"goalMetSchoolDays": 37, "hours": 185, "schoolDays": 26.4},
        "lastActivityDate": "2026-11-20",
        "diagnosisWindow": {"startDate": "2026-11-14", "endDate": "2026-11-20"},
        "flags": [],
        "remediation": {"plans": []},
        "courses": [
            {
                "courseId": "math-grade-5",
                "title": "Math 5",
                "goals": {
                    "dailyXp": 100,
                    "dailyLessons": 3,
                    "dailyActiveMinutes": 25,
                    "dailyAccuracy": 80,
                    "dailyMasteredUnits": 2,
                },
                "today": {
                    "xp": 64,
                    "lessonsMastered": 2,
                    "activeMinutes": 41.0,
                    "accuracy": 88.0,
                    "masteredUnits": 1,
                },
                "goalsMet": {
                    "dailyXp": False,
                    "dailyLessons": False,
                    "dailyActiveMinutes": True,
                    "dailyAccuracy": True,
                    "dailyMasteredUnits": False,
                    "all": False,
                },
                "progress": {"masteredUnits": 12, "totalUnits": 40, "pctCompleteApp": 30},
                "flags": [
                    {
                        "code": "too_easy",
                        "label": "Too easy",
                        "reason": "97% accuracy in 12 active minutes per school day.",
                    }
                ],
            }
        ],
    }
}


class InsightsView(AnalyticsView):
    @extend_schema(
        operation_id="insights_retrieve",
        parameters=[
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                description="The day to report as today (default: today in the student's school).",
            ),
            OpenApiParameter("course", OpenApiTypes.STR, description="Only this course."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("A student", value=INSIGHTS_EXAMPLE, response_only=True)],
        description="One student in the app's courses: daily goals (enrollment over course "
        "over defaults) and today's figures against them, the streak of goal-met school days, "
        "time back, course progress (pctCompleteApp) and diagnosis flags (low effort, too "
        "hard, too easy) with their reasons; `remediation.plans`: the student's open "
        "hole-filling plans, as GET /analytics/1.0/users/{id}/remediation answers them.",
    )
    def get(self, request, user_id):
        scope = self.scope()
        student = scope.student(user_id)
        params = request.query_params
        school = zones.school_days_of(zones.school_of(student))
        today = parse_day(params.get("date"), "date") or school.today
        courses = [scope.course(params["course"]).pk] if params.get("course") else scope.courses
        insights = selectors.student_insights(
            student, today, courses=courses, calendar=school.calendar
        )
        response = _insights_response(student, insights)
        # Sections of the apps above analytics (hole filling's open plan), named by a
        # setting: analytics never imports them (docs/architecture.md#layers).
        for section in settings.INSIGHTS_SECTIONS:
            response.data["insights"].update(import_string(section)(student))
        return response


def _insights_response(student: User, i: selectors.StudentInsights):
    return Response(
        {
            "insights": {
                "studentId": student.sourced_id,
                "date": i.today.isoformat(),
                "xpToday": number(i.today_figures.xp),
                "xpGoalToday": number(i.xp_goal_today),
                "goalMetToday": i.goal_met_today,
                "streak": i.streak,
                "goalMetDays": len(i.met_days),
                "timeBack": {
                    "goalMetSchoolDays": i.time_back.days_met,
                    "hours": number(i.time_back.hours),
                    "schoolDays": round(float(i.time_back.school_days), 1),
                },
                "lastActivityDate": i.last_activity.isoformat() if i.last_activity else None,
                "diagnosisWindow": {
                    "startDate": i.window[0].isoformat(),
                    "endDate": i.window[1].isoformat(),
                },
                "flags": [_flag(f) for f in i.flags],
                "courses": [_course_insight(c) for c in i.courses],
            }
        }
    )


def _course_insight(c: selectors.CourseInsight) -> dict:
    g, v = c.goals, c.verdict
    return {
        "courseId": c.course_ref,
        "title": c.title,
        "goals": {
            "dailyXp": number(g.daily_xp),
            "dailyLessons": number(g.daily_lessons),
            "dailyActiveMinutes": number(g.daily_active_minutes),
            "dailyAccuracy": number(g.daily_accuracy),
            "dailyMasteredUnits": number(g.daily_mastered_units),
        },
        "today": {
            "xp": number(c.today.xp),
            "lessonsMastered": c.today.lessons_mastered,
            "activeMinutes": round(float(c.today.active_minutes), 1),
            "accuracy": percent(c.today.accuracy),
            "masteredUnits": number(c.today.mastered_units),
        },
        "goalsMet": {
            "dailyXp": v.xp,
            "dailyLessons": v.lessons,
            "dailyActiveMinutes": v.active_minutes,
            "dailyAccuracy": v.accuracy,
            "dailyMasteredUnits": v.mastered_units,
            "all": v.met,
        },
        "progress": {
            "masteredUnits": number(c.progress.mastered_units),
            "totalUnits": c.progress.total_units,
            "pctCompleteApp": number(c.progress.pct_complete),
        },
        "flags": [_flag(f) for f in c.flags],
    }


def _flag(flag) -> dict:
    return {"code": flag.code, "label": flag.label, "reason": flag.reason}


# --- assessment results ---------------------------------------------------------------

RESULT_EXAMPLE = {
    "assessmentResults": [
        {
            "sourcedId": "result-42",
            "status": "active",
            "dateLastModified": "2026-11-18T10:15:02.120000Z",
            "studentId": "student-123",
            "courseId": "math-grade-5",
            "lessonId": "fractions-1",
            "assessmentLineItemId": "fractions-1:assessment",
            "score": 90,
            "scoreStatus": "fully graded",
            "scoreDate": "2026-11-18T10:15:00Z",
            "comment": "",
            "metadata": {"xp": 12.5, "accuracy": 90, "totalQuestions": 10, "correctQuestions": 9},
        }
    ],
    "totalCount": 1,
    "pageCount": 1,
    "pageNumber": 1,
    "offset": 0,
    "limit": 100,
}


class AssessmentResultsView(AnalyticsView):
    @extend_schema(
        operation_id="readback_assessment_results_list",
        parameters=_filter_parameters("course", "lesson", "student", "startDate", "endDate"),
        responses={200: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("An activity's result", value=RESULT_EXAMPLE, response_only=True)],
        description="Assessment results of the app's students in the app's courses, oldest "
        "score date first; the date range applies to the score date (local days of the student's school). The OneRoster "
        "gradebook API serves the same results in the OneRoster shape.",
    )
    def get(self, request):
        filters = parse_filters(request.query_params, self.scope())
        # The score date's local day in the student's school, bucketed in SQL like the rollups.
        zone, params = zones.student_zone_sql(f"{AssessmentResult._meta.db_table}.student_id")
        results = AssessmentResult.objects.annotate(
            local_day=RawSQL(f"(score_date AT TIME ZONE {zone})::date", params, DateField())
        )
        results = filters.apply(results, day="local_day")
        results = results.select_related("student", "course", "lesson", "line_item").order_by(
            "score_date", "pk"
        )
        page = paginate(results, request.query_params)
        return paged_response(
            request, {"assessmentResults": [_result(r) for r in page.items]}, page
        )


def _result(r: AssessmentResult) -> dict:
    return {
        "sourcedId": r.sourced_id,
        "status": r.status,
        "dateLastModified": _timestamp(r.date_last_modified),
        "studentId": r.student.sourced_id,
        "courseId": r.course.sourced_id if r.course else None,
        "lessonId": r.lesson.sourced_id if r.lesson else None,
        "assessmentLineItemId": r.line_item.sourced_id,
        "score": number(r.score),
        "scoreStatus": r.score_status,
        "scoreDate": _timestamp(r.score_date),
        "comment": r.comment,
        "metadata": r.metadata,
    }
