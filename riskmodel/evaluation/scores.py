"""Scores for escalation probabilities and count forecasts.

Probabilities of a binary escalation label
------------------------------------------
:func:`brier_score` and its decomposition :func:`brier_decomposition` (Murphy 1973:
reliability, resolution, uncertainty; with forecast bins, the two within-bin terms of
Stephenson, Coelho & Jolliffe 2008 make the identity exact), :func:`log_loss`,
:func:`roc_auc` (the empirical area under the ROC curve, ties counted as one half, never a
smoothed curve), :func:`average_precision` (area under the precision-recall curve, to be read
next to :func:`prevalence`), :func:`reliability_curve` and :func:`top_k_precision`.

Counts
------
:func:`crps_pmf` (CRPS from a predictive probability mass function over ``0..K``),
:func:`crps_samples` (CRPS of the empirical distribution of predictive samples),
:func:`interval_coverage`, :func:`interval_score` (Gneiting & Raftery 2007, ``alpha=0.05``),
:func:`ignorance_score` (negative log2 probability of the bin the outcome fell in),
:func:`mse` and :func:`msle`.

Every function takes array-likes, checks shapes and values and raises
:class:`~riskmodel.exceptions.ConfigurationError` naming the argument when they are wrong. None of
them imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError

__all__ = [
    "BrierDecomposition",
    "brier_score",
    "brier_decomposition",
    "log_loss",
    "roc_auc",
    "average_precision",
    "prevalence",
    "reliability_curve",
    "top_k_precision",
    "crps_pmf",
    "crps_samples",
    "interval_coverage",
    "interval_score",
    "ignorance_score",
    "DEFAULT_COUNT_BINS",
    "mse",
    "msle",
    "probability_scores",
    "count_scores",
]

#: Left edges of the count bins used by :func:`ignorance_score` by default:
#: 0, 1-2, 3-5, 6-10, 11-25, 26-50, 51-100, 101-500, 501 and more.
DEFAULT_COUNT_BINS: tuple[int, ...] = (0, 1, 3, 6, 11, 26, 51, 101, 501)


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _binary(y: Any, name: str = "y_true") -> np.ndarray:
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size and np.isnan(arr).any():
        raise ConfigurationError(
            f"{name} contains {int(np.isnan(arr).sum())} NaN values; drop unresolved outcomes "
            "(labels whose window runs past the data) before scoring."
        )
    bad = ~np.isin(arr, (0.0, 1.0))
    if bad.any():
        raise ConfigurationError(
            f"{name} must hold only 0 and 1. Got {arr[bad][0]!r} (and {int(bad.sum()) - 1} "
            "other values outside {0, 1}); threshold counts into a binary label first."
        )
    return arr


def _probs(p: Any, n: int, name: str = "y_prob") -> np.ndarray:
    arr = np.asarray(p, dtype=float).ravel()
    if arr.size != n:
        raise ConfigurationError(f"{name} has {arr.size} values but y_true has {n}; pass one "
                                 "probability per outcome.")
    if arr.size and (np.isnan(arr).any() or (arr < 0).any() or (arr > 1).any()):
        bad = arr[np.isnan(arr) | (arr < 0) | (arr > 1)][0]
        raise ConfigurationError(f"{name} must hold probabilities in [0, 1] without NaN. "
                                 f"Got {bad!r}.")
    return arr


def _counts(y: Any, name: str = "y_true") -> np.ndarray:
    arr = np.asarray(y, dtype=float).ravel()
    if arr.size and (np.isnan(arr).any() or (arr < 0).any()):
        raise ConfigurationError(f"{name} must hold non-negative counts without NaN.")
    return arr


def _nonempty(n: int, what: str) -> None:
    if n == 0:
        raise ConfigurationError(f"{what} needs at least one forecast; got an empty input.")


# --------------------------------------------------------------------------------------------
# probability scores
# --------------------------------------------------------------------------------------------
def brier_score(y_true: Any, y_prob: Any) -> float:
    """Mean squared difference between the forecast probability and the 0/1 outcome.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Outcomes.
    y_prob : array-like of float in [0, 1]
        Forecast probabilities of the outcome 1.

    Returns
    -------
    float
        The Brier score (0 is perfect; lower is better).
    """
    y = _binary(y_true)
    _nonempty(y.size, "brier_score")
    p = _probs(y_prob, y.size)
    return float(np.mean((p - y) ** 2))


@dataclass(frozen=True)
class BrierDecomposition:
    """Murphy's decomposition of the Brier score over forecast bins.

    ``brier == reliability - resolution + uncertainty + within_bin_variance -
    within_bin_covariance`` holds exactly. With ``bins=None`` each distinct forecast value is its
    own bin and the two within-bin terms are zero (Murphy's original identity).

    Attributes
    ----------
    brier : float
        The Brier score.
    reliability : float
        Weighted mean squared gap between mean forecast and observed frequency per bin (lower
        is better).
    resolution : float
        Weighted variance of the observed frequency per bin around the overall frequency
        (higher is better).
    uncertainty : float
        ``o(1 - o)`` with ``o`` the overall frequency; a property of the outcomes only.
    within_bin_variance, within_bin_covariance : float
        Stephenson et al. (2008) terms for forecasts that vary within a bin.
    n_bins : int
        Non-empty bins used.
    """

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin_variance: float
    within_bin_covariance: float
    n_bins: int

    def as_dict(self) -> dict[str, float]:
        """The decomposition as a plain dict."""
        return {
            "brier": self.brier,
            "reliability": self.reliability,
            "resolution": self.resolution,
            "uncertainty": self.uncertainty,
            "within_bin_variance": self.within_bin_variance,
            "within_bin_covariance": self.within_bin_covariance,
            "n_bins": self.n_bins,
        }


def _bin_ids(p: np.ndarray, bins: int | None | Any) -> np.ndarray:
    if bins is None:
        _, ids = np.unique(p, return_inverse=True)
        return ids.ravel()
    if isinstance(bins, (int, np.integer)):
        if bins < 1:
            raise ConfigurationError(f"The 'bins' parameter must be an int >= 1, a sequence of "
                                     f"edges or None. Got {bins!r} instead.")
        edges = np.linspace(0.0, 1.0, int(bins) + 1)
    else:
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
            raise ConfigurationError("The 'bins' edges must be a strictly increasing sequence "
                                     f"of at least two values. Got {bins!r} instead.")
    # right-closed last bin so that p == 1 lands in the top bin
    ids = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    return ids


def brier_decomposition(y_true: Any, y_prob: Any, *, bins: int | None | Any = 10
                        ) -> BrierDecomposition:
    """Reliability, resolution and uncertainty of a set of probability forecasts.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Outcomes.
    y_prob : array-like of float in [0, 1]
        Forecast probabilities.
    bins : int, sequence of float or None, default 10
        Number of equal-width bins on [0, 1], explicit bin edges, or ``None`` for one bin per
        distinct forecast value.

    Returns
    -------
    BrierDecomposition
    """
    y = _binary(y_true)
    _nonempty(y.size, "brier_decomposition")
    p = _probs(y_prob, y.size)
    ids = _bin_ids(p, bins)
    n = y.size
    obar = y.mean()
    counts = np.bincount(ids)
    used = counts > 0
    sum_p = np.bincount(ids, weights=p)
    sum_y = np.bincount(ids, weights=y)
    pk = np.where(used, sum_p / np.maximum(counts, 1), 0.0)
    ok = np.where(used, sum_y / np.maximum(counts, 1), 0.0)
    rel = float(np.sum(counts * (pk - ok) ** 2) / n)
    res = float(np.sum(counts * (ok - obar) ** 2) / n)
    unc = float(obar * (1.0 - obar))
    dp = p - pk[ids]
    dy = y - ok[ids]
    wbv = float(np.sum(dp**2) / n)
    wbc = float(2.0 * np.sum(dp * dy) / n)
    return BrierDecomposition(
        brier=float(np.mean((p - y) ** 2)), reliability=rel, resolution=res, uncertainty=unc,
        within_bin_variance=wbv, within_bin_covariance=wbc, n_bins=int(used.sum()),
    )


def log_loss(y_true: Any, y_prob: Any, *, eps: float = 1e-15) -> float:
    """Mean negative log-likelihood (natural log) of the outcomes under the forecasts.

    Probabilities are clipped to ``[eps, 1 - eps]`` so that a confident miss costs a large but
    finite amount (scikit-learn's convention).
    """
    y = _binary(y_true)
    _nonempty(y.size, "log_loss")
    p = np.clip(_probs(y_prob, y.size), eps, 1.0 - eps)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))


def _rankdata_average(x: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(x, method="average")


def roc_auc(y_true: Any, y_score: Any) -> float:
    """Empirical area under the ROC curve (Mann-Whitney U / (n1 n0); ties count one half).

    This is the area under the step-wise empirical curve; no smoothing (a binormal smoothed
    curve can inflate the area considerably on rare events).

    Returns
    -------
    float
        The AUROC, or NaN when the outcomes hold only one class.
    """
    y = _binary(y_true)
    _nonempty(y.size, "roc_auc")
    s = np.asarray(y_score, dtype=float).ravel()
    if s.size != y.size or np.isnan(s).any():
        raise ConfigurationError(f"y_score must hold {y.size} non-NaN scores; got {s.size} "
                                 "values (or NaN).")
    n1 = int(y.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = _rankdata_average(s)
    u = ranks[y == 1].sum() - n1 * (n1 + 1) / 2.0
    return float(u / (n1 * n0))


def average_precision(y_true: Any, y_score: Any) -> float:
    """Area under the precision-recall curve as the step-wise average precision.

    ``sum_k (R_k - R_{k-1}) P_k`` over the distinct score thresholds, highest first (the same
    definition as scikit-learn's ``average_precision_score``). Read it next to
    :func:`prevalence`, the AUPR of a constant forecast.

    Returns
    -------
    float
        The AUPR, or NaN when there is no positive outcome.
    """
    y = _binary(y_true)
    _nonempty(y.size, "average_precision")
    s = np.asarray(y_score, dtype=float).ravel()
    if s.size != y.size or np.isnan(s).any():
        raise ConfigurationError(f"y_score must hold {y.size} non-NaN scores; got {s.size} "
                                 "values (or NaN).")
    n1 = y.sum()
    if n1 == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    y_sorted = y[order]
    tp = np.cumsum(y_sorted)
    # keep the last index of each run of tied scores
    last = np.r_[np.nonzero(np.diff(s_sorted))[0], y.size - 1]
    tp_t = tp[last]
    fp_t = (last + 1) - tp_t
    precision = tp_t / (tp_t + fp_t)
    recall = tp_t / n1
    recall_prev = np.r_[0.0, recall[:-1]]
    return float(np.sum((recall - recall_prev) * precision))


def prevalence(y_true: Any) -> float:
    """Share of positive outcomes: the AUPR (and the best constant forecast) of no skill."""
    y = _binary(y_true)
    _nonempty(y.size, "prevalence")
    return float(y.mean())


def reliability_curve(y_true: Any, y_prob: Any, *, n_bins: int = 10,
                      strategy: str = "uniform") -> pd.DataFrame:
    """Observed frequency against mean forecast per probability bin.

    Parameters
    ----------
    y_true, y_prob : array-like
        Outcomes and forecast probabilities.
    n_bins : int, default 10
        Number of bins.
    strategy : {"uniform", "quantile"}
        Equal-width bins on [0, 1], or bins holding equal numbers of forecasts.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty bin: ``bin``, ``lower``, ``upper`` (bin edges),
        ``mean_predicted``, ``observed`` (frequency of the outcome), ``count``, ``gap``
        (``observed - mean_predicted``), and ``ci_low``/``ci_high`` (95% Wilson interval of the
        observed frequency).
    """
    y = _binary(y_true)
    p = _probs(y_prob, y.size)
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ConfigurationError(f"The 'n_bins' parameter must be an int >= 1. Got {n_bins!r} "
                                 "instead.")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1))) if p.size else \
            np.array([0.0, 1.0])
        if edges.size < 2:
            edges = np.array([edges[0], edges[0] + 1e-12])
    else:
        _unknown("strategy", strategy, ("uniform", "quantile"))
    ids = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, edges.size - 2)
    nb = edges.size - 1
    cnt = np.bincount(ids, minlength=nb)
    sp = np.bincount(ids, weights=p, minlength=nb)
    sy = np.bincount(ids, weights=y, minlength=nb)
    keep = cnt > 0
    c = cnt[keep].astype(float)
    obs = sy[keep] / c
    z = 1.959963984540054
    centre = (obs + z**2 / (2 * c)) / (1 + z**2 / c)
    half = z * np.sqrt(obs * (1 - obs) / c + z**2 / (4 * c**2)) / (1 + z**2 / c)
    out = pd.DataFrame({
        "bin": np.nonzero(keep)[0],
        "lower": edges[:-1][keep],
        "upper": edges[1:][keep],
        "mean_predicted": sp[keep] / c,
        "observed": obs,
        "count": cnt[keep].astype(int),
    })
    out["gap"] = out["observed"] - out["mean_predicted"]
    out["ci_low"] = centre - half
    out["ci_high"] = centre + half
    return out


def top_k_precision(y_true: Any, y_score: Any, k: int) -> float:
    """Share of escalations among the ``k`` highest-scored cases (a watchlist of length k).

    Ties at the cut-off are shared out in expectation: every case tied with the k-th score counts
    with the fraction of the tied block that fits in the list, so the result does not depend on
    row order.
    """
    y = _binary(y_true)
    _nonempty(y.size, "top_k_precision")
    s = np.asarray(y_score, dtype=float).ravel()
    if s.size != y.size:
        raise ConfigurationError(f"y_score has {s.size} values but y_true has {y.size}.")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigurationError(f"The 'k' parameter must be an int >= 1. Got {k!r} instead.")
    k = min(int(k), y.size)
    order = np.argsort(-s, kind="mergesort")
    kth = s[order[k - 1]]
    above = s > kth
    tied = s == kth
    n_above = int(above.sum())
    frac = (k - n_above) / tied.sum()
    return float((y[above].sum() + frac * y[tied].sum()) / k)


# --------------------------------------------------------------------------------------------
# count scores
# --------------------------------------------------------------------------------------------
def _pmf_matrix(pmf: Any, n: int) -> np.ndarray:
    m = np.asarray(pmf, dtype=float)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[0] != n:
        raise ConfigurationError(
            f"pmf must be a 2-D array with one row per outcome ({n}) and one column per count "
            f"0..K; got shape {np.shape(pmf)}.")
    if np.isnan(m).any() or (m < -1e-12).any():
        raise ConfigurationError("pmf must hold non-negative probabilities without NaN.")
    return np.clip(m, 0.0, None)


def crps_pmf(y_true: Any, pmf: Any, *, normalize: bool = True) -> np.ndarray:
    """Continuous ranked probability score of count forecasts given as probability mass.

    For integer support ``CRPS = sum_k (F(k) - 1{y <= k})^2`` with ``F`` the predictive CDF. Mass
    beyond the last column ``K`` is taken to be zero after renormalisation (``normalize=True``)
    or, without it, the missing mass ``1 - F(K)`` is placed at ``K + 1``.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        Observed counts.
    pmf : array-like, shape (n, K + 1)
        ``pmf[i, k] = P(Y_i = k)``.
    normalize : bool, default True
        Rescale each row to sum to one.

    Returns
    -------
    numpy.ndarray of shape (n,)
        The CRPS of each forecast (take the mean to summarise).
    """
    y = _counts(y_true)
    m = _pmf_matrix(pmf, y.size)
    tot = m.sum(axis=1, keepdims=True)
    if normalize:
        if (tot <= 0).any():
            raise ConfigurationError("A pmf row sums to zero; it cannot be normalised.")
        m = m / tot
    elif (tot > 1 + 1e-9).any():
        raise ConfigurationError("pmf rows sum to more than one; pass normalize=True.")
    k_max = m.shape[1] - 1
    top = int(max(k_max + 1, np.ceil(y.max()) if y.size else 0))
    cdf = np.cumsum(m, axis=1)
    if top > k_max:
        # beyond K the predictive CDF is 1 (renormalised, or the missing mass sits at K + 1)
        pad = np.ones((cdf.shape[0], top - k_max))
        cdf = np.concatenate([cdf, pad], axis=1)
    ks = np.arange(cdf.shape[1])
    step = (y[:, None] <= ks[None, :]).astype(float)
    return np.sum((cdf - step) ** 2, axis=1)


def crps_samples(y_true: Any, samples: Any) -> np.ndarray:
    """CRPS of the empirical distribution of predictive samples.

    ``CRPS = E|X - y| - 0.5 E|X - X'|`` with both expectations over the samples (the exact CRPS of
    the sample CDF, as ``properscoring.crps_ensemble`` computes it).

    Parameters
    ----------
    y_true : array-like, shape (n,)
    samples : array-like, shape (n, m)

    Returns
    -------
    numpy.ndarray of shape (n,)
    """
    y = np.asarray(y_true, dtype=float).ravel()
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[0] != y.size or x.shape[1] < 1:
        raise ConfigurationError(f"samples must have shape (n_outcomes={y.size}, n_samples); got "
                                 f"{np.shape(samples)}.")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ConfigurationError("samples and y_true must not contain NaN.")
    m = x.shape[1]
    term1 = np.abs(x - y[:, None]).mean(axis=1)
    xs = np.sort(x, axis=1)
    # E|X - X'| = 2/m^2 * sum_i (2i - m - 1) x_(i) for sorted samples, i = 1..m
    w = 2.0 * np.arange(1, m + 1) - m - 1
    term2 = 2.0 * (xs * w[None, :]).sum(axis=1) / (m * m)
    return term1 - 0.5 * term2


def interval_coverage(y_true: Any, lower: Any, upper: Any) -> float:
    """Share of outcomes inside their closed prediction interval ``[lower, upper]``."""
    y, lo, hi = _interval_args(y_true, lower, upper)
    _nonempty(y.size, "interval_coverage")
    return float(np.mean((y >= lo) & (y <= hi)))


def interval_score(y_true: Any, lower: Any, upper: Any, *, alpha: float = 0.05) -> np.ndarray:
    """Interval score of central ``(1 - alpha)`` prediction intervals (Gneiting & Raftery 2007).

    ``(u - l) + 2/alpha (l - y) 1{y < l} + 2/alpha (y - u) 1{y > u}``; lower is better.

    Returns
    -------
    numpy.ndarray of shape (n,)
    """
    if not 0 < alpha < 1:
        raise ConfigurationError(f"The 'alpha' parameter must be in (0, 1). Got {alpha!r} "
                                 "instead.")
    y, lo, hi = _interval_args(y_true, lower, upper)
    return (hi - lo) + (2.0 / alpha) * np.clip(lo - y, 0, None) \
        + (2.0 / alpha) * np.clip(y - hi, 0, None)


def _interval_args(y_true: Any, lower: Any, upper: Any) -> tuple[np.ndarray, ...]:
    y = np.asarray(y_true, dtype=float).ravel()
    lo = np.asarray(lower, dtype=float).ravel()
    hi = np.asarray(upper, dtype=float).ravel()
    if not (y.size == lo.size == hi.size):
        raise ConfigurationError(f"y_true, lower and upper must have the same length; got "
                                 f"{y.size}, {lo.size}, {hi.size}.")
    if (lo > hi).any():
        raise ConfigurationError("Every interval needs lower <= upper; got lower > upper at "
                                 f"position {int(np.argmax(lo > hi))}.")
    return y, lo, hi


def _bin_probabilities(pmf: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Sum pmf columns into the bins whose left edges are ``edges`` (last bin open)."""
    k = np.arange(pmf.shape[1])
    ids = np.searchsorted(edges, k, side="right") - 1
    out = np.zeros((pmf.shape[0], edges.size))
    for b in range(edges.size):
        out[:, b] = pmf[:, ids == b].sum(axis=1)
    return out


def ignorance_score(y_true: Any, pmf: Any, *, bins: Any = DEFAULT_COUNT_BINS,
                    floor: float = 1e-6) -> np.ndarray:
    """Ignorance (negative log2 probability) of the count bin the outcome fell in.

    Parameters
    ----------
    y_true : array-like of int, shape (n,)
        Observed counts.
    pmf : array-like, shape (n, K + 1)
        Predictive probability mass over ``0..K``; rows are renormalised, and any mass beyond
        ``K`` is ignored.
    bins : sequence of int, default :data:`DEFAULT_COUNT_BINS`
        Left edges of the bins, starting at 0; the last bin is open.
    floor : float, default 1e-6
        Smallest probability given to a bin, so that one impossible outcome costs
        ``-log2(floor)`` instead of infinity.

    Returns
    -------
    numpy.ndarray of shape (n,)
        Ignorance in bits per forecast.
    """
    y = _counts(y_true)
    m = _pmf_matrix(pmf, y.size)
    tot = m.sum(axis=1, keepdims=True)
    if (tot <= 0).any():
        raise ConfigurationError("A pmf row sums to zero; it cannot be normalised.")
    m = m / tot
    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or edges.size < 1 or edges[0] != 0 or np.any(np.diff(edges) <= 0):
        raise ConfigurationError("The 'bins' parameter must be strictly increasing left edges "
                                 f"starting at 0. Got {bins!r} instead.")
    bp = _bin_probabilities(m, edges)
    yb = np.searchsorted(edges, y, side="right") - 1
    prob = np.clip(bp[np.arange(y.size), yb], floor, 1.0)
    return -np.log2(prob) + 0.0


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error of point forecasts."""
    y = np.asarray(y_true, dtype=float).ravel()
    f = np.asarray(y_pred, dtype=float).ravel()
    if y.size != f.size:
        raise ConfigurationError(f"y_true and y_pred lengths differ ({y.size} vs {f.size}).")
    _nonempty(y.size, "mse")
    return float(np.mean((f - y) ** 2))


def msle(y_true: Any, y_pred: Any) -> float:
    """Mean squared error on the ``log1p`` scale (for non-negative counts)."""
    y = _counts(y_true)
    f = _counts(y_pred, "y_pred")
    if y.size != f.size:
        raise ConfigurationError(f"y_true and y_pred lengths differ ({y.size} vs {f.size}).")
    _nonempty(y.size, "msle")
    return float(np.mean((np.log1p(f) - np.log1p(y)) ** 2))


# --------------------------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------------------------
def probability_scores(y_true: Any, y_prob: Any, *, k: int | None = None,
                       bins: int | None = 10) -> dict[str, float]:
    """Every probability score of one set of forecasts, as a dict.

    Keys: ``n``, ``positives``, ``prevalence``, ``brier``, ``reliability``, ``resolution``,
    ``uncertainty``, ``log_loss``, ``auroc``, ``aupr`` and, when ``k`` is given,
    ``top_k_precision``.
    """
    y = _binary(y_true)
    p = _probs(y_prob, y.size)
    out: dict[str, float] = {"n": float(y.size), "positives": float(y.sum())}
    if y.size == 0:
        nan = float("nan")
        out.update(prevalence=nan, brier=nan, reliability=nan, resolution=nan, uncertainty=nan,
                   log_loss=nan, auroc=nan, aupr=nan)
        if k is not None:
            out["top_k_precision"] = nan
        return out
    dec = brier_decomposition(y, p, bins=bins)
    out.update(
        prevalence=float(y.mean()), brier=dec.brier, reliability=dec.reliability,
        resolution=dec.resolution, uncertainty=dec.uncertainty, log_loss=log_loss(y, p),
        auroc=roc_auc(y, p), aupr=average_precision(y, p),
    )
    if k is not None:
        out["top_k_precision"] = top_k_precision(y, p, k)
    return out


def count_scores(y_true: Any, *, mean: Any = None, lower: Any = None, upper: Any = None,
                 crps: Any = None, ignorance: Any = None, alpha: float = 0.05
                 ) -> dict[str, float]:
    """Summaries of count forecasts from whatever parts are available.

    Point forecasts give ``mse`` and ``msle``; intervals give ``coverage`` and
    ``interval_score``; per-forecast ``crps`` and ``ignorance`` values are averaged.
    """
    y = _counts(y_true)
    out: dict[str, float] = {}
    if mean is not None:
        mu = np.asarray(mean, dtype=float)
        ok = ~np.isnan(mu)
        if ok.any():
            out["mse"] = mse(y[ok], mu[ok])
            out["msle"] = msle(y[ok], np.clip(mu[ok], 0, None))
    if lower is not None and upper is not None:
        lo = np.asarray(lower, dtype=float)
        hi = np.asarray(upper, dtype=float)
        ok = ~(np.isnan(lo) | np.isnan(hi))
        if ok.any():
            out["coverage"] = interval_coverage(y[ok], lo[ok], hi[ok])
            out["interval_score"] = float(np.mean(interval_score(y[ok], lo[ok], hi[ok],
                                                                 alpha=alpha)))
    for name, vals in (("crps", crps), ("ignorance", ignorance)):
        if vals is not None:
            v = np.asarray(vals, dtype=float)
            if (~np.isnan(v)).any():
                out[name] = float(np.nanmean(v))
    return out


def _unknown(param: str, value: object, valid: tuple[str, ...]) -> None:
    import difflib

    near = difflib.get_close_matches(str(value), valid, n=1)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    raise ConfigurationError(f"The {param!r} parameter must be one of {list(valid)}. Got "
                             f"{value!r} instead.{hint}")
