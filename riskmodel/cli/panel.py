"""``riskmodel panel``: build a dyad-period panel from the store and write it as CSV or Parquet.

::

    riskmodel panel --store events.duckdb --freq W --attribution territorial \\
        --dedup dyad_code_day --dyads "PAK>AFG" "AFG>PAK" --output panel.parquet

Prints a summary (range, dyads, event accounting, the most active dyads) to stdout; with
``--output`` writes the flat panel (``dyad``, ``period`` and the panel columns) to a ``.csv`` or
``.parquet`` file and its metadata to ``<output>.meta.json``. ``--events`` reads Parquet/CSV
event files instead of the store; ``--engine dask`` (with ``--scheduler ADDRESS`` or
``$RISKMODEL_DASK_SCHEDULER``) runs the aggregation on Dask.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli._common import add_store_argument, store_path
from riskmodel.engines import ATTRIBUTIONS, DEDUP_RULES, ENGINES, FREQS
from riskmodel.exceptions import ConfigurationError

__all__ = ["register", "run", "summary"]


def register(subparsers: Any) -> None:
    """Add the ``panel`` verb."""
    parser = subparsers.add_parser(
        "panel",
        help="build a dyad-period panel from the store",
        description="Build a dyad-period panel from the event store (or event files), print "
                    "a summary and optionally write the panel as CSV or Parquet.",
        epilog="example:\n  riskmodel panel --store events.duckdb --freq W --attribution "
               "territorial \\\n      --dedup dyad_code_day --dyads 'PAK>AFG' 'AFG>PAK' "
               "--output panel.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_store_argument(parser)
    parser.add_argument("--events", nargs="+", default=None, metavar="PATH",
                        help="read Parquet/CSV event files (paths, folders or globs) instead of "
                             "the store")
    parser.add_argument("--freq", default="W", choices=FREQS,
                        help="period: D day, W week (from Monday), M month (default W)")
    parser.add_argument("--undirected", action="store_true",
                        help="undirected dyads ('AFG-PAK'); default directed ('PAK>AFG')")
    parser.add_argument("--dyads", nargs="+", default=None, metavar="DYAD",
                        help="declared dyads, zero-filled (default: dyads seen in range)")
    parser.add_argument("--start", default=None, help="first event day (YYYY-MM-DD)")
    parser.add_argument("--end", default=None, help="last event day (YYYY-MM-DD)")
    parser.add_argument("--as-of", dest="as_of", default=None,
                        help="keep only events known by then (available_at <= AS_OF)")
    parser.add_argument("--dedup", default="none", choices=DEDUP_RULES,
                        help="deduplication rule (default none)")
    parser.add_argument("--attribution", default="state", choices=ATTRIBUTIONS,
                        help="state attribution rule (default state)")
    parser.add_argument("--sources", nargs="+", default=None, metavar="SOURCE",
                        help="keep only these sources (e.g. gdelt2)")
    parser.add_argument("--no-normalize", dest="normalize", action="store_false",
                        help="omit the volume and share columns")
    parser.add_argument("--engine", default="duckdb", choices=ENGINES,
                        help="aggregation engine (default duckdb)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address (default $RISKMODEL_DASK_SCHEDULER, else "
                             "local threads)")
    parser.add_argument("--output", "-o", default=None, metavar="FILE",
                        help="write the panel to FILE (.csv or .parquet)")
    parser.add_argument("--top", type=int, default=10,
                        help="number of most active dyads in the summary (default 10)")
    parser.set_defaults(func=run)


def summary(panel: Any, top: int = 10) -> str:
    """A plain-text summary of a panel: range, accounting and the most active dyads."""
    m = panel.meta
    lines = [repr(panel)]
    lines.append(f"freq {panel.freq}  directed {panel.directed}  attribution {m.get('attribution')}"
                 f"  dedup {m.get('dedup')}  engine {m.get('engine')}")
    if len(panel.periods):
        lines.append(f"periods {panel.periods[0].date()} .. {panel.periods[-1].date()}"
                     + ("" if m.get("last_period_complete", True)
                        else " (last period incomplete)"))
    if m.get("as_of") is not None:
        lines.append(f"as of {m['as_of']}")
    lines.append(
        f"events in range {m.get('n_events_in_range')}  attributed to a dyad "
        f"{m.get('n_events_attributed')}  after dedup {m.get('n_events_deduplicated')}  "
        f"in the panel's dyads {m.get('n_events_panel')}")
    by_source = m.get("n_events_by_source") or {}
    if by_source:
        lines.append("by source: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))
    if top > 0 and len(panel.dyads):
        d = panel.data
        totals = d.groupby(level="dyad")[["n_events", "quad3", "quad4", "fatalities"]].sum()
        totals = totals.sort_values("n_events", ascending=False).head(top)
        lines.append("")
        lines.append(f"{'dyad':<16}{'events':>10}{'verbal conf':>13}{'material conf':>15}"
                     f"{'fatalities':>12}")
        for dyad, row in totals.iterrows():
            lines.append(f"{dyad:<16}{int(row['n_events']):>10}{int(row['quad3']):>13}"
                         f"{int(row['quad4']):>15}{row['fatalities']:>12.0f}")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel panel``."""
    from riskmodel.panel import build_panel

    output = Path(args.output) if args.output else None
    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigurationError(f"--output must end in .csv or .parquet; got {output.name!r}.")
    if args.scheduler and args.engine != "dask":
        raise ConfigurationError("--scheduler needs --engine dask.")
    if args.top < 0:
        raise ConfigurationError(f"--top must be >= 0; got {args.top}.")
    kwargs: dict[str, Any] = dict(
        freq=args.freq, directed=not args.undirected, dyads=args.dyads, start=args.start,
        end=args.end, as_of=args.as_of, dedup=args.dedup, attribution=args.attribution,
        normalize=args.normalize, engine=args.engine, sources=args.sources)
    if args.scheduler:
        kwargs["client"] = args.scheduler
    store = None
    try:
        if args.events:
            source: Any = args.events if len(args.events) > 1 else args.events[0]
            origin = " ".join(args.events)
        else:
            from riskmodel.store import EventStore

            path = store_path(args.store)
            store = EventStore(path, read_only=True)
            source, origin = store, path
        print(f"building the {args.freq} panel from {origin} ({args.engine}) ...",
              file=sys.stderr, flush=True)
        panel = build_panel(source, **kwargs)
    finally:
        if store is not None:
            store.close()
    print(summary(panel, top=args.top))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        flat = panel.to_frame()
        if output.suffix.lower() == ".csv":
            flat.to_csv(output, index=False)
        else:
            flat.to_parquet(output, index=False)
        meta_path = output.with_name(output.name + ".meta.json")
        meta_path.write_text(json.dumps(_jsonable(panel.meta), indent=2, default=str) + "\n",
                             encoding="utf-8")
        print(f"wrote {len(flat)} rows to {output} (metadata: {meta_path.name})", file=sys.stderr)
    return 0
