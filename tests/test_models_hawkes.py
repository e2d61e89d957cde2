"""Discrete-time Hawkes model: likelihood, estimation, forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _model_panels import make_panel
from scipy.optimize import approx_fprime

from riskmodel.models import HawkesModel, fit_hawkes
from riskmodel.models.hawkes import hawkes_loglik


def _simulate(mu, alpha, beta, periods, seed=0):
    rng = np.random.default_rng(seed)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    alpha = np.atleast_2d(np.asarray(alpha, dtype=float))
    m = len(mu)
    counts = np.zeros((m, periods))
    r = np.zeros(m)
    for t in range(periods):
        counts[:, t] = rng.poisson(mu + alpha @ r)
        r = counts[:, t] + np.exp(-beta) * r
    return counts


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    counts = rng.poisson(1.0, size=(3, 2, 40)).astype(float)
    x = np.array([0.3, 0.2, 0.1, 0.05, 0.02, 0.3, 0.8])
    _, grad = hawkes_loglik(x, counts, 1, gradient=True)
    numeric = approx_fprime(x, lambda z: hawkes_loglik(z, counts, 1), 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-3)


def test_loglik_matches_direct_poisson_computation():
    from scipy import special, stats

    counts = _simulate(0.4, 0.3, 0.9, 60, seed=2)[None]
    x = np.array([0.4, 0.3, 0.9])
    lam = np.zeros(60)
    r = 0.0
    for t in range(60):
        lam[t] = 0.4 + 0.3 * r
        r = counts[0, 0, t] + np.exp(-0.9) * r
    direct = np.sum(stats.poisson.logpmf(counts[0, 0, 1:], lam[1:]))
    log_factorials = np.sum(special.gammaln(counts[0, 0, 1:] + 1))
    assert hawkes_loglik(x, counts, 1) - log_factorials == pytest.approx(direct)
    assert fit_hawkes(counts).llf >= direct - 1e-6


def test_univariate_parameters_are_recovered():
    counts = _simulate(0.3, 0.4, 0.7, 3000, seed=1)[None]
    res = fit_hawkes(counts)
    est = res.params
    ci = res.conf_int()
    for name, true in (("mu[1]", 0.3), ("alpha[1<-1]", 0.4), ("beta", 0.7)):
        assert ci.loc[name, 0] - 0.03 <= true <= ci.loc[name, 1] + 0.03, (name, est[name])
    assert res.branching_ratio == pytest.approx(0.4 / (1 - np.exp(-0.7)), rel=0.1)
    assert "Branching ratio" in res.summary()


def test_bivariate_cross_excitation_is_recovered():
    alpha = np.array([[0.2, 0.3], [0.05, 0.25]])
    counts = _simulate([0.2, 0.3], alpha, 0.8, 4000, seed=5)[None]
    res = fit_hawkes(counts)
    np.testing.assert_allclose(res.alpha, alpha, atol=0.08)
    assert res.alpha[0, 1] > res.alpha[1, 0]


@pytest.fixture(scope="module")
def panel():
    return make_panel(n_states=4, n_periods=48, seed=4)


def test_exact_probability_agrees_with_simulation(panel):
    origin = panel.periods[-4]
    model = HawkesModel(n_samples=20000, random_state=0).fit(panel, horizon=3, origin=origin)
    exact = model.predict_proba(panel, origin=origin)
    simulated = model.predict_counts(panel, origin=origin).prob_any(1)
    np.testing.assert_allclose(exact.to_numpy(), simulated.to_numpy(), atol=0.02)


def test_intensity_and_prob_at_least(panel):
    origin = panel.periods[-4]
    model = HawkesModel(n_samples=5000, random_state=1).fit(panel, horizon=3, origin=origin)
    intensity = model.predict_intensity(panel, origin=origin)
    assert intensity.shape == (len(panel.dyads), 3)
    assert (intensity.to_numpy() > 0).all()
    fc = model.predict_counts(panel, origin=origin)
    # the simulated mean count matches the expected intensity
    np.testing.assert_allclose(fc.samples_.mean(axis=2), intensity.to_numpy(), rtol=0.15,
                               atol=0.05)
    p1 = model.prob_at_least(panel, origin=origin, k=1)
    p3 = model.prob_at_least(panel, origin=origin, k=3)
    assert (p3 <= p1 + 1e-12).all()
    assert model.prob_at_least(panel, origin=origin, k=0).eq(1.0).all()


def test_bivariate_model_and_pooling(panel):
    origin = panel.periods[-4]
    bi = HawkesModel(kind="bivariate", n_samples=500).fit(panel, horizon=2, origin=origin)
    assert bi.results_.m == 2
    assert {"alpha_cross", "own_fit"} <= set(bi.series_params_.columns)
    pooled = HawkesModel(pooling="pooled").fit(panel, horizon=2, origin=origin)
    assert not pooled.series_params_["own_fit"].any()
    quiet = panel.dyads[-1]
    # the all-zero dyad gets the pooled parameters
    assert not HawkesModel().fit(panel, horizon=2, origin=origin).series_params_.loc[
        quiet, "own_fit"]


def test_seeded_simulation_is_reproducible(panel):
    origin = panel.periods[-4]
    a = HawkesModel(random_state=7, n_samples=300).fit(panel, horizon=2, origin=origin)
    b = HawkesModel(random_state=7, n_samples=300).fit(panel, horizon=2, origin=origin)
    np.testing.assert_array_equal(a.predict_counts(panel, origin=origin).samples_,
                                  b.predict_counts(panel, origin=origin).samples_)
    assert isinstance(a.predict_proba(panel, origin=origin), pd.Series)
