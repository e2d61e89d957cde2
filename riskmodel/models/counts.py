"""Negative binomial and zero-inflated negative binomial GLMs on lagged counts (statsmodels).

Both models pool all dyads and forecast the label's target count (``quad4`` for
``"material_conflict"``, ``fatalities`` for ``"fatalities"``, else ``n_events``; or the column
given as ``target``) with the *direct* strategy: one regression per forecast step ``k = 1..h`` of
``y[t + k]`` on the history known at ``t``:

* ``log1p(y[t - j])`` for ``j = 0 .. lags - 1``;
* ``log1p`` of the dyad's trailing mean of ``y`` over ``window`` periods;
* for directed panels, ``log1p`` of the reverse direction's count at ``t`` (reciprocity).

The probability that a threshold label fires within ``(t, t + h]`` combines the per-step
predictive distributions as independent given the history (the direct strategy has no joint
distribution of the steps); the dependence between steps that this ignores makes the
probability of "at least one" slightly too high for persistent dyads.

Fits on very large panels can be restricted to the latest ``max_train_periods`` origins or a
uniform random subsample of ``max_train_rows`` rows (uniform sampling keeps the model unbiased).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.discrete.count_model import ZeroInflatedNegativeBinomialP
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from riskmodel.exceptions import ConfigurationError
from riskmodel.models.base import (
    CountForecast,
    CountModelMixin,
    ForecastModel,
    PanelArrays,
    check_int,
    pmf_from_negbin,
    trailing_mean,
)

__all__ = ["NegBinModel", "ZINBModel", "lagged_design"]


def lagged_design(arrays: PanelArrays, column: str, lags: int, window: int,
                  reciprocity: bool = True) -> tuple[np.ndarray, list[str]]:
    """History regressors at every dyad and period, shape ``(n_dyads, n_periods, p)``.

    Regressors at period ``t`` use values of periods ``<= t`` only; lags before the first
    period are 0.

    Returns
    -------
    X : ndarray
        The design (with a constant in column 0).
    names : list of str
        Column names.
    """
    y = np.clip(arrays.column(column), 0, None)
    n, t = y.shape
    cols = [np.ones((n, t))]
    names = ["const"]
    ly = np.log1p(y)
    for j in range(lags):
        lag = np.zeros((n, t))
        lag[:, j:] = ly[:, : t - j]
        cols.append(lag)
        names.append(f"log1p_{column}_lag{j}")
    cols.append(np.log1p(trailing_mean(y, window)))
    names.append(f"log1p_{column}_mean{window}")
    if reciprocity and arrays.directed:
        rev = arrays.reverse_labels()
        rv = np.where(rev[:, None] >= 0, ly[np.clip(rev, 0, None)], 0.0)
        cols.append(rv)
        names.append(f"log1p_{column}_reverse")
    return np.stack(cols, axis=2), names


def _start_params(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Poisson GLM coefficients and a moment estimate of the NB2 dispersion."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    mu = glm.mu
    alpha = float(((y - mu) ** 2 - mu).sum() / max((mu ** 2).sum(), 1e-12))
    return np.r_[glm.params, min(max(alpha, 1e-3), 50.0)]


class _LaggedCountBase(CountModelMixin, ForecastModel):
    """Shared machinery of the lagged-count GLMs (direct multi-step strategy)."""

    _tags: ClassVar[dict[str, Any]] = {"has_results": True}

    def __init__(self, lags: int = 3, window: int = 12, reciprocity: bool = True,
                 target: str | None = None, max_train_periods: int | None = None,
                 max_train_rows: int | None = None, max_count: int = 200,
                 random_state: int | None = 0) -> None:
        self.lags = lags
        self.window = window
        self.reciprocity = reciprocity
        self.target = target
        self.max_train_periods = max_train_periods
        self.max_train_rows = max_train_rows
        self.max_count = max_count
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_int(self.lags, "lags", self, min_value=1)
        check_int(self.window, "window", self, min_value=1)
        check_int(self.max_train_periods, "max_train_periods", self, min_value=1,
                  allow_none=True)
        check_int(self.max_train_rows, "max_train_rows", self, min_value=100, allow_none=True)
        check_int(self.max_count, "max_count", self, min_value=1)
        if not isinstance(self.reciprocity, bool):
            raise ConfigurationError(
                f"The 'reciprocity' parameter of {type(self).__name__} must be a bool. "
                f"Got {self.reciprocity!r} instead.")

    def _design(self, arrays: PanelArrays) -> tuple[np.ndarray, list[str]]:
        return lagged_design(arrays, self.target_, self.lags, self.window, self.reciprocity)

    def _fit_step(self, y: np.ndarray, x: np.ndarray, names: list[str], step: int) -> Any:
        raise NotImplementedError

    def _step_mean(self, k: int, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _step_pmf(self, k: int, x: np.ndarray, kmax: int) -> np.ndarray:
        raise NotImplementedError

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        self.target_ = self._target_column(self.label_)
        x_all, names = self._design(arrays)
        y_all = np.clip(np.rint(arrays.column(self.target_)), 0, None)
        n, t, _ = x_all.shape
        h = self.horizon_
        rng = np.random.default_rng(self.random_state)
        self.exog_names_ = names
        self.step_results_: list[Any] = []
        first = self.lags - 1
        for k in range(1, h + 1):
            last = t - 1 - k
            lo = first if self.max_train_periods is None else \
                max(first, last - self.max_train_periods + 1)
            if last < lo:
                raise ConfigurationError(
                    f"{type(self).__name__}: too few periods before the origin "
                    f"({t}) for lags={self.lags} and horizon={h}; need at least "
                    f"{self.lags + h + 1}.")
            x = x_all[:, lo:last + 1].reshape(-1, x_all.shape[2])
            y = y_all[:, lo + k:last + k + 1].reshape(-1)
            if self.max_train_rows is not None and len(y) > self.max_train_rows:
                keep = np.sort(rng.choice(len(y), self.max_train_rows, replace=False))
                x, y = x[keep], y[keep]
            self.step_results_.append(self._fit_step(y, x, names, k))
        self.results_ = self.step_results_[0]
        self.n_train_rows_ = int(len(y))
        if self.label_.target() is None:
            expected = np.zeros((n, t))
            for k in range(1, h + 1):
                expected += self._step_mean(k, x_all.reshape(-1, x_all.shape[2])).reshape(n, t)
            self._fit_link(arrays, labels, expected)
        else:
            self.link_ = None

    def _last_design(self, arrays: PanelArrays) -> np.ndarray:
        x_all, _ = self._design(arrays)
        return x_all[:, -1, :]

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        if horizon > self.horizon_:
            raise ConfigurationError(
                f"{type(self).__name__} was fitted for horizon {self.horizon_} (one regression "
                f"per step); got horizon={horizon}. Refit with horizon={horizon}.")
        x = self._last_design(arrays)
        means = np.column_stack([self._step_mean(k, x) for k in range(1, horizon + 1)])
        top = float(np.max(means)) if means.size else 0.0
        kmax = int(min(self.max_count, max(10, np.ceil(top + 8 * np.sqrt(top * (1 + top))))))
        pmf = np.stack([self._step_pmf(k, x, kmax) for k in range(1, horizon + 1)], axis=1)
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon), means,
                             pmf=pmf, origin=arrays.periods[-1], target=self.target_)

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        target = self.label_.target()
        if target is None:
            return self._proba_from_counts(self._predict_counts(arrays, self.horizon_))
        kk = int(np.ceil(target[1]))
        x = self._last_design(arrays)
        below = np.ones(len(arrays.dyads))
        for k in range(1, self.horizon_ + 1):
            below *= self._step_pmf(k, x, max(kk, 1))[:, :kk].sum(axis=1) if kk > 0 else 0.0
        return 1.0 - below


class NegBinModel(_LaggedCountBase):
    """Pooled NB2 regression of future counts on lagged counts (the strong simple baseline).

    Parameters
    ----------
    lags : int, default 3
        Number of lagged ``log1p`` counts.
    window : int, default 12
        Window of the trailing-mean regressor.
    reciprocity : bool, default True
        Add the reverse direction's count (directed panels).
    target : str, optional
        Panel column to model (default: the label's column, else ``n_events``).
    max_train_periods : int, optional
        Use only the latest this many training origins.
    max_train_rows : int, optional
        Fit on a uniform random subsample of at most this many rows per step.
    max_count : int, default 200
        Largest count of the predictive pmf (tail mass folded into it).
    random_state : int, optional
        Seed of the row subsample.

    Attributes
    ----------
    results_ : statsmodels NegativeBinomialResults
        The step-1 fit (``summary()``, ``params``, ``bse``, ``conf_int()``).
    step_results_ : list
        One fit per forecast step.
    exog_names_ : list of str
        Regressor names.

    Examples
    --------
    >>> model = NegBinModel(lags=2).fit(panel, horizon=3, origin="2019-12-01")  # doctest: +SKIP
    >>> model.predict_counts(panel, origin="2019-12-01").interval(0.1)  # doctest: +SKIP
    """

    def _fit_step(self, y: np.ndarray, x: np.ndarray, names: list[str], step: int) -> Any:
        if y.sum() == 0:
            return _DegenerateResults(names, step)
        model = sm.NegativeBinomial(y, pd.DataFrame(x, columns=names), loglike_method="nb2")
        # steps are close to each other: start step k from step k - 1's estimate
        previous = self.step_results_[-1] if step > 1 and self.step_results_ else None
        if previous is not None and not isinstance(previous, _DegenerateResults):
            start = np.asarray(previous.params, dtype=float)
        else:
            start = _start_params(y, x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning,
                                             RuntimeWarning))
            # Newton with the analytic NB2 Hessian converges in a few iterations from the
            # Poisson start; BFGS is the fallback
            res = None
            try:
                res = model.fit(start_params=start, method="newton", disp=0, maxiter=50)
            except (ValueError, np.linalg.LinAlgError):
                pass
            if res is None or not np.all(np.isfinite(res.params)) or res.params.iloc[-1] <= 0:
                res = model.fit(start_params=start, method="bfgs", disp=0, maxiter=300)
        return res

    def _coef(self, k: int) -> tuple[np.ndarray, float]:
        res = self.step_results_[k - 1]
        params = np.asarray(res.params, dtype=float)
        return params[:-1], float(params[-1])

    def _step_mean(self, k: int, x: np.ndarray) -> np.ndarray:
        res = self.step_results_[k - 1]
        if isinstance(res, _DegenerateResults):
            return np.zeros(len(x))
        beta, _ = self._coef(k)
        return np.exp(np.clip(x @ beta, -50, 20))

    def _step_pmf(self, k: int, x: np.ndarray, kmax: int) -> np.ndarray:
        mean = self._step_mean(k, x)
        res = self.step_results_[k - 1]
        alpha = 0.0 if isinstance(res, _DegenerateResults) else max(self._coef(k)[1], 0.0)
        return pmf_from_negbin(mean, alpha, kmax)


class ZINBModel(_LaggedCountBase):
    """Zero-inflated NB2 regression of future counts on lagged counts.

    The count part uses the lagged design of :class:`NegBinModel`; the inflation part (the
    probability of a structural zero) uses a constant, ``log1p`` of the current count and of the
    trailing mean. Parameters as for :class:`NegBinModel`.

    Attributes
    ----------
    results_ : statsmodels ZeroInflatedNegativeBinomialResults
        The step-1 fit (``summary()``, ``params``, ``bse``, ``conf_int()``).
    step_results_ : list
        One fit per forecast step.
    """

    def _infl_cols(self) -> list[int]:
        # constant, current count, trailing mean (see lagged_design's column order)
        return [0, 1, self.lags + 1]

    def _infl(self, x: np.ndarray) -> np.ndarray:
        return x[:, self._infl_cols()]

    def _infl_names(self, names: list[str]) -> list[str]:
        return [names[c] for c in self._infl_cols()]

    def _fit_step(self, y: np.ndarray, x: np.ndarray, names: list[str], step: int) -> Any:
        if y.sum() == 0:
            return _DegenerateResults(names, step)
        xi = self._infl(x)
        model = ZeroInflatedNegativeBinomialP(
            y, pd.DataFrame(x, columns=names),
            exog_infl=pd.DataFrame(xi, columns=self._infl_names(names)), p=2)
        nb_start = _start_params(y, x)
        start = np.r_[np.full(xi.shape[1], 0.0), nb_start]
        start[0] = -2.0
        # Nelder-Mead is slow but robust on this likelihood (gradient methods started far from
        # the optimum step into negative dispersion when the inflation part is weakly
        # identified); a BFGS polish from its optimum is kept when it improves the fit.
        best = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning,
                                             RuntimeWarning))
            x0 = start
            for method, maxiter in (("nm", 4000), ("bfgs", 200)):
                try:
                    res = model.fit(start_params=x0, method=method, disp=0, maxiter=maxiter)
                except (ValueError, np.linalg.LinAlgError):
                    continue
                params = np.asarray(res.params, dtype=float)
                if not (np.all(np.isfinite(params)) and np.isfinite(res.llf)
                        and params[-1] > 0):
                    continue
                if best is None or res.llf >= best.llf - 1e-9:
                    best = res
                    x0 = params
        if best is None:
            raise ConfigurationError(
                f"ZINBModel: the zero-inflated negative binomial fit for step {step} failed "
                "with every optimiser (Nelder-Mead, Newton); the data may have too few non-zero "
                "counts. Use NegBinModel instead.")
        return best

    def _parts(self, k: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        res = self.step_results_[k - 1]
        if isinstance(res, _DegenerateResults):
            return np.ones(len(x)), np.zeros(len(x)), 0.0
        params = np.asarray(res.params, dtype=float)
        xi = self._infl(x)
        ni = xi.shape[1]
        gamma, beta, alpha = params[:ni], params[ni:-1], float(params[-1])
        pi = 1.0 / (1.0 + np.exp(-np.clip(xi @ gamma, -50, 50)))
        mu = np.exp(np.clip(x @ beta, -50, 20))
        return pi, mu, max(alpha, 0.0)

    def _step_mean(self, k: int, x: np.ndarray) -> np.ndarray:
        pi, mu, _ = self._parts(k, x)
        return (1.0 - pi) * mu

    def _step_pmf(self, k: int, x: np.ndarray, kmax: int) -> np.ndarray:
        pi, mu, alpha = self._parts(k, x)
        pmf = pmf_from_negbin(mu, alpha, kmax) * (1.0 - pi)[:, None]
        pmf[:, 0] += pi
        return pmf


class _DegenerateResults:
    """Stand-in results when the training target is all zeros: the forecast is a point mass at
    zero. Has the statsmodels results attributes used downstream."""

    def __init__(self, names: list[str], step: int) -> None:
        self.params = pd.Series(np.zeros(len(names) + 1), index=[*names, "alpha"])
        self.bse = pd.Series(np.full(len(names) + 1, np.nan), index=self.params.index)
        self.step = step

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        return pd.DataFrame({0: self.params * np.nan, 1: self.params * np.nan})

    def summary(self) -> str:
        return (f"Step {self.step}: the training target is all zeros; the forecast is a point "
                "mass at 0 (no regression fitted).")

