"""Panel features: values, no look-ahead, scikit-learn conventions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


# -------------------------------------------------------------- against a plain reference
_STATES = ("A", "B", "C", "D")
_PAIRS = [(a, b) for a in _STATES for b in _STATES if a != b]
_PERIODS = pd.date_range("2022-01-03", periods=12, freq="W-MON")


@st.composite
def ragged_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A directed panel frame whose dyads cover different periods, in shuffled row order.

    ``quad4`` holds counts; ``n_events`` holds fractions and missing values.
    """
    pairs = draw(st.lists(st.sampled_from(_PAIRS), min_size=1, max_size=7, unique=True))
    records = []
    for a, b in pairs:
        lo = draw(st.integers(0, len(_PERIODS) - 1))
        hi = draw(st.integers(lo + 1, len(_PERIODS)))
        for period in _PERIODS[lo:hi]:
            records.append({"dyad": f"{a}>{b}", "period": period, "state_a": a, "state_b": b,
                            "quad4": draw(st.integers(0, 5)),
                            "n_events": draw(st.sampled_from([0.0, 0.5, 2.25, 7.0, np.nan]))})
    frame = pd.DataFrame(records).set_index(["dyad", "period"])
    return frame.iloc[draw(st.permutations(range(len(frame))))]


def _reference(X: pd.DataFrame, col: str, feature: Any) -> pd.Series:
    """``feature(history, position, row)`` of every row, computed dyad by dyad in plain Python.

    ``history`` is the dyad's list of values in period order and ``position`` the row's place in
    it; the result is indexed like ``X``.
    """
    out = {}
    for dyad, part in X.sort_index().groupby(level="dyad"):
        values = part[col].tolist()
        for position, (key, row) in enumerate(part.iterrows()):
            out[key] = feature(values, position, row)
    return pd.Series(out).reindex(X.index)


def _window(values: list[float], position: int, w: int) -> list[float]:
    return [v for v in values[max(0, position - w + 1): position + 1] if not np.isnan(v)]


def _close(got: pd.Series, expected: pd.Series) -> None:
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(dtype=float), rtol=1e-9,
                               atol=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(X=ragged_frames(), w=st.integers(1, 6), k=st.integers(0, 3),
       h=st.sampled_from([0.5, 1.0, 3.0]))
def test_features_equal_a_plain_reference(X, w, k, h):
    """The vectorised transformers against definitions written row by row.

    Dyads of different lengths, rows out of order and missing values: every feature must
    match, and the result keeps the frame's index.
    """
    for col in ("quad4", "n_events"):
        lag = LagFeatures(columns=col, lags=k).fit_transform(X)
        assert lag.index.equals(X.index)

        def lagged(vals, p, _row):
            value = vals[p - k] if p >= k else np.nan
            return 0.0 if np.isnan(value) else value

        _close(lag[f"{col}_lag{k}"], _reference(X, col, lagged))

        stats = ("mean", "max", "min", "sum", "std")
        roll = RollingFeatures(columns=col, windows=w, stats=stats).fit_transform(X)
        for stat, fn in zip(stats, (np.mean, np.max, np.min, np.sum, np.std)):
            _close(roll[f"{col}_roll{w}_{stat}"], _reference(
                X, col, lambda vals, p, _row, fn=fn: fn(_window(vals, p, w))
                if _window(vals, p, w) else 0.0))

        decay = np.exp(-np.log(2.0) / h)

        def ewm(vals, p, _row):
            pairs = [(decay ** (p - j), v) for j, v in enumerate(vals[: p + 1])
                     if not np.isnan(v)]
            return sum(wt * v for wt, v in pairs) / sum(wt for wt, _ in pairs) if pairs else 0.0

        _close(EWMFeatures(columns=col, halflives=h).fit_transform(X)[f"{col}_ewm{h:g}"],
               _reference(X, col, ewm))

        def since(vals, p, _row):
            hits = [j for j in range(p + 1) if vals[j] >= 1]
            return min(p - hits[-1], 5) if hits else 5

        _close(TimeSinceFeatures(columns=col, cap=5).fit_transform(X)[f"since_{col}"],
               _reference(X, col, since))

    # least-squares slope of the counts over the window (0 with a single period)
    def slope(vals, p, _row):
        lo = max(0, p - max(w, 2) + 1)
        return np.polyfit(np.arange(lo, p + 1), vals[lo: p + 1], 1)[0] if p > lo else 0.0

    _close(TrendFeatures(columns="quad4", windows=max(w, 2)).fit_transform(X)
           [f"quad4_trend{max(w, 2)}"], _reference(X, "quad4", slope))

    # reverse direction (same period, and k rows earlier in the dyad) and third-party events
    value = {(r.state_a, r.state_b, p): r.quad4 for (_, p), r in X.iterrows()}
    rev = ReciprocityFeatures(columns="quad4", lags=(0, k) if k else 0).fit_transform(X)
    _close(rev["quad4_rev"], pd.Series([value.get((r.state_b, r.state_a, p), 0)
                                        for (_, p), r in X.iterrows()], index=X.index))
    if k:
        _close(rev[f"quad4_rev_lag{k}"], _reference(
            X, "quad4", lambda vals, p, row: value.get(
                (row.state_b, row.state_a, _PERIODS[_PERIODS.get_loc(row.name[1]) - k]), 0)
            if p >= k else 0.0))

    def third_party(a, b, period):
        return sum(v for (sa, sb, p), v in value.items()
                   if p == period and len({sa, sb} & {a, b}) == 1)

    spill = SpilloverFeatures(columns="quad4").fit_transform(X)["quad4_spill"]
    _close(spill, pd.Series([third_party(r.state_a, r.state_b, p)
                             for (_, p), r in X.iterrows()], index=X.index))
