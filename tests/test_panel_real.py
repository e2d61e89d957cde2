"""Known panels from real GDELT 2.0 rows of 2022-03-01, checked against a user's aggregation.

Input: ``gdelt_v2_dyad_days/gdelt2_events_reduced_20220301.csv`` (43,015 events, header
``,Global_Event_ID,Day,Actor_1_Country_ABBR,Actor_2_Country_ABBR,Event_Code,Quad_Class,
Goldstein_Scale,Num_Articles,Confidence``), mapped here to the canonical schema.
Reference: ``dyad_day_aggregates_20220301.csv``, the same author's dyad-day aggregation.

Conventions of the reference, and why it differs from a riskmodel panel:

* It is **undirected** but not alphabetical: ``country_code_a``/``country_code_b`` come in
  whatever order the author's code met them (``CHE, AFG``); folding both orders onto one pair
  gives each pair once.
* Its ``num_verbal_coop`` .. ``num_material_conf`` are plain counts of QuadClass 1..4 with **no
  deduplication** (GDELT repeats one incident under several event ids): our ``dedup="none"``
  reproduces them exactly, ``dedup="dyad_code_day"`` gives fewer.
* Its codes are **CAMEO country codes**, not ISO3: regional and group codes (``EUR``, ``AFR``,
  ``MEA``, ``WST``, ...) are dyad sides there; under the ``"state"`` attribution they map to no
  state and those rows are not in our panel. ``TMP`` (East Timor in CAMEO) is ``TLS`` here.
* Its ``relations_score`` is the author's own index: it correlates with the Goldstein mean
  (r ~ 0.75) but is neither the mean, the sum, nor an article- or confidence-weighted mean
  (AFG-PAK: score 0.198, Goldstein mean 1.58), so it is not compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskmodel.codes.cameo import normalize_code
from riskmodel.codes.states import to_iso3
from riskmodel.panel import build_panel

pytestmark = pytest.mark.shared_data

QUADS = {"num_verbal_coop": "quad1", "num_material_coop": "quad2",
         "num_verbal_conf": "quad3", "num_material_conf": "quad4"}


def read_reduced(path) -> pd.DataFrame:
    """The reduced GDELT 2.0 export in the canonical event schema."""
    raw = pd.read_csv(path, index_col=0, dtype={"Event_Code": str, "Actor_1_Country_ABBR": str,
                                                "Actor_2_Country_ABBR": str})
    # Codes are repaired where they lost a leading zero; a code the codebook does not know is kept
    # as the file writes it, to compare with the reference (the store would reject it).
    code = raw["Event_Code"].map(normalize_code).fillna(raw["Event_Code"]).astype(str)
    day = pd.to_datetime(raw["Day"].astype(str), format="%Y%m%d")
    return pd.DataFrame({
        "source": "gdelt2",
        "source_event_id": raw["Global_Event_ID"].astype(str),
        "date": day,
        # the file has no DATEADDED: the event day is the best available stamp
        "available_at": day,
        "actor1_code": raw["Actor_1_Country_ABBR"],
        "actor2_code": raw["Actor_2_Country_ABBR"],
        "actor1_state": to_iso3(raw["Actor_1_Country_ABBR"], scheme="cameo"),
        "actor2_state": to_iso3(raw["Actor_2_Country_ABBR"], scheme="cameo"),
        "cameo_code": code,
        "cameo_root": code.str.slice(0, 2).astype(int),
        "quad_class": raw["Quad_Class"].astype(int),
        "goldstein": raw["Goldstein_Scale"].astype(float),
        "weight": raw["Num_Articles"].astype(float),
        "confidence": raw["Confidence"].astype(float) / 100.0,
    })


@pytest.fixture(scope="module")
def gdelt_day(shared_data) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = shared_data / "gdelt_v2_dyad_days"
    events = read_reduced(folder / "gdelt2_events_reduced_20220301.csv")
    ref = pd.read_csv(folder / "dyad_day_aggregates_20220301.csv", index_col=0)
    return events, ref


def _reference_pairs(ref: pd.DataFrame) -> pd.DataFrame:
    a = to_iso3(ref["country_code_a"], scheme="cameo")
    b = to_iso3(ref["country_code_b"], scheme="cameo")
    ok = (a.notna() & b.notna()).to_numpy()
    out = ref.loc[ok, list(QUADS)].copy()
    a, b = a[ok].to_numpy(), b[ok].to_numpy()
    out.index = [f"{min(x, y)}-{max(x, y)}" for x, y in zip(a, b)]
    return out.rename(columns=QUADS)


def test_seed_dyads_match_the_reference(gdelt_day):
    events, ref = gdelt_day
    panel = build_panel(events, freq="D", directed=False)
    assert list(panel.periods) == [pd.Timestamp("2022-03-01")]
    day = panel.data.xs(pd.Timestamp("2022-03-01"), level="period")
    expected = {
        "AFG-PAK": {"n_events": 36, "quad1": 19, "quad2": 8, "quad3": 0, "quad4": 9},
        "IND-PAK": {"n_events": 32, "quad1": 24, "quad2": 1, "quad3": 1, "quad4": 6},
        "RUS-UKR": {"n_events": 6075, "quad1": 2578, "quad2": 590, "quad3": 1318, "quad4": 1589},
    }
    refs = _reference_pairs(ref)
    for dyad, counts in expected.items():
        for col, value in counts.items():
            assert day.loc[dyad, col] == value, (dyad, col)
        for col in QUADS.values():
            assert day.loc[dyad, col] == refs.loc[dyad, col], (dyad, col)
    # every event of the day is in the volume, so the share is out of 43,015
    assert day.loc["RUS-UKR", "volume"] == 43015
    assert day.loc["RUS-UKR", "share"] == pytest.approx(6075 / 43015)


def test_directed_split_and_goldstein(gdelt_day):
    events, _ = gdelt_day
    panel = build_panel(events, freq="D", dyads=["AFG>PAK", "PAK>AFG"])
    a2p = panel.data.loc["AFG>PAK"].iloc[0]
    p2a = panel.data.loc["PAK>AFG"].iloc[0]
    assert (a2p["n_events"], a2p["quad1"], a2p["quad2"], a2p["quad4"]) == (18, 9, 4, 5)
    assert (p2a["n_events"], p2a["quad1"], p2a["quad2"], p2a["quad4"]) == (18, 10, 4, 4)
    sel = events[events["actor1_state"].isin(["AFG", "PAK"])
                 & events["actor2_state"].isin(["AFG", "PAK"])
                 & (events["actor1_state"] != events["actor2_state"])]
    both = a2p["goldstein_sum"] + p2a["goldstein_sum"]
    assert both == pytest.approx(sel["goldstein"].sum())
    assert (a2p["goldstein_sum"] + p2a["goldstein_sum"]) / 36 == pytest.approx(1.5833333333)


def test_all_state_pairs_match_and_the_differences_are_explained(gdelt_day):
    events, ref = gdelt_day
    panel = build_panel(events, freq="D", directed=False)
    day = panel.data.xs(pd.Timestamp("2022-03-01"), level="period")
    refs = _reference_pairs(ref)
    # Every pair of two states in the reference is in the panel with the same counts ...
    common = refs.index.intersection(day.index)
    assert len(common) == len(refs)
    pd.testing.assert_frame_equal(day.loc[common, list(QUADS.values())].astype("int64"),
                                  refs.loc[common].astype("int64"), check_names=False)
    # ... and the reference's other rows are exactly those with a regional or group code.
    a = to_iso3(ref["country_code_a"], scheme="cameo")
    b = to_iso3(ref["country_code_b"], scheme="cameo")
    regional = ref[(a.isna() | b.isna()).to_numpy()]
    assert len(regional) == len(ref) - len(refs) > 0
    codes = set(regional["country_code_a"]) | set(regional["country_code_b"])
    assert {"EUR", "AFR"} <= codes
    # Events with a regional side are in the volume but in no dyad.
    n_regional = int((events["actor1_state"].isna() | events["actor2_state"].isna()).sum())
    assert panel.meta["n_events_attributed"] == len(events) - n_regional
    assert panel.meta["n_events_in_range"] == len(events) == 43015


def test_deduplication_on_the_real_day(gdelt_day):
    events, _ = gdelt_day
    none = build_panel(events, freq="D", directed=False, dyads=["RUS-UKR", "AFG-PAK"])
    dedup = build_panel(events, freq="D", directed=False, dyads=["RUS-UKR", "AFG-PAK"],
                        dedup="dyad_code_day")
    n0 = none.data["n_events"].to_numpy()
    n1 = dedup.data["n_events"].to_numpy()
    assert (n1 <= n0).all() and (n1 < n0).any()
    # one event per directed pair and code on the day: the number of distinct codes per direction
    sel = events[(events["actor1_state"].isin(["RUS", "UKR"]))
                 & (events["actor2_state"].isin(["RUS", "UKR"]))
                 & (events["actor1_state"] != events["actor2_state"])]
    distinct = sel.groupby(["actor1_state", "actor2_state"])["cameo_code"].nunique().sum()
    assert dedup.data.loc["RUS-UKR", "n_events"].iloc[0] == distinct
    # the kept events carry all the evidence
    np.testing.assert_allclose(dedup.data["weight"].to_numpy(), none.data["weight"].to_numpy())


def test_through_the_gdelt2_derived_reader_and_the_store(shared_data, gdelt_day, tmp_path):
    """The same day ingested by the project's reader and store gives the same panel.

    Whatever the store rejects (e.g. event codes missing from the codebook) is missing from the
    panel and nothing else: the counts equal the reference minus the rejected rows of each pair.
    The file has no DATEADDED, so the reader dates availability to the end of the event day
    (2022-03-02): a panel "as of" 2022-03-01 knows none of these events yet.
    """
    from riskmodel.exceptions import StoreError
    from riskmodel.store import EventStore

    events, ref = gdelt_day
    path = shared_data / "gdelt_v2_dyad_days" / "gdelt2_events_reduced_20220301.csv"
    store = EventStore(str(tmp_path / "day.duckdb"))
    report = store.ingest("gdelt2_derived", [path])
    rejected_ids = set(store.rejects()["source_event_id"].astype(str))
    assert report.counts()["rejected"] == len(rejected_ids)
    kept = events[~events["source_event_id"].isin(rejected_ids)]
    dyads = ["AFG-PAK", "IND-PAK", "RUS-UKR"]
    panel = build_panel(store, freq="D", directed=False, dyads=dyads)
    day = panel.data.xs(pd.Timestamp("2022-03-01"), level="period")
    expected = build_panel(kept, freq="D", directed=False, dyads=dyads)
    pd.testing.assert_frame_equal(day, expected.data.xs(pd.Timestamp("2022-03-01"),
                                                         level="period"))
    refs = _reference_pairs(ref)
    removed = events[events["source_event_id"].isin(rejected_ids)]
    for dyad in dyads:
        a, b = dyad.split("-")
        mine = removed[removed["actor1_state"].isin([a, b]) & removed["actor2_state"].isin([a, b])
                       & (removed["actor1_state"] != removed["actor2_state"])]
        for q, col in enumerate(QUADS.values(), start=1):
            assert day.loc[dyad, col] == refs.loc[dyad, col] - int((mine["quad_class"] == q).sum())
    assert day.loc["RUS-UKR", "volume"] == 43015 - len(rejected_ids)
    with pytest.raises(StoreError, match="No events match"):
        build_panel(store, freq="D", as_of="2022-03-01 23:59:59")
    known = build_panel(store, freq="D", as_of="2022-03-02", dyads=["RUS-UKR"], directed=False)
    assert known.data["n_events"].sum() == day.loc["RUS-UKR", "n_events"]
    store.close()


def test_official_gdelt2_export_country_and_territorial(shared_data, tmp_path):
    """An official GDELT 2.0 15-minute export (1,540 rows, events dated 2017-03..2018-03).

    Under the "country" rule every pair of country codes counts (69 pairs in the file), except
    pairs with a CAMEO regional code (AFR, EUR, SEA, NMR: no state) and actors typed as
    non-state armed groups. ISR-PSE has 10 country-coded rows; one is an Israeli strike (195)
    on Palestinian rebels (``PSEREB``): not a country-country event (9), but under the
    "territorial" rule it counts against the territory's state, PSE (10).
    """
    from riskmodel.engines import NON_STATE_ARMED_TYPES
    from riskmodel.sources.gdelt import GDELT2_COLUMNS
    from riskmodel.store import EventStore

    path = shared_data / "gdelt_v2_raw_export" / "20180326044500.export.CSV"
    store = EventStore(str(tmp_path / "export.duckdb"))
    assert store.ingest("gdelt2", [path]).counts()["stored"] == 1540
    country = build_panel(store, freq="M", directed=False, attribution="country")
    totals = country.data.groupby(level="dyad")["n_events"].sum()

    raw = pd.read_csv(path, sep="\t", header=None, names=list(GDELT2_COLUMNS), dtype=str)
    a = to_iso3(raw["Actor1CountryCode"], scheme="cameo")
    b = to_iso3(raw["Actor2CountryCode"], scheme="cameo")
    armed = (raw["Actor1Type1Code"].isin(NON_STATE_ARMED_TYPES)
             | raw["Actor2Type1Code"].isin(NON_STATE_ARMED_TYPES))
    ok = (a.notna() & b.notna() & (a != b)).to_numpy() & ~armed.to_numpy()
    pairs = pd.Series([f"{min(x, y)}-{max(x, y)}" for x, y in zip(a[ok], b[ok])])
    expected = pairs.value_counts().sort_index()
    pd.testing.assert_series_equal(totals[totals > 0].sort_index().astype("int64"),
                                   expected.astype("int64"), check_names=False)
    assert (totals["RUS-USA"], totals["SOM-USA"], totals["ISR-PSE"]) == (12, 13, 9)

    territorial = build_panel(store, freq="M", directed=True, attribution="territorial",
                              dyads=["ISR>PSE", "PSE>ISR"])
    by_dyad = territorial.data.groupby(level="dyad")["n_events"].sum()
    assert by_dyad["ISR>PSE"] + by_dyad["PSE>ISR"] == 10
    strict = build_panel(store, freq="M", directed=False, attribution="state")
    assert strict.data["n_events"].sum() <= country.data["n_events"].sum()
    store.close()
