from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.landing, name="landing"),
    path("me/", views.my_page, name="me"),
    path("students/<int:student_id>/", views.student_page, name="student"),
    path("children/", views.children, name="children"),
    path("classes/", views.class_list, name="classes"),
    path("classes/<int:class_id>/", views.class_detail, name="class"),
    path("classes/<int:class_id>/students.csv", views.class_csv, name="class-csv"),
    path(
        "classes/<int:class_id>/students/<int:student_id>/",
        views.class_student,
        name="class-student",
    ),
    path("developers/apps/<int:app_id>/", views.app_dashboard, name="app"),
    path("plans/<int:plan_id>/change/", views.plan_change, name="plan-change"),
    path("outcomes/", views.apps_compared, name="apps-compared"),
]
