"""Routes of the read-back and EduBridge APIs (mounted at the root by timeback/urls.py).

`/gradebook/1.0/assessment-results` is an exact route, listed before the OneRoster
gradebook include under `/gradebook/1.0/` so the two never collide.
"""

from django.urls import re_path

from . import edubridge, readback

ID = r"(?P<{}>[^/]+)"

urlpatterns = [
    re_path(rf"^xp/1\.0/users/{ID.format('user_id')}/entries/?$", readback.XpEntriesView.as_view()),
    re_path(r"^analytics/1\.0/activity/?$", readback.ActivityView.as_view()),
    re_path(rf"^insights/1\.0/users/{ID.format('user_id')}/?$", readback.InsightsView.as_view()),
    re_path(r"^gradebook/1\.0/assessment-results/?$", readback.AssessmentResultsView.as_view()),
    re_path(
        r"^ims/edubridge/analytics/v1p0/enrollmentFacts/?$",
        edubridge.EnrollmentFactsView.as_view(),
    ),
    re_path(r"^edubridge/analytics/activity/?$", edubridge.ActivityFactsView.as_view()),
    re_path(r"^edubridge/analytics/facts/weekly/?$", edubridge.WeeklyFactsView.as_view()),
    re_path(
        rf"^edubridge/analytics/enrollment/{ID.format('enrollment_id')}/?$",
        edubridge.EnrollmentActivityView.as_view(),
    ),
    re_path(
        rf"^edubridge/enrollments/user/{ID.format('user_id')}/?$",
        edubridge.UserEnrollmentsView.as_view(),
    ),
]
