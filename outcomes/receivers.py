"""How the closed loop keeps its read models current: it answers the signals of the apps
below it (connected in outcomes.apps)."""

from django.db import transaction

from . import services, tasks


def on_test_results_imported(sender, student_ids, **kwargs) -> None:
    """gradebook.signals.test_results_imported (the importer, and gradebook API writes of
    standardized results): recompute once the writer has committed."""
    transaction.on_commit(tasks.enqueue_recompute)


def on_learning_changed(sender, keys, **kwargs) -> None:
    """gradebook.signals.learning_changed: usage of these (student, course, day) keys
    changed; the apps whose stored observations cover them are marked stale, in the
    writer's transaction (recomputed by the sweep: a student's late events come in many
    batches, and one recompute after them is enough)."""
    services.mark_stale(keys)


def on_sweep(sender, cutoff, **kwargs) -> dict:
    """events.signals.swept: recompute the outcomes when some were marked stale before
    `cutoff`; answers how many apps were, for the sweep's counts."""
    return {"stale_outcomes": services.recompute_if_stale(marked_before=cutoff)}
