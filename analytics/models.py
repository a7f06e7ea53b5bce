"""Read models: the daily rollups per student × course × local day of
the student's school (rostering.zones) that the dashboards, the
read-back APIs and EduBridge read, and the markers of rollups waiting to be recomputed.

Both tables were created by the events app and keep their names (`db_table`); they moved
here with a state-only migration (analytics.0001_initial)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rostering.models import Course, CourseComponent, PartnerApp


class DailyActivity(models.Model):
    """Per student × course × local day of the student's school: what dashboards and read-back read
    (docs/architecture.md#how-an-event-becomes-xp-on-a-page).
    Recomputed from the ledger and facts for the keys a batch touched; never incremented."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_activity"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    xp = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    active_seconds = models.PositiveIntegerField(default=0)
    wasted_seconds = models.PositiveIntegerField(default=0)
    # The inactive part of wasted_seconds (the rest is waste + anti-pattern): EduBridge
    # answers inactiveSeconds and wasteSeconds apart.
    inactive_seconds = models.PositiveIntegerField(default=0)
    items_answered = models.PositiveIntegerField(default=0)
    items_correct = models.PositiveIntegerField(default=0)
    lessons_mastered = models.PositiveIntegerField(default=0)
    mastered_units = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "events_dailyactivity"  # created by the events app, which owned it first
        verbose_name_plural = "daily activity"
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course", "day"], name="one_rollup_per_student_course_day"
            )
        ]
        indexes = [
            models.Index(fields=["course", "day"], name="events_dail_course__be38c0_idx"),
            models.Index(fields=["student", "day"], name="events_dail_student_9c1d66_idx"),
            # Read-back pages in this order (oldest day first): the first page of a long
            # history is read from the index instead of sorting every row of the range.
            models.Index(fields=["day", "student", "course"], name="rollup_day_student_course"),
        ]

    def __str__(self):
        return f"{self.student_id}/{self.course_id} {self.day}: {self.xp} XP"


class StaleRollup(models.Model):
    """A daily rollup whose sources changed outside the pipeline (gradebook API, logger) and
    that a worker has yet to recompute (analytics.rollups.recompute_stale). Written in the
    writer's transaction, so a change is never committed without its marker: if the broker
    loses the recompute task, the sweep finds the marker and recomputes the rollup."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # When the rollup first went stale (a later change keeps it): the sweep repairs markers
    # older than SWEEP_MIN_AGE, even while the student keeps working.
    since = models.DateTimeField()

    class Meta:
        db_table = "events_stalerollup"
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course", "day"], name="one_stale_marker_per_rollup"
            )
        ]

    def __str__(self):
        return f"stale rollup {self.student_id} {self.course_id} {self.day}"


class PendingRollup(models.Model):
    """A daily rollup a Caliper batch changed, recomputed after the batch commits
    (analytics.rollups.recompute_pending) by whichever worker settles first. Any number of
    rows per key and no unique key: two workers' batches marking the same key never wait on
    each other (a unique marker made the second wait on the first's uncommitted insert
    until that batch committed). The batch inserts it in its own transaction, so a batch
    never commits without it; a worker killed before the recompute leaves it to the next
    settling or the sweep."""

    # No index but the primary key: markers are inserted and claimed whole, never looked up.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()

    def __str__(self):
        return f"pending rollup {self.student_id} {self.course_id} {self.day}"


class EventDayCount(models.Model):
    """Events stored per partner app and UTC day of their event time, as append-only deltas:
    the developer page's events chart sums them instead of counting two weeks of an app's
    events (issue 16). Written only by triggers on the event store (migration
    analytics.0004): every statement that inserts, deletes or moves events adds one row per
    (app, day) it changed, in its own transaction, so the sums always equal a COUNT over the
    events, whichever code stored them, and concurrent writers never wait on one shared row.
    `analytics.counts.fold_events` merges a day's rows into one."""

    # No constraint: the rows outlive nothing they describe (an app with events cannot be
    # deleted), and a constraint would make every insert of events check the app again.
    partner_app = models.ForeignKey(
        PartnerApp,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # eventdaycount_app_day starts with it
        related_name="+",
    )
    day = models.DateField()
    events = models.BigIntegerField()  # a delta: negative for events deleted or moved away

    class Meta:
        indexes = [
            models.Index(
                fields=["partner_app", "day"], include=["events"], name="eventdaycount_app_day"
            )
        ]

    def __str__(self):
        return f"app {self.partner_app_id} {self.day}: {self.events:+d} events"


class LessonMasteryCount(models.Model):
    """Lesson masteries per lesson, as append-only deltas: the developer page's "mastered"
    count of each lesson sums them instead of counting every mastery of the course (issue
    16). Written only by triggers on gradebook_lessonmastery (migration analytics.0005),
    as EventDayCount is by the event store's; `analytics.counts.fold_masteries` merges a
    lesson's rows into one."""

    # No constraints, as EventDayCount: masteries PROTECT their course and lesson.
    course = models.ForeignKey(
        Course,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # masterycount_course_lesson starts with it
        related_name="+",
    )
    lesson = models.ForeignKey(
        CourseComponent,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    masteries = models.BigIntegerField()  # a delta: negative for masteries deleted or moved

    class Meta:
        indexes = [
            models.Index(
                fields=["course", "lesson"],
                include=["masteries"],
                name="masterycount_course_lesson",
            )
        ]

    def __str__(self):
        return f"lesson {self.lesson_id}: {self.masteries:+d} masteries"


class FlaggedClaimCount(models.Model):
    """Flagged XP claims (gradebook XpFlag rows with `flagged`) per partner app, as
    append-only deltas: the developer page's flagged count sums them instead of counting
    every flagged claim of the app (78,000 after a school year of 2,000 students, issue
    16). Written only by triggers on gradebook_xpflag (migration analytics.0006), as
    EventDayCount is by the event store's; `analytics.counts.fold_flagged` merges an app's
    rows into one."""

    partner_app = models.ForeignKey(
        PartnerApp,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # flaggedcount_app starts with it
        related_name="+",
    )
    claims = models.BigIntegerField()  # a delta: negative for claims unflagged or deleted

    class Meta:
        indexes = [
            models.Index(fields=["partner_app"], include=["claims"], name="flaggedcount_app")
        ]

    def __str__(self):
        return f"app {self.partner_app_id}: {self.claims:+d} flagged claims"


class WeekActivitySum(models.Model):
    """The daily rollups (DailyActivity) summed per student, course and week (its Monday), as
    append-only deltas: the developer page sums the weeks of its thirty-day window instead
    of thirty days of rows per student (~40,000 rows for a 2,000-student app, issue 16).
    Written only by triggers on the rollups (migration analytics.0007): every statement that
    inserts, updates or deletes rollups adds one row per (student, course, week) it changed,
    with the differences, in its own transaction, so the sums always equal a SUM over the
    rollups whatever code wrote them, and recomputes never wait on one shared row.
    `analytics.counts.fold_weeks` merges a key's rows into one."""

    # No constraints, as EventDayCount: the rollups' own rows cascade; what is left of a
    # deleted student sums to zero.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # weeksum_course_week starts with it
        related_name="+",
    )
    week = models.DateField()  # the Monday of the rollups' (local) days
    # Deltas of the rollups' columns of the same names.
    xp = models.DecimalField(max_digits=16, decimal_places=2)
    active_seconds = models.BigIntegerField()
    wasted_seconds = models.BigIntegerField()
    items_answered = models.BigIntegerField()
    items_correct = models.BigIntegerField()

    class Meta:
        indexes = [
            # Append-only, so a covering index costs no HOT update: a read is index-only.
            models.Index(
                fields=["course", "week", "student"],
                include=[
                    "xp",
                    "active_seconds",
                    "wasted_seconds",
                    "items_answered",
                    "items_correct",
                ],
                name="weeksum_course_week",
            )
        ]

    def __str__(self):
        return f"{self.student_id}/{self.course_id} week of {self.week}: {self.xp:+} XP"
