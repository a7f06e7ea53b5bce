"""Core tables: the uploads an administrator sends through the admin (core/uploads.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Upload(models.Model):
    """A file an administrator uploaded for import (a OneRoster CSV bundle, a test results
    export), kept with what its import said. The file is stored in the database, so a worker
    on another machine reads it as the web process wrote it."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=32)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    summary = models.TextField(blank=True, default="")
    # [{"file", "line", "field", "message"}], the first MAX_STORED_ERRORS of error_count.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    notes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
