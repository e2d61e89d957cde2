"""ICEWS: the Harvard Dataverse event files and four-column ICEWS-derived files.

Layouts (tab-separated)
-----------------------
* **Dataverse event files** (with header): ``Event ID, Event Date, Source Name, Source Sectors,
  Source Country, Event Text, CAMEO Code, Intensity, Target Name, Target Sectors, Target Country,
  Story ID, Sentence Number, Publisher, City, District, Province, Country, Latitude, Longitude``.
* **Derived files** (no header, four fields): ``source name, event text, target name,
  YYYY-MM-DD``, e.g. ``Head of Government (Pakistan)  Express intent to meet or negotiate
  Tajikistan  2014-06-16`` (the ICEWS14 / ICEWS05-15 knowledge-graph subsets).

The layout is detected from the first line: a header naming ``Event ID`` and ``CAMEO Code`` is a
Dataverse file, four fields without such a header a derived file.

Mapping into the event schema
-----------------------------
=================  ==========================================================================
schema column      ICEWS
=================  ==========================================================================
source_event_id    Dataverse: ``Event ID``. ICEWS releases contain event ids used by more than
                   one distinct event; within a chunk a reused id whose fields differ becomes
                   ``"<Event ID>~<hash>"`` with flag ``icews_id_reused`` (fully duplicated rows
                   keep the id and are counted as duplicates by the store). Derived files have
                   no id: a hash of the four fields (:func:`riskmodel.events.content_event_id`),
                   so the same fact in two subsets is stored once.
date, available_at ``Event Date``. ICEWS dates an event by its story's publication day, so the
                   event is taken as known that day (weekly Dataverse releases add a lag).
actorN_name        ``Source Name`` / ``Target Name``
actorN_state       Dataverse: ``Source Country`` / ``Target Country`` (names) mapped to ISO3.
                   Derived files: the country in parentheses ("Head of Government (Pakistan)"
                   gives PAK), or the name itself when it is a country ("Tajikistan").
                   Frequent persons and organisations named without a country take the
                   state and type of the project table ``codes/data/icews_actors.tsv``
                   ("Barack Obama": USA, GOV; "African Union": IGO, no state); other names
                   without a country get no state.
actorN_type        From the sectors (Dataverse) or the role before the parenthesis (derived),
                   by keyword: police -> COP; military, army, navy, defense forces -> MIL;
                   insurgent, rebel, militant, guerrilla -> REB; separatist -> SEP;
                   government, ministry, head of state/government, cabinet, envoy, governor,
                   officials -> GOV; legislature, parliament, congress -> LEG; courts, judges,
                   lawyers -> JUD; media -> MED; business -> BUS; parties -> PTY; opposition ->
                   OPP; criminals, gangs -> CRM; intelligence -> SPY; citizens, civilians,
                   protesters, villagers, students -> CVL; international organisations -> IGO.
                   Null when no keyword matches.
cameo_code         Dataverse: ``CAMEO Code`` (leading zeros restored); derived files and rows
                   without a code: ``Event Text`` through the codebook labels
                   (:func:`riskmodel.codes.cameo.cameo_table`) plus the crosswalk
                   ``codes/data/icews_cameo.tsv`` for ICEWS's own wording. Root-level texts
                   ("Consult") give the three-digit code ("040"), as GDELT and ICEWS write it.
goldstein          Dataverse: ``Intensity`` (ICEWS's CAMEO-based scale, -10..10); otherwise the
                   codebook's Goldstein score of the code.
location_state     Dataverse ``Country``. A country name that maps to no state leaves the state
                   null and flags the event ``unknown_country``.
latitude/longitude Dataverse ``Latitude`` / ``Longitude``
weight             1
=================  ==========================================================================

Rows whose event text maps to no CAMEO code, whose date does not parse or whose field count is
wrong become rejects with the line, field and reason.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from riskmodel.codes.states import to_iso3
from riskmodel.events import content_event_id
from riskmodel.exceptions import ConfigurationError, SourceFormatError
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
    repair_event_code,
)
from riskmodel.sources.base import CHUNK_ROWS, Chunk, InputFile, register_reader

__all__ = ["read_icews", "DATAVERSE_COLUMNS", "DERIVED_COLUMNS", "event_text_to_cameo",
           "actor_type_from_text"]

#: Columns of the Dataverse event files.
DATAVERSE_COLUMNS: tuple[str, ...] = (
    "Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "Event Text",
    "CAMEO Code", "Intensity", "Target Name", "Target Sectors", "Target Country", "Story ID",
    "Sentence Number", "Publisher", "City", "District", "Province", "Country", "Latitude",
    "Longitude")
#: Columns of the four-field derived files.
DERIVED_COLUMNS: tuple[str, ...] = ("Source Name", "Event Text", "Target Name", "Event Date")

# Keyword rules, first match wins. Order matters: police before military (so that "Military
# Police" and "Police Special Forces" are COP), ministries before military ("Defense / Security
# Ministry" is GOV), armed groups before government words.
_TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("IGO", r"\b(united nations|un security council|african union|european union|nato|"
            r"association of southeast asian nations|asean|world bank|international monetary"
            r"|interpol|arab league|organization of|organisation of|international atomic"
            r"|world health|commonwealth of independent states|intergovernmental)\b"),
    ("SPY", r"\b(intelligence|secret agent|spy)\b"),
    ("COP", r"\b(police|policeman|border guard|gendarmerie|law enforcement)\b"),
    ("GOV", r"\b(ministry|minister|ministers|ministery)\b"),
    ("MIL", r"\b(military|army|navy|naval|air force|armed forces|defense forces|defence forces"
            r"|soldier|soldiers|troops|marines|coast guard)\b"),
    ("SEP", r"\b(separatist|separatists)\b"),
    ("REB", r"\b(insurgent|insurgents|rebel|rebels|armed rebel|militant|militants|guerrilla"
            r"|guerrillas|combatant|combatants|armed band|paramilitary|militia|terrorist"
            r"|terrorists|jihadist)\b"),
    ("CRM", r"\b(criminal|criminals|armed gang|gang|thief|thieves|smuggler|drug|pirate|"
            r"kidnapper|attacker)\b"),
    ("LEG", r"\b(legislature|legislative|parliament|congress|lawmaker|senate|senator"
            r"|representatives|assembly)\b"),
    ("JUD", r"\b(court|judge|judiciary|judicial|lawyer|attorney|prosecutor|justice)\b"),
    ("GOV", r"\b(government|head of government|head of state|cabinet|advisors|envoy|"
            r"ambassador|embassy|diplomat|foreign affairs|governor|mayor|royal|official|"
            r"officials|authorities|president|executive|domestic affairs|director general"
            r"|election commission|state media)\b"),
    ("MED", r"\b(media|newspaper|journalist|news|editor|reporter|broadcast)\b"),
    ("PTY", r"\b(party|parties|presidential candidate|candidate)\b"),
    ("OPP", r"\b(opposition|dissident|dissidents)\b"),
    ("BUS", r"\b(business|businessperson|company|bank|corporation|industry|employer)\b"),
    ("NGO", r"\b(ngo|non governmental|nongovernmental|human rights group|amnesty|red cross"
            r"|red crescent|charity)\b"),
    ("CVL", r"\b(citizen|citizens|civilian|civilians|men|women|children|villager|villagers|"
            r"student|students|refugee|refugees|worker|workers|fishermen|employee|protester"
            r"|protesters|protestors|activist|activists|people|indigenous|farmer|farmers|"
            r"muslim|christian|medical personnel|teacher|youth|migrant|migrants)\b"),
)
_TYPE_PATTERNS = [(t, re.compile(p, re.IGNORECASE)) for t, p in _TYPE_RULES]
_PAREN = re.compile(r"^(?P<role>.*?)\s*\((?P<country>[^()]*)\)\s*$")


def actor_type_from_text(text: str | None) -> str | None:
    """The actor type (GOV, MIL, COP, REB, CVL, ...) an ICEWS role or sector text implies.

    Examples
    --------
    >>> actor_type_from_text("Head of Government")
    'GOV'
    >>> actor_type_from_text("Police")
    'COP'
    >>> actor_type_from_text("Armed Rebel")
    'REB'
    """
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return None
    for typ, pattern in _TYPE_PATTERNS:
        if pattern.search(str(text)):
            return typ
    return None


def _norm_text(text: str) -> str:
    t = text.casefold().replace(", not specified below", "").replace("not specified below", "")
    t = t.replace("not spec below", "")
    return re.sub(r"[^a-z0-9]+", " ", t).strip()


@lru_cache(maxsize=1)
def _text_table() -> dict[str, str]:
    from riskmodel.codes.cameo import cameo_table

    table = cameo_table()
    out: dict[str, str] = {}
    # Three- and four-digit codes first, so that "Consult" gives "040", not the root "04".
    for code in sorted(table.index, key=lambda c: (len(c) < 3, c)):
        out.setdefault(_norm_text(str(table.at[code, "label"])), code)
    path = resources.files("riskmodel.codes") / "data" / "icews_cameo.tsv"
    with path.open("r", encoding="utf-8") as fh:
        cross = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    for text, code in cross[["event_text", "cameo_code"]].itertuples(index=False):
        out[_norm_text(text)] = code
    return out


def event_text_to_cameo(values: pd.Series | str) -> pd.Series | str | None:
    """CAMEO codes of ICEWS event texts (codebook labels plus the ICEWS crosswalk).

    Returns null where the text names no CAMEO event.

    Examples
    --------
    >>> event_text_to_cameo("Express intent to meet or negotiate")
    '036'
    >>> event_text_to_cameo("Make an appeal or request")
    '020'
    """
    table = _text_table()
    if isinstance(values, pd.Series):
        codes, uniques = pd.factorize(values)
        mapped = np.array([table.get(_norm_text(str(u))) for u in uniques] + [None],
                          dtype=object)
        return pd.Series(mapped[codes], index=values.index, dtype="string")
    if values is None:
        return None
    return table.get(_norm_text(str(values)))


@register_reader("icews")
def read_icews(item: InputFile, *, layout: str | None = None,
               chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Read an ICEWS Dataverse event file or a four-column derived file.

    Parameters
    ----------
    item : InputFile
        The file or zip member.
    layout : {"dataverse", "derived"}, optional
        Force the layout instead of detecting it from the first line.
    chunk_rows : int
        Records per chunk.

    Yields
    ------
    Chunk

    Raises
    ------
    SourceFormatError
        Empty file, a header that is not the Dataverse layout, a file whose rows have neither
        layout, a truncated archive.
    """
    kind = layout or _detect(item)
    if kind == "dataverse":
        blocks = read_delimited(item, delimiter="\t", check_header=_dataverse_header(item),
                                quoting=False, chunk_rows=chunk_rows,
                                layout="ICEWS Dataverse")
        for block in blocks:
            yield _map_dataverse(block)
    elif kind == "derived":
        blocks = read_delimited(item, delimiter="\t", columns=DERIVED_COLUMNS, quoting=False,
                                chunk_rows=chunk_rows, layout="ICEWS derived (4 fields)")
        for block in blocks:
            yield _map_derived(block)
    else:
        raise ConfigurationError(
            f"The 'layout' parameter of read_icews must be 'dataverse' or 'derived'. "
            f"Got {layout!r}.")


def _detect(item: InputFile) -> str:
    with item.open_binary() as fh:
        head = fh.read(1 << 16)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((ln for ln in text.splitlines() if ln.strip()), None)
    if first is None:
        raise SourceFormatError("the file is empty; expected ICEWS event rows",
                                path=item.origin)
    fields = [f.strip() for f in first.split("\t")]
    if "Event ID" in fields or "CAMEO Code" in fields:
        return "dataverse"
    if len(fields) == len(DERIVED_COLUMNS):
        return "derived"
    raise SourceFormatError(
        f"neither ICEWS layout: the first line has {len(fields)} tab-separated fields and no "
        f"Dataverse header. Expected a header {list(DATAVERSE_COLUMNS[:4])}... or four fields "
        "(source, event text, target, date).",
        path=item.origin, line=1)


def _dataverse_header(item: InputFile) -> Callable[[list[str]], list[str]]:
    needed = ("Event ID", "Event Date", "Source Name", "Event Text", "Target Name")

    def check(header: list[str]) -> list[str]:
        missing = [c for c in needed if c not in header]
        if missing:
            raise SourceFormatError(
                f"the header lacks the ICEWS column(s) {missing}; expected "
                f"{list(DATAVERSE_COLUMNS)}", path=item.origin, line=1, field=missing[0])
        return header
    return check


@lru_cache(maxsize=1)
def _known_actors() -> dict[str, tuple[str | None, str | None]]:
    path = resources.files("riskmodel.codes") / "data" / "icews_actors.tsv"
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    return {name: (iso3 or None, typ or None)
            for name, iso3, typ in table[["name", "iso3", "actor_type"]].itertuples(index=False)}


def _actor_from_name(names: pd.Series, known: bool = False) -> tuple[pd.Series, pd.Series]:
    """State and type from derived-file names such as 'Police (India)' or 'Tajikistan'.

    With ``known``, names listed in ``codes/data/icews_actors.tsv`` ("Barack Obama") take the
    state and type of the table.
    """
    from riskmodel.codes.states import to_iso3 as _to_iso3

    table = _known_actors() if known else {}
    codes, uniques = pd.factorize(names)
    states: list[str | None] = []
    types: list[str | None] = []
    for name in uniques:
        if name in table:
            states.append(table[name][0])
            types.append(table[name][1])
            continue
        m = _PAREN.match(name)
        if m is not None:
            state = _to_iso3(m.group("country"), "name")
            role: str | None = m.group("role")
            if state is None:  # "Terrorist (Hamas)": the parenthesis is no country
                role = name
        else:
            state = _to_iso3(name, "name")
            role = None if state is not None else name
        states.append(state)
        types.append(actor_type_from_text(role))
    state_arr = np.array(states + [None], dtype=object)
    type_arr = np.array(types + [None], dtype=object)
    return (pd.Series(state_arr[codes], index=names.index, dtype="string"),
            pd.Series(type_arr[codes], index=names.index, dtype="string"))


def _types_from_sectors(sectors: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(sectors)
    out = []
    for u in uniques:
        found = None
        for typ, pattern in _TYPE_PATTERNS:
            if pattern.search(str(u)):
                found = typ
                break
        out.append(found)
    mapped = np.array(out + [None], dtype=object)
    return pd.Series(mapped[codes], index=sectors.index, dtype="string")


def _finish(raw: pd.DataFrame, problems: RowProblems, mapped: dict[str, pd.Series],
            block: RawBlock) -> Chunk:
    frame = pd.DataFrame({k: v for k, v in mapped.items() if v is not None},
                         index=raw.index).loc[problems.ok]
    events = assemble("icews", frame)
    rejects = combine_rejects(block.rejects, problems.rejects())
    return Chunk(events=events, rejects=rejects, n_read=len(events) + len(rejects))


def _cameo_from_text(text: pd.Series, problems: RowProblems, field: str) -> pd.Series:
    code = event_text_to_cameo(text)
    problems.add(text.isna(), field, "required value is missing", values=text)
    problems.add(code.isna(), field,
                 "event text matches no CAMEO codebook label and is not in the ICEWS "
                 "crosswalk (riskmodel/codes/data/icews_cameo.tsv)", values=text)
    return code


def _map_derived(block: RawBlock) -> Chunk:
    raw = block.frame
    src = blank_to_na(raw["Source Name"])
    tgt = blank_to_na(raw["Target Name"])
    text = blank_to_na(raw["Event Text"])
    date_text = blank_to_na(raw["Event Date"])
    sid = pd.Series([content_event_id(a, b, c, d) for a, b, c, d in
                     zip(raw["Source Name"].tolist(), raw["Event Text"].tolist(),
                         raw["Target Name"].tolist(), raw["Event Date"].tolist())],
                    index=raw.index, dtype="string")
    problems = RowProblems(raw.assign(_sid=sid), "_sid")
    problems.add(src.isna(), "Source Name", "required value is missing", values=src)
    problems.add(tgt.isna(), "Target Name", "required value is missing", values=tgt)
    code = _cameo_from_text(text, problems, "Event Text")
    date = parse_dates(date_text, ("%Y-%m-%d",))
    problems.add(date.isna(), "Event Date", "expected a date as YYYY-MM-DD", values=date_text)
    s_state, s_type = _actor_from_name(src, known=True)
    t_state, t_type = _actor_from_name(tgt, known=True)
    fields = cameo_fields(code)
    mapped = {
        "source_event_id": sid, "date": date, "available_at": date,
        "actor1_name": src, "actor1_state": s_state, "actor1_type": s_type,
        "actor2_name": tgt, "actor2_state": t_state, "actor2_type": t_type,
        "cameo_code": code, **{c: fields[c] for c in fields.columns},
        "weight": pd.Series(1.0, index=raw.index),
    }
    return _finish(raw, problems, mapped, block)


def _col(raw: pd.DataFrame, name: str) -> pd.Series:
    if name in raw.columns:
        return blank_to_na(raw[name])
    return pd.Series(pd.NA, index=raw.index, dtype="string")


def _map_dataverse(block: RawBlock) -> Chunk:
    raw = block.frame
    eid = _col(raw, "Event ID")
    src, tgt = _col(raw, "Source Name"), _col(raw, "Target Name")
    text = _col(raw, "Event Text")
    date_text = _col(raw, "Event Date")
    problems = RowProblems(raw, "Event ID")
    problems.add(eid.isna(), "Event ID", "required value is missing", values=eid)
    code_raw = _col(raw, "CAMEO Code")
    code = code_raw.map(repair_event_code, na_action="ignore").astype("string")
    from_text = event_text_to_cameo(text)
    code = code.where(code.notna(), from_text)
    problems.add(code.isna() & code_raw.notna() & from_text.isna(), "CAMEO Code",
                 "not a CAMEO code of the codebook and the event text does not name one",
                 values=code_raw)
    problems.add(code.isna(), "Event Text",
                 "no CAMEO Code and the event text matches no codebook label or ICEWS "
                 "crosswalk entry", values=text)
    date = parse_dates(date_text, ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "ISO8601"))
    problems.add(date.isna(), "Event Date", "expected a date as YYYY-MM-DD", values=date_text)
    fields = cameo_fields(code)
    intensity_text = _col(raw, "Intensity")
    intensity = pd.to_numeric(intensity_text, errors="coerce")
    problems.add(intensity.isna() & intensity_text.notna(), "Intensity", "expected a number",
                 values=intensity_text)
    goldstein = intensity.where(intensity.between(-10, 10), fields["goldstein"])
    lat_text, lon_text = _col(raw, "Latitude"), _col(raw, "Longitude")
    lat, lon = pd.to_numeric(lat_text, errors="coerce"), pd.to_numeric(lon_text, errors="coerce")
    problems.add(lat.isna() & lat_text.notna(), "Latitude", "expected a number", values=lat_text)
    problems.add(lon.isna() & lon_text.notna(), "Longitude", "expected a number",
                 values=lon_text)
    sid, reused = _resolve_ids(eid, raw)
    s_country, t_country = _col(raw, "Source Country"), _col(raw, "Target Country")
    l_country = _col(raw, "Country")
    s_state, t_state = to_iso3(s_country, "name"), to_iso3(t_country, "name")
    l_state = to_iso3(l_country, "name")
    unknown = ((s_state.isna() & s_country.notna()) | (t_state.isna() & t_country.notna())
               | (l_state.isna() & l_country.notna()))
    s_name_state, s_name_type = _actor_from_name(src)
    t_name_state, t_name_type = _actor_from_name(tgt)
    s_type = _types_from_sectors(_col(raw, "Source Sectors"))
    t_type = _types_from_sectors(_col(raw, "Target Sectors"))
    mapped = {
        "source_event_id": sid, "date": date, "available_at": date,
        "actor1_name": src, "actor1_state": s_state.where(s_state.notna(), s_name_state),
        "actor1_type": s_type.where(s_type.notna(), s_name_type),
        "actor2_name": tgt, "actor2_state": t_state.where(t_state.notna(), t_name_state),
        "actor2_type": t_type.where(t_type.notna(), t_name_type),
        "cameo_code": code, "cameo_root": fields["cameo_root"],
        "quad_class": fields["quad_class"], "goldstein": goldstein.astype("float64"),
        "location_state": l_state,
        "latitude": lat.astype("float64"), "longitude": lon.astype("float64"),
        "weight": pd.Series(1.0, index=raw.index),
        "flags": join_flags(
            pd.Series("icews_id_reused", index=raw.index, dtype="string").where(reused),
            pd.Series("unknown_country", index=raw.index, dtype="string").where(unknown),
            index=raw.index),
    }
    return _finish(raw, problems, mapped, block)


def _resolve_ids(eid: pd.Series, raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Keep Event ID; a reused id with different fields gets a content suffix."""
    content_cols = [c for c in ("Event Date", "Source Name", "Event Text", "CAMEO Code",
                                "Target Name", "Story ID", "Sentence Number")
                    if c in raw.columns]
    parts = [raw[c].astype("string").fillna("") for c in content_cols]
    content = parts[0].str.cat(parts[1:], sep="\x1f")
    first_content = content.groupby(eid, dropna=False).transform("first")
    reused = eid.notna() & (content != first_content)
    sid = eid.copy()
    if reused.any():
        suffix = content[reused].map(
            lambda s: hashlib.sha256(s.encode()).hexdigest()[:10])
        sid[reused] = eid[reused] + "~" + suffix
    return sid, reused.fillna(False)
