"""outcomes.stats against scipy and statsmodels computed independently here, on generated
data sets with a known correlation (docs/closed-loop.md#statistics)."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.multitest import multipletests

from outcomes import stats

RHO = 0.5


def sample(n, rho=RHO, seed=1):
    """n students: usage and growth drawn with correlation rho, a starting score and a grade."""
    rng = np.random.default_rng(seed)
    usage, growth = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n).T
    usage = 600 + 200 * usage  # minutes
    start = rng.normal(200, 10, n)
    grade = rng.integers(3, 7, n)
    return usage, growth, start, grade


def test_pearson_r_p_and_fisher_interval_match_scipy():
    usage, growth, *_ = sample(200)

    mine = stats.pearson(usage, growth)

    theirs = scipy_stats.pearsonr(usage, growth)
    low, high = theirs.confidence_interval(0.95)  # scipy's Fisher z interval
    assert mine.r == pytest.approx(theirs.statistic, abs=1e-12)
    assert mine.p == pytest.approx(theirs.pvalue, rel=1e-9)
    assert (mine.ci_low, mine.ci_high) == (
        pytest.approx(low, abs=1e-9),
        pytest.approx(high, abs=1e-9),
    )
    assert mine.ci_low < RHO < mine.ci_high  # the known correlation is inside


def test_spearman_interval_uses_the_fieller_hartley_pearson_variance():
    usage, growth, *_ = sample(150, seed=2)

    mine = stats.spearman(usage, growth)

    theirs = scipy_stats.spearmanr(usage, growth)
    half = 1.959963984540054 * math.sqrt(1.06 / (150 - 3))
    assert mine.r == pytest.approx(theirs.statistic, abs=1e-12)
    assert mine.p == pytest.approx(theirs.pvalue, rel=1e-9)
    assert mine.ci_low == pytest.approx(math.tanh(math.atanh(theirs.statistic) - half), abs=1e-12)
    assert mine.ci_high == pytest.approx(math.tanh(math.atanh(theirs.statistic) + half), abs=1e-12)


def test_partial_correlation_matches_the_precision_matrix_and_its_t_test():
    usage, growth, start, grade = sample(120, seed=3)
    growth = growth + 0.05 * (start - 200)  # growth also depends on the starting score

    mine = stats.partial(usage, growth, np.column_stack([start, grade]))

    precision = np.linalg.inv(np.corrcoef(np.vstack([usage, growth, start, grade])))
    expected = -precision[0, 1] / math.sqrt(precision[0, 0] * precision[1, 1])
    dof = 120 - 2 - 2
    t = expected * math.sqrt(dof / (1 - expected**2))
    assert mine.r == pytest.approx(expected, abs=1e-10)
    assert mine.p == pytest.approx(2 * scipy_stats.t.sf(abs(t), dof), rel=1e-8)
    z, se = math.atanh(expected), 1 / math.sqrt(120 - 3 - 2)
    assert mine.ci_low == pytest.approx(math.tanh(z - 1.959963984540054 * se), abs=1e-9)


def test_a_grade_everyone_shares_is_no_covariate():
    usage, growth, start, _ = sample(60, seed=4)
    same_grade = np.full(60, 5)

    with_grade = stats.partial(usage, growth, np.column_stack([start, same_grade]))
    without = stats.partial(usage, growth, start.reshape(-1, 1))

    assert with_grade == without


def test_growth_per_hour_is_the_ols_slope_with_its_t_interval():
    rng = np.random.default_rng(5)
    hours = rng.uniform(2, 30, 80)
    growth = 0.05 * hours + rng.normal(0, 0.5, 80)

    slope, _ = stats.ols_slope(hours, growth)

    fit = scipy_stats.linregress(hours, growth)
    t = scipy_stats.t.ppf(0.975, 80 - 2)
    assert slope.slope == pytest.approx(fit.slope, rel=1e-9)
    assert slope.ci_low == pytest.approx(fit.slope - t * fit.stderr, rel=1e-9)
    assert slope.ci_high == pytest.approx(fit.slope + t * fit.stderr, rel=1e-9)
    assert slope.ci_low < 0.05 < slope.ci_high


def test_benjamini_hochberg_matches_statsmodels_and_skips_hidden_rows():
    p = [0.001, None, 0.04, 0.03, 0.2, None, 0.012]

    q = stats.benjamini_hochberg(p)

    shown = [v for v in p if v is not None]
    expected = iter(multipletests(shown, method="fdr_bh")[1])
    assert [None if v is None else pytest.approx(next(expected)) for v in p] == q


@pytest.mark.parametrize(
    ("n", "hidden", "exploratory"),
    [(19, True, True), (20, False, True), (84, False, True), (85, False, False)],
)
def test_rows_are_hidden_below_20_and_exploratory_below_85(n, hidden, exploratory):
    usage, growth, start, grade = sample(n, seed=n)

    d = stats.describe(usage, growth, start, grade, usage / 60)

    assert (d.n, d.hidden, d.exploratory) == (n, hidden, exploratory)
    assert (d.pearson is None) == hidden
    assert (d.growth_per_hour is None) == hidden


def test_a_described_group_recovers_the_known_correlation():
    usage, growth, start, grade = sample(400, seed=6)

    d = stats.describe(usage, growth, start, grade, usage / 60)

    assert d.pearson.ci_low < RHO < d.pearson.ci_high
    assert d.spearman.ci_low > 0.3
    assert d.growth_per_hour.slope > 0


def test_the_fitted_band_contains_the_line_and_narrows_at_the_mean():
    usage, growth, *_ = sample(100, seed=7)

    band = stats.fit_band(usage, growth, [usage.min(), usage.mean(), usage.max()])

    assert all(low < fitted < high for fitted, low, high in band)
    widths = [high - low for _, low, high in band]
    assert widths[1] < widths[0] and widths[1] < widths[2]


@pytest.mark.parametrize(
    ("r", "low", "high", "words"),
    [
        (0.41, 0.12, 0.63, "moderate, likely positive: r = 0.41 [0.12, 0.63], n = 48"),
        (0.05, -0.2, 0.3, "negligible, direction uncertain: r = 0.05 [-0.20, 0.30], n = 48"),
        (-0.75, -0.9, -0.5, "very strong, likely negative: r = -0.75 [-0.90, -0.50], n = 48"),
        (0.2, -0.05, 0.43, "weak, direction uncertain: r = 0.20 [-0.05, 0.43], n = 48"),
    ],
)
def test_a_correlation_in_words(r, low, high, words):
    assert stats.in_words(stats.Correlation(r, low, high, 0.01), 48) == words
