"""The gradebook: what students earned. XP ledger, assessment results, item results and
mastery. Rows written by the event pipeline carry a natural key that includes their source,
so redelivered work writes nothing new (docs/architecture.md#the-event-pipeline:
idempotency by database constraints).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rostering.models import (
    AcademicSession,
    Class,
    Course,
    CourseComponent,
    OneRosterFields,
    Org,
    PartnerApp,
)


class ScoreStatus(models.TextChoices):
    EXEMPT = "exempt"
    FULLY_GRADED = "fully graded"
    NOT_SUBMITTED = "not submitted"
    PARTIALLY_GRADED = "partially graded"
    SUBMITTED = "submitted"


class XpEntry(models.Model):
    """One line of the XP ledger. Never updated: a change of value is a new entry.

    `source_key` names what the XP is for (an activity attempt, a grade, a result); `seq`
    numbers the entries of that source (0 = the first credit, then corrections), and the
    pair is unique, so the same correction can never be written twice.
    """

    class Kind(models.TextChoices):
        REPORTED = "reported"
        COMPUTED = "computed"

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="xp_entries"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="xp_entries")
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="xp_entries"
    )
    partner_app = models.ForeignKey(PartnerApp, null=True, blank=True, on_delete=models.PROTECT)
    source_key = models.CharField(max_length=400)
    seq = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_on = models.DateField(help_text="The UTC day of the learning the XP is for.")
    caused_by_event = models.BigIntegerField(
        null=True, blank=True, help_text="The stored event that led to this entry."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "XP entries"
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "seq"], name="xp_entry_once_per_source_and_seq"
            )
        ]
        indexes = [
            models.Index(fields=["student", "course", "occurred_on"]),
            models.Index(fields=["partner_app", "occurred_on"]),
        ]

    def __str__(self):
        return f"{self.amount:+} XP for {self.source_key} (#{self.seq})"


class XpFlag(models.Model):
    """Reported XP that is implausible for the observed active time
    (docs/xp-and-mastery.md#implausible-xp): credited, but shown to the app's developers. One row
    per XP source, kept current."""

    source_key = models.CharField(max_length=400, unique=True)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    partner_app = models.ForeignKey(PartnerApp, null=True, blank=True, on_delete=models.CASCADE)
    reported_xp = models.DecimalField(max_digits=12, decimal_places=2)
    active_seconds = models.PositiveIntegerField()
    flagged = models.BooleanField(default=False, db_index=True)
    occurred_on = models.DateField()
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        state = "flagged" if self.flagged else "plausible"
        return f"{self.reported_xp} XP in {self.active_seconds}s ({state})"


class AssessmentLineItem(OneRosterFields):
    """What is graded: an assessment of a lesson (OneRoster assessmentLineItem)."""

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_app = models.ForeignKey(PartnerApp, null=True, blank=True, on_delete=models.PROTECT)
    result_value_min = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    result_value_max = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    klass = models.ForeignKey(
        Class,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="class",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    score_scale = models.ForeignKey(
        "ScoreScale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    learning_objective_set = models.JSONField(default=list, blank=True)
    # Timeback's `componentResource` reference: the SDK ties its mastery-completion line item
    # to the course's component resource (docs/decisions.md, "Attempts as Timeback records them").
    component_resource = models.ForeignKey(
        "rostering.ComponentResource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    def __str__(self):
        return f"{self.title} ({self.sourced_id})"


class AssessmentResult(OneRosterFields):
    """A student's result on an assessment line item (OneRoster assessmentResult).

    `metadata` carries Timeback's figures: xp, accuracy, totalQuestions, correctQuestions,
    masteredUnits, multiplier.
    """

    line_item = models.ForeignKey(
        AssessmentLineItem, on_delete=models.PROTECT, related_name="results"
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessment_results"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    score_status = models.CharField(max_length=32, default="fully graded")
    score_date = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, default="")
    text_score = models.CharField(max_length=255, blank=True, default="")
    score_percentile = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    score_scale = models.ForeignKey(
        "ScoreScale", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    learning_objective_set = models.JSONField(default=list, blank=True)
    # inProgress / incomplete / late / missing, as OneRoster's "true"/"false" strings.
    flags = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["student", "course"])]

    def __str__(self):
        return f"{self.student_id} on {self.line_item.title}: {self.score}"


class Category(OneRosterFields):
    """A grouping of line items (homework, quizzes) with an optional weight."""

    title = models.CharField(max_length=255)
    weight = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    partner_app = models.ForeignKey(
        PartnerApp, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self):
        return self.title


class ScoreScale(OneRosterFields):
    """How scores of a class translate (e.g. 90-100 → "A"): `values` is the list of
    {itemValueLHS, itemValueRHS} pairs."""

    title = models.CharField(max_length=255)
    type = models.CharField(max_length=255)
    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="score_scales", verbose_name="class"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    values = models.JSONField(default=list)

    def __str__(self):
        return self.title


class LineItem(OneRosterFields):
    """A gradable assignment of a class (OneRoster lineItem)."""

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    assign_date = models.DateTimeField()
    due_date = models.DateTimeField()
    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="line_items", verbose_name="class"
    )
    school = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="line_items")
    grading_period = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    academic_session = models.ForeignKey(
        AcademicSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score_scale = models.ForeignKey(
        ScoreScale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result_value_min = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    result_value_max = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    learning_objective_set = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"{self.title} ({self.sourced_id})"


class Result(OneRosterFields):
    """A student's score on a line item (OneRoster result)."""

    line_item = models.ForeignKey(LineItem, on_delete=models.PROTECT, related_name="results")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="line_item_results"
    )
    klass = models.ForeignKey(
        Class, on_delete=models.PROTECT, related_name="+", verbose_name="class"
    )
    score_scale = models.ForeignKey(
        ScoreScale, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    score_status = models.CharField(max_length=32, default=ScoreStatus.FULLY_GRADED)
    score = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    text_score = models.CharField(max_length=255, blank=True, default="")
    score_date = models.DateField()
    comment = models.TextField(blank=True, default="")
    learning_objective_set = models.JSONField(default=list, blank=True)
    flags = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["student", "klass"])]

    def __str__(self):
        return f"{self.student_id} on {self.line_item_id}: {self.score}"


class ItemResult(models.Model):
    """One answered item (AssessmentItemEvent Completed), for question-level analytics."""

    source_event = models.BigIntegerField(unique=True)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="item_results"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    lesson = models.ForeignKey(
        CourseComponent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item_ref = models.CharField(max_length=400)
    correct = models.BooleanField(null=True)
    answered_at = models.DateTimeField()
    occurred_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["student", "course", "occurred_on"])]

    def __str__(self):
        return f"{self.item_ref}: {'right' if self.correct else 'wrong' if self.correct is False else 'answered'}"


class MasteryCredit(models.Model):
    """What one source (an activity attempt or an assessment result) reports of mastery and
    questions: mastered units, questions answered and answered correctly. The latest report
    of a source replaces its values; per-course and per-day figures are sums."""

    source_key = models.CharField(max_length=400, unique=True)
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    units = models.DecimalField(max_digits=10, decimal_places=2)
    questions = models.PositiveIntegerField(default=0)
    correct_questions = models.PositiveIntegerField(default=0)
    occurred_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["student", "course"])]

    def __str__(self):
        return f"{self.units} units from {self.source_key}"


class MasteredUnitsTotal(models.Model):
    """The sum of a (student, course)'s MasteryCredit units: course progress read in a few rows
    instead of summing every credit of the history (issue 16). Kept by the database in the
    statement that changes the credits (triggers of migration gradebook.0008), so every
    writer (the services, the admin, a bench's set-based insert, a test's ORM call) keeps it
    exact in its own transaction. A pair's units are the sum of its lanes (each connection
    adds to its own, so that two workers crediting the same pair do not wait on one row); a
    pair without a row has no units."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    lane = models.PositiveSmallIntegerField(default=0)
    units = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "course", "lane"],
                name="one_units_total_per_student_course_lane",
            )
        ]

    def __str__(self):
        return f"{self.units} units of {self.student_id} in {self.course_id}"


class LessonMastery(models.Model):
    """A student mastered a lesson (docs/xp-and-mastery.md#lesson-mastery); `mastered_at` is the
    earliest qualifying time."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mastered_lessons"
    )
    lesson = models.ForeignKey(CourseComponent, on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    mastered_at = models.DateTimeField()
    source_key = models.CharField(max_length=400)

    class Meta:
        verbose_name_plural = "lesson masteries"
        constraints = [
            models.UniqueConstraint(fields=["student", "lesson"], name="lesson_mastered_once")
        ]
        indexes = [models.Index(fields=["student", "course", "mastered_at"])]

    def __str__(self):
        return f"{self.student_id} mastered {self.lesson_id} at {self.mastered_at:%Y-%m-%d}"


class PendingLessonMastery(models.Model):
    """A lesson mastery a Caliper batch found, recorded into LessonMastery after the batch
    commits (gradebook.services.settle_lesson_masteries). Any number of rows per (student,
    lesson) and no unique key: two workers' batches mastering the same lesson never wait on
    each other (inserting the same LessonMastery made the second wait on the first's
    uncommitted row until that batch committed). Written in the batch's transaction, so a
    batch never commits without it; a worker killed before settling leaves it to the next
    settling or the sweep. `day` is the local day of `mastered_at` in the student's school
    (the rollup that counts it)."""

    # No index but the primary key: rows are inserted and claimed whole, never looked up.
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lesson = models.ForeignKey(
        CourseComponent, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)
    mastered_at = models.DateTimeField()
    day = models.DateField()
    source_key = models.CharField(max_length=400)

    class Meta:
        verbose_name_plural = "pending lesson masteries"

    def __str__(self):
        return f"{self.student_id} pending mastery of {self.lesson_id}"
