"""Scale benchmark of the escalation models: 20,000 directed dyads x 120 months.

Usage::

    python benchmarks/bench_models_scale.py            # 20,000 dyads x 120 months, 12 origins
    python benchmarks/bench_models_scale.py --small    # 400 dyads x 48 months, 2 origins (suite)
    python benchmarks/bench_models_scale.py --json out.json

The script simulates a monthly world of directed dyads whose material-conflict counts (QuadClass
4) follow a discrete-time self-exciting process with excitation from the reverse direction and
heterogeneous background rates (most dyads almost always quiet, a few persistently active);
verbal conflict, cooperation, CAMEO roots, Goldstein scores and fatalities are drawn around it.
It builds a :class:`riskmodel.panel.DyadPanel` and runs a rolling-origin backtest by hand: at
each of the last ``origins`` months that leave a full window, every model is fitted on the panel
up to the origin (expanding window) and forecasts P(material conflict within h = 3 months) for
every dyad. Models:

* ``EscalationClassifier(estimator="gbm")``, the best classifier of the suite's comparisons;
* ``NegBinModel``, the lagged negative binomial (the strong simple baseline);
* ``LastValueBaseline`` (no change), for context.

It prints, per model, fit and predict seconds over all origins (wall clock, and the process's
CPU seconds, which other load on the machine disturbs less), pooled Brier score, empirical
AUROC and AUPR (next to the prevalence), and the totals; the peak resident memory of the
process; and the ratio of the total to a reference measured in the same run: one
``HistGradientBoostingClassifier`` fit (100 iterations) on a fixed random 200,000 x 20 matrix,
a yardstick of the machine's speed (20,000 x 20 for ``--small``). Targets at full size: the
classifier and the NB baseline together in under 5 minutes on 2 cores with a peak under 4 GB.

Training sets are large (up to 2.3 M dyad-months), so the classifier and the NB model fit on a
uniform random subsample of ``--max-train-rows`` training rows (uniform sampling keeps the
probabilities unbiased); features and forecasts always use every dyad.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FULL = {"dyads": 20_000, "periods": 120, "origins": 12}
SMALL = {"dyads": 400, "periods": 48, "origins": 2}
#: Rows of the reference matrix (full size, small size).
REFERENCE_ROWS = {"full": 200_000, "small": 20_000}
HORIZON = 3


def peak_rss() -> int:
    """Peak resident set size of this process, in bytes (Linux: ru_maxrss is in KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def simulate_world(n_dyads: int, n_periods: int, seed: int = 0) -> Any:
    """A monthly directed-dyad panel with self-exciting material conflict (see the docstring)."""
    from riskmodel.panel import DyadPanel

    rng = np.random.default_rng(seed)
    n_states = int(np.ceil((1 + np.sqrt(1 + 4 * n_dyads)) / 2))
    states = [f"S{i:03d}" for i in range(n_states)]
    pairs = [(a, b) for a in states for b in states if a != b][:n_dyads]
    pairs.sort()
    labels = [f"{a}>{b}" for a, b in pairs]
    pos = {lab: i for i, lab in enumerate(labels)}
    rev = np.array([pos.get(f"{b}>{a}", -1) for a, b in pairs])
    has_rev = rev >= 0
    rev_i = np.where(has_rev, rev, 0)
    d, t = n_dyads, n_periods
    mu = np.exp(rng.normal(-4.8, 1.6, size=d))
    mu = np.minimum(mu, 1.5)
    hot = rng.random(d) < 0.02
    mu[hot] *= 8.0
    season = 1.0 + 0.2 * np.sin(2 * np.pi * np.arange(t) / 12.0)
    q4 = np.zeros((d, t), dtype=np.int32)
    r = np.zeros(d)
    decay = 0.6
    for k in range(t):
        lam = mu * season[k] + 0.25 * r + 0.08 * np.where(has_rev, r[rev_i], 0.0)
        q4[:, k] = rng.poisson(lam)
        r = q4[:, k] + decay * r
    base = mu[:, None]
    q3 = rng.poisson(0.6 * q4 + 0.8 * base).astype(np.int32)
    q1 = rng.poisson(0.3 * q4 + 3.0 * base).astype(np.int32)
    q2 = rng.poisson(1.0 * base, size=(d, t)).astype(np.int32)
    n = q1 + q2 + q3 + q4
    fat = np.where(q4 > 0, rng.poisson(0.5 * q4), 0).astype(float)
    gsum = (-9.0 * q4 - 4.0 * q3 + 3.0 * q1 + 6.0 * q2).astype(float)
    gmean = np.divide(gsum, n, out=np.zeros_like(gsum), where=n > 0)
    gmin = np.where(q4 > 0, -10.0, np.where(q3 > 0, -5.0, np.where(n > 0, 1.0, 0.0)))
    volume = np.broadcast_to(n.sum(axis=0, dtype=np.int64), (d, t)).astype(float)
    periods = pd.date_range("2010-01-01", periods=t, freq="MS")
    index = pd.MultiIndex.from_arrays(
        [np.repeat(np.array(labels, dtype=object), t), np.tile(periods.to_numpy(), d)],
        names=["dyad", "period"])
    cols: dict[str, Any] = {
        "state_a": np.repeat(np.array([a for a, _ in pairs], dtype=object), t),
        "state_b": np.repeat(np.array([b for _, b in pairs], dtype=object), t),
        "n_events": n.ravel(), "quad1": q1.ravel(), "quad2": q2.ravel(), "quad3": q3.ravel(),
        "quad4": q4.ravel(),
    }
    zeros = np.zeros(d * t, dtype=np.int32)
    roots = {1: q1, 7: q2, 11: q3, 19: q4}
    for k in range(1, 21):
        cols[f"root{k:02d}"] = roots[k].ravel() if k in roots else zeros
    cols.update({
        "goldstein_sum": gsum.ravel(), "goldstein_mean": gmean.ravel(),
        "goldstein_min": gmin.ravel(), "fatalities": fat.ravel(),
        "weight": (2.0 * n).ravel().astype(float), "volume": volume.ravel(),
    })
    frame = pd.DataFrame(cols, index=index)
    frame["share"] = np.divide(frame["n_events"].to_numpy(float), frame["volume"].to_numpy(),
                               out=np.zeros(len(frame)), where=frame["volume"].to_numpy() > 0)
    return DyadPanel(frame, freq="M", directed=True, meta={"source": "bench_models_scale"})


def reference_seconds(n_rows: int = 200_000, seed: int = 0) -> float:
    """One HistGradientBoostingClassifier fit (100 iterations) on a fixed random n x 20 matrix."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_rows, 20)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=len(x)) > 1.5).astype(int)
    t0 = time.perf_counter()
    HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0).fit(x, y)
    return time.perf_counter() - t0


def _scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    ok = np.isfinite(y)
    y, p = y[ok].astype(int), p[ok]
    both = len(np.unique(y)) == 2
    return {"brier": float(brier_score_loss(y, p)),
            "auroc": float(roc_auc_score(y, p)) if both else float("nan"),
            "aupr": float(average_precision_score(y, p)) if both else float("nan"),
            "prevalence": float(y.mean()), "n": int(len(y))}


def run(n_dyads: int, n_periods: int, n_origins: int, *, max_train_rows: int,
        reference_rows: int = 200_000, seed: int = 0, log: Any = print) -> dict[str, Any]:
    """Simulate, backtest, and return timings and scores (see the module docstring)."""
    from riskmodel.models import EscalationClassifier, LastValueBaseline, NegBinModel
    from riskmodel.models.base import window_labels

    result: dict[str, Any] = {"dyads": n_dyads, "periods": n_periods, "origins": n_origins,
                              "horizon": HORIZON, "max_train_rows": max_train_rows}
    t0 = time.perf_counter()
    panel = simulate_world(n_dyads, n_periods, seed)
    result["simulate_seconds"] = time.perf_counter() - t0
    log(f"simulated {panel!r} in {result['simulate_seconds']:.1f} s")
    q4 = panel.data["quad4"].to_numpy().reshape(len(panel.dyads), len(panel.periods))
    truth = window_labels((q4 >= 1).astype(float), HORIZON)
    last = len(panel.periods) - 1 - HORIZON
    origin_pos = list(range(last - n_origins + 1, last + 1))
    models = {
        "EscalationClassifier(gbm)": lambda: EscalationClassifier(
            "gbm", max_iter=100, max_train_rows=max_train_rows, random_state=seed),
        "NegBinModel": lambda: NegBinModel(lags=3, max_train_rows=max_train_rows,
                                           random_state=seed),
        "LastValueBaseline": lambda: LastValueBaseline(),
    }
    per_model: dict[str, dict[str, Any]] = {}
    for name, make in models.items():
        fit_s = pred_s = 0.0
        c0 = time.process_time()
        ys, ps = [], []
        for i in origin_pos:
            origin = panel.periods[i]
            t1 = time.perf_counter()
            model = make().fit(panel, horizon=HORIZON, origin=origin)
            t2 = time.perf_counter()
            proba = model.predict_proba(panel, origin=origin)
            t3 = time.perf_counter()
            fit_s += t2 - t1
            pred_s += t3 - t2
            ys.append(truth[:, i])
            ps.append(proba.to_numpy())
            log(f"  {name} origin {origin.date()}: {t3 - t1:.1f} s")
        scores = _scores(np.concatenate(ys), np.concatenate(ps))
        per_model[name] = {"fit_seconds": fit_s, "predict_seconds": pred_s,
                           "seconds": fit_s + pred_s,
                           "cpu_seconds": time.process_time() - c0, **scores}
        log(f"{name}: {fit_s + pred_s:.1f} s, Brier {scores['brier']:.4f}, "
            f"AUROC {scores['auroc']:.3f}, AUPR {scores['aupr']:.3f}")
    result["models"] = per_model
    result["models_seconds"] = sum(m["seconds"] for k, m in per_model.items()
                                   if k != "LastValueBaseline")
    result["models_cpu_seconds"] = sum(m["cpu_seconds"] for k, m in per_model.items()
                                       if k != "LastValueBaseline")
    result["load_average_1min"] = float(os.getloadavg()[0]) if hasattr(os, "getloadavg") \
        else float("nan")
    result["reference_rows"] = reference_rows
    result["reference_seconds"] = reference_seconds(reference_rows, seed)
    result["ratio_to_reference"] = result["models_seconds"] / result["reference_seconds"]
    result["peak_rss_bytes"] = peak_rss()
    return result


def _table(result: dict[str, Any]) -> str:
    head = (f"{'model':<28}{'fit s':>9}{'pred s':>9}{'cpu s':>9}{'Brier':>9}{'AUROC':>8}"
            f"{'AUPR':>8}{'prev':>8}")
    lines = [head, "-" * len(head)]
    for name, m in result["models"].items():
        lines.append(f"{name:<28}{m['fit_seconds']:>9.1f}{m['predict_seconds']:>9.1f}"
                     f"{m['cpu_seconds']:>9.1f}"
                     f"{m['brier']:>9.4f}{m['auroc']:>8.3f}{m['aupr']:>8.3f}"
                     f"{m['prevalence']:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 (1 if a full-size run misses its time or memory target)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="small world (for the test suite)")
    parser.add_argument("--dyads", type=int, help="number of directed dyads")
    parser.add_argument("--periods", type=int, help="number of months")
    parser.add_argument("--origins", type=int, help="number of forecast origins")
    parser.add_argument("--max-train-rows", type=int, default=150_000,
                        help="training rows subsampled per fit (default 150000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the result as JSON")
    args = parser.parse_args(argv)
    size = dict(SMALL if args.small else FULL)
    for key in ("dyads", "periods", "origins"):
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    result = run(size["dyads"], size["periods"], size["origins"],
                 max_train_rows=args.max_train_rows,
                 reference_rows=REFERENCE_ROWS["small" if args.small else "full"],
                 seed=args.seed, log=log)
    full = not args.small and size == FULL
    result["targets"] = {"seconds": 300.0, "peak_rss_bytes": 4 * 1024 ** 3}
    result["within_targets"] = (result["models_seconds"] < 300.0
                                and result["peak_rss_bytes"] < 4 * 1024 ** 3)
    print(f"World: {size['dyads']} directed dyads x {size['periods']} months, "
          f"{size['origins']} origins, h={HORIZON}")
    print(_table(result))
    print(f"classifier + NB total: {result['models_seconds']:.1f} s wall, "
          f"{result['models_cpu_seconds']:.1f} s CPU (target < 300 s wall at full size); "
          f"load average at the end {result['load_average_1min']:.1f} on "
          f"{os.cpu_count()} CPUs")
    print(f"reference (one HGB fit, {result['reference_rows']} x 20): "
          f"{result['reference_seconds']:.2f} s; "
          f"ratio total/reference: {result['ratio_to_reference']:.1f}")
    print(f"peak RSS: {result['peak_rss_bytes'] / 1024 ** 3:.2f} GiB (target < 4 GiB)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=float))
    if full and not result["within_targets"]:
        print("MISSED the time or memory target", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
