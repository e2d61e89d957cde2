"""SARIMAX per dyad (statsmodels), with documented fallbacks for degenerate series.

Each dyad's target count is modelled on the ``log1p`` scale (``transform="log1p"``, the
default; ``"none"`` models raw counts) by its own SARIMAX model, whose forecast at step ``k`` is
Gaussian on that scale with mean ``m_k`` and variance ``v_k`` (``v_1`` is the one-step
innovation variance; ``v_k - v_1`` is the uncertainty about the level the series will be at).

Predictive distribution (``predictive="negbin"``, the default)
--------------------------------------------------------------
Event counts are bursty and overdispersed: a Gaussian on ``log1p`` has far too thin a right
tail (a quiet dyad gets probabilities like 1e-20 for a burst of events) and ``expm1(m_k)`` is a
geometric, not an arithmetic, mean. The count at step ``k`` is therefore negative binomial:

* **mean**: the retransformed forecast. For ``log1p``, Duan's smearing factor
  ``S = mean(exp(e))`` of the in-sample one-step residuals ``e`` gives the one-step mean
  ``S exp(m_1) - 1``, and the Gaussian uncertainty about the level at later steps adds the
  log-normal factor: ``mu_k = S exp(m_k + (v_k - v_1) / 2) - 1``. For ``"none"``,
  ``mu_k = m_k``. Means are floored at ``1e-6``;
* **one-step variance** ``mu + alpha mu^2 + delta mu`` (NB2 with the dispersion
  ``alpha + delta / mu``): the ``delta`` term gives a quiet dyad's rare bursts of events their
  heavy tail, and fades at high levels, where ``alpha`` keeps an ongoing episode's counts
  tight (a single NB2 ``alpha`` fitted to both is far too wide during episodes). ``alpha``
  and ``delta`` are estimated per dyad by maximum likelihood, from the observed counts and
  their in-sample one-step means computed as above
  (:func:`riskmodel.models.base.negbin_dispersion`);
* **k-step variance**: the one-step variance around the uncertain level ``M`` at step ``k``,
  plus ``Var(M)``, i.e. ``(1 + delta) mu_k + alpha E[M^2] + Var(M)``. It is matched by the NB2
  with ``alpha_k = alpha + delta / mu_k + (1 + alpha) Var(M) / mu_k^2``, where
  ``Var(M) = (mu_k + 1)^2 (exp(v_k - v_1) - 1)`` for ``log1p`` and ``v_k - v_1`` for ``"none"``
  (0 at ``k = 1``).

``alpha``, ``delta`` and ``alpha_k`` are kept within ``[1e-6, 1e3]``; ``results_.dispersion``
lists ``S``, ``alpha`` and ``delta`` per fitted dyad. The pmf covers ``0..K`` with the tail
beyond ``K`` folded into ``K``; the forecast mean is ``mu_k``. The probability of a threshold
label combines the steps as independent given the origin (:meth:`CountForecast.prob_any`).

``predictive="gaussian"`` keeps the earlier discretised Gaussian: count ``k`` gets the
probability of ``[k - 1/2, k + 1/2)`` mapped through the transform (negative mass to 0, the
upper tail to ``max_count``), and the mean is that pmf's mean.

At a new origin the fitted parameters (and dispersions) are kept and the state is re-filtered
on the dyad's data up to that origin (``results.apply``), so that forecasts always start from
the latest data without refitting.

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

Labels without a count threshold get their probability from a logistic link on the log
expected window count, fitted on the dyads' trailing means (``_fit_trailing_link``).
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
    negbin_dispersion,
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
    dispersion : DataFrame or None
        Per fitted dyad, the smearing factor (``smear``) and the terms ``alpha`` and
        ``delta`` of the one-step variance ``mu + alpha mu^2 + delta mu`` of the count
        predictive (see :mod:`riskmodel.models.arima`).
    """

    def __init__(self, results: dict[str, Any], fallbacks: dict[str, str], title: str,
                 dispersion: dict[str, tuple[float, ...]] | None = None) -> None:
        self.results = results
        self.fallbacks = pd.Series(fallbacks, name="rule", dtype=object)
        self.fallbacks.index.name = "dyad"
        self.title = title
        self.params = pd.DataFrame({k: _flat(r, "params") for k, r in results.items()}).T
        self.bse = pd.DataFrame({k: _flat(r, "bse") for k, r in results.items()}).T
        self.dispersion = None if dispersion is None else pd.DataFrame(
            list(dispersion.values()), index=pd.Index(list(dispersion), name="dyad"),
            columns=["smear", *_DISPERSION_NAMES], dtype=float)

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
        disp = getattr(self, "dispersion", None)
        if disp is not None and len(disp):
            med = disp.median()
            lines.append("Count predictive, medians across fitted dyads: variance mu + "
                         f"{med['alpha']:.4g} mu^2 + {med['delta']:.4g} mu, smearing factor "
                         f"{med['smear']:.4g}")
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


#: Range of each dispersion coefficient and of the NB2 dispersion of the predictive.
_ALPHA_BOUNDS: tuple[float, float] = (1e-6, 1e3)
#: Smallest predictive mean of a modelled dyad (a retransformed mean can fall to or below 0).
_MIN_MEAN: float = 1e-6
#: Names of the terms of the one-step variance ``mu + alpha mu^2 + delta mu``.
_DISPERSION_NAMES: tuple[str, ...] = ("alpha", "delta")


def _count_means(level: np.ndarray, smear: float, how: str) -> np.ndarray:
    """Count-scale means of forecasts ``level`` on the model's scale (smearing for log1p)."""
    mean = smear * np.exp(level) - 1.0 if how == "log1p" else np.asarray(level, dtype=float)
    return np.clip(mean, _MIN_MEAN, None)


def _fit_dispersion(z: np.ndarray, fitted: np.ndarray, y: np.ndarray, how: str
                    ) -> tuple[float, ...]:
    """Smearing factor and one-step count variance of a Gaussian forecast model's fit.

    Parameters
    ----------
    z : ndarray
        The modelled series (on the model's scale), after any burn-in.
    fitted : ndarray
        Its in-sample one-step predictions.
    y : ndarray
        The same periods' counts.
    how : {"log1p", "none"}
        The transform.

    Returns
    -------
    tuple of float
        ``(smear, alpha, delta)``: Duan's factor ``mean(exp(z - fitted))`` for ``log1p`` (1
        for ``"none"``), and the maximum-likelihood terms of the variance
        ``mu + alpha mu^2 + delta mu`` of ``y`` around the retransformed one-step means ``mu``.
    """
    ok = np.isfinite(z) & np.isfinite(fitted) & np.isfinite(y)
    z, fitted, y = z[ok], fitted[ok], y[ok]
    if z.size == 0:
        return 1.0, _ALPHA_BOUNDS[0], _ALPHA_BOUNDS[0]
    smear = float(np.mean(np.exp(z - fitted))) if how == "log1p" else 1.0
    alpha, delta = negbin_dispersion(y, _count_means(fitted, smear, how), powers=(0, 1),
                                     bounds=_ALPHA_BOUNDS)
    return smear, float(alpha), float(delta)


def _negbin_moments(mean: np.ndarray, var: np.ndarray, disp: np.ndarray, how: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Mean and NB2 dispersion per step of the count predictive (see the module docstring).

    Parameters
    ----------
    mean, var : ndarray of shape (h,)
        Gaussian forecast mean and variance on the model's scale, steps ``1..h``.
    disp : ndarray of shape (3,)
        The dyad's ``(smear, alpha, delta)`` (:func:`_fit_dispersion`).
    how : {"log1p", "none"}
        The transform.

    Returns
    -------
    mu, alpha_k : ndarray of shape (h,)
    """
    smear, alpha, delta = (float(v) for v in disp)
    mean = np.asarray(mean, dtype=float)
    extra = np.clip(np.asarray(var, dtype=float) - float(var[0]), 0.0, None)  # v_k - v_1
    if how == "log1p":
        level = smear * np.exp(mean + extra / 2.0)  # E[Y + 1]
        mu = np.clip(level - 1.0, _MIN_MEAN, None)
        var_level = level ** 2 * np.expm1(extra)
    else:
        mu = np.clip(mean, _MIN_MEAN, None)
        var_level = extra
    alpha_k = alpha + delta / mu + (1.0 + alpha) * var_level / mu ** 2
    return mu, np.clip(alpha_k, *_ALPHA_BOUNDS)


def _fit_trailing_link(model: Any, arrays: PanelArrays, labels: np.ndarray,
                       y: np.ndarray) -> None:
    """Set ``model.link_``: for labels without a count threshold, the logistic link fitted on
    the trailing mean over ``fallback_window`` periods times the horizon (per-dyad filtered
    forecasts at every training origin would cost one filter pass per origin and dyad);
    ``None`` for threshold labels."""
    model.link_ = None
    if model.label_.target() is None:
        trail = trailing_mean(y, model.fallback_window)
        model._fit_link(arrays, labels, trail * model.horizon_)


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


class _ForecastGrid:
    """The count grid of a Gaussian forecast model (SARIMAX, VAR) for one prediction.

    Holds the clipped target series, the largest count of the grid, and the means and pmfs
    being filled; :meth:`put` turns a Gaussian forecast (on the model's scale) of one dyad into
    its count predictive, :meth:`finish` gives the series left out the fallback forecast and
    returns the result.
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
        dispersion = getattr(model.results_, "dispersion", None)
        self.dispersion: dict[str, np.ndarray] = {} if dispersion is None else dict(
            zip(map(str, dispersion.index),
                dispersion[["smear", *_DISPERSION_NAMES]].to_numpy(dtype=float)))
        # models saved before the negative binomial predictive existed keep the Gaussian one
        self.negbin = getattr(model, "predictive", "gaussian") == "negbin" and bool(
            self.dispersion)

    def series(self, rows: int | list[int]) -> np.ndarray:
        """The target series of ``rows`` on the model's scale (log1p or counts)."""
        return _transform(self.y[rows], self.model.transform)

    def put(self, i: int, mu: np.ndarray, var: np.ndarray) -> bool:
        """Store dyad ``i``'s forecast from its Gaussian mean and variance per step, if finite."""
        if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(var))):
            return False
        var = np.clip(var, 1e-12, None)
        how = self.model.transform
        disp = self.dispersion.get(str(self.arrays.dyads[i]))
        if self.negbin and disp is not None:
            mean, alpha = _negbin_moments(mu, var, disp, how)
            self.pmf[i] = pmf_from_negbin(mean, alpha, self.kmax)
            self.means[i] = mean
        else:
            p = pmf_from_gaussian(mu, np.sqrt(var), self.kmax, log1p=how == "log1p")
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
    predictive : {"negbin", "gaussian"}, default "negbin"
        Count predictive of a fitted dyad: negative binomial around the retransformed forecast
        mean, or the discretised Gaussian forecast (see the module docstring).

    Attributes
    ----------
    results_ : DyadResults
        Per-dyad statsmodels results, the rule used for each dyad, and the smearing factors and
        dispersions of the count predictive (``results_.dispersion``).
    """

    _tags: ClassVar[dict[str, Any]] = {"has_results": True, "pooled": False}

    def __init__(self, order: tuple[int, int, int] = (1, 0, 0),
                 seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0), trend: str = "c",
                 transform: str = "log1p", target: str | None = None, min_nonzero: int = 3,
                 fallback_window: int = 12, max_count: int = 200, maxiter: int = 50,
                 predictive: str = "negbin") -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.transform = transform
        self.target = target
        self.min_nonzero = min_nonzero
        self.fallback_window = fallback_window
        self.max_count = max_count
        self.maxiter = maxiter
        self.predictive = predictive

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
        check_option(self.predictive, "predictive", self, ("negbin", "gaussian"))

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # noqa: PLC0415

        self.target_ = self._target_column(self.label_)
        y = np.clip(arrays.column(self.target_), 0, None)
        results: dict[str, Any] = {}
        rules: dict[str, str] = {}
        dispersion: dict[str, tuple[float, ...]] = {}
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
            # in-sample one-step predictions after the diffuse burn-in
            burn = int(getattr(res, "loglikelihood_burn", 0) or 0)
            dispersion[dyad] = _fit_dispersion(
                _transform(series, self.transform)[burn:],
                np.asarray(res.fittedvalues, dtype=float)[burn:], series[burn:],
                self.transform)
        self.results_ = DyadResults(results, rules, "SARIMAX per dyad "
                                    f"order={tuple(self.order)} "
                                    f"seasonal_order={tuple(self.seasonal_order)} "
                                    f"trend={self.trend!r} transform={self.transform!r}",
                                    dispersion=dispersion)
        _fit_trailing_link(self, arrays, labels, y)

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        grid = _ForecastGrid(self, arrays, horizon)
        for i, dyad in enumerate(arrays.dyads):
            res = self.results_.results.get(dyad)
            if res is None:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fc = res.apply(grid.series(i)).get_forecast(horizon)
                    mu = np.asarray(fc.predicted_mean, dtype=float)
                    var = np.asarray(fc.var_pred_mean, dtype=float)
            except (ValueError, np.linalg.LinAlgError):
                continue
            grid.put(i, mu, var)
        return grid.finish()
