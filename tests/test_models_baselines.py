"""Baselines against hand computations on a tiny panel."""

from __future__ import annotations

import numpy as np
import pytest
from _model_panels import make_panel

from riskmodel.models import (
    BaseRateBaseline,
    ConflictologyBaseline,
    LaggedLogitBaseline,
    LastValueBaseline,
    TrailingMeanBaseline,
    ZeroBaseline,
)
from riskmodel.models.base import PanelArrays, window_labels


@pytest.fixture(scope="module")
def panel():
    return make_panel(n_states=3, n_periods=40, seed=5)


@pytest.fixture(scope="module")
def fires(panel):
    return (PanelArrays(panel).column("quad4") >= 1).astype(float)


ORIGIN_POS = 30


def test_window_labels_by_hand():
    fires = np.array([[0, 0, 1, 0, 0, 0, 0.0]])
    out = window_labels(fires, 2)
    np.testing.assert_array_equal(out[0, :5], [1, 1, 0, 0, 0])
    assert np.isnan(out[0, 5:]).all()


def test_zero_and_base_rate(panel, fires):
    origin = panel.periods[ORIGIN_POS]
    assert ZeroBaseline(epsilon=0.01).fit(panel, horizon=2, origin=origin).predict_proba(
        panel, origin=origin).eq(0.01).all()
    labels = window_labels(fires[:, : ORIGIN_POS + 1], 2)
    base = BaseRateBaseline().fit(panel, horizon=2, origin=origin)
    assert base.rate_ == pytest.approx(np.nanmean(labels))
    dyad = BaseRateBaseline(by="dyad", prior_strength=2.0).fit(panel, horizon=2, origin=origin)
    i = 1
    hits, n = np.nansum(labels[i]), np.isfinite(labels[i]).sum()
    assert dyad.predict_proba(panel, origin=origin).iloc[i] == pytest.approx(
        (hits + 2.0 * base.rate_) / (n + 2.0))


def test_last_value_and_trailing_mean(panel, fires):
    origin = panel.periods[ORIGIN_POS]
    last = LastValueBaseline(epsilon=0.05).fit(panel, horizon=3, origin=origin)
    expected = np.where(fires[:, ORIGIN_POS] > 0, 0.95, 0.05)
    np.testing.assert_allclose(last.predict_proba(panel, origin=origin), expected)
    counts = last.predict_counts(panel, origin=origin)
    q4 = PanelArrays(panel).column("quad4")
    np.testing.assert_allclose(counts.mean_[:, 2], q4[:, ORIGIN_POS])
    trail = TrailingMeanBaseline(window=6).fit(panel, horizon=3, origin=origin)
    p = fires[:, ORIGIN_POS - 5:ORIGIN_POS + 1].mean(axis=1)
    np.testing.assert_allclose(trail.predict_proba(panel, origin=origin), 1 - (1 - p) ** 3)


def test_conflictology_resamples_blocks(panel, fires):
    origin = panel.periods[ORIGIN_POS]
    model = ConflictologyBaseline(window=12).fit(panel, horizon=3, origin=origin)
    recent = fires[:, ORIGIN_POS - 11:ORIGIN_POS + 1]
    blocks = np.array([[recent[i, t + 1:t + 4].max() for t in range(9)]
                       for i in range(recent.shape[0])])
    np.testing.assert_allclose(model.predict_proba(panel, origin=origin), blocks.mean(axis=1))


def test_lagged_logit_is_the_two_by_two_table(panel, fires):
    origin = panel.periods[ORIGIN_POS]
    model = LaggedLogitBaseline(prior=0.0).fit(panel, horizon=2, origin=origin)
    labels = window_labels(fires[:, : ORIGIN_POS + 1], 2)
    ok = np.isfinite(labels)
    x, y = fires[:, : ORIGIN_POS + 1][ok] > 0, labels[ok]
    p_fired, p_quiet = y[x].mean(), y[~x].mean()
    proba = model.predict_proba(panel, origin=origin)
    fired_now = fires[:, ORIGIN_POS] > 0
    np.testing.assert_allclose(proba[fired_now], p_fired, rtol=1e-6)
    np.testing.assert_allclose(proba[~fired_now], p_quiet, rtol=1e-6)
    assert "fired_last" in model.results_.params.index
    assert model.table_.to_numpy().sum() == ok.sum()
    assert isinstance(model.results_.summary().as_text(), str)


def test_baselines_are_tagged():
    for cls in (ZeroBaseline, BaseRateBaseline, LastValueBaseline, TrailingMeanBaseline,
                ConflictologyBaseline, LaggedLogitBaseline):
        assert cls._tags["baseline"] is True
        assert cls.__name__.endswith("Baseline")
