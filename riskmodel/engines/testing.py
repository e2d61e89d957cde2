"""Synthetic canonical events for tests and benchmarks of the panel engines.

:func:`synthetic_events` draws events in the canonical schema (:mod:`riskmodel.events`) with the
features the panel rules care about: typed and untyped state actors, non-state actors with and
without a state, events abroad, fatalities, several sources, reporting delays and repeated
reports of the same dyad, code and day. :func:`write_synthetic_parquet` writes many of them as
Parquet files, chunk by chunk, in bounded memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riskmodel.events import EVENT_DTYPES

__all__ = ["synthetic_events", "write_synthetic_parquet", "events_from_records", "DEFAULT_STATES"]

DEFAULT_STATES: tuple[str, ...] = (
    "AFG", "PAK", "IND", "CHN", "RUS", "UKR", "USA", "IRN", "ISR", "PSE", "ARM", "AZE",
    "SYR", "TUR", "GBR", "FRA", "DEU", "SAU", "YEM", "EGY",
)
_TYPES = np.array(["", "", "", "GOV", "MIL", "COP", "REB", "CVL", "MED"], dtype=object)
_GROUPS = np.array(["TTP", "TAL", "ISIS", "HAMAS", "PKK"], dtype=object)


def synthetic_events(n: int, *, start: str = "2021-01-01", days: int = 365,
                     states: tuple[str, ...] = DEFAULT_STATES, seed: int = 0,
                     id_offset: int = 0) -> pd.DataFrame:
    """Draw ``n`` canonical events.

    Parameters
    ----------
    n : int
        Number of events.
    start : str
        First event day.
    days : int
        Number of days the events span.
    states : tuple of str
        ISO3 codes the actors are drawn from (a skewed distribution: the first states are the
        most active).
    seed : int
        Random seed.
    id_offset : int
        Added to the running event number (to make ids unique across chunks).

    Returns
    -------
    pandas.DataFrame
        Canonical columns and dtypes.
    """
    from riskmodel.codes.cameo import cameo_table

    rng = np.random.default_rng(seed)
    table = cameo_table()
    codes = table.index.to_numpy(dtype=object)
    code_idx = rng.integers(0, len(codes), n)
    st = np.asarray(states, dtype=object)
    p = 1.0 / np.arange(1, len(st) + 1)
    p /= p.sum()
    s1 = rng.choice(st, n, p=p)
    s2 = rng.choice(st, n, p=p)
    t1 = rng.choice(_TYPES, n)
    t2 = rng.choice(_TYPES, n)
    # A tenth of actor 2s are non-state groups, half of them without a state.
    group = rng.random(n) < 0.1
    id2 = np.where(group, rng.choice(_GROUPS, n), None)
    t2 = np.where(group, "REB", t2)
    s2 = np.where(group & (rng.random(n) < 0.5), None, s2)
    loc_choice = rng.random(n)
    loc = np.where(loc_choice < 0.6, s1, np.where(loc_choice < 0.9, s2, rng.choice(st, n)))
    loc = np.where(rng.random(n) < 0.05, None, loc)
    day0 = np.datetime64(pd.Timestamp(start).date(), "D")
    date = day0 + rng.integers(0, days, n).astype("timedelta64[D]")
    delay = rng.integers(0, 3 * 24 * 3600, n).astype("timedelta64[s]")
    available = date.astype("datetime64[s]") + delay
    root = table["root"].to_numpy()[code_idx]
    quad = table["quad_class"].to_numpy()[code_idx]
    fat = np.where((quad == 4) & (rng.random(n) < 0.2), rng.integers(0, 30, n), -1)
    source = np.where(rng.random(n) < 0.9, "gdelt2", "acled")
    ids = np.arange(id_offset, id_offset + n).astype(str).astype(object)
    blank = np.array([None] * n, dtype=object)
    frame = pd.DataFrame({
        "event_id": source.astype(object) + ":" + ids,
        "source": source,
        "source_event_id": ids,
        "date": date.astype("datetime64[s]"),
        "available_at": available,
        "actor1_name": s1,
        "actor1_code": s1 + np.where(t1 == "", "", t1).astype(object),
        "actor1_state": s1,
        "actor1_type": np.where(t1 == "", None, t1),
        "actor1_id": blank,
        "actor2_name": np.where(group, id2, s2),
        "actor2_code": np.where(group, id2, s2),
        "actor2_state": s2,
        "actor2_type": np.where(t2 == "", None, t2),
        "actor2_id": id2,
        "cameo_code": codes[code_idx],
        "cameo_root": root.astype("int8"),
        "quad_class": quad.astype("int8"),
        "goldstein": table["goldstein"].to_numpy()[code_idx].astype("float64"),
        "fatalities": pd.array(np.where(fat >= 0, fat, 0), dtype="Int64"),
        "fatalities_low": pd.array([pd.NA] * n, dtype="Int64"),
        "fatalities_high": pd.array([pd.NA] * n, dtype="Int64"),
        "location_state": loc,
        "latitude": np.full(n, np.nan),
        "longitude": np.full(n, np.nan),
        "weight": rng.integers(1, 20, n).astype("float64"),
        "url": blank,
        "quote": blank,
        "quote_start": pd.array([pd.NA] * n, dtype="Int64"),
        "quote_end": pd.array([pd.NA] * n, dtype="Int64"),
        "confidence": np.full(n, np.nan),
        "flags": blank,
    })
    frame.loc[fat < 0, "fatalities"] = pd.NA
    return frame.astype(EVENT_DTYPES)


def write_synthetic_parquet(directory: str | Path, n: int, *, chunk: int = 1_000_000,
                            seed: int = 0, **kwargs: object) -> list[Path]:
    """Write ``n`` synthetic events as Parquet files of ``chunk`` events each.

    Returns
    -------
    list of pathlib.Path
        The files written (``part-00000.parquet``, ...).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    done = 0
    i = 0
    while done < n:
        m = min(chunk, n - done)
        frame = synthetic_events(m, seed=seed + i, id_offset=done, **kwargs)  # type: ignore[arg-type]
        path = out / f"part-{i:05d}.parquet"
        frame.to_parquet(path, index=False)
        paths.append(path)
        done += m
        i += 1
    return paths


def events_from_records(records: list[dict[str, object]]) -> pd.DataFrame:
    """A canonical event frame from a few hand-written records.

    Each record needs ``date`` and ``cameo_code``; everything else has a default (source
    ``"gdelt2"``, ``available_at = date``, root, QuadClass and Goldstein from the CAMEO table,
    weight 1, a running ``source_event_id``).
    """
    from riskmodel.codes.cameo import cameo_table
    from riskmodel.events import conform_events

    table = cameo_table()
    rows = []
    for i, rec in enumerate(records):
        row = dict(rec)
        code = str(row["cameo_code"])
        row.setdefault("source", "gdelt2")
        row.setdefault("source_event_id", str(i + 1))
        row.setdefault("available_at", row["date"])
        row.setdefault("cameo_root", int(table.at[code, "root"]))
        row.setdefault("quad_class", int(table.at[code, "quad_class"]))
        row.setdefault("goldstein", float(table.at[code, "goldstein"]))
        row.setdefault("weight", 1.0)
        rows.append(row)
    if not rows:
        return conform_events(pd.DataFrame(columns=["source", "source_event_id", "date",
                                                    "available_at", "cameo_code", "cameo_root",
                                                    "quad_class", "goldstein", "weight"]))
    return conform_events(pd.DataFrame(rows))
