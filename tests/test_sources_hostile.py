"""Every reader under hostile input: corrupted bytes never crash an ingest or lose a row.

A valid file of each layout is damaged at random (bytes deleted, inserted or overwritten, lines
repeated or cut, the file truncated) and ingested. Whatever the damage, the ingest either
raises :class:`~riskmodel.exceptions.SourceFormatError` naming the file, leaving the store as it
was, or accounts for every record (read = stored + duplicates + rejected, each reject with a line
and a reason, the store holding exactly the stored rows, all of them valid events); ingesting the
same file again stores nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskmodel.events import check_events
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.gdelt import GDELT1_COLUMNS, GDELT2_COLUMNS
from riskmodel.sources.icews import DATAVERSE_COLUMNS
from riskmodel.sources.polecat import POLECAT_COLUMNS
from riskmodel.store import EventStore

# the published column layouts, as the readers' own tests write them
from test_source_acled import COLUMNS as ACLED_COLUMNS
from test_source_ucdp import GED_HEADER

# --- one valid file per layout ------------------------------------------------------------


def _gdelt_row(columns: tuple[str, ...], i: int, **kw: str) -> str:
    values = {c: "" for c in columns}
    values.update({
        "GLOBALEVENTID": str(500_000_000 + i), "SQLDATE": "20240318", "MonthYear": "202403",
        "Year": "2024", "FractionDate": "2024.2110", "Actor1Code": "PAKMIL",
        "Actor1Name": "PAKISTAN", "Actor1CountryCode": "PAK", "Actor1Type1Code": "MIL",
        "Actor2Code": "AFG", "Actor2Name": "AFGHANISTAN", "Actor2CountryCode": "AFG",
        "IsRootEvent": "1", "EventCode": "195", "EventBaseCode": "195", "EventRootCode": "19",
        "QuadClass": "4", "GoldsteinScale": "-10.0", "NumMentions": str(i % 7 + 1),
        "NumSources": "1", "NumArticles": "2", "AvgTone": "-6.2", "ActionGeo_Type": "4",
        "ActionGeo_FullName": "Khost, Afghanistan", "ActionGeo_CountryCode": "AF",
        "ActionGeo_Lat": "33.3", "ActionGeo_Long": "69.9", "DATEADDED": "20240318",
        "SOURCEURL": f"https://example.org/news/{i}",
    })
    if "ActionGeo_ADM2Code" in columns:
        values["DATEADDED"] = "20240318121500"
    values.update(kw)
    return "\t".join(values[c] for c in columns)


def _gdelt(columns: tuple[str, ...]) -> bytes:
    rows = [_gdelt_row(columns, i) for i in range(8)]
    rows.append(_gdelt_row(columns, 8, Actor2Code="EUR", Actor2CountryCode="EUR",
                           EventCode="043", EventBaseCode="043", EventRootCode="04",
                           QuadClass="1", GoldsteinScale="2.8"))
    return ("\n".join(rows) + "\n").encode()


def _delimited(columns: Sequence[str], rows: list[dict[str, str]], sep: str = "\t") -> bytes:
    """A header and ``rows`` (values already quoted where the layout needs it)."""
    lines = [sep.join(columns)] + [sep.join(r.get(c, "") for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def _polecat() -> bytes:
    base = {
        "Event Date": "2023-01-01", "Event Type": "ASSAULT", "Event Mode": "firearms",
        "Intensity": "-9", "Quad Code": "Material Conflict", "Actor Name": "Israel Defense Forces",
        "Actor Country": "ISR", "Primary Actor Sector": "Military", "Recipient Name": "Hamas",
        "Recipient Country": "PSE", "Primary Recipient Sector": "Rebels", "Country": "PSE",
        "Latitude": "31.5", "Longitude": "34.47", "Publication Date": "2023-01-02",
    }
    return _delimited(POLECAT_COLUMNS, [{**base, "Event ID": f"20230101-{i:04d}"}
                                        for i in range(8)])


def _icews_dataverse() -> bytes:
    base = {
        "Event Date": "1995-01-01", "Source Name": "Military (Serbia)",
        "Source Sectors": "Military,Government", "Source Country": "Serbia",
        "Event Text": "Fight with artillery and tanks", "CAMEO Code": "194", "Intensity": "-10",
        "Target Name": "Citizen (Bosnia and Herzegovina)",
        "Target Country": "Bosnia and Herzegovina", "Story ID": "28235806",
        "Sentence Number": "5", "Publisher": "The Toronto Star", "City": "Sarajevo",
        "Province": "Sarajevo", "Country": "Bosnia and Herzegovina", "Latitude": "43.8486",
        "Longitude": "18.3564",
    }
    return _delimited(DATAVERSE_COLUMNS, [{**base, "Event ID": str(926_685 + i)} for i in range(8)])


def _icews_derived() -> bytes:
    rows = ["Head of Government (Pakistan)\tMake statement\tAfghanistan\t2014-03-06",
            "Military (Pakistan)\tUse conventional military force\tAfghanistan\t2014-03-07",
            "Japan\tMake a visit\tThailand\t2014-09-22",
            "John Kerry\tExpress intent to meet or negotiate\tChina\t2014-11-04"] * 2
    return ("\n".join(rows) + "\n").encode()


def _ucdp_csv() -> bytes:
    base = {
        "year": "2015", "type_of_violence": "1", "conflict_new_id": "209",
        "dyad_new_id": "754", "side_a_new_id": "123", "side_a": "Government of Pakistan",
        "side_b_new_id": "1092", "side_b": "TTP", "source_article": '"Dawn, ""Militants"""',
        "latitude": "33.0", "longitude": "70.07", "geom_wkt": '"POINT (70.07 33.0)"',
        "country": "Pakistan", "country_id": "770", "date_start": "2015-01-02",
        "date_end": "2015-01-02", "deaths_a": "1", "deaths_b": "5", "deaths_civilians": "0",
        "deaths_unknown": "0", "best": "6", "high": "8", "low": "6", "gwnoa": "770",
    }
    return _delimited(GED_HEADER.split(","), [{**base, "id": str(i), "relid": f"PAK-2015-1-{i}"}
                                              for i in range(1, 9)], sep=",")


def _ucdp_jsonl() -> bytes:
    rows = [{"id": i, "side_a_name": "Government of India", "side_b_name": "Government of Pakistan",
             "deaths_side_a": 1, "deaths_side_b": 2, "deaths_civilian": 0, "deaths_unknown": 0,
             "location_root_name": "India", "start_date": "2019-02-26", "end_date": "2019-02-26"}
            for i in range(1, 9)]
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def _acled() -> bytes:
    base = {
        "event_date": "2023-05-01", "year": "2023", "time_precision": "1",
        "event_type": "Battles", "sub_event_type": "Armed clash",
        "actor1": "Military Forces of Pakistan (2018-)", "inter1": "1",
        "actor2": "Military Forces of Afghanistan (2021-)", "inter2": "1", "interaction": "11",
        "iso": "586", "country": "Pakistan", "latitude": "32.98", "longitude": "70.60",
        "notes": '"Troops exchanged fire, ""heavy"" shelling,\nreported."', "fatalities": "5",
        "timestamp": "1683590400",
    }
    return _delimited(ACLED_COLUMNS, [{**base, "event_id_cnty": f"PAK{i}"} for i in range(8)],
                      sep=",")


def _gdelt2_reduced() -> bytes:
    header = (",Global_Event_ID,Day,Actor_1_Country_ABBR,Actor_2_Country_ABBR,Event_Code,"
              "Quad_Class,Goldstein_Scale,Num_Articles,Confidence")
    rows = [f"{i},{1031033049 + i},20220301,RUS,UKR,190,4,-10.0,2,20" for i in range(8)]
    return ("\n".join([header] + rows) + "\n").encode()


#: kind, file name, valid content
LAYOUTS: list[tuple[str, str, bytes]] = [
    ("gdelt1", "20240318.export.CSV", _gdelt(GDELT1_COLUMNS)),
    ("gdelt1", "backfile.csv", _gdelt(GDELT1_COLUMNS[:-1])),
    ("gdelt2", "20240318121500.export.CSV", _gdelt(GDELT2_COLUMNS)),
    ("gdelt2_derived", "reduced.csv", _gdelt2_reduced()),
    ("ucdp", "ged.csv", _ucdp_csv()),
    ("ucdp", "ged.jsonl", _ucdp_jsonl()),
    ("acled", "acled.csv", _acled()),
    ("icews", "events.1995.tab", _icews_dataverse()),
    ("icews", "icews14_test.txt", _icews_derived()),
    ("polecat", "polecat.tsv", _polecat()),
]

# --- damage --------------------------------------------------------------------------------

#: Bytes that matter to parsers: separators, quotes, line ends, NUL, invalid and multi-byte
#: UTF-8, braces, digits, signs.
_NASTY = [b"\t", b",", b'"', b"\n", b"\r\n", b"\r", b"\x00", b"\xff", b"\xe9", b"\xc3\xa9",
          b"{", b"}", b"[", b"0", b"9", b"-", b".", b"e", b" ", b"\\", b"NaN", b"99999999999999999999"]

#: Field values that are well formed as text but wrong as data.
_VALUES = ["", " ", "NaN", "inf", "-inf", "1e308", "-1", "-99999999999", "99999999999999999999",
           "0", "0.5", "abc", "2024-02-30", "0000-00-00", "99991231", "20241301", "1900-01-01",
           "2099-12-31", "19", "195", "1951", "20", "21", "-10.5", "10.5", "XXX", "EUR", "\u00e9",
           "\u202e", "x" * 5000, "null", "None", "true", "[]", "{}"]

_edit = st.one_of(
    st.tuples(st.just("field"), st.floats(0, 1), st.tuples(st.integers(0, 80),
                                                           st.sampled_from(_VALUES))),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 40)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.lists(st.sampled_from(_NASTY), min_size=1,
                                                           max_size=4)),
    st.tuples(st.just("overwrite"), st.floats(0, 1), st.binary(min_size=1, max_size=6)),
    st.tuples(st.just("repeat_line"), st.floats(0, 1), st.integers(1, 3)),
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(0)),
)


def damage(data: bytes, edits: list[tuple[str, float, object]]) -> bytes:
    """Apply ``edits`` (each at a relative position in the current bytes) to ``data``."""
    for op, where, arg in edits:
        at = min(int(where * len(data)), max(len(data) - 1, 0))
        if op == "field":  # one field of one line replaced
            column, value = arg  # type: ignore[misc]
            lines = data.split(b"\n")
            k = min(int(where * len(lines)), len(lines) - 1)
            sep = b"\t" if lines[k].count(b"\t") > lines[k].count(b",") else b","
            fields = lines[k].split(sep)
            fields[column % len(fields)] = value.encode()
            lines[k] = sep.join(fields)
            data = b"\n".join(lines)
        elif op == "delete":
            data = data[:at] + data[at + int(arg):]
        elif op == "insert":
            data = data[:at] + b"".join(arg) + data[at:]  # type: ignore[arg-type]
        elif op == "overwrite":
            data = data[:at] + arg + data[at + len(arg):]  # type: ignore[operator, arg-type]
        elif op == "repeat_line":
            lines = data.splitlines(keepends=True)
            if lines:
                k = min(int(where * len(lines)), len(lines) - 1)
                data = b"".join(lines[: k + 1] + [lines[k]] * int(arg) + lines[k + 1:])
        else:
            data = data[:at]
    return data


def check_ingest(kind: str, path: Path) -> None:
    """Ingest ``path`` twice into a new store and check the accounting and the store."""
    with EventStore(":memory:") as store:
        try:
            report = store.ingest(kind, [path])
        except SourceFormatError as exc:
            assert path.name in str(exc), f"the error does not name the file: {exc}"
            assert store.count() == 0 and len(store.rejects()) == 0
            return
        counts = report.counts()
        assert counts["read"] == counts["stored"] + counts["duplicates"] + counts["rejected"]
        assert store.count() == counts["stored"]
        check_events(store.events())  # what was stored follows the schema
        rejects = store.rejects()
        assert len(rejects) == counts["rejected"]
        assert rejects["reason"].notna().all() and (rejects["reason"].str.len() > 0).all()
        assert (rejects["line"] >= 1).all()
        again = store.ingest(kind, [path]).counts()
        assert again["read"] == counts["read"] and again["stored"] == 0
        assert again["rejected"] == counts["rejected"]
        assert store.count() == counts["stored"]


@pytest.mark.parametrize(("kind", "name", "content"), LAYOUTS,
                         ids=[f"{k}-{n}" for k, n, _ in LAYOUTS])
def test_the_valid_file_is_stored_whole(tmp_path, kind, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with EventStore(":memory:") as store:
        counts = store.ingest(kind, [path]).counts()
    assert counts["read"] >= 8 and counts["rejected"] == 0
    assert counts["stored"] + counts["duplicates"] == counts["read"]


@pytest.mark.parametrize(("kind", "name", "content"), [
    (k, n, c) for k, n, c in LAYOUTS if n in ("20240318.export.CSV", "ged.csv", "polecat.tsv")])
def test_a_bare_carriage_return_rejects_its_line(tmp_path, kind, name, content):
    # A lone \r is a line end to some parsers and an error to others: the line holding it is
    # rejected with its number, Windows line ends (\r\n) are read as line ends.
    lines = content.split(b"\n")
    lines[2] = lines[2][:5] + b"\r" + lines[2][5:]
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(lines))
    with EventStore(":memory:") as store:
        counts = store.ingest(kind, [path]).counts()
        rejects = store.rejects()
    header = 0 if kind == "gdelt1" else 1
    assert counts["read"] == len([x for x in lines if x]) - header
    assert counts["rejected"] == 1 and rejects.line.tolist() == [3]
    assert "carriage return" in rejects.reason[0] or "split into fields" in rejects.reason[0]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "name", "content"), LAYOUTS,
                         ids=[f"{k}-{n}" for k, n, _ in LAYOUTS])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_edit, min_size=1, max_size=4))
def test_damaged_file_is_rejected_or_accounted_for(tmp_path, kind, name, content, edits):
    path = tmp_path / name
    path.write_bytes(damage(content, edits))
    check_ingest(kind, path)
