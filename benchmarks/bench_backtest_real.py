"""Real data: dyad-month backtests on UCDP events and ICEWS subsets, every model vs baseline.

Data (public samples under ``$RISKMODEL_SHARED_DATA``):

* ``ucdp_aec/*.jsonl``: 11,363 UCDP GED events (the subset with a linked web source), read by the
  ``ucdp`` reader. Panel: undirected actor dyads (``attribution="any"``: a state side is its ISO3
  code, a non-state side its UCDP name), months from 2013 (the sample is thin before), dyads
  with at least ``--min-events`` events. Label: ``fatalities`` with ``threshold`` deaths in a
  month (default 10), from the panel's own UCDP fatalities.
* ``icews_tkg_subsets/*.txt``: the ICEWS05-15 and ICEWS14 random subsets, read by the ``icews``
  reader (an event known in two subsets is stored once). Panel: directed state pairs
  (``attribution="state"``), months 2005-2015, pooled over the pairs with at least
  ``--min-events`` events. Label: ``material_conflict`` (at least one QuadClass-4 event).
  These are random subsets of ICEWS, not complete streams: counts are thinned.

Every model (negative binomial, calibrated logistic and gradient-boosting classifiers, where
available) and every baseline run at every origin of a rolling-origin plan (expanding window,
an origin every ``--step`` months, default 3; horizons 1, 3, 6, 12 months); the script prints
the score table per partition, the Brier skill of each model against each baseline with its 95%
block-bootstrap interval over origins, and peak memory. Whatever the numbers show, they are the
result. ``--small`` runs fewer origins (every 12th month) and horizons 1 and 3 (the test suite's
version).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _data_dir(arg: str | None) -> Path:
    base = arg or os.environ.get("RISKMODEL_SHARED_DATA")
    if not base:
        raise SystemExit("Set RISKMODEL_SHARED_DATA (the folder of public samples) or pass "
                         "--data DIR.")
    return Path(base)


def _models(small: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    from riskmodel.cli.backtest import BASELINE_NAMES, available_models

    reg = available_models()
    cands: dict[str, Any] = {}
    if "NegBinModel" in reg:
        cands["negbin"] = reg["NegBinModel"]()
    if "EscalationClassifier" in reg:
        cands["logistic"] = reg["EscalationClassifier"]("logistic", random_state=0)
        cands["gbm"] = reg["EscalationClassifier"]("gbm", max_iter=100, random_state=0)
    bases = {n.replace("Baseline", "").lower(): reg[n]() for n in BASELINE_NAMES if n in reg}
    return cands, bases


def _select_dyads(panel: Any, min_events: int) -> Any:
    totals = panel.data["n_events"].groupby(level="dyad").sum()
    keep = [d for d in panel.dyads if totals.get(d, 0) >= min_events]
    if not keep:
        raise SystemExit(f"no dyad has {min_events} events; lower --min-events")
    return panel.select(keep)


def build_ucdp(data: Path, min_events: int) -> Any:
    from riskmodel.panel import build_panel
    from riskmodel.store import EventStore

    store = EventStore(":memory:")
    store.ingest("ucdp", sorted((data / "ucdp_aec").glob("*.jsonl")))
    panel = build_panel(store, freq="M", directed=False, attribution="any",
                        start="2013-01-01", end="2023-12-31")
    store.close()
    return _select_dyads(panel, min_events)


def build_icews(data: Path, min_events: int) -> Any:
    from riskmodel.panel import build_panel
    from riskmodel.store import EventStore

    store = EventStore(":memory:")
    store.ingest("icews", sorted((data / "icews_tkg_subsets").glob("icews*.txt")))
    panel = build_panel(store, freq="M", directed=True, attribution="state",
                        start="2005-01-01", end="2015-12-31")
    store.close()
    return _select_dyads(panel, min_events)


def run_one(name: str, panel: Any, label: str, label_params: dict[str, Any], *, small: bool,
            n_boot: int, step: int = 3) -> dict[str, Any]:
    from riskmodel.evaluation import backtest, rolling_origin_splits

    horizons = (1, 3) if small else (1, 3, 6, 12)
    plan = rolling_origin_splits(panel, horizons=horizons, step=12 if small else step,
                                 holdout=0.25, validation=0.35, min_train=36)
    cands, bases = _models(small)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = backtest(panel, {**cands, **bases}, label=label, label_params=label_params,
                       origins=plan, partitions=("calibration", "validation", "holdout"),
                       baselines=list(bases), n_boot=n_boot,
                       n_boot_aupr=20 if small else 200, on_error="warn")
    secs = time.perf_counter() - t
    print(f"\n=== {name}: {len(panel.dyads)} dyads x {len(panel.periods)} months "
          f"({panel.periods[0].date()} .. {panel.periods[-1].date()}), label {label} "
          f"{label_params}; {res.meta['n_forecasts']} forecasts in {secs:.0f} s")
    print(plan.describe())
    with pd.option_context("display.width", 200, "display.max_rows", 400,
                           "display.float_format", "{:.4f}".format):
        for part in ("validation", "holdout"):
            print(f"\n{name}, {part} partition (all dyads):")
            print(res.table(("n", "prevalence", "brier", "log_loss", "auroc", "aupr",
                             "crps"), partition=part).to_string())
        s = res.scores
        onset = s[(s["partition"] == "holdout") & (s["subgroup"] == "onset")]
        print(f"\n{name}, holdout, onset cases only (quiet for 12 months):")
        print(onset[["model", "horizon", "n", "positives", "brier", "auroc", "aupr"]]
              .to_string(index=False))
        sk = res.skill[res.skill["partition"] == "holdout"]
        sk = sk[~sk["model"].isin(list(bases))]
        print(f"\n{name}, holdout: Brier skill of each model vs each baseline "
              "(95% block-bootstrap interval over origins), AUPR difference:")
        print(sk[["horizon", "model", "baseline", "brier_skill", "brier_skill_low",
                  "brier_skill_high", "dm_pvalue", "aupr_diff"]].to_string(index=False))
        wins = sk.assign(win=sk["brier_skill_low"] > 0).groupby("model")["win"].agg(
            ["sum", "count"])
        print(f"\n{name}: (model, baseline, horizon) cells where the Brier skill interval is "
              "above 0:")
        print(wins.to_string())
    if res.meta["failures"]:
        print(f"{name}: {len(res.meta['failures'])} model failures, first: "
              f"{res.meta['failures'][0]}")
    return {"dataset": name, "n_dyads": len(panel.dyads), "n_periods": len(panel.periods),
            "n_forecasts": res.meta["n_forecasts"], "seconds": secs,
            "failures": len(res.meta["failures"])}


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark; returns one summary dict per dataset (for tests)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="fewer origins, horizons 1 and 3")
    ap.add_argument("--data", default=None, help="the shared data folder")
    ap.add_argument("--dataset", choices=("ucdp", "icews", "both"), default="both")
    ap.add_argument("--ucdp-threshold", type=float, default=10.0,
                    help="deaths in a month that count as escalation (default 10)")
    ap.add_argument("--min-events", type=int, default=None,
                    help="keep dyads with at least this many events (default 30 UCDP, "
                         "150 ICEWS; 60 and 400 with --small)")
    ap.add_argument("--n-boot", type=int, default=None)
    ap.add_argument("--step", type=int, default=3,
                    help="months between origins in the full run (default 3)")
    args = ap.parse_args(argv)
    data = _data_dir(args.data)
    n_boot = args.n_boot or (100 if args.small else 1000)
    out = []
    t0 = time.perf_counter()
    if args.dataset in ("ucdp", "both"):
        me = args.min_events or (60 if args.small else 30)
        panel = build_ucdp(data, me)
        out.append(run_one("UCDP GED (ucdp_aec)", panel, "fatalities",
                           {"threshold": args.ucdp_threshold}, small=args.small,
                           n_boot=n_boot, step=args.step))
    if args.dataset in ("icews", "both"):
        me = args.min_events or (400 if args.small else 150)
        panel = build_icews(data, me)
        out.append(run_one("ICEWS subsets", panel, "material_conflict", {"threshold": 1},
                           small=args.small, n_boot=n_boot, step=args.step))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s, peak memory {_peak_mb():.0f} MB",
          file=sys.stderr)
    print(json.dumps({"runs": out, "peak_memory_mb": _peak_mb()}, default=str))
    return out


if __name__ == "__main__":
    main()
