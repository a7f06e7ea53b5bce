"""The statistics of the closed loop (docs/closed-loop.md#statistics), pure: no Django.

One group is an app × subject × term pair: for each student in it, a usage figure (XP or
active minutes between the two tests), the growth outcome (MAP's conditional growth index, or
observed − projected growth), the starting score and the grade. `describe` answers n and,
from n = MIN_N on, Pearson's r and Spearman's ρ with 95 % intervals and p-values, the partial
correlation controlling for starting score and grade, and growth per hour of active time
(an OLS slope with its 95 % interval). `benjamini_hochberg` adjusts the p-values of the rows
shown together.

Methods, so a reader can check them:
- Pearson's r: scipy.stats.pearsonr; its 95 % interval by Fisher's z transform,
  tanh(atanh(r) ± 1.96 / sqrt(n − 3)).
- Spearman's ρ: scipy.stats.spearmanr; its interval by Fisher's z with the variance
  1.06 / (n − 3) of Fieller, Hartley and Pearson (1957), which holds for ρ up to about 0.8.
- Partial r: the Pearson correlation of the residuals of usage and of growth, each regressed
  (least squares) on an intercept, the starting score and the grade; p from Student's t with
  n − 2 − k degrees of freedom and the interval by Fisher's z with n − 3 − k, k being the
  number of covariates that vary (a grade that is the same for everyone is no covariate).
- Growth per hour: statsmodels OLS of growth on active hours; slope and its t interval.
"""

import math
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats

MIN_N = 20  # below this, a row is hidden: n and nothing else
CONFIRMATORY_N = 85  # below this, a shown row is exploratory
Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal
SPEARMAN_VARIANCE = 1.06  # Fieller, Hartley and Pearson (1957)


@dataclass(frozen=True)
class Correlation:
    r: float
    ci_low: float
    ci_high: float
    p: float


@dataclass(frozen=True)
class Slope:
    slope: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Description:
    n: int
    hidden: bool
    exploratory: bool
    pearson: Correlation | None = None
    spearman: Correlation | None = None
    partial: Correlation | None = None
    growth_per_hour: Slope | None = None
    # The fitted line of growth on usage (for the scatter): growth = intercept + slope × usage
    intercept: float | None = None
    slope: float | None = None


def fisher_interval(r: float, n: int, variance: float = 1.0, k: int = 0) -> tuple[float, float]:
    """The 95 % interval of a correlation by Fisher's z: z = atanh(r), standard error
    sqrt(variance / (n − 3 − k)). A perfect correlation has the degenerate interval [r, r]."""
    if abs(r) >= 1:
        return r, r
    dof = n - 3 - k
    if dof <= 0:
        return -1.0, 1.0
    z = math.atanh(r)
    half = Z95 * math.sqrt(variance / dof)
    return math.tanh(z - half), math.tanh(z + half)


def pearson(x, y) -> Correlation:
    result = stats.pearsonr(x, y)
    r = float(result.statistic)
    return Correlation(r, *fisher_interval(r, len(x)), float(result.pvalue))


def spearman(x, y) -> Correlation:
    result = stats.spearmanr(x, y)
    rho = float(result.statistic)
    return Correlation(rho, *fisher_interval(rho, len(x), SPEARMAN_VARIANCE), float(result.pvalue))


def partial(x, y, covariates) -> Correlation:
    """The correlation of x and y with the covariates (columns) partialled out."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    columns = [c for c in np.asarray(covariates, float).reshape(len(x), -1).T if np.ptp(c) > 0]
    k = len(columns)
    design = np.column_stack([np.ones(len(x)), *columns])
    rx = x - design @ np.linalg.lstsq(design, x, rcond=None)[0]
    ry = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r = float(np.corrcoef(rx, ry)[0, 1])
    dof = len(x) - 2 - k
    if abs(r) >= 1:
        p = 0.0
    else:
        t = r * math.sqrt(dof / (1 - r * r))
        p = float(2 * stats.t.sf(abs(t), dof))
    return Correlation(r, *fisher_interval(r, len(x), k=k), p)


def ols_slope(x, y) -> tuple[Slope, float]:
    """The OLS slope of y on x with its 95 % interval, and the intercept."""
    fit = sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(x, float))).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    return Slope(float(fit.params[1]), float(low), float(high)), float(fit.params[0])


def describe(usage, growth, start_scores, grades, active_hours) -> Description:
    """The statistics of one group (sequences of equal length, one item per student)."""
    n = len(growth)
    if n < MIN_N:
        return Description(n=n, hidden=True, exploratory=n < CONFIRMATORY_N)
    usage = np.asarray(usage, float)
    growth = np.asarray(growth, float)
    if np.ptp(usage) == 0 or np.ptp(growth) == 0:
        # Everyone used the app (or grew) alike: no correlation to speak of.
        return Description(n=n, hidden=True, exploratory=n < CONFIRMATORY_N)
    per_hour = None
    hours = np.asarray(active_hours, float)
    if np.ptp(hours) > 0:
        per_hour, _ = ols_slope(hours, growth)
    line, intercept = ols_slope(usage, growth)
    return Description(
        n=n,
        hidden=False,
        exploratory=n < CONFIRMATORY_N,
        pearson=pearson(usage, growth),
        spearman=spearman(usage, growth),
        partial=partial(usage, growth, np.column_stack([start_scores, grades])),
        growth_per_hour=per_hour,
        intercept=intercept,
        slope=line.slope,
    )


def fit_band(usage, growth, points) -> list[tuple[float, float, float]]:
    """(fitted, low, high) at each of `points`: the OLS line of growth on usage and the 95 %
    confidence band of its mean, for the scatter."""
    fit = sm.OLS(np.asarray(growth, float), sm.add_constant(np.asarray(usage, float))).fit()
    at = sm.add_constant(np.asarray(points, float), has_constant="add")
    frame = fit.get_prediction(at).summary_frame(alpha=0.05)
    return [
        (float(m), float(lo), float(hi))
        for m, lo, hi in zip(
            frame["mean"], frame["mean_ci_lower"], frame["mean_ci_upper"], strict=True
        )
    ]


def benjamini_hochberg(p_values) -> list[float | None]:
    """Benjamini–Hochberg q-values (false discovery rate) of the p-values, in their order;
    None stays None (a hidden row takes no part)."""
    indexed = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(indexed)
    q: list[float | None] = [None] * len(p_values)
    running = 1.0
    for rank, (p, i) in reversed(list(enumerate(sorted(indexed), start=1))):
        running = min(running, p * m / rank)
        q[i] = min(1.0, running)
    return q


STRENGTHS = ((0.1, "negligible"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong"))


def in_words(c: Correlation, n: int) -> str:
    """A correlation for people: "moderate, likely positive: r = 0.41 [0.12, 0.63], n = 48".
    Strength by |r| (under 0.1 negligible, 0.3 weak, 0.5 moderate, 0.7 strong, else very
    strong); the direction is "likely" when the 95 % interval excludes 0, else "uncertain"."""
    size = abs(c.r)
    strength = next((word for limit, word in STRENGTHS if size < limit), "very strong")
    if c.ci_low > 0:
        direction = "likely positive"
    elif c.ci_high < 0:
        direction = "likely negative"
    else:
        direction = "direction uncertain"
    return f"{strength}, {direction}: r = {c.r:.2f} [{c.ci_low:.2f}, {c.ci_high:.2f}], n = {n}"
