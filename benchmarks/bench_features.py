"""Feature benchmark: ``make_feature_pipeline().fit_transform`` on a large weekly dyad panel.

Usage::

    python benchmarks/bench_features.py                  # 2,000 dyads x 120 weeks = 240,000 rows
    python benchmarks/bench_features.py --small          # 60 dyads x 30 weeks (the test suite's)
    python benchmarks/bench_features.py --dyads 5000 --periods 260 --repeat 5 --json out.json

The script simulates a directed weekly :class:`~riskmodel.panel.DyadPanel` (every column of a
panel, both directions of most state pairs, heterogeneous activity, bursts of material conflict
that the reverse direction answers), pickles its frame, then measures, each in a fresh child
process so that peak memory is its own:

(a) **riskmodel**: ``make_feature_pipeline().fit_transform(panel.data)``, all the default
    features (lags, rolling mean/max, EWM, trend, time since, reciprocity, spillover, share);
(b) **pandas**: a plain per-dyad pandas implementation of a subset of them, the way one would
    write it by hand: ``groupby("dyad").shift`` for the lags, ``groupby("dyad").rolling`` for the
    rolling means and maxima, ``groupby("dyad").ewm`` for the EWM.

It reports the best of ``--repeat`` runs (wall seconds) and their CPU seconds, the ratio of (a)
to (b) (below 1: riskmodel computes all its features in less time than pandas takes for the
subset), the peak of the memory allocated during one transform (``tracemalloc``, the panel
excluded), each child's resident memory with its imports and the panel loaded ("RSS before")
and its peak. It checks that the features both compute agree (relative tolerance 1e-9) and
states the target: riskmodel under 2 s at 240,000 rows. ``--check`` exits 1 when the target is
missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import (  # noqa: E402
    child_report,
    cpu_count,
    human_bytes,
    peak_rss_self,
    print_table,
    ratio,
    run_child,
)

FULL = {"dyads": 2_000, "periods": 120}
SMALL = {"dyads": 60, "periods": 30}
TARGET_SECONDS = 2.0
TARGET_ROWS = 240_000
#: The pipeline's defaults that the pandas reference computes too.
COLUMNS = ("n_events", "quad3", "quad4")
LAGS = (1, 2, 4)
WINDOWS = (4, 12)
HALFLIFE = 4.0
#: Rows whose common features are compared across the two children.
N_SAMPLE = 2_000


def simulate_panel(n_dyads: int, n_periods: int, seed: int = 0) -> Any:
    """A directed weekly panel of ``n_dyads`` x ``n_periods`` with every panel column.

    Parameters
    ----------
    n_dyads, n_periods : int
        Dyads (both directions of ``n_dyads // 2`` state pairs, plus one more when odd) and
        consecutive weeks.
    seed : int
        Random seed.

    Returns
    -------
    riskmodel.panel.DyadPanel
    """
    import numpy as np
    import pandas as pd

    from riskmodel.panel import DyadPanel

    rng = np.random.default_rng(seed)
    n_states = 2
    while n_states * (n_states - 1) < n_dyads:
        n_states += 1
    states = [f"S{i:03d}" for i in range(n_states)]
    unordered = [(a, b) for i, a in enumerate(states) for b in states[i + 1:]]
    chosen = rng.permutation(len(unordered))[: (n_dyads + 1) // 2]
    pairs = sorted({p for j in chosen for p in (unordered[j], unordered[j][::-1])})[:n_dyads]
    labels = [f"{a}>{b}" for a, b in pairs]
    where = {pair: i for i, pair in enumerate(pairs)}
    reverse = np.array([where.get((b, a), -1) for a, b in pairs])
    d, t = len(pairs), n_periods

    # background rates (most dyads quiet, a few busy) with a yearly cycle
    base = np.minimum(np.exp(rng.normal(-0.5, 1.4, d)), 40.0)
    season = 1.0 + 0.25 * np.sin(2 * np.pi * np.arange(t) / 52.0)
    # material conflict: self-exciting, with excitation from the reverse direction
    q4 = np.zeros((d, t), dtype="int64")
    memory = np.zeros(d)
    calm = rng.random(d) < 0.6
    for k in range(t):
        answer = np.where(reverse >= 0, memory[np.maximum(reverse, 0)], 0.0)
        rate = np.where(calm, 0.002, 0.03 * base) * season[k] + 0.3 * memory + 0.2 * answer
        q4[:, k] = rng.poisson(rate)
        memory = 0.5 * memory + q4[:, k]
    q3 = rng.poisson(0.2 * base[:, None] * season + 0.8 * q4)
    q1 = rng.poisson(0.6 * base[:, None] * season + 0.2 * q4)
    q2 = rng.poisson(0.15 * base[:, None] * season, (d, t))
    n_events = q1 + q2 + q3 + q4

    columns: dict[str, Any] = {
        "state_a": np.repeat(np.array([a for a, _ in pairs], dtype=object), t),
        "state_b": np.repeat(np.array([b for _, b in pairs], dtype=object), t),
        "n_events": n_events.ravel(),
    }
    quads = (q1, q2, q3, q4)
    for q in range(4):
        columns[f"quad{q + 1}"] = quads[q].ravel()
    # CAMEO roots of each QuadClass: 01-05, 06-08, 09-13, 14-20
    spans = ((1, 5), (6, 8), (9, 13), (14, 20))
    for q, (lo, hi) in enumerate(spans):
        split = rng.multinomial(quads[q].ravel(), np.full(hi - lo + 1, 1.0 / (hi - lo + 1)))
        for r in range(lo, hi + 1):
            columns[f"root{r:02d}"] = split[:, r - lo]
    gsum = (3.0 * q1 + 6.0 * q2 - 4.0 * q3 - 9.0 * q4).ravel()
    n = n_events.ravel()
    columns["goldstein_sum"] = gsum
    columns["goldstein_mean"] = np.divide(gsum, n, out=np.zeros(len(n)), where=n > 0)
    columns["goldstein_min"] = np.where(q4.ravel() > 0, -10.0,
                                        np.where(q3.ravel() > 0, -5.0, np.where(n > 0, 1.0, 0.0)))
    columns["fatalities"] = np.where(q4 > 0, rng.poisson(0.7 * q4), 0).ravel().astype(float)
    columns["weight"] = 2.0 * n
    # the period's volume: the panel's events and as many again outside it
    volume = np.tile(2 * n_events.sum(axis=0) + rng.integers(0, 100, t), d)
    columns["volume"] = volume.astype("int64")
    columns["share"] = np.divide(n, volume, out=np.zeros(len(n)), where=volume > 0)
    periods = pd.date_range("2016-01-04", periods=t, freq="W-MON")
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.array(labels, dtype=object), t), np.tile(periods.to_numpy(), d)],
        names=["dyad", "period"])
    data = pd.DataFrame(columns, index=index)
    data["state_a"] = data["state_a"].astype(str)
    data["state_b"] = data["state_b"].astype(str)
    return DyadPanel(data, freq="W", directed=True, meta={"source": "bench_features"})


def pandas_reference(data: Any) -> Any:
    """Lags, rolling means and maxima and the EWM of :data:`COLUMNS`, per dyad with pandas.

    The same values as the corresponding columns of ``make_feature_pipeline()`` (0 before a
    dyad's first period); ``data`` must be sorted by (dyad, period), as panels are.
    """
    import pandas as pd

    groups = data[list(COLUMNS)].groupby(level="dyad", sort=False)
    parts = {}
    for k in LAGS:
        shifted = groups.shift(k).fillna(0.0)
        for c in COLUMNS:
            parts[f"{c}_lag{k}"] = shifted[c]
    for w in WINDOWS:
        rolling = groups.rolling(w, min_periods=1)
        for stat in ("mean", "max"):
            result = getattr(rolling, stat)().droplevel(0)
            for c in COLUMNS:
                parts[f"{c}_roll{w}_{stat}"] = result[c]
    ewm = groups.ewm(halflife=HALFLIFE).mean().droplevel(0)
    for c in COLUMNS:
        parts[f"{c}_ewm{HALFLIFE:g}"] = ewm[c]
    return pd.DataFrame(parts, index=data.index)


def common_features() -> list[str]:
    """Names of the features :func:`pandas_reference` computes (a subset of the pipeline's)."""
    return ([f"{c}_lag{k}" for k in LAGS for c in COLUMNS]
            + [f"{c}_roll{w}_{s}" for w in WINDOWS for s in ("mean", "max") for c in COLUMNS]
            + [f"{c}_ewm{HALFLIFE:g}" for c in COLUMNS])


def _contender(name: str) -> Any:
    if name == "pandas":
        return pandas_reference
    from riskmodel.features import make_feature_pipeline

    # the default pipeline, whose defaults are COLUMNS, LAGS, WINDOWS and HALFLIFE
    return lambda data: make_feature_pipeline().fit_transform(data)


def child(name: str, path: str, repeat: int) -> int:
    """Run one contender ``repeat`` times on the pickled frame; report times and a sample."""
    import numpy as np
    import pandas as pd

    data = pd.read_pickle(path)
    run = _contender(name)
    loaded = peak_rss_self()  # interpreter, imports and the panel, before any transform
    best = cpu_best = float("inf")
    for _ in range(repeat):
        cpu0, start = time.process_time(), time.perf_counter()
        out = run(data)
        best = min(best, time.perf_counter() - start)
        cpu_best = min(cpu_best, time.process_time() - cpu0)
    del out
    tracemalloc.start()
    out = run(data)
    _, allocated = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows = np.random.default_rng(0).choice(len(data), min(N_SAMPLE, len(data)), replace=False)
    sample = {c: out[c].to_numpy()[rows].tolist() for c in common_features()}
    child_report({"contender": name, "seconds": best, "cpu_seconds": cpu_best,
                  "rows": len(out), "features": out.shape[1], "allocated": allocated,
                  "loaded_rss": loaded,
                  "sample": sample})
    return 0


def generate(path: str, n_dyads: int, n_periods: int) -> int:
    """Simulate the panel and pickle its frame to ``path``."""
    start = time.perf_counter()
    panel = simulate_panel(n_dyads, n_periods)
    panel.data.to_pickle(path)
    child_report({"seconds": time.perf_counter() - start, "rows": len(panel.data),
                  "dyads": len(panel.dyads), "periods": len(panel.periods),
                  "events": int(panel.data["n_events"].sum()),
                  "memory": int(panel.data.memory_usage(deep=True).sum())})
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dyads", type=int, default=None,
                        help=f"dyads (default {FULL['dyads']:,})")
    parser.add_argument("--periods", type=int, default=None,
                        help=f"weeks (default {FULL['periods']})")
    parser.add_argument("--small", action="store_true",
                        help=f"{SMALL['dyads']} dyads x {SMALL['periods']} weeks (the test "
                             "suite's run)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per contender; the best is reported (default 3)")
    parser.add_argument("--json", default=None, metavar="PATH", help="write the summary here")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    size = SMALL if args.small else FULL
    n_dyads = args.dyads or size["dyads"]
    n_periods = args.periods or size["periods"]
    if args.child:
        if args.child[0] == "generate":
            return generate(args.child[1], n_dyads, n_periods)
        return child(args.child[0], args.child[1], args.repeat)

    import numpy as np

    script = str(Path(__file__).resolve())
    tmp = tempfile.mkdtemp(prefix="bench_features_")
    try:
        path = str(Path(tmp) / "panel.pkl")
        print(f"simulating {n_dyads:,} dyads x {n_periods} weeks ...", file=sys.stderr)
        made = run_child([sys.executable, script, "--child", "generate", path,
                          "--dyads", str(n_dyads), "--periods", str(n_periods)]).payload
        results = {}
        for name in ("riskmodel", "pandas"):
            print(f"running {name} ...", file=sys.stderr, flush=True)
            results[name] = run_child([sys.executable, script, "--child", name, path,
                                       "--repeat", str(args.repeat)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ours, ref = results["riskmodel"].payload, results["pandas"].payload
    agree = all(np.allclose(ours["sample"][c], ref["sample"][c], rtol=1e-9, atol=1e-12)
                for c in ref["sample"])
    secs = {n: r.payload["seconds"] for n, r in results.items()}
    peak = {n: max(r.peak_rss, r.sampled_peak_rss) for n, r in results.items()}
    rows = made["rows"]
    print(f"feature benchmark: {made['dyads']:,} directed dyads x {made['periods']} weeks = "
          f"{rows:,} rows, {made['events']:,} events, panel frame "
          f"{human_bytes(made['memory'])}, {cpu_count()} CPUs; best of {args.repeat}")
    table = []
    for name, label in (("riskmodel", "riskmodel make_feature_pipeline"),
                        ("pandas", "pandas groupby shift/rolling/ewm")):
        p = results[name].payload
        table.append([label, p["features"], f"{p['seconds']:.3f}", f"{p['cpu_seconds']:.3f}",
                      f"{rows / p['seconds']:,.0f}", ratio(p["seconds"], secs["pandas"]),
                      human_bytes(p["allocated"]), human_bytes(p["loaded_rss"]),
                      human_bytes(peak[name])])
    print_table(table, ["contender", "features", "seconds", "CPU s", "rows/s", "vs pandas",
                        "transform alloc", "RSS before", "peak RSS"])
    print(f"ratio riskmodel / pandas reference: {ratio(secs['riskmodel'], secs['pandas'])} "
          f"(riskmodel computes {ours['features']} features, the reference "
          f"{ref['features']})")
    print(f"common features agree (rtol 1e-9) on {len(next(iter(ref['sample'].values())))} "
          f"sampled rows: {agree}")
    met = secs["riskmodel"] < TARGET_SECONDS
    if rows < TARGET_ROWS:
        print(f"(the target is for >= {TARGET_ROWS:,} rows; at {rows:,} fixed costs dominate)")
    print(f"target riskmodel under {TARGET_SECONDS:g} s: {'met' if met else 'MISSED'}")
    summary = {"rows": rows, "dyads": made["dyads"], "periods": made["periods"],
               "seconds": secs,
               "cpu_seconds": {n: r.payload["cpu_seconds"] for n, r in results.items()},
               "features": {n: r.payload["features"] for n, r in results.items()},
               "allocated": {n: r.payload["allocated"] for n, r in results.items()},
               "peak_rss": peak, "ratio": secs["riskmodel"] / secs["pandas"], "agree": agree,
               "target_met": met, "cpus": cpu_count()}
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2))
    if not agree:
        return 1
    if args.check and rows >= TARGET_ROWS and not met:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
