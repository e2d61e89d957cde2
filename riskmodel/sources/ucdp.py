"""UCDP Georeferenced Event Dataset (GED): the official CSV layout and the JSON-lines form.

Layouts
-------
* **GED CSV** (``ged*.csv``, comma-separated with header, as in the GED codebook): ``id, relid,
  year, active_year, code_status, type_of_violence, conflict_dset_id, conflict_new_id,
  conflict_name, dyad_dset_id, dyad_new_id, dyad_name, side_a_dset_id, side_a_new_id, side_a,
  side_b_dset_id, side_b_new_id, side_b, number_of_sources, source_article, source_office,
  source_date, source_headline, source_original, where_prec, where_coordinates,
  where_description, adm_1, adm_2, latitude, longitude, geom_wkt, priogrid_gid, country,
  country_id, region, event_clarity, date_prec, date_start, date_end, deaths_a, deaths_b,
  deaths_civilians, deaths_unknown, best, high, low, gwnoa, gwnob``. Older releases lack some
  columns; the reader requires ``id, type_of_violence, side_a, side_b, country, date_start,
  date_end, best`` and uses the others when present.
* **JSON lines** (one GED event a line, keyed by GED ``id``): ``side_a_name, side_b_name,
  deaths_side_a, deaths_side_b, deaths_civilian, deaths_unknown, deaths_low, deaths_high,
  location_root_name, location_adm1_name, location_adm2_name, location_where_name, start_date,
  end_date, source_date, source_article`` (the form of the UCDP-AEC corpus). It has no
  ``type_of_violence``; the type is inferred from the sides (below) and flagged.

The layout is detected from the extension (``.jsonl``/``.json``/``.ndjson`` versus ``.csv``) and,
failing that, from the first character of the file (``{`` starts JSON lines).

Mapping into the event schema
-----------------------------
=====================  ======================================================================
schema column          GED
=====================  ======================================================================
source_event_id        ``id``
date                   ``date_start`` (GED's earliest possible date); flag ``date_range`` when
                       ``date_end`` is later
available_at           JSON lines: ``source_date`` (the date of the news source). CSV:
                       ``date_end``. GED is published in annual (and monthly candidate)
                       releases, so in a real-time backtest add the release lag on top.
actor1/2_name          ``side_a`` / ``side_b`` as UCDP names them
actor1/2_state         "Government of X" maps to state X (CSV: ``gwnoa``/``gwnob``, Gleditsch-Ward
                       numbers, checked first; else the name after "Government of"). Non-state
                       sides and civilians have no state.
actor1/2_type          ``GOV`` for "Government of X"; ``CVL`` for side B "Civilians" of
                       one-sided violence; ``REB`` for every other (non-state) side
actor1/2_id            the UCDP name of a non-state side (e.g. ``"TTP"``); null for states
actor1/2_code          CSV ``side_a_new_id`` / ``side_b_new_id`` (UCDP actor ids)
cameo_code             from ``type_of_violence``, see below
fatalities             ``best`` (JSON lines: the sum of the four deaths fields, which is GED's
                       definition of best)
fatalities_low/high    ``low`` / ``high`` (JSON lines: ``deaths_low`` / ``deaths_high``)
location_state         CSV ``country_id`` (GW number), else ``country``; JSON lines
                       ``location_root_name``. A country code or name that maps to no state
                       rejects the row.
latitude, longitude    CSV only
weight                 CSV ``number_of_sources`` (1 when absent or zero)
url                    JSON lines ``source_article`` (a document identifier); null for CSV,
                       whose ``source_article`` is a free-text citation
=====================  ======================================================================

Type of violence to CAMEO
-------------------------
GED records organised lethal violence, so every event falls in CAMEO's material-conflict roots:

* **1, state-based** (a government against another government or an organised rebel group):
  ``190`` *Use conventional military force*. GED does not record the weapons, so the
  unspecified code is used rather than ``193``/``194``/``195``.
* **2, non-state** (two organised non-state groups): ``190`` as well. CAMEO's FIGHT root covers
  fighting by any organised armed group; nothing in GED says the fighting was unconventional.
* **3, one-sided** (an organised actor against civilians): ``180`` *Use unconventional
  violence*. CAMEO's ASSAULT root is the root of deliberate violence against civilians; GED does
  not distinguish massacres (``202``) from killings of a few people, so the unspecified code is
  used.

In the JSON-lines form the type is inferred: side B "Civilians" gives 3; a side A named
"Government of ..." gives 1; anything else gives 2. Such rows carry the flag
``ucdp_type_inferred``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from riskmodel.codes.states import to_iso3
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources._tabular import (
    RawBlock,
    RowProblems,
    assemble,
    blank_to_na,
    combine_rejects,
    cameo_fields,
    join_flags,
    parse_dates,
    read_delimited,
    read_jsonl,
)
from riskmodel.sources.base import CHUNK_ROWS, Chunk, InputFile, register_reader

__all__ = ["read_ucdp", "GED_CSV_REQUIRED", "GED_JSONL_REQUIRED", "VIOLENCE_CAMEO"]

#: Columns a GED CSV file must have.
GED_CSV_REQUIRED: tuple[str, ...] = ("id", "type_of_violence", "side_a", "side_b", "country",
                                     "date_start", "date_end", "best")
#: Fields every JSON-lines record must have.
GED_JSONL_REQUIRED: tuple[str, ...] = (
    "id", "side_a_name", "side_b_name", "deaths_side_a", "deaths_side_b", "deaths_civilian",
    "deaths_unknown", "start_date", "end_date", "location_root_name")
#: GED type_of_violence -> CAMEO code (see the module docstring).
VIOLENCE_CAMEO: dict[int, str] = {1: "190", 2: "190", 3: "180"}

_GOV = re.compile(r"^\s*Government of\s+(.+?)\s*$", re.IGNORECASE)
_JSON_EXT = (".jsonl", ".json", ".ndjson")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "ISO8601")


@register_reader("ucdp")
def read_ucdp(item: InputFile, *, layout: str | None = None,
              chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Read a UCDP GED file (CSV or JSON lines) into canonical events.

    Parameters
    ----------
    item : InputFile
        The file or zip member.
    layout : {"csv", "jsonl"}, optional
        Force the layout instead of detecting it.
    chunk_rows : int
        Records per chunk (memory is bounded by it).

    Yields
    ------
    Chunk
        Events indexed by line number, rejects with line, field and reason.

    Raises
    ------
    SourceFormatError
        Empty file, missing required columns, non-UTF-8 header, truncated archive.
    """
    kind = layout or _detect(item)
    if kind == "jsonl":
        blocks = read_jsonl(item, required=GED_JSONL_REQUIRED, chunk_rows=chunk_rows,
                            layout="UCDP GED JSON lines")
        mapper = _map_jsonl
    elif kind == "csv":
        blocks = read_delimited(item, delimiter=",", check_header=_header_checker(item),
                                chunk_rows=chunk_rows, layout="UCDP GED CSV")
        mapper = _map_csv
    else:
        from riskmodel.exceptions import ConfigurationError

        raise ConfigurationError(
            f"The 'layout' parameter of read_ucdp must be 'csv' or 'jsonl'. Got {layout!r}.")
    for block in blocks:
        yield mapper(block)


def _detect(item: InputFile) -> str:
    name = (item.member or item.path.name).lower()
    if name.endswith(_JSON_EXT):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    with item.open_binary() as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise SourceFormatError("the file is empty; expected UCDP GED rows", path=item.origin)
    return "jsonl" if head[:1] == b"{" else "csv"


def _header_checker(item: InputFile) -> Callable[[list[str]], list[str]]:
    def check(header: list[str]) -> list[str]:
        names = [h.strip().lower() for h in header]
        missing = [c for c in GED_CSV_REQUIRED if c not in names]
        if missing:
            raise SourceFormatError(
                f"the header lacks the GED column(s) {missing}; found {header[:12]}"
                f"{' ...' if len(header) > 12 else ''}. Expected the UCDP GED CSV layout "
                "(see riskmodel.sources.ucdp); a JSON-lines file needs the .jsonl extension.",
                path=item.origin, line=1, field=missing[0])
        return names
    return check


def _gov_state(names: pd.Series) -> pd.Series:
    inner = names.str.extract(_GOV, expand=False)
    return to_iso3(inner, "name")


def _first_gw(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = blank_to_na(values)
    first = s.str.split(",").str[0].str.strip()
    multi = s.str.contains(",", regex=False).fillna(False)
    return to_iso3(first, "gw"), multi


def _sides(side_a: pd.Series, side_b: pd.Series, violence: pd.Series,
           gw_a: pd.Series | None, gw_b: pd.Series | None) -> dict[str, pd.Series]:
    gov_a = side_a.str.match(_GOV).fillna(False)
    gov_b = side_b.str.match(_GOV).fillna(False)
    civ_b = (side_b.str.strip().str.casefold() == "civilians").fillna(False) & (violence == 3)
    state_a = _gov_state(side_a)
    state_b = _gov_state(side_b)
    if gw_a is not None:
        state_a = gw_a.where(gw_a.notna() & gov_a, state_a)
    if gw_b is not None:
        state_b = gw_b.where(gw_b.notna() & gov_b, state_b)
    state_a = state_a.where(gov_a)
    state_b = state_b.where(gov_b)
    idx = side_a.index

    def typ(gov: pd.Series, civ: pd.Series | None) -> pd.Series:
        out = pd.Series("REB", index=idx, dtype="string")
        out = out.mask(gov, "GOV")
        if civ is not None:
            out = out.mask(civ, "CVL")
        return out.where(out.notna())

    type_a = typ(gov_a, None)
    type_b = typ(gov_b, civ_b)
    return {
        "actor1_name": side_a, "actor2_name": side_b,
        "actor1_state": state_a, "actor2_state": state_b,
        "actor1_type": type_a, "actor2_type": type_b,
        "actor1_id": side_a.where(~gov_a), "actor2_id": side_b.where(~gov_b & ~civ_b),
    }


def _finish(raw: pd.DataFrame, problems: RowProblems, mapped: dict[str, pd.Series],
            block: RawBlock) -> Chunk:
    ok = problems.ok
    frame = pd.DataFrame(mapped, index=raw.index).loc[ok]
    events = assemble("ucdp", frame)
    rej = combine_rejects(block.rejects, problems.rejects())
    return Chunk(events=events, rejects=rej, n_read=len(events) + len(rej))


def _int_col(raw: pd.DataFrame, name: str, problems: RowProblems,
             required: bool = False) -> pd.Series:
    if name not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="Int64")
    text = blank_to_na(raw[name].astype("string"))
    num = pd.to_numeric(text, errors="coerce")
    bad = (num.isna() & text.notna()) | ((num % 1 != 0) & num.notna())
    problems.add(bad, name, "expected a whole number", values=text)
    if required:
        problems.add(text.isna(), name, "required value is missing", values=text)
    return num.where(~bad).astype("Float64").round().astype("Int64")


def _violence_cameo(violence: pd.Series, problems: RowProblems, field: str,
                    text: pd.Series) -> pd.DataFrame:
    code = violence.map(VIOLENCE_CAMEO).astype("string")
    problems.add(code.isna(), field,
                 "type_of_violence must be 1 (state-based), 2 (non-state) or 3 (one-sided)",
                 values=text)
    return pd.concat([code.rename("cameo_code"), cameo_fields(code)], axis=1)


def _map_csv(block: RawBlock) -> Chunk:
    raw = block.frame
    problems = RowProblems(raw, "id")
    sid = blank_to_na(raw["id"])
    problems.add(sid.isna(), "id", "required value is missing")
    vtext = blank_to_na(raw["type_of_violence"])
    violence = pd.to_numeric(vtext, errors="coerce")
    cameo = _violence_cameo(violence, problems, "type_of_violence", vtext)
    start = parse_dates(raw["date_start"], _DATE_FORMATS)
    end = parse_dates(raw["date_end"], _DATE_FORMATS)
    problems.add(start.isna(), "date_start", "expected a date as YYYY-MM-DD")
    problems.add(end.isna(), "date_end", "expected a date as YYYY-MM-DD")
    problems.add((end < start).fillna(False), "date_end", "date_end is before date_start")
    best = _int_col(raw, "best", problems, required=True)
    low = _int_col(raw, "low", problems)
    high = _int_col(raw, "high", problems)
    n_sources = _int_col(raw, "number_of_sources", problems)
    lat = pd.to_numeric(blank_to_na(raw["latitude"]), errors="coerce") \
        if "latitude" in raw else pd.Series(np.nan, index=raw.index)
    lon = pd.to_numeric(blank_to_na(raw["longitude"]), errors="coerce") \
        if "longitude" in raw else pd.Series(np.nan, index=raw.index)
    if "latitude" in raw:
        problems.add(lat.isna() & blank_to_na(raw["latitude"]).notna(), "latitude",
                     "expected a number")
    if "longitude" in raw:
        problems.add(lon.isna() & blank_to_na(raw["longitude"]).notna(), "longitude",
                     "expected a number")
    gw_a = gw_b = None
    multi = pd.Series(False, index=raw.index)
    if "gwnoa" in raw:
        gw_a, multi_a = _first_gw(raw["gwnoa"])
        multi = multi | multi_a
    if "gwnob" in raw:
        gw_b, multi_b = _first_gw(raw["gwnob"])
        multi = multi | multi_b
    side_a = blank_to_na(raw["side_a"])
    side_b = blank_to_na(raw["side_b"])
    sides = _sides(side_a, side_b, violence, gw_a, gw_b)
    country = blank_to_na(raw["country"])
    by_name = to_iso3(country, "name")
    if "country_id" in raw:
        cid = blank_to_na(raw["country_id"])
        loc = to_iso3(cid.str.split(",").str[0], "gw")
        loc = loc.where(loc.notna(), by_name)
        problems.add(loc.isna() & cid.notna(), "country_id",
                     "unknown Gleditsch-Ward country code, and the country name is not known "
                     "either", values=cid)
    else:
        loc = by_name
    problems.add(loc.isna() & country.notna(), "country", "unknown country name",
                 values=country)
    flags = join_flags(
        pd.Series("date_range", index=raw.index, dtype="string").where(end > start),
        pd.Series("ucdp_multiple_states", index=raw.index, dtype="string").where(multi),
        index=raw.index)
    mapped = {
        "source_event_id": sid,
        "date": start,
        "available_at": end,
        **sides,
        "actor1_code": blank_to_na(raw["side_a_new_id"]) if "side_a_new_id" in raw else None,
        "actor2_code": blank_to_na(raw["side_b_new_id"]) if "side_b_new_id" in raw else None,
        **{c: cameo[c] for c in cameo.columns},
        "fatalities": best, "fatalities_low": low, "fatalities_high": high,
        "location_state": loc,
        "latitude": lat.astype("float64"), "longitude": lon.astype("float64"),
        "weight": n_sources.astype("Float64").where(n_sources > 0, 1.0).fillna(1.0)
        .astype("float64"),
        "flags": flags,
    }
    mapped = {k: v for k, v in mapped.items() if v is not None}
    return _finish(raw, problems, mapped, block)


def _json_scalar(v: object) -> str | None:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _json_str(values: pd.Series) -> pd.Series:
    return blank_to_na(values.map(_json_scalar).astype("string"))


def _map_jsonl(block: RawBlock) -> Chunk:
    raw = block.frame
    problems = RowProblems(raw, "id")
    sid = _json_str(raw["id"])
    problems.add(sid.isna(), "id", "required value is missing", values=sid)
    deaths = {}
    for name in ("deaths_side_a", "deaths_side_b", "deaths_civilian", "deaths_unknown",
                 "deaths_low", "deaths_high"):
        text = _json_str(raw[name]) if name in raw else \
            pd.Series(pd.NA, index=raw.index, dtype="string")
        num = pd.to_numeric(text, errors="coerce")
        bad = (num.isna() & text.notna()) | ((num % 1 != 0) & num.notna()) | (num < 0)
        problems.add(bad, name, "expected a non-negative whole number", values=text)
        if name in GED_JSONL_REQUIRED:
            problems.add(text.isna(), name, "required value is missing", values=text)
        deaths[name] = num.where(~bad).astype("Float64").round().astype("Int64")
    best = (deaths["deaths_side_a"] + deaths["deaths_side_b"] + deaths["deaths_civilian"]
            + deaths["deaths_unknown"])
    start = parse_dates(_json_str(raw["start_date"]), _DATE_FORMATS)
    end = parse_dates(_json_str(raw["end_date"]), _DATE_FORMATS)
    problems.add(start.isna(), "start_date", "expected a date as YYYY-MM-DD",
                 values=_json_str(raw["start_date"]))
    problems.add(end.isna(), "end_date", "expected a date as YYYY-MM-DD",
                 values=_json_str(raw["end_date"]))
    problems.add((end < start).fillna(False), "end_date", "end_date is before start_date",
                 values=_json_str(raw["end_date"]))
    if "source_date" in raw:
        src_text = _json_str(raw["source_date"])
        source_date = parse_dates(src_text, _DATE_FORMATS)
        problems.add(source_date.isna() & src_text.notna(), "source_date",
                     "expected a date or datetime (YYYY-MM-DD[ HH:MM])", values=src_text)
    else:
        source_date = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    available = source_date.where(source_date.notna(), end)
    side_a = _json_str(raw["side_a_name"])
    side_b = _json_str(raw["side_b_name"])
    problems.add(side_a.isna(), "side_a_name", "required value is missing", values=side_a)
    problems.add(side_b.isna(), "side_b_name", "required value is missing", values=side_b)
    civ = (side_b.str.strip().str.casefold() == "civilians").fillna(False)
    gov_a = side_a.str.match(_GOV).fillna(False)
    violence = pd.Series(2, index=raw.index, dtype="Int64").mask(gov_a, 1).mask(civ, 3)
    cameo = _violence_cameo(violence, problems, None, violence.astype("string"))
    sides = _sides(side_a, side_b, violence, None, None)
    url = _json_str(raw["source_article"]) if "source_article" in raw else None
    flags = join_flags(
        pd.Series("ucdp_type_inferred", index=raw.index, dtype="string"),
        pd.Series("date_range", index=raw.index, dtype="string").where(end > start),
        index=raw.index)
    mapped = {
        "source_event_id": sid,
        "date": start,
        "available_at": available,
        **sides,
        **{c: cameo[c] for c in cameo.columns},
        "fatalities": best, "fatalities_low": deaths["deaths_low"],
        "fatalities_high": deaths["deaths_high"],
        "location_state": to_iso3(_json_str(raw["location_root_name"]), "name"),
        "weight": pd.Series(1.0, index=raw.index),
        "url": url,
        "flags": flags,
    }
    mapped = {k: v for k, v in mapped.items() if v is not None}
    return _finish(raw, problems, mapped, block)
