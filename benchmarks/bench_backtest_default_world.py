"""Evidence on the SYNTHETIC default world: choose a model on validation, score it once on holdout.

The default world (:mod:`riskmodel.datasets`, frozen parameters ``DEFAULT_WORLD`` and seed
``DEFAULT_SEED``) is simulated, ingested into an in-memory event store and aggregated into a
directed dyad-period panel (months, or weeks with ``--freq W``). The label is
``material_conflict`` with a threshold of ``--threshold`` events per period (default 5:
background chatter holds a little material conflict every month, escalation episodes hold much
more). The candidate models (negative binomial, zero-inflated negative binomial at monthly
resolution, and the calibrated logistic and gradient-boosting classifiers of
:data:`CLASSIFIERS`, calibrated on the tail partition or cross-fitted) and the six baselines are
backtested on rolling origins (expanding window, horizons 1/3/6/12 months or 1/4/13/26 weeks;
``--horizons`` sets others, e.g. 1/3/6/12 weeks). At every origin the panel is rebuilt from the
events whose ``available_at`` (GDELT ``DATEADDED``, which lags the event day by up to two days
here) falls by the end of the origin period, so no late report leaks backwards. The candidate
with the lowest mean validation Brier score is chosen and then scored once on the held-out
future.

The script prints, per horizon, the chosen model's holdout Brier and AUPR next to the best
baseline (a ratio below 1 / above 1 is a win), whether it beats every baseline on both, the
reliability bins with at least 50 cases and whether they stay within 0.05 of the diagonal, how
many of the ground-truth escalation episodes the label marks, and the peak memory.

``--small`` simulates three years (2016-2018) and runs the first two horizons only; it is what
the test suite runs. Full size: ``python benchmarks/bench_backtest_default_world.py`` (months),
``... --freq W --step 4 --start 2021-07-05`` (weeks, the main job's horizons) and the same with
``--horizons 1 3 6 12``. The command line is printed first, so that a table can be traced to
the run that produced it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


#: The classifier candidates: name -> EscalationClassifier parameters. ``*_xfit`` calibrate on
#: out-of-fold scores cross-fitted in time order (``calibration_fraction=0``), so that the base
#: classifier is refitted on every labelled origin, the latest included; ``gbm_reg_xfit`` also
#: boosts smaller, penalised trees at a lower learning rate.
CLASSIFIERS: dict[str, dict[str, Any]] = {
    "logistic": dict(estimator="logistic"),
    "gbm": dict(estimator="gbm", max_iter=100),
    "logistic_xfit": dict(estimator="logistic", calibration_fraction=0.0),
    "gbm_reg_xfit": dict(estimator="gbm", max_iter=200, learning_rate=0.05, max_leaf_nodes=8,
                         l2_regularization=1.0, calibration_fraction=0.0),
}


def _candidates(small: bool) -> dict[str, Any]:
    from riskmodel.cli.backtest import available_models

    reg = available_models()
    out: dict[str, Any] = {}
    if "NegBinModel" in reg:
        out["negbin"] = reg["NegBinModel"]()
    if "ZINBModel" in reg and not small:
        out["zinb"] = reg["ZINBModel"]()
    if "EscalationClassifier" in reg:
        for name, params in CLASSIFIERS.items():
            out[name] = reg["EscalationClassifier"](random_state=0, **params)
    return out


def _baselines() -> dict[str, Any]:
    from riskmodel.cli.backtest import BASELINE_NAMES, available_models

    reg = available_models()
    return {name.replace("Baseline", "").lower(): reg[name]() for name in BASELINE_NAMES
            if name in reg}


def plan_settings(freq: str, *, small: bool = False, horizons: Sequence[int] | None = None
                  ) -> tuple[tuple[int, ...], dict[str, int]]:
    """Horizons and block sizes (holdout, validation, minimum training window) in periods.

    Parameters
    ----------
    freq : {"M", "W"}
        Panel period.
    small : bool, default False
        The three-year world: shorter blocks, and the first two default horizons.
    horizons : sequence of int, optional
        Horizons to use instead of the defaults (1/3/6/12 months, 1/4/13/26 weeks).

    Returns
    -------
    horizons : tuple of int
    sizes : dict
        Keyword arguments ``holdout``, ``validation`` and ``min_train`` of
        :func:`riskmodel.evaluation.rolling_origin_splits`.
    """
    if freq == "W":
        default = (1, 4, 13, 26)
        sizes = dict(holdout=26 if small else 52, validation=26 if small else 52,
                     min_train=52 if small else 104)
    else:
        default = (1, 3, 6, 12)
        sizes = dict(holdout=6 if small else 24, validation=8 if small else 24,
                     min_train=12 if small else 36)
    if horizons:
        return tuple(int(h) for h in horizons), sizes
    return (default[:2] if small else default), sizes


def _period_start(ts: pd.Timestamp, freq: str) -> pd.Timestamp:
    if freq == "W":  # weeks start on Monday
        return (ts - pd.Timedelta(days=ts.weekday())).normalize()
    return ts.to_period("M").to_timestamp()


def _episode_coverage(panel: Any, gt: pd.DataFrame, threshold: float) -> dict[str, float]:
    """Share of ground-truth escalation episodes during which the label fires for the pair."""
    q4 = panel.data["quad4"]
    esc = gt[gt["kind"] == "escalation"]
    hit = 0
    n = 0
    for _, e in esc.iterrows():
        a, b = str(e["dyad"]).split("-")
        start = _period_start(pd.Timestamp(e["start"]), panel.freq)
        end = _period_start(pd.Timestamp(e["end"]), panel.freq)
        vals = []
        for d in (f"{a}>{b}", f"{b}>{a}"):
            if d in panel.dyads:
                s = q4.xs(d, level="dyad")
                vals.append(s[(s.index >= start) & (s.index <= end)])
        if not vals or pd.Timestamp(e["start"]) < panel.periods[0] \
                or pd.Timestamp(e["start"]) > panel.periods[-1]:
            continue
        n += 1
        hit += int(any((v >= threshold).any() for v in vals))
    return {"episodes": n, "episodes_marked": hit}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the numbers it prints (for tests)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="three years, horizons 1 and 3")
    ap.add_argument("--threshold", type=float, default=5.0,
                    help="material-conflict events per period that count as escalation")
    ap.add_argument("--workdir", default=None, help="where to write the world (default: temp)")
    ap.add_argument("--n-boot", type=int, default=None)
    ap.add_argument("--freq", choices=("M", "W"), default="M",
                    help="panel period: months (horizons 1/3/6/12) or weeks, the main job's "
                         "resolution (horizons 1/4/13/26, 52-week validation and holdout)")
    ap.add_argument("--step", type=int, default=1, help="periods between origins")
    ap.add_argument("--start", default=None,
                    help="first origin (a date); default: after the minimum training window")
    ap.add_argument("--horizons", type=int, nargs="+", default=None, metavar="H",
                    help="forecast horizons in periods (default: 1 3 6 12 for months, 1 4 13 26 "
                         "for weeks; with --small the first two)")
    args = ap.parse_args(argv)

    import warnings

    from riskmodel.datasets.simulate import DEFAULT_SEED, DEFAULT_WORLD, simulate_world
    from riskmodel.evaluation import rolling_origin_splits, select_then_holdout
    from riskmodel.exceptions import DataQualityWarning
    from riskmodel.panel import build_panel
    from riskmodel.store import EventStore

    t0 = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="riskmodel-bench-")
    work = Path(args.workdir or tmp.name)
    end = "2018-12-31" if args.small else None
    world = simulate_world(work / "world", DEFAULT_WORLD, seed=DEFAULT_SEED, end=end,
                           files="yearly")
    t_sim = time.perf_counter() - t0
    store = EventStore(":memory:")
    store.ingest("gdelt2", sorted(world.events_dir.glob("*.CSV")))
    panel = build_panel(store, freq=args.freq, directed=True)
    # drop the last period when incomplete
    if not panel.meta.get("last_period_complete", True):
        panel = panel.truncate(panel.periods[-2])
    t_panel = time.perf_counter() - t0 - t_sim
    weekly = args.freq == "W"
    horizons, sizes = plan_settings(args.freq, small=args.small, horizons=args.horizons)
    plan = rolling_origin_splits(panel, horizons=horizons, step=args.step, start=args.start,
                                 **sizes)
    print(plan.describe(), file=sys.stderr)
    # ZINB's Nelder-Mead fits are too slow for weekly panels; it competes at monthly resolution.
    cands = _candidates(args.small or weekly)
    bases = _baselines()
    n_boot = args.n_boot or (100 if args.small else 1000)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("once", category=DataQualityWarning)
        rep = select_then_holdout(panel, cands, bases, plan=plan, label="material_conflict",
                                  label_params={"threshold": args.threshold}, n_boot=n_boot,
                                  n_boot_aupr=20 if args.small else 200, seeds=(0, 1, 2),
                                  source=store)
    t_bt = time.perf_counter() - t1
    cov = _episode_coverage(panel, world.ground_truth, args.threshold)

    val = rep.validation.scores
    val = val[(val["partition"] == "validation") & (val["subgroup"] == "all")]
    shown = sys.argv[1:] if argv is None else argv
    print("command: python benchmarks/bench_backtest_default_world.py " + " ".join(shown))
    print(f"SYNTHETIC default world (seed {DEFAULT_SEED}, frozen parameters), "
          f"{len(panel.dyads)} directed dyads x {len(panel.periods)} "
          f"{'weeks' if weekly else 'months'}, label material_conflict >= {args.threshold:g}/"
          f"{'week' if weekly else 'month'}")
    print(f"ground truth: the label marks {cov['episodes_marked']} of {cov['episodes']} "
          "escalation episodes")
    with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
        print("validation (mean over horizons):")
        print(val.groupby("model")[["brier", "log_loss", "auroc", "aupr"]].mean()
              .sort_values("brier").to_string())
        print(rep.summary())
        comp = rep.comparison
        ratios = pd.DataFrame({
            "horizon": comp["horizon"],
            "brier_ratio_vs_best_baseline": comp["brier"] / comp["best_baseline_brier"],
            "aupr_ratio_vs_best_baseline": comp["aupr"] / comp["best_baseline_aupr"],
        })
        print("ratios (model / best baseline; Brier < 1 and AUPR > 1 are wins):")
        print(ratios.to_string(index=False))
        sk = rep.holdout.skill
        sk = sk[sk["model"] == rep.chosen]
        print("holdout Brier skill vs each baseline (95% block-bootstrap interval over origins):")
        print(sk[["horizon", "baseline", "brier_skill", "brier_skill_low", "brier_skill_high",
                  "dm_pvalue", "aupr_diff"]].to_string(index=False))
        onset = rep.holdout.scores
        onset = onset[onset["model"] == rep.chosen][["horizon", "subgroup", "n", "positives",
                                                     "brier", "auroc", "aupr"]]
        print("holdout by subgroup:")
        print(onset.to_string(index=False))
    out = {
        "chosen": rep.chosen,
        "horizons": list(horizons),
        "beats_every_baseline": rep.beats_every_baseline,
        "reliable": rep.reliable,
        "comparison": rep.comparison.to_dict("records"),
        "n_dyads": len(panel.dyads), "n_periods": len(panel.periods),
        "seconds": {"simulate": t_sim, "panel": t_panel, "backtest": t_bt,
                    "total": time.perf_counter() - t0},
        "peak_memory_mb": _peak_mb(),
        "episodes": cov,
    }
    print(f"timing: simulate {t_sim:.1f} s, ingest+panel {t_panel:.1f} s, backtests {t_bt:.1f} s;"
          f" peak memory {out['peak_memory_mb']:.0f} MB")
    print(json.dumps({k: v for k, v in out.items() if k != "comparison"}, default=str))
    store.close()
    tmp.cleanup()
    return out


if __name__ == "__main__":
    main()
