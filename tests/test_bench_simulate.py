"""The simulator/report benchmark runs end to end at small size (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_simulate.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_simulate", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_simulate", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_simulate_small_completes(capsys: pytest.CaptureFixture[str]) -> None:
    out = _load().main(["--small"])
    text = capsys.readouterr().out
    assert "simulate_world" in text and "peak memory" in text
    assert out["n_events"] > 50_000 and out["n_files"] == 13
    assert out["simulate_s"] > 0 and out["reference_s"] > 0 and out["peak_rss"] > 0
