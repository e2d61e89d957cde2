"""``riskmodel panel``: from a store or event files to a CSV/Parquet panel and a summary."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from riskmodel.cli import main
from riskmodel.engines.testing import synthetic_events


@pytest.fixture(scope="module")
def store_file(tmp_path_factory):
    from riskmodel.store import EventStore

    path = tmp_path_factory.mktemp("cli") / "events.duckdb"
    store = EventStore(str(path))
    store.add(synthetic_events(3000, days=60, seed=4))
    store.close()
    return path


def test_panel_from_store_to_parquet(store_file, tmp_path, capsys):
    out = tmp_path / "p" / "panel.parquet"
    code = main(["panel", "--store", str(store_file), "--freq", "M", "--attribution",
                 "territorial", "--dedup", "dyad_code_day", "--output", str(out), "--top", "3"])
    assert code == 0
    captured = capsys.readouterr()
    assert "directed dyads x 3 periods (M)" in captured.out
    assert "attribution territorial  dedup dyad_code_day" in captured.out
    assert "wrote" in captured.err
    flat = pd.read_parquet(out)
    assert {"dyad", "period", "n_events", "quad4", "share"} <= set(flat.columns)
    meta = json.loads((tmp_path / "p" / "panel.parquet.meta.json").read_text())
    assert meta["attribution"] == "territorial" and meta["freq"] == "M"
    assert meta["n_events_panel"] == int(flat["n_events"].sum())


def test_panel_from_event_files_to_csv(tmp_path, capsys):
    files = tmp_path / "ev.parquet"
    synthetic_events(2000, days=30, seed=5).to_parquet(files, index=False)
    out = tmp_path / "panel.csv"
    code = main(["panel", "--events", str(files), "--undirected", "--dyads", "AFG-PAK",
                 "IND-PAK", "--output", str(out), "--no-normalize"])
    assert code == 0
    flat = pd.read_csv(out)
    assert sorted(flat["dyad"].unique()) == ["AFG-PAK", "IND-PAK"]
    assert "volume" not in flat.columns
    assert "AFG-PAK" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--output", "panel.xlsx"], "--output must end in .csv or .parquet"),
    (["--scheduler", "tcp://x:1"], "--scheduler needs --engine dask"),
    (["--dedup", "none", "--start", "2030-01-01"], "No events match"),
])
def test_panel_cli_errors(store_file, capsys, argv, message):
    assert main(["panel", "--store", str(store_file)] + argv) == 1
    assert message in capsys.readouterr().err


def test_missing_store(tmp_path, capsys):
    assert main(["panel", "--store", str(tmp_path / "none.duckdb")]) == 1
    assert "No event store" in capsys.readouterr().err
