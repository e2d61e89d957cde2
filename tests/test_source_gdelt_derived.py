"""GDELT-derived exports read through a column mapping (presets and user mappings)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskmodel.codes.cameo import cameo_table
from riskmodel.exceptions import ConfigurationError, SourceFormatError
from riskmodel.sources.gdelt import GDELT2_COLUMNS
from riskmodel.sources.gdelt_derived import PRESETS, resolve_mapping
from riskmodel.store import EventStore

from _sources import read_source

DYADS = {("AFG", "PAK"), ("IND", "PAK"), ("ARM", "AZE"), ("ISR", "PSE"), ("RUS", "UKR")}


def read_all(path: Path | str, **options: object) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_source("gdelt2_derived", path, **options)


def undirected(events: pd.DataFrame, a: str, b: str) -> int:
    s1, s2 = events.actor1_state, events.actor2_state
    return int((((s1 == a) & (s2 == b)) | ((s1 == b) & (s2 == a))).sum())


@pytest.mark.parametrize(("day", "rows", "expected"), [
    ("20201113", 2824, {("AFG", "PAK"): 4, ("IND", "PAK"): 3, ("ARM", "AZE"): 32,
                        ("ISR", "PSE"): 25}),
    ("20201114", 2601, {("AFG", "PAK"): 12, ("IND", "PAK"): 6, ("ARM", "AZE"): 95,
                        ("ISR", "PSE"): 20}),
    ("20201115", 3929, {("AFG", "PAK"): 1, ("IND", "PAK"): 17, ("ARM", "AZE"): 51,
                        ("ISR", "PSE"): 110}),
])
def test_events_mentions_files(shared_data, day, rows, expected):
    path = shared_data / "gdelt_v2_dyad_days" / f"gdelt2_events_mentions_{day}.csv"
    events, rejects, n = read_all(path)  # the preset is found from the header
    assert n == rows == len(events) + len(rejects)
    assert len(rejects) == 0
    for (a, b), count in expected.items():
        assert undirected(events, a, b) == count
    # The mislabelled columns land where they belong.
    assert events.actor1_state.str.fullmatch("[A-Z]{3}").all()
    assert (events.actor1_code.str.len() >= 3).all()
    assert events.location_state.notna().mean() > 0.9  # the FIPS ActionGeo block
    assert events["available_at"].dt.strftime("%Y%m%d").eq(day).all()
    assert events["confidence"].between(0, 1).all()
    assert events["flags"].isna().all()


def test_events_mentions_known_event(shared_data):
    path = shared_data / "gdelt_v2_dyad_days" / "gdelt2_events_mentions_20201113.csv"
    events, _, _ = read_all(path, mapping="gdelt2_events_mentions")
    e = events[events.source_event_id == "954680550"].iloc[0]
    assert (e.event_id, e.source) == ("gdelt2:954680550", "gdelt2")
    assert (e.actor1_code, e.actor1_state, e.actor2_state) == ("AFG", "AFG", "GBR")
    assert (e.cameo_code, e.cameo_root, e.quad_class, e.goldstein) == ("190", 19, 4, -10.0)
    assert (e.location_state, e.latitude, e.longitude) == ("AFG", 31.0, 64.0)
    assert e.available_at == pd.Timestamp("2020-11-13 00:15:00")
    assert e.date == pd.Timestamp("2020-11-13") and e.confidence == 0.1
    assert e.url.startswith("https://www.elystandard.co.uk/")


@pytest.fixture(scope="module")
def reduced(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_all(shared_data / "gdelt_v2_dyad_days" / "gdelt2_events_reduced_20220301.csv")


def test_reduced_file(reduced):
    events, rejects, n = reduced
    assert n == 43015 == len(events) + len(rejects)
    assert undirected(events, "ISR", "PSE") == 301
    assert undirected(events, "AFG", "PAK") == 36
    assert undirected(events, "IND", "PAK") == 32
    # Three RUS-UKR events carry CAMEO 106 ("Demand withdrawal"); they are stored only when
    # the codebook has that code.
    has_106 = "106" in cameo_table().index
    assert len(rejects) == (0 if has_106 else 3)
    assert set(rejects.value) <= {"106"}
    assert undirected(events, "RUS", "UKR") == (6075 if has_106 else 6072)
    assert (events.cameo_code.str.len() >= 3).all() and "043" in set(events.cameo_code)
    assert events["flags"].eq("available_at_estimated").all()
    assert events["available_at"].eq(pd.Timestamp("2022-03-02")).all()
    assert events.location_state.isna().all()


def test_reduced_file_against_author_aggregates(shared_data, reduced):
    """ISR-PSE counts per QuadClass agree with the author's own (undirected) dyad-day table."""
    folder = shared_data / "gdelt_v2_dyad_days"
    events, _, _ = reduced
    agg = pd.read_csv(folder / "dyad_day_aggregates_20220301.csv", index_col=0)
    row = agg[(agg.country_code_a == "ISR") & (agg.country_code_b == "PSE")].iloc[0]
    s1, s2 = events.actor1_state, events.actor2_state
    ours = events[((s1 == "ISR") & (s2 == "PSE")) | ((s1 == "PSE") & (s2 == "ISR"))]
    counts = ours.quad_class.value_counts()
    assert (counts.get(1, 0), counts.get(2, 0), counts.get(3, 0), counts.get(4, 0)) == (
        row.num_verbal_coop, row.num_material_coop, row.num_verbal_conf,
        row.num_material_conf) == (84, 31, 58, 128)


def test_user_mapping_and_missing_fields(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text(
        "eid;day;a1;a2;code;arts;geo\n"
        "1;20220301;ISR;PSE;43;3;IS\n"
        "2;20220301;RUS;EUR;0211;0;UP\n"
        "3;2022-03-01;RUS;UKR;190;1;UP\n"
        "4;20220301;RUS;UKR;999;1;UP\n"
        "5;20220301;RUS;UKR;190;many;UP\n"
        "6;20220301;USA;CHN;13;1;CH\n", encoding="utf-8")
    mapping = {"eid": "GLOBALEVENTID", "day": "SQLDATE", "a1": "Actor1CountryCode",
               "a2": "Actor2CountryCode", "code": "EventCode", "arts": "NumArticles",
               "geo": "ActionGeo_CountryCode"}
    events, rejects, n = read_all(p, mapping=mapping, delimiter=";")
    assert n == 6 == len(events) + len(rejects)
    ev = events.set_index("source_event_id")
    assert (ev.loc["6", "cameo_code"], ev.loc["6", "quad_class"]) == ("013", 1)  # not root 13
    assert (ev.loc["1", "cameo_code"], ev.loc["1", "goldstein"], ev.loc["1", "weight"]) == \
        ("043", 2.8, 3.0)
    assert ev.loc["1", "location_state"] == "ISR"
    assert pd.isna(ev.loc["2", "actor2_state"])  # CAMEO group code EUR: null state
    assert ev.loc["2", "weight"] == 1.0 and ev.loc["2", "location_state"] == "UKR"
    by_line = rejects.set_index("line")
    assert by_line.loc[4, "column"] == "SQLDATE"
    assert by_line.loc[5, "column"] == "EventCode" and by_line.loc[5, "value"] == "999"
    assert by_line.loc[6, "column"] == "NumArticles"


def test_mapping_errors(tmp_path):
    with pytest.raises(ConfigurationError, match="gdelt2_events_reduced"):
        resolve_mapping("gdelt2_events_reduce")
    with pytest.raises(ConfigurationError, match="Did you mean 'EventCode'"):
        resolve_mapping({"a": "GLOBALEVENTID", "b": "SQLDATE", "c": "EventCod"})
    with pytest.raises(ConfigurationError, match="EventCode"):
        resolve_mapping({"a": "GLOBALEVENTID", "b": "SQLDATE"})
    with pytest.raises(ConfigurationError, match="several columns"):
        resolve_mapping({"a": "GLOBALEVENTID", "b": "SQLDATE", "c": "EventCode",
                         "d": "EventCode"})
    p = tmp_path / "x.csv"
    p.write_text("foo,bar\n1,2\n")
    with pytest.raises(SourceFormatError, match="match no preset"):
        read_all(p)
    with pytest.raises(SourceFormatError, match="lacks the mapped column"):
        read_all(p, mapping="gdelt2_events_reduced")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(empty, mapping="gdelt2_events_reduced")


def test_presets_cover_the_layout():
    preset = PRESETS["gdelt2_events_mentions"]
    assert list(preset.values())[:-1] == list(GDELT2_COLUMNS)
    assert preset["Actor_1_Country_Code"] == "Actor1Code"
    assert preset["Actor_1_Country_ABBR"] == "Actor1CountryCode"
    assert preset["Country"] == "ActionGeo_CountryCode"
    assert preset["Mention_Type"] == "ActionGeo_Type"


def test_bad_rows_and_store_accounting(tmp_path):
    header = ",Global_Event_ID,Day,Actor_1_Country_ABBR,Actor_2_Country_ABBR,Event_Code," \
             "Quad_Class,Goldstein_Scale,Num_Articles,Confidence\n"
    rows = ("0,1,20220301,ISR,PSE,190,4,-10.0,2,50\n"
            "1,1,20220301,ISR,PSE,190,4,-10.0,2,50\n"
            "2,2,20220301,ISR,PSE,190\n")
    p = tmp_path / "reduced.csv"
    p.write_bytes((header + rows).encode() + "3,3,20220301,ISR,PSE,190,4,-10.0,2,50,\xe9\n"
                  .encode("latin-1"))
    events, rejects, n = read_all(p)
    assert n == 4 and len(events) == 2
    assert "expected 10 fields" in rejects.set_index("line").loc[4, "reason"]
    assert "UTF-8" in rejects.set_index("line").loc[5, "reason"]
    with EventStore(":memory:") as store:
        counts = store.ingest("gdelt2_derived", [p]).counts()
        assert counts == {"read": 4, "stored": 1, "duplicates": 1, "rejected": 2}
        assert store.events(source="gdelt2").event_id.tolist() == ["gdelt2:1"]


def test_store_passes_the_mapping_option(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("id,d,a,b,c\n9,20220301,IND,PAK,1384\n", encoding="utf-8")
    mapping = {"id": "GLOBALEVENTID", "d": "SQLDATE", "a": "Actor1CountryCode",
               "b": "Actor2CountryCode", "c": "EventCode"}
    with EventStore(":memory:") as store:
        assert store.ingest("gdelt2_derived", [p], mapping=mapping).counts()["stored"] == 1
        e = store.events(source="gdelt2").iloc[0]
    assert (e.actor1_state, e.actor2_state, e.cameo_code, e.goldstein) == \
        ("IND", "PAK", "1384", -7.0)
