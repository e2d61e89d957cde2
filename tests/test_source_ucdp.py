"""UCDP GED reader: the JSON-lines sample, a hand-written GED CSV, malformed inputs."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.base import InputFile, get_reader
from riskmodel.store import EventStore

from _sources import read_source

GED_HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,"
    "where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,"
    "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob"
)


def ged_row(**kw: object) -> str:
    base = {
        "id": "1", "relid": "PAK-2015-1-1", "year": "2015", "active_year": "1",
        "code_status": "Clear", "type_of_violence": "1", "conflict_dset_id": "209",
        "conflict_new_id": "209", "conflict_name": "Pakistan: Government",
        "dyad_dset_id": "754", "dyad_new_id": "754",
        "dyad_name": "Government of Pakistan - TTP", "side_a_dset_id": "123",
        "side_a_new_id": "123", "side_a": "Government of Pakistan", "side_b_dset_id": "1092",
        "side_b_new_id": "1092", "side_b": "TTP", "number_of_sources": "2",
        "source_article": '"Dawn, 2015-01-03, ""Militants killed"""', "source_office": "Dawn",
        "source_date": "2015-01-03", "source_headline": "Militants killed",
        "source_original": "security officials", "where_prec": "1",
        "where_coordinates": "Miranshah town", "where_description": "Miranshah",
        "adm_1": "FATA", "adm_2": "North Waziristan", "latitude": "33.0", "longitude": "70.07",
        "geom_wkt": '"POINT (70.07 33.0)"', "priogrid_gid": "172000", "country": "Pakistan",
        "country_id": "770", "region": "Asia", "event_clarity": "1", "date_prec": "1",
        "date_start": "2015-01-02", "date_end": "2015-01-02", "deaths_a": "1", "deaths_b": "5",
        "deaths_civilians": "0", "deaths_unknown": "0", "best": "6", "high": "8", "low": "6",
        "gwnoa": "770", "gwnob": "",
    }
    base.update({k: str(v) for k, v in kw.items()})
    return ",".join(base[c] for c in GED_HEADER.split(","))


def read_all(path: Path | str, **options: object) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_source("ucdp", path, **options)


# --- the real JSON-lines sample ------------------------------------------------------------

@pytest.fixture(scope="module")
def aec(shared_data: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, int]]:
    return {name: read_all(shared_data / "ucdp_aec" / f"{name}.jsonl")
            for name in ("train", "validation", "test")}


def test_jsonl_sample_exact_accounting(aec, shared_data):
    for name, (events, rejects, n) in aec.items():
        lines = sum(1 for line in open(shared_data / "ucdp_aec" / f"{name}.jsonl",
                                       encoding="utf-8") if line.strip())
        assert n == lines == len(events) + len(rejects)
        assert len(rejects) == 0, rejects.head()
    assert sum(len(e) for e, _, _ in aec.values()) == 11363


def test_jsonl_sample_known_dyads(aec):
    ev = pd.concat([e for e, _, _ in aec.values()], ignore_index=True)
    afg = ev[(ev.actor1_name == "Government of Afghanistan") & (ev.actor2_name == "Taleban")]
    assert len(afg) == 820
    assert set(afg.actor1_state) == {"AFG"} and afg.actor2_state.isna().all()
    assert set(afg.actor2_type) == {"REB"} and set(afg.location_state) <= {"AFG", "PAK"}
    assert (afg.location_state == "AFG").mean() > 0.9
    ttp = ev[(ev.actor1_name == "Government of Pakistan") & (ev.actor2_name == "TTP")]
    assert len(ttp) == 214 and set(ttp.actor2_id) == {"TTP"}
    ind_pak = ev[(ev.actor1_state == "IND") & (ev.actor2_state == "PAK")]
    assert len(ind_pak) == 82
    assert set(ind_pak.actor2_type) == {"GOV"}
    rus_ukr = ev[(ev.actor1_state == "RUS") & (ev.actor2_state == "UKR")]
    assert len(rus_ukr) == 24  # "Government of Russia (Soviet Union)" - "Government of Ukraine"
    civ = ev[ev.actor2_name == "Civilians"]
    assert len(civ) == 1291
    assert set(civ.cameo_code) == {"180"} and set(civ.actor2_type) == {"CVL"}
    assert civ.actor2_state.isna().all()
    assert set(ev.loc[ev.actor2_name != "Civilians", "cameo_code"]) == {"190"}
    assert ev.location_state.notna().all()
    assert ev["flags"].str.contains("ucdp_type_inferred").all()


def test_jsonl_known_events(aec):
    train, _, _ = aec["train"]
    first = train[train.source_event_id == "142698"].iloc[0]
    assert first["event_id"] == "ucdp:142698"
    assert first["actor1_state"] == "YEM" and first["actor1_type"] == "GOV"
    assert first["actor2_name"] == "AQAP" and first["actor2_type"] == "REB"
    assert first["date"] == pd.Timestamp("2014-08-23")
    assert first["available_at"] == pd.Timestamp("2014-08-23 17:00")
    assert (first["fatalities"], first["fatalities_low"], first["fatalities_high"]) == (3, 3, 4)
    assert first["cameo_code"] == "190" and first["goldstein"] == -10.0
    assert first["quad_class"] == 4 and first["_line"] == 1
    test, _, _ = aec["test"]
    mmr = test[test.source_event_id == "442069"].iloc[0]
    assert mmr["actor1_state"] == "MMR" and mmr["location_state"] == "MMR"
    assert mmr["available_at"] == pd.Timestamp("2022-06-03")
    assert (mmr["fatalities"], mmr["fatalities_low"], mmr["fatalities_high"]) == (2, 2, 3)


def test_chunks_are_bounded_and_complete(shared_data, aec):
    path = shared_data / "ucdp_aec" / "validation.jsonl"
    chunks = list(get_reader("ucdp")(InputFile(path), chunk_rows=100))
    assert len(chunks) == 7 and all(c.n_read <= 100 for c in chunks)
    joined = pd.concat([c.events for c in chunks], ignore_index=True)
    whole, _, _ = aec["validation"]
    pd.testing.assert_frame_equal(joined, whole)


def test_jsonl_best_is_sum_of_deaths(tmp_path):
    p = tmp_path / "ged.jsonl"
    p.write_text(
        '{"id": 7, "side_a_name": "Government of India", "side_b_name": "Government of '
        'Pakistan", "deaths_side_a": 1, "deaths_side_b": 2, "deaths_civilian": 3, '
        '"deaths_unknown": 4, "deaths_low": 10, "deaths_high": 12, "location_root_name": '
        '"India", "start_date": "2019-02-26", "end_date": "2019-02-27", "source_date": ""}\n',
        encoding="utf-8")
    events, rejects, n = read_all(p)
    row = events.iloc[0]
    assert n == 1 and len(rejects) == 0
    assert (row["fatalities"], row["fatalities_low"], row["fatalities_high"]) == (10, 10, 12)
    assert row["available_at"] == pd.Timestamp("2019-02-27")  # no source date: date_end
    assert row["flags"] == "ucdp_type_inferred,date_range"
    assert (row["actor1_state"], row["actor2_state"]) == ("IND", "PAK")


def test_jsonl_malformed_lines_are_rejected(tmp_path):
    good = ('{"id": 1, "side_a_name": "IS", "side_b_name": "Civilians", "deaths_side_a": 0, '
            '"deaths_side_b": 0, "deaths_civilian": 5, "deaths_unknown": 0, '
            '"location_root_name": "Syria", "start_date": "2016-01-01", '
            '"end_date": "2016-01-01"}')
    lines = [
        good,
        "{not json",
        good.replace('"id": 1', '"id": 2').replace("2016-01-01", "2016-13-45"),
        good.replace('"id": 1', '"id": 3').replace('"deaths_civilian": 5', '"deaths_civilian": -1'),
        '{"id": 4}',
        "[1, 2]",
    ]
    p = tmp_path / "bad.jsonl"
    p.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": 5, "side_a_name": "\xff"}\n')
    events, rejects, n = read_all(p)
    assert n == 7 == len(events) + len(rejects)
    assert list(events.source_event_id) == ["1"]
    assert events.iloc[0]["cameo_code"] == "180"
    by_line = rejects.set_index("line")
    assert "not valid JSON" in by_line.loc[2, "reason"]
    assert by_line.loc[3, "column"] == "start_date"
    assert by_line.loc[4, "column"] == "deaths_civilian"
    assert "missing field" in by_line.loc[5, "reason"]
    assert "JSON object" in by_line.loc[6, "reason"]
    assert "UTF-8" in by_line.loc[7, "reason"]


# --- the GED CSV layout ----------------------------------------------------------------------

def write_csv(tmp_path: Path, rows: list[str], name: str = "ged.csv") -> Path:
    p = tmp_path / name
    p.write_text(GED_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_csv_layout_mapping(tmp_path):
    rows = [
        ged_row(),
        ged_row(id="2", side_a="Government of India", side_b="Government of Pakistan",
                side_b_new_id="124", gwnoa="750", gwnob="770", country="India",
                country_id="750", best="3", low="2", high="5"),
        ged_row(id="3", type_of_violence="3", side_a="IS", side_a_new_id="234",
                side_b="Civilians", side_b_new_id="1", gwnoa="", country="Syria",
                country_id="652", date_end="2015-01-04", best="12", low="10", high="15",
                number_of_sources="0"),
        ged_row(id="4", type_of_violence="2", side_a="Jaish al-Adl", side_b="Jundallah",
                gwnoa="", country="Iran", country_id="630",
                date_start="2015-01-02 00:00:00.000", date_end="2015-01-02 00:00:00.000"),
    ]
    events, rejects, n = read_all(write_csv(tmp_path, rows))
    assert n == 4 and len(rejects) == 0
    ev = events.set_index("source_event_id")
    a = ev.loc["1"]
    assert (a.actor1_state, a.actor1_type, a.actor2_type) == ("PAK", "GOV", "REB")
    assert pd.isna(a.actor2_state) and a.actor1_code == "123" and a.actor2_code == "1092"
    assert (a.latitude, a.longitude, a.weight) == (33.0, 70.07, 2.0)
    assert a.available_at == pd.Timestamp("2015-01-02") and pd.isna(a["flags"])
    b = ev.loc["2"]
    assert (b.actor1_state, b.actor2_state, b.actor2_type) == ("IND", "PAK", "GOV")
    assert (b.fatalities, b.fatalities_low, b.fatalities_high) == (3, 2, 5)
    c = ev.loc["3"]
    assert (c.cameo_code, c.actor2_type, c.location_state, c.weight) == ("180", "CVL", "SYR", 1.0)
    assert c["flags"] == "date_range" and pd.isna(c.actor1_state) and c.actor1_type == "REB"
    d = ev.loc["4"]
    assert (d.cameo_code, d.actor1_type, d.actor2_type, d.location_state) == \
        ("190", "REB", "REB", "IRN")
    assert d.date == pd.Timestamp("2015-01-02")  # older GED releases write datetimes


def test_csv_bad_rows_are_rejected_with_reasons(tmp_path):
    rows = [
        ged_row(id="10"),
        ged_row(id="11", date_start="2015-02-30"),
        ged_row(id="12", type_of_violence="4"),
        ged_row(id="13", best="many"),
        ged_row(id="14", date_start="2015-01-05", date_end="2015-01-02"),
        "15,too,few,fields",
        ged_row(id="16", latitude="north"),
        ged_row(id="17", country_id="9999", country="Atlantis"),
    ]
    events, rejects, n = read_all(write_csv(tmp_path, rows))
    assert n == 8 == len(events) + len(rejects)
    assert list(events.source_event_id) == ["10"]
    by_line = rejects.set_index("line")
    assert by_line.loc[3, "column"] == "date_start"
    assert by_line.loc[4, "column"] == "type_of_violence" and by_line.loc[4, "value"] == "4"
    assert by_line.loc[5, "column"] == "best"
    assert "before date_start" in by_line.loc[6, "reason"]
    assert "expected 49 fields" in by_line.loc[7, "reason"]
    assert by_line.loc[8, "column"] == "latitude"
    assert by_line.loc[9, "column"] == "country_id" and by_line.loc[9, "value"] == "9999"


def test_csv_non_utf8_row_is_rejected(tmp_path):
    p = tmp_path / "ged.csv"
    bad = ged_row(id="21", side_b="TTP \xe9").encode("latin-1")
    p.write_bytes((GED_HEADER + "\n" + ged_row(id="20") + "\n").encode() + bad + b"\n")
    events, rejects, n = read_all(p)
    assert n == 2 and list(events.source_event_id) == ["20"]
    assert rejects.iloc[0]["line"] == 3 and "UTF-8" in rejects.iloc[0]["reason"]


def test_structural_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(empty)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,date,side_a\n1,2015-01-01,X\n")
    with pytest.raises(SourceFormatError, match="type_of_violence") as info:
        read_all(wrong)
    assert info.value.line == 1 and str(wrong) in str(info.value)
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n\n")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(blank)
    pretty = tmp_path / "dataset_info.json"
    pretty.write_text('{\n  "builder_name": "ucdp",\n  "features": {}\n}\n')
    with pytest.raises(SourceFormatError, match="no line is a JSON object") as info:
        read_all(pretty)
    assert info.value.line == 1


def test_truncated_zip_raises(tmp_path):
    src = write_csv(tmp_path, [ged_row(id=str(i)) for i in range(1, 3000)])
    archive = tmp_path / "ged.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(src, "ged.csv")
    data = archive.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(SourceFormatError, match="zip"):
        read_all(cut)
    # The intact archive reads like the plain file.
    events, rejects, n = read_all(archive)
    assert n == 2999 and len(rejects) == 0


def test_layout_detection_by_content(tmp_path):
    p = tmp_path / "ged_export.txt"
    p.write_text('{"id": 1, "side_a_name": "Government of Mali", "side_b_name": "JNIM", '
                 '"deaths_side_a": 1, "deaths_side_b": 1, "deaths_civilian": 0, '
                 '"deaths_unknown": 0, "location_root_name": "Mali", '
                 '"start_date": "2020-01-01", "end_date": "2020-01-01"}\n')
    events, _, _ = read_all(p)
    assert events.iloc[0]["actor1_state"] == "MLI"
    with pytest.raises(Exception, match="layout"):
        list(get_reader("ucdp")(InputFile(p), layout="xml"))


def test_store_ingest_accounting_and_duplicates(tmp_path):
    rows = [ged_row(id="1"), ged_row(id="1"), ged_row(id="2", best="x")]
    path = write_csv(tmp_path, rows)
    with EventStore(":memory:") as store:
        report = store.ingest("ucdp", [path]).counts()
        assert report == {"read": 3, "stored": 1, "duplicates": 1, "rejected": 1}
        again = store.ingest("ucdp", [path]).counts()
        assert again == {"read": 3, "stored": 0, "duplicates": 2, "rejected": 1}
        stored = store.events(source="ucdp")
        assert list(stored.event_id) == ["ucdp:1"]


def test_store_ingest_real_sample(shared_data):
    with EventStore(":memory:") as store:
        report = store.ingest("ucdp", [shared_data / "ucdp_aec" / "test.jsonl"]).counts()
        assert report == {"read": 648, "stored": 648, "duplicates": 0, "rejected": 0}


def test_cli_ingest_accepts_the_registered_kinds(tmp_path, capsys):
    import json

    from riskmodel.cli import main
    from riskmodel.sources.base import reader_kinds

    assert {"ucdp", "acled", "icews", "polecat", "gdelt2_derived"} <= set(reader_kinds())
    path = write_csv(tmp_path, [ged_row(id="1"), ged_row(id="2", best="x")])
    code = main(["ingest", "ucdp", str(path), "--store", str(tmp_path / "s.duckdb")])
    out = capsys.readouterr()
    assert code == 0
    assert json.loads(out.out.strip().splitlines()[-1]) == \
        {"read": 2, "stored": 1, "duplicates": 0, "rejected": 1}
    assert "line 3" in out.err and "best" in out.err
