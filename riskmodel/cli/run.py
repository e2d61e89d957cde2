"""``riskmodel run``: the main job, from events to the watchlist and dyad reports."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` verb."""
    p = sub.add_parser(
        "run",
        help="run the main job: panel, backtest, forecast and reports",
        description="Run the main job. Without --store it simulates the bundled SYNTHETIC "
                    "default world, ingests it through the gdelt2 reader and reports on it; "
                    "with --store it reports on the events already in that store.",
    )
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="folder for index.html and the dyad reports (default: reports)")
    p.add_argument("--store", default=None, metavar="FILE",
                   help="report on this existing event store instead of the default world")
    p.add_argument("--data-home", default=None, metavar="DIR",
                   help="where the default world is simulated (default: $RISKMODEL_DATA or "
                        "./data)")
    p.add_argument("--default-store", default="build/default-world.duckdb", metavar="FILE",
                   help="store the default world is ingested into "
                        "(default: build/default-world.duckdb)")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="pipeline configuration (JSON or TOML; keys of PipelineConfig)")
    p.add_argument("--jobs", type=int, default=-1, metavar="N",
                   help="processes drawing the dyad reports (default -1: one per core)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel run``."""
    from riskmodel.pipeline import PipelineConfig, run_default, run_pipeline
    from riskmodel.store import EventStore

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    config = PipelineConfig.from_file(args.config) if args.config else PipelineConfig()
    if args.store:
        with EventStore(args.store, read_only=True) as store:
            result = run_pipeline(store, args.out, config, progress=progress, n_jobs=args.jobs)
    else:
        result = run_default(args.out, data_home=args.data_home, store=args.default_store,
                             config=config, progress=progress, n_jobs=args.jobs)
    print(json.dumps({"index": str(result.reports["index"]),
                      "dyad_reports": len(result.reports["dyads"]),
                      "timings": result.timings}))
    return 0
