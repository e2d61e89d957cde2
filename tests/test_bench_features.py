"""The feature benchmark runs end to end at small size and both contenders agree.

Runs ``benchmarks/bench_features.py --small`` through its ``main`` (the contenders still run in
child processes). No timing is asserted: only that it completes, reports every measurement and
that the features riskmodel and the pandas reference both compute are equal.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_features.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_features", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_features", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_features_small_completes_and_agrees(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("psutil")
    bench = _load()
    out = tmp_path / "result.json"
    code = bench.main(["--small", "--repeat", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert code == 0
    assert result["agree"] is True
    assert result["rows"] == bench.SMALL["dyads"] * bench.SMALL["periods"]
    assert result["features"] == {"riskmodel": 38, "pandas": len(bench.common_features())}
    assert all(v > 0 for v in result["seconds"].values())
    assert all(v > 0 for v in result["peak_rss"].values())
    assert all(v > 0 for v in result["allocated"].values())
    assert "ratio riskmodel / pandas reference" in printed
    assert "common features agree (rtol 1e-9)" in printed and "target riskmodel" in printed


def test_simulated_panel_is_a_valid_directed_panel() -> None:
    bench = _load()
    panel = bench.simulate_panel(7, 9, seed=1)
    assert len(panel.dyads) == 7 and len(panel.periods) == 9 and panel.directed
    data = panel.data
    reverse = {f"{b}>{a}" for a, b in zip(data["state_a"], data["state_b"])}
    assert len(reverse & set(panel.dyads)) >= 6  # both directions of most pairs
    quads = data[["quad1", "quad2", "quad3", "quad4"]].sum(axis=1)
    assert (quads == data["n_events"]).all()
    roots = data[[f"root{r:02d}" for r in range(1, 21)]].sum(axis=1)
    assert (roots == data["n_events"]).all()
    # the reference computes what the pipeline computes for the common features
    from riskmodel.features import make_feature_pipeline

    ours = make_feature_pipeline().fit_transform(data)[bench.common_features()]
    ref = bench.pandas_reference(data)[bench.common_features()]
    assert list(ref.columns) == list(ours.columns)
    assert ref.index.equals(ours.index)
    assert ((ours - ref).abs().to_numpy() <= 1e-9 * (1 + ref.abs().to_numpy())).all()
