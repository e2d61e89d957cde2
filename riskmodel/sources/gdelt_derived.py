"""GDELT-derived exports: users' own CSV extracts of GDELT 2.0 events, read through a column
mapping.

Users often hold GDELT events exported by their own scripts (a pandas ``to_csv`` of a BigQuery
result, say) rather than the official tab-separated files. Such files have a header, but their
column names are the author's, sometimes wrong. The ``gdelt2_derived`` reader maps each file
column to a field of the official GDELT 2.0 layout (:data:`riskmodel.sources.gdelt.GDELT2_COLUMNS`)
and then applies the same mapping into the event schema as the official reader
(documented in :mod:`riskmodel.sources.gdelt`). Events keep ``source = "gdelt2"`` and
``event_id = "gdelt2:<GLOBALEVENTID>"``, so an event seen both in an official export and in a
derived file is stored once.

Mappings
--------
``mapping`` is either the name of a preset (:data:`PRESETS`) or a dict
``{file column: GDELT field}``; columns not named in the mapping are ignored. Besides the
GDELT 2.0 field names, the target ``"Confidence"`` (GDELT Mentions confidence, 0-100) fills the
schema's ``confidence`` (divided by 100). Without ``mapping`` the preset whose columns equal the
file's header is used; a file that matches no preset raises
:class:`~riskmodel.exceptions.SourceFormatError` asking for a mapping.

Presets
-------
``"gdelt2_events_mentions"``
    Events joined with Mentions, 63 columns: a leading pandas index column, the 61 event fields
    under the author's names, then Mentions ``Confidence``. Several names are wrong, and the
    preset corrects them: ``Actor_1_Country_Code`` holds **Actor1Code** (e.g. ``"PAKMIL"``),
    ``Actor_1_Country_ABBR`` holds **Actor1CountryCode**, ``Actor_N_Role*`` are
    **ActorNType{1,2,3}Code**, and the block ``Mention_Type, ST_PR_CNTRY, Country,
    ADM1Code_Extra, ADM2Code_Extra, Lat_Extra, Long_Extra, ActorGeo_FeaturID_Extra`` is
    **ActionGeo_Type, ActionGeo_FullName, ActionGeo_CountryCode (FIPS), ActionGeo_ADM1Code,
    ActionGeo_ADM2Code, ActionGeo_Lat, ActionGeo_Long, ActionGeo_FeatureID** (the
    ``Actor_1_Geo_*``/``Actor_2_Geo_*`` blocks precede it).
``"gdelt2_events_reduced"``
    ``,Global_Event_ID,Day,Actor_1_Country_ABBR,Actor_2_Country_ABBR,Event_Code,Quad_Class,
    Goldstein_Scale,Num_Articles,Confidence``: the ``*_ABBR`` columns are
    **ActorNCountryCode** (CAMEO country codes).

Fields a file lacks
-------------------
``GLOBALEVENTID``, ``SQLDATE`` and ``EventCode`` are required. ``EventRootCode``, ``QuadClass``
and ``GoldsteinScale`` are derived from ``EventCode`` through the codebook when absent. Without
``DATEADDED`` the event is taken as known at the end of its day (``available_at`` = SQLDATE + 1
day) and flagged ``available_at_estimated``. Without ``NumMentions`` the weight is
``NumArticles`` (else 1). CAMEO codes are read as strings; codes that lost their leading zero
(``"43"``) are repaired (GDELT never writes two-digit event codes, so ``"13"`` is ``"013"``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping

import pandas as pd

from riskmodel.exceptions import ConfigurationError, SourceFormatError
from riskmodel.codes.states import to_iso3
from riskmodel.sources._tabular import (
    RawBlock,
    RowProblems,
    assemble,
    blank_to_na,
    combine_rejects,
    cameo_fields,
    parse_dates,
    read_delimited,
    repair_event_code,
)
from riskmodel.sources.base import CHUNK_ROWS, Chunk, InputFile, register_reader
from riskmodel.sources.gdelt import GDELT2_COLUMNS

__all__ = ["PRESETS", "read_gdelt2_derived", "resolve_mapping"]

_INDEX = ""  # the unnamed leading index column pandas writes

_ACTOR_FIELDS = ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode",
                 "Religion1Code", "Religion2Code", "Type1Code", "Type2Code", "Type3Code")


def _events_mentions_preset() -> dict[str, str]:
    names = ["Global_Event_ID", "Day", "YYYYMM", "YYYY", "Day_Time"]
    for n, know in ((1, "Known"), (2, "Know")):  # sic: the second block says "Know"
        names += [f"Actor_{n}_Country_Code", f"Actor_{n}_Name", f"Actor_{n}_Country_ABBR",
                  f"Actor_{n}_{know}_Group_Code", f"Actor_{n}_Ethnic_Code",
                  f"Actor_{n}_Religion_Code", f"Actor_{n}_Religion_2_Code", f"Actor_{n}_Role",
                  f"Actor_{n}_Role2", f"Actor_{n}_Role3"]
    names += ["Is_Root_Event", "Event_Code", "Event_Base_Code", "Event_Root_Code", "Quad_Class",
              "Goldstein_Scale", "Num_Mentions", "Num_Sources", "Num_Articles", "AVG_TONE"]
    for n in (1, 2):
        names += [f"Actor_{n}_Geo_Type", f"Actor_{n}_Geo_FullName",
                  f"Actor_{n}_Geo_Country_Code", f"Actor{n}Geo_ADM1Code",
                  f"Actor{n}Geo_ADM2Code", f"Actor{n}Geo_Lat", f"Actor{n}Geo_Long",
                  f"Actor{n}Geo_FeatureID"]
    names += ["Mention_Type", "ST_PR_CNTRY", "Country", "ADM1Code_Extra", "ADM2Code_Extra",
              "Lat_Extra", "Long_Extra", "ActorGeo_FeaturID_Extra", "Date_Added", "Source_URL"]
    assert len(names) == len(GDELT2_COLUMNS)
    mapping = dict(zip(names, GDELT2_COLUMNS))
    mapping["Confidence"] = "Confidence"
    return mapping


#: Named column mappings ``{file column: GDELT 2.0 field}`` (see the module docstring).
PRESETS: dict[str, dict[str, str]] = {
    "gdelt2_events_mentions": _events_mentions_preset(),
    "gdelt2_events_reduced": {
        "Global_Event_ID": "GLOBALEVENTID",
        "Day": "SQLDATE",
        "Actor_1_Country_ABBR": "Actor1CountryCode",
        "Actor_2_Country_ABBR": "Actor2CountryCode",
        "Event_Code": "EventCode",
        "Quad_Class": "QuadClass",
        "Goldstein_Scale": "GoldsteinScale",
        "Num_Articles": "NumArticles",
        "Confidence": "Confidence",
    },
}

_TARGETS = frozenset(GDELT2_COLUMNS) | {"Confidence"}
_REQUIRED_TARGETS = ("GLOBALEVENTID", "SQLDATE", "EventCode")


def resolve_mapping(mapping: str | Mapping[str, str] | None,
                    header: list[str] | None = None) -> dict[str, str]:
    """Validate a column mapping (or find the preset matching ``header``).

    Parameters
    ----------
    mapping : str, dict or None
        A preset name, a dict ``{file column: GDELT field}``, or ``None`` to match ``header``
        against the presets.
    header : list of str, optional
        The file's header (its leading unnamed index column, if any, removed).

    Returns
    -------
    dict
        ``{file column: GDELT field}``.

    Raises
    ------
    ConfigurationError
        Unknown preset or target field (the nearest valid name is suggested), or a mapping that
        lacks a required field.
    """
    if mapping is None:
        if header is None:
            raise ConfigurationError("Give a mapping (a preset name or a dict) or a header.")
        cols = set(header)
        for name, preset in PRESETS.items():
            if cols == set(preset):
                return dict(preset)
        raise ConfigurationError(
            f"The columns {header[:6]}{' ...' if len(header) > 6 else ''} match no preset "
            f"mapping ({sorted(PRESETS)}). Pass mapping={{file column: GDELT field}} naming "
            "at least GLOBALEVENTID, SQLDATE and EventCode (see riskmodel.sources.gdelt_derived).")
    if isinstance(mapping, str):
        if mapping not in PRESETS:
            near = difflib.get_close_matches(mapping, list(PRESETS), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(
                f"The 'mapping' parameter must be a preset name ({sorted(PRESETS)}) or a dict. "
                f"Got {mapping!r}.{hint}")
        return dict(PRESETS[mapping])
    out = dict(mapping)
    for column, target in out.items():
        if target not in _TARGETS:
            near = difflib.get_close_matches(str(target), sorted(_TARGETS), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(
                f"The mapping sends column {column!r} to {target!r}, which is not a GDELT 2.0 "
                f"event field or 'Confidence'.{hint}")
    targets = list(out.values())
    dup = sorted({t for t in targets if targets.count(t) > 1})
    if dup:
        raise ConfigurationError(f"The mapping sends several columns to {dup}; give each "
                                 "GDELT field one column.")
    missing = [t for t in _REQUIRED_TARGETS if t not in targets]
    if missing:
        raise ConfigurationError(
            f"The mapping lacks the required GDELT field(s) {missing}; map the columns that "
            "hold them.")
    return out


@register_reader("gdelt2_derived")
def read_gdelt2_derived(item: InputFile, *, mapping: str | Mapping[str, str] | None = None,
                        delimiter: str = ",",
                        chunk_rows: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Read a user's CSV export of GDELT 2.0 events through a column mapping.

    Parameters
    ----------
    item : InputFile
        The file or zip member.
    mapping : str or dict, optional
        A preset name (:data:`PRESETS`) or ``{file column: GDELT field}``; by default the
        preset matching the header.
    delimiter : str
        Field separator (default ``","``).
    chunk_rows : int
        Records per chunk.

    Yields
    ------
    Chunk
        Events with ``source="gdelt2"``.

    Raises
    ------
    SourceFormatError
        Empty file, a header that lacks a mapped column or matches no preset, a truncated
        archive.
    ConfigurationError
        An invalid mapping.
    """
    if mapping is not None:
        resolve_mapping(mapping)  # fail on a bad mapping before touching the file
    state: dict[str, dict[str, str]] = {}

    def check(header: list[str]) -> list[str]:
        names = list(header)
        has_index = bool(names) and names[0] == _INDEX
        named = names[1:] if has_index else names
        try:
            resolved = resolve_mapping(mapping, named)
        except ConfigurationError as exc:
            raise SourceFormatError(str(exc), path=item.origin, line=1) from exc
        absent = [c for c in resolved if c not in named]
        if absent:
            raise SourceFormatError(
                f"the header lacks the mapped column(s) {absent}; found {named[:8]}"
                f"{' ...' if len(named) > 8 else ''}", path=item.origin, line=1, field=absent[0])
        state["mapping"] = resolved
        return (["_index"] if has_index else []) + named

    for block in read_delimited(item, delimiter=delimiter, check_header=check, quoting=True,
                                chunk_rows=chunk_rows, layout="GDELT-derived CSV"):
        yield _map(block, state["mapping"])


def _map(block: RawBlock, mapping: dict[str, str]) -> Chunk:
    raw = block.frame
    idx = raw.index
    f = {target: blank_to_na(raw[column]) for column, target in mapping.items()}

    def get(name: str) -> pd.Series:
        return f[name] if name in f else pd.Series(pd.NA, index=idx, dtype="string")

    problems = RowProblems(raw.assign(_sid=get("GLOBALEVENTID")), "_sid")
    sid = get("GLOBALEVENTID")
    problems.add(sid.isna(), "GLOBALEVENTID", "required value is missing", values=sid)
    date = parse_dates(get("SQLDATE"), ("%Y%m%d",))
    problems.add(date.isna(), "SQLDATE", "expected a date as YYYYMMDD", values=get("SQLDATE"))
    estimated = "DATEADDED" not in f
    if estimated:
        added = date + pd.Timedelta(days=1)
    else:
        added = parse_dates(get("DATEADDED"), ("%Y%m%d%H%M%S", "%Y%m%d"))
        problems.add(added.isna(), "DATEADDED", "expected YYYYMMDDHHMMSS or YYYYMMDD",
                     values=get("DATEADDED"))
    code_text = get("EventCode")
    code = code_text.map(repair_event_code, na_action="ignore").astype("string")
    problems.add(code_text.isna(), "EventCode", "required value is missing", values=code_text)
    problems.add(code.isna(), "EventCode",
                 "not a CAMEO event code of the codebook (codes are strings such as '043')",
                 values=code_text)
    derived = cameo_fields(code)

    def number(name: str, fallback: pd.Series | None = None) -> pd.Series:
        text = get(name)
        values = pd.to_numeric(text, errors="coerce")
        problems.add(values.isna() & text.notna(), name, "expected a number", values=text)
        if fallback is not None:
            values = values.where(text.notna(), fallback)
        return values

    root = number("EventRootCode", derived["cameo_root"].astype("Float64"))
    quad = number("QuadClass", derived["quad_class"].astype("Float64"))
    goldstein = number("GoldsteinScale", derived["goldstein"])
    mentions = number("NumMentions")
    articles = number("NumArticles")
    weight = mentions.where(mentions > 0, articles.where(articles > 0)).fillna(1.0)
    lat, lon = number("ActionGeo_Lat"), number("ActionGeo_Long")
    confidence = number("Confidence") / 100.0
    frame = pd.DataFrame({
        "source_event_id": sid,
        "date": date,
        "available_at": added,
        "actor1_name": get("Actor1Name"),
        "actor1_code": get("Actor1Code"),
        "actor1_state": to_iso3(get("Actor1CountryCode"), "cameo"),
        "actor1_type": get("Actor1Type1Code"),
        "actor1_id": get("Actor1KnownGroupCode"),
        "actor2_name": get("Actor2Name"),
        "actor2_code": get("Actor2Code"),
        "actor2_state": to_iso3(get("Actor2CountryCode"), "cameo"),
        "actor2_type": get("Actor2Type1Code"),
        "actor2_id": get("Actor2KnownGroupCode"),
        "cameo_code": code,
        "cameo_root": root.astype("Float64").round().astype("Int8"),
        "quad_class": quad.astype("Float64").round().astype("Int8"),
        "goldstein": goldstein.astype("float64"),
        "location_state": to_iso3(get("ActionGeo_CountryCode"), "fips"),
        "latitude": lat.astype("float64"),
        "longitude": lon.astype("float64"),
        "weight": weight.astype("float64"),
        "url": get("SOURCEURL"),
        "confidence": confidence.astype("float64"),
        "flags": pd.Series("available_at_estimated" if estimated else pd.NA, index=idx,
                           dtype="string"),
    }, index=idx).loc[problems.ok]
    events = assemble("gdelt2", frame)
    rej = combine_rejects(block.rejects, problems.rejects())
    return Chunk(events=events, rejects=rej, n_read=len(events) + len(rej))
