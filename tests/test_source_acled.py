"""ACLED reader on hand-written exports in ACLED's CSV layout."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.codes.cameo import cameo_table
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.acled import acled_cameo_table
from riskmodel.store import EventStore

from _sources import read_source

COLUMNS = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
           "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,"
           "civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,"
           "longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
           ).split(",")


def row(**kw: object) -> dict[str, str]:
    base = {c: "" for c in COLUMNS}
    base.update({
        "event_id_cnty": "PAK1", "event_date": "2023-05-01", "year": "2023",
        "time_precision": "1", "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "Military Forces of Pakistan (2018-)",
        "inter1": "1", "actor2": "TTP: Tehreek-i-Taliban Pakistan", "inter2": "2",
        "interaction": "12", "iso": "586", "region": "Southern Asia", "country": "Pakistan",
        "admin1": "Khyber Pakhtunkhwa", "location": "Bannu", "latitude": "32.98",
        "longitude": "70.60", "geo_precision": "1", "source": "Dawn",
        "source_scale": "National", "notes": 'Soldiers clashed, "heavy" fire,\nreported.',
        "fatalities": "5", "timestamp": "1683590400",
    })
    base.update({k: str(v) for k, v in kw.items()})
    return base


def write(tmp_path: Path, rows: list[dict[str, str]], name: str = "acled.csv") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    p = tmp_path / name
    p.write_text(buf.getvalue(), encoding="utf-8")
    return p


def read_all(path: Path | str, **options: object) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_source("acled", path, **options)


def test_mapping_of_a_battle(tmp_path):
    events, rejects, n = read_all(write(tmp_path, [row()]))
    assert n == 1 and len(rejects) == 0
    e = events.iloc[0]
    assert (e.event_id, e.source, e.source_event_id) == ("acled:PAK1", "acled", "PAK1")
    assert (e.actor1_state, e.actor1_type) == ("PAK", "MIL")
    assert pd.isna(e.actor2_state) and e.actor2_type == "REB"
    assert (e.cameo_code, e.quad_class, e.goldstein) == ("193", 4, -10.0)
    assert e.fatalities == 5
    assert pd.isna(e.get("fatalities_low")) and pd.isna(e.get("fatalities_high"))
    assert e.available_at == pd.Timestamp("2023-05-09") and e.date == pd.Timestamp("2023-05-01")
    assert (e.location_state, e.latitude, e.longitude) == ("PAK", 32.98, 70.60)
    assert e["flags"] == "acled_undirected" and e["_line"] == 2


def test_types_states_and_direction(tmp_path):
    rows = [
        row(event_id_cnty="IND1", event_type="Protests", sub_event_type="Peaceful protest",
            actor1="Protesters (India)", inter1="6", actor2="", inter2="0", iso="356",
            country="India", fatalities="0"),
        row(event_id_cnty="UKR1", event_type="Explosions/Remote violence",
            sub_event_type="Air/drone strike", actor1="Military Forces of Russia (2000-)",
            inter1="8", actor2="Civilians (Ukraine)", inter2="7", iso="804", country="Ukraine"),
        row(event_id_cnty="AFG1", event_date="15 March 2020",
            event_type="Violence against civilians",
            sub_event_type="Attack", actor1="Taliban", inter1="Rebel group",
            actor2="Civilians (Afghanistan)", inter2="Civilians", iso="4", country="Afghanistan",
            timestamp=""),
        row(event_id_cnty="IND2", event_type="Protests",
            sub_event_type="Excessive force against protesters",
            actor1="Police Forces of India (2014-)", inter1="1", actor2="Protesters (India)",
            inter2="6", iso="356", country="India"),
        row(event_id_cnty="SDN1", event_type="Battles", sub_event_type="Armed clash",
            actor1="MINUSMA: United Nations Multidimensional Integrated Stabilization Mission "
                   "in Mali (2013-)", inter1="8", actor2="JNIM", inter2="2", iso="466",
            country="Mali"),
        row(event_id_cnty="XKX1", event_type="Strategic developments", sub_event_type="Other",
            actor1="Government of Kosovo (2020-)", inter1="1", actor2="", inter2="0", iso="0",
            country="Kosovo"),
        row(event_id_cnty="NGA1", event_type="Riots", sub_event_type="Something new",
            actor1="Rioters (Nigeria)", inter1="5", iso="566", country="Nigeria"),
    ]
    events, rejects, n = read_all(write(tmp_path, rows))
    assert n == 7 and len(rejects) == 0
    ev = events.set_index("source_event_id")
    assert (ev.loc["IND1", "cameo_code"], ev.loc["IND1", "actor1_type"]) == ("141", "CVL")
    assert pd.isna(ev.loc["IND1", "actor1_state"]) and pd.isna(ev.loc["IND1", "actor2_type"])
    assert (ev.loc["UKR1", "actor1_state"], ev.loc["UKR1", "actor1_type"],
            ev.loc["UKR1", "actor2_type"], ev.loc["UKR1", "cameo_code"]) == \
        ("RUS", "MIL", "CVL", "195")
    afg = ev.loc["AFG1"]
    assert (afg.cameo_code, afg.actor1_type, afg.actor2_type, afg.location_state) == \
        ("180", "REB", "CVL", "AFG")
    assert afg.date == pd.Timestamp("2020-03-15")
    assert afg.available_at == pd.Timestamp("2020-03-16")
    assert afg["flags"] == "available_at_estimated"  # directed: civilians are actor2
    assert (ev.loc["IND2", "actor1_type"], ev.loc["IND2", "cameo_code"]) == ("COP", "175")
    assert ev.loc["SDN1", "actor1_type"] == "IGO"
    xkx = ev.loc["XKX1"]
    assert (xkx.location_state, xkx.actor1_state, xkx.actor1_type, xkx.cameo_code) == \
        ("XKX", "XKX", "GOV", "010")
    assert xkx["flags"] == "acled_undirected,acled_ambiguous"
    nga = ev.loc["NGA1"]
    assert nga.cameo_code == "145" and "acled_subtype_unmapped" in nga["flags"]


def test_mapping_table_codes_are_in_the_codebook():
    table = acled_cameo_table()
    assert table.cameo_code.isin(cameo_table().index).all()
    assert set(table.event_type) == {"Battles", "Explosions/Remote violence",
                                     "Violence against civilians", "Protests", "Riots",
                                     "Strategic developments"}
    # Every event type has a fallback row.
    assert set(table.loc[table.sub_event_type == "", "event_type"]) == set(table.event_type)


def test_bad_rows(tmp_path):
    rows = [
        row(event_id_cnty="OK1"),
        row(event_id_cnty="BAD1", event_date="2023-13-01"),
        row(event_id_cnty="BAD2", event_type="Earthquakes"),
        row(event_id_cnty="BAD3", iso="999", country="Atlantis"),
        row(event_id_cnty="BAD4", fatalities="-1"),
        row(event_id_cnty="BAD5", timestamp="yesterday"),
        row(event_id_cnty="BAD6", latitude="north"),
    ]
    p = write(tmp_path, rows)
    text = p.read_text(encoding="utf-8")
    p.write_bytes(text.encode() + b"BAD7,2023-05-01,2023,1,x,Battles,Armed clash,A\xff\n")
    events, rejects, n = read_all(p)
    assert n == 8 == len(events) + len(rejects)
    assert events.source_event_id.tolist() == ["OK1"]
    reasons = dict(zip(rejects.source_event_id.fillna("?"), rejects.column.fillna("-")))
    assert reasons["BAD1"] == "event_date"
    assert reasons["BAD2"] == "event_type"
    assert reasons["BAD3"] == "iso"
    assert reasons["BAD4"] == "fatalities"
    assert reasons["BAD5"] == "timestamp"
    assert reasons["BAD6"] == "latitude"
    # Each record starts on its own line: OK1 spans lines 2-3 (the note has a newline).
    assert rejects.line.tolist() == [4, 6, 8, 10, 12, 14, 16]
    assert "UTF-8" in rejects.iloc[-1]["reason"]


def test_structural_errors(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(empty)
    header = tmp_path / "h.csv"
    header.write_text("event_id_cnty,event_date,actor1\nX,2020-01-01,A\n")
    with pytest.raises(SourceFormatError, match="event_type"):
        read_all(header)
    only_header = tmp_path / "oh.csv"  # an export of zero events reads as zero rows
    only_header.write_text(",".join(COLUMNS) + "\n")
    events, rejects, n = read_all(only_header)
    assert (len(events), len(rejects), n) == (0, 0, 0)
    short = tmp_path / "short.csv"
    short.write_text(",".join(COLUMNS) + "\n" + "a,b,c\n" * 3)
    with pytest.raises(SourceFormatError, match="no row has the ACLED CSV layout") as info:
        read_all(short)
    assert info.value.line == 2


def test_unbalanced_quote_is_a_format_error(tmp_path):
    p = write(tmp_path, [row(event_id_cnty=f"E{i}", notes="plain") for i in range(300)])
    lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(",Dawn,", ',"Dawn,', 1)  # a quote that never closes
    p.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="unbalanced quote") as info:
        read_all(p)
    assert info.value.line == 6


def test_store_accounting_with_duplicates(tmp_path):
    p = write(tmp_path, [row(), row(), row(event_id_cnty="X", event_type="Earthquakes")])
    with EventStore(":memory:") as store:
        assert store.ingest("acled", [p]).counts() == \
            {"read": 3, "stored": 1, "duplicates": 1, "rejected": 1}
        stored = store.events(source="acled")
        assert stored.event_id.tolist() == ["acled:PAK1"]
        assert stored.cameo_code.tolist() == ["193"]
