"""End to end: the main job as the README's first command runs it.

``riskmodel run`` simulates the SYNTHETIC default world, ingests it through the gdelt2 reader,
builds the weekly panel, backtests the model against its baselines, forecasts and writes the
watchlist plus one HTML and one PDF report per dyad.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    root = tmp_path_factory.mktemp("main_job")
    env = {**os.environ, "RISKMODEL_DATA": str(root / "data"), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "riskmodel", "run", "--out", str(root / "reports"),
           "--default-store", str(root / "build" / "default.duckdb")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_writes_watchlist_and_reports_per_dyad(main_job):
    root, summary, _ = main_job
    reports = root / "reports"
    index = reports / "index.html"
    assert Path(summary["index"]) == index and index.is_file()
    html_reports = sorted(p for p in reports.glob("*.html") if p.name != "index.html")
    pdf_reports = sorted(reports.glob("*.pdf"))
    assert len(html_reports) == summary["dyad_reports"] >= 30
    assert {p.stem for p in html_reports} == {p.stem for p in pdf_reports}
    assert "PAK_to_AFG" in {p.stem for p in html_reports}
    for pdf in pdf_reports[:3]:
        assert pdf.read_bytes()[:5] == b"%PDF-"
    watchlist = index.read_text(encoding="utf-8")
    assert "SYNTHETIC" in watchlist
    for p in html_reports[:3]:
        assert f'href="{p.name}"' in watchlist


def test_reports_are_self_contained_with_real_plots(main_job):
    root, _, _ = main_job
    html = (root / "reports" / "PAK_to_AFG.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) >= 2
    for data in images:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert not re.search(r'src="(?!data:)', html), "reports must not load external assets"


def test_accounting_and_results_are_recorded(main_job):
    root, summary, stderr = main_job
    meta = json.loads((root / "reports" / "results" / "meta.json").read_text())
    ingest = meta["ingest"]
    assert ingest["read"] == ingest["stored"] + ingest["duplicates"] + ingest["rejected"]
    assert ingest["rejected"] == 0 and ingest["read"] == meta["world_events"]
    assert meta["synthetic"] is True
    assert "ingest accounting" in stderr
    assert set(summary["timings"]) >= {"simulate", "ingest", "panel", "backtest", "reports"}


def test_rerun_is_idempotent(main_job):
    root, _, _ = main_job
    env = {**os.environ, "RISKMODEL_DATA": str(root / "data")}
    proc = subprocess.run([sys.executable, "-m", "riskmodel", "ingest", "gdelt2",
                           str(root / "data" / "synthetic_default_world" / "gdelt2"),
                           "--store", str(root / "build" / "default.duckdb")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    counts = json.loads(proc.stdout.strip().splitlines()[-1])
    assert counts["stored"] == 0 and counts["duplicates"] == counts["read"] > 0


def test_forecasts_cover_every_dyad_with_live_probabilities(main_job):
    root, _, _ = main_job
    results = root / "reports" / "results"
    ledger_path = next(results.glob("forecasts.*"))
    ledger = (pd.read_parquet(ledger_path) if ledger_path.suffix == ".parquet"
              else pd.read_csv(ledger_path))
    live = ledger[ledger["partition"] == "live"]
    assert live["probability"].between(0, 1).all()
    assert {"logistic", "conflictology"} <= set(live["model"])
    backtested = ledger[ledger["partition"] != "live"]
    assert backtested["outcome"].notna().all()
