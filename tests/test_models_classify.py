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
