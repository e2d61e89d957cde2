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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

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
    "empty_rejects",
    "ROW_CHECKS",
    "SQL_TYPES",
    "staging_sql",
    "register_codebook",
    "relation_columns",
    "frame_for_duckdb",
    "to_canonical_dtypes",
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


SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "datetime64[s]": "TIMESTAMP",
    "int8": "TINYINT",
    "float64": "DOUBLE",
    "Int64": "BIGINT",
}

_EXPECTED = {
    "TIMESTAMP": "a date (YYYY-MM-DD or a datetime)",
    "DOUBLE": "a number",
    "TINYINT": "an integer",
    "BIGINT": "an integer",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'



def _conversion(col: str, dtype: str, in_type: str | None) -> tuple[str, bool]:
    """SQL for one canonical column, and whether the conversion can fail.

    ``in_type`` is the DuckDB type of the input column (None when absent). Columns that already
    have their canonical type pass through untouched, which keeps bulk loads fast.
    """
    sql_type = SQL_TYPES[dtype]
    if in_type is None:
        return f"CAST(NULL AS {sql_type})", False
    raw = f"r.{_q(col)}"
    if in_type == sql_type:
        return (f"nullif({raw}, '')" if sql_type == "VARCHAR" else raw), False
    if sql_type == "VARCHAR":
        return f"nullif(CAST({raw} AS VARCHAR), '')", False
    text = f"CAST({raw} AS VARCHAR)" if in_type != "VARCHAR" else f"nullif(trim({raw}), '')"
    if sql_type == "TIMESTAMP":
        return f"TRY_CAST({text} AS TIMESTAMP)", True
    if in_type in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                   "USMALLINT", "UINTEGER", "UBIGINT", "DOUBLE", "FLOAT") \
            and sql_type == "DOUBLE":
        return f"CAST({raw} AS DOUBLE)", False
    num = f"TRY_CAST({text} AS DOUBLE)"
    if sql_type == "DOUBLE":
        return f"CASE WHEN isfinite({num}) THEN {num} END", True
    return (f"CASE WHEN {num} = round({num}) AND abs({num}) < 1e15 "
            f"THEN CAST({num} AS {sql_type}) END"), True


#: Row checks of the canonical schema: (column, SQL condition of a bad row, reason). The first
#: failing check names the row's reject. Used by :func:`validate_events` and the event store.
ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    *((c, f"{c} IS NULL", "required value is missing") for c in REQUIRED if c != "event_id"),
    ("event_id", "event_id IS NULL", "required value is missing"),
    ("source", "NOT list_contains([" + ", ".join(f"'{x}'" for x in SOURCES) + "], source)",
     f"unknown source; expected one of {list(SOURCES)}"),
    ("cameo_code", "cameo_code NOT IN (SELECT code FROM _rm_cameo)",
     "not a CAMEO event code of the codebook (codes are strings such as '043')"),
    ("cameo_root", "cameo_root <> TRY_CAST(substr(cameo_code, 1, 2) AS INTEGER)",
     "does not match the first two digits of cameo_code"),
    ("quad_class", "quad_class <> CASE WHEN cameo_root <= 5 THEN 1 WHEN cameo_root <= 9 THEN 2 "
                   "WHEN cameo_root <= 14 THEN 3 ELSE 4 END",
     "does not match the CAMEO root (roots 1-5:1, 6-9:2, 10-14:3, 15-20:4)"),
    ("goldstein", "goldstein NOT BETWEEN -10 AND 10", "Goldstein scores lie in [-10, 10]"),
    *((c, f"NOT regexp_full_match({c}, '[A-Z]{{3}}')",
       "expected an ISO 3166-1 alpha-3 code (three capital letters) or null")
      for c in ("actor1_state", "actor2_state", "location_state")),
    *((c, f"{c} < 0", "fatalities cannot be negative")
      for c in ("fatalities", "fatalities_low", "fatalities_high")),
    ("fatalities_low", "fatalities_low > fatalities", "low estimate above the best estimate"),
    ("fatalities_high", "fatalities > fatalities_high", "high estimate below the best estimate"),
    ("latitude", "latitude NOT BETWEEN -90 AND 90", "latitude must lie in [-90, 90]"),
    ("longitude", "longitude NOT BETWEEN -180 AND 180", "longitude must lie in [-180, 180]"),
    ("weight", "weight <= 0", "weight must be positive"),
    ("confidence", "confidence NOT BETWEEN 0 AND 1", "confidence must lie in [0, 1]"),
    ("available_at", "available_at < date - INTERVAL 1 DAY",
     "event known before it happened (available_at < date)"),
)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def staging_sql(relation: str, columns: dict[str, str], *, line: str | None = None,
                keep: Iterable[str] = ()) -> str:
    """SQL that converts and checks a relation of (possibly untyped) canonical columns.

    The query returns every canonical column in its SQL type plus ``_line`` (from the column
    named by ``line``, else null), ``_column``, ``_reason`` and ``_value``: null for valid
    rows, else the first failing column, the reason and the offending input value. If the
    relation has a column ``_reason`` (a reader's own parse failure, with ``_column`` and
    ``_value``), it takes precedence. The connection must hold the table ``_rm_cameo``
    (see :func:`register_codebook`).

    Parameters
    ----------
    relation : str
        A table, view or registered frame name.
    columns : dict
        Its column names and DuckDB types (as ``DESCRIBE`` gives them).
    line : str, optional
        Column holding the 1-based input line of each row.
    keep : iterable of str
        Further columns of the relation passed through unchanged.
    """
    keep = list(keep)
    parts: list[str] = []
    convertible: list[str] = []
    for col, dtype in EVENT_DTYPES.items():
        if col == "event_id" and col not in columns:
            expr = ("nullif(CAST(r.source AS VARCHAR), '') || ':' || "
                    "nullif(CAST(r.source_event_id AS VARCHAR), '')")
            fails = False
        else:
            expr, fails = _conversion(col, dtype, columns.get(col))
        parts.append(f"{expr} AS {col}")
        if fails:
            convertible.append(col)
            parts.append(f"CAST(r.{_q(col)} AS VARCHAR) AS {_q('_raw_' + col)}")
    prior = "_reason" in columns
    parts += ([f"CAST(r.{c} AS VARCHAR) AS _prior{c}" for c in ("_reason", "_column", "_value")]
              if prior else [])
    line_sql = f"CAST(r.{_q(line)} AS BIGINT)" if line else "CAST(NULL AS BIGINT)"
    kept = [f"r.{_q(k)} AS {_q(k)}" for k in keep]
    conv = ", ".join([f"{line_sql} AS _line", *kept, *parts])

    # Each check once: the index of the first failing check, then its column/reason/value.
    checks: list[tuple[str, str, str | None, str]] = []  # (cond, column, reason, value expr)
    if prior:
        checks.append(("_prior_reason IS NOT NULL", "", None, "_prior_value"))
    for col in convertible:
        checks.append((f"({_q('_raw_' + col)} IS NOT NULL AND trim({_q('_raw_' + col)}) <> ''"
                       f" AND {col} IS NULL)", col,
                       f"expected {_EXPECTED[SQL_TYPES[EVENT_DTYPES[col]]]}",
                       _q("_raw_" + col)))
    for col, cond, why in ROW_CHECKS:
        raw = _q("_raw_" + col) if col in convertible else f"CAST({col} AS VARCHAR)"
        checks.append((cond, col, why, raw))
    which = " ".join(f"WHEN coalesce({cond}, false) THEN {i}"
                     for i, (cond, _, _, _) in enumerate(checks, 1))
    col_list = "[" + ", ".join(("_prior_column" if why is None else _sql_str(col))
                               for _, col, why, _ in checks) + "]"
    reason_list = "[" + ", ".join(("_prior_reason" if why is None else _sql_str(why))
                                  for _, _, why, _ in checks) + "]"
    value_case = " ".join(f"WHEN {i} THEN {val}" for i, (_, _, _, val) in enumerate(checks, 1))
    cols = ", ".join(EVENT_COLUMNS)
    keep_sql = "".join(_q(k) + ", " for k in keep)
    return (
        f"WITH c AS (SELECT {conv} FROM {relation} AS r), "
        f"k AS (SELECT *, CASE {which} END AS _check FROM c) "
        f"SELECT _line, {keep_sql}{cols}, "
        f"CASE WHEN _check IS NOT NULL THEN {col_list}[_check] END AS _column, "
        f"CASE WHEN _check IS NOT NULL THEN {reason_list}[_check] END AS _reason, "
        f"CASE _check {value_case} END AS _value FROM k"
    )


def relation_columns(con: Any, relation: str) -> dict[str, str]:
    """Column names and DuckDB types of a relation on a connection."""
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
    return {r[0]: r[1] for r in rows}


def register_codebook(con: Any) -> None:
    """Create the temporary table ``_rm_cameo`` (the CAMEO codes) on a DuckDB connection."""
    from riskmodel.codes.cameo import cameo_table

    codes = pa.table({"code": pa.array(list(cameo_table().index), pa.string())})
    con.register("_rm_cameo_src", codes)
    con.execute("CREATE OR REPLACE TEMP TABLE _rm_cameo AS SELECT code FROM _rm_cameo_src")
    con.unregister("_rm_cameo_src")


def to_canonical_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast a frame of canonical columns (e.g. fetched from DuckDB) to :data:`EVENT_DTYPES`.

    Columns outside the schema are kept as they are; a frame with no columns gives
    :func:`empty_events`.
    """
    if not len(frame.columns):
        return empty_events()
    out = {}
    for col in frame.columns:
        dtype = EVENT_DTYPES.get(col)
        out[col] = frame[col] if dtype is None else frame[col].astype(dtype)
    return pd.DataFrame(out, index=frame.index)


def validate_events(frame: pd.DataFrame, *, allow_duplicate_ids: bool = False) -> ValidationResult:
    """Split an event frame into valid rows and rejected rows with reasons.

    Checks, per row (:data:`ROW_CHECKS`): values convert to their column's type; required
    fields present; ``source`` known; ``cameo_code`` a code of the codebook with ``cameo_root``
    and ``quad_class`` consistent with it; ``goldstein`` in [-10, 10]; states ISO3-shaped;
    fatalities non-negative with low <= best <= high; latitude in [-90, 90] and longitude in
    [-180, 180]; ``weight`` positive; ``available_at`` not before ``date`` minus one day
    (sources stamp publication in UTC); and ``event_id`` not repeated within the frame (the
    first is kept). The same SQL checks run inside the event store.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in (or convertible to) the canonical schema. Its index labels are reported in the
        ``line`` column of the rejects (readers use the 1-based line in the file).
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
    import duckdb

    missing = [c for c in REQUIRED if c not in frame.columns and c != "event_id"]
    if missing:
        raise SchemaError(
            f"Event frame lacks required column(s) {missing}; every reader must produce "
            f"{list(REQUIRED)}. See riskmodel.events.EVENT_COLUMNS.",
            column=missing[0],
        )
    work = frame_for_duckdb(frame)
    work["_rm_pos"] = np.arange(len(frame), dtype=np.int64)
    con = duckdb.connect()
    try:
        register_codebook(con)
        con.register("_rm_frame", work)
        sql = staging_sql("_rm_frame", relation_columns(con, "_rm_frame"), line="_line",
                          keep=["_rm_pos"])
        staged = con.execute(f"SELECT * FROM ({sql}) ORDER BY _rm_pos").df()
    finally:
        con.close()
    bad = staged["_reason"].notna().to_numpy()
    if not allow_duplicate_ids:
        dup = staged["event_id"].duplicated(keep="first").to_numpy() & ~bad
        if dup.any():
            staged.loc[dup, "_reason"] = "duplicated event_id within the batch (first occurrence kept)"
            staged.loc[dup, "_column"] = "event_id"
            staged.loc[dup, "_value"] = staged.loc[dup, "event_id"]
            bad = bad | dup
    valid = to_canonical_dtypes(staged.loc[~bad, list(EVENT_COLUMNS)])
    valid.index = frame.index[staged.loc[~bad, "_rm_pos"].to_numpy()]
    if bad.any():
        rej = staged.loc[bad]
        rejects = pd.DataFrame({
            "line": pd.array(rej["_line"], dtype="Int64"),
            "source_event_id": pd.array(rej["source_event_id"], dtype="string"),
            "column": pd.array(rej["_column"], dtype="string"),
            "value": pd.array(rej["_value"], dtype="string"),
            "reason": pd.array(rej["_reason"], dtype="string"),
            "raw": pd.array([pd.NA] * len(rej), dtype="string"),
        })
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


def frame_for_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """The schema columns of ``frame`` in plain dtypes DuckDB scans, plus ``_line``.

    ``_line`` comes from a ``_line`` column when the frame has one, else from the index labels
    (readers index rows by their 1-based line in the file). A reader's own ``_reason``,
    ``_column`` and ``_value`` columns are kept.
    """
    present = [c for c in frame.columns
               if c in EVENT_DTYPES or c in ("_reason", "_column", "_value")]
    data = {c: _for_duckdb(frame[c]).reset_index(drop=True) for c in present}
    lines = (frame["_line"].to_numpy() if "_line" in frame.columns
             else _labels_as_lines(frame.index))
    data["_line"] = pd.array(lines, dtype="Int64")
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame)))


def _for_duckdb(col: pd.Series) -> pd.Series:
    """Plain numpy/object columns for DuckDB's pandas scan (extension dtypes vary by version)."""
    if col.dtype.kind in "biufM":
        return col
    if isinstance(col.dtype, pd.StringDtype) or col.dtype == object:
        return col.astype(object).where(col.notna(), None)
    if pd.api.types.is_extension_array_dtype(col.dtype):
        return col.astype(object).where(col.notna(), None)
    return col


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
