"""The canonical event schema: one row per event, whatever the source.

Every reader (``riskmodel.sources``) and the article coder (``riskmodel.coding``) produce frames
with exactly the columns of :data:`EVENT_COLUMNS`; the store keeps them as they are; panels
aggregate them. :func:`validate_events` splits a frame into valid rows and rejects, each reject
with the column, value and reason; :func:`check_events` raises :class:`SchemaError` on the first
problem instead.

Columns
-------
event_id : str
    Stable across re-ingest: ``"<source>:<source_event_id>"`` (see :func:`make_event_id`).
source : str
    One of :data:`SOURCES`.
source_event_id : str
    The identifier the source gives the event (GDELT GLOBALEVENTID, UCDP ``id``, ...); for
    articles a content hash.
date : datetime64
    Day the event happened (midnight; sources with day resolution).
available_at : datetime64
    When the event became known: GDELT DATEADDED, UCDP source date, ACLED timestamp, an
    article's publication date. Backtests only use events with ``available_at`` up to the origin.
actor1_name, actor2_name : str or null
    The actor as the source (or the text) names it.
actor1_code, actor2_code : str or null
    The raw actor code of the source (e.g. GDELT ``Actor1Code`` ``"PAKMIL"``), kept so that
    regional/group codes that map to no state are not lost.
actor1_state, actor2_state : str or null
    ISO 3166-1 alpha-3 code of the state the actor belongs to, or null.
actor1_type, actor2_type : str or null
    Actor type: one of :data:`ACTOR_TYPES` (GOV, MIL, REB, ...), or null when unknown.
actor1_id, actor2_id : str or null
    A canonical actor identifier where one is known (e.g. ``"TTP"``), else null.
cameo_code : str
    CAMEO event code as a string (``"195"``, ``"043"``).
cameo_root : int8
    CAMEO root 1-20 (the first two digits of ``cameo_code``).
quad_class : int8
    1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict
    (roots 01-05, 06-09, 10-14, 15-20).
goldstein : float64
    Goldstein score, -10..10.
fatalities, fatalities_low, fatalities_high : Int64 (nullable)
    Best estimate and bounds of the deaths attributed to the event.
location_state : str or null
    ISO3 of the state where the event took place.
latitude, longitude : float64 (nullable)
    Location in degrees.
weight : float64
    Evidence weight: mentions or articles (GDELT NumMentions), 1 where the source has none.
url : str or null
    Source document.
quote : str or null
    For coded text: the sentence that supports the event.
quote_start, quote_end : Int64 (nullable)
    Character offsets of ``quote`` in the article text.
confidence : float64 (nullable)
    For coded text and inferred mappings: confidence in [0, 1].
flags : str or null
    Comma-separated notes on the mapping (e.g. ``"plover_ambiguous"``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskmodel.exceptions import SchemaError

__all__ = [
    "SOURCES",
    "ACTOR_TYPES",
    "EVENT_COLUMNS",
    "EVENT_DTYPES",
    "REJECT_COLUMNS",
    "ValidationResult",
    "empty_events",
    "make_event_id",
    "content_event_id",
    "conform_events",
    "validate_events",
    "check_events",
]

SOURCES: tuple[str, ...] = ("gdelt1", "gdelt2", "ucdp", "acled", "icews", "polecat", "article")

#: Actor types: CAMEO's role codes where they exist, plus a few coarse classes.
ACTOR_TYPES: tuple[str, ...] = (
    "GOV",  # government, head of state or government, ministries, diplomats
    "MIL",  # military
    "COP",  # police and internal security forces
    "REB",  # rebels, insurgents, non-state armed groups
    "INS",  # insurgents (CAMEO)
    "SEP",  # separatists
    "MIL_NS",  # militias not part of a state (ACLED "political militia")
    "CVL",  # civilians
    "IGO",  # intergovernmental organisations
    "NGO",  # non-governmental organisations
    "OPP",  # political opposition
    "PTY",  # political parties
    "MED",  # media
    "BUS",  # business
    "CRM",  # criminals
    "JUD",  # judiciary
    "LEG",  # legislature
    "SPY",  # intelligence services
    "UAF",  # unidentified armed forces
    "OTH",  # anything else the source names
)

#: Column -> pandas dtype of the canonical schema, in order.
EVENT_DTYPES: dict[str, str] = {
    "event_id": "string",
    "source": "string",
    "source_event_id": "string",
    "date": "datetime64[s]",
    "available_at": "datetime64[s]",
    "actor1_name": "string",
    "actor1_code": "string",
    "actor1_state": "string",
    "actor1_type": "string",
    "actor1_id": "string",
    "actor2_name": "string",
    "actor2_code": "string",
    "actor2_state": "string",
    "actor2_type": "string",
    "actor2_id": "string",
    "cameo_code": "string",
    "cameo_root": "int8",
    "quad_class": "int8",
    "goldstein": "float64",
    "fatalities": "Int64",
    "fatalities_low": "Int64",
    "fatalities_high": "Int64",
    "location_state": "string",
    "latitude": "float64",
    "longitude": "float64",
    "weight": "float64",
    "url": "string",
    "quote": "string",
    "quote_start": "Int64",
    "quote_end": "Int64",
    "confidence": "float64",
    "flags": "string",
}

EVENT_COLUMNS: tuple[str, ...] = tuple(EVENT_DTYPES)

#: Columns that may never be null.
REQUIRED: tuple[str, ...] = (
    "event_id", "source", "source_event_id", "date", "available_at", "cameo_code",
    "cameo_root", "quad_class", "goldstein", "weight",
)

#: Columns of a rejects frame (the store's ``rejects`` table adds the batch id).
REJECT_COLUMNS: tuple[str, ...] = ("line", "source_event_id", "column", "value", "reason", "raw")

_ISO3 = r"^[A-Z]{3}$"


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of :func:`validate_events`.

    Attributes
    ----------
    valid : pandas.DataFrame
        Rows that pass every check, in the canonical dtypes.
    rejects : pandas.DataFrame
        One row per rejected input row with :data:`REJECT_COLUMNS`; ``line`` is the row's label in
        the input frame (readers set it to the 1-based line in the file).
    """

    valid: pd.DataFrame
    rejects: pd.DataFrame

    @property
    def n_read(self) -> int:
        """Rows examined: ``len(valid) + len(rejects)``."""
        return len(self.valid) + len(self.rejects)


def empty_events() -> pd.DataFrame:
    """An empty frame with the canonical columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_DTYPES.items()})


def empty_rejects() -> pd.DataFrame:
    """An empty rejects frame."""
    return pd.DataFrame(
        {
            "line": pd.Series(dtype="Int64"),
            "source_event_id": pd.Series(dtype="string"),
            "column": pd.Series(dtype="string"),
            "value": pd.Series(dtype="string"),
            "reason": pd.Series(dtype="string"),
            "raw": pd.Series(dtype="string"),
        }
    )


def make_event_id(source: str | pd.Series, source_event_id: str | pd.Series) -> str | pd.Series:
    """The stable event id ``"<source>:<source_event_id>"`` (scalar or vectorised)."""
    if isinstance(source_event_id, pd.Series):
        return (source + ":" + source_event_id.astype("string")).astype("string")
    return f"{source}:{source_event_id}"


def content_event_id(*parts: object) -> str:
    """A short, stable hash of the given parts, for sources with no event identifier."""
    digest = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode())
    return digest.hexdigest()[:20]


def _as_string(col: pd.Series) -> pd.Series:
    out = col.astype("string")
    return out.str.strip().replace("", pd.NA)


def conform_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns, in order and dtypes.

    Missing optional columns are added as nulls; extra columns are dropped. Values are not
    checked here (see :func:`validate_events`); a value that cannot be converted to its column's
    dtype raises :class:`SchemaError` naming the column.

    Raises
    ------
    SchemaError
        If a required column is missing or a column cannot be converted.
    """
    missing = [c for c in REQUIRED if c not in frame.columns and c not in ("event_id",)]
    if missing:
        raise SchemaError(
            f"Event frame lacks required column(s) {missing}. Required: {list(REQUIRED)}; "
            "see riskmodel.events.EVENT_COLUMNS for the whole schema.",
            column=missing[0],
        )
    out = {}
    for col, dtype in EVENT_DTYPES.items():
        if col in frame.columns:
            src = frame[col]
        elif col == "event_id":
            src = make_event_id(frame["source"].astype("string"), frame["source_event_id"])
        else:
            out[col] = pd.Series(index=frame.index, dtype=_null_dtype(dtype))
            continue
        try:
            out[col] = _convert(src, dtype)
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"Column {col!r} cannot be read as {dtype}: {exc}. Convert it before adding "
                "events, or let validate_events() reject the bad rows.",
                column=col,
            ) from exc
    return pd.DataFrame(out, index=frame.index)


def _null_dtype(dtype: str) -> str:
    return "Int8" if dtype == "int8" else dtype


def _convert(src: pd.Series, dtype: str) -> pd.Series:
    if dtype == "string":
        return _as_string(src)
    if dtype.startswith("datetime64"):
        if src.dtype.kind == "M":
            values = src
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            return values.astype(dtype)
        return pd.to_datetime(src, errors="raise", utc=True).dt.tz_localize(None).astype(dtype)
    if dtype == "int8":
        return pd.to_numeric(src, errors="raise").astype("Int8")
    if dtype == "Int64":
        num = pd.to_numeric(src, errors="raise")
        return num.round().astype("Int64") if num.dtype.kind == "f" else num.astype("Int64")
    return pd.to_numeric(src, errors="raise").astype(dtype)


def _coerce_soft(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[pd.Series, str, str]]]:
    """Convert column by column, turning unconvertible values into nulls and noting them."""
    problems: list[tuple[pd.Series, str, str]] = []
    out = {}
    for col, dtype in EVENT_DTYPES.items():
        if col not in frame.columns:
            if col == "event_id" and "source" in frame.columns and "source_event_id" in frame.columns:
                out[col] = make_event_id(frame["source"].astype("string"),
                                         _as_string(frame["source_event_id"]))
            else:
                out[col] = pd.Series(index=frame.index, dtype=_null_dtype(dtype))
            continue
        src = frame[col]
        try:
            out[col] = _convert(src, dtype)
            continue
        except (TypeError, ValueError, OverflowError):
            pass
        if dtype.startswith("datetime64"):
            conv = pd.to_datetime(src, errors="coerce", utc=True).dt.tz_localize(None)
            expected = "a date (YYYY-MM-DD or a datetime)"
        else:
            conv = pd.to_numeric(src, errors="coerce")
            expected = "a number"
        bad = conv.isna() & src.notna()
        problems.append((bad, col, f"expected {expected}"))
        if dtype.startswith("datetime64"):
            out[col] = conv.astype(dtype)
        elif dtype in ("int8", "Int64"):
            conv = conv.where(~(conv % 1 != 0), np.nan) if conv.dtype.kind == "f" else conv
            out[col] = conv.astype("Int8" if dtype == "int8" else "Int64")
        else:
            out[col] = conv.astype(dtype)
    return pd.DataFrame(out, index=frame.index), problems


def validate_events(frame: pd.DataFrame, *, allow_duplicate_ids: bool = False) -> ValidationResult:
    """Split an event frame into valid rows and rejected rows with reasons.

    Checks, per row: required fields present; ``source`` known; ``cameo_code`` a code of the
    codebook with ``cameo_root`` and ``quad_class`` consistent with it; ``goldstein`` in
    [-10, 10]; states ISO3-shaped; fatalities non-negative with low <= best <= high; latitude in
    [-90, 90] and longitude in [-180, 180]; ``weight`` positive; ``available_at`` not before
    ``date`` minus one day (sources stamp publication by UTC); duplicated ``event_id`` within the
    frame (the first is kept).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in (or convertible to) the canonical schema. Its index labels are reported in the
        ``line`` column of the rejects.
    allow_duplicate_ids : bool, default False
        Keep rows whose ``event_id`` repeats within the frame (the store counts them as
        duplicates instead of rejects).

    Returns
    -------
    ValidationResult
        ``valid`` in canonical dtypes and ``rejects`` (one row per rejected input row, with the
        first failing column, its value and the reason).

    Raises
    ------
    SchemaError
        If a required column is missing altogether (that is a reader bug, not a bad row).
    """
    missing = [c for c in REQUIRED if c not in frame.columns and c != "event_id"]
    if missing:
        raise SchemaError(
            f"Event frame lacks required column(s) {missing}; every reader must produce "
            f"{list(REQUIRED)}. See riskmodel.events.EVENT_COLUMNS.",
            column=missing[0],
        )
    from riskmodel.codes.cameo import cameo_table

    ev, problems = _coerce_soft(frame)
    checks: list[tuple[pd.Series, str, str]] = list(problems)

    for col in REQUIRED:
        checks.append((ev[col].isna(), col, "required value is missing"))
    checks.append((~ev["source"].isin(SOURCES) & ev["source"].notna(), "source",
                   f"unknown source; expected one of {list(SOURCES)}"))
    table = cameo_table()
    code_ok = ev["cameo_code"].isin(table.index)
    checks.append((~code_ok & ev["cameo_code"].notna(), "cameo_code",
                   "not a CAMEO event code of the codebook (codes are strings such as '043')"))
    root_from_code = pd.to_numeric(ev["cameo_code"].str.slice(0, 2), errors="coerce")
    checks.append((code_ok & ev["cameo_root"].notna()
                   & (ev["cameo_root"].astype("Float64") != root_from_code).fillna(False),
                   "cameo_root", "does not match the first two digits of cameo_code"))
    root = ev["cameo_root"].astype("Float64")
    expected_quad = pd.cut(root, bins=[0, 5, 9, 14, 20], labels=[1, 2, 3, 4]).astype("Float64")
    checks.append(((ev["quad_class"].astype("Float64") != expected_quad).fillna(False),
                   "quad_class", "does not match the CAMEO root (roots 1-5:1, 6-9:2, 10-14:3, 15-20:4)"))
    checks.append((~ev["goldstein"].between(-10, 10) & ev["goldstein"].notna(), "goldstein",
                   "Goldstein scores lie in [-10, 10]"))
    for col in ("actor1_state", "actor2_state", "location_state"):
        checks.append((ev[col].notna() & ~ev[col].str.fullmatch(_ISO3).fillna(False), col,
                       "expected an ISO 3166-1 alpha-3 code (three capital letters) or null"))
    for col in ("fatalities", "fatalities_low", "fatalities_high"):
        checks.append(((ev[col] < 0).fillna(False), col, "fatalities cannot be negative"))
    checks.append(((ev["fatalities_low"] > ev["fatalities"]).fillna(False), "fatalities_low",
                   "low estimate above the best estimate"))
    checks.append(((ev["fatalities"] > ev["fatalities_high"]).fillna(False), "fatalities_high",
                   "high estimate below the best estimate"))
    checks.append((~ev["latitude"].between(-90, 90) & ev["latitude"].notna(), "latitude",
                   "latitude must lie in [-90, 90]"))
    checks.append((~ev["longitude"].between(-180, 180) & ev["longitude"].notna(), "longitude",
                   "longitude must lie in [-180, 180]"))
    checks.append(((ev["weight"] <= 0).fillna(False), "weight", "weight must be positive"))
    checks.append((ev["confidence"].notna() & ~ev["confidence"].between(0, 1), "confidence",
                   "confidence must lie in [0, 1]"))
    late = (ev["available_at"] < ev["date"] - pd.Timedelta(days=1)).fillna(False)
    checks.append((late, "available_at", "event known before it happened (available_at < date)"))

    reason = pd.Series(pd.NA, index=ev.index, dtype="string")
    column = pd.Series(pd.NA, index=ev.index, dtype="string")
    for mask, col, why in checks:
        mask = mask.fillna(False).astype(bool).to_numpy()
        take = mask & reason.isna().to_numpy()
        if take.any():
            reason[take] = why
            column[take] = col
    dup = np.zeros(len(ev), dtype=bool) if allow_duplicate_ids else (
        ev["event_id"].duplicated(keep="first").to_numpy() & reason.isna().to_numpy())
    if dup.any():
        reason[dup] = "duplicated event_id within the batch (first occurrence kept)"
        column[dup] = "event_id"

    bad = reason.notna().to_numpy()
    valid = ev.loc[~bad].copy()
    valid["cameo_root"] = valid["cameo_root"].astype("int8")
    valid["quad_class"] = valid["quad_class"].astype("int8")
    if bad.any():
        rej_rows = ev.loc[bad]
        values = []
        for label, col in zip(rej_rows.index, column[bad]):
            v = frame.at[label, col] if col in frame.columns else None
            values.append(None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
        rejects = pd.DataFrame(
            {
                "line": pd.array(_labels_as_lines(rej_rows.index), dtype="Int64"),
                "source_event_id": rej_rows["source_event_id"].astype("string").to_numpy(),
                "column": column[bad].to_numpy(),
                "value": pd.array(values, dtype="string"),
                "reason": reason[bad].to_numpy(),
                "raw": pd.array([pd.NA] * int(bad.sum()), dtype="string"),
            }
        ).astype({"source_event_id": "string", "column": "string", "reason": "string"})
    else:
        rejects = empty_rejects()
    return ValidationResult(valid=valid, rejects=rejects)


def _labels_as_lines(index: pd.Index) -> list[object]:
    out: list[object] = []
    for label in index:
        try:
            out.append(int(label))
        except (TypeError, ValueError):
            out.append(pd.NA)
    return out


def check_events(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate ``frame`` strictly and return it in canonical dtypes.

    Raises
    ------
    SchemaError
        On the first invalid row, naming the column, the row label and the value, e.g.
        ``"Row 3, column 'goldstein': value 12.0 is invalid (Goldstein scores lie in [-10, 10])."``
    """
    result = validate_events(frame)
    if len(result.rejects):
        first = result.rejects.iloc[0]
        row = first["line"]
        raise SchemaError(
            f"Row {row}, column {first['column']!r}: value {first['value']!r} is invalid "
            f"({first['reason']}). {len(result.rejects)} row(s) fail validation; use "
            "riskmodel.events.validate_events() to get them all with reasons.",
            column=str(first["column"]), row=row, value=first["value"],
        )
    return result.valid
