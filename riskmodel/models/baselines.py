"""Baselines every escalation model must face on the same splits.

All baselines use the shared :class:`~riskmodel.models.base.ForecastModel` interface. They are
deliberately simple, and in published comparisons the no-change and conflictology baselines are
hard to beat, so report skill relative to them.

========================  ===================================================================
``ZeroBaseline``          probability 0 (or ``epsilon``), counts 0
``BaseRateBaseline``      the training frequency of the label (pooled, or per dyad shrunk to the
                          pooled rate)
``LastValueBaseline``     no change: the label's event fired in the origin period -> 1 (or
                          ``1 - epsilon``), else 0; counts carried forward
``TrailingMeanBaseline``  the dyad's firing frequency ``p`` over the last ``window`` periods,
                          ``1 - (1 - p)^h``; counts Poisson with the trailing mean
``ConflictologyBaseline`` resampling the dyad's own recent history: the share of its last
                          ``window`` fully observed h-period blocks in which the label fired;
                          counts from the empirical distribution of the last ``window`` periods
``LaggedLogitBaseline``   a logistic regression of the label on "fired in the origin period"
========================  ===================================================================
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import statsmodels.api as sm

from riskmodel.models.base import (
    CountForecast,
    CountModelMixin,
    ForecastModel,
    PanelArrays,
    check_float,
    check_int,
    check_option,
    fires_array,
    pmf_from_negbin,
    window_labels,
)

__all__ = [
    "ZeroBaseline",
    "BaseRateBaseline",
    "LastValueBaseline",
    "TrailingMeanBaseline",
    "ConflictologyBaseline",
    "LaggedLogitBaseline",
]


def _trailing_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` columns (fewer where the panel is shorter)."""
    w = min(window, values.shape[1])
    return values[:, -w:].mean(axis=1)


_BASELINE_TAGS: dict[str, Any] = {"baseline": True}


class ZeroBaseline(CountModelMixin, ForecastModel):
    """Forecast nothing: probability ``epsilon`` (default 0) and counts of 0.

    Parameters
    ----------
    epsilon : float, default 0.0
        The probability forecast for every dyad (0 <= epsilon < 1); a small positive value keeps
        log loss finite.
    target : str, optional
        Panel column whose counts are forecast (default: the label's column, else ``n_events``).
    """

    _tags: ClassVar[dict[str, Any]] = _BASELINE_TAGS

    def __init__(self, epsilon: float = 0.0, target: str | None = None) -> None:
        self.epsilon = epsilon
        self.target = target

    def _validate_params(self) -> None:
        check_float(self.epsilon, "epsilon", self, min_value=0.0, max_value=1.0,
                    max_inclusive=False)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.target_ = self._target_column(self.label_)
        self.link_ = None

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        return np.full(len(arrays.dyads), float(self.epsilon))

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        n = len(arrays.dyads)
        pmf = np.zeros((n, horizon, 1))
        pmf[..., 0] = 1.0
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon),
                             np.zeros((n, horizon)), pmf=pmf, origin=arrays.periods[-1],
                             target=self.target_)


class BaseRateBaseline(ForecastModel):
    """The training frequency of the label.

    Parameters
    ----------
    by : {"pooled", "dyad"}, default "pooled"
        One rate for all dyads, or each dyad's own rate shrunk towards the pooled rate.
    prior_strength : float, default 1.0
        For ``by="dyad"``: pseudo-observations of the pooled rate added to each dyad.

    Attributes
    ----------
    rate_ : float
        The pooled rate.
    dyad_rates_ : Series
        Per-dyad rates (``by="dyad"``).
    """

    _tags: ClassVar[dict[str, Any]] = _BASELINE_TAGS

    def __init__(self, by: str = "pooled", prior_strength: float = 1.0) -> None:
        self.by = by
        self.prior_strength = prior_strength

    def _validate_params(self) -> None:
        check_option(self.by, "by", self, ("pooled", "dyad"))
        check_float(self.prior_strength, "prior_strength", self, min_value=0.0)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.rate_ = float(np.nanmean(labels))
        observed = np.isfinite(labels)
        hits = np.where(observed, labels, 0.0).sum(axis=1)
        n = observed.sum(axis=1)
        m = float(self.prior_strength)
        rates = (hits + m * self.rate_) / np.clip(n + m, 1e-12, None)
        self.dyad_rates_ = pd.Series(rates, index=arrays.dyads, name="rate")

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        if self.by == "pooled":
            return np.full(len(arrays.dyads), self.rate_)
        return self.dyad_rates_.reindex(arrays.dyads).fillna(self.rate_).to_numpy()


class LastValueBaseline(CountModelMixin, ForecastModel):
    """No change: what happened in the origin period happens again.

    The probability is ``1 - epsilon`` where the label's event fired in the origin period, else
    ``epsilon``; the count forecast carries the origin period's count forward (a point mass).

    Parameters
    ----------
    epsilon : float, default 0.0
        Shrinks the 0/1 forecast to ``[epsilon, 1 - epsilon]`` (0 <= epsilon < 0.5).
    target : str, optional
        Panel column whose counts are carried forward.
    """

    _tags: ClassVar[dict[str, Any]] = _BASELINE_TAGS

    def __init__(self, epsilon: float = 0.0, target: str | None = None) -> None:
        self.epsilon = epsilon
        self.target = target

    def _validate_params(self) -> None:
        check_float(self.epsilon, "epsilon", self, min_value=0.0, max_value=0.5,
                    max_inclusive=False)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.target_ = self._target_column(self.label_)
        self.link_ = None

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        fired = fires_array(arrays, self.label_)[:, -1] > 0
        eps = float(self.epsilon)
        return np.where(fired, 1.0 - eps, eps)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        last = np.rint(arrays.column(self.target_)[:, -1]).astype(int)
        last = np.clip(last, 0, None)
        kmax = int(last.max()) if last.size else 0
        pmf = np.zeros((len(last), horizon, kmax + 1))
        pmf[np.arange(len(last)), :, last] = 1.0
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon),
                             np.repeat(last[:, None].astype(float), horizon, axis=1), pmf=pmf,
                             origin=arrays.periods[-1], target=self.target_)


class TrailingMeanBaseline(CountModelMixin, ForecastModel):
    """The dyad's own recent frequency.

    With ``p`` the share of the last ``window`` periods in which the label's event fired, the
    probability of at least one firing in ``h`` periods is ``1 - (1 - p)^h``. Counts are
    Poisson with the trailing mean of the target column.

    Parameters
    ----------
    window : int, default 12
        Number of trailing periods (>= 1).
    target : str, optional
        Panel column whose counts are forecast.
    """

    _tags: ClassVar[dict[str, Any]] = _BASELINE_TAGS

    def __init__(self, window: int = 12, target: str | None = None) -> None:
        self.window = window
        self.target = target

    def _validate_params(self) -> None:
        check_int(self.window, "window", self, min_value=1)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.target_ = self._target_column(self.label_)
        self.link_ = None

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        p = _trailing_mean(fires_array(arrays, self.label_), self.window)
        return 1.0 - (1.0 - p) ** self.horizon_

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        mean = _trailing_mean(arrays.column(self.target_), self.window)
        kmax = int(np.ceil(mean.max() + 6 * np.sqrt(mean.max() + 1))) + 1 if mean.size else 1
        pmf = pmf_from_negbin(np.repeat(mean[:, None], horizon, axis=1), 0.0, min(kmax, 1000))
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon),
                             np.repeat(mean[:, None], horizon, axis=1), pmf=pmf,
                             origin=arrays.periods[-1], target=self.target_)


class ConflictologyBaseline(CountModelMixin, ForecastModel):
    """Resample the dyad's own recent history (the "conflictology" baseline of VIEWS).

    Probability: the dyad's last ``window`` periods are cut into every h-period block that is
    fully observed by the origin; resampling a block uniformly, the probability that the label
    fires is the share of blocks in which it fired (computed exactly rather than by drawing).
    Blocks keep the persistence of conflict that independent draws of single periods would lose.
    Counts: each future period is a draw from the empirical distribution of the target over the
    last ``window`` periods.

    Parameters
    ----------
    window : int, default 36
        Number of trailing periods to resample (the field uses 12 to 36).
    target : str, optional
        Panel column whose counts are forecast.
    """

    _tags: ClassVar[dict[str, Any]] = _BASELINE_TAGS

    def __init__(self, window: int = 36, target: str | None = None) -> None:
        self.window = window
        self.target = target

    def _validate_params(self) -> None:
        check_int(self.window, "window", self, min_value=2)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.target_ = self._target_column(self.label_)
        self.link_ = None

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        fires = fires_array(arrays, self.label_)
        w = min(self.window, fires.shape[1])
        recent = fires[:, -w:]
        h = self.horizon_
        if w > h:
            # blocks (t, t+h] that end within the recent window: labels at t = -w-1+... observed
            blocks = window_labels(recent, h)[:, : w - h]
            # the first block starts inside the window: include the block starting at its edge
            return np.nanmean(blocks, axis=1)
        # window shorter than a block: one (partial) block
        return (recent.sum(axis=1) > 0).astype(float)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        values = arrays.column(self.target_)
        w = min(self.window, values.shape[1])
        recent = np.clip(np.rint(values[:, -w:]), 0, None).astype(int)
        kmax = int(recent.max()) if recent.size else 0
        kmax = min(kmax, 5000)
        counts = np.zeros((recent.shape[0], kmax + 1))
        rows = np.repeat(np.arange(recent.shape[0]), w)
        np.add.at(counts, (rows, np.minimum(recent.ravel(), kmax)), 1.0)
        pmf = np.repeat((counts / w)[:, None, :], horizon, axis=1)
        mean = np.repeat(recent.mean(axis=1)[:, None], horizon, axis=1)
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon), mean, pmf=pmf,
                             origin=arrays.periods[-1], target=self.target_)


class LaggedLogitBaseline(ForecastModel):
    """Logistic regression of the label on "the label's event fired in the origin period".

    With a single binary regressor the model is saturated, so it is fitted on the 2 x 2 table of
    (fired at t, label) with frequency weights (fast on any panel size), plus ``prior`` pseudo-
    observations in every cell so that an empty cell gives a finite estimate.

    Parameters
    ----------
    prior : float, default 0.5
        Pseudo-count added to each cell of the 2 x 2 table (>= 0).

    Attributes
    ----------
    results_ : statsmodels GLMResults
        The fitted binomial GLM (``summary()``, ``params``, ``bse``, ``conf_int()``).
    """

    _tags: ClassVar[dict[str, Any]] = {"baseline": True, "has_results": True}

    def __init__(self, prior: float = 0.5) -> None:
        self.prior = prior

    def _validate_params(self) -> None:
        check_float(self.prior, "prior", self, min_value=0.0)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        mask = np.isfinite(labels)
        x = (fires[mask] > 0).astype(float)
        y = labels[mask]
        table = np.zeros((2, 2))
        np.add.at(table, (x.astype(int), y.astype(int)), 1.0)
        table += float(self.prior)
        exog = pd.DataFrame({"const": [1.0, 1.0, 1.0, 1.0], "fired_last": [0.0, 0.0, 1.0, 1.0]})
        endog = pd.Series([0.0, 1.0, 0.0, 1.0], name=self.label_.name)
        weights = np.array([table[0, 0], table[0, 1], table[1, 0], table[1, 1]])
        keep = weights > 0
        model = sm.GLM(endog[keep], exog[keep], family=sm.families.Binomial(),
                       freq_weights=weights[keep])
        self.results_ = model.fit()
        self.table_ = pd.DataFrame(table, index=pd.Index(["quiet", "fired"], name="origin"),
                                   columns=pd.Index(["no", "yes"], name="label"))

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        fired = (fires_array(arrays, self.label_)[:, -1] > 0).astype(float)
        params = self.results_.params
        z = params["const"] + params["fired_last"] * fired
        return 1.0 / (1.0 + np.exp(-z))
