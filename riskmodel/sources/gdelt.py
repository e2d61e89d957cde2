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
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from riskmodel.events import empty_rejects, make_event_id
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.base import Chunk, InputFile, make_rejects, register_reader

__all__ = ["GDELT1_COLUMNS", "GDELT1_BACKFILE_COLUMNS", "GDELT2_COLUMNS", "read_gdelt1",
           "read_gdelt2", "map_gdelt_frame"]


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
BLOCK_BYTES = 32 << 20


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
    rej_fields: list[str | None] = []
    # Bytes that are not UTF-8: reject those lines, parse the rest.
    kept_lines: np.ndarray | None = None
    try:
        block.decode("utf-8")
    except UnicodeDecodeError:
        lines = block.split(b"\n")[:n_lines]
        good = []
        keep = np.ones(n_lines, dtype=bool)
        for i, raw in enumerate(lines):
            try:
                raw.decode("utf-8")
                good.append(raw)
            except UnicodeDecodeError as exc:
                keep[i] = False
                rej_lines.append(first_line + i)
                rej_reasons.append(f"bytes that are not UTF-8 at column offset {exc.start}; "
                                   "re-encode the file as UTF-8")
                rej_raw.append(raw.decode("utf-8", errors="replace"))
                rej_fields.append(None)
        block = b"\n".join(good) + b"\n" if good else b""
        kept_lines = np.flatnonzero(keep) + first_line

    names = layouts[layout_n]
    invalid: list[tuple[int | None, int, str]] = []

    def handler(row: Any) -> str:
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    table = None
    if block:
        read_opts = pacsv.ReadOptions(column_names=list(names), use_threads=False,
                                      block_size=max(len(block) + 1, 1 << 20))
        parse_opts = pacsv.ParseOptions(delimiter="\t", quote_char=False, double_quote=False,
                                        escape_char=False, newlines_in_values=False,
                                        ignore_empty_lines=False, invalid_row_handler=handler)
        include = [c for c in NEEDED if c in names]
        conv = pacsv.ConvertOptions(column_types={c: pa.string() for c in include},
                                    include_columns=include, strings_can_be_null=False)
        table = pacsv.read_csv(io.BytesIO(block), read_options=read_opts,
                               parse_options=parse_opts, convert_options=conv)
    # Line numbers of the rows pyarrow kept.
    line_map = kept_lines if kept_lines is not None else np.arange(first_line,
                                                                   first_line + n_lines)
    bad_pos = np.array(sorted(n - 1 for n, _, _ in invalid if n is not None), dtype=np.int64)
    keep_mask = np.ones(len(line_map), dtype=bool)
    if len(bad_pos):
        keep_mask[bad_pos] = False
    good_lines = line_map[keep_mask]

    frames = []
    if table is not None and table.num_rows:
        frame = table.to_pandas()
        frame.index = pd.Index(good_lines[: len(frame)], name="line")
        frames.append(frame)
    alt_rows: dict[int, list[tuple[int, list[str]]]] = {}
    for number, ncols, text in invalid:
        line = int(line_map[number - 1]) if number is not None else -1
        if ncols in layouts and ncols != layout_n:
            alt_rows.setdefault(ncols, []).append((line, text.split("\t")))
        elif ncols == 1 and not text.strip():
            rej_lines.append(line)
            rej_reasons.append("empty line")
            rej_raw.append(text)
            rej_fields.append(None)
        else:
            expected = " or ".join(str(n) for n in sorted(layouts, reverse=True))
            rej_lines.append(line)
            rej_reasons.append(f"expected {expected} tab-separated columns, found {ncols}")
            rej_raw.append(text)
            rej_fields.append(None)
    for ncols, rows in alt_rows.items():
        cols = layouts[ncols]
        alt = pd.DataFrame([r for _, r in rows], columns=list(cols),
                           index=pd.Index([ln for ln, _ in rows], name="line"))
        frames.append(alt[[c for c in NEEDED if c in cols]])
    if frames:
        raw = pd.concat(frames) if len(frames) > 1 else frames[0]
        if len(frames) > 1:
            raw = raw.sort_index()
    else:
        raw = pd.DataFrame(columns=list(NEEDED), index=pd.Index([], name="line"))
    events, parse_rejects = map_gdelt_frame(raw, source)
    reader_rejects = make_rejects(rej_lines, rej_reasons, raws=rej_raw, columns=rej_fields)
    rejects = pd.concat([r for r in (reader_rejects, parse_rejects) if len(r)]) \
        if len(reader_rejects) or len(parse_rejects) else empty_rejects()
    return Chunk(events=events, rejects=rejects.reset_index(drop=True),
                 n_read=len(events) + len(rejects))


def _blank_to_na(s: pd.Series) -> pd.Series:
    s = s.astype("string")
    return s.mask(s == "")


def map_gdelt_frame(raw: pd.DataFrame, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map raw GDELT fields (strings, named as in the codebook) into the event schema.

    Parameters
    ----------
    raw : pandas.DataFrame
        Columns named as in :data:`GDELT2_COLUMNS` (at least :data:`NEEDED`; ``SOURCEURL``
        may be absent), all strings; the index carries the 1-based line numbers.
    source : {"gdelt1", "gdelt2"}
        The ``source`` written into the events.

    Returns
    -------
    events : pandas.DataFrame
        Rows whose fields parse, in canonical columns (validated later by the store).
    rejects : pandas.DataFrame
        Rows whose date or numeric fields do not parse, with the field and reason.
    """
    from riskmodel.codes.states import to_iso3

    n = len(raw)
    idx = raw.index
    col = {c: (_blank_to_na(raw[c]) if c in raw.columns else
               pd.Series(pd.NA, index=idx, dtype="string")) for c in NEEDED}
    problems: list[tuple[np.ndarray, str, str]] = []

    date = pd.to_datetime(col["SQLDATE"], format="%Y%m%d", errors="coerce")
    problems.append((date.isna().to_numpy(), "SQLDATE", "expected a date as YYYYMMDD"))
    added_txt = col["DATEADDED"]
    long_form = added_txt.str.len() == 14
    added = pd.Series(pd.NaT, index=idx, dtype="datetime64[s]")
    if long_form.any():
        added[long_form.fillna(False)] = pd.to_datetime(added_txt[long_form.fillna(False)],
                                                        format="%Y%m%d%H%M%S", errors="coerce")
    short = (~long_form).fillna(True)
    if short.any():
        added[short] = pd.to_datetime(added_txt[short], format="%Y%m%d", errors="coerce")
    problems.append((added.isna().to_numpy(), "DATEADDED",
                     "expected YYYYMMDD (GDELT 1.0) or YYYYMMDDHHMMSS (GDELT 2.0)"))

    def number(name: str, required: bool) -> pd.Series:
        values = pd.to_numeric(col[name], errors="coerce")
        bad = values.isna() & col[name].notna()
        if required:
            bad = bad | col[name].isna()
        problems.append((bad.to_numpy(), name, "expected a number"))
        return values

    root = number("EventRootCode", True)
    quad = number("QuadClass", True)
    goldstein = number("GoldsteinScale", True)
    mentions = number("NumMentions", False)
    lat = number("ActionGeo_Lat", False)
    lon = number("ActionGeo_Long", False)

    bad_any = np.zeros(n, dtype=bool)
    rej_lines, rej_reasons, rej_fields, rej_values = [], [], [], []
    for mask, field, why in problems:
        take = mask & ~bad_any
        if take.any():
            positions = np.flatnonzero(take)
            rej_lines.extend(int(x) for x in idx[positions])
            rej_reasons.extend([why] * len(positions))
            rej_fields.extend([field] * len(positions))
            rej_values.extend(col[field].iloc[positions].astype(object).where(
                col[field].iloc[positions].notna(), None).tolist())
            bad_any |= take
    ids = col["GLOBALEVENTID"]
    rejects = make_rejects(rej_lines, rej_reasons, columns=rej_fields, values=rej_values,
                           source_event_ids=ids[bad_any].astype(object).where(
                               ids[bad_any].notna(), None).tolist())
    ok = ~bad_any
    sel = (lambda s: s[ok]) if bad_any.any() else (lambda s: s)
    weight = sel(mentions)
    events = pd.DataFrame(
        {
            "event_id": make_event_id(source, sel(ids)),
            "source": pd.Series(source, index=sel(ids).index, dtype="string"),
            "source_event_id": sel(ids),
            "date": sel(date).astype("datetime64[s]"),
            "available_at": sel(added).astype("datetime64[s]"),
            "actor1_name": sel(col["Actor1Name"]),
            "actor1_code": sel(col["Actor1Code"]),
            "actor1_state": to_iso3(sel(col["Actor1CountryCode"]), "cameo"),
            "actor1_type": sel(col["Actor1Type1Code"]),
            "actor1_id": sel(col["Actor1KnownGroupCode"]),
            "actor2_name": sel(col["Actor2Name"]),
            "actor2_code": sel(col["Actor2Code"]),
            "actor2_state": to_iso3(sel(col["Actor2CountryCode"]), "cameo"),
            "actor2_type": sel(col["Actor2Type1Code"]),
            "actor2_id": sel(col["Actor2KnownGroupCode"]),
            "cameo_code": sel(col["EventCode"]),
            "cameo_root": sel(root),
            "quad_class": sel(quad),
            "goldstein": sel(goldstein).astype("float64"),
            "location_state": to_iso3(sel(col["ActionGeo_CountryCode"]), "fips"),
            "latitude": sel(lat).astype("float64"),
            "longitude": sel(lon).astype("float64"),
            "weight": weight.where(weight > 0, 1.0).fillna(1.0).astype("float64"),
            "url": sel(col["SOURCEURL"]),
        }
    )
    return events, rejects
