"""``riskmodel extract FILE...``: code news articles into events.

Prints the events in the schema's columns (CSV by default, or JSON lines) on stdout, or, with
``--store``, adds them to the event store and prints the row accounting as JSON. Progress and
data-quality warnings go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from riskmodel.cli._common import store_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``extract`` verb."""
    p = sub.add_parser(
        "extract",
        help="code news articles (text, HTML, JSONL/CSV batches) into dated CAMEO events",
        description="Code news articles into events between states and named groups. Each "
                    "event keeps the sentence that supports it (quote, offsets, confidence). "
                    "Prints the events on stdout, or adds them to the store with --store.",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="article files: .txt, .html, .jsonl or .csv (directories and globs too)")
    p.add_argument("--published", default=None, metavar="YYYY-MM-DD",
                   help="publication date for articles that carry none")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv",
                   help="output format on stdout (default csv)")
    p.add_argument("--store", default=None, metavar="FILE",
                   help="add the events to this DuckDB event store instead of printing them")
    p.add_argument("--keep-historical", action="store_true",
                   help="keep events dated long before publication (flagged 'historical')")
    p.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                   help="drop events below this confidence (0-1, default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel extract``."""

    from riskmodel.coding.coder import ArticleCoder
    from riskmodel.coding.dates import parse_publication_date
    from riskmodel.coding.text import read_articles
    from riskmodel.events import EVENT_COLUMNS
    from riskmodel.exceptions import ConfigurationError, DataQualityWarning
    from riskmodel.sources.base import expand_inputs

    published = None
    if args.published is not None:
        published = parse_publication_date(args.published)
        if published is None:
            raise ConfigurationError(
                f"--published must be a date YYYY-MM-DD. Got {args.published!r} instead.")
    coder = ArticleCoder(keep_historical=args.keep_historical,
                         min_confidence=args.min_confidence).fit()

    def show(message: warnings.WarningMessage | str) -> None:
        print(f"riskmodel extract: warning: {message}", file=sys.stderr)

    if args.store:
        from riskmodel.store import EventStore

        with EventStore(store_path(args.store)) as store:
            report = store.ingest("article", args.files, published=published, coder=coder,
                                  progress=lambda m: print(m, file=sys.stderr, flush=True))
        print(json.dumps(report.counts()))
        return 0

    frames = []
    n_articles = 0
    for item in expand_inputs(args.files):
        for art in read_articles(item.path, published=published):
            n_articles += 1
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DataQualityWarning)
                frames.append(coder.code_records(art.text, art.published, art.url, art.title))
            for w in caught:
                if issubclass(w.category, DataQualityWarning):
                    show(f"{art.origin}: {w.message}")
    rows = [r for f in frames for r in f]
    events = coder._frame(rows)
    print(f"riskmodel extract: {n_articles} article(s), {len(events)} event(s)",
          file=sys.stderr)
    out = events[list(EVENT_COLUMNS)].copy()
    for col in ("date", "available_at"):
        out[col] = out[col].dt.strftime("%Y-%m-%d")
    try:
        if args.format == "csv":
            out.to_csv(sys.stdout, index=False)
        else:
            text = out.to_json(orient="records", lines=True, force_ascii=False)
            sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # output piped into head & co
        return 0
    return 0
