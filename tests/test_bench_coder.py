"""The coder benchmark runs in its small version (no timing assertions)."""

from __future__ import annotations

import importlib.util
import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_coder.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_coder", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_bench_small_without_shared_data() -> None:
    bench = _load()
    out = io.StringIO()
    with redirect_stdout(out):
        res = bench.main(["--small", "--shared-data", "", "--articles", "8"])
    text = out.getvalue()
    assert "quality: skipped" in text and "articles/s" in text and "LLM reference" in text
    tp = res["throughput"]
    assert tp["articles"] == 8 and tp["per_second"] > 0 and tp["events"] > 0
    assert res["peak_memory_mb"] > 0


@pytest.mark.shared_data
def test_bench_small_quality(shared_data: Path) -> None:
    bench = _load()
    out = io.StringIO()
    with redirect_stdout(out):
        res = bench.main(["--small", "--shared-data", str(shared_data), "--articles", "5"])
    for key in ("plover", "petrarch", "plover_reference", "petrarch_reference"):
        r = res[key]
        assert 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 and 0 <= r["f1"] <= 1
        assert r["gold"] > 0
    assert res["petrarch"]["scorable_codings"] == 41
    assert res["petrarch"]["all_codings"] == 385
    assert "confusion" not in res["plover"]
    assert "FIGHT" in out.getvalue()  # the confusion table is printed


def test_plover_map_is_total() -> None:
    bench = _load()
    assert bench.plover_category("195") == "FIGHT"
    assert bench.plover_category("192") == "COERCE"
    assert bench.plover_category("175") == "ASSAULT"
    assert bench.plover_category("0841") == "CONCEDE/RETREAT"
    assert bench.plover_category("026") == "DEMAND"
