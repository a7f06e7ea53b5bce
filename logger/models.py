"""The progress-tracking ("logger") tables (docs/logger.md), after Kolibri's logger data model.

- a content summary log: one per student × content, what they have done with it overall;
- a content session log: one per start of a content session (POST contentsession);
- a mastery log: one per try at an assessment, with a frozen copy of its mastery criterion;
- an attempt log: one per item shown in a try, with the history of its interactions;
- session time: the seconds of a session per UTC day, for the daily rollups.

Summary and mastery logs have deterministic ids (derived from their natural keys, which are
also unique), so retried or repeated starts land on the same rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rostering.models import Course, CourseComponent, PartnerApp

LOGGER_NAMESPACE = uuid.UUID("0b9b5a9e-6f55-4d3c-9a53-0e6a2f1c7d21")


def summary_log_id(student_id: int, content_id: str) -> uuid.UUID:
    return uuid.uuid5(LOGGER_NAMESPACE, f"summary:{student_id}:{content_id}")


def mastery_log_id(summary_id: uuid.UUID, mastery_level: int) -> uuid.UUID:
    return uuid.uuid5(LOGGER_NAMESPACE, f"mastery:{summary_id}:{mastery_level}")


class ContentSummaryLog(models.Model):
    id = models.UUIDField(primary_key=True)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="content_summaries"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    progress = models.FloatField(default=0)
    time_spent = models.FloatField(default=0)
    extra_fields = models.JSONField(default=dict, blank=True)
    start_timestamp = models.DateTimeField(default=timezone.now)
    end_timestamp = models.DateTimeField(default=timezone.now)
    completion_timestamp = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The tables keep the names they had when the logger lived in gradebook.
        db_table = "gradebook_contentsummarylog"
        constraints = [
            models.UniqueConstraint(
                fields=["student", "content_id"], name="content_summary_once_per_student"
            )
        ]

    def __str__(self):
        return f"{self.student_id} on {self.content_id}: {self.progress:.0%}"


class MasteryLog(models.Model):
    """One try at an assessment. `mastery_level` numbers the tries of a summary (1, 2, ...);
    `attempt_count` is the number of its attempt logs (numbered 1..count) and `correct` the
    sum of their scores, kept with them under the summary's row lock."""

    id = models.UUIDField(primary_key=True)
    summary = models.ForeignKey(
        ContentSummaryLog, on_delete=models.CASCADE, related_name="mastery_logs"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    mastery_level = models.PositiveIntegerField()
    mastery_criterion = models.JSONField()
    complete = models.BooleanField(default=False)
    start_timestamp = models.DateTimeField(default=timezone.now)
    end_timestamp = models.DateTimeField(default=timezone.now)
    completion_timestamp = models.DateTimeField(null=True, blank=True)
    time_spent = models.FloatField(default=0)
    attempt_count = models.PositiveIntegerField(default=0)
    correct = models.FloatField(default=0)

    class Meta:
        # The tables keep the names they had when the logger lived in gradebook.
        db_table = "gradebook_masterylog"
        constraints = [
            models.UniqueConstraint(
                fields=["summary", "mastery_level"], name="mastery_log_once_per_try"
            )
        ]
        indexes = [models.Index(fields=["summary", "-end_timestamp"])]

    def __str__(self):
        return f"Try {self.mastery_level} at {self.summary_id}"

    @property
    def is_quiz(self) -> bool:
        return self.mastery_criterion.get("type") == "quiz"


class ContentSessionLog(models.Model):
    """One content session: a start and the updates that follow it. `context` is what the
    start answered (node_id, lesson_id, quiz_id, mastery_level); `last_request_key` is the
    Idempotency-Key of the latest update, so a replayed update changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    summary = models.ForeignKey(
        ContentSummaryLog, on_delete=models.CASCADE, related_name="sessions"
    )
    mastery_log = models.ForeignKey(
        MasteryLog, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_app = models.ForeignKey(PartnerApp, null=True, blank=True, on_delete=models.PROTECT)
    content_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    context = models.JSONField(default=dict)
    progress = models.FloatField(default=0)
    time_spent = models.FloatField(default=0)
    start_timestamp = models.DateTimeField(default=timezone.now)
    end_timestamp = models.DateTimeField(default=timezone.now)
    last_request_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        # The tables keep the names they had when the logger lived in gradebook.
        db_table = "gradebook_contentsessionlog"

    def __str__(self):
        return f"Session {self.id} of {self.student_id} on {self.content_id}"


class AttemptLog(models.Model):
    """One item shown in a try. `correct` is the first answer's score unless a later
    interaction asked to `replace` it; every interaction is kept in `interaction_history`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    mastery_log = models.ForeignKey(MasteryLog, on_delete=models.CASCADE, related_name="attempts")
    session = models.ForeignKey(
        ContentSessionLog, on_delete=models.CASCADE, related_name="attempts"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the first attempt of the try, then 2...")
    item = models.CharField(max_length=255)
    start_timestamp = models.DateTimeField()
    end_timestamp = models.DateTimeField()
    completion_timestamp = models.DateTimeField(null=True, blank=True)
    occurred_on = models.DateField(help_text="The UTC day the item was first answered.")
    time_spent = models.FloatField(default=0)
    complete = models.BooleanField(default=False)
    correct = models.FloatField(default=0)
    hinted = models.BooleanField(default=False)
    error = models.BooleanField(default=False)
    answer = models.JSONField(null=True, blank=True)
    simple_answer = models.TextField(blank=True, default="")
    interaction_history = models.JSONField(default=list)

    class Meta:
        # The tables keep the names they had when the logger lived in gradebook.
        db_table = "gradebook_attemptlog"
        constraints = [
            models.UniqueConstraint(
                fields=["mastery_log", "number"], name="attempt_numbered_once_per_try"
            )
        ]
        indexes = [
            models.Index(fields=["mastery_log", "item"]),
            models.Index(fields=["session"]),
            models.Index(fields=["student", "course", "occurred_on"]),
        ]

    def __str__(self):
        return f"{self.item} in {self.mastery_log_id}: {self.correct}"


class SessionTime(models.Model):
    """The seconds a content session spent on each UTC day (time on task,
    docs/xp-and-mastery.md#time-on-task-and-waste)."""

    session = models.ForeignKey(ContentSessionLog, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    occurred_on = models.DateField()
    seconds = models.FloatField(default=0)

    class Meta:
        # The tables keep the names they had when the logger lived in gradebook.
        db_table = "gradebook_sessiontime"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "occurred_on"], name="session_time_once_per_day"
            )
        ]
        indexes = [models.Index(fields=["student", "course", "occurred_on"])]

    def __str__(self):
        return f"{self.seconds:.0f}s on {self.occurred_on} in session {self.session_id}"
