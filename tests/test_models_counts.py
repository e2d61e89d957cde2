"""Count models: NB/ZINB GLMs on lagged counts, SARIMAX per dyad, VAR per pair, baselines'
count forecasts, and the CountForecast container."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from _model_panels import make_panel

from riskmodel.exceptions import ConfigurationError
from riskmodel.models import (
    ConflictologyBaseline,
    CountForecast,
    NegBinModel,
    SarimaxModel,
    VarModel,
    ZINBModel,
)
from riskmodel.models.arima import _negbin_moments
from riskmodel.models.base import (
    PanelArrays,
    negbin_dispersion,
    pmf_from_gaussian,
    pmf_from_negbin,
)
from riskmodel.models.counts import lagged_design


@pytest.fixture(scope="module")
def panel():
    return make_panel(n_states=4, n_periods=48, seed=2)


def test_lagged_design_uses_only_the_past(panel):
    arrays = PanelArrays(panel)
    x, names = lagged_design(arrays, "quad4", lags=2, window=3)
    y = arrays.column("quad4")
    assert names[:3] == ["const", "log1p_quad4_lag0", "log1p_quad4_lag1"]
    np.testing.assert_allclose(x[:, 5, 1], np.log1p(y[:, 5]))
    np.testing.assert_allclose(x[:, 5, 2], np.log1p(y[:, 4]))
    np.testing.assert_allclose(x[:, 5, 3], np.log1p(y[:, 3:6].mean(axis=1)))
    rev = arrays.reverse_labels()
    np.testing.assert_allclose(x[:, 5, 4], np.log1p(y[rev, 5]))


def test_negbin_step_one_equals_statsmodels_on_the_same_rows(panel):
    origin = panel.periods[-6]
    model = NegBinModel(lags=1, window=6, reciprocity=False).fit(panel, horizon=1,
                                                                 origin=origin)
    arrays = PanelArrays(panel).truncated(origin)
    x, names = lagged_design(arrays, "quad4", 1, 6, reciprocity=False)
    y = arrays.column("quad4")
    xx = x[:, :-1].reshape(-1, x.shape[2])
    yy = y[:, 1:].reshape(-1)
    ref = sm.NegativeBinomial(yy, xx).fit(disp=0, maxiter=200)
    np.testing.assert_allclose(model.results_.params.to_numpy(), ref.params, rtol=1e-3,
                               atol=1e-4)
    assert "NegativeBinomial" in str(model.results_.summary())


def test_negbin_direct_steps_and_horizon_limit(panel):
    origin = panel.periods[-6]
    model = NegBinModel(lags=2).fit(panel, horizon=3, origin=origin)
    assert len(model.step_results_) == 3
    fc = model.predict_counts(panel, origin=origin, horizon=2)
    assert fc.horizon == 2
    with pytest.raises(ConfigurationError, match="fitted for horizon 3"):
        model.predict_counts(panel, origin=origin, horizon=5)


def test_negbin_subsampling_and_train_window(panel):
    origin = panel.periods[-6]
    small = NegBinModel(max_train_rows=150, random_state=1).fit(panel, horizon=1,
                                                                origin=origin)
    assert small.n_train_rows_ == 150
    recent = NegBinModel(max_train_periods=10).fit(panel, horizon=1, origin=origin)
    assert recent.n_train_rows_ == 10 * len(panel.dyads)


def test_negbin_pmf_matches_scipy():
    from scipy import stats

    mean = np.array([0.5, 2.0, 7.0])
    pmf = pmf_from_negbin(mean, 0.4, 60)
    size = 1 / 0.4
    np.testing.assert_allclose(pmf[:, :10], stats.nbinom.pmf(np.arange(10), size,
                                                             size / (size + mean[:, None])))
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0)
    np.testing.assert_allclose(pmf @ np.arange(61), mean, rtol=1e-3)


def test_gaussian_discretisation():
    pmf = pmf_from_gaussian(np.array([np.log1p(3.0)]), np.array([1e-4]), 20)
    assert pmf.argmax() == 3 and pmf[0, 3] == pytest.approx(1.0)
    wide = pmf_from_gaussian(np.array([0.0]), np.array([2.0]), 20)
    assert wide.sum() == pytest.approx(1.0)


def test_zinb_has_inflation_part(panel):
    origin = panel.periods[-6]
    model = ZINBModel(lags=1).fit(panel, horizon=1, origin=origin)
    names = list(model.results_.params.index)
    assert names[0].startswith("inflate_")
    assert model.results_.params.iloc[-1] > 0  # dispersion
    fc = model.predict_counts(panel, origin=origin)
    np.testing.assert_allclose(fc.pmf_.sum(axis=2), 1.0)
    np.testing.assert_allclose(fc.mean_[:, 0], fc.pmf_[:, 0] @ np.arange(fc.pmf_.shape[2]),
                               rtol=0.02, atol=1e-3)


def test_sarimax_fallbacks_and_reapplication(panel):
    origin = panel.periods[-6]
    model = SarimaxModel().fit(panel, horizon=2, origin=origin)
    rules = model.results_.fallbacks
    assert rules[panel.dyads[-1]] == "zeros"
    assert set(rules) <= {"fit", "zeros", "sparse", "constant", "failed"}
    assert (rules == "fit").sum() >= 5
    y = PanelArrays(panel).truncated(origin).column("quad4")
    for i, dyad in enumerate(panel.dyads):
        assert (rules[dyad] == "zeros") == (y[i].sum() == 0)
    assert "SARIMAX per dyad" in model.results_.summary()
    assert {"intercept", "ar.L1", "sigma2"} <= set(model.results_.params.columns)
    # later origins re-filter on the newer data without refitting
    a = model.predict_counts(panel, origin=origin)
    b = model.predict_counts(panel, origin=panel.periods[-3])
    assert not np.allclose(a.mean_, b.mean_)


def test_var_pairs_and_fallbacks(panel):
    origin = panel.periods[-6]
    model = VarModel(lags=1).fit(panel, horizon=2, origin=origin)
    keys = list(model.results_.results)
    assert all("|" in k for k in keys)
    first = model.results_.results[keys[0]]
    assert first.k_ar == 1
    assert model.results_.fallbacks[panel.dyads[-1]] == "sparse"
    ci = model.results_.conf_int()
    assert ci.shape[0] == len(keys)


def test_conflictology_counts_are_the_empirical_distribution(panel):
    origin = panel.periods[-6]
    model = ConflictologyBaseline(window=12).fit(panel, horizon=2, origin=origin)
    fc = model.predict_counts(panel, origin=origin)
    y = PanelArrays(panel).truncated(origin).column("quad4")[:, -12:].astype(int)
    for i in range(3):
        counts = np.bincount(y[i], minlength=fc.pmf_.shape[2]) / 12
        np.testing.assert_allclose(fc.pmf_[i, 0], counts)


def test_count_forecast_container():
    pmf = np.zeros((2, 2, 4))
    pmf[0, :, 0] = 1.0
    pmf[1, :, :] = 0.25
    fc = CountForecast(["A>B", "B>A"], pd.date_range("2020-01-01", periods=2, freq="MS"),
                       np.array([[0.0, 0.0], [1.5, 1.5]]), pmf=pmf)
    assert fc.prob_at_least(1).loc["A>B"].eq(0).all()
    assert fc.prob_any(1)["B>A"] == pytest.approx(1 - 0.25 ** 2)
    assert fc.prob_total_at_least(2)["B>A"] == pytest.approx(1 - 0.25 ** 2 * 3)
    lower, upper = fc.interval(0.5)
    assert upper.loc["B>A"].tolist() == [2.0, 2.0]
    assert lower.loc["B>A"].tolist() == [0.0, 0.0]
    samples = np.zeros((2, 2, 4), dtype=int)
    samples[1] = [[0, 1, 2, 3], [0, 0, 0, 1]]
    sf = CountForecast(["A>B", "B>A"], pd.date_range("2020-01-01", periods=2, freq="MS"),
                       samples.mean(axis=2), samples=samples)
    assert sf.prob_any(1)["B>A"] == pytest.approx(0.75)
    with pytest.raises(ConfigurationError, match="needs a pmf or samples"):
        CountForecast(["A>B"], pd.date_range("2020-01-01", periods=1, freq="MS"),
                      np.zeros((1, 1)))


# --------------------------------------------------------------------------- SARIMAX / VAR
# count predictive (negative binomial around the retransformed Gaussian forecast)


def _pair_frame(series: np.ndarray) -> pd.DataFrame:
    """A weekly two-dyad panel frame ("A>B", "B>A") whose quad4 counts are ``series``."""
    periods = pd.date_range("2015-01-05", periods=series.shape[1], freq="W-MON")
    idx = pd.MultiIndex.from_product([["A>B", "B>A"], periods], names=["dyad", "period"])
    values = series.ravel().astype(float)
    return pd.DataFrame({"quad4": values, "n_events": values}, index=idx)


@pytest.fixture(scope="module")
def stationary_nb():
    """400 iid NB2 counts per dyad with mean 4 and dispersion 0.3 (variance 8.8)."""
    rng = np.random.default_rng(0)
    size = 1 / 0.3
    return _pair_frame(rng.negative_binomial(size, size / (size + 4.0), size=(2, 400)))


def test_negbin_dispersion_recovers_known_values():
    rng = np.random.default_rng(3)
    mu = rng.gamma(1.0, 3.0, 5000)
    size = 1 / 0.5
    y = rng.negative_binomial(size, size / (size + mu))
    (alpha,) = negbin_dispersion(y, mu)
    assert alpha == pytest.approx(0.5, rel=0.1)
    # NB1 counts (variance mu (1 + 3)): the linear term is found, the quadratic one vanishes
    a = 3.0 / mu
    y1 = rng.negative_binomial(1 / a, 1 / (1 + a * mu))
    alpha, delta = negbin_dispersion(y1, mu, powers=(0, 1))
    assert delta == pytest.approx(3.0, rel=0.15)
    assert alpha < 0.05
    # Poisson counts: the lower bound
    assert negbin_dispersion(rng.poisson(mu), mu)[0] < 0.02


@pytest.mark.parametrize("cls", [SarimaxModel, VarModel])
def test_predictive_mean_and_variance_of_a_stationary_series(cls, stationary_nb):
    model = cls().fit(stationary_nb, horizon=1)
    disp = model.results_.dispersion
    assert list(disp.columns) == ["smear", "alpha", "delta"]
    assert len(disp) == 2 and (disp[["alpha", "delta"]] > 0).all().all()
    assert (disp["smear"] > 1).all()  # Jensen: E[exp(e)] > exp(E[e]) = 1
    fc = model.predict_counts(stationary_nb, origin=stationary_nb.index[-1][1], horizon=8)
    np.testing.assert_allclose(fc.pmf_.sum(axis=2), 1.0)
    k = np.arange(fc.pmf_.shape[2])
    mean = fc.pmf_ @ k
    var = fc.pmf_ @ k ** 2 - mean ** 2
    # the retransformed mean is the arithmetic mean of the counts, not expm1 of the log mean
    np.testing.assert_allclose(fc.mean_[:, -1], 4.0, rtol=0.1)
    np.testing.assert_allclose(mean, fc.mean_, rtol=1e-3)
    np.testing.assert_allclose(var[:, -1], 8.8, rtol=0.25)
    assert "Count predictive" in model.results_.summary()


@pytest.mark.parametrize("cls", [SarimaxModel, VarModel])
def test_quiet_series_keeps_its_bursts_in_the_tail(cls):
    # zeros with bursts of ~8 events in 3% of the periods: the discretised Gaussian on log1p
    # gives a burst a vanishing probability, the negative binomial one of the right order
    rng = np.random.default_rng(1)
    y = np.where(rng.random((2, 400)) < 0.03, rng.poisson(8, (2, 400)), 0)
    frame = _pair_frame(y)
    origin = frame.index[-1][1]
    rate = (y >= 5).mean(axis=1)
    nb = cls().fit(frame, horizon=1).predict_counts(frame, origin=origin)
    gauss = cls(predictive="gaussian").fit(frame, horizon=1).predict_counts(frame,
                                                                             origin=origin)
    p_nb = nb.prob_at_least(5).to_numpy()[:, 0]
    p_gauss = gauss.prob_at_least(5).to_numpy()[:, 0]
    assert np.all(p_nb > 0.25 * rate) and np.all(p_nb < 2 * rate)
    assert np.all(p_nb > 100 * p_gauss)


def test_gaussian_predictive_is_the_discretised_forecast(stationary_nb):
    model = SarimaxModel(predictive="gaussian").fit(stationary_nb, horizon=2)
    fc = model.predict_counts(stationary_nb, origin=stationary_nb.index[-1][1])
    res = model.results_["A>B"].apply(np.log1p(stationary_nb.loc["A>B", "quad4"].to_numpy()))
    f = res.get_forecast(2)
    ref = pmf_from_gaussian(np.asarray(f.predicted_mean), np.sqrt(np.asarray(f.var_pred_mean)),
                            fc.pmf_.shape[2] - 1)
    np.testing.assert_allclose(fc.pmf_[0], ref, atol=1e-12)
    with pytest.raises(ConfigurationError, match="'predictive' parameter of VarModel"):
        VarModel(predictive="normal").fit(stationary_nb, horizon=1)


def test_multi_step_dispersion_adds_the_level_uncertainty():
    disp = np.array([1.05, 0.2, 0.5])
    var = np.array([0.3, 0.4, 0.45])
    mu, alpha = _negbin_moments(np.full(3, 1.0), var, disp, "log1p")
    # step 1: the one-step variance mu + alpha mu^2 + delta mu exactly
    assert mu[0] == pytest.approx(1.05 * np.e - 1.0)
    assert alpha[0] == pytest.approx(0.2 + 0.5 / mu[0])
    # later steps: the log-normal mean correction and a wider predictive
    assert mu[1] == pytest.approx(1.05 * np.exp(1.0 + 0.05) - 1.0)
    assert np.all(np.diff(alpha) > 0)
    pmf = pmf_from_negbin(mu, alpha, 400)
    k = np.arange(401)
    var_counts = pmf @ k ** 2 - (pmf @ k) ** 2
    level_var = (mu[2] + 1) ** 2 * np.expm1(0.15)
    expected = mu[2] + 0.2 * (mu[2] ** 2 + level_var) + 0.5 * mu[2] + level_var
    assert var_counts[2] == pytest.approx(expected, rel=1e-3)
