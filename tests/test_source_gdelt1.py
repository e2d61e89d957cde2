"""GDELT 1.0 reader on the real mixed sample (58-column daily and 57-column backfile rows).

Known values are computed here from the raw file with plain string splitting, independently of
the reader, and compared with what the store holds after ``ingest("gdelt1", ...)``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.exceptions import SourceFormatError
from riskmodel.store import EventStore

SAMPLE = Path("gdelt_v1_sample") / "events_sample_reed9999.tsv"


@pytest.fixture(scope="module")
def raw_rows(shared_data: Path) -> list[list[str]]:
    text = (shared_data / SAMPLE).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line]


@pytest.fixture(scope="module")
def stored(shared_data: Path) -> tuple[dict[str, int], pd.DataFrame]:
    with EventStore(":memory:") as store:
        counts = store.ingest("gdelt1", [shared_data / SAMPLE]).counts()
        events = store.events(source="gdelt1")
    return counts, events


def test_exact_accounting_zero_rejects(stored, raw_rows):
    counts, events = stored
    assert sorted({len(r) for r in raw_rows}) == [57, 58]
    assert sum(len(r) == 58 for r in raw_rows) == 509
    assert sum(len(r) == 57 for r in raw_rows) == 201
    assert counts == {"read": 710, "stored": 710, "duplicates": 0, "rejected": 0}
    assert len(events) == 710


def test_both_layouts_are_mapped(stored, raw_rows):
    _, events = stored
    # The 57-column backfile rows have no SOURCEURL.
    assert events.url.isna().sum() == sum(len(r) == 57 for r in raw_rows) == 201
    by_id = events.set_index("source_event_id")
    old = by_id.loc["1552829"]  # a 1982 backfile row
    assert (old.date, old.available_at) == (pd.Timestamp("1982-01-02"),
                                            pd.Timestamp("2013-02-03"))
    assert (old.actor1_code, old.actor1_type, old.actor2_code) == ("BUSCVL", "BUS", "BUS")
    assert (old.cameo_code, old.cameo_root, old.quad_class, old.goldstein) == ("030", 3, 1, 4.0)
    assert (old.location_state, old.latitude, old.longitude) == ("GHA", 5.55, -0.216667)
    assert old.weight == 5.0 and pd.isna(old.url)
    new = by_id.loc["564111654"]  # a 2016 daily row
    assert (new.cameo_code, new.quad_class, new.goldstein, new.weight) == ("0834", 2, 5.0, 60.0)
    assert new.url == "http://www.dailyexcelsior.com/1-addl-tax-dropped-gst-bill/"
    assert new.available_at == pd.Timestamp("2016-07-28")


def test_known_values_agree_with_the_raw_file(stored, raw_rows):
    _, events = stored
    isr_pse = sum(r[7] == "ISR" and r[17] == "PSE" for r in raw_rows)
    assert isr_pse == 2
    assert ((events.actor1_state == "ISR") & (events.actor2_state == "PSE")).sum() == isr_pse
    usa_rus = sum({r[7], r[17]} == {"USA", "RUS"} for r in raw_rows)
    s1, s2 = events.actor1_state, events.actor2_state
    assert (((s1 == "USA") & (s2 == "RUS")) | ((s1 == "RUS") & (s2 == "USA"))).sum() == usa_rus
    # CAMEO codes stay strings with their leading zero, exactly as in the file.
    raw_codes = pd.Series({r[0]: r[26] for r in raw_rows})
    got = events.set_index("source_event_id").cameo_code
    assert (got.reindex(raw_codes.index) == raw_codes).all()
    assert got.str.startswith("0").sum() == sum(r[26].startswith("0") for r in raw_rows)
    # Goldstein and NumMentions are copied.
    raw_gold = pd.Series({r[0]: float(r[30]) for r in raw_rows})
    assert (events.set_index("source_event_id").goldstein.reindex(raw_gold.index)
            == raw_gold).all()


def test_regional_cameo_codes_give_null_states_and_keep_the_code(stored, raw_rows):
    _, events = stored
    regional = {r[0]: r[7] for r in raw_rows if r[7] in {"AFR", "EUR", "MEA", "WST", "SAS",
                                                          "ASA", "SEA", "NMR", "LAM"}}
    by_id = events.set_index("source_event_id")
    for event_id, code in regional.items():
        assert pd.isna(by_id.loc[event_id, "actor1_state"])
        assert code in by_id.loc[event_id, "actor1_code"]


def test_malformed_rows_and_files(shared_data, tmp_path):
    lines = (shared_data / SAMPLE).read_bytes().splitlines(keepends=True)
    bad = tmp_path / "mixed.tsv"
    short = b"\t".join(lines[0].split(b"\t")[:40]) + b"\n"
    latin = lines[1].rstrip(b"\r\n") + b"\xe9\n"  # a Latin-1 byte in SOURCEURL
    bad.write_bytes(lines[0] + short + latin + lines[2] + lines[2])
    with EventStore(":memory:") as store:
        counts = store.ingest("gdelt1", [bad]).counts()
        rejects = store.rejects()
    assert counts == {"read": 5, "stored": 2, "duplicates": 1, "rejected": 2}
    assert sorted(rejects.line.tolist()) == [2, 3]
    assert rejects.reason.str.contains("column|UTF-8").all()

    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"")
    with EventStore(":memory:") as store, pytest.raises(SourceFormatError, match="empty"):
        store.ingest("gdelt1", [empty])

    archive = tmp_path / "20160728.export.CSV.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("20160728.export.CSV", b"".join(lines) * 20)
    with EventStore(":memory:") as store:
        assert store.ingest("gdelt1", [archive]).counts()["stored"] == 710
    data = archive.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with EventStore(":memory:") as store, pytest.raises(SourceFormatError):
        store.ingest("gdelt1", [cut])
