"""SARIMAX per dyad (statsmodels), with documented fallbacks for degenerate series.

Each dyad's target count is modelled on the ``log1p`` scale (``transform="log1p"``, the
default; ``"none"`` models raw counts) by its own SARIMAX model. The Gaussian forecast of the
transformed count is turned into a predictive distribution over counts by giving count ``k``
the probability of ``[k - 1/2, k + 1/2)`` mapped through the transform (negative mass to 0, the
upper tail to ``max_count``).

At a new origin the fitted parameters are kept and the state is re-filtered on the dyad's data
up to that origin (``results.apply``), so that forecasts always start from the latest data
without refitting.

Fallbacks
---------
Event series are often degenerate; a SARIMAX fit is then impossible or meaningless:

``"zeros"``
    every training value is 0: the forecast is a point mass at 0 (until events appear in the
    data at a later origin, when the ``"mean"`` rule applies);
``"sparse"`` / ``"constant"`` / ``"failed"``
    fewer than ``min_nonzero`` non-zero periods, a constant series, or a fit that raised or
    returned non-finite parameters: the forecast is Poisson with the dyad's trailing mean over
    the last ``fallback_window`` periods up to the origin (the ``"mean"`` rule).

:attr:`SarimaxModel.results_` lists which rule each dyad used.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from riskmodel.exceptions import ConfigurationError
from riskmodel.models.base import (
    CountForecast,
    CountModelMixin,
    ForecastModel,
    PanelArrays,
    check_int,
    check_option,
    pmf_from_gaussian,
    pmf_from_negbin,
    trailing_mean,
)

__all__ = ["SarimaxModel", "DyadResults"]


class DyadResults:
    """Results of a model fitted separately per dyad (or pair), statsmodels-style.

    Attributes
    ----------
    results : dict
        Fitted statsmodels results by dyad (or pair) label.
    fallbacks : Series
        The rule used per dyad: ``"fit"`` or a fallback name (see the model docs).
    params : DataFrame
        Parameters, one row per fitted dyad.
    bse : DataFrame
        Standard errors, one row per fitted dyad.
    """

    def __init__(self, results: dict[str, Any], fallbacks: dict[str, str], title: str) -> None:
        self.results = results
        self.fallbacks = pd.Series(fallbacks, name="rule", dtype=object)
        self.fallbacks.index.name = "dyad"
        self.title = title
        self.params = pd.DataFrame({k: _flat(r, "params") for k, r in results.items()}).T
        self.bse = pd.DataFrame({k: _flat(r, "bse") for k, r in results.items()}).T

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals per dyad and parameter: columns ``(parameter, "lower"/"upper")``."""
        z = stats.norm.ppf(1 - alpha / 2)
        lower = self.params - z * self.bse
        upper = self.params + z * self.bse
        return pd.concat({"lower": lower, "upper": upper}, axis=1).swaplevel(axis=1).sort_index(
            axis=1)

    def summary(self) -> str:
        """Fit rules and the distribution of the estimates across dyads."""
        counts = self.fallbacks.value_counts()
        lines = [self.title, "=" * 72,
                 f"Dyads: {len(self.fallbacks)}   " + "   ".join(
                     f"{k}: {v}" for k, v in counts.items()), "-" * 72]
        if len(self.params):
            desc = self.params.describe(percentiles=[0.1, 0.5, 0.9]).T[
                ["count", "mean", "10%", "50%", "90%"]]
            lines.append("Estimates across fitted dyads:")
            lines.append(desc.to_string(float_format=lambda v: f"{v:.4f}"))
        else:
            lines.append("No dyad could be fitted; every forecast uses a fallback rule.")
        lines.append("=" * 72)
        return "\n".join(lines)

    def __getitem__(self, dyad: str) -> Any:
        return self.results[dyad]

    def __repr__(self) -> str:
        return f"DyadResults({len(self.results)} fitted, {len(self.fallbacks)} dyads)"


def _flat(res: Any, attr: str) -> pd.Series:
    """A results attribute as a flat Series with readable names (SARIMAX and VAR results)."""
    values = getattr(res, attr)
    if isinstance(values, pd.DataFrame):
        return values.stack()
    if isinstance(values, pd.Series):
        return values
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 2:  # VAR: rows are regressors, columns equations
        rows = list(getattr(res, "exog_names", None) or range(arr.shape[0]))
        cols = list(getattr(res, "names", None) or range(arr.shape[1]))
        return pd.Series(arr.ravel(), index=[f"{c}:{r}" for r in rows for c in cols])
    names = getattr(getattr(res, "model", None), "param_names", None)
    if names is None or len(names) != arr.size:
        names = [f"p{i}" for i in range(arr.size)]
    return pd.Series(arr, index=list(names))


def _transform(y: np.ndarray, how: str) -> np.ndarray:
    return np.log1p(y) if how == "log1p" else y


def _fallback_forecast(y: np.ndarray, horizon: int, window: int, kmax: int
                       ) -> tuple[np.ndarray, np.ndarray, str]:
    """``(mean (h,), pmf (h, kmax+1), rule)`` for a series that is not modelled."""
    if not np.any(y > 0):
        pmf = np.zeros((horizon, kmax + 1))
        pmf[:, 0] = 1.0
        return np.zeros(horizon), pmf, "zeros"
    mean = float(np.mean(y[-window:]))
    pmf = pmf_from_negbin(np.full(horizon, mean), 0.0, kmax)
    return np.full(horizon, mean), pmf, "mean"


class _GaussianCounts:
    """The count grid of a Gaussian forecast model (SARIMAX, VAR) for one prediction.

    Holds the clipped target series, the largest count of the grid, and the means and pmfs
    being filled; :meth:`put` stores a Gaussian forecast (on the model's scale) of one dyad,
    :meth:`finish` gives the series left out the fallback forecast and returns the result.
    """

    def __init__(self, model: Any, arrays: PanelArrays, horizon: int) -> None:
        self.model, self.arrays, self.horizon = model, arrays, horizon
        self.y = np.clip(arrays.column(model.target_), 0, None)
        recent = np.max(self.y[:, -model.fallback_window:], initial=0)
        self.kmax = int(min(model.max_count, max(10, 3 * recent + 10)))
        n = len(arrays.dyads)
        self.means = np.zeros((n, horizon))
        self.pmf = np.zeros((n, horizon, self.kmax + 1))
        self.done = np.zeros(n, dtype=bool)

    def series(self, rows: int | list[int]) -> np.ndarray:
        """The target series of ``rows`` on the model's scale (log1p or counts)."""
        return _transform(self.y[rows], self.model.transform)

    def put(self, i: int, mu: np.ndarray, sd: np.ndarray) -> bool:
        """Store dyad ``i``'s forecast (mean, standard deviation per step) if it is finite."""
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sd))):
            return False
        p = pmf_from_gaussian(mu, sd, self.kmax, log1p=self.model.transform == "log1p")
        self.pmf[i] = p
        self.means[i] = p @ np.arange(self.kmax + 1)
        self.done[i] = True
        return True

    def finish(self) -> CountForecast:
        """Fallback forecasts for the dyads without one; the :class:`CountForecast`."""
        model = self.model
        for i in np.nonzero(~self.done)[0]:
            m, p, _ = _fallback_forecast(self.y[i], self.horizon, model.fallback_window,
                                         self.kmax)
            self.means[i], self.pmf[i] = m, p
        return CountForecast(self.arrays.dyads, model._future_periods(self.arrays, self.horizon),
                             self.means, pmf=self.pmf, origin=self.arrays.periods[-1],
                             target=model.target_)


class SarimaxModel(CountModelMixin, ForecastModel):
    """SARIMAX per dyad on the (``log1p``-transformed) target count.

    Parameters
    ----------
    order : tuple of int, default (1, 0, 0)
        ``(p, d, q)``.
    seasonal_order : tuple of int, default (0, 0, 0, 0)
        ``(P, D, Q, s)``.
    trend : str, default "c"
        statsmodels trend specification.
    transform : {"log1p", "none"}, default "log1p"
        Scale on which the series is modelled.
    target : str, optional
        Panel column to model (default: the label's column, else ``n_events``).
    min_nonzero : int, default 3
        Non-zero training periods a dyad needs for its own fit.
    fallback_window : int, default 12
        Trailing window of the Poisson fallback.
    max_count : int, default 200
        Largest count of the predictive pmf.
    maxiter : int, default 50
        Optimiser iterations per dyad.

    Attributes
    ----------
    results_ : DyadResults
        Per-dyad statsmodels results and the rule used for each dyad.
    """

    _tags: ClassVar[dict[str, Any]] = {"has_results": True, "pooled": False}

    def __init__(self, order: tuple[int, int, int] = (1, 0, 0),
                 seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0), trend: str = "c",
                 transform: str = "log1p", target: str | None = None, min_nonzero: int = 3,
                 fallback_window: int = 12, max_count: int = 200, maxiter: int = 50) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.transform = transform
        self.target = target
        self.min_nonzero = min_nonzero
        self.fallback_window = fallback_window
        self.max_count = max_count
        self.maxiter = maxiter

    def _validate_params(self) -> None:
        name = type(self).__name__
        for pname, value, size in (("order", self.order, 3),
                                   ("seasonal_order", self.seasonal_order, 4)):
            ok = isinstance(value, (tuple, list)) and len(value) == size and all(
                isinstance(v, (int, np.integer)) and v >= 0 for v in value)
            if not ok:
                raise ConfigurationError(
                    f"The {pname!r} parameter of {name} must be a tuple of {size} ints >= 0. "
                    f"Got {value!r} instead.")
        check_option(self.transform, "transform", self, ("log1p", "none"))
        check_int(self.min_nonzero, "min_nonzero", self, min_value=1)
        check_int(self.fallback_window, "fallback_window", self, min_value=1)
        check_int(self.max_count, "max_count", self, min_value=1)
        check_int(self.maxiter, "maxiter", self, min_value=1)

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # noqa: PLC0415

        self.target_ = self._target_column(self.label_)
        y = np.clip(arrays.column(self.target_), 0, None)
        results: dict[str, Any] = {}
        rules: dict[str, str] = {}
        for i, dyad in enumerate(arrays.dyads):
            series = y[i]
            nonzero = int(np.sum(series > 0))
            if nonzero == 0:
                rules[dyad] = "zeros"
                continue
            if nonzero < self.min_nonzero:
                rules[dyad] = "sparse"
                continue
            if np.all(series == series[0]):
                rules[dyad] = "constant"
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model = SARIMAX(_transform(series, self.transform), order=tuple(self.order),
                                    seasonal_order=tuple(self.seasonal_order), trend=self.trend)
                    res = model.fit(disp=False, maxiter=self.maxiter)
                if not np.all(np.isfinite(res.params)):
                    raise ValueError("non-finite parameters")
            except (ValueError, np.linalg.LinAlgError):
                rules[dyad] = "failed"
                continue
            results[dyad] = res
            rules[dyad] = "fit"
        self.results_ = DyadResults(results, rules, "SARIMAX per dyad "
                                    f"order={tuple(self.order)} "
                                    f"seasonal_order={tuple(self.seasonal_order)} "
                                    f"trend={self.trend!r} transform={self.transform!r}")
        self.link_ = None
        if self.label_.target() is None:
            # link on the trailing mean (per-dyad filtered forecasts at every origin would cost
            # one filter pass per origin and dyad)
            trail = trailing_mean(y, self.fallback_window)
            self._fit_link(arrays, labels, trail * self.horizon_)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        grid = _GaussianCounts(self, arrays, horizon)
        for i, dyad in enumerate(arrays.dyads):
            res = self.results_.results.get(dyad)
            if res is None:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fc = res.apply(grid.series(i)).get_forecast(horizon)
                    mu = np.asarray(fc.predicted_mean, dtype=float)
                    sd = np.sqrt(np.clip(np.asarray(fc.var_pred_mean, dtype=float), 1e-12,
                                         None))
            except (ValueError, np.linalg.LinAlgError):
                continue
            grid.put(i, mu, sd)
        return grid.finish()
