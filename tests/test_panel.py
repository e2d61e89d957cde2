"""Dyad panels from hand-written events: attribution, deduplication, zero-fill, as_of, errors."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskmodel.engines.testing import events_from_records, synthetic_events
from riskmodel.exceptions import ConfigurationError, SchemaError, StoreError
from riskmodel.panel import PANEL_COLUMNS, DyadPanel, build_panel, period_range


def rec(date, a1, a2, code, **kw):
    return {"date": date, "actor1_state": a1, "actor2_state": a2, "cameo_code": code, **kw}


@pytest.fixture()
def seed_events() -> pd.DataFrame:
    """PAK forces striking the TTP in AFG, a PAK-AFG exchange, and unrelated events."""
    return events_from_records([
        # 2022-03-01 (Tuesday), week of 2022-02-28
        rec("2022-03-01", "PAK", None, "195", actor1_type="MIL", actor2_id="TTP",
            actor2_name="TEHRIK-I-TALIBAN", actor2_type="REB", location_state="AFG",
            fatalities=7),
        rec("2022-03-01", "PAK", "PAK", "190", actor1_type="MIL", actor2_type="REB",
            location_state="AFG"),
        # PAK forces against a group coded as plain "PAK" (no role), in AFG
        rec("2022-03-01", "PAK", "PAK", "193", actor1_type="MIL", location_state="AFG"),
        rec("2022-03-02", "AFG", "PAK", "111", actor1_type="GOV"),
        rec("2022-03-02", "AFG", "PAK", "111", actor1_type="GOV", weight=3.0),
        rec("2022-03-02", "PAK", "AFG", "042", source="icews", source_event_id="x1"),
        rec("2022-03-03", "PAK", "AFG", "042", actor2_type="CVL"),  # civilians: not a state actor
        rec("2022-03-03", "USA", "USA", "040"),  # domestic: volume only
        # 2022-03-15, week of 2022-03-14 (the week of 2022-03-07 is empty)
        rec("2022-03-15", "IND", "PAK", "173", available_at="2022-03-20"),
        rec("2022-03-15", "PAK", "IND", "010"),
    ])


def test_state_attribution_counts(seed_events):
    p = build_panel(seed_events, freq="W")
    assert p.dyads == ("AFG>PAK", "IND>PAK", "PAK>AFG", "PAK>IND")
    assert list(p.periods) == list(pd.to_datetime(["2022-02-28", "2022-03-07", "2022-03-14"]))
    d = p.data
    assert d.loc[("AFG>PAK", "2022-02-28"), "n_events"] == 2
    assert d.loc[("AFG>PAK", "2022-02-28"), "quad3"] == 2
    assert d.loc[("AFG>PAK", "2022-02-28"), "root11"] == 2
    assert d.loc[("AFG>PAK", "2022-02-28"), "weight"] == 4.0
    # PAK>AFG: only the untyped icews event (the MIL strike on TTP is not state-state).
    assert d.loc[("PAK>AFG", "2022-02-28"), "n_events"] == 1
    assert d.loc[("PAK>AFG", "2022-02-28"), "fatalities"] == 0
    # zero-filled empty week
    assert (d.xs(pd.Timestamp("2022-03-07"), level="period")["n_events"] == 0).all()
    assert list(d.columns) == list(PANEL_COLUMNS)
    assert not d.isna().any().any()
    # the volume counts every event of the period, the domestic one too
    assert d.loc[("AFG>PAK", "2022-02-28"), "volume"] == 8
    assert d.loc[("AFG>PAK", "2022-02-28"), "share"] == pytest.approx(2 / 8)
    assert p.meta["n_events_in_range"] == 10
    assert p.meta["n_events_by_source"] == {"gdelt2": 9, "icews": 1}


def test_territorial_attribution_counts_strikes_against_the_territory(seed_events):
    p = build_panel(seed_events, freq="W", attribution="territorial")
    row = p.data.loc[("PAK>AFG", "2022-02-28")]
    # state-state icews event + strike on TTP in AFG + PAK forces vs PAK-coded rebels in AFG
    # + PAK forces vs an untyped PAK-coded actor in AFG
    assert row["n_events"] == 4
    assert row["quad4"] == 3
    assert row["fatalities"] == 7
    assert row["goldstein_min"] == -10.0
    assert p.meta["attribution"] == "territorial"


def test_any_attribution_keeps_non_state_sides(seed_events):
    p = build_panel(seed_events, freq="W", attribution="any")
    assert "PAK>TTP" in p.dyads
    assert p.data.loc[("PAK>TTP", "2022-02-28"), "n_events"] == 1
    # the Afghan civilians are a non-state side with no id, name or code: no dyad
    assert p.data.loc[("PAK>AFG", "2022-02-28"), "n_events"] == 1


def test_country_attribution_follows_gdelt_country_codes(seed_events):
    p = build_panel(seed_events, freq="W", attribution="country")
    # the event against Afghan civilians counts as PAK>AFG; the PAK forces vs PAK-coded rebels
    # and the strike on the TTP (no state) do not
    assert p.data.loc[("PAK>AFG", "2022-02-28"), "n_events"] == 2
    assert p.dyads == ("AFG>PAK", "IND>PAK", "PAK>AFG", "PAK>IND")


def test_dedup_rules(seed_events):
    none = build_panel(seed_events, freq="D", dyads=["AFG>PAK"])
    code_day = build_panel(seed_events, freq="D", dyads=["AFG>PAK"], dedup="dyad_code_day")
    assert none.data.loc[("AFG>PAK", "2022-03-02"), "n_events"] == 2
    assert code_day.data.loc[("AFG>PAK", "2022-03-02"), "n_events"] == 1
    # the kept event carries all the evidence
    assert code_day.data.loc[("AFG>PAK", "2022-03-02"), "weight"] == 4.0
    assert code_day.meta["dedup"] == "dyad_code_day"
    assert code_day.meta["n_events_attributed"] - code_day.meta["n_events_deduplicated"] == 1


def test_cross_source_collapses_sources():
    ev = events_from_records([
        rec("2022-01-03", "RUS", "UKR", "190", source="gdelt2"),
        rec("2022-01-03", "RUS", "UKR", "193", source="icews", source_event_id="i1"),
        rec("2022-01-03", "RUS", "UKR", "190", source="acled", source_event_id="a1",
            fatalities=4),
        rec("2022-01-04", "RUS", "UKR", "190", source="acled", source_event_id="a2"),
    ])
    p = build_panel(ev, freq="W", dedup="cross_source")
    row = p.data.loc[("RUS>UKR", "2022-01-03")]
    assert row["n_events"] == 2  # one per day and root
    assert row["fatalities"] == 4  # the group's maximum
    assert build_panel(ev, freq="W", dedup="dyad_code_day").data.loc[
        ("RUS>UKR", "2022-01-03"), "n_events"] == 3


def test_undirected_labels_and_sum(seed_events):
    d = build_panel(seed_events, freq="W")
    u = build_panel(seed_events, freq="W", directed=False)
    assert u.dyads == ("AFG-PAK", "IND-PAK")
    for col in ("n_events", "quad3", "weight"):
        total = d.series(col, "AFG>PAK") + d.series(col, "PAK>AFG")
        pd.testing.assert_series_equal(u.series(col, "AFG-PAK"), total, check_names=False)
    assert u.reverse("AFG-PAK") == "AFG-PAK"
    assert d.reverse("AFG>PAK") == "PAK>AFG"


def test_declared_dyads_and_range_zero_fill(seed_events):
    p = build_panel(seed_events, freq="M", dyads=["RUS>UKR", ("PAK", "AFG")],
                    start="2022-01-15", end="2022-04-30")
    assert p.dyads == ("PAK>AFG", "RUS>UKR")
    assert list(p.periods) == list(pd.date_range("2022-01-01", "2022-04-01", freq="MS"))
    assert p.data.loc["RUS>UKR", "n_events"].sum() == 0
    assert p.meta["dyads_declared"] is True
    assert p.meta["last_period_complete"] is True


def test_as_of_drops_late_events_and_bounds_the_range(seed_events):
    p = build_panel(seed_events, freq="W", as_of="2022-03-16")
    # the IND>PAK event of 03-15 became known on 03-20
    assert "IND>PAK" not in p.dyads
    assert p.periods[-1] == pd.Timestamp("2022-03-14")
    assert p.meta["end"] == pd.Timestamp("2022-03-16")
    assert p.meta["last_period_complete"] is False
    later = build_panel(seed_events, freq="W", as_of="2022-03-21")
    assert later.data.loc[("IND>PAK", "2022-03-14"), "quad4"] == 1


def test_end_never_reads_later_events(seed_events):
    p = build_panel(seed_events, freq="W", end="2022-03-10")
    assert p.dyads == ("AFG>PAK", "PAK>AFG")
    assert p.periods[-1] == pd.Timestamp("2022-03-07")


def test_sources_filter_restricts_volume(seed_events):
    p = build_panel(seed_events, freq="W", sources=["icews"])
    assert p.dyads == ("PAK>AFG",)
    assert p.data["volume"].max() == 1


def test_normalize_false_drops_volume(seed_events):
    p = build_panel(seed_events, freq="W", normalize=False)
    assert "volume" not in p.data.columns and "share" not in p.data.columns
    with pytest.raises(ConfigurationError):
        p.volume  # noqa: B018


def test_duckdb_connection_and_store_sources(seed_events, tmp_path):
    con = duckdb.connect()
    con.register("frame", seed_events)
    con.execute("CREATE TABLE events AS SELECT * FROM frame")
    a = build_panel(con, freq="W")
    b = build_panel(seed_events, freq="W")
    pd.testing.assert_frame_equal(a.data, b.data)
    from riskmodel.store import EventStore

    store = EventStore(str(tmp_path / "s.duckdb"))
    store.add(seed_events)
    c = build_panel(store, freq="W", attribution="territorial")
    d = build_panel(seed_events, freq="W", attribution="territorial")
    pd.testing.assert_frame_equal(c.data, d.data)
    assert c.meta["engine"] == "duckdb"
    store.close()


def test_parquet_and_csv_files(tmp_path):
    ev = synthetic_events(3000, days=40, seed=3)
    ev.to_parquet(tmp_path / "a.parquet", index=False)
    ev.to_csv(tmp_path / "a.csv", index=False)
    from_frame = build_panel(ev, freq="W")
    from_pq = build_panel(tmp_path / "a.parquet", freq="W")
    from_csv = build_panel(str(tmp_path / "a.csv"), freq="W")
    pd.testing.assert_frame_equal(from_frame.data, from_pq.data)
    pd.testing.assert_frame_equal(from_frame.data, from_csv.data)


@pytest.mark.parametrize("kwargs, match", [
    ({"freq": "Q"}, "'freq'.*Did you mean"),
    ({"freq": "week"}, "'freq'"),
    ({"dedup": "dyad_code_days"}, "Did you mean 'dyad_code_day'"),
    ({"attribution": "territory"}, "Did you mean 'territorial'"),
    ({"engine": "duckb"}, "Did you mean 'duckdb'"),
    ({"start": "not a date"}, "'start'"),
    ({"start": "2022-04-01", "end": "2022-03-01"}, "after"),
    ({"dyads": ["AFG-PAK"]}, "looks undirected"),
    ({"sources": ["gdelt"]}, "Did you mean"),
])
def test_bad_configuration(seed_events, kwargs, match):
    with pytest.raises(ConfigurationError, match=match):
        build_panel(seed_events, **kwargs)


def test_empty_store_and_empty_range(tmp_path, seed_events):
    from riskmodel.store import EventStore

    store = EventStore(str(tmp_path / "empty.duckdb"))
    with pytest.raises(StoreError, match="holds no events"):
        build_panel(store)
    with pytest.raises(StoreError, match="holds no events"):
        build_panel(seed_events.iloc[:0])
    store.close()
    with pytest.raises(StoreError, match="No events match"):
        build_panel(seed_events, start="2030-01-01")
    # a declared, all-zero panel is fine when the range is given
    p = build_panel(seed_events, dyads=["AFG>PAK"], start="2030-01-01", end="2030-01-31")
    assert p.data["n_events"].sum() == 0 and len(p.periods) == 5
    with pytest.raises(StoreError, match="no 'events' table"):
        build_panel(duckdb.connect())


def test_dyad_panel_validation(seed_events):
    p = build_panel(seed_events, freq="W")
    with pytest.raises(SchemaError, match="MultiIndex"):
        DyadPanel(p.data.reset_index(), freq="W", directed=True)
    with pytest.raises(SchemaError, match="balanced"):
        DyadPanel(p.data.iloc[1:], freq="W", directed=True)
    bad = p.data.copy()
    bad.iloc[0, bad.columns.get_loc("quad4")] = np.nan
    with pytest.raises(SchemaError, match="missing values"):
        DyadPanel(bad, freq="W", directed=True)
    with pytest.raises(SchemaError, match="period starts"):
        DyadPanel(p.data, freq="M", directed=True)
    with pytest.raises(SchemaError, match="does not match"):
        DyadPanel(p.data, freq="W", directed=False)
    with pytest.raises(ConfigurationError, match="Did you mean 'W'"):
        DyadPanel(p.data, freq="w", directed=True)


def test_panel_helpers(seed_events):
    p = build_panel(seed_events, freq="W")
    s = p.series("quad3", "AFG>PAK")
    assert list(s) == [2, 0, 0] and s.index.equals(p.periods)
    with pytest.raises(KeyError, match="Did you mean 'quad3'"):
        p.series("quad33", "AFG>PAK")
    t = p.truncate("2022-03-07")
    assert list(t.periods) == list(p.periods[:2])
    assert t.meta["truncated_at"] == pd.Timestamp("2022-03-07")
    flat = p.to_frame()
    assert {"dyad", "period"} <= set(flat.columns) and len(flat) == len(p.data)
    assert "4 directed dyads x 3 periods" in repr(p)
    assert p.select(["AFG>PAK"]).dyads == ("AFG>PAK",)


def test_period_range_conventions():
    assert list(period_range("2022-03-02", "2022-03-14", "W")) == list(
        pd.to_datetime(["2022-02-28", "2022-03-07", "2022-03-14"]))
    assert list(period_range("2022-01-31", "2022-03-01", "M")) == list(
        pd.to_datetime(["2022-01-01", "2022-02-01", "2022-03-01"]))
    assert len(period_range("2022-01-31", "2022-02-02", "D")) == 3


def test_partial_periods_and_engine_options(seed_events, tmp_path):
    p = build_panel(seed_events, freq="M", start="2022-03-02", end="2022-03-31")
    assert p.meta["first_period_complete"] is False and p.meta["last_period_complete"] is True
    assert p.periods[0] == pd.Timestamp("2022-03-01")
    q = build_panel(seed_events, freq="W")  # default start: the first event day cuts nothing
    assert q.meta["first_period_complete"] is True
    seed_events.to_parquet(tmp_path / "ev.parquet", index=False)
    r = build_panel(tmp_path / "ev.parquet", freq="W", threads=1, memory_limit="256MB")
    pd.testing.assert_frame_equal(r.data, q.data)
