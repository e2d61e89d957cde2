"""``riskmodel backtest``: rolling-origin backtest of models against baselines on the store.

Builds the dyad panel from the event store, runs the chosen models and every baseline at each
origin of a rolling-origin plan (expanding window), prints the score table and the skill against
each baseline to stdout, and saves the ledger and tables under ``--out``::

    riskmodel backtest --store events.duckdb --freq M --label material_conflict \\
        --horizons 1 3 6 12 --models NegBinModel EscalationClassifier --out results/bt

With ``--as-of`` the panel at each origin is rebuilt from the events available by then
(``available_at``), which respects reporting lags. ``--partition holdout`` scores the held-out
future; the ledger refuses a second look unless ``--allow-holdout-rerun`` is given.
``--rescore LEDGER`` runs no model: it recomputes the score table and the skill from a saved
ledger, so that any reported number can be traced back to its forecasts.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli._common import add_store_argument, store_path
from riskmodel.exceptions import ConfigurationError

#: Baseline classes run by default (``--baselines``), by name.
BASELINE_NAMES: tuple[str, ...] = (
    "ZeroBaseline", "BaseRateBaseline", "LastValueBaseline", "TrailingMeanBaseline",
    "ConflictologyBaseline", "LaggedLogitBaseline",
)
#: Other models that can be named in ``--models``.
MODEL_NAMES: tuple[str, ...] = (
    "NegBinModel", "ZINBModel", "SarimaxModel", "VarModel", "HawkesModel",
    "EscalationClassifier",
)


def available_models() -> dict[str, type]:
    """Model classes importable from :mod:`riskmodel.models`, by class name."""
    import importlib

    out: dict[str, type] = {}
    try:
        pkg = importlib.import_module("riskmodel.models")
    except ImportError:
        pkg = None
    modules = [pkg] if pkg is not None else []
    for sub in ("baselines", "counts", "arima", "var", "hawkes", "classify"):
        try:
            modules.append(importlib.import_module(f"riskmodel.models.{sub}"))
        except ImportError:
            continue
    for name in BASELINE_NAMES + MODEL_NAMES:
        for mod in modules:
            cls = getattr(mod, name, None) if mod is not None else None
            if isinstance(cls, type):
                out[name] = cls
                break
    return out


def resolve_models(names: list[str], *, what: str = "--models") -> dict[str, Any]:
    """Instantiate models by class name (``Name`` or ``Name:key=value,key=value``).

    Raises
    ------
    ConfigurationError
        For an unknown name (the nearest known name is suggested) or a bad parameter.
    """
    registry = available_models()
    out: dict[str, Any] = {}
    for spec in names:
        name, _, params = spec.partition(":")
        if name not in registry:
            near = difflib.get_close_matches(name, list(registry), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(f"{what}: unknown model {name!r}; available: "
                                     f"{sorted(registry)}.{hint}")
        kwargs: dict[str, Any] = {}
        for item in filter(None, params.split(",")):
            key, sep, value = item.partition("=")
            if not sep:
                raise ConfigurationError(f"{what}: parameter {item!r} of {name} must be "
                                         "key=value.")
            try:
                kwargs[key] = json.loads(value)
            except json.JSONDecodeError:
                kwargs[key] = value
        try:
            model = registry[name](**kwargs)
        except TypeError as exc:
            raise ConfigurationError(f"{what}: {name} does not take {sorted(kwargs)}: "
                                     f"{exc}") from exc
        out[spec if params else name] = model
    return out


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``backtest`` verb."""
    p = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of models against the baselines; prints and saves scores",
        description="Build the dyad panel from the event store, run the chosen models and the "
                    "baselines at every origin of a rolling-origin plan (expanding window, "
                    "split on periods), and report Brier (with decomposition), log loss, "
                    "empirical AUROC, AUPR next to prevalence, count scores, and skill against "
                    "each baseline with block-bootstrap intervals. Every forecast goes to the "
                    "ledger.",
    )
    add_store_argument(p)
    p.add_argument("--freq", choices=("D", "W", "M"), default="M", help="period (default M)")
    p.add_argument("--undirected", action="store_true", help="undirected dyads ('A-B')")
    p.add_argument("--dyads", nargs="+", default=None, metavar="DYAD",
                   help="dyads to include (e.g. PAK>AFG); default: every dyad with events")
    p.add_argument("--min-events", type=int, default=0, metavar="N",
                   help="keep only dyads with at least N events in the panel (default 0)")
    p.add_argument("--start", default=None, help="first event day (YYYY-MM-DD)")
    p.add_argument("--end", default=None, help="last event day (YYYY-MM-DD)")
    p.add_argument("--dedup", default="none", help="deduplication rule of the panel")
    p.add_argument("--attribution", default="state", help="state attribution rule")
    p.add_argument("--source", dest="sources", nargs="+", default=None, metavar="SOURCE",
                   help="use only events of these sources (e.g. gdelt2 ucdp)")
    p.add_argument("--label", default="material_conflict",
                   help="escalation label (default material_conflict)")
    p.add_argument("--label-param", action="append", default=[], metavar="KEY=VALUE",
                   help="label parameter, e.g. threshold=3 (repeatable)")
    p.add_argument("--horizons", type=int, nargs="+", default=[1, 3, 6, 12],
                   help="horizons in periods (default 1 3 6 12)")
    p.add_argument("--models", nargs="*", default=["NegBinModel"], metavar="MODEL",
                   help="models to test: class names, optionally Name:key=value,... "
                        f"(known: {', '.join(MODEL_NAMES)})")
    p.add_argument("--baselines", nargs="*", default=list(BASELINE_NAMES), metavar="BASELINE",
                   help="baselines to run (default: all six)")
    p.add_argument("--partition", dest="partitions", nargs="+",
                   default=["calibration", "validation"],
                   help="partitions to score (calibration validation holdout)")
    p.add_argument("--holdout", default="0.2",
                   help="held-out block: periods (int), fraction, or first date (default 0.2)")
    p.add_argument("--validation", default="0.3",
                   help="validation block: periods, fraction, or first date (default 0.3)")
    p.add_argument("--min-train", type=int, default=12, help="smallest training window")
    p.add_argument("--step", type=int, default=1, help="periods between origins (default 1)")
    p.add_argument("--onset-window", type=int, default=12,
                   help="periods of quiet that make a forecast an onset case (default 12)")
    p.add_argument("--as-of", action="store_true",
                   help="rebuild the panel at each origin from events available by then")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="run origins in parallel on N workers (-1: every core; default 1)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for ledger.parquet, scores.csv, skill.csv, reliability.csv")
    p.add_argument("--ledger", default=None, metavar="FILE",
                   help="also append the forecasts to this ledger (.parquet or .csv)")
    p.add_argument("--allow-holdout-rerun", action="store_true",
                   help="allow scoring the holdout again (report that it was reused)")
    p.add_argument("--keep-going", action="store_true",
                   help="warn and continue when a model fails at an origin")
    p.add_argument("--rescore", default=None, metavar="LEDGER",
                   help="do not run models: re-score a saved ledger (.parquet or .csv) and "
                        "print its score table and the skill against the baselines in it")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _block(value: str) -> int | float | str:
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def _label_params(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigurationError(f"--label-param {item!r} must be KEY=VALUE.")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def rescore(args: argparse.Namespace) -> int:
    """Print the scores and skill recomputed from a saved ledger (``--rescore``)."""
    import pandas as pd

    from riskmodel.evaluation import read_ledger, score_ledger, skill_scores

    ledger = read_ledger(args.rescore)
    names = set(args.baselines or [])
    baselines = sorted(m for m in ledger["model"].unique()
                       if m in names or str(m).split(":")[0].endswith("Baseline"))
    scores = score_ledger(ledger, top_k=10)
    with pd.option_context("display.width", 200, "display.max_rows", 500,
                           "display.float_format", "{:.4f}".format):
        runs = sorted(ledger["run_id"].dropna().unique())
        print(f"ledger {args.rescore}: {len(ledger)} forecasts, models "
              f"{sorted(ledger['model'].unique())}, runs {runs}")
        print(scores[scores["subgroup"] == "all"][
            ["model", "horizon", "partition", "n", "prevalence", "brier", "log_loss", "auroc",
             "aupr"]].to_string(index=False))
        if baselines:
            sk = skill_scores(ledger, baselines, n_boot=args.n_boot)
            sk = sk[~sk["model"].isin(baselines)] if (~sk["model"].isin(baselines)).any() else sk
            print("skill vs baselines (Brier skill, 95% block-bootstrap interval):")
            print(sk[["partition", "horizon", "model", "baseline", "brier_skill",
                      "brier_skill_low", "brier_skill_high", "dm_pvalue", "aupr_diff"]]
                  .to_string(index=False))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        scores.to_csv(out / "scores.csv", index=False)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel backtest``."""
    import pandas as pd

    if args.rescore:
        return rescore(args)

    from riskmodel.evaluation import backtest, rolling_origin_splits
    from riskmodel.panel import build_panel
    from riskmodel.store import EventStore

    path = store_path(args.store)
    if not Path(path).is_file():
        raise ConfigurationError(f"No event store at {path}; ingest events first "
                                 "(riskmodel ingest ...) or pass --store FILE.")
    models = resolve_models(list(args.models or []))
    baselines = resolve_models(list(args.baselines or []), what="--baselines")
    clash = set(models) & set(baselines)
    if clash:
        raise ConfigurationError(f"{sorted(clash)} named both as model and as baseline.")
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr,
                                                                  flush=True))
    store = EventStore(path)
    try:
        kwargs = dict(freq=args.freq, directed=not args.undirected, dyads=args.dyads,
                      start=args.start, end=args.end, dedup=args.dedup,
                      attribution=args.attribution, sources=args.sources)
        log(f"building the {args.freq} panel from {path} ...")
        panel = build_panel(store, **kwargs)
        if args.min_events > 0:
            totals = panel.data["n_events"].groupby(level="dyad").sum()
            keep = totals.index[totals >= args.min_events]
            if len(keep) == 0:
                raise ConfigurationError(f"No dyad has --min-events {args.min_events}; lower it.")
            panel = panel.select(list(keep))
        log(f"panel: {len(panel.dyads)} dyads x {len(panel.periods)} periods")
        plan = rolling_origin_splits(panel, horizons=args.horizons, step=args.step,
                                     holdout=_block(args.holdout),
                                     validation=_block(args.validation),
                                     min_train=args.min_train)
        log(plan.describe())
        result = backtest(
            panel, {**models, **baselines}, label=args.label, origins=plan,
            label_params=_label_params(args.label_param), partitions=args.partitions,
            source=store if args.as_of else None,
            panel_kwargs={k: v for k, v in kwargs.items() if k in ("dedup", "attribution",
                                                                  "sources")},
            baselines=list(baselines), onset_window=args.onset_window, n_boot=args.n_boot,
            ledger=args.ledger, allow_holdout_rerun=args.allow_holdout_rerun,
            on_error="warn" if args.keep_going else "raise", progress=not args.quiet,
            n_jobs=args.jobs,
        )
    finally:
        store.close()
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(result.summary())
    if args.out:
        written = result.save(args.out)
        log("wrote " + ", ".join(str(p) for p in written.values()))
    return 0
