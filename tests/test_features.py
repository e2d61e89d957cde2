"""Panel features: values, no look-ahead, scikit-learn conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from riskmodel.engines.testing import synthetic_events
from riskmodel.exceptions import ConfigurationError, SchemaError
from riskmodel.features import (
    EWMFeatures,
    LagFeatures,
    ReciprocityFeatures,
    RollingFeatures,
    ShareFeatures,
    SpilloverFeatures,
    TimeSinceFeatures,
    TrendFeatures,
    make_feature_pipeline,
)
from riskmodel.panel import build_panel

ALL = [LagFeatures(), RollingFeatures(), EWMFeatures(), TrendFeatures(), ReciprocityFeatures(),
       SpilloverFeatures(), ShareFeatures(), TimeSinceFeatures()]


@pytest.fixture(scope="module")
def panel():
    return build_panel(synthetic_events(6000, days=150, seed=11), freq="W")


def frame_of(dyads: dict[str, list[float]], column: str = "quad4") -> pd.DataFrame:
    periods = pd.date_range("2022-01-03", periods=len(next(iter(dyads.values()))), freq="W-MON")
    index = pd.MultiIndex.from_product([sorted(dyads), periods], names=["dyad", "period"])
    frame = pd.DataFrame(index=index)
    frame["state_a"] = [d.split(">")[0] for d in index.get_level_values("dyad")]
    frame["state_b"] = [d.split(">")[1] for d in index.get_level_values("dyad")]
    frame[column] = np.concatenate([dyads[d] for d in sorted(dyads)]).astype(float)
    return frame


def test_lag_rolling_ewm_trend_values():
    X = frame_of({"A>B": [1, 2, 3, 4, 10], "B>A": [0, 0, 0, 0, 0]})
    lag = LagFeatures(columns="quad4", lags=(1, 2)).fit_transform(X)
    np.testing.assert_array_equal(lag.loc["A>B", "quad4_lag1"], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(lag.loc["A>B", "quad4_lag2"], [0, 0, 1, 2, 3])
    roll = RollingFeatures(columns="quad4", windows=2, stats=("mean", "max")).fit_transform(X)
    np.testing.assert_allclose(roll.loc["A>B", "quad4_roll2_mean"], [1, 1.5, 2.5, 3.5, 7])
    np.testing.assert_array_equal(roll.loc["A>B", "quad4_roll2_max"], [1, 2, 3, 4, 10])
    ewm = EWMFeatures(columns="quad4", halflives=1).fit_transform(X)
    assert ewm.loc[("A>B", X.index[1][1]), "quad4_ewm1"] == pytest.approx((2 + 0.5 * 1) / 1.5)
    trend = TrendFeatures(columns="quad4", windows=4).fit_transform(X)
    np.testing.assert_allclose(trend.loc["A>B", "quad4_trend4"], [0, 1, 1, 1, 2.5])
    assert (trend.loc["B>A"].to_numpy() == 0).all()


def test_reciprocity_spillover_share_timesince():
    X = frame_of({"A>B": [1, 0, 2], "B>A": [3, 0, 1], "A>C": [5, 1, 0], "C>D": [7, 7, 7]})
    rev = ReciprocityFeatures(columns="quad4", lags=(0, 1)).fit_transform(X)
    np.testing.assert_array_equal(rev.loc["A>B", "quad4_rev"], [3, 0, 1])
    np.testing.assert_array_equal(rev.loc["A>B", "quad4_rev_lag1"], [0, 3, 0])
    np.testing.assert_array_equal(rev.loc["A>C", "quad4_rev"], [0, 0, 0])  # no C>A row
    spill = SpilloverFeatures(columns="quad4").fit_transform(X)
    # A>B: third-party events of A or B = A>C
    np.testing.assert_array_equal(spill.loc["A>B", "quad4_spill"], [5, 1, 0])
    # A>C: A>B, B>A (A's) and C>D (C's)
    np.testing.assert_array_equal(spill.loc["A>C", "quad4_spill"], [1 + 3 + 7, 7, 2 + 1 + 7])
    Y = X.assign(volume=[10, 0, 4] * 4)
    share = ShareFeatures(columns="quad4", scale=1.0).fit_transform(Y)
    np.testing.assert_allclose(share.loc["A>B", "quad4_share"], [0.1, 0, 0.5])
    since = TimeSinceFeatures(columns="quad4", cap=5).fit_transform(
        frame_of({"A>B": [0, 1, 0, 0, 2, 0]}))
    np.testing.assert_array_equal(since["since_quad4"], [5, 0, 1, 2, 0, 1])


@pytest.mark.parametrize("transformer", ALL, ids=lambda t: type(t).__name__)
def test_features_use_no_future_rows(panel, transformer):
    X = panel.data
    cut = panel.periods[len(panel.periods) // 2]
    full = clone(transformer).fit_transform(X)
    past = clone(transformer).fit_transform(X[X.index.get_level_values("period") <= cut])
    mask = full.index.get_level_values("period") <= cut
    pd.testing.assert_frame_equal(full[mask], past, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("transformer", ALL, ids=lambda t: type(t).__name__)
def test_index_and_row_order_kept(panel, transformer):
    X = panel.data
    shuffled = X.sample(frac=1.0, random_state=0)
    a = clone(transformer).fit(X).transform(X)
    b = clone(transformer).fit(X).transform(shuffled)
    assert a.index.equals(X.index) and b.index.equals(shuffled.index)
    pd.testing.assert_frame_equal(a.loc[shuffled.index], b)
    assert list(a.columns) == list(transformer.fit(X).get_feature_names_out())
    assert not a.isna().any().any()


def test_sklearn_conventions(panel):
    t = LagFeatures(columns=("quad4",), lags=(1,))
    assert t.get_params() == {"columns": ("quad4",), "lags": (1,), "fill_value": 0.0}
    c = clone(t).set_params(lags=(1, 3))
    assert c.lags == (1, 3) and not hasattr(c, "n_features_in_")
    assert t.fit(panel) is t and t.n_features_in_ == panel.data.shape[1]
    with pytest.raises(Exception, match="not fitted"):
        LagFeatures().transform(panel.data)


def test_pipeline_end_to_end(panel):
    union = make_feature_pipeline()
    F = union.fit_transform(panel.data)
    assert F.index.equals(panel.data.index)
    assert F.shape[1] == len(union.get_feature_names_out())
    assert not F.isna().any().any()
    y = (panel.data.groupby(level="dyad")["quad4"].shift(-1) > 0).astype(int)
    model = make_pipeline(make_feature_pipeline(), StandardScaler(),
                          LogisticRegression(max_iter=500))
    model.fit(panel.data, y)
    assert model.predict_proba(panel.data).shape == (len(panel.data), 2)


def test_bad_inputs(panel):
    with pytest.raises(ConfigurationError, match="Did you mean 'quad4'"):
        LagFeatures(columns="quad44").fit(panel.data)
    with pytest.raises(ConfigurationError, match="'lags'"):
        LagFeatures(lags=(-1,)).fit(panel.data)
    with pytest.raises(ConfigurationError, match="'stats'"):
        RollingFeatures(stats=("median",)).fit(panel.data)
    with pytest.raises(SchemaError, match="indexed"):
        LagFeatures().fit(panel.data.reset_index())
    undirected = build_panel(synthetic_events(500, days=30), directed=False)
    with pytest.raises(ConfigurationError, match="directed"):
        ReciprocityFeatures().fit_transform(undirected)
