"""The SYNTHETIC world simulator: determinism, GDELT 2.0 layout, ground truth, reader round trip."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel.codes.cameo import cameo_table
from riskmodel.datasets import (
    DEFAULT_SEED,
    DEFAULT_WORLD,
    EPISODE_KINDS,
    GDELT2_EXPORT_COLUMNS,
    GROUND_TRUTH_COLUMNS,
    default_world_path,
    load_ground_truth,
    load_world,
    simulate_episodes,
    simulate_world,
)
from riskmodel.exceptions import ConfigurationError

START, END = "2021-01-01", "2022-06-30"


def _read_raw(files: list[Path]) -> pd.DataFrame:
    frames = [pd.read_csv(f, sep="\t", header=None, dtype=str, keep_default_na=False,
                          quoting=3) for f in files]
    raw = pd.concat(frames, ignore_index=True)
    raw.columns = list(GDELT2_EXPORT_COLUMNS)
    return raw


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    return simulate_world(tmp_path_factory.mktemp("world"), start=START, end=END)


@pytest.fixture(scope="module")
def raw(world) -> pd.DataFrame:
    return _read_raw(world.files)


def _digest(files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = simulate_world(tmp_path / "a", start="2020-01-01", end="2020-03-31", seed=5)
    b = simulate_world(tmp_path / "b", start="2020-01-01", end="2020-03-31", seed=5)
    c = simulate_world(tmp_path / "c", start="2020-01-01", end="2020-03-31", seed=6)
    assert _digest(a.files) == _digest(b.files)
    assert (tmp_path / "a" / "ground_truth.csv").read_bytes() == \
        (tmp_path / "b" / "ground_truth.csv").read_bytes()
    assert _digest(a.files) != _digest(c.files)


def test_default_world_parameters_are_frozen_and_large_enough() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_WORLD.volume_growth = 2.0  # type: ignore[misc]
    assert len(DEFAULT_WORLD.pairs) >= 30
    span = pd.Timestamp(DEFAULT_WORLD.end) - pd.Timestamp(DEFAULT_WORLD.start)
    assert span.days >= 8 * 365
    pairs = {tuple(sorted((p.a, p.b))) for p in DEFAULT_WORLD.pairs}
    assert ("AFG", "PAK") in pairs
    assert len(pairs) == len(DEFAULT_WORLD.pairs)  # no pair twice
    assert all(abs(sum(m) - 1) < 1e-9 for m in DEFAULT_WORLD.quad_mix)


def test_default_episodes_cover_the_span_and_include_strikes() -> None:
    gt = simulate_episodes(DEFAULT_WORLD, DEFAULT_SEED)
    assert list(gt.columns) == list(GROUND_TRUTH_COLUMNS)
    assert set(gt["kind"]) == set(EPISODE_KINDS)
    assert (gt["start"] <= gt["end"]).all()
    strikes = gt[gt["kind"] == "cross_border_strike"]
    assert len(strikes) >= 5
    assert set(strikes["initiator"]) == {"PAK"} and set(strikes["target"]) == {"AFG"}
    # More militant-attack waves per year after the regime change than before.
    attacks = gt[gt["kind"] == "militant_attack"]
    change = pd.Timestamp(DEFAULT_WORLD.regime_change)
    before = (attacks["start"] < change).sum() / ((change - pd.Timestamp("2016-01-01")).days)
    after = (attacks["start"] >= change).sum() / ((pd.Timestamp("2024-06-30") - change).days)
    assert after > before


def test_layout_is_gdelt2(world, raw: pd.DataFrame) -> None:
    for f in world.files:
        assert f.name.startswith("SYNTHETIC_") and f.name.endswith(".export.CSV")
        assert len(f.stem.split("_")[1].split(".")[0]) == 14
        first = f.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.count("\t") == 60
        assert not first.startswith("GLOBALEVENTID")  # no header
    assert len(raw) == world.n_events > 50_000
    ids = raw["GLOBALEVENTID"].astype(np.int64)
    assert ids.is_unique and ids.is_monotonic_increasing
    added = raw["DATEADDED"].astype(np.int64)
    assert added.is_monotonic_increasing
    # DATEADDED lags SQLDATE by 0-2 days and sits on a 15-minute mark.
    day = pd.to_datetime(raw["SQLDATE"], format="%Y%m%d")
    when = pd.to_datetime(raw["DATEADDED"], format="%Y%m%d%H%M%S")
    lag = (when.dt.normalize() - day).dt.days
    assert lag.between(0, 2).all() and set(lag.unique()) == {0, 1, 2}
    assert (when.dt.minute % 15 == 0).all() and (when.dt.second == 0).all()
    assert (raw["MonthYear"] == raw["SQLDATE"].str[:6]).all()
    assert (raw["Year"] == raw["SQLDATE"].str[:4]).all()
    # CAMEO codes as zero-padded strings; QuadClass and Goldstein from the codebook.
    table = cameo_table()
    table = table[~table.index.duplicated()]
    assert raw["EventCode"].isin(table.index).all()
    assert (raw["EventBaseCode"] == raw["EventCode"].str[:3]).all()
    assert (raw["EventRootCode"] == raw["EventCode"].str[:2]).all()
    assert raw["EventCode"].str.startswith("0").any()
    look = table.reindex(raw["EventCode"])
    assert (raw["QuadClass"].astype(int).to_numpy() == look["quad_class"].to_numpy()).all()
    assert np.allclose(raw["GoldsteinScale"].astype(float), look["goldstein"])
    # Mentions >= articles >= sources >= 1.
    m, s, a = (raw[c].astype(int) for c in ("NumMentions", "NumSources", "NumArticles"))
    assert (s >= 1).all() and (a >= s).all() and (m >= a).all()
    # Actors: CAMEO country code + role; geography in FIPS 10-4.
    assert (raw["Actor1Code"].str[:3] == raw["Actor1CountryCode"]).all()
    fips = {s.iso3: s.fips for s in DEFAULT_WORLD.states}
    assert (raw["Actor1Geo_CountryCode"] == raw["Actor1CountryCode"].map(fips)).all()
    assert fips["PAK"] == "PK" and fips["AFG"] == "AF" and fips["DEU"] == "GM"
    assert set(raw["ActionGeo_CountryCode"]) <= set(fips.values())
    one_sided = raw["Actor2Code"] == ""
    assert 0 < one_sided.mean() < 0.3
    assert (raw.loc[one_sided, "Actor2Geo_Type"] == "0").all()
    # Labelled synthetic everywhere.
    assert raw["SOURCEURL"].str.startswith("https://synthetic.example.org/").all()
    assert raw["SOURCEURL"].str.endswith("-synthetic.html").all()
    assert "SYNTHETIC" in (world.path / "README.txt").read_text()
    meta = json.loads((world.path / "world.json").read_text())
    assert meta["synthetic"] is True and meta["n_events"] == len(raw)


def test_volume_grows_over_time(raw: pd.DataFrame) -> None:
    month = raw["SQLDATE"].str[:6]
    per_month = month.value_counts().sort_index()
    first, last = per_month.iloc[1:4].mean(), per_month.iloc[-4:-1].mean()
    assert last > first * 1.05


def _dyad_day_quad4(raw: pd.DataFrame) -> pd.DataFrame:
    r = raw[(raw["Actor2CountryCode"] != "") & (raw["QuadClass"] == "4")]
    a, b = r["Actor1CountryCode"], r["Actor2CountryCode"]
    dyad = np.where(a < b, a + "-" + b, b + "-" + a)
    day = pd.to_datetime(r["SQLDATE"], format="%Y%m%d")
    return pd.DataFrame({"dyad": dyad, "day": day}).value_counts().rename("n").reset_index()


def test_escalations_have_far_more_material_conflict_than_quiet_times(world, raw) -> None:
    gt = world.ground_truth
    counts = _dyad_day_quad4(raw)
    days = pd.date_range(START, END, freq="D")
    pairs = sorted({"-".join(sorted((p.a, p.b))) for p in DEFAULT_WORLD.pairs})
    grid = pd.DataFrame(0.0, index=days, columns=pairs)
    piv = counts.pivot_table(index="day", columns="dyad", values="n", aggfunc="sum")
    piv = piv.reindex(index=days, columns=pairs).fillna(0.0)
    grid += piv
    in_esc = pd.DataFrame(False, index=days, columns=pairs)
    in_quiet = in_esc.copy()
    near = in_esc.copy()
    for ep in gt.itertuples():
        if ep.dyad not in pairs:
            continue
        if ep.kind == "escalation":
            in_esc.loc[ep.start:ep.end, ep.dyad] = True
            near.loc[ep.precursor_start:ep.end + pd.Timedelta(days=7), ep.dyad] = True
        elif ep.kind == "quiet":
            in_quiet.loc[ep.start:ep.end, ep.dyad] = True
        else:
            near.loc[ep.start:ep.end + pd.Timedelta(days=5), "AFG-PAK"] = True
    assert in_esc.to_numpy().sum() > 100 and in_quiet.to_numpy().sum() > 100
    esc_rate = grid.to_numpy()[in_esc.to_numpy()].mean()
    quiet_rate = grid.to_numpy()[in_quiet.to_numpy()].mean()
    calm = ~(in_esc | in_quiet | near).to_numpy()
    calm_rate = grid.to_numpy()[calm].mean()
    assert esc_rate > 20 * max(calm_rate, 1e-3)
    assert quiet_rate < calm_rate
    # Escalations are rare: most dyad-weeks outside episodes have no material conflict at all.
    weekly = grid.where(calm).resample("W-MON").sum(min_count=7)
    assert (weekly.stack() == 0).mean() > 0.6


def test_pakistan_strikes_follow_militant_attacks(world, raw) -> None:
    gt = world.ground_truth
    attacks = gt[gt["kind"] == "militant_attack"].set_index("episode_id")
    strikes = gt[gt["kind"] == "cross_border_strike"]
    assert len(attacks) >= 3 and len(strikes) >= 1
    lo, hi = DEFAULT_WORLD.strike_lag_days
    for s in strikes.itertuples():
        cause = attacks.loc[s.cause]
        gap = (s.start - cause["end"]).days
        assert lo <= gap <= hi
    day = pd.to_datetime(raw["SQLDATE"], format="%Y%m%d")
    # TTP attacks in Pakistan: CAMEO 18x/19x by PAKREB (or AFGREB) against Pakistani targets.
    ttp = raw[(raw["Actor1Code"].isin(["PAKREB", "AFGREB"]))]
    assert len(ttp) > 20
    assert ttp["EventRootCode"].isin(["18", "19"]).all()
    assert (ttp["Actor2CountryCode"] == "PAK").all()
    assert ttp["Actor1Name"].str.contains("TALIBAN").any()
    assert (ttp["ActionGeo_CountryCode"] == "PK").all()
    # Every PAK->AFG air strike (CAMEO 195) falls inside a strike episode that answers an attack.
    air = raw[(raw["Actor1CountryCode"] == "PAK") & (raw["Actor2CountryCode"] == "AFG")
              & (raw["EventCode"] == "195")]
    assert len(air) >= len(strikes)
    air_days = day[air.index]
    inside = np.zeros(len(air), dtype=bool)
    for s in strikes.itertuples():
        inside |= ((air_days >= s.start) & (air_days <= s.end)).to_numpy()
    assert inside.all()
    assert (air["Actor1Code"] == "PAKMIL").all()
    assert (air["ActionGeo_CountryCode"] == "AF").all()
    assert (air["ActionGeo_Type"] == "4").all()
    # Outside strike episodes Pakistan never bombs Afghanistan.
    assert not ((raw["Actor1CountryCode"] == "PAK") & (raw["Actor2CountryCode"] == "AFG")
                & (raw["EventCode"] == "195")).loc[~raw.index.isin(air.index)].any()


def test_ingests_through_the_gdelt2_reader_without_rejects(world, tmp_path: Path) -> None:
    from riskmodel.store import EventStore

    files = world.files[:3]
    n_rows = sum(len(f.read_bytes().splitlines()) for f in files)
    with EventStore(tmp_path / "store.duckdb") as store:
        report = store.ingest("gdelt2", [str(f) for f in files])
        counts = report.counts()
        assert counts["read"] == n_rows
        assert counts["rejected"] == 0 and counts["stored"] == n_rows
        valid = store.events()
    assert len(valid) == n_rows
    assert valid["source"].eq("gdelt2").all()
    assert valid["actor1_state"].notna().all()
    assert (valid["available_at"] >= valid["date"]).all()
    assert set(valid["location_state"].dropna()) <= {s.iso3 for s in DEFAULT_WORLD.states}
    assert valid["url"].str.contains("synthetic").all()


def test_load_world_and_ground_truth_round_trip(world) -> None:
    again = load_world(world.path)
    assert again.n_events == world.n_events
    assert [p.name for p in again.files] == [p.name for p in world.files]
    assert again.params == world.params
    gt = load_ground_truth(world.path / "ground_truth.csv")
    pd.testing.assert_frame_equal(gt, world.ground_truth)


def test_bad_configuration_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="monthly"):
        simulate_world(tmp_path, files="montly")
    with pytest.raises(ConfigurationError, match="before start"):
        simulate_world(tmp_path, start="2020-01-01", end="2019-01-01")
    bad = dataclasses.replace(DEFAULT_WORLD, pairs=DEFAULT_WORLD.pairs + (
        dataclasses.replace(DEFAULT_WORLD.pairs[0], a="XXX"),))
    with pytest.raises(ConfigurationError, match="XXX"):
        simulate_episodes(bad)
    with pytest.raises(FileNotFoundError, match="riskmodel simulate"):
        load_ground_truth(tmp_path / "nowhere")


def test_default_world_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RISKMODEL_DATA", str(tmp_path))
    assert default_world_path() == tmp_path / "synthetic_default_world"
    assert default_world_path(tmp_path / "x") == tmp_path / "x" / "synthetic_default_world"


def test_cli_simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    code = main(["simulate", "--dest", str(tmp_path / "w"), "--start", "2020-01-01",
                 "--end", "2020-02-15", "--seed", "3", "--files", "daily"])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["synthetic"] is True and out["n_events"] > 0
    files = sorted((tmp_path / "w" / "gdelt2").glob("SYNTHETIC_*.export.CSV"))
    assert len(files) == out["n_files"] >= 46  # one per DATEADDED day


def test_load_default_world_generates_once_and_reuses(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    import riskmodel.datasets as ds

    small = dataclasses.replace(DEFAULT_WORLD, start="2020-01-01", end="2020-02-29")
    monkeypatch.setattr(ds, "DEFAULT_WORLD", small)
    first = ds.load_default_world(tmp_path)
    assert first.path == tmp_path / "synthetic_default_world"
    stamp = first.files[0].stat().st_mtime_ns
    again = ds.load_default_world(tmp_path)
    assert again.n_events == first.n_events
    assert again.files[0].stat().st_mtime_ns == stamp  # reused, not regenerated
    # Different parameters make the stored world stale: it is simulated again.
    monkeypatch.setattr(ds, "DEFAULT_WORLD", dataclasses.replace(small, end="2020-01-31"))
    third = ds.load_default_world(tmp_path)
    assert third.n_events < first.n_events


def test_episode_indicator_marks_episode_weeks(world) -> None:
    from riskmodel.datasets import episode_indicator

    gt = world.ground_truth
    ind = episode_indicator(gt, freq="W", directed=True)
    assert list(ind.index.names) == ["dyad", "period"]
    assert set(np.unique(ind.to_numpy())) <= {0.0, 1.0}
    periods = ind.index.get_level_values("period")
    assert (periods.day_of_week == 0).all()
    strike = gt[gt["kind"] == "cross_border_strike"].iloc[0]
    week = strike["start"] - pd.Timedelta(days=strike["start"].day_of_week)
    assert ind.loc[("PAK>AFG", week)] == 1.0
    assert "AFG>PAK" not in ind.index.get_level_values("dyad") or \
        ind.loc[("AFG>PAK", week)] in (0.0, 1.0)
    esc = gt[gt["kind"] == "escalation"].iloc[0]
    wk = esc["start"] - pd.Timedelta(days=esc["start"].day_of_week)
    assert ind.loc[(f"{esc['initiator']}>{esc['target']}", wk)] == 1.0
    assert ind.loc[(f"{esc['target']}>{esc['initiator']}", wk)] == 1.0
    und = episode_indicator(gt, freq="M", directed=False)
    assert (und.index.get_level_values("dyad").str.contains("-")).all()
    assert 0 < und.mean() < 0.5
    with pytest.raises(ConfigurationError, match="Did you mean 'escalation'"):
        episode_indicator(gt, kinds=["escalaton"])
