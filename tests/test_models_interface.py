"""Every model through the shared interface: fit, predict, shapes, leakage, persistence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _model_panels import make_panel, with_future_changed

from riskmodel.exceptions import ConfigurationError, NotFittedError, SchemaError
from riskmodel.models import (
    MODELS,
    BaseRateBaseline,
    ConflictologyBaseline,
    CountForecast,
    EscalationClassifier,
    HawkesModel,
    LaggedLogitBaseline,
    LastValueBaseline,
    NegBinModel,
    SarimaxModel,
    TrailingMeanBaseline,
    VarModel,
    ZeroBaseline,
    ZINBModel,
    load_model,
)

ORIGIN = pd.Timestamp("2017-12-01")
HORIZON = 2

FACTORIES = {
    "ZeroBaseline": lambda: ZeroBaseline(),
    "BaseRateBaseline": lambda: BaseRateBaseline(by="dyad"),
    "LastValueBaseline": lambda: LastValueBaseline(),
    "TrailingMeanBaseline": lambda: TrailingMeanBaseline(window=6),
    "ConflictologyBaseline": lambda: ConflictologyBaseline(window=24),
    "LaggedLogitBaseline": lambda: LaggedLogitBaseline(),
    "NegBinModel": lambda: NegBinModel(lags=2),
    "ZINBModel": lambda: ZINBModel(lags=1),
    "SarimaxModel": lambda: SarimaxModel(),
    "VarModel": lambda: VarModel(),
    "HawkesModel": lambda: HawkesModel(n_samples=200, random_state=3),
    "EscalationClassifier": lambda: EscalationClassifier("logistic"),
    "EscalationClassifier-gbm": lambda: EscalationClassifier("gbm", max_iter=30,
                                                             random_state=0),
    # calibration cross-fitted in time order (no tail partition)
    "EscalationClassifier-crossfit": lambda: EscalationClassifier("logistic",
                                                                  calibration_fraction=0.0),
}


@pytest.fixture(scope="module")
def panel():
    return make_panel(n_states=4, n_periods=48, seed=1)


@pytest.fixture(scope="module")
def fitted(panel):
    return {name: make().fit(panel, horizon=HORIZON, origin=ORIGIN)
            for name, make in FACTORIES.items()}


def test_every_model_class_is_covered():
    assert set(MODELS) <= {k.split("-")[0] for k in FACTORIES}


@pytest.mark.parametrize("name", list(FACTORIES))
def test_fit_predict_shapes_and_range(name, panel, fitted):
    model = fitted[name]
    proba = model.predict_proba(panel, origin=ORIGIN)
    assert isinstance(proba, pd.Series)
    assert list(proba.index) == list(panel.dyads)
    assert proba.between(0.0, 1.0).all()
    assert np.isfinite(proba).all()
    assert model.horizon_ == HORIZON
    assert model.origin_ == ORIGIN
    assert proba.attrs["origin"] == ORIGIN


@pytest.mark.parametrize("name", list(FACTORIES))
def test_no_leakage_across_origin(name, panel, fitted):
    changed = with_future_changed(panel, ORIGIN)
    refit = FACTORIES[name]().fit(changed, horizon=HORIZON, origin=ORIGIN)
    a = fitted[name].predict_proba(panel, origin=ORIGIN)
    b = refit.predict_proba(changed, origin=ORIGIN)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_save_load_round_trip(name, panel, fitted, tmp_path):
    model = fitted[name]
    path = model.save(tmp_path / f"{name}.joblib")
    loaded = type(model).load(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(loaded.predict_proba(panel, origin=ORIGIN).to_numpy(),
                               model.predict_proba(panel, origin=ORIGIN).to_numpy())
    assert type(load_model(path)) is type(model)


def test_load_rejects_other_class_and_other_files(fitted, tmp_path):
    path = fitted["NegBinModel"].save(tmp_path / "nb.joblib")
    with pytest.raises(ConfigurationError, match="holds a NegBinModel"):
        HawkesModel.load(path)
    other = tmp_path / "other.joblib"
    import joblib

    joblib.dump({"x": 1}, other)
    with pytest.raises(ConfigurationError, match="not a saved riskmodel model"):
        load_model(other)
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_model(tmp_path / "missing.joblib")


@pytest.mark.parametrize("name", [n for n, f in FACTORIES.items()
                                  if f()._tags.get("predicts_counts")])
def test_count_forecasts(name, panel, fitted):
    model = fitted[name]
    fc = model.predict_counts(panel, origin=ORIGIN)
    assert isinstance(fc, CountForecast)
    n = len(panel.dyads)
    assert fc.mean.shape == (n, HORIZON)
    assert (fc.mean_ >= 0).all()
    assert fc.periods[0] == ORIGIN + pd.offsets.MonthBegin(1)
    lower, upper = fc.interval(0.1)
    assert (lower.to_numpy() <= upper.to_numpy()).all()
    if fc.pmf_ is not None:
        np.testing.assert_allclose(fc.pmf_.sum(axis=2), 1.0, atol=1e-9)
    p_any = fc.prob_any(1)
    assert p_any.between(0, 1).all()
    long = fc.to_frame()
    assert list(long.columns) == ["dyad", "period", "step", "mean", "lower", "upper"]
    assert len(long) == n * HORIZON


@pytest.mark.parametrize("name", [n for n, f in FACTORIES.items()
                                  if f()._tags.get("has_results")])
def test_results_summary(name, fitted):
    res = fitted[name].results_
    text = str(res.summary())
    assert len(text) > 50
    assert len(res.params) > 0
    assert res.conf_int() is not None
    assert res.bse is not None


def test_probability_matches_count_distribution(panel, fitted):
    # for the threshold label, the probability is P(any step >= 1) of the count forecast
    model = fitted["NegBinModel"]
    fc = model.predict_counts(panel, origin=ORIGIN)
    np.testing.assert_allclose(fc.prob_any(1).to_numpy(),
                               model.predict_proba(panel, origin=ORIGIN).to_numpy(), atol=1e-9)


def test_all_zero_dyad_gets_low_risk(panel, fitted):
    quiet = panel.dyads[-1]
    assert panel.data.loc[quiet, "quad4"].sum() == 0
    for name in ("LastValueBaseline", "ConflictologyBaseline", "SarimaxModel", "VarModel"):
        assert fitted[name].predict_proba(panel, origin=ORIGIN)[quiet] == 0.0
    assert fitted["SarimaxModel"].results_.fallbacks[quiet] == "zeros"


def test_not_fitted_error(panel):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        NegBinModel().predict_proba(panel, origin=ORIGIN)


def test_origin_is_required_for_prediction(panel, fitted):
    with pytest.raises(ConfigurationError, match="'origin' parameter"):
        fitted["ZeroBaseline"].predict_proba(panel, origin=None)


def test_origin_before_panel_start(panel):
    with pytest.raises(ConfigurationError, match="must not precede"):
        BaseRateBaseline().fit(panel, horizon=1, origin="2001-01-01")


def test_origin_without_labels(panel):
    with pytest.raises(ConfigurationError, match="no fully observed labels"):
        BaseRateBaseline().fit(panel, horizon=3, origin="2015-02-01")


def test_origin_between_period_starts_is_snapped(panel):
    m = TrailingMeanBaseline().fit(panel, horizon=1, origin="2017-12-17")
    assert m.origin_ == ORIGIN


@pytest.mark.parametrize("model, message", [
    (EscalationClassifier(), "The 'horizon' parameter of EscalationClassifier must be an int "
                             ">= 1. Got 0 instead."),
    (NegBinModel(), "The 'horizon' parameter of NegBinModel must be an int >= 1. Got 0 "
                    "instead."),
])
def test_bad_horizon(model, message, panel):
    with pytest.raises(ConfigurationError) as info:
        model.fit(panel, horizon=0)
    assert str(info.value) == message


@pytest.mark.parametrize("model, match", [
    (EscalationClassifier(estimator="logit"), "Did you mean 'logistic'"),
    (EscalationClassifier(calibration="isotonc"), "Did you mean 'isotonic'"),
    (EscalationClassifier(C=-1.0), "The 'C' parameter of EscalationClassifier must be a "
                                   "float > 0.0"),
    (TrailingMeanBaseline(window=0), "The 'window' parameter of TrailingMeanBaseline must be "
                                     "an int >= 1. Got 0 instead."),
    (NegBinModel(lags=1.5), "The 'lags' parameter of NegBinModel must be an int >= 1"),
    (HawkesModel(kind="trivariate"), "must be one of 'univariate', 'bivariate'"),
    (SarimaxModel(order=(1, 0)), "The 'order' parameter of SarimaxModel must be a tuple of 3"),
    (BaseRateBaseline(by="dyads"), "Did you mean 'dyad'"),
    (LaggedLogitBaseline(prior=-1), "The 'prior' parameter of LaggedLogitBaseline"),
    (ConflictologyBaseline(window=1), "an int >= 2"),
])
def test_bad_parameters(model, match, panel):
    with pytest.raises(ConfigurationError, match=match):
        model.fit(panel, horizon=1)


def test_bad_label_parameter_and_column(panel):
    with pytest.raises(SchemaError, match="no column 'quad5'"):
        NegBinModel().fit(panel, horizon=1, column="quad5")
    with pytest.raises(ConfigurationError):
        BaseRateBaseline().fit(panel, label="spike", horizon=1, windw=3)


def test_var_needs_directed_panel():
    und = make_panel(n_states=3, n_periods=30, directed=False, quiet_dyads=0)
    with pytest.raises(ConfigurationError, match="directed panel"):
        VarModel().fit(und, horizon=1)


def test_tags():
    assert NegBinModel._tags["predicts_counts"] is True
    assert EscalationClassifier._tags["predicts_counts"] is False
    assert HawkesModel._tags["stochastic"] is True
    assert VarModel.get_tags()["requires_directed"] is True
    assert ZeroBaseline._tags["baseline"] is True
    assert "baseline" not in NegBinModel._tags or NegBinModel._tags["baseline"] is False


def test_other_labels_through_riskmodel_labels(panel):
    from riskmodel.labels import make_labels

    for label in ("spike", "ladder"):
        m = NegBinModel(lags=1).fit(panel, label=label, horizon=2, origin=ORIGIN)
        p = m.predict_proba(panel, origin=ORIGIN)
        assert p.between(0, 1).all()
        assert m.link_ is not None
        base = BaseRateBaseline().fit(panel, label=label, horizon=2, origin=ORIGIN)
        labels = make_labels(panel.truncate(ORIGIN), label, 2)
        observed = labels.index.get_level_values("period") <= ORIGIN - pd.DateOffset(months=2)
        expected = labels[observed].mean()
        assert base.rate_ == pytest.approx(expected)


def test_threshold_labels_match_riskmodel_labels(panel):
    from riskmodel.labels import make_labels
    from riskmodel.models.base import LabelSpec, PanelArrays, labels_array

    arrays = PanelArrays(panel).truncated(ORIGIN)
    for threshold in (1, 3):
        ours = labels_array(arrays, LabelSpec("material_conflict", 3, {"threshold": threshold}))
        theirs = make_labels(panel.truncate(ORIGIN), "material_conflict", 3,
                             threshold=threshold)
        theirs = theirs.to_numpy().reshape(ours.shape)
        # windows fully observed by the origin agree exactly; ours are NaN beyond them
        np.testing.assert_array_equal(ours[:, :-3], theirs[:, :-3])
        assert np.isnan(ours[:, -3:]).all()


def test_plain_frame_panel_works_for_threshold_labels(panel):
    frame = panel.data
    m = NegBinModel(lags=1).fit(frame, horizon=1, origin=ORIGIN)
    np.testing.assert_allclose(
        m.predict_proba(frame, origin=ORIGIN).to_numpy(),
        NegBinModel(lags=1).fit(panel, horizon=1, origin=ORIGIN).predict_proba(
            panel, origin=ORIGIN).to_numpy())
    with pytest.raises(ConfigurationError, match="DyadPanel"):
        NegBinModel().fit(frame, label="spike", horizon=1)


def test_unbalanced_panel_is_rejected(panel):
    with pytest.raises(SchemaError, match="not balanced"):
        NegBinModel().fit(panel.data.iloc[:-1], horizon=1)


def test_models_do_not_import_plotting():
    import subprocess
    import sys

    code = ("import sys, riskmodel.models; "
            "print(any(m.startswith('matplotlib') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
