"""DuckDB and Dask give the same panel; Dask on a local distributed cluster; Parquet export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_panel_properties import event_frames

from riskmodel.engines import attribute_frame, period_start
from riskmodel.engines.dask_engine import export_parquet
from riskmodel.engines.duckdb_engine import attribution_sql
from riskmodel.engines.testing import synthetic_events, write_synthetic_parquet
from riskmodel.exceptions import ConfigurationError, StoreError
from riskmodel.panel import build_panel

COUNTS = ["n_events", "quad1", "quad2", "quad3", "quad4"] + [f"root{r:02d}" for r in range(1, 21)]


def assert_same_panel(a, b):
    assert a.dyads == b.dyads
    assert a.periods.equals(b.periods)
    pd.testing.assert_frame_equal(a.data[["state_a", "state_b"]], b.data[["state_a", "state_b"]])
    for col in COUNTS + ["volume"]:
        np.testing.assert_array_equal(a.data[col].to_numpy(), b.data[col].to_numpy(), err_msg=col)
    for col in ("goldstein_sum", "goldstein_mean", "goldstein_min", "fatalities", "weight",
                "share"):
        np.testing.assert_allclose(a.data[col].to_numpy(), b.data[col].to_numpy(), rtol=0,
                                   atol=1e-9, err_msg=col)
    for key in ("n_events_in_range", "n_events_attributed", "n_events_deduplicated",
                "n_events_by_source", "start", "end"):
        assert a.meta[key] == b.meta[key], key


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return synthetic_events(8000, days=120, seed=7)


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory, events):
    """The same events as 4 Parquet files (one partition each on Dask)."""
    out = tmp_path_factory.mktemp("events_pq")
    for i, part in enumerate(np.array_split(np.arange(len(events)), 4)):
        events.iloc[part].to_parquet(out / f"part-{i}.parquet", index=False)
    return out


@pytest.fixture(scope="module")
def cluster_client():
    """A 2-worker local cluster (processes), shared by the tests of this module."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


CONFIGS = [
    {"freq": "W"},
    {"freq": "M", "directed": False, "attribution": "territorial", "dedup": "dyad_code_day"},
    {"freq": "D", "attribution": "any", "dedup": "cross_source", "as_of": "2021-03-10",
     "start": "2021-02-01"},
    {"freq": "W", "dyads": ["AFG>PAK", "PAK>AFG", "USA>CHN"], "sources": ["gdelt2"]},
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{v}" for v in c.values()))
def test_duckdb_and_dask_on_a_local_cluster_agree(parquet_dir, cluster_client, config):
    duck = build_panel(parquet_dir, engine="duckdb", **config)
    dask = build_panel(parquet_dir, engine="dask", client=cluster_client, **config)
    assert_same_panel(duck, dask)
    assert dask.meta["engine"] == "dask"
    assert dask.meta["engine_info"]["npartitions"] == 4
    assert dask.meta["engine_info"]["scheduler"].startswith("tcp://")


def test_scheduler_address_from_the_environment(parquet_dir, cluster_client, monkeypatch):
    monkeypatch.setenv("RISKMODEL_DASK_SCHEDULER", cluster_client.scheduler.address)
    panel = build_panel(parquet_dir, engine="dask", freq="M")
    assert panel.meta["engine_info"]["scheduler"] == cluster_client.scheduler.address
    assert_same_panel(build_panel(parquet_dir, freq="M"), panel)


def test_frames_csv_and_threaded_scheduler_agree(events, tmp_path):
    csv = tmp_path / "events.csv"
    events.to_csv(csv, index=False)
    duck = build_panel(events, freq="W", attribution="territorial")
    assert_same_panel(duck, build_panel(events, freq="W", attribution="territorial",
                                        engine="dask", npartitions=3))
    assert_same_panel(duck, build_panel(csv, freq="W", attribution="territorial", engine="dask",
                                        blocksize=200_000))


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # dask's own reader, hive folders
def test_export_parquet_round_trip(events, tmp_path):
    from riskmodel.store import EventStore

    store = EventStore(str(tmp_path / "s.duckdb"))
    store.add(events)
    files = export_parquet(store, tmp_path / "export")
    assert len(files) >= 4  # one partition per month
    assert {f.parent.name for f in files} >= {"month=2021-01", "month=2021-04"}
    from_store = build_panel(store, freq="W")
    from_files = build_panel(tmp_path / "export", freq="W", engine="dask")
    assert_same_panel(from_store, from_files)
    assert_same_panel(from_store, build_panel(store, freq="W", engine="dask"))
    with pytest.raises(ConfigurationError, match="not empty"):
        export_parquet(store, tmp_path / "export")
    with pytest.raises(ConfigurationError, match="Did you mean 'month'"):
        export_parquet(store, tmp_path / "other", partition_by="months")
    store.close()


def test_engine_errors(events, tmp_path):
    with pytest.raises(StoreError, match="holds no events"):
        build_panel(events.iloc[:0], engine="dask")
    with pytest.raises(StoreError, match="No event files"):
        build_panel(tmp_path / "nothing-*.parquet", engine="dask")
    with pytest.raises(ConfigurationError, match="'client'"):
        build_panel(events, client="tcp://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="Unknown option"):
        build_panel(events, threds=2)
    with pytest.raises(ConfigurationError, match="Cannot reach the Dask scheduler"):
        build_panel(events, engine="dask", client="tcp://127.0.0.1:9", connect_timeout="1s")


def test_sql_and_pandas_attribution_agree(events):
    import duckdb

    con = duckdb.connect()
    con.register("ev", events)
    for rule in ("state", "country", "territorial", "any"):
        a_sql, b_sql, in_dyad = attribution_sql(rule)
        got = con.execute(
            f"SELECT event_id, CASE WHEN {in_dyad} THEN {a_sql} END AS a, "
            f"CASE WHEN {in_dyad} THEN {b_sql} END AS b FROM ev ORDER BY event_id").df()
        got = got.set_index("event_id")
        a, b = attribute_frame(events, rule)
        expected = pd.DataFrame({"a": a.to_numpy(), "b": b.to_numpy()},
                                index=events["event_id"].to_numpy()).sort_index()
        assert got["a"].notna().sum() > 100, rule
        assert (got["a"].fillna("") == expected["a"].fillna("").to_numpy()).all(), rule
        assert (got["b"].fillna("") == expected["b"].fillna("").to_numpy()).all(), rule


def test_period_start():
    days = np.array(["2022-03-01", "2022-03-06", "2022-03-07", "2024-02-29"],
                    dtype="datetime64[D]")
    np.testing.assert_array_equal(period_start(days, "W"), np.array(
        ["2022-02-28", "2022-02-28", "2022-03-07", "2024-02-26"], dtype="datetime64[ns]"))
    np.testing.assert_array_equal(period_start(days, "M"), np.array(
        ["2022-03-01", "2022-03-01", "2022-03-01", "2024-02-01"], dtype="datetime64[ns]"))


def test_write_synthetic_parquet(tmp_path):
    files = write_synthetic_parquet(tmp_path, 2500, chunk=1000)
    assert [f.name for f in files] == ["part-00000.parquet", "part-00001.parquet",
                                       "part-00002.parquet"]
    total = sum(len(pd.read_parquet(f)) for f in files)
    assert total == 2500
    assert pd.read_parquet(files[-1])["event_id"].is_unique


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ev=event_frames(), freq=st.sampled_from(["D", "W", "M"]),
       dedup=st.sampled_from(["none", "dyad_code_day", "cross_source"]),
       attribution=st.sampled_from(["state", "country", "territorial", "any"]),
       as_of=st.one_of(st.none(), st.integers(10, 75)))
def test_engines_agree_on_random_events(ev, freq, dedup, attribution, as_of):
    """SQL (DuckDB) and Arrow (Dask, threaded) implement the same rules on any input."""
    kw = {"freq": freq, "dedup": dedup, "attribution": attribution, "start": "2022-01-01",
          "end": "2022-03-31", "dyads": ["AFG>PAK", "PAK>AFG", "PAK>TTP", "IND>UKR"]}
    if as_of is not None:
        kw["as_of"] = pd.Timestamp("2022-01-01") + pd.Timedelta(days=as_of)
    assert_same_panel(build_panel(ev, **kw), build_panel(ev, engine="dask", **kw))
    kw.pop("dyads")
    try:
        duck = build_panel(ev, **kw)
    except StoreError:
        with pytest.raises(StoreError):
            build_panel(ev, engine="dask", **kw)
        return
    assert_same_panel(duck, build_panel(ev, engine="dask", **kw))
