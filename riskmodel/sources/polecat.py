"""POLECAT: weekly PLOVER-coded event files.

Layout
------
Tab-separated with header: ``Event ID, Event Date, Event Type, Event Mode, Intensity, Quad Code,
Contexts, Actor Name, Actor Country, Actor COW, Primary Actor Sector, Actor Sectors, Actor Title,
Actor Name Raw, Wikipedia Actor ID, Recipient Name, Recipient Country, Recipient COW, Primary
Recipient Sector, Recipient Sectors, Recipient Title, Recipient Name Raw, Wikipedia Recipient
ID, Placename, City, District, Province, Country, Latitude, Longitude, GeoNames ID, Raw
Placename, Feature Type, Source, Publication Date, Story People, Story Organizations, Story
Locations, Language, Version``. Required: ``Event ID, Event Date, Event Type``.

Mapping into the event schema
-----------------------------
=================  ==========================================================================
schema column      POLECAT
=================  ==========================================================================
source_event_id    ``Event ID``
date               ``Event Date``
available_at       ``Publication Date`` (else the event date, flag ``available_at_estimated``)
actorN_name        ``Actor Name`` / ``Recipient Name``
actorN_state       ``Actor Country`` / ``Recipient Country`` (ISO3, else a country name), else
                   ``Actor COW`` / ``Recipient COW`` (Correlates of War). Several countries
                   separated by ``;`` keep the first (flag ``polecat_multiple_states``).
actorN_type        ``Primary Actor Sector`` (else ``Actor Sectors``) by the same keyword rules as
                   ICEWS sectors (:func:`riskmodel.sources.icews.actor_type_from_text`)
cameo_code         ``Event Type`` and ``Event Mode`` through ``codes/data/plover_cameo.tsv``:
                   the most specific CAMEO code the pair determines. Where the candidates span
                   several CAMEO roots (ASSAULT spans 18x-20x, ACCUSE spans 09x and 11x) the
                   event carries the flag ``plover_ambiguous``; a mode the table does not know
                   falls back to the type (flag ``plover_mode_unmapped``). QuadClass and
                   Goldstein follow from the CAMEO code.
location_state     ``Country`` (ISO3 or name). A country code or name that maps to no state
                   leaves the state null and flags the event ``unknown_country``.
latitude/longitude ``Latitude`` / ``Longitude``
weight             1
confidence         null (POLECAT gives none)
=================  ==========================================================================

POLECAT's own ``Intensity`` and ``Quad Code`` are not copied: the schema's ``goldstein`` and
``quad_class`` must agree with ``cameo_code`` across sources.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

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
)
from riskmodel.sources.base import CHUNK_ROWS, Chunk, InputFile, register_reader
from riskmodel.sources.icews import actor_type_from_text

__all__ = ["read_polecat", "POLECAT_COLUMNS", "plover_cameo_table", "plover_to_cameo"]

#: Columns of the POLECAT weekly files.
POLECAT_COLUMNS: tuple[str, ...] = (
    "Event ID", "Event Date", "Event Type", "Event Mode", "Intensity", "Quad Code", "Contexts",
    "Actor Name", "Actor Country", "Actor COW", "Primary Actor Sector", "Actor Sectors",
    "Actor Title", "Actor Name Raw", "Wikipedia Actor ID", "Recipient Name",
    "Recipient Country", "Recipient COW", "Primary Recipient Sector", "Recipient Sectors",
    "Recipient Title", "Recipient Name Raw", "Wikipedia Recipient ID", "Placename", "City",
    "District", "Province", "Country", "Latitude", "Longitude", "GeoNames ID", "Raw Placename",
    "Feature Type", "Source", "Publication Date", "Story People", "Story Organizations",
    "Story Locations", "Language", "Version")
_REQUIRED = ("Event ID", "Event Date", "Event Type")
_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y%m%d", "ISO8601")


@lru_cache(maxsize=1)
def plover_cameo_table() -> pd.DataFrame:
    """The PLOVER (type, mode) -> CAMEO table (``codes/data/plover_cameo.tsv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``plover_type``, ``plover_mode`` (empty: no mode; ``*``: any mode),
        ``cameo_code``, ``ambiguous`` (0/1) and ``candidates`` (space-separated CAMEO codes).
    """
    path = resources.files("riskmodel.codes") / "data" / "plover_cameo.tsv"
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    table["ambiguous"] = table["ambiguous"].astype(int)
    return table


@lru_cache(maxsize=1)
def _lookup() -> dict[tuple[str, str], tuple[str, bool]]:
    return {(t, m): (c, bool(a)) for t, m, c, a, _ in
            plover_cameo_table().itertuples(index=False)}


def plover_to_cameo(event_type: str, mode: str | None = None) -> tuple[str, list[str]] | None:
    """The CAMEO code of a PLOVER event type and mode, with the mapping's flags.

    Parameters
    ----------
    event_type : str
        PLOVER event type (``"ASSAULT"``, case-insensitive).
    mode : str, optional
        PLOVER event mode (``"firearms"``).

    Returns
    -------
    (code, flags) or None
        ``None`` for an unknown event type; ``flags`` holds ``"plover_ambiguous"`` and/or
        ``"plover_mode_unmapped"``.

    Examples
    --------
    >>> plover_to_cameo("ASSAULT", "firearms")
    ('193', [])
    >>> plover_to_cameo("ASSAULT")
    ('180', ['plover_ambiguous'])
    """
    table = _lookup()
    t = str(event_type or "").strip().upper()
    m = "" if mode is None or (isinstance(mode, float) and mode != mode) else \
        str(mode).strip().lower()
    flags: list[str] = []
    hit = table.get((t, m))
    if hit is None and (t, "*") in table:
        hit = table[(t, "*")]
        flags.append("plover_mode_unmapped")
    if hit is None:
        return None
    if hit[1]:
        flags.insert(0, "plover_ambiguous")
    return hit[0], flags


@register_reader("polecat")
def read_polecat(item: InputFile, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Read a POLECAT weekly file into canonical events.

    Parameters
    ----------
    item : InputFile
        The file or zip member.
    chunk_rows : int
        Records per chunk.

    Yields
    ------
    Chunk

    Raises
    ------
    SourceFormatError
        Empty file, a header without POLECAT's columns, truncated archive.
    """
    def check(header: list[str]) -> list[str]:
        missing = [c for c in _REQUIRED if c not in header]
        if missing:
            raise SourceFormatError(
                f"the header lacks the POLECAT column(s) {missing}; found {header[:8]}"
                f"{' ...' if len(header) > 8 else ''}", path=item.origin, line=1,
                field=missing[0])
        return header

    for block in read_delimited(item, delimiter="\t", check_header=check, quoting=False,
                                chunk_rows=chunk_rows, layout="POLECAT"):
        yield _map(block)


def _col(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return blank_to_na(raw[name])
    return pd.Series(pd.NA, index=raw.index, dtype="string")


def _state(country: pd.Series, cow: pd.Series) -> tuple[pd.Series, pd.Series]:
    first = country.str.split(";").str[0].str.strip()
    multi = country.str.contains(";", regex=False).fillna(False)
    iso = to_iso3(first, "iso3")
    iso = iso.where(iso.notna(), to_iso3(first, "name"))
    cow_first = cow.str.split(";").str[0].str.strip()
    iso = iso.where(iso.notna(), to_iso3(cow_first, "cow"))
    return iso, multi


def _types(primary: pd.Series, sectors: pd.Series) -> pd.Series:
    text = primary.where(primary.notna(), sectors)
    codes, uniques = pd.factorize(text)
    mapped = np.array([actor_type_from_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=text.index, dtype="string")


def _map(block: RawBlock) -> Chunk:
    raw = block.frame
    idx = raw.index
    sid = _col(raw, "Event ID")
    problems = RowProblems(raw, "Event ID")
    problems.add(sid.isna(), "Event ID", "required value is missing", values=sid)
    date_text = _col(raw, "Event Date")
    date = parse_dates(date_text, _DATE_FORMATS)
    problems.add(date.isna(), "Event Date", "expected a date as YYYY-MM-DD", values=date_text)
    pub_text = _col(raw, "Publication Date")
    pub = parse_dates(pub_text, _DATE_FORMATS)
    problems.add(pub.isna() & pub_text.notna(), "Publication Date",
                 "expected a date as YYYY-MM-DD", values=pub_text)
    estimated = pub.isna()
    available = pub.where(~estimated, date)
    etype, mode = _col(raw, "Event Type"), _col(raw, "Event Mode")
    keys = pd.Series(list(zip(etype.fillna(""), mode.fillna(""))), index=idx)
    codes_, uniques = pd.factorize(keys)
    found, flag_text = [], []
    for t, m in uniques:
        hit = plover_to_cameo(t, m or None)
        found.append(hit[0] if hit else None)
        flag_text.append(",".join(hit[1]) if hit and hit[1] else None)
    code = pd.Series(np.array(found + [None], dtype=object)[codes_], index=idx, dtype="string")
    map_flags = pd.Series(np.array(flag_text + [None], dtype=object)[codes_], index=idx,
                          dtype="string")
    problems.add(etype.isna(), "Event Type", "required value is missing", values=etype)
    problems.add(code.isna(), "Event Type",
                 "unknown PLOVER event type; expected one of "
                 f"{sorted(set(plover_cameo_table()['plover_type']))}", values=etype)
    fields = cameo_fields(code)
    a_country, r_country = _col(raw, "Actor Country"), _col(raw, "Recipient Country")
    s1, m1 = _state(a_country, _col(raw, "Actor COW"))
    s2, m2 = _state(r_country, _col(raw, "Recipient COW"))
    loc_text = _col(raw, "Country")
    loc = to_iso3(loc_text, "iso3")
    loc = loc.where(loc.notna(), to_iso3(loc_text, "name"))
    unknown = ((s1.isna() & a_country.notna()) | (s2.isna() & r_country.notna())
               | (loc.isna() & loc_text.notna()))
    lat_text, lon_text = _col(raw, "Latitude"), _col(raw, "Longitude")
    lat, lon = pd.to_numeric(lat_text, errors="coerce"), pd.to_numeric(lon_text, errors="coerce")
    problems.add(lat.isna() & lat_text.notna(), "Latitude", "expected a number", values=lat_text)
    problems.add(lon.isna() & lon_text.notna(), "Longitude", "expected a number",
                 values=lon_text)
    flags = join_flags(
        map_flags,
        pd.Series("polecat_multiple_states", index=idx, dtype="string").where(m1 | m2),
        pd.Series("unknown_country", index=idx, dtype="string").where(unknown),
        pd.Series("available_at_estimated", index=idx, dtype="string").where(estimated),
        index=idx)
    frame = pd.DataFrame({
        "source_event_id": sid, "date": date, "available_at": available,
        "actor1_name": _col(raw, "Actor Name"), "actor1_state": s1,
        "actor1_type": _types(_col(raw, "Primary Actor Sector"), _col(raw, "Actor Sectors")),
        "actor1_id": _col(raw, "Wikipedia Actor ID"),
        "actor2_name": _col(raw, "Recipient Name"), "actor2_state": s2,
        "actor2_type": _types(_col(raw, "Primary Recipient Sector"),
                              _col(raw, "Recipient Sectors")),
        "actor2_id": _col(raw, "Wikipedia Recipient ID"),
        "cameo_code": code, **{c: fields[c] for c in fields.columns},
        "location_state": loc,
        "latitude": lat.astype("float64"), "longitude": lon.astype("float64"),
        "weight": pd.Series(1.0, index=idx),
        "flags": flags,
    }, index=idx).loc[problems.ok]
    events = assemble("polecat", frame)
    rej = combine_rejects(block.rejects, problems.rejects())
    return Chunk(events=events, rejects=rej, n_read=len(events) + len(rej))
