"""Remediation plans (docs/hole-filling.md): what a student must learn again after a
mastery test, materialised as a OneRoster course of its own.

The plan keeps its standards and lessons as built (a snapshot in `steps`: what the student
was asked to do stays readable even if the framework or the lessons change later); whether
each lesson is mastered is never stored here, it is read from the gradebook's lesson
mastery when the plan is shown, so the plan follows the normal engine with no copy to keep
in step. "Ready to retest" is likewise derived: every lesson of the plan mastered.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from gradebook.models import AssessmentResult
from rostering.models import Class, Course, Enrollment


class PlanStatus(models.TextChoices):
    OPEN = "open"
    CLOSED = "closed"


class RemediationPlan(models.Model):
    """One student's plan for one subject. Renewed in place by a retest that still misses
    standards; closed by a retest passing them all, or by a guide."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="remediation_plans"
    )
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    threshold = models.DecimalField(max_digits=6, decimal_places=2)
    # The standards the last mastery test missed (identifiers), and the plan built from them:
    # [{identifier, humanCodingScheme, statement, role, lessons: [{sourcedId, title, courseId}]}]
    missed = models.JSONField(default=list)
    steps = models.JSONField(default=list)
    # Standards a guide took out of the plan: {identifier: reason}.
    excluded = models.JSONField(default=dict, blank=True)
    # The mastery-test result the plan was last built from.
    result = models.ForeignKey(
        AssessmentResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tested_at = models.DateTimeField(help_text="The scoreDate of that result.")
    # The OneRoster objects that carry the plan to clients (rostering services write them).
    course = models.OneToOneField(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="remediation_plan"
    )
    klass = models.ForeignKey(
        Class, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    renewals = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "subject"],
                condition=Q(status="open"),
                name="one_open_remediation_plan_per_subject",
            )
        ]
        indexes = [models.Index(fields=["student", "status"])]

    def __str__(self):
        return f"Hole filling: {self.subject} for {self.student_id} ({self.status})"


class PlanChange(models.Model):
    """What happened to a plan and why: built, renewed, closed, adjusted (kept for the
    guide and for audit; a guide's reason is never lost)."""

    class Kind(models.TextChoices):
        OPENED = "opened"
        RENEWED = "renewed"
        CLOSED = "closed"
        ADJUSTED = "adjusted"

    plan = models.ForeignKey(RemediationPlan, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
