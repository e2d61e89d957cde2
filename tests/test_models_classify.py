"""EscalationClassifier: partitions, calibration, explanations, feature sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _model_panels import make_panel

from riskmodel.exceptions import ConfigurationError
from riskmodel.models import EscalationClassifier, history_features
from riskmodel.models.base import LabelSpec, PanelArrays, fires_array


@pytest.fixture(scope="module")
def panel():
    return make_panel(n_states=5, n_periods=60, seed=3)


ORIGIN = pd.Timestamp("2019-06-01")


def test_partitions_are_split_on_periods_with_a_gap(panel):
    clf = EscalationClassifier(calibration_fraction=0.25).fit(panel, horizon=3, origin=ORIGIN)
    cal = clf.calibration_origins_
    n_dyads = len(panel.dyads)
    # labelled origins end h periods before the fit origin
    assert cal[-1] == ORIGIN - pd.DateOffset(months=3)
    assert clf.n_calibration_rows_ == len(cal) * n_dyads
    # training origins end h periods before the first calibration origin, so that no training
    # label window reaches into a calibration outcome window
    n_labelled = panel.periods.get_loc(ORIGIN) - 3 + 1
    n_train_origins = clf.n_train_rows_ // n_dyads
    assert n_train_origins == n_labelled - len(cal) - 3 + 1


def test_calibrator_maps_to_probabilities(panel):
    for calibration in ("isotonic", "sigmoid"):
        clf = EscalationClassifier("gbm", max_iter=40, calibration=calibration,
                                   random_state=0).fit(panel, horizon=2, origin=ORIGIN)
        assert clf.calibrator_ is not None
        p = clf.predict_proba(panel, origin=ORIGIN)
        assert p.between(0, 1).all()
    raw = EscalationClassifier(calibration=None).fit(panel, horizon=2, origin=ORIGIN)
    assert raw.calibrator_ is None


def test_isotonic_calibration_is_calibrated_in_sample_on_the_partition():
    # isotonic regression is calibrated on the data it was fitted on: the mean calibrated
    # probability on the calibration rows equals their event rate
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 4))
    y = (x[:, 0] + rng.normal(size=3000) > 1.0).astype(int)
    clf = EscalationClassifier(calibration_fraction=0.3).fit(x, y)
    cal_x, cal_y = x[2100:], y[2100:]
    assert clf.predict_proba(cal_x)[:, 1].mean() == pytest.approx(cal_y.mean(), abs=1e-9)


def test_explanations(panel):
    clf = EscalationClassifier().fit(panel, horizon=2, origin=ORIGIN)
    ex = clf.explain(panel, origin=ORIGIN, top=3)
    assert list(ex.columns) == ["dyad", "probability", "rank", "feature", "value", "reference",
                                "contribution"]
    assert len(ex) == 3 * len(panel.dyads)
    proba = clf.predict_proba(panel, origin=ORIGIN)
    first = ex[ex["rank"] == 1].set_index("dyad")
    np.testing.assert_allclose(first["probability"].reindex(proba.index), proba.to_numpy())
    # ranks are ordered by absolute contribution
    for _, g in ex.groupby("dyad"):
        c = g.sort_values("rank")["contribution"].abs().to_numpy()
        assert (np.diff(c) <= 1e-12).all()
    assert set(ex["feature"]) <= set(clf.feature_names_)
    one = clf.explain(panel, origin=ORIGIN, top=1, dyads=[panel.dyads[2]])
    assert one["dyad"].tolist() == [panel.dyads[2]]
    with pytest.raises(ConfigurationError, match="not in the panel"):
        clf.explain(panel, origin=ORIGIN, dyads=["XXX>YYY"])


def test_history_features_look_back_only(panel):
    arrays = PanelArrays(panel)
    spec = LabelSpec("material_conflict", 2)
    x_full, names = history_features(arrays, fires_array(arrays, spec))
    cut = arrays.truncated(ORIGIN)
    x_cut, _ = history_features(cut, fires_array(cut, spec))
    np.testing.assert_allclose(x_full[:, : cut.shape[1]], x_cut)
    x_last, _ = history_features(cut, fires_array(cut, spec), last_only=True)
    np.testing.assert_array_equal(x_last[:, 0], x_cut[:, -1])
    assert len(names) == x_full.shape[2] >= 15
    assert "reverse_log1p_quad4" in names


def test_feature_pipeline_of_riskmodel_features(panel):
    from riskmodel.features import make_feature_pipeline

    clf = EscalationClassifier(features=make_feature_pipeline()).fit(panel, horizon=2,
                                                                     origin=ORIGIN)
    assert "quad4_lag1" in clf.feature_names_
    p = clf.predict_proba(panel, origin=ORIGIN)
    assert p.between(0, 1).all() and len(p) == len(panel.dyads)
    with pytest.raises(ConfigurationError, match="'features' parameter"):
        EscalationClassifier(features="lags").fit(panel, horizon=2)


def test_classifier_beats_base_rate_out_of_sample():
    from sklearn.metrics import brier_score_loss

    from riskmodel.models import BaseRateBaseline
    from riskmodel.models.base import window_labels

    panel = make_panel(n_states=6, n_periods=72, seed=11)
    q4 = panel.data["quad4"].to_numpy().reshape(len(panel.dyads), -1)
    truth = window_labels((q4 >= 1).astype(float), 2)
    ys, pc, pb = [], [], []
    for i in range(62, 68):
        origin = panel.periods[i]
        ys.append(truth[:, i])
        pc.append(EscalationClassifier("gbm", max_iter=30, random_state=0).fit(
            panel, horizon=2, origin=origin).predict_proba(panel, origin=origin))
        pb.append(BaseRateBaseline().fit(panel, horizon=2, origin=origin).predict_proba(
            panel, origin=origin))
    y = np.concatenate(ys)
    assert brier_score_loss(y, np.concatenate(pc)) < brier_score_loss(y, np.concatenate(pb))


def test_single_class_training_partition_is_a_clear_error():
    quiet = make_panel(n_states=3, n_periods=30, quiet_dyads=6)
    with pytest.raises(ConfigurationError, match="single class"):
        EscalationClassifier().fit(quiet, horizon=1)


def test_array_interface_basics():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 3))
    y = np.where(x[:, 0] + rng.normal(size=400) > 0, "war", "peace")
    clf = EscalationClassifier().fit(x, y)
    assert list(clf.classes_) == ["peace", "war"]
    proba = clf.predict_proba(x)
    assert proba.shape == (400, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(clf.predict(x)) <= {"peace", "war"}
    with pytest.raises(ValueError, match="Only binary classification"):
        EscalationClassifier().fit(x, rng.integers(0, 3, size=400))


def _rare(n: int = 3000, threshold: float = 2.4, seed: int = 0
          ) -> tuple[np.ndarray, np.ndarray]:
    """Rows in time order with rare escalations that the first feature ranks."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + 0.7 * rng.normal(size=n) > threshold).astype(int)
    return x, y


def test_short_tail_switches_to_cross_fitted_calibration():
    from riskmodel.exceptions import DataQualityWarning

    x, y = _rare()
    tail = y[-600:].sum()
    assert 0 < tail < 30 <= y[:-600].sum()
    clf = EscalationClassifier(random_state=0).fit(x, y)
    assert clf.calibration_partition_ == "cross-fitted"
    assert clf.calibration_method_ == "isotonic"
    assert clf.n_calibration_folds_ == 5 and len(clf.calibration_folds_) == 5
    # each block is scored by a classifier fitted on the rows before it only
    for last_train, first, last in clf.calibration_folds_:
        assert last_train < first <= last
    assert clf.n_calibration_rows_ == 3000 - 500
    assert clf.n_calibration_positives_ == y[500:].sum()
    # the final base classifier is fitted on every row
    assert clf.n_train_rows_ == 3000
    raw = EscalationClassifier(calibration=None).fit(x, y)
    np.testing.assert_allclose(clf.estimator_.predict_proba(x), raw.predict_proba(x))
    p = clf.predict_proba(x)[:, 1]
    assert p.min() >= 0 and p.max() <= 1
    # the tail partition is kept when asked for, or when it holds enough escalations
    with pytest.warns(DataQualityWarning, match="Platt scaling is used instead"):
        tail_only = EscalationClassifier(calibration_cv=None).fit(x, y)
    assert tail_only.calibration_partition_ == "tail"
    assert tail_only.n_train_rows_ == 2400
    low_bar = EscalationClassifier(min_calibration_positives=5).fit(x, y)
    assert low_bar.calibration_partition_ == "tail"
    assert low_bar.calibration_method_ == "isotonic"


def test_too_few_escalations_fall_back_to_platt_then_raw():
    from riskmodel.exceptions import DataQualityWarning

    x, y = _rare(n=2000, threshold=2.7, seed=4)
    assert y[300:].sum() < 30
    with pytest.warns(DataQualityWarning, match="Platt scaling is used instead"):
        clf = EscalationClassifier().fit(x, y)
    assert clf.calibration_partition_ == "cross-fitted"
    assert clf.calibration_method_ == "sigmoid"
    # a monotone calibration map keeps the base classifier's ranking
    p, raw = clf.predict_proba(x)[:, 1], clf.estimator_.predict_proba(x)[:, 1]
    assert np.all(np.diff(p[np.argsort(raw)]) >= -1e-12)
    y2 = np.zeros_like(y)
    y2[[50, 100, 1800]] = 1  # one escalation after the first block
    with pytest.warns(DataQualityWarning, match="left uncalibrated"):
        raw_clf = EscalationClassifier().fit(x, y2)
    assert raw_clf.calibrator_ is None and raw_clf.calibration_method_ is None
    assert raw_clf.calibration_partition_ is None


def test_platt_map_never_decreases():
    from riskmodel.exceptions import DataQualityWarning

    # the relation flips in the calibration rows: higher scores there mean fewer escalations
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1500, 2))
    y = (x[:, 0] > 1.0).astype(int)
    y[1200:] = (x[1200:, 0] < -1.0).astype(int)
    with pytest.warns(DataQualityWarning, match="fewer escalations"):
        clf = EscalationClassifier(calibration="sigmoid", calibration_cv=None).fit(x, y)
    p = clf.predict_proba(x)[:, 1]
    np.testing.assert_allclose(p, y[1200:].mean())


def test_cross_fitted_folds_keep_the_horizon_gap(panel):
    h = 3
    clf = EscalationClassifier(calibration_fraction=0.0).fit(panel, horizon=h, origin=ORIGIN)
    assert clf.calibration_partition_ == "cross-fitted"
    assert clf.n_calibration_folds_ >= 4
    step = pd.DateOffset(months=h)
    for last_train, first, last in clf.calibration_folds_:
        # the last training label window (last_train, last_train + h] ends by the first scored
        # origin, so no training label looks into the scored block's outcomes
        assert last_train + step <= first <= last
    cal = clf.calibration_origins_
    assert cal[-1] == ORIGIN - step
    assert clf.n_train_rows_ == (panel.periods.get_loc(ORIGIN) - h + 1) * len(panel.dyads)


def test_calibration_parameters_are_checked():
    x, y = _rare(n=300, threshold=1.0)
    with pytest.raises(ConfigurationError, match="calibration_cv"):
        EscalationClassifier(calibration_cv=1).fit(x, y)
    with pytest.raises(ConfigurationError, match="min_calibration_positives"):
        EscalationClassifier(min_calibration_positives=-1).fit(x, y)
