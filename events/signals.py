"""Signals the events app sends to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Sent by the sweep (events.sweep.run) with `cutoff`: work marked before it whose task may
# have been lost. A receiver repairs its own (analytics: stale rollups) and answers a dict of
# counts, merged into the sweep's answer.
swept = Signal()
