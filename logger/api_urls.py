"""URLs of the progress-tracking ("logger") API, spelled as docs/logger.md#endpoints lists them."""

from django.urls import path

from . import api as logger

logger_urlpatterns = [
    path("api/logger/contentsession", logger.ContentSessionView.as_view()),
    path("api/logger/contentsession/<uuid:session_id>", logger.ContentSessionUpdateView.as_view()),
    path(
        "api/logger/totalcontentprogress/<str:user_id>", logger.TotalContentProgressView.as_view()
    ),
    path("api/logger/masterylog", logger.MasteryLogListView.as_view()),
    path("api/logger/masterylog/<int:index>/diff", logger.MasteryLogDiffView.as_view()),
    path("api/logger/attemptlog", logger.AttemptLogListView.as_view()),
]
