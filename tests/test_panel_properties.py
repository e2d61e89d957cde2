"""Property tests of panel construction (hypothesis)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from riskmodel.engines import STATE_TYPES
from riskmodel.engines.testing import events_from_records
from riskmodel.exceptions import StoreError
from riskmodel.panel import COUNT_COLUMNS, QUAD_COLUMNS, ROOT_COLUMNS, DyadPanel, build_panel

STATES = ["AFG", "PAK", "IND", "UKR"]
CODES = ["010", "042", "057", "061", "111", "130", "173", "190", "195", "203"]
# Each example builds panels (~0.1 s each): no shrinking, to keep the suite fast; a failure
# still prints the falsifying frame.
SETTINGS = settings(max_examples=20, deadline=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


_ROW = st.tuples(
    st.integers(0, 70),                              # day offset
    st.integers(0, 96),                              # reporting delay (hours)
    st.sampled_from(STATES + [None]),                # actor1_state
    st.sampled_from(STATES + [None]),                # actor2_state
    st.sampled_from([None, "GOV", "MIL", "REB"]),    # actor1_type
    st.sampled_from([None, "GOV", "MIL", "REB"]),    # actor2_type
    st.sampled_from([None, "TTP"]),                  # actor2_id
    st.sampled_from(STATES + [None]),                # location_state
    st.sampled_from(CODES),                          # cameo_code
    st.sampled_from(["gdelt2", "icews"]),            # source
    st.sampled_from([None, 0, 3]),                   # fatalities
    st.integers(1, 5),                               # weight
)


@st.composite
def event_frames(draw: st.DrawFn, min_size: int = 1, max_size: int = 40) -> pd.DataFrame:
    rows = draw(st.lists(_ROW, min_size=min_size, max_size=max_size))
    records = []
    for i, (off, delay, s1, s2, t1, t2, id2, loc, code, source, fat, w) in enumerate(rows):
        day = pd.Timestamp("2022-01-01") + pd.Timedelta(days=off)
        records.append({
            "date": day, "available_at": day + pd.Timedelta(hours=delay),
            "actor1_state": s1, "actor2_state": s2, "actor1_type": t1, "actor2_type": t2,
            "actor2_id": id2, "location_state": loc, "cameo_code": code, "source": source,
            "source_event_id": str(i), "fatalities": fat, "weight": float(w),
        })
    return events_from_records(records)


def _state_state(ev: pd.DataFrame) -> pd.Series:
    """Independent check of the 'state' rule, row by row."""
    def is_state(s, t):
        return s is not pd.NA and s is not None and (t is pd.NA or t is None or t in STATE_TYPES)

    out = []
    for r in ev.itertuples():
        out.append(is_state(r.actor1_state, r.actor1_type) and is_state(r.actor2_state,
                                                                          r.actor2_type)
                   and r.actor1_state != r.actor2_state)
    return pd.Series(out, index=ev.index)


@SETTINGS
@given(ev=event_frames(), freq=st.sampled_from(["D", "W", "M"]))
def test_counts_sum_to_events_in_range(ev, freq):
    p = build_panel(ev, freq=freq, start="2022-01-01", end="2022-03-31",
                    dyads=None if _state_state(ev).any() else ["AFG>PAK"])
    assert p.data["n_events"].sum() == int(_state_state(ev).sum())
    assert (p.data[list(QUAD_COLUMNS)].sum(axis=1) == p.data["n_events"]).all()
    assert (p.data[list(ROOT_COLUMNS)].sum(axis=1) == p.data["n_events"]).all()
    assert p.meta["n_events_in_range"] == len(ev)


@SETTINGS
@given(ev=event_frames(), freq=st.sampled_from(["W", "M"]),
       dedup=st.sampled_from(["none", "dyad_code_day", "cross_source"]),
       attribution=st.sampled_from(["state", "country", "territorial", "any"]))
def test_undirected_equals_sum_of_directions(ev, freq, dedup, attribution):
    kw = {"freq": freq, "dedup": dedup, "attribution": attribution,
          "start": "2022-01-01", "end": "2022-03-31"}
    if not _any_dyad(ev, attribution, dedup):
        with pytest.raises(StoreError, match="belongs to a dyad"):
            build_panel(ev, directed=True, **kw)
        return
    d = build_panel(ev, directed=True, **kw)
    u = build_panel(ev, directed=False, **kw)
    for built in (d, u):  # build_panel skips re-validation: its panels pass every check
        checked = DyadPanel(built.data.copy(), freq=built.freq, directed=built.directed,
                            meta=built.meta)
        assert checked.dyads == built.dyads
        pd.testing.assert_index_equal(checked.periods, built.periods)
    flat = d.data.reset_index()
    flat["pair"] = [("-".join(sorted((a, b)))) for a, b in zip(flat["state_a"], flat["state_b"])]
    cols = list(COUNT_COLUMNS) + ["goldstein_sum", "fatalities", "weight"]
    summed = flat.groupby(["pair", "period"])[cols].sum()
    summed.index.names = ["dyad", "period"]
    pd.testing.assert_frame_equal(u.data[cols], summed.loc[u.data.index, cols],
                                  check_dtype=False, check_exact=False, atol=1e-9)
    # the minimum over the directions that had events (empty cells hold 0)
    mins = flat[flat["n_events"] > 0].groupby(["pair", "period"])["goldstein_min"].min()
    has = u.data["n_events"] > 0
    assert ((u.data.loc[has, "goldstein_min"] - mins.loc[u.data.index[has]].to_numpy()).abs()
            < 1e-12).all()


@SETTINGS
@given(ev=event_frames(), extra=st.lists(st.sampled_from(
    ["AFG>IND", "IND>UKR", "UKR>AFG", "PAK>IND"]), max_size=3))
def test_zero_fill_adds_no_events(ev, extra):
    in_range = ev["date"].between("2022-01-03", "2022-03-13")
    base = build_panel(ev, freq="W", start="2022-01-03", end="2022-03-13",
                       dyads=None if _state_state(ev[in_range]).any() else ["AFG>PAK"])
    wider = build_panel(ev, freq="W", start="2022-01-03", end="2022-03-13",
                        dyads=list(base.dyads) + extra)
    assert wider.data["n_events"].sum() == base.data["n_events"].sum()
    pd.testing.assert_frame_equal(wider.data.loc[list(base.dyads)], base.data)
    added = [d for d in wider.dyads if d not in base.dyads]
    if added:
        assert wider.data.loc[added, list(COUNT_COLUMNS)].to_numpy().sum() == 0


@SETTINGS
@given(ev=event_frames(), directed=st.booleans(),
       attribution=st.sampled_from(["state", "country", "territorial", "any"]),
       dedup=st.sampled_from(["none", "dyad_code_day"]))
def test_shares_sum_to_at_most_one_per_period(ev, directed, attribution, dedup):
    dyads = None if _any_dyad(ev, attribution) else ["AFG>PAK" if directed else "AFG-PAK"]
    p = build_panel(ev, freq="W", directed=directed, attribution=attribution, dedup=dedup,
                    dyads=dyads, start="2022-01-01", end="2022-03-31")
    per_period = p.data["share"].groupby(level="period").sum()
    assert (per_period <= 1.0 + 1e-12).all()
    assert (p.data["share"] >= 0).all()


def _any_dyad(ev: pd.DataFrame, attribution: str, dedup: str = "none") -> bool:
    """Whether any event belongs to a dyad (else build_panel refuses an empty panel)."""
    from riskmodel.engines import attribute_frame

    a, b = attribute_frame(ev, attribution)
    return bool(a.notna().any())


@SETTINGS
@given(ev=event_frames(), cut=st.integers(0, 75))
def test_as_of_equals_filtering_by_availability(ev, cut):
    as_of = pd.Timestamp("2022-01-01") + pd.Timedelta(days=cut)
    known = ev[ev["available_at"] <= as_of]
    dyads = ["AFG>PAK", "PAK>AFG", "IND>PAK"]
    a = build_panel(ev, freq="W", as_of=as_of, start="2021-12-27", dyads=dyads)
    b = build_panel(ev.iloc[:0] if known.empty else known, freq="W", start="2021-12-27",
                    end=as_of, dyads=dyads) if not known.empty else None
    assert a.periods[-1] <= as_of
    if b is not None:
        cols = [c for c in a.data.columns if c not in ("volume", "share")]
        pd.testing.assert_frame_equal(a.data[cols], b.data[cols])
    else:
        assert a.data["n_events"].sum() == 0
