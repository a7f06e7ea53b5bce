"""The dashboard pages (docs/dashboards.md): thin views that scope with rostering.access, read with
dashboards.selectors and render. Anything a person may not see answers 404, so that ids do
not leak."""

import csv
from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from outcomes import selectors as outcomes
from rostering import access
from rostering.models import EnrollmentRole, Status, User

from . import charts, roles, selectors


def utc_today():
    """Rollup days are UTC days (docs/decisions.md)."""
    return timezone.now().astimezone(UTC).date()


@login_required
def landing(request):
    """Where login leads (LOGIN_REDIRECT_URL): each role to its page."""
    return redirect(roles.landing_url(request.user))


@login_required
def my_page(request):
    summary = selectors.student_summary(request.user, utc_today())
    return render(request, "dashboards/student.html", student_context(summary, own=True))


def student_context(summary, **extra) -> dict:
    return {"summary": summary, "xp_chart": charts.xp_per_day(summary.daily_xp), **extra}


@login_required
def student_page(request, student_id: int):
    """A student's page as a guardian, guide or administrator sees it."""
    student = get_object_or_404(access.students_visible_to_user(request.user), pk=student_id)
    summary = selectors.student_summary(student, utc_today())
    context = student_context(summary, own=False, growth=outcomes.student_growth(student.pk))
    return render(request, "dashboards/student.html", context)


@login_required
def children(request):
    """A guardian's linked children, each with a link to their page."""
    kids = access.children_of_guardian(request.user).order_by("first_name", "last_name")
    return render(request, "dashboards/children.html", {"children": list(kids)})


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
        access.classes_visible_to_user(request.user).select_related("course"), pk=class_id
    )


# The class table's columns: (sort key, header, numeric).
CLASS_COLUMNS = (
    ("name", "Student", False),
    ("xp_today", "XP today", True),
    ("xp_week", "XP 7 days", True),
    ("goal", "Goal today", False),
    ("accuracy", "Accuracy", True),
    ("active", "Active min", True),
    ("waste", "Waste", True),
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
    report = selectors.class_report(klass, utc_today())
    key, descending = _sorting(request)
    context = {
        "report": report,
        "rows": selectors.sort_rows(report.rows, key, descending),
        "sort": key,
        "descending": descending,
        "columns": CLASS_COLUMNS,
    }
    # A click on a column header swaps only the table (htmx); without JavaScript the same
    # link loads the whole page.
    template = "dashboards/_class_table.html" if request.htmx else "dashboards/class_detail.html"
    return render(request, template, context)


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
    report = selectors.class_report(klass, utc_today())
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
    context = student_context(
        selectors.student_summary(student, utc_today()),
        own=False,
        klass=klass,
        lessons=selectors.lesson_work(student, klass.course),
        growth=outcomes.student_growth(student.pk),
    )
    return render(request, "dashboards/student.html", context)


@login_required
def app_dashboard(request, app_id: int):
    app = get_object_or_404(access.partner_apps_visible_to_user(request.user), pk=app_id)
    report = selectors.app_report(app, utc_today())
    context = {
        "report": report,
        "events_chart": charts.chart(
            "Day",
            [d.day.strftime("%a %d %b") for d in report.ingestion],
            [
                ("Accepted", [d.accepted for d in report.ingestion]),
                ("Rejected", [d.rejected for d in report.ingestion]),
            ],
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
