"""Small pure helpers of the dashboards' presentation: percentages of counts, histograms,
quantiles. The learning figures (accuracy, waste, active minutes, ...) are analytics'
(analytics.figures)."""

from collections.abc import Iterable
from decimal import Decimal


def percent(part, whole) -> Decimal | None:
    return Decimal(100) * Decimal(part) / Decimal(whole) if whole else None


def histogram(values: Iterable[Decimal | float], edges: list[float]) -> list[int]:
    """Counts per bucket [edges[i], edges[i+1]); the last bucket includes its upper edge."""
    counts = [0] * (len(edges) - 1)
    for value in values:
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= value < edges[i + 1] or (last and value == edges[-1]):
                counts[i] += 1
                break
    return counts


def quantile(sorted_values: list, q: float):
    """The nearest-rank quantile of already sorted values; None when empty."""
    if not sorted_values:
        return None
    rank = max(0, min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1))))
    return sorted_values[rank]
