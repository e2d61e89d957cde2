"""The main job's stages on a small simulated world, and its configuration errors."""

from __future__ import annotations

import json

import pytest

from riskmodel.exceptions import ConfigurationError, StoreError
from riskmodel.pipeline import PipelineConfig, make_model, run_pipeline
from riskmodel.store import EventStore


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    from riskmodel.datasets import simulate_world

    root = tmp_path_factory.mktemp("pipeline")
    world = simulate_world(root / "world", start="2018-01-01", end="2020-06-30")
    path = root / "events.duckdb"
    with EventStore(path) as store:
        report = store.ingest("gdelt2", [world.events_dir])
    assert report.rejected == 0
    return path


def test_run_pipeline_on_a_read_only_store(small_store, tmp_path):
    config = PipelineConfig(min_train=52, backtest_periods=26, top=2)
    with EventStore(small_store, read_only=True) as store:
        result = run_pipeline(store, tmp_path / "reports", config)
        expected_hash = store.data_hash()
    assert (tmp_path / "reports" / "index.html").is_file()
    assert len(result.reports["dyads"]) == 2
    meta = json.loads((result.results_dir / "meta.json").read_text())
    assert meta["data_hash"] == expected_hash
    assert meta["config"]["top"] == 2
    assert meta["source"].startswith("gdelt2:")
    ledger = result.inputs.forecasts
    live = ledger[ledger["partition"] == "live"]
    assert set(live["model"]) == {"logistic", *config.baselines}
    assert live["probability"].between(0, 1).all()
    # The backtest never scores a forecast whose outcome window was not observed.
    assert ledger.loc[ledger["partition"] != "live", "outcome"].notna().all()


def test_empty_store_is_a_clear_error(tmp_path):
    with EventStore(tmp_path / "empty.duckdb") as store, \
            pytest.raises(StoreError, match="holds no events"):
        run_pipeline(store, tmp_path / "out")


def test_panel_too_short_for_the_backtest(small_store, tmp_path):
    with EventStore(small_store, read_only=True) as store, \
            pytest.raises(ConfigurationError, match="min_train"):
        run_pipeline(store, tmp_path / "out", PipelineConfig(min_train=500))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"horizn": 4}, "Did you mean 'horizon'"),
        ({"horizon": 0}, "must be an int >= 1. Got 0"),
        ({"freq": "Q"}, "'freq' parameter"),
        ({"model": "logistc"}, "Did you mean 'logistic'"),
        ({"baselines": ["conflictolgy"]}, "Did you mean 'conflictology'"),
        ({"baselines": []}, "at least one baseline"),
    ],
)
def test_bad_configuration(values, message):
    with pytest.raises(ConfigurationError, match=message):
        PipelineConfig.from_mapping(values)


def test_configuration_files(tmp_path):
    good = tmp_path / "c.toml"
    good.write_text('horizon = 8\nbaselines = ["conflictology"]\n')
    assert PipelineConfig.from_file(good).horizon == 8
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        PipelineConfig.from_file(bad)
    with pytest.raises(ConfigurationError, match="Cannot read"):
        PipelineConfig.from_file(tmp_path / "missing.json")


def test_make_model_names():
    assert type(make_model("gbm")).__name__ == "EscalationClassifier"
    with pytest.raises(ConfigurationError, match="Did you mean 'negbin'"):
        make_model("negbn")
