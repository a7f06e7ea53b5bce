"""dashboards.figures.histogram (a binary search per value) counts what the bucket-by-bucket
scan it replaced counted, at the edges, outside them and for Decimals, ints and floats."""

import random
from decimal import Decimal

import pytest

from dashboards.figures import histogram


def bucket_by_bucket(values, edges):
    counts = [0] * (len(edges) - 1)
    for value in values:
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if edges[i] <= value < edges[i + 1] or (last and value == edges[-1]):
                counts[i] += 1
                break
    return counts


@pytest.mark.parametrize("seed", range(5))
def test_the_histogram_counts_what_a_bucket_by_bucket_scan_counts(seed):
    rng = random.Random(seed)
    edges = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    values = [Decimal(rng.randrange(-50, 1150)) / 10 for _ in range(2000)]
    values += [Decimal(100) * rng.randrange(0, 40) / 39 for _ in range(500)]
    values += edges + [Decimal(e) for e in edges] + [float(e) for e in edges] + [-1, 100.5, 101]
    assert histogram(values, edges) == bucket_by_bucket(values, edges)
    assert histogram(values, [0, 33.3, 66.6, 100]) == bucket_by_bucket(values, [0, 33.3, 66.6, 100])
    assert histogram([100, Decimal(100), 0, 99.99], edges) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]
