"""``riskmodel fetch {gdelt1,gdelt2,ucdp,acled} ...``: download public event data.

Examples::

    riskmodel fetch gdelt1 --start 2016-07-28 --end 2016-07-31 --dest data/gdelt1
    riskmodel fetch gdelt2 --start 2018-03-26 --end 2018-03-26 --table events
    riskmodel fetch ucdp --version 25.1 --dest data/ucdp
    riskmodel fetch acled --country Pakistan --start 2024-01-01 --end 2024-03-31
    riskmodel fetch gdelt2 --start 2018-03-26T00:00 --end 2018-03-26T06:00 --ingest --store s.duckdb

Stdout lists the local files, one per line (then, with ``--ingest``, the row accounting as JSON
on the last line); the progress bar, warnings and the summary go to stderr. Exit status 1 with a
message naming the files when something is missing or fails verification (see
:mod:`riskmodel.sources.download`).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from riskmodel.cli._common import add_store_argument, store_path
from riskmodel.exceptions import ConfigurationError

#: Reader kind used by ``--ingest`` for each fetch source.
INGEST_KIND = {"gdelt1": "gdelt1", "gdelt2": "gdelt2", "ucdp": "ucdp", "acled": "acled"}


def _common(p: argparse.ArgumentParser, default_dest: str, *, missing: bool = True,
            index: bool = True) -> None:
    p.add_argument("--dest", default=default_dest, metavar="DIR",
                   help=f"destination folder (default {default_dest}); files already there and "
                        "verified are not downloaded again")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar (it is shown only when stderr is a terminal anyway)")
    p.add_argument("--retries", type=int, default=3, metavar="N",
                   help="retries per file after a connection error or short transfer (default 3)")
    if missing:
        p.add_argument("--allow-missing", action="store_true",
                       help="warn instead of failing when files of the range are missing at the "
                            "source (the warning lists them)")
    if index:
        p.add_argument("--refresh-index", action="store_true",
                       help="download the source's file index again even if the cached copy "
                            "covers the range")
        p.add_argument("--dry-run", action="store_true",
                       help="only list the files of the range (cached, planned or missing) "
                            "with their published sizes; download nothing")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="fetch from a mirror instead of the source's own server")
    p.add_argument("--ingest", action="store_true",
                   help="after downloading, ingest the files into the store (see --store)")
    add_store_argument(p)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` verb and its four sources."""
    p = sub.add_parser(
        "fetch",
        help="download GDELT 1.0/2.0, UCDP GED or ACLED data (cached, resumable, verified)",
        description="Download public event data into a folder. Files are verified against the "
                    "source's published sizes and checksums, cached, and resumed after an "
                    "interruption. A file missing at the source is an error unless "
                    "--allow-missing is given. Stdout lists the local files.",
    )
    sources = p.add_subparsers(dest="source", metavar="SOURCE")
    sources.required = True

    g1 = sources.add_parser("gdelt1", help="GDELT 1.0 daily event files (and the 1979-2013 "
                                           "backfile archives)",
                            description="GDELT 1.0 event files covering START..END, checked "
                                        "against md5sums and filesizes.")
    g1.add_argument("--start", required=True, metavar="YYYY-MM-DD")
    g1.add_argument("--end", required=True, metavar="YYYY-MM-DD")
    g1.add_argument("--workers", type=int, default=4, metavar="N",
                    help="parallel downloads (default 4)")
    _common(g1, "data/gdelt1")
    g1.set_defaults(func=run)

    g2 = sources.add_parser("gdelt2", help="GDELT 2.0 15-minute files",
                            description="GDELT 2.0 15-minute files from START to END (UTC), "
                                        "checked against masterfilelist.txt.")
    g2.add_argument("--start", required=True, metavar="YYYY-MM-DD[THH:MM]")
    g2.add_argument("--end", required=True, metavar="YYYY-MM-DD[THH:MM]",
                    help="a date includes the whole day")
    g2.add_argument("--table", default="events", choices=("events", "mentions", "gkg"),
                    help="which files (default events: the .export.CSV.zip files)")
    g2.add_argument("--translingual", action="store_true",
                    help="the translated stream (masterfilelist-translation.txt)")
    g2.add_argument("--workers", type=int, default=4, metavar="N",
                    help="parallel downloads (default 4)")
    _common(g2, "data/gdelt2")
    g2.set_defaults(func=run)

    uc = sources.add_parser("ucdp", help="a UCDP GED release (or its events via the UCDP API)",
                            description="The UCDP GED release file ged<VV><v>-csv.zip, or with "
                                        "--api the events from the UCDP API (token in "
                                        "UCDP_API_TOKEN) written as a GED CSV.")
    uc.add_argument("--version", default="25.1", metavar="VV.v",
                    help="GED release (default 25.1)")
    uc.add_argument("--api", action="store_true", help="use the UCDP API (needs UCDP_API_TOKEN)")
    uc.add_argument("--start", default=None, metavar="YYYY-MM-DD", help="API only")
    uc.add_argument("--end", default=None, metavar="YYYY-MM-DD", help="API only")
    uc.add_argument("--country", default=None, metavar="GWNO[,GWNO]",
                    help="API only: Gleditsch-Ward country codes")
    uc.add_argument("--refresh", action="store_true", help="download again even if present")
    _common(uc, "data/ucdp", missing=False, index=False)
    uc.set_defaults(func=run)

    ac = sources.add_parser("acled", help="ACLED events through the API (login in ACLED_EMAIL "
                                          "and ACLED_PASSWORD)",
                            description="ACLED events through the API, one CSV per country in "
                                        "ACLED's export layout. The login comes from "
                                        "ACLED_EMAIL and ACLED_PASSWORD.")
    ac.add_argument("--country", action="append", default=None, metavar="NAME",
                    help="ACLED country name (repeat for several)")
    ac.add_argument("--iso", action="append", type=int, default=None, metavar="N",
                    help="ISO 3166 numeric country code (repeat for several)")
    ac.add_argument("--start", default=None, metavar="YYYY-MM-DD")
    ac.add_argument("--end", default=None, metavar="YYYY-MM-DD")
    ac.add_argument("--limit", type=int, default=5000, metavar="N",
                    help="rows per API page (default 5000)")
    ac.add_argument("--allow-empty", action="store_true",
                    help="accept a query that returns no event")
    ac.add_argument("--refresh", action="store_true",
                    help="query again even if a file of the same query is present")
    _common(ac, "data/acled", missing=False, index=False)
    ac.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel fetch``."""
    from riskmodel.sources import download as dl

    progress = False if args.quiet else None
    common = {"transport": None, "retries": args.retries, "progress": progress}
    if args.ingest and getattr(args, "dry_run", False):
        raise ConfigurationError("--ingest and --dry-run exclude each other: a dry run "
                                 "downloads nothing.")
    if args.ingest and args.source == "gdelt2" and args.table != "events":
        raise ConfigurationError(
            f"--ingest reads GDELT 2.0 event files only; --table {args.table} files are not "
            "events. Drop --ingest or use --table events."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if args.source == "gdelt1":
            result = dl.fetch_gdelt1(args.start, args.end, args.dest,
                                     allow_missing=args.allow_missing, dry_run=args.dry_run,
                                     refresh_index=args.refresh_index, workers=args.workers,
                                     base_url=args.base_url or dl.GDELT1_BASE_URL, **common)
        elif args.source == "gdelt2":
            result = dl.fetch_gdelt2(args.start, args.end, args.dest, table=args.table,
                                     translingual=args.translingual,
                                     allow_missing=args.allow_missing, dry_run=args.dry_run,
                                     refresh_index=args.refresh_index, workers=args.workers,
                                     base_url=args.base_url or dl.GDELT2_BASE_URL, **common)
        elif args.source == "ucdp":
            country = args.country.split(",") if args.country else None
            result = dl.fetch_ucdp_ged(args.version, args.dest, api=args.api, start=args.start,
                                       end=args.end, country=country, refresh=args.refresh,
                                       base_url=args.base_url, **common)
        else:
            result = dl.fetch_acled(args.dest, country=args.country, iso=args.iso,
                                    start=args.start, end=args.end, limit=args.limit,
                                    allow_empty=args.allow_empty, refresh=args.refresh,
                                    base_url=args.base_url or dl.ACLED_BASE_URL, **common)
    for warning in caught:
        print(f"riskmodel fetch: warning: {warning.message}", file=sys.stderr)
    if getattr(args, "dry_run", False):
        for entry in result.entries:
            size = entry.expected_size if entry.expected_size is not None else entry.size
            print(f"{entry.status}\t{'' if size is None else size}\t{entry.name}")
        planned = sum(e.expected_size or 0 for e in result.entries if e.status == "planned")
        print(f"riskmodel fetch {args.source}: dry run: {result.summary()}; "
              f"{dl._human(planned)} to download", file=sys.stderr)
        return 0
    for path in result.files:
        print(path)
    print(f"riskmodel fetch {args.source}: {result.summary()}; manifest {result.manifest_path}",
          file=sys.stderr)
    if args.ingest and result.files:
        from riskmodel.store import EventStore

        def report_progress(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        with EventStore(store_path(args.store)) as store:
            report = store.ingest(INGEST_KIND[args.source], [str(p) for p in result.files],
                                  progress=report_progress)
        print(json.dumps(report.counts()))
    return 0
