"""Backtests: ledger, scores by horizon and subgroup, skill, no look-ahead, holdout guard."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator
from sklearn.metrics import brier_score_loss, roc_auc_score

from riskmodel.evaluation import (
    LEDGER_COLUMNS,
    backtest,
    block_bootstrap_skill,
    diebold_mariano,
    read_ledger,
    rolling_origin_splits,
    score_ledger,
)
from riskmodel.exceptions import ConfigurationError


def make_panel(n_dyads: int = 12, n_periods: int = 48, seed: int = 0) -> pd.DataFrame:
    """A small zero-filled dyad-month panel with persistent material conflict."""
    rng = np.random.default_rng(seed)
    dyads = [f"S{i:02d}>T{i:02d}" for i in range(n_dyads)]
    periods = pd.date_range("2016-01-01", periods=n_periods, freq="MS")
    level = rng.gamma(0.6, 1.0, size=n_dyads)
    state = np.zeros(n_dyads)
    q4 = np.zeros((n_dyads, n_periods))
    for t in range(n_periods):
        state = 0.8 * state + rng.normal(0, 0.6, n_dyads)
        q4[:, t] = rng.poisson(level * np.exp(state))
    idx = pd.MultiIndex.from_product([dyads, periods], names=["dyad", "period"])
    frame = pd.DataFrame({"quad4": q4.ravel(), "n_events": q4.ravel() + 3.0,
                          "fatalities": 0.0}, index=idx)
    return frame


class SpyModel(BaseEstimator):
    """Predicts the dyad's share of periods with conflict; records the periods it was shown."""

    _tags: ClassVar[dict[str, Any]] = {"stochastic": False}
    seen: ClassVar[list[tuple[pd.Timestamp, pd.Timestamp, str]]] = []

    def __init__(self, shrink: float = 0.5) -> None:
        self.shrink = shrink

    def fit(self, panel, *, label, horizon, origin, **params):
        last = panel.index.get_level_values("period").max()
        SpyModel.seen.append((pd.Timestamp(origin), last, "fit"))
        self.horizon_ = horizon
        return self

    def predict_proba(self, panel, *, origin):
        last = panel.index.get_level_values("period").max()
        SpyModel.seen.append((pd.Timestamp(origin), last, "predict"))
        share = (panel["quad4"] > 0).groupby(level="dyad").mean()
        p = 1 - (1 - share) ** self.horizon_
        return self.shrink * p + (1 - self.shrink) * 0.5


class NoisyModel(BaseEstimator):
    """A stochastic model: a constant plus seeded noise."""

    _tags: ClassVar[dict[str, Any]] = {"stochastic": True}

    def __init__(self, random_state: int | None = None) -> None:
        self.random_state = random_state

    def fit(self, panel, *, label, horizon, origin, **params):
        self.rng_ = np.random.default_rng(self.random_state)
        return self

    def predict_proba(self, panel, *, origin):
        dyads = panel.index.get_level_values("dyad").unique()
        return pd.Series(np.clip(0.4 + self.rng_.normal(0, 0.1, len(dyads)), 0, 1), index=dyads)


class ConstantBaseline(BaseEstimator):
    def __init__(self, p: float = 0.3) -> None:
        self.p = p

    def fit(self, panel, **kw):
        return self

    def predict_proba(self, panel, *, origin):
        frame = getattr(panel, "data", panel)
        dyads = frame.index.get_level_values("dyad").unique()
        return pd.Series(self.p, index=dyads)


@pytest.fixture(scope="module")
def panel():
    return make_panel()


@pytest.fixture(scope="module")
def result(panel):
    SpyModel.seen.clear()
    plan = rolling_origin_splits(panel.index.get_level_values("period").unique(),
                                 horizons=(1, 3), holdout=8, validation=10, min_train=12)
    return backtest(panel, {"spy": SpyModel(), "noisy": NoisyModel(),
                            "const": ConstantBaseline()},
                    origins=plan, partitions=("calibration", "validation"),
                    n_boot=200, n_boot_aupr=20)


def test_no_data_after_the_origin_reaches_a_model(result):
    assert SpyModel.seen
    for origin, last, _ in SpyModel.seen:
        assert last <= origin


def test_ledger_has_every_forecast(result, panel):
    f = result.forecasts
    assert list(f.columns) == list(LEDGER_COLUMNS)
    plan = result.plan
    n_dyads = panel.index.get_level_values("dyad").nunique()
    n_splits = len(plan.select(partition=("calibration", "validation")))
    # spy and const once per split, noisy three seeds
    assert len(f) == n_splits * n_dyads * (1 + 1 + 3)
    assert set(f.loc[f["model"] == "noisy", "seed"].dropna()) == {0, 1, 2}
    assert f.loc[f["model"] == "spy", "seed"].isna().all()
    assert "holdout" not in set(f["partition"])
    assert f["probability"].between(0, 1).all()
    assert f["data_hash"].str.len().eq(16).all()
    # a later origin sees more data, hence a different hash
    assert f.groupby("origin")["data_hash"].nunique().eq(1).all()
    assert f["data_hash"].nunique() == f["origin"].nunique()


def test_outcomes_are_the_label_after_the_origin(result, panel):
    f = result.forecasts
    row = f[(f["model"] == "spy") & (f["horizon"] == 3)].iloc[5]
    q4 = panel.xs(row["dyad"], level="dyad")["quad4"]
    window = q4[(q4.index > row["origin"])].iloc[:3]
    assert row["outcome"] == float((window >= 1).any())


def test_subgroups_follow_the_recent_history(result, panel):
    f = result.forecasts
    for _, row in f[f["model"] == "const"].sample(30, random_state=0).iterrows():
        q4 = panel.xs(row["dyad"], level="dyad")["quad4"]
        recent = q4[q4.index <= row["origin"]].iloc[-12:]
        expect = "onset" if (recent < 1).all() else "continuation"
        assert row["subgroup"] == expect


def test_scores_match_sklearn_and_rescore(result):
    f = result.forecasts
    s = result.scores
    sel = (f["model"] == "spy") & (f["horizon"] == 1) & (f["partition"] == "validation")
    row = s[(s["model"] == "spy") & (s["horizon"] == 1) & (s["partition"] == "validation")
            & (s["subgroup"] == "all")].iloc[0]
    assert row["brier"] == pytest.approx(brier_score_loss(f.loc[sel, "outcome"],
                                                          f.loc[sel, "probability"]))
    assert row["auroc"] == pytest.approx(roc_auc_score(f.loc[sel, "outcome"],
                                                       f.loc[sel, "probability"]))
    assert set(s["subgroup"]) <= {"all", "onset", "continuation"}
    rescored = score_ledger(f, top_k=10)
    pd.testing.assert_frame_equal(rescored, s)
    noisy = s[(s["model"] == "noisy") & (s["subgroup"] == "all")]
    assert (noisy["n_seeds"] == 3).all()


def test_skill_against_baseline(result):
    sk = result.skill
    assert set(sk["baseline"]) == {"const"}
    assert set(sk["model"]) == {"spy", "noisy"}
    assert ((sk["brier_skill_low"] <= sk["brier_skill"])
            & (sk["brier_skill"] <= sk["brier_skill_high"])).all()
    s = result.scores.set_index(["model", "horizon", "partition", "subgroup"])["brier"]
    r = sk[(sk["model"] == "spy") & (sk["horizon"] == 1) & (sk["partition"] == "validation")]
    expect = 1 - s[("spy", 1, "validation", "all")] / s[("const", 1, "validation", "all")]
    assert r["brier_skill"].iloc[0] == pytest.approx(expect)
    assert "spy" in result.summary()
    assert result.best_model(partition="validation") in {"spy", "noisy"}
    rel = result.reliability
    assert {"model", "horizon", "partition", "mean_predicted", "observed", "count"} <= set(rel)


def test_save_and_ledger_roundtrip(result, tmp_path):
    written = result.save(tmp_path / "bt")
    led = read_ledger(written["ledger"])
    assert len(led) == len(result.forecasts)
    pd.testing.assert_frame_equal(score_ledger(led, top_k=10), result.scores)
    paths = result.to_csv(tmp_path / "csv")
    assert paths["scores"].read_text().startswith("model,horizon")


def test_holdout_is_scored_once(panel, tmp_path):
    plan = rolling_origin_splits(panel.index.get_level_values("period").unique(),
                                 horizons=(1,), holdout=6, validation=6, min_train=12)
    led = tmp_path / "ledger.parquet"
    kw = dict(origins=plan, partitions=("holdout",), ledger=led, n_boot=20, n_boot_aupr=5)
    r = backtest(panel, {"spy": SpyModel(), "const": ConstantBaseline()}, **kw)
    assert set(r.forecasts["partition"]) == {"holdout"}
    with pytest.raises(ConfigurationError, match="scored once"):
        backtest(panel, {"spy": SpyModel(), "const": ConstantBaseline()}, **kw)
    r2 = backtest(panel, {"spy": SpyModel(), "const": ConstantBaseline()},
                  allow_holdout_rerun=True, **kw)
    assert len(read_ledger(led)) == len(r2.forecasts)  # same forecasts replace, not duplicate


def test_failures_are_reported_not_hidden(panel):
    class Broken(ConstantBaseline):
        def fit(self, panel, **kw):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        backtest(panel, {"b": Broken(), "const": ConstantBaseline()}, horizons=(1,),
                 n_boot=10, n_boot_aupr=5)
    with pytest.warns(RuntimeWarning, match="boom"):
        r = backtest(panel, {"b": Broken(), "const": ConstantBaseline()}, horizons=(1,),
                     on_error="warn", n_boot=10, n_boot_aupr=5)
    assert r.meta["failures"] and r.meta["failures"][0]["model"] == "b"


def test_bad_configuration(panel):
    with pytest.raises(ConfigurationError, match="validation"):
        backtest(panel, {"c": ConstantBaseline()}, partitions=("validaton",))
    with pytest.raises(ConfigurationError, match="Did you mean 'const'"):
        backtest(panel, {"const": ConstantBaseline()}, baselines=["cosnt"])


def test_with_project_baselines(panel):
    baselines = pytest.importorskip("riskmodel.models.baselines")
    small = make_panel(6, 30)
    plan = rolling_origin_splits(small, horizons=(1, 3), step=3, holdout=6, validation=6,
                                 min_train=12)
    r = backtest(small, {"last": baselines.LastValueBaseline(),
                         "mean": baselines.TrailingMeanBaseline(window=6),
                         "rate": baselines.BaseRateBaseline()},
                 origins=plan, n_boot=50, n_boot_aupr=5)
    f = r.forecasts
    counts = f[f["model"] == "last"]
    assert counts["crps"].notna().all() and counts["mean"].notna().all()
    assert (counts["lower"] <= counts["upper"]).all()
    assert set(r.baselines) == {"last", "mean", "rate"}
    assert "crps" in r.scores.columns


def test_block_bootstrap_and_dm():
    rng = np.random.default_rng(0)
    base = rng.gamma(2, 1, 60)
    model = base * 0.8
    s, lo, hi = block_bootstrap_skill(model, base, np.ones(60), n_boot=500)
    assert s == pytest.approx(0.2)
    assert lo == pytest.approx(0.2) and hi == pytest.approx(0.2)
    noisy = base * rng.uniform(0.6, 1.1, 60)
    s, lo, hi = block_bootstrap_skill(noisy, base, np.ones(60), n_boot=500)
    assert lo < s < hi
    stat, p = diebold_mariano(noisy, base, lag=2)
    assert stat < 0 and 0 <= p < 0.05
    stat, p = diebold_mariano(base, base)
    assert np.isnan(p)


def make_events(n_months: int = 30, seed: int = 1) -> pd.DataFrame:
    """Canonical events for three state pairs; a share is reported 40 days late."""
    from riskmodel.events import conform_events

    rng = np.random.default_rng(seed)
    rows = []
    pairs = [("PAK", "AFG"), ("AFG", "PAK"), ("IND", "PAK")]
    days = pd.date_range("2018-01-01", periods=n_months * 30, freq="D")
    k = 0
    for a, b in pairs:
        rate = rng.uniform(0.05, 0.3)
        for d in days:
            for _ in range(rng.poisson(rate)):
                quad = int(rng.choice([1, 3, 4], p=[0.5, 0.3, 0.2]))
                code = {1: "040", 3: "120", 4: "190"}[quad]
                late = rng.uniform() < 0.3
                k += 1
                rows.append({
                    "event_id": f"gdelt2:{k}", "source": "gdelt2", "source_event_id": str(k),
                    "date": d, "available_at": d + pd.Timedelta(days=40 if late else 1),
                    "actor1_state": a, "actor2_state": b, "actor1_code": a, "actor2_code": b,
                    "cameo_code": code, "cameo_root": int(code[:2]), "quad_class": quad,
                    "goldstein": -10.0 if quad == 4 else 1.0, "weight": 1.0,
                })
    return conform_events(pd.DataFrame(rows))


class PanelSpy(ConstantBaseline):
    views: ClassVar[list[tuple[pd.Timestamp, Any]]] = []

    def fit(self, panel, *, origin=None, **kw):
        PanelSpy.views.append((pd.Timestamp(origin), panel))
        return self

    def predict_proba(self, panel, *, origin):
        return pd.Series(self.p, index=list(panel.dyads))


def test_as_of_rebuild_respects_reporting_lag():
    panel_mod = pytest.importorskip("riskmodel.panel")
    events = make_events()
    panel = panel_mod.build_panel(events, freq="M", directed=True)
    PanelSpy.views.clear()
    plan = rolling_origin_splits(panel, horizons=(1,), step=4, holdout=4, validation=4,
                                 min_train=12)
    r = backtest(panel, {"spy": PanelSpy(), "const": ConstantBaseline()}, origins=plan,
                 source=events, n_boot=10, n_boot_aupr=2)
    assert PanelSpy.views
    for origin, view in PanelSpy.views:
        assert view.periods[-1] <= origin
        end = origin + pd.offsets.MonthBegin(1) - pd.Timedelta(seconds=1)
        known = events[(events["available_at"] <= end) & (events["date"] <= end)]
        assert view.data["n_events"].sum() == len(known)
        # the final panel knows more about the same months than the panel as of the origin
        assert panel.truncate(origin).data["n_events"].sum() > len(known)
    assert r.meta["as_of_rebuild"] is True
    # hashes differ from the truncated final panel: the ledger records what was seen
    assert r.forecasts["data_hash"].nunique() == r.forecasts["origin"].nunique()


def test_cli_backtest_prints_and_saves(tmp_path, capsys):
    pytest.importorskip("riskmodel.panel")
    from riskmodel.cli import main
    from riskmodel.store import EventStore

    store_file = tmp_path / "events.duckdb"
    store = EventStore(str(store_file))
    store.add(make_events(), origin="test events")
    store.close()
    out = tmp_path / "bt"
    code = main(["backtest", "--store", str(store_file), "--freq", "M", "--horizons", "1",
                 "--models", "TrailingMeanBaseline:window=6", "--baselines", "ZeroBaseline",
                 "BaseRateBaseline", "--holdout", "4", "--validation", "6", "--step", "2",
                 "--n-boot", "20", "--out", str(out), "--quiet", "--jobs", "2"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "brier" in printed and "TrailingMeanBaseline:window=6" in printed
    assert (out / "ledger.parquet").is_file() and (out / "scores.csv").is_file()
    led = read_ledger(out / "ledger.parquet")
    assert set(led["model"]) == {"TrailingMeanBaseline:window=6", "ZeroBaseline",
                                 "BaseRateBaseline"}
    assert main(["backtest", "--store", str(store_file), "--models", "NegBinModle"]) == 1
    assert "Did you mean 'NegBinModel'" in capsys.readouterr().err
    # any number can be re-scored from the saved ledger alone
    assert main(["backtest", "--rescore", str(out / "ledger.parquet"), "--n-boot", "20"]) == 0
    again = capsys.readouterr().out
    assert "TrailingMeanBaseline:window=6" in again and "skill vs baselines" in again


def test_parallel_origins_give_the_same_ledger(panel):
    plan = rolling_origin_splits(panel.index.get_level_values("period").unique(),
                                 horizons=(1, 3), holdout=8, validation=10, min_train=12)
    models = {"noisy": NoisyModel(), "const": ConstantBaseline()}
    kw = {"origins": plan, "n_boot": 20, "n_boot_aupr": 5}
    one = backtest(panel, models, **kw)
    two = backtest(panel, models, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    pd.testing.assert_frame_equal(one.scores, two.scores)
    with pytest.warns(RuntimeWarning, match="boom"):  # failures in workers are still reported
        r = backtest(panel, {"b": _Broken(), "const": ConstantBaseline()}, horizons=(1,),
                     on_error="warn", n_jobs=2, n_boot=10, n_boot_aupr=5)
    assert r.meta["failures"] and {f["model"] for f in r.meta["failures"]} == {"b"}
    with pytest.raises(ConfigurationError, match="n_jobs"):
        backtest(panel, models, n_jobs=0, **kw)


class _Broken(ConstantBaseline):
    def fit(self, panel, **kw):
        raise RuntimeError("boom")


def test_parallel_origins_rebuild_from_an_event_store(tmp_path):
    panel_mod = pytest.importorskip("riskmodel.panel")
    from riskmodel.store import EventStore

    events = make_events()
    with EventStore(tmp_path / "s.duckdb") as store:
        store.add(events)
        panel = panel_mod.build_panel(store, freq="M", directed=True)
        plan = rolling_origin_splits(panel, horizons=(1,), step=4, holdout=4, validation=4,
                                     min_train=12)
        kw = {"origins": plan, "source": store, "n_boot": 10, "n_boot_aupr": 2}
        models = {"const": ConstantBaseline(), "half": ConstantBaseline(0.5)}
        one = backtest(panel, models, **kw)
        two = backtest(panel, models, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one.forecasts, two.forecasts)
    assert one.meta["as_of_rebuild"] and one.forecasts["data_hash"].nunique() > 1
