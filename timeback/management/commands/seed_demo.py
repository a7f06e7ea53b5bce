"""`manage.py seed_demo [--students N] [--days D]`: the demo school (rostering.demo), D
days of simulated learning up to yesterday, pushed through the real ingestion and pipeline
(events.demo), and the fall and winter NWEA MAP Growth results of its students, written in
the export's layout and imported through the importer (outcomes.demo), whose growth relates
to that learning, so "Does it work?" has something to show. Prints a line or two; `manage.py demo_logins` prints the URL, the logins
and the partner credentials (`make run` shows them last, once the server answers).

Safe to run again: the roster is upserted, and the history only gets the days it misses
(none when it already reaches yesterday; a demo started again days later is topped up).
Refuses to run without DEBUG unless `--force`: the demo passwords must never land in
production. The command lives in the project package because it composes the roster (rostering),
ingestion (events) and the closed loop (outcomes); none of them may import the ones above it.
"""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from events import demo as history
from events import demo_holes
from outcomes import demo as tests
from outcomes.selectors import stored_rows
from rostering import demo
from rostering.models import Course, User


class Command(BaseCommand):
    help = "Seed (or refresh) the demo school and top its learning history up to yesterday."

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=30, help="Number of students (default 30)."
        )
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days of simulated learning history up to yesterday "
            f"(default {settings.DEMO_HISTORY_DAYS}; 0 for none).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off. The demo accounts have well-known passwords.",
        )

    def handle(self, *args, students, days, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with well-known passwords. "
                "Pass --force if this really is a throwaway installation."
            )
        days = settings.DEMO_HISTORY_DAYS if days is None else days
        if days < 0:
            raise CommandError("--days must be 0 or more.")
        started = time.monotonic()
        try:
            result = demo.seed_demo(students=students)
        except demo.DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo school: {result.student_count} students, 2 guides, a guardian, an admin "
            f"and a developer ({time.monotonic() - started:.0f} s)."
        )
        history_line = self._history(result, days)
        # After the history: what the student mastered there counts towards the plan.
        holes = demo_holes.seed(app=result.app, today=timezone.now().date())
        self.stdout.write(f"{history_line} {holes}")
        if days:
            self.stdout.write(self._tests(result))

    def _history(self, result: demo.DemoResult, days: int) -> str:
        if days == 0:
            return "Learning history: none asked (--days 0)."
        students, courses = _roster(result)
        started = time.monotonic()
        with _quiet("celery.app.trace", "kombu.connection"):
            outcome = history.top_up(
                app=result.app,
                students=students,
                courses=courses,
                days=days,
                today=timezone.now().date(),
                clients=_senders(),
            )
        if outcome.first is None:
            return "Learning history: up to date (it reaches yesterday); nothing to add."
        mix = ", ".join(f"{n} {name}" for name, n in sorted(outcome.profiles.items()))
        return (
            f"Learning history: {outcome.days} days ({outcome.first} to {outcome.last}) of "
            f"{len(students)} students ({mix}): {outcome.accepted} events accepted, "
            f"{outcome.rejected} rejected on purpose (for the developer page), ingested and "
            f"processed in {time.monotonic() - started:.0f} s."
        )

    def _tests(self, result: demo.DemoResult) -> str:
        """Fall results on the history's first day, winter results today; the outcomes are
        recomputed by the import's signal once it commits (the command runs in autocommit)."""
        span = history.history_span(result.app)
        if span is None:
            return "Test results: none (no learning history to relate growth to)."
        today = timezone.now().date()
        students, courses = _roster(result)
        with _quiet("celery.app.trace", "kombu.connection"):
            done = tests.write_and_import(
                students=students,
                courses=courses,
                fall=span[0],
                winter=today,
                school_year=demo.school_calendar(today).label,
            )
        shown = [
            f"{r.subject} n = {r.n}, r = {r.statistics['pearson']['r']:.2f}"
            for r in stored_rows(apps=[result.app.pk], term_pair="FallToWinter")
            if r.usage == "activeMinutes" and not r.hidden
        ]
        return (
            f"Test results: MAP Growth fall ({done.fall}) and winter ({done.winter}) of "
            f"{done.students} students in {' and '.join(done.subjects)}, imported "
            f"({done.report.summary().removesuffix('.')}); active minutes against growth: "
            + ("; ".join(shown) or "too few students to show")
            + "."
        )


def _senders() -> int:
    """How many senders send the history at once (events.demo.simulate). Two: the senders
    are threads of this process, so their Python runs one at a time, while one waits on
    PostgreSQL the other computes; a third would find nothing left to overlap. One inside a
    transaction (the tests'), whose roster the senders' own connections could not see."""
    return 1 if connection.in_atomic_block else SENDERS


SENDERS = 2


def _roster(result: demo.DemoResult):
    students = list(
        User.objects.filter(sourced_id__startswith="demo-student-").order_by("sourced_id")
    )
    courses = list(Course.objects.filter(partner_app=result.app).order_by("sourced_id"))
    return students, courses


@contextmanager
def _quiet(*names):
    """Without a broker each envelope's task runs in-process, and Celery logs a line per
    task (kombu warns about the missing broker host each time): dozens of lines that would
    scroll the demo's own output away. Warnings about anything else still show."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
