"""ICEWS reader: the derived four-column samples, a hand-written Dataverse file, bad inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.base import InputFile, get_reader
from riskmodel.sources.icews import (
    DATAVERSE_COLUMNS,
    actor_type_from_text,
    event_text_to_cameo,
)
from riskmodel.store import EventStore

from _sources import read_source

SUBSETS = ("icews14_test", "icews14_valid", "icews05-15_test", "icews05-15_valid")


def read_all(path: Path | str, **options: object) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_source("icews", path, **options)


@pytest.fixture(scope="module")
def icews14(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_all(shared_data / "icews_tkg_subsets" / "icews14_test.txt")


def test_derived_sample_accounting_and_known_event(icews14):
    events, rejects, n = icews14
    assert n == 8963 == len(events) + len(rejects)
    assert len(rejects) == 0
    first = events[events["_line"] == 4].iloc[0]
    assert first["actor1_name"] == "Head of Government (Pakistan)"
    assert (first["actor1_state"], first["actor1_type"]) == ("PAK", "GOV")
    assert (first["actor2_name"], first["actor2_state"]) == ("Tajikistan", "TJK")
    assert pd.isna(first["actor2_type"])
    assert (first["cameo_code"], first["quad_class"], first["goldstein"]) == ("036", 1, 4.0)
    assert first["date"] == first["available_at"] == pd.Timestamp("2014-06-16")
    assert first["source"] == "icews" and first["event_id"].startswith("icews:")


def test_derived_sample_dyads(icews14):
    events, _, _ = icews14
    # "... (Israel)", "Israeli Defense Forces", "Benjamin Netanyahu", ... ->
    # "... (Palestinian Territory, Occupied)", "Mahmoud Abbas", ...
    isr_pse = events[(events.actor1_state == "ISR") & (events.actor2_state == "PSE")]
    assert len(isr_pse) == 15
    assert (isr_pse.actor1_name.str.endswith("(Israel)")).sum() == 5
    rus_ukr = events[(events.actor1_state == "RUS") & (events.actor2_state == "UKR")]
    assert len(rus_ukr) == 7
    idf = events[events.actor1_name == "Israeli Defense Forces"]
    assert len(idf) and set(idf.actor1_state) == {"ISR"} and set(idf.actor1_type) == {"MIL"}
    au = events[events.actor1_name == "African Union"]
    assert len(au) and au.actor1_state.isna().all() and set(au.actor1_type) == {"IGO"}
    # Root-level texts give the three-digit code, as GDELT and ICEWS write it.
    assert "04" not in set(events.cameo_code) and (events.cameo_code == "040").sum() > 0
    police = events[events.actor1_name == "Police (Australia)"]
    assert len(police) and set(police.actor1_type) == {"COP"}
    assert set(police.actor1_state) == {"AUS"}


@pytest.mark.parametrize("name", SUBSETS)
def test_every_derived_subset_reads_with_at_most_one_percent_rejects(shared_data, name):
    path = shared_data / "icews_tkg_subsets" / f"{name}.txt"
    events, rejects, n = read_all(path)
    lines = sum(1 for line in open(path, encoding="utf-8") if line.strip())
    assert n == lines == len(events) + len(rejects)
    assert len(rejects) <= 0.01 * n
    assert events.cameo_code.notna().all()


def test_same_fact_in_two_subsets_is_stored_once(shared_data, tmp_path):
    folder = shared_data / "icews_tkg_subsets"
    a, b = folder / "icews14_test.txt", folder / "icews05-15_test.txt"
    shared = set(open(a, encoding="utf-8").read().splitlines()) & \
        set(open(b, encoding="utf-8").read().splitlines())
    with EventStore(tmp_path / "s.duckdb") as store:
        first = store.ingest("icews", [a]).counts()
        second = store.ingest("icews", [b]).counts()
    assert first == {"read": 8963, "stored": 8963, "duplicates": 0, "rejected": 0}
    assert second["read"] == 46092 and second["rejected"] == 0
    assert second["duplicates"] == len(shared) == 339


def test_known_actor_table_is_consistent():
    from importlib import resources

    from riskmodel.codes.states import to_iso3
    from riskmodel.events import ACTOR_TYPES

    path = resources.files("riskmodel.codes") / "data" / "icews_actors.tsv"
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", comment="#", dtype=str, keep_default_na=False)
    assert not table.name.duplicated().any()
    assert table.actor_type.isin(ACTOR_TYPES).all()
    states = table.loc[table.iso3 != "", "iso3"]
    assert all(to_iso3(s, "iso3") == s for s in states)


def test_event_text_crosswalk():
    assert event_text_to_cameo("Make statement") == "010"
    assert event_text_to_cameo("Consult") == "040"
    assert event_text_to_cameo("Make an appeal or request") == "020"
    assert event_text_to_cameo("Meet at a 'third' location") == "044"
    assert event_text_to_cameo("Threaten with military force") == "138"
    assert event_text_to_cameo("fight with small arms and light weapons") == "193"
    assert event_text_to_cameo("Dance the tango") is None
    s = event_text_to_cameo(pd.Series(["Accuse", None, "Use unconventional violence"]))
    assert s.tolist() == ["112", pd.NA, "180"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Head of Government", "GOV"), ("Police", "COP"), ("Military Personnel - Special", "MIL"),
    ("Armed Rebel", "REB"), ("Insurgent", "REB"), ("Citizen", "CVL"), ("Protester", "CVL"),
    ("Court Judge", "JUD"), ("Member of Parliament", "LEG"), ("Media Personnel", "MED"),
    ("Defense / Security Ministry", "GOV"), ("UN Security Council", "IGO"),
    ("Criminal", "CRM"), ("Barack Obama", None), (None, None),
])
def test_actor_type_heuristics(text, expected):
    assert actor_type_from_text(text) == expected


# --- Dataverse layout ----------------------------------------------------------------------

def dv_row(**kw: object) -> str:
    base = {
        "Event ID": "926685", "Event Date": "1995-01-01", "Source Name": "Military (Serbia)",
        "Source Sectors": "Military,Government", "Source Country": "Serbia",
        "Event Text": "Fight with artillery and tanks", "CAMEO Code": "194", "Intensity": "-10",
        "Target Name": "Citizen (Bosnia and Herzegovina)", "Target Sectors": "",
        "Target Country": "Bosnia and Herzegovina", "Story ID": "28235806",
        "Sentence Number": "5", "Publisher": "The Toronto Star", "City": "Sarajevo",
        "District": "", "Province": "Sarajevo", "Country": "Bosnia and Herzegovina",
        "Latitude": "43.8486", "Longitude": "18.3564",
    }
    base.update({k: str(v) for k, v in kw.items()})
    return "\t".join(base[c] for c in DATAVERSE_COLUMNS)


def write_dv(tmp_path: Path, rows: list[str], name: str = "events.1995.tab") -> Path:
    p = tmp_path / name
    p.write_text("\t".join(DATAVERSE_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_dataverse_mapping(tmp_path):
    rows = [
        dv_row(),
        dv_row(**{"Event ID": "2", "CAMEO Code": "43", "Event Text": "Host a visit",
                  "Intensity": "2.8", "Source Name": "Head of Government (Pakistan)",
                  "Source Sectors": "Executive,Government", "Source Country": "Pakistan",
                  "Target Name": "Police (India)", "Target Sectors": "Police",
                  "Target Country": "India", "Country": "Pakistan"}),
        dv_row(**{"Event ID": "3", "CAMEO Code": "", "Event Text": "Make an appeal or request",
                  "Intensity": "", "Source Country": "Occupied Palestinian Territory",
                  "Source Sectors": "Insurgents"}),
        dv_row(**{"Event ID": "4", "Target Country": "Atlantis"}),
        dv_row(**{"Event ID": "5", "CAMEO Code": "13", "Event Text": "Make optimistic comment",
                  "Intensity": "0.4"}),
    ]
    events, rejects, n = read_all(write_dv(tmp_path, rows))
    assert n == 5 and len(rejects) == 0
    ev = events.set_index("source_event_id")
    a = ev.loc["926685"]
    assert (a.actor1_state, a.actor1_type, a.actor2_state, a.actor2_type) == \
        ("SRB", "MIL", "BIH", "CVL")
    assert (a.cameo_code, a.goldstein, a.location_state) == ("194", -10.0, "BIH")
    assert (a.latitude, a.longitude) == (43.8486, 18.3564)
    b = ev.loc["2"]
    assert (b.cameo_code, b.goldstein, b.actor1_state, b.actor1_type, b.actor2_type) == \
        ("043", 2.8, "PAK", "GOV", "COP")
    c = ev.loc["3"]
    assert (c.cameo_code, c.goldstein, c.actor1_state, c.actor1_type) == ("020", 3.0, "PSE", "REB")
    assert pd.isna(a["flags"]) and ev.loc["4", "flags"] == "unknown_country"
    assert ev.loc["4", "actor2_state"] == "BIH"
    assert ev.loc["5", "cameo_code"] == "013"  # a lost leading zero, not the root "13"  # from the name "Citizen (Bosnia and ...)"


def test_dataverse_reused_and_duplicated_ids(tmp_path):
    rows = [dv_row(), dv_row(), dv_row(**{"Event Date": "1995-01-02", "Story ID": "9"})]
    path = write_dv(tmp_path, rows)
    events, rejects, n = read_all(path)
    assert n == 3 and len(rejects) == 0
    ids = events.source_event_id.tolist()
    assert ids[0] == ids[1] == "926685" and ids[2].startswith("926685~")
    assert events["flags"].tolist()[2] == "icews_id_reused"
    with EventStore(":memory:") as store:
        counts = store.ingest("icews", [path]).counts()
    assert counts == {"read": 3, "stored": 2, "duplicates": 1, "rejected": 0}


def test_dataverse_bad_rows(tmp_path):
    rows = [
        dv_row(**{"Event ID": "1"}),
        dv_row(**{"Event ID": "2", "Event Date": "1995-02-31"}),
        dv_row(**{"Event ID": "3", "CAMEO Code": "999", "Event Text": "Juggle"}),
        dv_row(**{"Event ID": "4", "CAMEO Code": "", "Event Text": "Juggle"}),
        "5\t1995-01-01\tonly\tthree",
        dv_row(**{"Event ID": "6", "Latitude": "north"}),
    ]
    path = tmp_path / "bad.tab"
    body = ("\t".join(DATAVERSE_COLUMNS) + "\n" + "\n".join(rows) + "\n").encode()
    path.write_bytes(body + dv_row(**{"Event ID": "7", "City": "Z\xfcrich"}).encode("latin-1")
                     + b"\n")
    events, rejects, n = read_all(path)
    assert n == 7 == len(events) + len(rejects)
    assert events.source_event_id.tolist() == ["1"]
    by_line = rejects.set_index("line")
    assert by_line.loc[3, "column"] == "Event Date"
    assert by_line.loc[4, "column"] == "CAMEO Code" and by_line.loc[4, "value"] == "999"
    assert by_line.loc[5, "column"] == "Event Text"
    assert "expected 20 fields" in by_line.loc[6, "reason"]
    assert by_line.loc[7, "column"] == "Latitude"
    assert "UTF-8" in by_line.loc[8, "reason"]


def test_derived_bad_rows(tmp_path):
    path = tmp_path / "subset.txt"
    path.write_text(
        "Police (India)\tArrest, detain, or charge with legal action\tCitizen (India)\t2014-01-02\n"
        "Police (India)\tJuggle knives\tCitizen (India)\t2014-01-02\n"
        "Police (India)\tMake statement\tCitizen (India)\t2014-13-02\n"
        "Police (India)\tMake statement\t2014-01-02\n", encoding="utf-8")
    events, rejects, n = read_all(path)
    assert n == 4 and len(events) == 1
    assert events.iloc[0]["cameo_code"] == "173"
    assert events.iloc[0]["actor1_type"] == "COP" and events.iloc[0]["actor2_type"] == "CVL"
    assert rejects.set_index("line").loc[2, "column"] == "Event Text"
    assert rejects.set_index("line").loc[3, "column"] == "Event Date"
    assert "expected 4 fields" in rejects.set_index("line").loc[4, "reason"]


def test_structural_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(empty)
    odd = tmp_path / "odd.txt"
    odd.write_text("a\tb\tc\n")
    with pytest.raises(SourceFormatError, match="neither ICEWS layout"):
        read_all(odd)
    header = tmp_path / "header.tab"
    header.write_text("Event ID\tCAMEO Code\tX\n1\t010\tx\n")
    with pytest.raises(SourceFormatError, match="Event Date") as info:
        read_all(header)
    assert info.value.line == 1
    five = tmp_path / "five.txt"
    five.write_text("a\tb\tc\td\n" + "".join("a\tb\tc\td\te\n" for _ in range(5)))
    events, rejects, n = read_all(five)  # first line decides the layout; rows then rejected
    assert n == 6 and len(events) == 0 and len(rejects) == 6
    with pytest.raises(Exception, match="layout"):
        list(get_reader("icews")(InputFile(five), layout="nope"))
