"""ACLED: CSV exports of the Armed Conflict Location & Event Data Project.

Layout
------
Comma-separated with header, as exported by ACLED's data export tool and API (codebook
2019 onwards): ``event_id_cnty, event_date, year, time_precision, disorder_type, event_type,
sub_event_type, actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction,
civilian_targeting, iso, region, country, admin1, admin2, admin3, location, latitude,
longitude, geo_precision, source, source_scale, notes, fatalities, tags, timestamp``. Older
exports (with ``data_id``, ``event_id_no_cnty``, ``geo_precision`` ...) and newer ones that
spell ``inter1``/``inter2`` as text ("State forces") are read too. Required columns:
``event_id_cnty, event_date, event_type, actor1, fatalities`` and one of ``iso`` or ``country``.

Mapping into the event schema
-----------------------------
=================  ==========================================================================
schema column      ACLED
=================  ==========================================================================
source_event_id    ``event_id_cnty``
date               ``event_date`` (``YYYY-MM-DD``, or ``15 March 2020`` in older exports)
available_at       ``timestamp`` (Unix seconds, UTC): when the record was last published.
                   Without a timestamp the event is taken as known the day after it happened
                   (flag ``available_at_estimated``).
actorN_name        ``actor1`` / ``actor2``
actorN_type        from ``inter1``/``inter2``: 1 state forces -> ``COP`` for "Police Forces of
                   ...", ``GOV`` for "Government of ...", else ``MIL``; 2 rebel groups -> ``REB``;
                   3 political and 4 identity militias -> ``MIL_NS``; 5 rioters, 6 protesters
                   and 7 civilians -> ``CVL``; 8 external/other forces -> ``IGO`` for
                   UN/AU/EU/NATO missions, ``MIL`` for "Military Forces of X" (foreign
                   forces), else ``OTH``
actorN_state       for state forces and external forces named "... Forces of X (...)" or
                   "Government of X (...)": state X. Non-state actors (rebels, militias,
                   protesters, civilians) have no state: their country is ``location_state``.
cameo_code         ``event_type`` and ``sub_event_type`` through the table
                   ``codes/data/acled_cameo.tsv`` (below); QuadClass and Goldstein follow from
                   the CAMEO code
fatalities         ``fatalities`` (ACLED gives no bounds: low/high stay null)
location_state     ``iso`` (ISO 3166-1 numeric) mapped to ISO3, else ``country`` by name
latitude/longitude ``latitude`` / ``longitude``
weight             1
=================  ==========================================================================

Event types to CAMEO (``codes/data/acled_cameo.tsv``)
-----------------------------------------------------
Battles: armed clash 193, territory taken 192. Explosions/remote violence: chemical weapon
2041, air/drone strike 195, suicide bomb 1831, shelling/artillery/missile 194, remote explosive
and grenade 183. Violence against civilians: attack 180, abduction 181, sexual violence 1821.
Protests: peaceful and with intervention 141, excessive force against protesters 175. Riots:
145. Strategic developments: agreement 057, arrests 173, disrupted weapons use 1711, base
established 154, looting/property destruction 1712, non-violent transfer of territory 0874;
"change to group/activity" and "other" 010 (flag ``acled_ambiguous``). An unknown sub-event type
falls back to its event type's code (flag ``acled_subtype_unmapped``); an unknown event type is
rejected.

Direction
---------
ACLED's codebook states that the order of actor1 and actor2 carries no meaning, except for
violence against civilians, where the civilians are always actor2. The reader keeps ACLED's
order (actor1 -> actor2) and marks every event whose order is not meaningful with the flag
``acled_undirected``; directed analyses should count such events in both directions or use
undirected dyads.
"""

from __future__ import annotations

import re
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

__all__ = ["read_acled", "ACLED_REQUIRED", "acled_cameo_table", "INTER_TYPES"]

#: Columns an ACLED export must have (plus ``iso`` or ``country``).
ACLED_REQUIRED: tuple[str, ...] = ("event_id_cnty", "event_date", "event_type", "actor1",
                                   "fatalities")

#: ACLED interaction codes (numeric and text forms) -> coarse actor class.
INTER_TYPES: dict[str, str] = {
    "1": "state", "state forces": "state",
    "2": "REB", "rebel group": "REB", "rebel groups": "REB",
    "3": "MIL_NS", "political militia": "MIL_NS", "political militias": "MIL_NS",
    "4": "MIL_NS", "identity militia": "MIL_NS", "identity militias": "MIL_NS",
    "5": "CVL", "rioters": "CVL",
    "6": "CVL", "protesters": "CVL",
    "7": "CVL", "civilians": "CVL",
    "8": "external", "external/other forces": "external", "external/other force": "external",
}

_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%m/%d/%Y", "ISO8601")
_STATE_ACTOR = re.compile(
    r"^(?:(?P<kind>[A-Za-z' ]*?)\s*Forces|Government) of (?P<country>.+?)"
    r"(?:\s*\(\d{4}\s*-\s*(?:\d{4})?\).*)?$")
_IGO = re.compile(r"\b(?:United Nations|UN|MONUSCO|MINUSMA|MINUSCA|UNMISS|UNIFIL|AMISOM|ATMIS|"
                  r"African Union|European Union|EUFOR|NATO|ECOWAS|SADC|Multinational Joint "
                  r"Task Force)\b")


@lru_cache(maxsize=1)
def acled_cameo_table() -> pd.DataFrame:
    """The ACLED event/sub-event type -> CAMEO table (``codes/data/acled_cameo.tsv``).

    Returns
    -------
    pandas.DataFrame
        Columns ``event_type``, ``sub_event_type`` (empty for the event type's fallback),
        ``cameo_code``, ``flag`` and ``note``.
    """
    path = resources.files("riskmodel.codes") / "data" / "acled_cameo.tsv"
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)


def _key(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[tuple[str, str], tuple[str, str]], dict[str, tuple[str, str]]]:
    exact: dict[tuple[str, str], tuple[str, str]] = {}
    fallback: dict[str, tuple[str, str]] = {}
    for et, st, code, flag, _ in acled_cameo_table().itertuples(index=False):
        if st:
            exact[(_key(et), _key(st))] = (code, flag)
        else:
            fallback[_key(et)] = (code, flag)
    return exact, fallback


@register_reader("acled")
def read_acled(item: InputFile, *, chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Read an ACLED CSV export into canonical events.

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
        Empty file, a header that lacks ACLED's columns, non-UTF-8 header, truncated archive.
    """
    def check(header: list[str]) -> list[str]:
        names = [h.strip().lower() for h in header]
        missing = [c for c in ACLED_REQUIRED if c not in names]
        if not missing and "iso" not in names and "country" not in names:
            missing = ["iso"]
        if missing:
            raise SourceFormatError(
                f"the header lacks the ACLED column(s) {missing}; found {header[:10]}"
                f"{' ...' if len(header) > 10 else ''}. Expected an ACLED CSV export "
                "(see riskmodel.sources.acled).", path=item.origin, line=1, field=missing[0])
        return names

    for block in read_delimited(item, delimiter=",", check_header=check, quoting=True,
                                chunk_rows=chunk_rows, layout="ACLED CSV"):
        yield _map(block)


def _col(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return blank_to_na(raw[name])
    return pd.Series(pd.NA, index=raw.index, dtype="string")


def _actor_one(name: str, klass: str | None) -> tuple[str | None, str | None]:
    m = _STATE_ACTOR.match(name)
    country = to_iso3(m.group("country"), "name") if m else None
    kind = (m.group("kind") or "").casefold() if m else ""
    is_police = "police" in kind
    is_gov = name.startswith("Government of")
    if klass == "state":
        typ = "GOV" if is_gov else "COP" if is_police else "MIL"
        return country, typ
    if klass == "external":
        if _IGO.search(name):
            return None, "IGO"
        if country is not None:
            return country, "GOV" if is_gov else "COP" if is_police else "MIL"
        return None, "OTH"
    return None, klass


def _actor(names: pd.Series, inter: pd.Series) -> tuple[pd.Series, pd.Series]:
    klass = inter.str.strip().str.casefold().str.replace(r"\.0$", "", regex=True).map(INTER_TYPES)
    pairs = names.fillna("\x00") + "\x1f" + klass.fillna("")
    codes, uniques = pd.factorize(pairs)
    states: list[str | None] = []
    types: list[str | None] = []
    for u in uniques:
        name, k = u.split("\x1f")
        if name == "\x00":
            states.append(None)
            types.append(None)
            continue
        state, typ = _actor_one(name, k or None)
        states.append(state)
        types.append(typ)
    state_arr = np.array(states + [None], dtype=object)
    type_arr = np.array(types + [None], dtype=object)
    return (pd.Series(state_arr[codes], index=names.index, dtype="string"),
            pd.Series(type_arr[codes], index=names.index, dtype="string"))


def _map(block: RawBlock) -> Chunk:
    raw = block.frame
    idx = raw.index
    sid = _col(raw, "event_id_cnty")
    problems = RowProblems(raw, "event_id_cnty")
    problems.add(sid.isna(), "event_id_cnty", "required value is missing", values=sid)
    date_text = _col(raw, "event_date")
    date = parse_dates(date_text, _DATE_FORMATS)
    problems.add(date.isna(), "event_date", "expected a date as YYYY-MM-DD or '15 March 2020'",
                 values=date_text)
    # CAMEO from event and sub-event type.
    exact, fallback = _lookup()
    et, st = _col(raw, "event_type"), _col(raw, "sub_event_type")
    codes_, uniques = pd.factorize(et.fillna("") + "\x1f" + st.fillna(""))
    found, flags_, unmapped = [], [], []
    for pair in uniques:
        e, s = (_key(x) for x in pair.split("\x1f"))
        hit = exact.get((e, s))
        if hit is None and e in fallback:
            hit = fallback[e]
            unmapped.append(True)
        else:
            unmapped.append(False)
        found.append(hit[0] if hit else None)
        flags_.append(hit[1] if hit and hit[1] else None)
    code = pd.Series(np.array(found + [None], dtype=object)[codes_], index=idx, dtype="string")
    map_flag = pd.Series(np.array(flags_ + [None], dtype=object)[codes_], index=idx,
                         dtype="string")
    sub_unmapped = pd.Series(np.array(unmapped + [False])[codes_], index=idx)
    problems.add(et.isna(), "event_type", "required value is missing", values=et)
    problems.add(code.isna(), "event_type",
                 "unknown ACLED event_type; expected one of Battles, Explosions/Remote violence, "
                 "Violence against civilians, Protests, Riots, Strategic developments",
                 values=et)
    fields = cameo_fields(code)
    # Fatalities.
    fat_text = _col(raw, "fatalities")
    fat = pd.to_numeric(fat_text, errors="coerce")
    bad_fat = (fat.isna() & fat_text.notna()) | (fat < 0) | ((fat % 1 != 0) & fat.notna())
    problems.add(bad_fat, "fatalities", "expected a non-negative whole number", values=fat_text)
    # Times.
    ts_text = _col(raw, "timestamp")
    ts = pd.to_numeric(ts_text, errors="coerce")
    problems.add(ts.isna() & ts_text.notna(), "timestamp", "expected Unix seconds",
                 values=ts_text)
    available = pd.to_datetime(ts, unit="s", errors="coerce").astype("datetime64[s]")
    estimated = available.isna()
    available = available.where(~estimated, date + pd.Timedelta(days=1))
    # Location.
    iso_text = _col(raw, "iso")
    loc_iso = to_iso3(iso_text, "iso_numeric")
    country = _col(raw, "country")
    loc_name = to_iso3(country, "name")
    location = loc_iso.where(loc_iso.notna(), loc_name)
    problems.add(location.isna() & (iso_text.notna() & (iso_text != "0")), "iso",
                 "unknown ISO 3166-1 numeric country code, and the country name is not known "
                 "either", values=iso_text)
    problems.add(location.isna() & iso_text.isna() & country.notna(), "country",
                 "unknown country name", values=country)
    lat_text, lon_text = _col(raw, "latitude"), _col(raw, "longitude")
    lat, lon = pd.to_numeric(lat_text, errors="coerce"), pd.to_numeric(lon_text, errors="coerce")
    problems.add(lat.isna() & lat_text.notna(), "latitude", "expected a number", values=lat_text)
    problems.add(lon.isna() & lon_text.notna(), "longitude", "expected a number",
                 values=lon_text)
    a1, a2 = _col(raw, "actor1"), _col(raw, "actor2")
    s1, t1 = _actor(a1, _col(raw, "inter1"))
    s2, t2 = _actor(a2, _col(raw, "inter2"))
    undirected = ~et.str.casefold().eq("violence against civilians").fillna(False)
    flags = join_flags(
        pd.Series("acled_undirected", index=idx, dtype="string").where(undirected),
        map_flag,
        pd.Series("acled_subtype_unmapped", index=idx, dtype="string").where(sub_unmapped),
        pd.Series("available_at_estimated", index=idx, dtype="string").where(estimated),
        index=idx)
    frame = pd.DataFrame({
        "source_event_id": sid, "date": date, "available_at": available,
        "actor1_name": a1, "actor1_state": s1, "actor1_type": t1,
        "actor2_name": a2, "actor2_state": s2, "actor2_type": t2,
        "cameo_code": code, **{c: fields[c] for c in fields.columns},
        "fatalities": fat.where(~bad_fat).astype("Float64").round().astype("Int64"),
        "location_state": location,
        "latitude": lat.astype("float64"), "longitude": lon.astype("float64"),
        "weight": pd.Series(1.0, index=idx),
        "flags": flags,
    }, index=idx).loc[problems.ok]
    events = assemble("acled", frame)
    rej = combine_rejects(block.rejects, problems.rejects())
    return Chunk(events=events, rejects=rej, n_read=len(events) + len(rej))
