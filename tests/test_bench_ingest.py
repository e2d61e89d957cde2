"""The ingest benchmark runs end to end at small size and both contenders agree.

Runs ``benchmarks/bench_ingest.py --small`` through its ``main`` (the contenders still run in
child processes). No timing is asserted: only that it completes, that riskmodel's accounting is
exact and that riskmodel's weekly dyad counts (and the plain DuckDB load's) equal the polars
reference's.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_ingest.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_ingest", module)
    spec.loader.exec_module(module)
    return module


def test_bench_ingest_small_completes_and_counts_agree(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("polars")
    pytest.importorskip("psutil")
    bench = _load()
    out = tmp_path / "result.json"
    code = bench.main(["--small", "--workdir", str(tmp_path / "work"), "--json", str(out)])
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert code == 0, result["message"]
    assert result["counts_equal"] is True
    assert result["rows"] == bench.SMALL_ROWS
    assert result["riskmodel"]["accounting"] == {"read": bench.SMALL_ROWS,
                                                 "stored": bench.SMALL_ROWS,
                                                 "duplicates": 0, "rejected": 0}
    assert result["riskmodel"]["cells"] == result["polars"]["cells"] > 0
    assert result["duckdb"]["cells"] == result["polars"]["cells"]  # the plain-load floor
    assert result["riskmodel"]["peak_rss"] > 0 and result["polars"]["peak_rss"] > 0
    assert "ratio riskmodel / polars" in printed and "OK:" in printed
    assert "riskmodel / plain DuckDB load" in printed


def test_generated_file_is_gdelt1_layout(tmp_path: Path) -> None:
    bench = _load()
    path = bench.write_gdelt1_file(tmp_path / "g.CSV", 500, seed=1)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 500
    fields = [line.split("\t") for line in lines]
    assert {len(f) for f in fields} == {58}
    codes = {f[26] for f in fields}
    assert all(len(c) >= 3 and c.isdigit() for c in codes)  # zero-padded CAMEO strings
    assert any(c.startswith("0") for c in codes)
    assert all(f[27] == f[26][:3] and f[28] == f[26][:2] for f in fields)
    assert len({f[1][:4] for f in fields}) >= 4  # several years
    assert sum(bool(f[7]) for f in fields) > 350  # most actors have a country code
    assert all(f[57].startswith("https://") for f in fields)


def test_bench_ingest_many_files_counts_agree(tmp_path: Path) -> None:
    pytest.importorskip("polars")
    pytest.importorskip("psutil")
    bench = _load()
    result = bench.run(3_000, tmp_path / "work", quiet=True, files=7)
    assert result["counts_equal"] is True, result["message"]
    assert result["files"] == 7
    assert result["riskmodel"]["accounting"] == {"read": 3_000, "stored": 3_000,
                                                 "duplicates": 0, "rejected": 0}
    assert len(list((tmp_path / "work").glob("*_x7/*.export.CSV"))) == 7
