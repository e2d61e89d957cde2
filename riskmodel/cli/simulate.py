"""``riskmodel simulate --dest DIR``: write a SYNTHETIC event world in the GDELT 2.0 layout.

The world is the one of :data:`riskmodel.datasets.DEFAULT_WORLD` (optionally with another seed
or date range). Progress goes to stderr; the last line of stdout is a JSON summary:
``{"dest": ..., "events_dir": ..., "n_events": N, "n_files": N, "episodes": {...}}``. Ingest the
result with ``riskmodel ingest gdelt2 DIR/gdelt2``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` verb."""
    from riskmodel.datasets.simulate import DEFAULT_SEED, DEFAULT_WORLD

    p = sub.add_parser(
        "simulate",
        help="write the SYNTHETIC default event world (GDELT 2.0 layout) into a folder",
        description="Simulate the SYNTHETIC multi-dyad event world of "
                    "riskmodel.datasets.DEFAULT_WORLD and write it as GDELT 2.0 Events export "
                    "files (DEST/gdelt2/SYNTHETIC_*.export.CSV) with its ground-truth episodes "
                    "(DEST/ground_truth.csv). No event in it is real.",
    )
    p.add_argument("--dest", required=True, metavar="DIR", help="destination folder")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help=f"random seed (default {DEFAULT_SEED}, the bundled default world)")
    p.add_argument("--start", default=None, metavar="YYYY-MM-DD",
                   help=f"first day (default {DEFAULT_WORLD.start})")
    p.add_argument("--end", default=None, metavar="YYYY-MM-DD",
                   help=f"last day (default {DEFAULT_WORLD.end})")
    p.add_argument("--files", choices=("monthly", "daily", "yearly"), default="monthly",
                   help="one export file per month (default), day or year of DATEADDED")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel simulate``."""
    from riskmodel.datasets.simulate import EPISODE_KINDS, simulate_world

    t0 = time.perf_counter()
    print(f"simulating a SYNTHETIC world into {args.dest} (seed {args.seed}) ...",
          file=sys.stderr, flush=True)
    world = simulate_world(args.dest, seed=args.seed, start=args.start, end=args.end,
                           files=args.files)
    gt = world.ground_truth
    print(f"wrote {world.n_events:,} events in {len(world.files)} files and "
          f"{len(gt)} episodes in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    print(json.dumps({
        "dest": str(world.path),
        "events_dir": str(world.events_dir),
        "n_events": world.n_events,
        "n_files": len(world.files),
        "episodes": {k: int((gt["kind"] == k).sum()) for k in EPISODE_KINDS},
        "synthetic": True,
    }))
    return 0
