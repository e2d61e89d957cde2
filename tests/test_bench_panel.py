"""The panel benchmark runs end to end in its small version (timings are printed, not tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_panel.py"


@pytest.mark.slow
def test_bench_panel_small_runs_and_engines_agree(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "60000", "--keep", str(tmp_path / "events")],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "per-dyad event totals agree across engines: True" in out
    for engine in ("polars", "duckdb", "dask"):
        assert engine in out
    summary = json.loads(out.split("json: ", 1)[1].splitlines()[0])
    assert summary["events"] == 60000 and summary["agree"] is True
    assert set(summary["seconds"]) == {"polars", "duckdb", "dask"}
    assert all(v > 0 for v in summary["peak_rss"].values())
    # the kept Parquet files are reused by a second run
    again = subprocess.run(
        [sys.executable, str(SCRIPT), "--events", "60000", "--keep", str(tmp_path / "events"),
         "--skip-dask"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "reusing" in again.stderr
