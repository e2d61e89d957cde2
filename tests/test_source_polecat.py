"""POLECAT reader and the PLOVER -> CAMEO mapping."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.codes.cameo import cameo_table
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.polecat import POLECAT_COLUMNS, plover_cameo_table, plover_to_cameo
from riskmodel.store import EventStore

from _sources import read_source


def row(**kw: object) -> str:
    base = {c: "" for c in POLECAT_COLUMNS}
    base.update({
        "Event ID": "20230101-0001", "Event Date": "2023-01-01", "Event Type": "ASSAULT",
        "Event Mode": "firearms", "Intensity": "-9", "Quad Code": "Material Conflict",
        "Actor Name": "Israel Defense Forces", "Actor Country": "ISR", "Actor COW": "666",
        "Primary Actor Sector": "Military", "Actor Sectors": "Military;Government",
        "Wikipedia Actor ID": "Q1", "Recipient Name": "Hamas", "Recipient Country": "PSE",
        "Recipient COW": "", "Primary Recipient Sector": "Rebels", "Country": "PSE",
        "Latitude": "31.5", "Longitude": "34.47", "Source": "Reuters",
        "Publication Date": "2023-01-02", "Language": "en", "Version": "1.0",
    })
    base.update({k: str(v) for k, v in kw.items()})
    return "\t".join(base[c] for c in POLECAT_COLUMNS)


def write(tmp_path: Path, rows: list[str], name: str = "polecat.tsv") -> Path:
    p = tmp_path / name
    p.write_text("\t".join(POLECAT_COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def read_all(path: Path | str, **options: object) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    return read_source("polecat", path, **options)


@pytest.mark.parametrize(("etype", "mode", "code", "flags"), [
    ("ASSAULT", "firearms", "193", []),
    ("assault", "Firearms", "193", []),
    ("ASSAULT", "heavy-weapons", "190", []),
    ("ASSAULT", "explosives", "183", []),
    ("ASSAULT", None, "180", ["plover_ambiguous"]),
    ("ASSAULT", "laser", "180", ["plover_ambiguous", "plover_mode_unmapped"]),
    ("PROTEST", "riot", "145", []),
    ("PROTEST", "demo", "141", []),
    ("CONSULT", "phone", "041", []),
    ("CONSULT", "visit", "040", []),
    ("AGREE", None, "030", []),
    ("COERCE", "arrest", "173", []),
    ("COERCE", "seize", "171", ["plover_ambiguous"]),
    ("ACCUSE", "investigate", "090", []),
    ("ACCUSE", None, "110", ["plover_ambiguous"]),
    ("RETREAT", "ceasefire", "0871", []),
])
def test_plover_to_cameo(etype, mode, code, flags):
    assert plover_to_cameo(etype, mode) == (code, flags)


def test_plover_unknown_type():
    assert plover_to_cameo("DANCE", "tango") is None


def test_plover_table_against_the_published_correspondence(shared_data):
    """Each unambiguous (type, mode) code is one the PLOVER correspondence assigns to it, or
    the common parent of those codes."""
    table = plover_cameo_table()
    assert table.cameo_code.isin(cameo_table().index).all()
    text = (shared_data / "plover_gold_standard" / "CAMEO2PLOVER-2021.txt").read_text(
        encoding="utf-8")
    pairs: dict[tuple[str, str], set[str]] = {}
    for line in text.splitlines():
        m = re.match(r"^(\d{2,4}):\s*([A-Z]+),\s*([^,#]*)", line)
        if m:
            pairs.setdefault((m.group(2), m.group(3).strip().lower()), set()).add(m.group(1))
    known = set(cameo_table().index)
    for t, mode, code, ambiguous, candidates in table.itertuples(index=False):
        cands = set(candidates.split())
        if (t, mode) in pairs:
            assert cands == pairs[(t, mode)] & known, (t, mode)
        if not ambiguous:  # one root: the code is a common parent of every candidate
            assert all(c.startswith(code.rstrip("0") or code) or c[:2] == code[:2]
                       for c in cands), (t, mode, code)
            assert len({c[:2] for c in cands}) == 1
    assert {(t, a) for t, m, _, a, _ in table.itertuples(index=False) if m == "*"} >= \
        {("ASSAULT", 1)}
    assert "201" in table.set_index(["plover_type", "plover_mode"]).loc[("ASSAULT", "*"),
                                                                          "candidates"]


def test_reader_mapping(tmp_path):
    rows = [
        row(),
        row(**{"Event ID": "2", "Event Type": "ASSAULT", "Event Mode": "",
               "Actor Country": "", "Actor COW": "2", "Recipient Country": "Iran;Iraq",
               "Primary Actor Sector": "", "Actor Sectors": "Government"}),
        row(**{"Event ID": "3", "Event Type": "CONSULT", "Event Mode": "visit",
               "Publication Date": "", "Country": "Pakistan"}),
        row(**{"Event ID": "4", "Actor Country": "XYZ", "Actor COW": ""}),
    ]
    events, rejects, n = read_all(write(tmp_path, rows))
    assert n == 4 and len(rejects) == 0
    ev = events.set_index("source_event_id")
    a = ev.loc["20230101-0001"]
    assert (a.event_id, a.cameo_code, a.quad_class, a.goldstein) == \
        ("polecat:20230101-0001", "193", 4, -10.0)
    assert (a.actor1_state, a.actor1_type, a.actor2_state, a.actor2_type) == \
        ("ISR", "MIL", "PSE", "REB")
    assert a.available_at == pd.Timestamp("2023-01-02") and pd.isna(a["flags"])
    assert (a.location_state, a.latitude, a.actor1_id) == ("PSE", 31.5, "Q1")
    b = ev.loc["2"]
    assert (b.cameo_code, b.actor1_state, b.actor1_type, b.actor2_state) == \
        ("180", "USA", "GOV", "IRN")
    assert b["flags"] == "plover_ambiguous,polecat_multiple_states"
    c = ev.loc["3"]
    assert (c.cameo_code, c.location_state, c["flags"]) == ("040", "PAK", "available_at_estimated")
    assert c.available_at == c.date
    d = ev.loc["4"]
    assert pd.isna(d.actor1_state) and d["flags"] == "unknown_country"


def test_bad_rows_and_accounting(tmp_path):
    rows = [
        row(**{"Event ID": "ok"}),
        row(**{"Event ID": "ok"}),
        row(**{"Event ID": "d", "Event Date": "2023-02-30"}),
        row(**{"Event ID": "t", "Event Type": "DANCE"}),
        row(**{"Event ID": "p", "Publication Date": "soon"}),
        "x\t2023-01-01\tASSAULT",
    ]
    path = write(tmp_path, rows)
    path.write_bytes(path.read_bytes() + row(**{"Event ID": "u", "City": "K\xf6ln"})
                     .encode("latin-1") + b"\n")
    events, rejects, n = read_all(path)
    assert n == 7 == len(events) + len(rejects)
    by_line = rejects.set_index("line")
    assert by_line.loc[4, "column"] == "Event Date"
    assert by_line.loc[5, "column"] == "Event Type" and by_line.loc[5, "value"] == "DANCE"
    assert by_line.loc[6, "column"] == "Publication Date"
    assert "expected 40 fields" in by_line.loc[7, "reason"]
    assert "UTF-8" in by_line.loc[8, "reason"]
    with EventStore(":memory:") as store:
        assert store.ingest("polecat", [path]).counts() == \
            {"read": 7, "stored": 1, "duplicates": 1, "rejected": 5}


def test_structural_errors(tmp_path):
    empty = tmp_path / "e.tsv"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        read_all(empty)
    wrong = tmp_path / "w.tsv"
    wrong.write_text("Event ID\tDate\n1\t2023-01-01\n")
    with pytest.raises(SourceFormatError, match="Event Date"):
        read_all(wrong)
