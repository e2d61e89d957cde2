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
from riskmodel.models.base import PanelArrays, pmf_from_gaussian, pmf_from_negbin
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
