"""``riskmodel ingest KIND PATH...``: read event files into the store.

Progress goes to stderr, one line per file; the last line of stdout is the row accounting as
JSON: ``{"read": N, "stored": N, "duplicates": N, "rejected": N}`` with
read = stored + duplicates + rejected. Re-ingesting the same files exits 0 (their rows count as
duplicates).
"""

from __future__ import annotations

import argparse
import json
import sys

from riskmodel.cli._common import add_store_argument, store_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``ingest`` verb."""
    from riskmodel.sources.base import reader_kinds

    kinds = reader_kinds()
    p = sub.add_parser(
        "ingest",
        help="read event files (GDELT, UCDP, ACLED, ICEWS, POLECAT, articles) into the store",
        description="Read event files into the store. Files, directories, globs and .zip "
                    "archives are accepted. Prints progress on stderr and the row accounting "
                    "as JSON on the last line of stdout.",
    )
    p.add_argument("kind", choices=kinds, metavar="KIND",
                   help=f"source layout: one of {', '.join(kinds)}")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, directories, globs or zips")
    add_store_argument(p)
    p.add_argument("--option", "-o", action="append", default=[], metavar="KEY=VALUE",
                   help="reader option, repeatable (e.g. -o mapping=gdelt2_events_reduced for "
                        "gdelt2_derived); VALUE is read as JSON where it parses, else as text")
    p.add_argument("--show-rejects", type=int, default=5, metavar="N",
                   help="print up to N rejected rows with their reasons on stderr (default 5)")
    p.set_defaults(func=run)


def parse_options(items: list[str]) -> dict[str, object]:
    """``KEY=VALUE`` strings as reader keyword options (JSON values where they parse)."""
    from riskmodel.exceptions import ConfigurationError

    options: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(
                f"Reader option {item!r} is not KEY=VALUE, e.g. -o mapping=gdelt2_events_reduced.")
        try:
            options[key.strip()] = json.loads(value)
        except ValueError:
            options[key.strip()] = value
    return options


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel ingest``."""
    from riskmodel.store import EventStore

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    options = parse_options(args.option)
    with EventStore(store_path(args.store)) as store:
        report = store.ingest(args.kind, args.paths, progress=progress, **options)
        if report.rejected and args.show_rejects > 0:
            ids = [b["batch_id"] for b in report.batches if b["rejected"]]
            shown = 0
            for batch_id in ids:
                for row in store.rejects(batch_id).itertuples():
                    if shown >= args.show_rejects:
                        break
                    origin = next(b["origin"] for b in report.batches
                                  if b["batch_id"] == batch_id)
                    print(f"rejected: {origin} line {row.line}, field {row.column}: "
                          f"{row.reason}", file=sys.stderr)
                    shown += 1
    print(json.dumps(report.counts()))
    return 0
