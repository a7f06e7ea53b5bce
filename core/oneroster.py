"""Vocabulary every OneRoster object shares, whichever app stores it."""

from django.db import models


class Status(models.TextChoices):
    ACTIVE = "active", "active"
    TOBEDELETED = "tobedeleted", "tobedeleted"
