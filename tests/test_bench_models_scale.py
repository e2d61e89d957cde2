"""The model scale benchmark runs end to end at small size.

Runs ``benchmarks/bench_models_scale.py --small`` through its ``main``. No timing is asserted:
only that it completes, reports every model and the reference, and that the models beat the
no-change baseline on the simulated world, whose conflict is self-exciting.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_models_scale.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_models_scale", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_models_scale", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_models_scale_small(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load()
    out = tmp_path / "result.json"
    code = bench.main(["--small", "--json", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads(out.read_text())
    assert result["dyads"] == bench.SMALL["dyads"]
    assert set(result["models"]) == {"EscalationClassifier(gbm)", "NegBinModel",
                                     "LastValueBaseline"}
    for scores in result["models"].values():
        assert 0.0 <= scores["brier"] <= 1.0
        assert 0.0 < scores["prevalence"] < 1.0
        assert scores["n"] == bench.SMALL["dyads"] * bench.SMALL["origins"]
    last = result["models"]["LastValueBaseline"]
    for name in ("EscalationClassifier(gbm)", "NegBinModel"):
        assert result["models"][name]["brier"] < last["brier"]
        assert result["models"][name]["auroc"] > last["auroc"]
    assert result["reference_seconds"] > 0
    assert result["peak_rss_bytes"] > 0
    assert "ratio total/reference" in printed


def test_simulated_world_is_a_valid_panel() -> None:
    bench = _load()
    panel = bench.simulate_world(60, 24, seed=3)
    assert len(panel.dyads) == 60
    assert len(panel.periods) == 24
    assert panel.directed
    q4 = panel.data["quad4"]
    assert (q4 >= 0).all() and q4.sum() > 0
