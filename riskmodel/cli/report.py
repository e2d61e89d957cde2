"""``riskmodel report [RESULTS | --results DIR] --out DIR``: write the watchlist and dyad reports.

``RESULTS`` is a results folder written by the pipeline (``meta.json``, ``forecasts.*``,
``panel.*`` and optionally ``scores.csv``, ``events.*``, ``fired.csv``; the layout is described in
:mod:`riskmodel.reporting.inputs`). Nothing is recomputed. Progress goes to stderr; the last line
of stdout is JSON: ``{"index": PATH, "reports": N, "files": N}``.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` verb."""
    p = sub.add_parser(
        "report",
        help="write the risk watchlist (index.html) and per-dyad HTML/PDF reports from results",
        description="Write reports/index.html (dyads ranked by current risk) and one "
                    "self-contained HTML report and one PDF per dyad from a results folder "
                    "written by the pipeline (see riskmodel.reporting.inputs for its layout). "
                    "Nothing is recomputed.",
    )
    p.add_argument("results", metavar="RESULTS", nargs="?", default=None,
                   help="results folder (holds meta.json); same as --results")
    p.add_argument("--results", dest="results_opt", default=None, metavar="DIR",
                   help="results folder (default: reports/results, where `riskmodel run "
                        "--out reports` writes it)")
    p.add_argument("--out", default="reports", metavar="DIR",
                   help="output folder (default: reports)")
    p.add_argument("--dyad", action="append", default=None, metavar="DYAD",
                   help="report only this dyad (repeatable), e.g. --dyad 'PAK>AFG'")
    p.add_argument("--top", type=int, default=None, metavar="N",
                   help="write dyad reports for the N highest-risk dyads only")
    p.add_argument("--format", dest="formats", action="append", choices=("html", "pdf"),
                   default=None, help="report format (repeatable; default both)")
    p.add_argument("--events", type=int, default=25, metavar="N",
                   help="rows of each recent-events table (default 25)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="worker processes drawing reports (default 1; -1: one per CPU)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel report``."""
    from riskmodel.reporting import build_reports, load_report_inputs

    if args.results and args.results_opt and args.results != args.results_opt:
        from riskmodel.exceptions import ConfigurationError

        raise ConfigurationError(
            f"Two results folders given ({args.results} and --results {args.results_opt}); "
            "give one.")
    inputs = load_report_inputs(args.results or args.results_opt or "reports/results")

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    out = build_reports(inputs, args.out, dyads=args.dyad, top=args.top,
                        formats=tuple(args.formats or ("html", "pdf")), n_events=args.events,
                        n_jobs=args.jobs, progress=progress)
    n_files = sum(len(v) for v in out["dyads"].values()) + 1
    print(f"wrote {out['index']}", file=sys.stderr)
    print(json.dumps({"index": str(out["index"]), "reports": len(out["dyads"]),
                      "files": n_files}))
    return 0
