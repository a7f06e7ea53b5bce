"""The dashboard pages (docs/dashboards.md): thin views that scope with rostering.access, read with
dashboards.selectors and render. Anything a person may not see answers 404, so that ids do
not leak."""

import csv
from datetime import date
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from analytics import selectors as analytics
from outcomes import selectors as outcomes
from remediation import services as remediation
from remediation.models import PlanStatus, RemediationPlan
from rostering import access, zones
from rostering.models import EnrollmentRole, Status, User

from . import charts, markup, plans, roles, selectors
from .forms import PlanChangeForm

UTC_ZONE = ZoneInfo("UTC")


@login_required
def landing(request):
    """Where login leads (LOGIN_REDIRECT_URL): each role to its page."""
    return redirect(roles.landing_url(request.user))


@login_required
def my_page(request):
    summary = selectors.student_summary(request.user)
    context = student_context(summary, own=True)
    return render_local(request, "dashboards/student.html", context, summary.school.zone)


def student_context(summary, **extra) -> dict:
    return {
        "summary": summary,
        "xp_chart": charts.xp_per_day(summary.daily_xp),
        "time_back_per_day": analytics.time_back_of(1).hours,
        "diagnosis_days": settings.DIAGNOSIS_WINDOW_DAYS,
        "plans": plans.student_plans(summary.student),
        **extra,
    }


def render_local(request, template, context, zone):
    """Render with times shown in the school's zone (`|date` of a mastery time names the
    school's local day, as the rollups count it)."""
    with timezone.override(zone):
        return render(request, template, context)


@login_required
def student_page(request, student_id: int):
    """A student's page as a guardian, guide or administrator sees it."""
    student = get_object_or_404(access.students_visible_to_user(request.user), pk=student_id)
    summary = selectors.student_summary(student)
    context = student_context(summary, own=False, growth=outcomes.student_growth(student.pk))
    return render_local(request, "dashboards/student.html", context, summary.school.zone)


@login_required
def children(request):
    """A guardian's linked children: each one's day against the goal, week, courses, recent
    mastery and the guide's diagnosis in words for a parent (each child in their school's
    days)."""
    kids = access.children_of_guardian(request.user).order_by("first_name", "last_name")
    cards = []
    for kid in kids:
        summary = selectors.student_summary(kid)
        cards.append(
            {
                "summary": summary,
                "week_chart": charts.xp_per_day(summary.week_xp),
                "chart_id": f"week-{kid.pk}",
                "notes": [selectors.for_parents(f, kid.first_name) for f in summary.insights.flags],
            }
        )
    context = {"children": cards, "diagnosis_days": settings.DIAGNOSIS_WINDOW_DAYS}
    zone = cards[0]["summary"].school.zone if cards else zones.default_zone()
    return render_local(request, "dashboards/children.html", context, zone)


@login_required
def class_list(request):
    classes = (
        access.classes_visible_to_user(request.user)
        .select_related("course", "school")
        .annotate(
            students=Count(
                "enrollments",
                filter=Q(
                    enrollments__role=EnrollmentRole.STUDENT,
                    enrollments__status=Status.ACTIVE,
                ),
            )
        )
        .order_by("title", "pk")
    )
    return render(request, "dashboards/class_list.html", {"classes": list(classes)})


def _visible_class(request, class_id: int):
    return get_object_or_404(
        access.classes_visible_to_user(request.user).select_related("course", "school"),
        pk=class_id,
    )


def _period(request) -> dict:
    """The period switch's choice (?period=today|last-school-day|this-week|last-week|date
    with &date=YYYY-MM-DD); nothing valid means the class page's default."""
    chosen = None
    try:
        chosen = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        chosen = None
    return {"period": request.GET.get("period") or None, "chosen": chosen}


# The class table's columns: (sort key, header, numeric). The period's figures first
# (ClassReport.period), then the course-wide ones.
CLASS_COLUMNS = (
    ("name", "Student", False),
    ("xp", "XP / goal", True),
    ("goal", "Goals met", False),
    ("accuracy", "Accuracy", True),
    ("active", "Active min", True),
    ("waste", "Off task", True),
    ("mastered", "Lessons mastered", True),
    ("progress", "Course", True),
    ("last_active", "Last active", False),
    ("flag", "Flag", False),
)


def _sorting(request) -> tuple[str, bool]:
    key = request.GET.get("sort", "name")
    if key not in selectors.SORT_KEYS:
        key = "name"
    return key, request.GET.get("dir") == "desc"


@login_required
def class_detail(request, class_id: int):
    klass = _visible_class(request, class_id)
    report = selectors.class_report(klass, **_period(request))
    key, descending = _sorting(request)
    rows = selectors.sort_rows(report.rows, key, descending)
    context = {
        "report": report,
        "rows": rows,
        # The rows and grids as ready markup (dashboards.markup: issue 16, the template
        # loops were most of the page's cost).
        "class_rows": markup.class_rows(rows, klass.pk, report.period.single_day),
        "sort": key,
        "descending": descending,
        "columns": CLASS_COLUMNS,
        "periods": list(selectors.PERIODS.items()),
        "period_query": _period_query(request),
        "diagnosis_days": settings.DIAGNOSIS_WINDOW_DAYS,
        "holes": plans.class_plans(klass, [row.student for row in report.rows]),
    }
    # A click on a column header swaps only the table (htmx); without JavaScript the same
    # link loads the whole page.
    if request.htmx:
        template = "dashboards/_class_table.html"
    else:
        template = "dashboards/class_detail.html"
        context["xp_bars"] = markup.xp_bars(report.rows)
        context["goals_rows"] = markup.goals_grid(report)
        context["mastery_head"] = markup.mastery_head(report.rows)
        context["mastery_rows"] = markup.mastery_body(report)
    return render_local(request, template, context, report.school.zone)


def _period_query(request) -> str:
    """The period of the page, as the start of a query string that sort links keep."""
    kept = {k: request.GET[k] for k in ("period", "date") if request.GET.get(k)}
    return urlencode(kept) + "&" if kept else ""


CSV_COLUMNS = (
    "sourcedId",
    "familyName",
    "givenName",
    "xpToday",
    "xp7Days",
    "goalMetToday",
    "accuracyPercent",
    "activeMinutes7Days",
    "wastePercent7Days",
    "lessonsMastered",
    "pctCompleteApp",
    "lastActive",
    "flags",
)


def _number(value, places=1) -> str:
    return "" if value is None else f"{value:.{places}f}"


@login_required
def class_csv(request, class_id: int):
    klass = _visible_class(request, class_id)
    report = selectors.class_report(klass, **_period(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{klass.sourced_id}-{report.today.isoformat()}.csv".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for row in selectors.sort_rows(report.rows, *_sorting(request)):
        writer.writerow(
            [
                row.student.sourced_id,
                row.student.last_name,
                row.student.first_name,
                _number(row.xp_today, 2),
                _number(row.xp_week, 2),
                "yes" if row.goal_met_today else "no",
                _number(row.accuracy),
                _number(row.active_minutes_week),
                _number(row.waste_percent_week),
                row.lessons_mastered,
                _number(row.progress.pct_complete),
                row.last_active.isoformat() if row.last_active else "",
                " ".join(f.code for f in row.flags),
            ]
        )
    return response


@login_required
def class_student(request, class_id: int, student_id: int):
    """The drill-down: the student's page plus their work per lesson of the class's course."""
    klass = _visible_class(request, class_id)
    student = get_object_or_404(
        User.objects.filter(
            enrollments__klass=klass,
            enrollments__role=EnrollmentRole.STUDENT,
            enrollments__status=Status.ACTIVE,
        ).distinct(),
        pk=student_id,
    )
    summary = selectors.student_summary(student)
    context = student_context(
        summary,
        own=False,
        klass=klass,
        lessons=selectors.lesson_work(student, klass.course),
        growth=outcomes.student_growth(student.pk),
    )
    return render_local(request, "dashboards/student.html", context, summary.school.zone)


@login_required
def app_dashboard(request, app_id: int):
    app = get_object_or_404(access.partner_apps_visible_to_user(request.user), pk=app_id)
    # An app's students may be in schools of many zones: its ingestion health counts UTC
    # days (docs/decisions.md#school-time-zones-issue-17), and says so.
    report = selectors.app_report(app, zones.today_in(UTC_ZONE))
    context = {
        "report": report,
        "zone_name": UTC_ZONE.key,
        # By event time: a history sent at once shows on the days it happened; rejections
        # on their own scale, visible beside thousands of accepted events.
        "events_chart": charts.chart(
            "Day of the event",
            [d.day.strftime("%a %d %b") for d in report.event_days],
            [
                ("Accepted", [d.accepted for d in report.event_days]),
                ("Rejected", [d.rejected for d in report.event_days]),
            ],
            right_axis=("Rejected",),
        ),
        "accuracy_chart": charts.chart(
            "Accuracy",
            [label for label, _ in report.accuracy_buckets],
            [("Students", [n for _, n in report.accuracy_buckets])],
        ),
        "completion_chart": charts.chart(
            "Lesson",
            [o.lesson.title for o in report.lessons],
            [("Completion %", [o.completion_percent or 0 for o in report.lessons])],
        ),
        "outcome_panels": outcomes.app_panels(app.pk),
    }
    return render(request, "dashboards/developer.html", context)


@login_required
@require_POST
def plan_change(request, plan_id: int):
    """A guide closes or adjusts a student's plan, with a reason (remediation.services keeps
    it); then back to the page the form was on."""
    plan = get_object_or_404(
        RemediationPlan.objects.select_related("student").filter(
            student__in=access.students_visible_to_user(request.user)
        ),
        pk=plan_id,
    )
    if plan.status != PlanStatus.OPEN or not plans.may_manage(request.user, plan.student):
        raise Http404("No such open plan.")
    form = PlanChangeForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = f"/students/{plan.student_id}/"
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "close":
                remediation.close_plan(plan, reason=data["reason"], by=request.user)
            else:
                remediation.adjust_plan(
                    plan, remove=data["standards"], reason=data["reason"], by=request.user
                )
        except ValidationError as error:
            return HttpResponse(" ".join(error.messages), status=400)
        return redirect(back)
    return HttpResponse(form.errors.as_text(), status=400)


@login_required
def apps_compared(request):
    """School administrators: every app per subject and term pair, by growth per hour of
    active time, over the students of the orgs they administer (docs/closed-loop.md)."""
    user = request.user
    if access.user_sees_everything(user):
        rows = outcomes.stored_rows()
    elif access.org_ids_administered_by(user):
        rows = outcomes.rows_of_students(
            students=access.students_visible_to_user(user).values("pk")
        )
    else:
        raise Http404("Only school administrators compare apps.")
    return render(
        request, "dashboards/apps_compared.html", {"comparisons": outcomes.comparisons(rows)}
    )
