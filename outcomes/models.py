"""The closed loop's read models (docs/closed-loop.md): each student's growth between two
standardized tests beside their usage of each app between them, and the statistics per
app × subject × term pair. Both are derived (outcomes.services.recompute_outcomes) from the
imported results (gradebook assessment results) and the daily rollups; never edited."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from rostering.models import PartnerApp


class Usage(models.TextChoices):
    XP = "xp"
    ACTIVE_MINUTES = "activeMinutes"


class GrowthMeasure(models.TextChoices):
    CGI = "cgi", "conditional growth index"
    VS_PROJECTED = "observedMinusProjected", "observed − projected growth"


class GrowthObservation(models.Model):
    """One student × app × subject × term pair (of one school year): their growth between
    the two tests and what they did in the app's courses of that subject between the tests'
    days (the later test's day excluded), summed from the daily rollups."""

    app = models.ForeignKey(PartnerApp, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=64, help_text="Normalised (STANDARDIZED_SUBJECTS).")
    term_pair = models.CharField(max_length=32)  # FallToWinter, FallToSpring, ...
    school_year = models.CharField(max_length=16, blank=True, default="")
    start_date = models.DateField()
    end_date = models.DateField()
    start_score = models.FloatField()
    end_score = models.FloatField(null=True)
    grade = models.SmallIntegerField(null=True)  # at the first test; K = 0
    cgi = models.FloatField(null=True)
    projected = models.FloatField(null=True)
    observed = models.FloatField(null=True)
    rapid_guessing = models.BooleanField(default=False)  # either test above the setting
    xp = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    active_seconds = models.BigIntegerField(default=0)
    wasted_seconds = models.BigIntegerField(default=0)
    items_answered = models.IntegerField(default=0)
    items_correct = models.IntegerField(default=0)
    lessons_mastered = models.IntegerField(default=0)
    mastered_units = models.DecimalField(max_digits=10, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "student", "subject", "term_pair", "school_year"],
                name="one_observation_per_app_student_pair",
            )
        ]
        indexes = [models.Index(fields=["student", "app"])]

    def __str__(self):
        return f"{self.student_id} {self.subject} {self.term_pair} in app {self.app_id}"


class Outcome(models.Model):
    """The statistics of one app × subject × term pair × usage figure, over every student
    (outcomes.stats.describe). `statistics` is empty when hidden (n under the minimum); `p`
    is Pearson's, kept apart so q-values are computed across the rows a reader is shown."""

    app = models.ForeignKey(PartnerApp, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=64)
    term_pair = models.CharField(max_length=32)
    usage = models.CharField(max_length=16, choices=Usage.choices)
    outcome = models.CharField(max_length=32, choices=GrowthMeasure.choices)
    n = models.IntegerField()
    excluded_rapid_guessing = models.IntegerField(default=0)
    excluded_no_usage = models.IntegerField(default=0)
    hidden = models.BooleanField()
    exploratory = models.BooleanField()
    p = models.FloatField(null=True)
    statistics = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["app", "subject", "term_pair", "usage"], name="one_outcome_per_group"
            )
        ]

    def __str__(self):
        return f"app {self.app_id} {self.subject} {self.term_pair} {self.usage}: n={self.n}"


class StaleOutcomes(models.Model):
    """Usage inside a stored observation's window changed (late events, corrections): the
    app's outcomes are recomputed by the next sweep (outcomes.receivers.on_sweep)."""

    app = models.OneToOneField(PartnerApp, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"outcomes of app {self.app_id} stale since {self.since}"
