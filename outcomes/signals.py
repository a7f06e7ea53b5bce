"""Signals of the closed loop.

`results_imported` is sent by whoever stores standardized test results (the importer
`outcomes.imports`, its admin upload; docs/closed-loop.md#when-outcomes-are-recomputed),
inside the writing transaction, with `results`: the ids of the assessment results written
or changed (may be empty when nothing changed; then nothing is recomputed). The outcomes are
recomputed after the commit (outcomes.receivers).
"""

from django.dispatch import Signal

results_imported = Signal()


def notify_results_imported(results) -> None:
    results = list(results)
    if results:
        results_imported.send(sender=None, results=results)
