"""Small pure helpers of the dashboards' presentation: percentages of counts, histograms,
quantiles. The learning figures (accuracy, waste, active minutes, ...) are analytics'
(analytics.figures)."""

from bisect import bisect_right
from collections.abc import Iterable
from decimal import Decimal


def percent(part, whole) -> Decimal | None:
    return Decimal(100) * Decimal(part) / Decimal(whole) if whole else None


def histogram(values: Iterable[Decimal | float], edges: list[float]) -> list[int]:
    """Counts per bucket [edges[i], edges[i+1]) of ascending `edges`; the last bucket
    includes its upper edge; values outside are not counted. A binary search per value (the
    developer page buckets thousands of students)."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        i = len(counts) - 1 if value == edges[-1] else bisect_right(edges, value) - 1
        if 0 <= i < len(counts):
            counts[i] += 1
    return counts


def quantile(sorted_values: list, q: float):
    """The nearest-rank quantile of already sorted values; None when empty."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]
