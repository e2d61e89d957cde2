"""Escalation labels: definitions, look-ahead window, errors and the no-peeking property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from riskmodel.engines.testing import events_from_records
from riskmodel.exceptions import ConfigurationError
from riskmodel.labels import LABELS, LabelDefinition, get_label, look_ahead, make_labels
from riskmodel.panel import COUNT_COLUMNS, PANEL_COLUMNS, DyadPanel, build_panel


def panel_from(columns: dict[str, dict[str, list[float]]], freq: str = "W",
               start: str = "2022-01-03") -> DyadPanel:
    """A directed panel from per-dyad column values (other columns zero)."""
    dyads = sorted({d for values in columns.values() for d in values})
    n_p = len(next(iter(next(iter(columns.values())).values())))
    periods = pd.date_range(start, periods=n_p, freq={"W": "W-MON", "M": "MS", "D": "D"}[freq])
    index = pd.MultiIndex.from_product([dyads, periods], names=["dyad", "period"])
    data = pd.DataFrame(0, index=index, columns=list(PANEL_COLUMNS[2:])).astype("float64")
    for c in COUNT_COLUMNS:
        data[c] = data[c].astype("int64")
    for col, per_dyad in columns.items():
        for dyad, values in per_dyad.items():
            data.loc[dyad, col] = np.asarray(values, dtype=data[col].dtype)
    data.insert(0, "state_b", [d.split(">")[1] for d in index.get_level_values("dyad")])
    data.insert(0, "state_a", [d.split(">")[0] for d in index.get_level_values("dyad")])
    return DyadPanel(data, freq=freq, directed=True, meta={})


def test_material_conflict_window_is_strictly_after_the_origin():
    p = panel_from({"quad4": {"A>B": [0, 0, 3, 0, 0, 0], "B>A": [1, 0, 0, 0, 0, 2]}})
    y = make_labels(p, "material_conflict", horizon=1)
    np.testing.assert_array_equal(y.loc["A>B"].to_numpy()[:5], [0, 1, 0, 0, 0])
    assert np.isnan(y.loc["A>B"].iloc[5])
    y2 = make_labels(p, "material_conflict", horizon=2)
    np.testing.assert_array_equal(y2.loc["A>B"].to_numpy()[:4], [1, 1, 0, 0])
    assert np.isnan(y2.loc["A>B"].iloc[4:]).all()
    # the period-0 event of B>A never labels its own origin
    np.testing.assert_array_equal(y2.loc["B>A"].to_numpy()[:4], [0, 0, 0, 1])
    y3 = make_labels(p, "material_conflict", horizon=1, threshold=2)
    np.testing.assert_array_equal(y3.loc["A>B"].to_numpy()[:5], [0, 1, 0, 0, 0])
    assert y.index.equals(p.data.index)
    assert y.name == "material_conflict_h1"


def test_spike_against_own_baseline():
    calm = [1, 0, 1, 1, 0, 1, 0, 1, 9, 1]
    p = panel_from({"quad4": {"A>B": calm, "B>A": [5, 6, 5, 4, 6, 5, 5, 6, 6, 5]}})
    fires = get_label("spike", window=6, min_periods=4).fires(p)
    assert fires.loc[("A>B", p.periods[8])] == 1.0
    assert fires.loc["A>B"].iloc[:4].isna().all()  # no baseline yet
    assert fires.loc["B>A"].dropna().sum() == 0
    sd = get_label("spike", window=6, min_periods=4, method="sd", k=3.0).fires(p)
    assert sd.loc[("A>B", p.periods[8])] == 1.0
    y = make_labels(p, "spike", 2, window=6, min_periods=4)
    assert y.loc[("A>B", p.periods[6])] == 1.0 and y.loc[("A>B", p.periods[7])] == 1.0
    assert y.loc[("A>B", p.periods[5])] == 0.0


def test_ladder_steps_up():
    p = panel_from({"quad3": {"A>B": [1, 1, 0, 1, 1, 0]},
                    "quad4": {"A>B": [0, 0, 0, 2, 2, 0]},
                    "fatalities": {"A>B": [0, 0, 0, 0, 5, 0]}})
    fires = get_label("ladder").fires(p).loc["A>B"]
    assert np.isnan(fires.iloc[0])
    np.testing.assert_array_equal(fires.to_numpy()[1:], [0, 0, 1, 1, 0])
    low = get_label("ladder", min_level=1).fires(p).loc["A>B"]
    np.testing.assert_array_equal(low.to_numpy()[1:], [0, 0, 1, 1, 0])
    wide = get_label("ladder", window=2).fires(p).loc["A>B"]
    np.testing.assert_array_equal(wide.to_numpy()[2:], [0, 1, 1, 0])


def test_fatalities_own_and_ground_truth():
    p = panel_from({"fatalities": {"PAK>AFG": [0, 0, 4, 0], "AFG>PAK": [0, 0, 0, 0]}})
    own = make_labels(p, "fatalities", 1)
    np.testing.assert_array_equal(own.loc["PAK>AFG"].to_numpy()[:3], [0, 1, 0])
    gt_events = events_from_records([
        {"date": "2022-01-25", "actor1_state": "AFG", "actor2_state": "PAK", "actor1_type": "GOV",
         "cameo_code": "190", "source": "ucdp", "fatalities": 30},
    ])
    gt = make_labels(p, "fatalities", 1, ground_truth=gt_events, threshold=25)
    # 2022-01-25 lies in the week of 2022-01-24 (period 3): origin 2 fires for AFG>PAK
    np.testing.assert_array_equal(gt.loc["AFG>PAK"].to_numpy()[:3], [0, 0, 1])
    np.testing.assert_array_equal(gt.loc["PAK>AFG"].to_numpy()[:3], [0, 0, 0])
    # a ground-truth panel of another frequency is refused
    gt_panel = build_panel(gt_events, freq="M", dyads=["AFG>PAK"])
    with pytest.raises(ConfigurationError, match="same freq"):
        make_labels(p, "fatalities", 1, ground_truth=gt_panel)
    desc = get_label("fatalities", ground_truth=gt_events).describe()
    assert "ground truth" in desc


def test_ground_truth_panel_coverage_gives_nan():
    p = panel_from({"quad4": {"A>B": [0, 0, 0, 0, 0]}})
    gt = panel_from({"fatalities": {"A>B": [0, 2, 0]}})
    y = make_labels(p, "fatalities", 1, ground_truth=gt)
    np.testing.assert_array_equal(y.loc["A>B"].to_numpy()[:2], [1, 0])
    assert y.loc["A>B"].iloc[2:].isna().all()


@pytest.mark.parametrize("call, match", [
    (lambda p: make_labels(p, "material_conflcit", 2), "Did you mean 'material_conflict'"),
    (lambda p: make_labels(p, "material_conflict", 0), "'horizon'.*>= 1. Got 0"),
    (lambda p: make_labels(p, "material_conflict", 1.5), "'horizon'"),
    (lambda p: make_labels(p, "spike", 2, windw=4), "Did you mean 'window'"),
    (lambda p: make_labels(p, "spike", 2, method="zscore"), "'method'"),
    (lambda p: make_labels(p, "spike", 2, alpha=2.0), "'alpha'"),
    (lambda p: make_labels(p, "ladder", 2, min_level=5), "'min_level'"),
    (lambda p: make_labels(p, "material_conflict", 2, column="quad5"),
     "Did you mean 'quad4'"),
    (lambda p: make_labels(p.data, "material_conflict", 2), "DyadPanel"),
])
def test_bad_label_configuration(call, match):
    p = panel_from({"quad4": {"A>B": [0, 1, 0, 1]}})
    with pytest.raises(ConfigurationError, match=match):
        call(p)


def test_label_definitions_api():
    assert set(LABELS) == {"material_conflict", "spike", "ladder", "fatalities"}
    for name in LABELS:
        d = get_label(name, horizon=3)
        assert isinstance(d, LabelDefinition)
        assert d.name == name and d.horizon == 3 and isinstance(d.params, dict)
        assert d.describe().startswith(name) and "3 period(s)" in d.describe()
        assert name in repr(d) or type(d).__name__ in repr(d)


def test_look_ahead_matches_a_loop():
    rng = np.random.default_rng(1)
    f = rng.choice([0.0, 1.0, np.nan], size=(3, 12), p=[0.6, 0.3, 0.1])
    for h in (1, 3, 5):
        out = look_ahead(f, h)
        for i in range(3):
            for t in range(12):
                window = f[i, t + 1: t + h + 1]
                if (window == 1).any():
                    assert out[i, t] == 1
                elif t + h >= 12 or np.isnan(window).any():
                    assert np.isnan(out[i, t])
                else:
                    assert out[i, t] == 0


_SET = settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse,
                                                        Phase.generate],
                suppress_health_check=[HealthCheck.too_slow])


@_SET
@given(q4=st.lists(st.integers(0, 3), min_size=8, max_size=20), h=st.integers(1, 4),
       origin=st.integers(0, 7), name=st.sampled_from(["material_conflict", "ladder", "spike"]),
       noise=st.lists(st.integers(0, 5), min_size=8, max_size=8))
def test_labels_never_look_at_the_origin_or_earlier(q4, h, origin, name, noise):
    """Changing the origin period or earlier never changes the label of the origin.

    For "material_conflict" the whole history is free to change; "ladder" and "spike" compare
    each later period with its own past, so their label may depend on the periods just before
    the window: for them the test changes what lies before that reach, and checks in every case
    that the label is the look-ahead of ``fires`` strictly after the origin.
    """
    n = len(q4)
    p = panel_from({"quad4": {"A>B": q4}, "quad3": {"A>B": [1] * n}})
    d = get_label(name, horizon=h, **({"window": 2, "min_periods": 2} if name == "spike" else {}))
    y = d.compute(p).loc["A>B"].to_numpy()
    fires = d.fires(p).loc["A>B"].to_numpy()
    t = min(origin, n - 1)
    window = fires[t + 1: t + h + 1]
    if (window == 1).any():
        assert y[t] == 1
    elif t + h >= n or np.isnan(window).any():
        assert np.isnan(y[t])
    else:
        assert y[t] == 0
    reach = {"material_conflict": 0, "ladder": 1, "spike": 2}[name]
    changed = list(q4)
    for i in range(0, max(0, t + 1 - reach)):
        changed[i] = noise[i % len(noise)]
    p2 = panel_from({"quad4": {"A>B": changed}, "quad3": {"A>B": [1] * n}})
    y2 = d.compute(p2).loc["A>B"].to_numpy()
    np.testing.assert_array_equal(y[t], y2[t])
