"""Writers of the closed loop's read models (docs/closed-loop.md#when-outcomes-are-recomputed).

`recompute_outcomes()` derives everything again from what is stored — the imported results
and the daily rollups — in one transaction: the growth observations, then the statistics
per app × subject × term pair. Never incremented, so running it twice writes the same rows.
It runs when results are imported (gradebook.signals.test_results_imported), and from the sweep
for apps whose usage inside an observation's window changed since (StaleOutcomes).
"""

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from core import locks
from core.db import prepared_cursor
from rostering.models import Course, PartnerApp

from . import selectors
from .models import GrowthObservation, Outcome, StaleOutcomes


def recompute_outcomes() -> int:
    """Recompute every observation and outcome; answers how many outcome rows there are.
    Serialised across workers by an advisory lock (two recomputes would only repeat work)."""
    with transaction.atomic():
        locks.xact_lock(locks.OUTCOMES, ["recompute"])
        StaleOutcomes.objects.all().delete()
        rows = selectors.observations(selectors.growth_pairs())
        GrowthObservation.objects.all().delete()
        GrowthObservation.objects.bulk_create(rows, batch_size=2000)
        now = timezone.now()
        outcomes = [_outcome(g, now) for g in selectors.groups(rows)]
        Outcome.objects.all().delete()
        Outcome.objects.bulk_create(outcomes)
        return len(outcomes)


def _outcome(g: selectors.Group, now) -> Outcome:
    d = g.description
    return Outcome(
        app_id=g.app_id,
        subject=g.subject,
        term_pair=g.term_pair,
        usage=g.usage,
        outcome=g.outcome,
        n=d.n,
        excluded_rapid_guessing=g.excluded_rapid_guessing,
        excluded_no_usage=g.excluded_no_usage,
        hidden=d.hidden,
        exploratory=d.exploratory,
        p=None if d.hidden else d.pearson.p,
        statistics={} if d.hidden else selectors.statistics_json(d),
        computed_at=now,
    )


# A day either side of an observation's window: rollup days may move between UTC and
# school days.
SLACK = timedelta(days=1)


def mark_stale(keys) -> None:
    """Usage of these (student, course, day) rollup keys changed: mark the apps whose
    stored observations of those students cover the day, for the sweep to recompute. One
    statement that finds nothing for students without observations (nearly every batch)
    and reads nothing back: in a logger PUT it goes with the writes before it
    (core.db.one_round_trip) without a wait of its own."""
    keys = sorted(set(keys))
    if not keys:
        return
    # Raw and prepared (core.db): this runs in every writer's transaction, a logger PUT's
    # too, where building the same query with the ORM was a quarter of the request's CPU.
    # An app is marked when an observation of one of the keys' students, of an app of the
    # keys' courses, covers one of that student's days within SLACK; apps in order, so two
    # writers lock their markers in the same order.
    observations = connection.ops.quote_name(GrowthObservation._meta.db_table)
    courses = connection.ops.quote_name(Course._meta.db_table)
    table = connection.ops.quote_name(StaleOutcomes._meta.db_table)
    students, course_ids, days = (list(column) for column in zip(*keys, strict=True))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (app_id, since)"
            f" SELECT DISTINCT o.app_id, %s::timestamptz FROM {observations} o"
            " JOIN unnest(%s::bigint[], %s::date[]) AS k(student_id, day)"
            " ON k.student_id = o.student_id"
            f" WHERE o.app_id IN (SELECT c.partner_app_id FROM {courses} c"
            "  WHERE c.id = ANY(%s::bigint[]))"
            " AND k.day BETWEEN o.start_date - %s::int AND o.end_date + %s::int"
            " ORDER BY o.app_id ON CONFLICT (app_id) DO NOTHING",
            [timezone.now(), students, days, sorted(set(course_ids)), SLACK.days, SLACK.days],
        )


def recompute_if_stale(*, marked_before) -> int:
    """Recompute when some app's outcomes were marked stale before `marked_before`;
    answers how many apps were stale (0: nothing done)."""
    stale = StaleOutcomes.objects.filter(since__lte=marked_before).count()
    if stale:
        recompute_outcomes()
    return stale


def mark_all_stale() -> None:
    """Every app with observations, or none yet (a first import), recomputed by the sweep."""
    StaleOutcomes.objects.bulk_create(
        [StaleOutcomes(app_id=pk) for pk in PartnerApp.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
