"""Ingest benchmark: riskmodel's GDELT 1.0 ingest + weekly dyad panel against a polars scan.

Usage::

    python benchmarks/bench_ingest.py            # 2,000,000 rows
    python benchmarks/bench_ingest.py --small    # 20,000 rows (what the test suite runs)
    python benchmarks/bench_ingest.py --rows 500000 --profile
    python benchmarks/bench_ingest.py --files 1000   # 1,000 files of 2,000 rows
    python benchmarks/bench_ingest.py --reader-options '{"block_bytes": 16777216}'

The script writes a GDELT 1.0 daily-layout file (58 tab-separated columns, no header) of N rows
with realistic values: CAMEO event codes of the codebook as zero-padded strings with their
QuadClass and Goldstein score, country codes for most actors (a few CAMEO regional codes such as
EUR and AFR, which belong to no state, and some actors with no country), FIPS geography, dates
over 2015-2019, DATEADDED a few days after the event and a SOURCEURL. Then, each in a fresh
child process so that peak memory is measured separately:

(a) **riskmodel**: ``EventStore(tmp).ingest("gdelt1", [file])`` followed by the weekly directed
    dyad panel ``build_panel(store, freq="W")``;
(b) **polars**: ``pl.scan_csv(file, separator="\\t", has_header=False)`` reading the 5 columns
    needed (SQLDATE, Actor1CountryCode, Actor2CountryCode, EventRootCode, QuadClass) and a
    group-by counting events per (actor 1 state, actor 2 state, week) and QuadClass;
(c) **plain DuckDB load**: DuckDB's own ``read_csv`` copying the GDELT fields riskmodel keeps
    (as text: no conversion, no checks, no accounting) into a table of a new database file,
    then the same group-by in SQL. It shows what storing those fields costs by itself, which
    no ingest into a database can go below.

Both must give the same counts for every dyad-week (events of two different states; the
generator gives country-coded actors no role or a state role, GOV/MIL/COP/JUD/LEG/SPY, so
riskmodel's "state" attribution and the polars filter define the same dyads). The script
prints the times, the ratios riskmodel/polars, plain DuckDB load/polars and riskmodel/plain
DuckDB load, and the peak RSS of each, and exits 1 if the counts differ. ``--profile`` adds a
reader-only run (read and parse, nothing stored) and a cProfile of the riskmodel run, to show
where the time goes: reading and parsing (the reader, which the ingest overlaps with storing),
mapping, validating and inserting (the store), and the panel.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _util import (  # noqa: E402
    child_report,
    cpu_count,
    human_bytes,
    print_table,
    ratio,
    run_child,
    timed,
)

#: Rows of the full-size and of the small run.
FULL_ROWS = 2_000_000
SMALL_ROWS = 20_000

#: Actor country codes (CAMEO codes equal to ISO3 for states) and their relative frequency.
STATES: dict[str, float] = {
    "USA": 18, "RUS": 5, "CHN": 5, "GBR": 5, "FRA": 3, "DEU": 3, "ISR": 4, "PSE": 2, "IRN": 4,
    "IRQ": 3, "SYR": 3, "AFG": 3, "PAK": 3, "IND": 4, "UKR": 3, "TUR": 3, "SAU": 2, "EGY": 2,
    "NGA": 2, "JPN": 2, "KOR": 2, "PRK": 1, "AUS": 2, "CAN": 2, "MEX": 1, "BRA": 1, "ZAF": 1,
    "KEN": 1, "ETH": 1, "SOM": 1, "SDN": 1, "YEM": 1, "LBN": 1, "JOR": 1, "LBY": 1, "MLI": 1,
    "VEN": 1, "COL": 1, "PHL": 1, "IDN": 1, "MMR": 1, "BGD": 1, "LKA": 1, "NPL": 1, "GEO": 1,
    "ARM": 1, "AZE": 1, "BLR": 1, "POL": 1, "ITA": 1, "ESP": 1, "GRC": 1, "QAT": 1, "ARE": 1,
}
#: CAMEO regional/group codes (no state).
REGIONS: tuple[str, ...] = ("EUR", "AFR", "MEA", "WST", "ASA")
#: Role codes of state actors (riskmodel.engines.STATE_TYPES), "" = no role.
STATE_ROLES: tuple[str, ...] = ("", "", "", "GOV", "GOV", "MIL", "COP", "JUD", "LEG", "SPY")
#: Actors without a country: (code, name).
OTHER_ACTORS: tuple[tuple[str, str], ...] = (
    ("CVL", "CIVILIAN"), ("BUS", "COMPANY"), ("MED", "JOURNALIST"), ("REB", "REBEL"),
    ("EDU", "STUDENT"), ("OPP", "OPPOSITION"), ("CRM", "CRIMINAL"), ("REL", "CHURCH"),
)
SITES: tuple[str, ...] = ("reuters.com", "bbc.co.uk", "dawn.com", "aljazeera.com",
                          "timesofindia.indiatimes.com", "nytimes.com", "tass.com",
                          "kyivindependent.com", "haaretz.com", "allafrica.com")
FIRST_DAY = np.datetime64("2015-01-01")
N_DAYS = 5 * 365
COLUMNS = 58

# Column names given to polars (its default names for header-less files changed across
# versions), and the 0-based positions of the five columns it reads.
_PL_NAMES = [f"c{i}" for i in range(COLUMNS)]
_PL_SQLDATE, _PL_A1, _PL_A2, _PL_ROOT, _PL_QUAD = "c1", "c7", "c17", "c28", "c29"


# ---------------------------------------------------------------------------------------------
# The input file
# ---------------------------------------------------------------------------------------------


def _fmt(values: np.ndarray, fmt: str) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    if fmt == "int":
        return pa.array(values.astype(np.int64)).cast(pa.string())
    if fmt.startswith("round"):
        return pa.array(np.round(values.astype(np.float64), int(fmt[5:]))).cast(pa.string())
    if fmt.startswith("%"):
        return pc.strftime(pa.array(values.astype("datetime64[s]")), format=fmt)
    raise ValueError(fmt)


def _pick(rng: np.random.Generator, options: np.ndarray, n: int,
          p: np.ndarray | None = None) -> np.ndarray:
    return options[rng.choice(len(options), size=n, p=p)]


_NAMES: dict[str, str] = {}


def _names() -> dict[str, str]:
    """Country names of :data:`STATES` (title case), looked up once."""
    if not _NAMES:
        from riskmodel.codes.states import state_name

        _NAMES.update({c: state_name(c) or c for c in STATES})
    return _NAMES


def _actor(rng: np.random.Generator, n: int, p_state: float, p_region: float,
           p_other: float) -> dict[str, np.ndarray]:
    """One actor block: code, name, country, role; kind 0 state, 1 region, 2 other, 3 none."""
    codes = np.array(list(STATES), dtype=object)
    weights = np.array(list(STATES.values()), dtype=float)
    kind = rng.choice(4, size=n, p=[p_state, p_region, p_other, 1 - p_state - p_region - p_other])
    country = np.full(n, "", dtype=object)
    country[kind == 0] = _pick(rng, codes, int((kind == 0).sum()), weights / weights.sum())
    country[kind == 1] = _pick(rng, np.array(REGIONS, dtype=object), int((kind == 1).sum()))
    role = np.full(n, "", dtype=object)
    role[kind == 0] = _pick(rng, np.array(STATE_ROLES, dtype=object), int((kind == 0).sum()))
    other = rng.integers(0, len(OTHER_ACTORS), size=n)
    names = {c: v.upper() for c, v in _names().items()}
    names.update({r: r for r in REGIONS})
    code = np.where(kind <= 1, country + role, "")
    name = np.array([names.get(c, "") for c in country], dtype=object)
    is_other = kind == 2
    code[is_other] = [OTHER_ACTORS[i][0] for i in other[is_other]]
    name[is_other] = [OTHER_ACTORS[i][1] for i in other[is_other]]
    role[is_other] = code[is_other]
    return {"code": code, "name": name, "country": country, "role": role, "kind": kind}


def _geo(rng: np.random.Generator, country: np.ndarray, fips: dict[str, str],
         present: np.ndarray) -> list[Any]:
    """A geography block (Type, FullName, CountryCode, ADM1Code, Lat, Long, FeatureID)."""
    import pyarrow as pa

    n = len(country)
    cc = np.array([fips.get(c, "") for c in country], dtype=object)
    has = present & (cc != "")
    gtype = np.where(has, rng.choice([1, 3, 4], size=n, p=[0.4, 0.2, 0.4]), 0)
    full = np.array([_names().get(c, "") for c in country], dtype=object)
    full = np.where(has, full, "")
    lat = _fmt(rng.uniform(-40, 60, size=n), "round4").to_numpy(zero_copy_only=False)
    lon = _fmt(rng.uniform(-120, 140, size=n), "round4").to_numpy(zero_copy_only=False)
    adm1 = np.where(has, cc + np.char.zfill(rng.integers(1, 30, size=n).astype(str), 2)
                    .astype(object), "")
    feature = np.where(has, rng.integers(10_000, 3_000_000, size=n).astype(str).astype(object), "")
    return [pa.array(gtype.astype(str)), pa.array(full), pa.array(np.where(has, cc, "")),
            pa.array(adm1), pa.array(np.where(has, lat, "")), pa.array(np.where(has, lon, "")),
            pa.array(feature)]


def _chunk(rng: np.random.Generator, start_id: int, n: int, code_table: Any,
           fips: dict[str, str]) -> Any:
    import pyarrow as pa

    day = FIRST_DAY + rng.integers(0, N_DAYS, size=n).astype("timedelta64[D]")
    added = day + rng.integers(0, 8, size=n).astype("timedelta64[D]")
    year = day.astype("datetime64[Y]").astype(int) + 1970
    doy = (day - day.astype("datetime64[Y]")).astype(int)
    a1 = _actor(rng, n, 0.80, 0.03, 0.10)
    a2 = _actor(rng, n, 0.62, 0.03, 0.10)
    codes = code_table.index.to_numpy(dtype=object)
    # Roots 01-05 are most frequent in GDELT; material conflict is rarer.
    root_weight = {1: 12, 2: 6, 3: 6, 4: 12, 5: 5, 6: 2, 7: 2, 8: 2, 9: 1, 10: 2, 11: 4,
                   12: 2, 13: 2, 14: 2, 15: 1, 16: 1, 17: 3, 18: 3, 19: 3, 20: 1}
    w = np.array([root_weight[r] for r in code_table["root"]], dtype=float)
    pick = rng.choice(len(codes), size=n, p=w / w.sum())
    event = codes[pick]
    quad = code_table["quad_class"].to_numpy()[pick]
    gold = code_table["goldstein"].to_numpy()[pick]
    empty = pa.array(np.full(n, "", dtype=object))
    a2_present = a2["kind"] != 3
    action_country = np.where(rng.random(n) < 0.7, a1["country"],
                              np.where(a2_present, a2["country"], a1["country"]))
    ids = np.arange(start_id, start_id + n)
    site = _pick(rng, np.array(SITES, dtype=object), n)
    url = pa.array("https://www." + site + "/news/" + year.astype(str).astype(object) + "/"
                   + ids.astype(str).astype(object) + ".html")

    def actor_cols(a: dict[str, np.ndarray]) -> list[Any]:
        return [pa.array(a["code"]), pa.array(a["name"]), pa.array(a["country"]), empty,
                empty, empty, empty, pa.array(a["role"]), empty, empty]

    cols = [
        _fmt(ids, "int"), _fmt(day, "%Y%m%d"), _fmt(day, "%Y%m"), _fmt(year, "int"),
        _fmt(year + doy / 365.0, "round4"),
        *actor_cols(a1), *actor_cols(a2),
        pa.array(rng.choice(["0", "1"], size=n, p=[0.4, 0.6]).astype(object)),
        pa.array(event), pa.array(np.array([c[:3] for c in event], dtype=object)),
        pa.array(np.array([c[:2] for c in event], dtype=object)),
        _fmt(quad, "int"), _fmt(gold, "round1"),
        _fmt(rng.integers(1, 60, size=n), "int"), _fmt(rng.integers(1, 10, size=n), "int"),
        _fmt(rng.integers(1, 60, size=n), "int"), _fmt(rng.normal(-2.5, 3.5, size=n), "round12"),
        *_geo(rng, a1["country"], fips, a1["kind"] == 0),
        *_geo(rng, a2["country"], fips, a2["kind"] == 0),
        *_geo(rng, action_country, fips, np.ones(n, dtype=bool)),
        _fmt(added, "%Y%m%d"), url,
    ]
    assert len(cols) == COLUMNS
    return pa.Table.from_arrays(cols, names=[f"c{i}" for i in range(COLUMNS)])


def write_gdelt1_file(path: str | os.PathLike[str], rows: int, *, seed: int = 20160728,
                      chunk_rows: int = 250_000) -> Path:
    """Write a GDELT 1.0 daily-layout file (58 tab-separated columns, no header) of ``rows``."""
    import pyarrow.csv as pacsv

    from riskmodel.codes.cameo import cameo_table
    from riskmodel.codes.states import from_iso3

    table = cameo_table()
    table = table[table.index.str.len() >= 3]  # event codes, not the two-digit root labels
    fips = {c: from_iso3(c, "fips") or "" for c in STATES}
    rng = np.random.default_rng(seed)
    out = Path(path)
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    writer = None
    written = 0
    try:
        while written < rows:
            n = min(chunk_rows, rows - written)
            batch = _chunk(rng, 300_000_000 + written, n, table, fips)
            if writer is None:
                writer = pacsv.CSVWriter(str(out), batch.schema, write_options=options)
            writer.write_table(batch)
            written += n
    finally:
        if writer is not None:
            writer.close()
    return out


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------


def _child_riskmodel(data: Path, work: Path, counts_out: Path) -> None:
    from riskmodel.store import EventStore

    from _util import peak_rss_self

    times: dict[str, float] = {}
    store_path = work / "store.duckdb"
    if store_path.exists():
        store_path.unlink()
    with EventStore(store_path) as store:
        with timed(times, "ingest"):
            report = store.ingest("gdelt1", [str(data)], **_reader_options())
        ingest_peak = peak_rss_self()
        with timed(times, "panel"):
            panel, how = _riskmodel_panel(store)
        cells = _panel_cells(panel)
    cells.to_parquet(counts_out)
    child_report({"times": times, "accounting": report.counts(), "panel": how,
                  "cells": len(cells), "ingest_peak_rss": ingest_peak,
                  "store_bytes": store_path.stat().st_size})


def _riskmodel_panel(store: Any) -> tuple[Any, str]:
    """The weekly directed dyad panel: ``build_panel`` where it exists, else a DuckDB group-by.

    Only this is timed; turning the result into comparable cells is not.
    """
    try:
        from riskmodel.panel import build_panel
    except ImportError:
        build_panel = None
    if build_panel is not None:
        return build_panel(store, freq="W"), "riskmodel.panel.build_panel(store, freq='W')"
    sql = """
        SELECT actor1_state AS a1, actor2_state AS a2,
               date_trunc('week', date) AS week, count(*) AS n,
               count(*) FILTER (WHERE quad_class = 1) AS quad1,
               count(*) FILTER (WHERE quad_class = 2) AS quad2,
               count(*) FILTER (WHERE quad_class = 3) AS quad3,
               count(*) FILTER (WHERE quad_class = 4) AS quad4
        FROM events
        WHERE actor1_state IS NOT NULL AND actor2_state IS NOT NULL
          AND actor1_state <> actor2_state
          AND (actor1_type IS NULL OR actor1_type IN ('GOV','MIL','COP','JUD','LEG','SPY'))
          AND (actor2_type IS NULL OR actor2_type IN ('GOV','MIL','COP','JUD','LEG','SPY'))
        GROUP BY ALL
    """
    return store.connection.execute(sql).df(), "DuckDB group-by on the store's events table"


def _panel_cells(panel: Any) -> Any:
    """Non-zero dyad-weeks as columns a1, a2, week, n, quad1..quad4."""
    import pandas as pd

    if isinstance(panel, pd.DataFrame):  # the DuckDB fallback
        out = panel
    else:
        frame = panel.data
        frame = frame[frame["n_events"].to_numpy() > 0]
        out = pd.DataFrame({
            "a1": frame["state_a"].astype(str).to_numpy(),
            "a2": frame["state_b"].astype(str).to_numpy(),
            "week": frame.index.get_level_values("period"),
            "n": frame["n_events"].astype("int64").to_numpy(),
            **{f"quad{q}": frame[f"quad{q}"].astype("int64").to_numpy() for q in range(1, 5)},
        })
    out["week"] = pd.to_datetime(out["week"]).astype("datetime64[us]")
    return out.reset_index(drop=True)


#: Environment variable carrying ``--reader-options`` to the child processes.
_OPTIONS_ENV = "BENCH_INGEST_READER_OPTIONS"


def _reader_options() -> dict[str, Any]:
    """Keyword options for the GDELT reader given with ``--reader-options`` (JSON)."""
    return json.loads(os.environ.get(_OPTIONS_ENV) or "{}")


def _polars_lazy(data: Path) -> Any:
    import polars as pl

    states = list(STATES)
    lf = pl.scan_csv(str(data), separator="\t", has_header=False, quote_char=None,
                     infer_schema=False, new_columns=_PL_NAMES)
    lf = lf.select(
        pl.col(_PL_SQLDATE).str.strptime(pl.Date, "%Y%m%d").alias("date"),
        pl.col(_PL_A1).alias("a1"), pl.col(_PL_A2).alias("a2"),
        pl.col(_PL_ROOT).cast(pl.Int8).alias("root"),
        pl.col(_PL_QUAD).cast(pl.Int8).alias("quad"),
    )
    lf = lf.filter(pl.col("a1").is_in(states) & pl.col("a2").is_in(states)
                   & (pl.col("a1") != pl.col("a2")) & pl.col("root").is_between(1, 20))
    return lf.group_by("a1", "a2", pl.col("date").dt.truncate("1w").alias("week")).agg(
        pl.len().cast(pl.Int64).alias("n"),
        *[(pl.col("quad") == q).sum().cast(pl.Int64).alias(f"quad{q}") for q in range(1, 5)],
    )


def _child_polars(data: Path, counts_out: Path) -> None:
    times: dict[str, float] = {}
    with timed(times, "scan+group-by"):
        result = _polars_lazy(data).collect()
    result.write_parquet(counts_out)
    child_report({"times": times, "cells": result.height})


def _child_duckdb(data: Path, work: Path, counts_out: Path) -> None:
    import duckdb

    from riskmodel.sources.gdelt import GDELT1_COLUMNS, NEEDED

    times: dict[str, float] = {}
    path = work / "plain.duckdb"
    if path.exists():
        path.unlink()
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in GDELT1_COLUMNS) + "}"
    source = (f"read_csv('{data}', delim='\\t', header=false, quote='', escape='', "
              f"auto_detect=false, null_padding=true, columns={columns})")
    states = ", ".join(f"'{s}'" for s in STATES)
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    with timed(times, "load"):
        con.execute(f"CREATE TABLE raw AS SELECT {', '.join(NEEDED)} FROM {source}")
    with timed(times, "group-by"):
        cells = con.execute(f"""
            SELECT Actor1CountryCode AS a1, Actor2CountryCode AS a2,
                   date_trunc('week', strptime(SQLDATE, '%Y%m%d')) AS week,
                   count(*) AS n,
                   {", ".join(f"count(*) FILTER (WHERE QuadClass = '{q}') AS quad{q}"
                              for q in range(1, 5))}
            FROM raw
            WHERE a1 IN ({states}) AND a2 IN ({states}) AND a1 <> a2
              AND TRY_CAST(EventRootCode AS INTEGER) BETWEEN 1 AND 20
            GROUP BY ALL""").df()
    con.close()
    cells.to_parquet(counts_out)
    child_report({"times": times, "cells": len(cells), "store_bytes": path.stat().st_size})


def _child_reader(data: Path) -> None:
    """The reader alone: read and parse the file into chunks; nothing mapped, checked or stored.

    The GDELT reader hands the store raw string columns plus the SQL that maps them, so what
    the reader costs is reading and parsing; the store then maps, validates and inserts.
    """
    from riskmodel.sources.base import expand_inputs, get_reader

    times: dict[str, float] = {}
    rows = 0
    with timed(times, "read+parse"):
        reader = get_reader("gdelt1")
        for item in expand_inputs([str(data)]):
            for chunk in reader(item, **_reader_options()):
                rows += chunk.n_read
    child_report({"times": times, "rows": rows})


def _child_cprofile(data: Path, work: Path, out: Path) -> None:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    counts = work / "cprofile-counts.parquet"
    prof.enable()
    try:
        import contextlib

        with contextlib.redirect_stdout(io.StringIO()):
            _child_riskmodel(data, work, counts)
    finally:
        prof.disable()
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    out.write_text(text.getvalue())
    child_report({"profile": str(out)})


# ---------------------------------------------------------------------------------------------
# Parent
# ---------------------------------------------------------------------------------------------


def compare_counts(riskmodel_counts: Path, polars_counts: Path) -> tuple[bool, str]:
    """Whether both runs give the same counts per dyad-week (and QuadClass); with a message."""
    import pandas as pd

    cols = ["a1", "a2", "week", "n", "quad1", "quad2", "quad3", "quad4"]
    a = pd.read_parquet(riskmodel_counts)[cols]
    b = pd.read_parquet(polars_counts)[cols]
    for frame in (a, b):
        frame["week"] = pd.to_datetime(frame["week"]).astype("datetime64[us]")
        for c in ("a1", "a2"):
            frame[c] = frame[c].astype(str)
        for c in cols[3:]:
            frame[c] = frame[c].astype("int64")
    a = a.sort_values(cols[:3]).reset_index(drop=True)
    b = b.sort_values(cols[:3]).reset_index(drop=True)
    if a.equals(b):
        return True, f"{len(a)} dyad-weeks, {int(a['n'].sum())} events: counts agree"
    merged = a.merge(b, on=cols[:3], how="outer", suffixes=("_riskmodel", "_polars"),
                     indicator=True)
    diff = merged[(merged["_merge"] != "both")
                  | (merged["n_riskmodel"] != merged["n_polars"])]
    return False, (f"counts differ: riskmodel {len(a)} cells / {int(a['n'].sum())} events, "
                   f"polars {len(b)} cells / {int(b['n'].sum())} events; first differences:\n"
                   f"{diff.head(10).to_string()}")


def split_file(path: Path, files: int, rows: int) -> str:
    """Split ``path`` (``rows`` lines) into ``files`` files of consecutive lines; their glob.

    Streams the lines, so that the parent process stays small (a child's peak RSS counts the
    parent's pages until the child starts its own program).
    """
    folder = path.with_name(f"{path.stem}_x{files}")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    bounds = np.linspace(0, rows, files + 1).round().astype(int)
    with path.open("rb") as src:
        for k in range(files):
            with (folder / f"part{k:05d}.export.CSV").open("wb") as out:
                out.writelines(itertools.islice(src, int(bounds[k + 1] - bounds[k])))
    path.unlink()
    return str(folder / "*.export.CSV")


def run(rows: int, workdir: Path, *, profile: bool = False, seed: int = 20160728,
        quiet: bool = False, reader_options: dict[str, Any] | None = None,
        files: int = 1) -> dict[str, Any]:
    """Write the input, run the contenders in child processes and compare their counts.

    With ``files > 1`` the rows are split into that many files (as GDELT 2.0 publishes a file
    every 15 minutes), which every contender reads through one glob.

    ``reader_options`` are keyword options for the gdelt1 reader (e.g. ``block_bytes``), passed
    to ``EventStore.ingest`` in the riskmodel child and to the reader-only run.

    Returns
    -------
    dict
        ``rows``, ``file_bytes``, ``riskmodel`` and ``polars`` (seconds, peak RSS, ...),
        ``ratio``, ``counts_equal``, ``message`` and, with ``profile``, ``profile``.
    """
    log = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    load_start = _loadavg()
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"gdelt1_{rows}.export.CSV"
    t0 = time.perf_counter()
    write_gdelt1_file(data, rows, seed=seed)
    file_bytes = data.stat().st_size
    log(f"wrote {data} ({rows:,} rows, {human_bytes(file_bytes)}) in "
        f"{time.perf_counter() - t0:.1f} s")
    if files > 1:
        data = Path(split_file(data, files, rows))  # a glob, read by every contender
        log(f"split into {files:,} files: {data}")
    me = [sys.executable, str(Path(__file__).resolve())]
    env = dict(os.environ)
    env.pop(_OPTIONS_ENV, None)
    if reader_options:
        env[_OPTIONS_ENV] = json.dumps(reader_options)
    rm_counts, pl_counts = workdir / "riskmodel_counts.parquet", workdir / "polars_counts.parquet"
    log("running riskmodel (ingest + weekly panel) ...")
    rm = run_child(me + ["--child", "riskmodel", str(data), str(workdir), str(rm_counts)],
                   env=env)
    log("running polars (scan + group-by) ...")
    pl_ = run_child(me + ["--child", "polars", str(data), str(workdir), str(pl_counts)])
    log("running the plain DuckDB load (read_csv into a table + group-by) ...")
    dd_counts = workdir / "duckdb_counts.parquet"
    dd = run_child(me + ["--child", "duckdb", str(data), str(workdir), str(dd_counts)])
    equal, message = compare_counts(rm_counts, pl_counts)
    equal_dd, message_dd = compare_counts(dd_counts, pl_counts)
    if not equal_dd:
        equal, message = False, f"{message}\nplain DuckDB load against polars: {message_dd}"
    rm_time = sum(rm.payload["times"].values())
    pl_time = sum(pl_.payload["times"].values())
    dd_time = sum(dd.payload["times"].values())
    result: dict[str, Any] = {
        "rows": rows, "file_bytes": file_bytes, "files": files, "cpus": cpu_count(),
        "riskmodel": {"seconds": rm_time, "wall": rm.wall, "peak_rss": rm.peak_rss,
                      **rm.payload},
        "polars": {"seconds": pl_time, "wall": pl_.wall, "peak_rss": pl_.peak_rss,
                   **pl_.payload},
        "duckdb": {"seconds": dd_time, "wall": dd.wall, "peak_rss": dd.peak_rss, **dd.payload},
        "ratio": rm_time / pl_time if pl_time else float("nan"),
        "ratio_duckdb": dd_time / pl_time if pl_time else float("nan"),
        "ratio_riskmodel_duckdb": rm_time / dd_time if dd_time else float("nan"),
        "counts_equal": equal, "message": message,
        "load_average": [load_start, _loadavg()], "reader_options": reader_options or {},
    }
    if profile:
        log("profiling: reader only ...")
        rd = run_child(me + ["--child", "reader", str(data), str(workdir), "-"], env=env)
        log("profiling: cProfile of the riskmodel run ...")
        prof_out = workdir / "cprofile.txt"
        run_child(me + ["--child", "cprofile", str(data), str(workdir), str(prof_out)], env=env)
        parse = rd.payload["times"]["read+parse"]
        ingest = rm.payload["times"]["ingest"]
        result["profile"] = {
            "read+parse alone": parse, "ingest (reading overlapped)": ingest,
            "panel": rm.payload["times"]["panel"], "reader_peak_rss": rd.peak_rss,
            "cprofile": prof_out.read_text(),
        }
    return result


def _loadavg() -> float | None:
    """The 1-minute load average (other work on the machine skews timings), if available."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return None


def report(result: dict[str, Any], file: Any = None) -> None:
    """Print the result table (and the profile) on ``file`` (default stdout)."""
    out = file or sys.stdout
    rm, pl_, dd = result["riskmodel"], result["polars"], result["duckdb"]
    load = result.get("load_average") or [None, None]
    load_text = (f", load average {load[0]} -> {load[1]}" if load[0] is not None else "")
    in_files = f" in {result['files']:,} files" if result.get("files", 1) > 1 else ""
    print(f"GDELT 1.0 ingest benchmark: {result['rows']:,} rows{in_files}, "
          f"{human_bytes(result['file_bytes'])}, {result['cpus']} CPUs{load_text}", file=out)
    rows = [
        ["riskmodel ingest + weekly panel", f"{rm['seconds']:.2f}", f"{rm['wall']:.2f}",
         human_bytes(rm["peak_rss"]), "; ".join(f"{k} {v:.2f} s"
                                                for k, v in rm["times"].items())],
        ["polars scan + group-by (5 cols)", f"{pl_['seconds']:.2f}", f"{pl_['wall']:.2f}",
         human_bytes(pl_["peak_rss"]), "; ".join(f"{k} {v:.2f} s"
                                                 for k, v in pl_["times"].items())],
        ["plain DuckDB load + group-by", f"{dd['seconds']:.2f}", f"{dd['wall']:.2f}",
         human_bytes(dd["peak_rss"]), "; ".join(f"{k} {v:.2f} s"
                                                for k, v in dd["times"].items())],
    ]
    print_table(rows, ["contender", "seconds", "wall s", "peak RSS", "parts"], file=out)
    if rm.get("ingest_peak_rss"):
        print(f"riskmodel peak RSS after ingest, before the panel: "
              f"{human_bytes(rm['ingest_peak_rss'])}; store file "
              f"{human_bytes(rm.get('store_bytes', 0))}", file=out)
    print(f"ratio riskmodel / polars: {ratio(rm['seconds'], pl_['seconds'])} "
          f"(wall, incl. start-up: {ratio(rm['wall'], pl_['wall'])}); "
          f"riskmodel accounting {rm.get('accounting')}; panel via {rm.get('panel')}", file=out)
    print(f"ratio plain DuckDB load / polars: {ratio(dd['seconds'], pl_['seconds'])}; "
          f"riskmodel / plain DuckDB load: {ratio(rm['seconds'], dd['seconds'])} "
          f"(plain load's database file {human_bytes(dd.get('store_bytes', 0))})", file=out)
    print(("OK: " if result["counts_equal"] else "MISMATCH: ") + result["message"], file=out)
    prof = result.get("profile")
    if prof:
        steps = ("read+parse alone", "ingest (reading overlapped)", "panel")
        print("\nwhere riskmodel's time goes (the ingest reads the next chunk in a background "
              "thread while it stores the current one, so its time includes the reader's only "
              "where the two do not overlap):", file=out)
        print_table([[k, f"{prof[k]:.2f}"] for k in steps], ["step", "seconds"], file=out)
        print(f"reader alone: peak RSS {human_bytes(prof['reader_peak_rss'])}", file=out)
        print("\ncProfile of the riskmodel run (cumulative, then own time):", file=out)
        print(prof["cprofile"], file=out)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns 0 when both contenders give the same counts, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=None,
                        help=f"rows of the generated file (default {FULL_ROWS:,})")
    parser.add_argument("--small", action="store_true", help=f"{SMALL_ROWS:,} rows")
    parser.add_argument("--profile", action="store_true",
                        help="also time the reader alone and print a cProfile of riskmodel")
    parser.add_argument("--workdir", default=None,
                        help="folder for the generated file and the store (default: a temporary "
                             "folder, removed afterwards)")
    parser.add_argument("--files", type=int, default=1,
                        help="split the rows into this many files (e.g. 1000: about 2,000 rows "
                             "each, the size of a GDELT 2.0 15-minute export)")
    parser.add_argument("--seed", type=int, default=20160728)
    parser.add_argument("--json", default=None, metavar="FILE",
                        help="also write the results as JSON")
    parser.add_argument("--reader-options", default=None, metavar="JSON",
                        help='keyword options for the gdelt1 reader, e.g. \'{"block_bytes": '
                             '16777216}\' (passed to EventStore.ingest and the reader-only run)')
    parser.add_argument("--child", nargs=4, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        role, data, work, out = args.child
        if role == "riskmodel":
            _child_riskmodel(Path(data), Path(work), Path(out))
        elif role == "polars":
            _child_polars(Path(data), Path(out))
        elif role == "duckdb":
            _child_duckdb(Path(data), Path(work), Path(out))
        elif role == "reader":
            _child_reader(Path(data))
        elif role == "cprofile":
            _child_cprofile(Path(data), Path(work), Path(out))
        else:
            parser.error(f"unknown child role {role!r}")
        return 0

    if args.reader_options:
        try:
            options = json.loads(args.reader_options)
        except ValueError as exc:
            parser.error(f"--reader-options must be a JSON object: {exc}")
        if not isinstance(options, dict):
            parser.error("--reader-options must be a JSON object")
    else:
        options = None
    rows = args.rows if args.rows is not None else (SMALL_ROWS if args.small else FULL_ROWS)
    if rows < 1:
        parser.error("--rows must be >= 1")
    if not 1 <= args.files <= rows:
        parser.error("--files must be between 1 and the number of rows")
    temp = None
    if args.workdir:
        workdir = Path(args.workdir)
    else:
        temp = tempfile.mkdtemp(prefix="bench_ingest_")
        workdir = Path(temp)
    try:
        result = run(rows, workdir, profile=args.profile, seed=args.seed,
                     reader_options=options, files=args.files)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    report(result)
    if args.json:
        slim = {k: v for k, v in result.items() if k != "profile"}
        if "profile" in result:
            slim["profile"] = {k: v for k, v in result["profile"].items() if k != "cprofile"}
        Path(args.json).write_text(json.dumps(slim, indent=1, default=str) + "\n")
    return 0 if result["counts_equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
