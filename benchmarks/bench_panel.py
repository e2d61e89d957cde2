"""Panel benchmark: the weekly directed dyad panel on DuckDB and on Dask, against polars.

Usage::

    python benchmarks/bench_panel.py                 # 10,000,000 events
    python benchmarks/bench_panel.py --small         # 200,000 events (what the test suite runs)
    python benchmarks/bench_panel.py --events 3000000 --keep /tmp/events

The script writes N synthetic canonical events (:mod:`riskmodel.engines.testing`: all 32
columns, 20 states, typed and untyped actors, non-state groups, several sources) as Parquet
files of one million events each, then measures, each in a fresh child process so that peak
memory is its own:

(a) **duckdb**: ``build_panel(folder, freq="W")`` (state attribution, directed, zero-filled,
    normalised: the whole panel, not only the group-by);
(b) **dask**: the same on a ``distributed.LocalCluster(n_workers=2, threads_per_worker=1,
    processes=True)``; the cluster's start-up is reported apart; the peak memory is that of the
    client and its worker processes together;
(c) **polars**: a minimal lazy group-by on the same files: events whose two actor states are
    known and different, counted per (actor 1 state, actor 2 state, week, CAMEO root) with the
    Goldstein sum and minimum, fatalities and weight (the cells the engines compute), no typing
    rules, no zero-fill, no volume.

It reports the best of ``--repeat`` runs (wall seconds) and the CPU seconds they used (the Dask
workers' included; on a busy machine CPU time is the steadier measure). It checks that the three
agree on the total number of events per dyad where they count the same
thing (polars with the type filter of the "state" rule), prints times, ratios and peak memory,
and the targets: DuckDB within 2x of polars and under 2 GB; Dask no slower than 3x DuckDB.
``--check`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import (  # noqa: E402
    child_report,
    cpu_count,
    human_bytes,
    print_table,
    ratio,
    run_child,
)

FULL_EVENTS = 10_000_000
SMALL_EVENTS = 200_000
CHUNK = 1_000_000
STATE_TYPES = ("GOV", "MIL", "COP", "JUD", "LEG", "SPY")


def dyad_totals_polars(folder: str) -> tuple[dict[str, int], Any]:
    """The polars contender; returns per-dyad totals (state rule) and the cells frame."""
    import polars as pl

    scan = pl.scan_parquet(f"{folder}/*.parquet")
    both = (pl.col("actor1_state").is_not_null() & pl.col("actor2_state").is_not_null()
            & (pl.col("actor1_state") != pl.col("actor2_state")))
    typed = ((pl.col("actor1_type").is_null() | pl.col("actor1_type").is_in(STATE_TYPES))
             & (pl.col("actor2_type").is_null() | pl.col("actor2_type").is_in(STATE_TYPES)))
    cells = (
        scan.filter(both & typed)
        .with_columns(pl.col("date").dt.truncate("1w").alias("week"))
        .group_by(["actor1_state", "actor2_state", "week", "cameo_root"])
        .agg(pl.len().alias("n"), pl.col("goldstein").sum().alias("gsum"),
             pl.col("goldstein").min().alias("gmin"),
             pl.col("fatalities").fill_null(0).sum().alias("fat"),
             pl.col("weight").sum().alias("w"))
        .collect()
    )
    totals = cells.group_by(["actor1_state", "actor2_state"]).agg(pl.col("n").sum())
    out = {f"{a}>{b}": int(n) for a, b, n in totals.iter_rows()}
    return out, cells


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and its threads so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_cpu() -> float:
    import psutil

    times = psutil.Process().cpu_times()
    return times.user + times.system


def child(engine: str, folder: str, workers: int, repeat: int) -> int:
    """Run one contender ``repeat`` times; report the best time, CPU time and dyad totals."""
    payload: dict[str, Any] = {"engine": engine}
    best = cpu_best = float("inf")
    client = cluster = None
    if engine == "dask":
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
        # warm the workers (imports), so that the timing is the aggregation's own
        client.run(lambda: __import__("riskmodel.panel"))
        payload["startup_seconds"] = time.perf_counter() - start
    for _ in range(repeat):
        cpu0 = _cpu_seconds()
        workers0 = sum(client.run(_worker_cpu).values()) if client is not None else 0.0
        start = time.perf_counter()
        if engine == "polars":
            totals, cells = dyad_totals_polars(folder)
            rows = cells.height
        else:
            from riskmodel.panel import build_panel

            kwargs: dict[str, Any] = {"freq": "W", "engine": engine}
            if client is not None:
                kwargs["client"] = client
            panel = build_panel(folder, **kwargs)
            rows = len(panel.data)
            totals = {k: int(v) for k, v in
                      panel.data.groupby(level="dyad")["n_events"].sum().items()}
        elapsed = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu0
        if client is not None:
            cpu += sum(client.run(_worker_cpu).values()) - workers0
        best = min(best, elapsed)
        cpu_best = min(cpu_best, cpu)
    payload.update({"seconds": best, "cpu_seconds": cpu_best, "rows": rows, "totals": totals})
    if client is not None:
        client.close()
        cluster.close()
    child_report(payload)
    return 0


def generate(folder: Path, n: int) -> float:
    """Write ``n`` synthetic events as Parquet; return the seconds spent."""
    from riskmodel.engines.testing import write_synthetic_parquet

    start = time.perf_counter()
    chunk = CHUNK if n >= 4 * CHUNK else max(1, n // 4)
    write_synthetic_parquet(folder, n, chunk=chunk, seed=2022, start="2019-01-01", days=3 * 365)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=None, help=f"events (default {FULL_EVENTS})")
    parser.add_argument("--small", action="store_true",
                        help=f"{SMALL_EVENTS} events (the test suite's run)")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers (default 2)")
    parser.add_argument("--keep", default=None, metavar="DIR",
                        help="write (or reuse) the Parquet files in DIR and keep them")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per contender; the best is reported (default 1)")
    parser.add_argument("--skip-dask", action="store_true", help="run DuckDB and polars only")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = args.events or (SMALL_EVENTS if args.small else FULL_EVENTS)
    if args.child:
        if args.child[0] == "generate":
            child_report({"seconds": generate(Path(args.child[1]), n)})
            return 0
        return child(args.child[0], args.child[1], args.workers, args.repeat)

    tmp = None
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="bench_panel_")
        folder = Path(tmp)
    try:
        existing = sorted(folder.glob("*.parquet"))
        if existing:
            import pyarrow.parquet as pq

            have = sum(pq.ParquetFile(f).metadata.num_rows for f in existing)
            if have != n:
                raise SystemExit(f"{folder} holds {have} events, not {n}; empty it first.")
            gen = 0.0
            print(f"reusing {len(existing)} Parquet files ({n:,} events) in {folder}",
                  file=sys.stderr)
        else:
            print(f"writing {n:,} synthetic events as Parquet to {folder} ...", file=sys.stderr)
            # in a child, so that this process stays small (children inherit its peak RSS)
            gen = run_child([sys.executable, str(Path(__file__).resolve()), "--child",
                             "generate", str(folder), "--events", str(n)]).payload["seconds"]
        size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
        n_files = len(list(folder.glob("*.parquet")))
        engines = ["polars", "duckdb"] + ([] if args.skip_dask else ["dask"])
        results = {}
        for engine in engines:
            print(f"running {engine} ...", file=sys.stderr, flush=True)
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", engine, str(folder),
                   "--workers", str(args.workers), "--repeat", str(args.repeat)]
            results[engine] = run_child(cmd)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    totals = {e: r.payload["totals"] for e, r in results.items()}
    agree = all(totals[e] == totals["polars"] for e in totals)
    secs = {e: r.payload["seconds"] for e, r in results.items()}
    cpus = {e: r.payload["cpu_seconds"] for e, r in results.items()}
    peak = {e: max(r.peak_rss, r.sampled_peak_rss) for e, r in results.items()}
    print(f"panel benchmark: {n:,} canonical events in {n_files} Parquet files ({human_bytes(size)}), weekly directed panel, {cpu_count()} CPUs"
          + (f"; generated in {gen:.1f} s" if gen else ""))
    rows = []
    for e, r in results.items():
        rows.append([e, f"{secs[e]:.2f}", ratio(secs[e], secs["polars"]),
                     ratio(secs[e], secs["duckdb"]), f"{cpus[e]:.1f}", human_bytes(peak[e]),
                     f"{r.payload['rows']:,}", f"{r.wall:.1f}"])
    print_table(rows, ["engine", "seconds", "vs polars", "vs duckdb", "CPU s", "peak RSS",
                       "output rows", "wall incl. start-up"])
    if "dask" in results:
        print("dask cluster start-up and warm-up "
              f"{results['dask'].payload.get('startup_seconds', 0):.1f} s (not included)")
    print(f"per-dyad event totals agree across engines: {agree}")
    checks = [("duckdb within 2x of polars", secs["duckdb"] <= 2 * secs["polars"]),
              ("duckdb peak memory under 2 GB", peak["duckdb"] < 2 * 1024 ** 3)]
    if "dask" in results:
        checks.append(("dask no slower than 3x duckdb", secs["dask"] <= 3 * secs["duckdb"]))
    if n < FULL_EVENTS:
        print(f"(the targets are for >= {FULL_EVENTS:,} events; at {n:,} fixed costs dominate)")
    for label, ok in checks:
        print(f"target {label}: {'met' if ok else 'MISSED'}")
    summary = {"events": n, "seconds": secs, "cpu_seconds": cpus, "peak_rss": peak,
               "agree": agree,
               "targets": dict(checks)}
    print("json: " + json.dumps(summary))
    if not agree:
        return 1
    if args.check and not all(ok for _, ok in checks):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
