"""Self-exciting (Hawkes) count model with an exponential kernel, in discrete time.

Events in the panel are stamped by period (day, week or month), so many events share a time
stamp. A continuous-time Hawkes likelihood cannot take ties (simultaneous events would excite
each other at lag zero), so the model is formulated in discrete time: the counts of period
``t`` are Poisson given the past, and events excite only *later* periods,

.. math::

    N_i(t) \\mid \\mathcal{H}_{t-1} \\sim \\operatorname{Poisson}(\\lambda_i(t)), \\qquad
    \\lambda_i(t) = \\mu_i + \\sum_j \\alpha_{ij} R_j(t), \\qquad
    R_j(t) = \\sum_{s < t} e^{-\\beta (t - 1 - s)} N_j(s),

so ``R_j(t) = N_j(t - 1) + e^{-\\beta} R_j(t - 1)``: an event excites the next period with
weight ``alpha`` and each later period with a further factor ``e^{-beta}``. This is the
exponential kernel integrated over periods; ties within a period are treated as simultaneous
and do not excite each other. The branching matrix ``alpha / (1 - e^{-beta})`` gives the
expected number of direct offspring per event; the process is stationary when its spectral
radius is below 1.

Univariate models use one dyad's counts (``i = j``); bivariate models use both directions of a
state pair (``"A>B"`` and ``"B>A"``), so that ``alpha_ij`` measures how one side's actions
excite the other's (reciprocity). Parameters are estimated by maximum likelihood (L-BFGS-B with
the analytic gradient, from :mod:`scipy.optimize`); standard errors come from the inverse of the
numerical Hessian of the log-likelihood (not reported for parameters on the boundary, e.g.
``alpha = 0``). The first ``burn_in`` periods of each series enter the state ``R`` but not the
likelihood, since events before the panel are unknown.

Forecasts: the expected intensity over the next periods follows a linear recursion
(:meth:`HawkesModel.predict_intensity`); the predictive distribution of counts, including the
probability of at least ``k`` events over the horizon, is simulated from the fitted process
(:meth:`HawkesModel.predict_counts`, :meth:`HawkesModel.prob_at_least`). For a univariate series
the probability of at least one event is also exact: with no events the intensity path is
deterministic, so ``P(no event) = exp(-sum of that path)``.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, signal, stats

from riskmodel.exceptions import ConfigurationError
from riskmodel.models.base import (
    CountForecast,
    CountModelMixin,
    ForecastModel,
    PanelArrays,
    check_int,
    check_option,
)

__all__ = ["HawkesModel", "HawkesResults", "hawkes_loglik", "fit_hawkes"]

_BETA_BOUNDS = (1e-3, 20.0)
_MU_MIN = 1e-8


def _unpack(x: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, float]:
    mu = x[:m]
    a = x[m:m + m * m].reshape(m, m)
    beta = float(x[-1])
    return mu, a, beta


def _state(counts: np.ndarray, beta: float, with_derivative: bool = False
           ) -> tuple[np.ndarray, np.ndarray | None]:
    """``R(t)`` (and ``dR/dbeta``) for counts of shape ``(S, m, T)``; ``R(0) = 0``."""
    decay = np.exp(-beta)
    # R(t) = N(t-1) + decay R(t-1) and dR/dbeta(t) = decay (D(t-1) - R(t-1)) are first-order
    # recursive filters along the time axis.
    r = signal.lfilter([0.0, 1.0], [1.0, -decay], counts, axis=2)
    d = signal.lfilter([0.0, -decay], [1.0, -decay], r, axis=2) if with_derivative else None
    return r, d


def hawkes_loglik(x: np.ndarray, counts: np.ndarray, burn_in: int = 1,
                  gradient: bool = False) -> Any:
    """Poisson log-likelihood (without the ``log N!`` constant) of the discrete-time Hawkes model.

    Parameters
    ----------
    x : ndarray
        ``[mu (m), alpha (m*m, row-major: alpha[i, j] excites i from j), beta]``.
    counts : ndarray of shape (S, m, T)
        ``S`` independent series of ``m`` dimensions sharing the parameters.
    burn_in : int, default 1
        Periods at the start of each series left out of the likelihood.
    gradient : bool, default False
        Also return the gradient.

    Returns
    -------
    float or (float, ndarray)
    """
    m = counts.shape[1]
    mu, a, beta = _unpack(np.asarray(x, dtype=float), m)
    r, d = _state(counts, beta, with_derivative=gradient)
    lam = mu[None, :, None] + np.einsum("ij,sjt->sit", a, r)
    lam = np.clip(lam, 1e-300, None)
    n = counts[:, :, burn_in:]
    lam_b = lam[:, :, burn_in:]
    ll = float(np.sum(n * np.log(lam_b) - lam_b))
    if not gradient:
        return ll
    w = n / lam_b - 1.0  # (S, m, T')
    g_mu = w.sum(axis=(0, 2))
    g_a = np.einsum("sit,sjt->ij", w, r[:, :, burn_in:])
    assert d is not None
    g_beta = float(np.einsum("sit,ij,sjt->", w, a, d[:, :, burn_in:]))
    return ll, np.concatenate([g_mu, g_a.ravel(), [g_beta]])


def _param_names(m: int, dims: tuple[str, ...] | None = None) -> list[str]:
    dims = dims or tuple(str(i + 1) for i in range(m))
    names = [f"mu[{dims[i]}]" for i in range(m)]
    names += [f"alpha[{dims[i]}<-{dims[j]}]" for i in range(m) for j in range(m)]
    return [*names, "beta"]


def _start(counts: np.ndarray, burn_in: int) -> list[np.ndarray]:
    m = counts.shape[1]
    mean = np.clip(counts[:, :, burn_in:].mean(axis=(0, 2)), 1e-3, None)
    starts = []
    for frac, beta in ((0.5, 0.7), (0.2, 2.0), (0.8, 0.2)):
        a = np.full((m, m), 0.0)
        np.fill_diagonal(a, frac * (1 - np.exp(-beta)))
        if m > 1:
            a[~np.eye(m, dtype=bool)] = 0.05 * (1 - np.exp(-beta))
        starts.append(np.concatenate([mean * (1 - frac), a.ravel(), [beta]]))
    return starts


def fit_hawkes(counts: np.ndarray, *, burn_in: int = 1, maxiter: int = 500,
               dims: tuple[str, ...] | None = None,
               start: list[np.ndarray] | None = None) -> HawkesResults:
    """Maximum-likelihood fit of the discrete-time Hawkes model to ``S`` series.

    Parameters
    ----------
    counts : ndarray of shape (S, m, T)
        Non-negative counts; all series share the parameters.
    burn_in : int, default 1
        Periods left out of the likelihood at the start of each series.
    maxiter : int, default 500
        L-BFGS-B iteration limit.
    dims : tuple of str, optional
        Names of the ``m`` dimensions (for parameter names).
    start : list of ndarray, optional
        Starting points (the best optimum is kept); default: three spread-out guesses.

    Returns
    -------
    HawkesResults
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 3:
        raise ConfigurationError(f"fit_hawkes expects counts of shape (S, m, T); got "
                                 f"{counts.shape}.")
    s, m, t = counts.shape
    if t <= burn_in + 1:
        raise ConfigurationError(f"fit_hawkes: {t} periods are too few for burn_in={burn_in}.")
    total = max(float(counts[:, :, burn_in:].sum()), 1.0)
    bounds = [(_MU_MIN, None)] * m + [(0.0, None)] * (m * m) + [_BETA_BOUNDS]

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = hawkes_loglik(x, counts, burn_in, gradient=True)
        return -ll / total, -g / total

    best = None
    for x0 in (start if start is not None else _start(counts, burn_in)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = optimize.minimize(objective, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                                    options={"maxiter": maxiter})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    x = best.x
    return HawkesResults(x, counts, burn_in=burn_in, converged=bool(best.success),
                         message=str(best.message), names=_param_names(m, dims))


class HawkesResults:
    """Results of a discrete-time Hawkes fit (statsmodels-style).

    Attributes
    ----------
    params : Series
        ``mu[i]``, ``alpha[i<-j]``, ``beta``.
    bse : Series
        Standard errors from the inverse numerical Hessian (NaN on the boundary).
    llf : float
        Maximised log-likelihood (Poisson, with the ``log N!`` constant).
    aic, bic : float
    nobs : int
        Number of series-period observations in the likelihood.
    branching_ratio : float
        Spectral radius of ``alpha / (1 - exp(-beta))``; below 1 the process is stationary.
    converged : bool
    """

    def __init__(self, x: np.ndarray, counts: np.ndarray, *, burn_in: int, converged: bool,
                 message: str, names: list[str]) -> None:
        s, m, t = counts.shape
        self.m = m
        self.params = pd.Series(np.asarray(x, dtype=float), index=names, name="params")
        self.burn_in = burn_in
        self.converged = converged
        self.message = message
        self.n_series = s
        self.nobs = int(s * m * (t - burn_in))
        # -sum(log N!): the Poisson log-pmf at mean 1 is -1 - log N!
        const = float(np.sum(stats.poisson.logpmf(counts[:, :, burn_in:], 1.0) + 1.0))
        self.llf = hawkes_loglik(x, counts, burn_in) + const
        k = len(x)
        self.aic = 2 * k - 2 * self.llf
        self.bic = k * np.log(max(self.nobs, 1)) - 2 * self.llf
        self.bse = pd.Series(self._standard_errors(x, counts), index=names, name="bse")

    def _standard_errors(self, x: np.ndarray, counts: np.ndarray) -> np.ndarray:
        k = len(x)
        lower = np.r_[np.full(self.m, _MU_MIN), np.zeros(self.m * self.m), _BETA_BOUNDS[0]]
        upper = np.r_[np.full(k - 1, np.inf), _BETA_BOUNDS[1]]
        finite_upper = np.where(np.isfinite(upper), upper, np.inf)
        interior = (x > lower + 1e-6 * (1 + np.abs(lower))) & \
            (x < finite_upper - 1e-6 * np.where(np.isfinite(upper), upper, 0.0))
        out = np.full(k, np.nan)
        idx = np.nonzero(interior)[0]
        if len(idx) == 0:
            return out
        h = np.zeros((len(idx), len(idx)))
        for a, i in enumerate(idx):
            step = 1e-5 * max(abs(x[i]), 1e-3)
            xp, xm = x.copy(), x.copy()
            xp[i] += step
            xm[i] -= step
            gp = hawkes_loglik(xp, counts, self.burn_in, gradient=True)[1]
            gm = hawkes_loglik(xm, counts, self.burn_in, gradient=True)[1]
            h[a] = (gp[idx] - gm[idx]) / (2 * step)
        h = 0.5 * (h + h.T)
        try:
            cov = np.linalg.inv(-h)
        except np.linalg.LinAlgError:
            return out
        var = np.diag(cov)
        out[idx] = np.where(var > 0, np.sqrt(np.abs(var)), np.nan)
        return out

    @property
    def mu(self) -> np.ndarray:
        """Background rates."""
        return self.params.to_numpy()[: self.m]

    @property
    def alpha(self) -> np.ndarray:
        """Excitation matrix ``alpha[i, j]`` (``j`` excites ``i``)."""
        return self.params.to_numpy()[self.m:self.m + self.m * self.m].reshape(self.m, self.m)

    @property
    def beta(self) -> float:
        """Decay per period."""
        return float(self.params.iloc[-1])

    @property
    def branching_ratio(self) -> float:
        """Spectral radius of the branching matrix ``alpha / (1 - exp(-beta))``."""
        g = self.alpha / (1.0 - np.exp(-self.beta))
        return float(np.max(np.abs(np.linalg.eigvals(g))))

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald confidence intervals (NaN where the standard error is not available)."""
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({0: self.params - z * self.bse, 1: self.params + z * self.bse})

    def summary(self) -> str:
        """A text table of the estimates, standard errors and fit statistics."""
        ci = self.conf_int()
        lines = [
            "Discrete-time Hawkes process (exponential kernel), maximum likelihood",
            "=" * 72,
            f"Series: {self.n_series:>8}   Dimensions: {self.m}   Observations: {self.nobs}",
            f"Log-likelihood: {self.llf:12.3f}   AIC: {self.aic:12.3f}   BIC: {self.bic:12.3f}",
            f"Branching ratio: {self.branching_ratio:8.4f}   Converged: {self.converged}",
            "-" * 72,
            f"{'':<22}{'coef':>10}{'std err':>10}{'[0.025':>12}{'0.975]':>12}",
        ]
        for name in self.params.index:
            lines.append(f"{name:<22}{self.params[name]:>10.4f}{self.bse[name]:>10.4f}"
                         f"{ci.loc[name, 0]:>12.4f}{ci.loc[name, 1]:>12.4f}")
        lines.append("=" * 72)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"HawkesResults(m={self.m}, llf={self.llf:.3f}, "
                f"branching_ratio={self.branching_ratio:.3f})")


class HawkesModel(CountModelMixin, ForecastModel):
    """Discrete-time Hawkes process per dyad (univariate) or per state pair (bivariate).

    Parameters
    ----------
    kind : {"univariate", "bivariate"}, default "univariate"
        One series per dyad, or the two directions of each pair jointly (directed panels; a dyad
        whose reverse is not in the panel is modelled alone).
    pooling : {"dyad", "pooled"}, default "dyad"
        Parameters per dyad/pair (series with fewer than ``min_events`` events use the pooled
        estimate), or one set shared by all.
    min_events : int, default 10
        Events a series needs for its own fit under ``pooling="dyad"``.
    target : str, optional
        Panel column to model (default: the label's column, else ``n_events``).
    burn_in : int, default 1
        Periods left out of the likelihood at the start of each series.
    n_samples : int, default 2000
        Simulated paths per dyad for the predictive distribution.
    random_state : int, optional
        Seed of the simulation.

    Attributes
    ----------
    results_ : HawkesResults
        The pooled fit (``summary()``, ``params``, ``bse``, ``conf_int()``).
    series_params_ : DataFrame
        Parameters of each series (dyad or pair), with ``own_fit`` telling which ones were fitted
        on their own data.
    """

    _tags: ClassVar[dict[str, Any]] = {"stochastic": True, "has_results": True,
                                       "pooled": False}

    def __init__(self, kind: str = "univariate", pooling: str = "dyad", min_events: int = 10,
                 target: str | None = None, burn_in: int = 1, n_samples: int = 2000,
                 random_state: int | None = 0) -> None:
        self.kind = kind
        self.pooling = pooling
        self.min_events = min_events
        self.target = target
        self.burn_in = burn_in
        self.n_samples = n_samples
        self.random_state = random_state

    def _validate_params(self) -> None:
        check_option(self.kind, "kind", self, ("univariate", "bivariate"))
        check_option(self.pooling, "pooling", self, ("dyad", "pooled"))
        check_int(self.min_events, "min_events", self, min_value=1)
        check_int(self.burn_in, "burn_in", self, min_value=1)
        check_int(self.n_samples, "n_samples", self, min_value=10)

    # -- series layout
    def _series(self, arrays: PanelArrays) -> list[tuple[int, ...]]:
        """Groups of dyad positions: singletons, or (A>B, B>A) pairs."""
        n = len(arrays.dyads)
        if self.kind == "univariate" or not arrays.directed:
            return [(i,) for i in range(n)]
        return arrays.pair_groups()

    def _fit(self, arrays: PanelArrays, labels: np.ndarray, fires: np.ndarray) -> None:
        if self.kind == "bivariate" and arrays.directed is False:
            raise ConfigurationError(
                "HawkesModel(kind='bivariate') needs a directed panel (both directions of a "
                "pair); build the panel with directed=True or use kind='univariate'.")
        self.target_ = self._target_column(self.label_)
        y = np.clip(np.rint(arrays.column(self.target_)), 0, None)
        groups = self._series(arrays)
        self.groups_ = groups
        by_size: dict[int, list[tuple[int, ...]]] = {}
        for g in groups:
            by_size.setdefault(len(g), []).append(g)
        pooled: dict[int, HawkesResults] = {}
        for size, gs in by_size.items():
            counts = np.stack([y[list(g)] for g in gs])
            pooled[size] = fit_hawkes(counts, burn_in=self.burn_in)
        self.pooled_results_ = pooled
        self.results_ = pooled[max(pooled)] if self.kind == "bivariate" else pooled[1]
        rows = []
        params: dict[tuple[int, ...], np.ndarray] = {}
        for g in groups:
            own = False
            x = pooled[len(g)].params.to_numpy()
            if self.pooling == "dyad" and y[list(g), self.burn_in:].sum() >= self.min_events:
                res = fit_hawkes(y[list(g)][None], burn_in=self.burn_in,
                                 start=[np.maximum(x, 1e-3)])
                if np.all(np.isfinite(res.params)):
                    x, own = res.params.to_numpy(), True
            params[g] = x
            m = len(g)
            mu, a, beta = _unpack(x, m)
            for k, i in enumerate(g):
                rows.append({"dyad": arrays.dyads[i], "series": "|".join(
                    str(arrays.dyads[j]) for j in g), "mu": mu[k], "alpha_self": a[k, k],
                    "alpha_cross": a[k, 1 - k] if m == 2 else 0.0, "beta": beta,
                    "own_fit": own})
        self.group_params_ = params
        self.series_params_ = pd.DataFrame(rows).set_index("dyad")
        self.link_ = None
        if self.label_.target() is None:
            self._fit_link_from_history(arrays, labels, y)

    def _fit_link_from_history(self, arrays: PanelArrays, labels: np.ndarray,
                               y: np.ndarray) -> None:
        """Expected window counts at every training origin, for the logistic link."""
        expected = np.zeros_like(y)
        for g, x in self.group_params_.items():
            m = len(g)
            mu, a, beta = _unpack(x, m)
            r, _ = _state(y[list(g)][None], beta)
            decay = np.exp(-beta)
            rr = np.concatenate([r[0, :, 1:], (y[list(g), -1] + decay * r[0, :, -1])[:, None]],
                                axis=1)  # R(t+1) for every t
            total = np.zeros_like(rr)
            state = rr.copy()
            for _ in range(self.horizon_):
                lam = mu[:, None] + a @ state
                total += lam
                state = lam + decay * state
            expected[list(g)] = total
        self._fit_link(arrays, labels, expected)

    # -- forecasting
    def _paths(self, arrays: PanelArrays, horizon: int, simulate: bool
               ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Expected intensities ``(n, h)``, simulated counts ``(n, h, S)`` and the
        no-event probability of each dyad (exact for univariate series)."""
        y = np.clip(np.rint(arrays.column(self.target_)), 0, None)
        n = len(arrays.dyads)
        groups = self._series(arrays)
        rng = np.random.default_rng(self.random_state)
        expected = np.zeros((n, horizon))
        p_none = np.ones(n)
        samples = np.zeros((n, horizon, self.n_samples), dtype=np.int64) if simulate else None
        fitted_groups = {tuple(self.dyads_[i] for i in g): x
                         for g, x in self.group_params_.items()}
        for g in groups:
            key = tuple(arrays.dyads[i] for i in g)
            x = fitted_groups.get(key)
            if x is None:
                x = self._fallback_params(len(g))
            m = len(g)
            mu, a, beta = _unpack(x, m)
            decay = np.exp(-beta)
            r, _ = _state(y[list(g)][None], beta)
            state = y[list(g), -1] + decay * r[0, :, -1]  # R at the first forecast period
            s = state.copy()
            quiet = state.copy()
            sum_quiet = np.zeros(m)
            for k in range(horizon):
                lam = mu + a @ s
                expected[list(g), k] = lam
                s = lam + decay * s
                lq = mu + a @ quiet
                sum_quiet += lq
                quiet = decay * quiet
            if m == 1:
                p_none[g[0]] = np.exp(-sum_quiet[0])
            if simulate:
                st = np.repeat(state[:, None], self.n_samples, axis=1)  # (m, S)
                for k in range(horizon):
                    lam = np.clip(mu[:, None] + a @ st, 0, 1e9)
                    draw = rng.poisson(lam)
                    samples[list(g), k] = draw
                    st = draw + decay * st
        if simulate:
            assert samples is not None
            for g in groups:
                if len(g) == 2:
                    p_none[list(g)] = (samples[list(g)].sum(axis=1) == 0).mean(axis=1)
        return expected, samples, p_none

    def _fallback_params(self, m: int) -> np.ndarray:
        """Pooled parameters for a series not seen in fitting (or grouped differently)."""
        if m in self.pooled_results_:
            return self.pooled_results_[m].params.to_numpy()
        res = next(iter(self.pooled_results_.values()))
        mu0, a0, beta = float(res.mu[0]), float(res.alpha[0, 0]), res.beta
        return np.r_[np.full(m, mu0), (a0 * np.eye(m)).ravel(), beta]

    def predict_intensity(self, panel: Any, *, origin: Any, horizon: int | None = None
                          ) -> pd.DataFrame:
        """Expected intensity (events per period) of each dyad over the next periods.

        Returns
        -------
        DataFrame
            Dyads x forecast periods.
        """
        arrays = self._prepare_predict(panel, origin)
        horizon = self.horizon_ if horizon is None else check_int(horizon, "horizon", self,
                                                                  min_value=1)
        expected, _, _ = self._paths(arrays, horizon, simulate=False)
        return pd.DataFrame(expected, index=arrays.dyads,
                            columns=self._future_periods(arrays, horizon))

    def prob_at_least(self, panel: Any, *, origin: Any, k: int = 1,
                      horizon: int | None = None) -> pd.Series:
        """P(at least ``k`` events over the next ``horizon`` periods) per dyad.

        Exact for ``k = 1`` and univariate series; simulated otherwise.
        """
        k = check_int(k, "k", self, min_value=0)
        arrays = self._prepare_predict(panel, origin)
        horizon = self.horizon_ if horizon is None else check_int(horizon, "horizon", self,
                                                                  min_value=1)
        _, samples, p_none = self._paths(arrays, horizon, simulate=k != 1 or
                                         self.kind == "bivariate")
        if k == 1:
            p = 1.0 - p_none
        else:
            assert samples is not None
            p = (samples.sum(axis=1) >= k).mean(axis=1)
        return pd.Series(np.clip(p, 0.0, 1.0), index=arrays.dyads, name="probability")

    def _predict_counts(self, arrays: PanelArrays, horizon: int) -> CountForecast:
        expected, samples, _ = self._paths(arrays, horizon, simulate=True)
        return CountForecast(arrays.dyads, self._future_periods(arrays, horizon), expected,
                             samples=samples, origin=arrays.periods[-1], target=self.target_)

    def _predict_proba(self, arrays: PanelArrays) -> np.ndarray:
        target = self.label_.target()
        if target is not None and np.ceil(target[1]) <= 1:
            simulate = self.kind == "bivariate"
            _, _, p_none = self._paths(arrays, self.horizon_, simulate=simulate)
            return 1.0 - p_none
        return self._proba_from_counts(self._predict_counts(arrays, self.horizon_))
