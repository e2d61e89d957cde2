"""VAR across the two directions of a state pair (statsmodels).

For each pair of directed dyads ``"A>B"`` and ``"B>A"`` a vector autoregression of order
``lags`` models the two (``log1p``-transformed) target counts jointly, so that each side's
actions predict the other's (reciprocity, tit-for-tat). Each direction's Gaussian forecast (mean
``m_k`` and forecast-error variance ``v_k`` from the VAR's MSE matrices) becomes a count
predictive as in :mod:`riskmodel.models.arima`: with ``predictive="negbin"`` (the default) a
negative binomial with mean ``S exp(m_k + (v_k - v_1) / 2) - 1`` (``S``: Duan's smearing factor
of the direction's in-sample residuals; ``m_k`` for ``transform="none"``) and one-step variance
``mu + alpha mu^2 + delta mu`` fitted by maximum likelihood to the direction's counts around
its in-sample one-step means, widened at later steps by the uncertainty about the level; with
``predictive="gaussian"`` the discretised Gaussian. At a new origin the fitted coefficients are
applied to the pair's latest ``lags`` observations up to that origin. Labels without a count
threshold go through the logistic link on trailing means of :mod:`riskmodel.models.arima`.

Fallbacks (listed per dyad in ``results_.fallbacks``): a dyad without its reverse in the panel
(``"unpaired"``), a pair where either direction has fewer than ``min_nonzero`` non-zero periods
or is constant (``"sparse"``), or a fit that fails (``"failed"``) is forecast like the SARIMAX
fallbacks: a point mass at 0 for an all-zero history, else Poisson with the trailing mean.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from riskmodel.exceptions import ConfigurationError
from riskmodel.models.arima import (
    DyadResults,
    _fit_dispersion,
    _fit_trailing_link,
    _ForecastGrid,
    _transform,
)
from riskmodel.models.base import (
    CountForecast,
    CountModelMixin,
    ForecastModel,
    PanelArrays,
    check_int,
    check_option,
)

__all__ = ["VarModel"]


class VarModel(CountModelMixin, ForecastModel):
    """VAR(``lags``) per state pair on the two directions' target counts.

    Parameters
    ----------
    lags : int, default 1
        VAR order.
    trend : {"c", "n", "ct"}, default "c"
        Deterministic terms (statsmodels ``trend``).
    transform : {"log1p", "none"}, default "log1p"
        Scale on which the counts are modelled.
    target : str, optional
        Panel column to model (default: the label's column, else ``n_events``).
    min_nonzero : int, default 3
        Non-zero training periods each direction needs for a fit.
    fallback_window : int, default 12
        Trailing window of the Poisson fallback.
    max_count : int, default 200
        Largest count of the predictive pmf.
    predictive : {"negbin", "gaussian"}, default "negbin"
        Count predictive of a fitted pair's directions: negative binomial around the
        retransformed forecast mean, or the discretised Gaussian forecast (see the module
        docstring).

    Attributes
    ----------
    results_ : DyadResults
        Per-pair statsmodels VAR results (keyed ``"A>B|B>A"``; the equations are named ``a``
        and ``b`` for the first and second dyad of the key), the rule used per dyad, and the
        smearing factor and dispersion of each fitted dyad (``results_.dispersion``).
    """

    _tags: ClassVar[dict[str, Any]] = {"has_results": True, "pooled": False,
                                       "requires_directed": True}

    def __init__(self, lags: int = 1, trend: str = "c", transform: str = "log1p",
                 target: str | None = None, min_nonzero: int = 3, fallback_window: int = 12,
                 max_count: int = 200, predictive: str = "negbin") -> None:
        self.lags = lags
        self.trend = trend
        self.transform = transform
        self.target = target
        self.min_nonzero = min_nonzero
        self.fallback_window = fallback_window
        self.max_count = max_count
        self.predictive = predictive

    def _validate_params(self) -> None:
        check_int(self.lags, "lags", self, min_value=1)
        check_option(self.trend, "trend", self, ("c", "n", "ct"))
        check_option(self.transform, "transform", self, ("log1p", "none"))
        check_int(self.min_nonzero, "min_nonzero", self, min_value=1)
        check_int(self.fallback_window, "fallback_window", self, min_value=1)
        check_int(self.max_count, "max_count", self, min_value=1)
        check_option(self.predictive, "predictive", self, ("negbin", "gaussian"))

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        from statsmodels.tsa.api import VAR  # noqa: PLC0415

        self.target_ = self._target_column(self.label_)
        y = np.clip(arrays.column(self.target_), 0, None)
        if y.shape[1] < 3 * self.lags + 4:
            raise ConfigurationError(
                f"VarModel: {y.shape[1]} periods up to the origin are too few for lags="
                f"{self.lags}; need at least {3 * self.lags + 4}.")
        results: dict[str, Any] = {}
        rules: dict[str, str] = {}
        dispersion: dict[str, tuple[float, ...]] = {}
        for group in arrays.pair_groups():
            names = [str(arrays.dyads[i]) for i in group]
            if len(group) == 1:
                rules[names[0]] = "unpaired"
                continue
            block = y[list(group)]
            degenerate = any(np.sum(row > 0) < self.min_nonzero or np.all(row == row[0])
                             for row in block)
            if degenerate:
                for nm in names:
                    rules[nm] = "sparse"
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    # equations "a" and "b": the first and second dyad of the key "a|b"
                    endog = pd.DataFrame(_transform(block.T, self.transform),
                                         columns=["a", "b"])
                    res = VAR(endog).fit(self.lags, trend=self.trend)
                if not np.all(np.isfinite(np.asarray(res.params, dtype=float))):
                    raise ValueError("non-finite parameters")
            except (ValueError, np.linalg.LinAlgError):
                for nm in names:
                    rules[nm] = "failed"
                continue
            results["|".join(names)] = res
            fitted = np.asarray(res.fittedvalues, dtype=float)  # one-step, rows lags..T-1
            for col, nm in enumerate(names):
                rules[nm] = "fit"
                dispersion[nm] = _fit_dispersion(
                    endog.to_numpy()[res.k_ar:, col], fitted[:, col], block[col, res.k_ar:],
                    self.transform)
        self.results_ = DyadResults(results, rules, f"VAR({self.lags}) per state pair, "
                                    f"trend={self.trend!r}, transform={self.transform!r}",
                                    dispersion=dispersion)
        _fit_trailing_link(self, arrays, labels, y)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        grid = _ForecastGrid(self, arrays, horizon)
        for group in arrays.pair_groups():
            if len(group) != 2:
                continue
            key = f"{arrays.dyads[group[0]]}|{arrays.dyads[group[1]]}"
            swapped = False
            res = self.results_.results.get(key)
            if res is None:
                res = self.results_.results.get(
                    f"{arrays.dyads[group[1]]}|{arrays.dyads[group[0]]}")
                swapped = res is not None
            if res is None:
                continue
            order = list(group[::-1]) if swapped else list(group)
            z = grid.series(order).T
            if len(z) < res.k_ar:
                continue
            try:
                mu = np.asarray(res.forecast(z[-res.k_ar:], horizon), dtype=float)  # (h, 2)
                var = np.diagonal(res.mse(horizon), axis1=1, axis2=2)  # (h, 2)
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.all(np.isfinite(mu)) and np.all(np.isfinite(var)):
                for col, i in enumerate(order):
                    grid.put(i, mu[:, col], var[:, col])
        return grid.finish()
