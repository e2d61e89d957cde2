"""GDELT Events: the official 1.0 and 2.0 export layouts.

Layouts (tab-separated, no header, no quoting)
----------------------------------------------
* **GDELT 1.0 daily files** (``YYYYMMDD.export.CSV``, from 2013-04-01): 58 columns, the last
  being ``SOURCEURL``.
* **GDELT 1.0 historical backfile** (1979-2013-03): 57 columns, no ``SOURCEURL``. The ``gdelt1``
  reader accepts both layouts mixed in one file, row by row.
* **GDELT 2.0 15-minute exports** (``YYYYMMDDHHMMSS.export.CSV``): 61 columns; each geography block
  gains an ``ADM2Code`` field and ``DATEADDED`` carries the time (``YYYYMMDDHHMMSS``).

Plain files, ``.zip`` archives (streamed, not extracted), directories and globs are accepted
(see :func:`riskmodel.sources.base.expand_inputs`).

Mapping into the event schema
-----------------------------
========================  ==========================================================
schema column             GDELT field
========================  ==========================================================
source_event_id           GLOBALEVENTID
date                      SQLDATE (YYYYMMDD)
available_at              DATEADDED (2.0: YYYYMMDDHHMMSS UTC; 1.0: YYYYMMDD)
actor{1,2}_name           Actor{1,2}Name
actor{1,2}_code           Actor{1,2}Code (complete raw CAMEO actor code)
actor{1,2}_state          Actor{1,2}CountryCode through the CAMEO country table; regional
                          and group codes (EUR, AFR, ...) give null (the raw code stays in
                          ``actor*_code``)
actor{1,2}_type           Actor{1,2}Type1Code (CAMEO role: GOV, MIL, REB, ...)
actor{1,2}_id             Actor{1,2}KnownGroupCode (e.g. TAL, UNO)
cameo_code                EventCode, kept as a string ("043")
cameo_root, quad_class    EventRootCode, QuadClass
goldstein                 GoldsteinScale
weight                    NumMentions
location_state            ActionGeo_CountryCode (FIPS 10-4) mapped to ISO3
latitude, longitude       ActionGeo_Lat, ActionGeo_Long
url                       SOURCEURL (null in the backfile layout)
========================  ==========================================================

Rows that cannot be parsed (wrong number of columns, bytes that are not UTF-8, dates or numbers
that do not parse) become rejects with their line number, field and reason; nothing is dropped
silently.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from riskmodel.events import empty_rejects
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.base import Chunk, InputFile, make_rejects, register_reader

__all__ = ["GDELT1_COLUMNS", "GDELT1_BACKFILE_COLUMNS", "GDELT2_COLUMNS", "read_gdelt1",
           "read_gdelt2"]


def _actor_block(n: int) -> list[str]:
    return [f"Actor{n}{f}" for f in ("Code", "Name", "CountryCode", "KnownGroupCode",
                                     "EthnicCode", "Religion1Code", "Religion2Code",
                                     "Type1Code", "Type2Code", "Type3Code")]


def _geo_block(prefix: str, adm2: bool) -> list[str]:
    fields = ["Type", "FullName", "CountryCode", "ADM1Code"] + (["ADM2Code"] if adm2 else [])
    fields += ["Lat", "Long", "FeatureID"]
    return [f"{prefix}_{f}" for f in fields]


_EVENT_FIELDS = ["IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
                 "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone"]
_HEAD = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate"]

#: GDELT 1.0 daily files (58 columns).
GDELT1_COLUMNS: tuple[str, ...] = tuple(
    _HEAD + _actor_block(1) + _actor_block(2) + _EVENT_FIELDS
    + _geo_block("Actor1Geo", False) + _geo_block("Actor2Geo", False)
    + _geo_block("ActionGeo", False) + ["DATEADDED", "SOURCEURL"]
)
#: GDELT 1.0 historical backfile (57 columns: no SOURCEURL).
GDELT1_BACKFILE_COLUMNS: tuple[str, ...] = GDELT1_COLUMNS[:-1]
#: GDELT 2.0 Events exports (61 columns).
GDELT2_COLUMNS: tuple[str, ...] = tuple(
    _HEAD + _actor_block(1) + _actor_block(2) + _EVENT_FIELDS
    + _geo_block("Actor1Geo", True) + _geo_block("Actor2Geo", True)
    + _geo_block("ActionGeo", True) + ["DATEADDED", "SOURCEURL"]
)

#: The fields the mapping uses.
NEEDED: tuple[str, ...] = (
    "GLOBALEVENTID", "SQLDATE",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1Type1Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2Type1Code",
    "EventCode", "EventRootCode", "QuadClass", "GoldsteinScale", "NumMentions",
    "ActionGeo_CountryCode", "ActionGeo_Lat", "ActionGeo_Long", "DATEADDED", "SOURCEURL",
)

_LAYOUTS: dict[str, dict[int, tuple[str, ...]]] = {
    "gdelt1": {58: GDELT1_COLUMNS, 57: GDELT1_BACKFILE_COLUMNS},
    "gdelt2": {61: GDELT2_COLUMNS},
}

#: Bytes per block read from the input (a block is split at its last newline).
BLOCK_BYTES = 64 << 20


@register_reader("gdelt1")
def read_gdelt1(item: InputFile, *, block_bytes: int = BLOCK_BYTES) -> Iterator[Chunk]:
    """Read a GDELT 1.0 Events file (daily 58-column and backfile 57-column rows, mixed).

    Parameters
    ----------
    item : InputFile
        The file (or zip member).
    block_bytes : int
        Approximate bytes per chunk; memory use is bounded by a small multiple of it.

    Yields
    ------
    Chunk
        Canonical events (index = 1-based line numbers) and rejects.
    """
    yield from _read(item, "gdelt1", block_bytes)


@register_reader("gdelt2")
def read_gdelt2(item: InputFile, *, block_bytes: int = BLOCK_BYTES) -> Iterator[Chunk]:
    """Read a GDELT 2.0 Events export (61 columns).

    Parameters
    ----------
    item : InputFile
        The file (or zip member).
    block_bytes : int
        Approximate bytes per chunk; memory use is bounded by a small multiple of it.

    Yields
    ------
    Chunk
        Canonical events (index = 1-based line numbers) and rejects.
    """
    yield from _read(item, "gdelt2", block_bytes)


def _blocks(fh: Any, block_bytes: int) -> Iterator[bytes]:
    rest = b""
    while True:
        data = fh.read(block_bytes)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1:]
        yield data[: cut + 1]
    if rest:
        yield rest if rest.endswith(b"\n") else rest + b"\n"


def _detect_layout(item: InputFile, kind: str, first: bytes) -> int:
    counts = Counter(line.count(b"\t") + 1 for line in first.split(b"\n")[:200] if line.strip())
    layouts = _LAYOUTS[kind]
    if not counts:
        raise SourceFormatError("the file holds no data rows", path=item.origin)
    for n, _ in counts.most_common():
        if n in layouts:
            return n
    found = counts.most_common(1)[0][0]
    other = {61: "gdelt2", 58: "gdelt1", 57: "gdelt1"}.get(found)
    hint = (f" This looks like a {other} file: use `riskmodel ingest {other}`." if other else
            " Check that the file is an official GDELT Events export (tab-separated, no header).")
    raise SourceFormatError(
        f"expected {' or '.join(map(str, sorted(layouts, reverse=True)))} tab-separated columns "
        f"({kind} layout); the first rows have {found}.{hint}",
        path=item.origin, line=1,
    )


def _read(item: InputFile, kind: str, block_bytes: int) -> Iterator[Chunk]:
    layouts = _LAYOUTS[kind]
    source = kind
    next_line = 1
    layout_n: int | None = None
    empty = True
    with item.open_binary() as fh:
        for block in _blocks(fh, block_bytes):
            if layout_n is None:
                if not block.strip():
                    next_line += block.count(b"\n")
                    continue
                layout_n = _detect_layout(item, kind, block[:1 << 20])
            empty = False
            n_lines = block.count(b"\n")
            yield _parse_block(block, next_line, n_lines, layouts, layout_n, source, item)
            next_line += n_lines
    if empty:
        raise SourceFormatError(
            "the file is empty; expected GDELT Events rows (tab-separated, no header). If a "
            "download was interrupted, fetch the file again.",
            path=item.origin,
        )


def _parse_block(block: bytes, first_line: int, n_lines: int,
                 layouts: dict[int, tuple[str, ...]], layout_n: int, source: str,
                 item: InputFile) -> Chunk:
    rej_lines: list[int] = []
    rej_reasons: list[str] = []
    rej_raw: list[str | None] = []
    line_map = np.arange(first_line, first_line + n_lines, dtype=np.int64)
    names = layouts[layout_n]
    include = [c for c in NEEDED if c in names]
    invalid: list[tuple[int | None, int, str]] = []
    if b"\r" in block:
        block = block.replace(b"\r\n", b"\n")  # Windows line ends
    if not _is_utf8(block) or b"\r" in block:
        # Bytes that are not UTF-8, or a carriage return inside a row (which the CSV parser
        # would take for a line end): reject those lines, parse the rest.
        lines = block.split(b"\n")[:n_lines]
        good = []
        keep = np.ones(n_lines, dtype=bool)
        for i, raw in enumerate(lines):
            reason = None
            if b"\r" in raw:
                at = raw.index(b"\r")
                reason = (f"a carriage return (\\r) inside the row at byte {at}; "
                          "GDELT rows hold none, so the line is damaged: download the file again")
            else:
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    reason = (f"bytes that are not UTF-8 (at byte {exc.start} of the line); "
                              "re-encode the file as UTF-8")
            if reason is None:
                good.append(raw)
                continue
            keep[i] = False
            rej_lines.append(first_line + i)
            rej_reasons.append(reason)
            rej_raw.append(raw.decode("utf-8", errors="replace"))
        block = b"\n".join(good) + b"\n" if good else b""
        line_map = line_map[keep]
    table = _parse_csv(block, names, include, invalid, threads=True) if block else None
    if invalid and any(number is None for number, _, _ in invalid):
        invalid.clear()  # line numbers of bad rows need the single-threaded parser
        table = _parse_csv(block, names, include, invalid, threads=False)

    keep_mask = np.ones(len(line_map), dtype=bool)
    alt_rows: dict[int, list[tuple[int, list[str]]]] = {}
    for number, ncols, text in invalid:
        line = int(line_map[number - 1])
        keep_mask[number - 1] = False
        if ncols in layouts and ncols != layout_n:
            alt_rows.setdefault(ncols, []).append((line, text.split("\t")))
        else:
            expected = " or ".join(str(n) for n in sorted(layouts, reverse=True))
            rej_lines.append(line)
            rej_reasons.append(f"expected {expected} tab-separated columns, found {ncols}")
            rej_raw.append(text)
    tables = []
    if table is not None and table.num_rows:
        tables.append(table.append_column("_line", pa.array(line_map[keep_mask])))
    for ncols, rows in alt_rows.items():
        cols = layouts[ncols]
        data = {c: pa.array([r[cols.index(c)] if c in cols else "" for _, r in rows],
                            pa.string()) for c in include}
        data["_line"] = pa.array([ln for ln, _ in rows], pa.int64())
        tables.append(pa.table(data))
    if tables:
        raw = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    else:
        raw = pa.table({**{c: pa.array([], pa.string()) for c in include},
                        "_line": pa.array([], pa.int64())})
    rejects = make_rejects(rej_lines, rej_reasons, raws=rej_raw) if rej_lines else empty_rejects()
    return Chunk(events=raw, rejects=rejects, n_read=raw.num_rows + len(rejects),
                 sql=_mapping_sql(source, "SOURCEURL" in include),
                 tables=_state_lookups(raw), ids=_id_stats(raw, source))


def _is_utf8(block: bytes) -> bool:
    if block.isascii():  # the common case, and much faster than decoding
        return True
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_csv(block: bytes, names: tuple[str, ...], include: list[str],
               invalid: list[tuple[int | None, int, str]], *, threads: bool) -> pa.Table:
    def handler(row: Any) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    read_opts = pacsv.ReadOptions(column_names=list(names), use_threads=threads,
                                  block_size=max(len(block) // 4, 1 << 20) if threads else
                                  len(block) + 1)
    parse_opts = pacsv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False,
                                    escape_char=False, newlines_in_values=False,
                                    ignore_empty_lines=False, invalid_row_handler=handler)
    conv = pacsv.ConvertOptions(column_types={c: pa.string() for c in include},
                                include_columns=include, strings_can_be_null=False)
    return pacsv.read_csv(io.BytesIO(block), read_options=read_opts, parse_options=parse_opts,
                          convert_options=conv)


def _state_lookups(raw: pa.Table) -> dict[str, pa.Table]:
    """Small code -> ISO3 tables for the codes present in this chunk."""
    import pyarrow.compute as pc

    from riskmodel.codes.states import to_iso3

    out = {}
    for name, columns, scheme in (("_gdelt_cameo", ("Actor1CountryCode", "Actor2CountryCode"),
                                   "cameo"),
                                  ("_gdelt_fips", ("ActionGeo_CountryCode",), "fips")):
        values = pa.chunked_array([c for col in columns for c in raw.column(col).chunks],
                                  type=pa.string()) if raw.num_rows else pa.array([], pa.string())
        uniq = pc.unique(values).to_pylist() if len(values) else []
        codes = [u for u in uniq if u]
        out[name] = pa.table({"code": pa.array(codes, pa.string()),
                              "iso3": pa.array([to_iso3(c, scheme) for c in codes],
                                               pa.string())})
    return out


def _id_stats(raw: pa.Table, source: str) -> tuple[int, str | None, str | None]:
    """Distinct GLOBALEVENTIDs and the range of the event ids they give (``source:id``)."""
    import pyarrow.compute as pc

    ids = raw.column("GLOBALEVENTID")
    if not len(ids):
        return 0, None, None
    bounds = pc.min_max(ids)
    lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
    return (int(pc.count_distinct(ids).as_py()), None if lo is None else f"{source}:{lo}",
            None if hi is None else f"{source}:{hi}")


def _mapping_sql(source: str, has_url: bool) -> str:
    """DuckDB SQL mapping raw GDELT fields (relation ``_raw``) into the event schema."""
    date = "try_strptime(r.SQLDATE, '%Y%m%d')"
    added = ("CASE WHEN length(r.DATEADDED) = 14 THEN try_strptime(r.DATEADDED, '%Y%m%d%H%M%S')"
             " ELSE try_strptime(r.DATEADDED, '%Y%m%d') END")
    numbers = {
        "EventRootCode": "TRY_CAST(r.EventRootCode AS TINYINT)",
        "QuadClass": "TRY_CAST(r.QuadClass AS TINYINT)",
        "GoldsteinScale": "TRY_CAST(r.GoldsteinScale AS DOUBLE)",
        "NumMentions": "TRY_CAST(r.NumMentions AS DOUBLE)",
        "ActionGeo_Lat": "TRY_CAST(r.ActionGeo_Lat AS DOUBLE)",
        "ActionGeo_Long": "TRY_CAST(r.ActionGeo_Long AS DOUBLE)",
    }
    checks = [("GLOBALEVENTID", "r.GLOBALEVENTID = '' AND r.SQLDATE = '' AND r.EventCode = ''",
               "empty line"),
              ("SQLDATE", f"r.SQLDATE <> '' AND {date} IS NULL", "expected a date as YYYYMMDD"),
              ("DATEADDED", f"r.DATEADDED <> '' AND {added} IS NULL",
               "expected YYYYMMDD (GDELT 1.0) or YYYYMMDDHHMMSS (GDELT 2.0)")]
    checks += [(f, f"r.{f} <> '' AND {expr} IS NULL", "expected a number")
               for f, expr in numbers.items()]
    reason = " ".join(f"WHEN {cond} THEN '{why}'" for _, cond, why in checks)
    column = " ".join(f"WHEN {cond} THEN '{f}'" for f, cond, _ in checks)
    value = " ".join(f"WHEN {cond} THEN r.{f}" for f, cond, _ in checks)
    url = "r.SOURCEURL" if has_url else "CAST(NULL AS VARCHAR)"
    return f"""
        SELECT r._line AS _line, '{source}' AS source, r.GLOBALEVENTID AS source_event_id,
          {date} AS date, {added} AS available_at,
          r.Actor1Name AS actor1_name, r.Actor1Code AS actor1_code, s1.iso3 AS actor1_state,
          r.Actor1Type1Code AS actor1_type, r.Actor1KnownGroupCode AS actor1_id,
          r.Actor2Name AS actor2_name, r.Actor2Code AS actor2_code, s2.iso3 AS actor2_state,
          r.Actor2Type1Code AS actor2_type, r.Actor2KnownGroupCode AS actor2_id,
          r.EventCode AS cameo_code, {numbers['EventRootCode']} AS cameo_root,
          {numbers['QuadClass']} AS quad_class, {numbers['GoldsteinScale']} AS goldstein,
          g.iso3 AS location_state, {numbers['ActionGeo_Lat']} AS latitude,
          {numbers['ActionGeo_Long']} AS longitude,
          coalesce(CASE WHEN {numbers['NumMentions']} > 0 THEN {numbers['NumMentions']} END, 1.0)
            AS weight,
          {url} AS url,
          CASE {reason} END AS _reason, CASE {column} END AS _column, CASE {value} END AS _value
        FROM _raw AS r
        LEFT JOIN _gdelt_cameo AS s1 ON s1.code = r.Actor1CountryCode
        LEFT JOIN _gdelt_cameo AS s2 ON s2.code = r.Actor2CountryCode
        LEFT JOIN _gdelt_fips AS g ON g.code = r.ActionGeo_CountryCode
    """
