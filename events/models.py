"""The raw event store, rejected events and the facts events produce. The daily rollups
built from them are analytics' (analytics.models)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rostering.models import Course, CourseComponent, PartnerApp


class EventStatus(models.TextChoices):
    PENDING = "pending"  # stored, waiting for a worker
    PARKED = "parked"  # a reference (student, course, lesson) is not known yet
    PROCESSED = "processed"
    STORED = "stored"  # a valid Caliper event Timeback keeps and counts but does not process
    # processing it failed even alone (docs/operations.md#failed-events): set aside with its
    # error, never retried by the sweep; `manage.py reprocess_failed` hands it over again
    FAILED = "failed"


class CaliperEvent(models.Model):
    """One accepted Caliper event, committed before the answer. Unique per (app, event id):
    a resend is a counted duplicate and credits nothing."""

    # The four references below are checked by ingestion, not by the database
    # (docs/decisions.md, "The events table: no foreign-key constraints"): the ids come from
    # the authenticated app and the envelope's one reference query; a constraint's deferred
    # per-row check (a `FOR KEY SHARE` of the referenced row, a MultiXact when concurrent
    # envelopes name the same app and course) cost ingestion ~15 µs of PostgreSQL CPU per
    # event. Deletions still go through Django's PROTECT. The single-column indexes of the
    # app and the student are left out: the composite indexes below start with them.
    partner_app = models.ForeignKey(
        PartnerApp,
        on_delete=models.PROTECT,
        related_name="events",
        db_constraint=False,
        db_index=False,
    )
    event_id = models.CharField(max_length=255)
    envelope_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    type = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    event_time = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField()
    student_ref = models.CharField(max_length=255, blank=True, default="")
    course_ref = models.CharField(max_length=255, blank=True, default="")
    lesson_refs = models.JSONField(default=list)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    course = models.ForeignKey(
        Course,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    lesson = models.ForeignKey(
        CourseComponent,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    run_key = models.CharField(max_length=400, blank=True, default="")
    activity_key = models.CharField(max_length=400, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.PENDING
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    # When the sweep last handed the event to the queue again (null: only at its receipt), so
    # that a later sweep does not re-queue it while that task still waits (events.sweep).
    queued_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(
        blank=True, db_default=""
    )  # why processing failed; db default: raw inserts

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner_app", "event_id"], name="event_once_per_app"),
        ]
        indexes = [
            # The sweep's work list stays tiny: only rows not processed are indexed.
            models.Index(
                fields=["status", "received_at"],
                name="event_unprocessed",
                # failed too: the developer page counts them; the sweep never reads them
                condition=models.Q(status__in=["pending", "parked", "failed"]),
            ),
            models.Index(fields=["student", "run_key"]),
            models.Index(fields=["student", "activity_key"]),
            models.Index(fields=["partner_app", "received_at"]),
            # The developer page's events chart counts per day of event time (an app's
            # history sent at once is spread over the days it happened): index-only.
            models.Index(fields=["partner_app", "event_time"], name="event_app_time"),
        ]

    def __str__(self):
        return f"{self.type}/{self.action} {self.event_id} ({self.status})"


class Envelope(models.Model):
    """One accepted Caliper envelope: the "job" the official clients track
    (`POST /caliper/event` → jobId, `GET /jobs/{id}/status`). Its state is derived from its
    events' rows (events.jobs), never stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    partner_app = models.ForeignKey(PartnerApp, on_delete=models.CASCADE, related_name="envelopes")
    sensor = models.CharField(max_length=400, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"envelope {self.id}: {self.accepted} accepted, {self.rejected} rejected"


class RejectedEvent(models.Model):
    """An event refused at ingestion, with its reasons, for the app's developers.
    Retention is bounded (settings.REJECTED_EVENTS_KEPT_PER_APP)."""

    partner_app = models.ForeignKey(
        PartnerApp, on_delete=models.CASCADE, related_name="rejected_events"
    )
    envelope_id = models.UUIDField()
    index = models.PositiveIntegerField()
    event_id = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=64, blank=True, default="")
    errors = models.JSONField()
    raw = models.JSONField(null=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["partner_app", "received_at"])]

    def __str__(self):
        return f"rejected {self.type or 'event'} {self.event_id}: {'; '.join(self.errors)[:80]}"


class FactBase(models.Model):
    """A fact derived from exactly one event: keyed by it, so it is written once."""

    event = models.OneToOneField(
        CaliperEvent, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    occurred_on = models.DateField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{type(self).__name__} of event {self.event_id} ({self.at:%Y-%m-%d %H:%M})"


class TimeSpentFact(FactBase):
    """Seconds by kind from one TimeSpentEvent (docs/xp-and-mastery.md#time-on-task-and-waste)."""

    run_key = models.CharField(max_length=400, blank=True, default="")
    active = models.PositiveIntegerField(default=0)
    inactive = models.PositiveIntegerField(default=0)
    waste = models.PositiveIntegerField(default=0)
    unknown = models.PositiveIntegerField(default=0)
    anti_pattern = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["student", "course", "occurred_on"]),
            models.Index(fields=["student", "run_key"]),
        ]

    @property
    def wasted(self) -> int:
        return self.inactive + self.waste + self.anti_pattern


class SessionFact(FactBase):
    """LoggedIn / LoggedOut / TimedOut from a SessionEvent; sessions pair by `session_ref`."""

    action = models.CharField(max_length=32)
    session_ref = models.CharField(max_length=400, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["student", "session_ref"])]


class ViewFact(FactBase):
    object_ref = models.CharField(max_length=400)


class AssignableFact(FactBase):
    action = models.CharField(max_length=32)
    object_ref = models.CharField(max_length=400)
