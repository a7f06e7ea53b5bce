"""Signals the gradebook sends to the apps above it (docs/architecture.md#layers: a lower app never
imports a higher one).

`learning_changed` is sent, inside the writing transaction, with `keys`: a set of
(student_id, course_id, day) whose XP, time, results or mastery changed — by the Caliper
pipeline, the gradebook API or the logger — and `immediate`: whether the receiver must
bring its read models up to date in this transaction or may defer it, or `after_commit`:
the writer (the pipeline) sends `learning_committed` once its transaction committed, and
the receiver marks the keys in the transaction (so they are never lost) and brings them up
to date then, outside the writer's transaction. Analytics recomputes those daily rollups,
so every surface reads the same numbers whatever the source.

`learning_committed` is sent, outside any transaction of the sender's, after a writer
committed keys it announced with `after_commit`: the receivers bring what is marked up to
date now (analytics: every pending rollup, anyone's).
"""

from django.dispatch import Signal

learning_changed = Signal()
learning_committed = Signal()

# `test_results_imported` is sent, inside the writing transaction and after the writes, when
# standardized test results (docs/closed-loop.md) were created or changed — by the importer
# (outcomes.imports, the command and the admin upload) or the gradebook API — with
# `student_ids` (a set of user primary keys), `subjects` (a set of subjects as the files
# name them) and `line_item_ids` (a set of line item sourcedIds). The outcomes statistics and
# the remediation plans recompute what those students' tests feed. A receiver that queues
# work should do it in `transaction.on_commit`.
test_results_imported = Signal()


def notify_learning_changed(keys, *, immediate: bool = False, after_commit: bool = False) -> None:
    keys = set(keys)
    if keys:
        learning_changed.send(
            sender=None, keys=keys, immediate=immediate, after_commit=after_commit
        )


def notify_learning_committed() -> None:
    learning_committed.send(sender=None)


# `results_recorded` is sent, inside the writing transaction, with `sourced_ids`: the
# assessment results written or changed (by the Caliper pipeline, the gradebook API, a
# standardized-test import). Hole filling (remediation) answers it for the results of
# mastery tests; the gradebook never needs to know.
results_recorded = Signal()


def notify_results_recorded(sourced_ids) -> None:
    sourced_ids = sorted({s for s in sourced_ids if s})
    if sourced_ids:
        results_recorded.send(sender=None, sourced_ids=sourced_ids)


def notify_test_results_imported(*, student_ids, subjects, line_item_ids) -> None:
    student_ids = set(student_ids)
    if student_ids:
        test_results_imported.send(
            sender=None,
            student_ids=student_ids,
            subjects=set(subjects),
            line_item_ids=set(line_item_ids),
        )
