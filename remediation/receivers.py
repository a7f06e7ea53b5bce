"""How hole filling hears of new results without the gradebook importing it: it answers
gradebook.signals.results_recorded (connected in remediation.apps)."""

from . import services


def on_results_recorded(sender, sourced_ids, **kwargs) -> None:
    """Results were written or changed, in the writer's transaction: those on mastery tests
    open, renew or close plans there too (a result never commits without its plan)."""
    services.consider_results(sourced_ids)
