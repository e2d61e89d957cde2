"""The DuckDB event store: accounting, idempotence, atomicity, queries."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from riskmodel.exceptions import ConfigurationError, SourceFormatError, StoreError
from riskmodel.sources.gdelt import GDELT2_COLUMNS
from riskmodel.store import EventStore, parse_dyad


def gdelt2_row(event_id: int, a1: str = "PAK", a2: str = "AFG", code: str = "195",
               day: str = "20240318", added: str = "20240318120000") -> str:
    """One synthetic GDELT 2.0 export row (61 tab-separated fields)."""
    from riskmodel.codes.cameo import cameo_table

    table = cameo_table()
    info = table.loc[code] if code in table.index else table.loc["190"]
    f = dict.fromkeys(GDELT2_COLUMNS, "")
    f.update(GLOBALEVENTID=str(event_id), SQLDATE=day, MonthYear=day[:6], Year=day[:4],
             FractionDate="2024.2110", Actor1Code=a1 + "MIL", Actor1Name=a1,
             Actor1CountryCode=a1, Actor1Type1Code="MIL", Actor2Code=a2, Actor2Name=a2,
             Actor2CountryCode=a2, IsRootEvent="1", EventCode=code, EventBaseCode=code[:3],
             EventRootCode=code[:2], QuadClass=str(info["quad_class"]),
             GoldsteinScale=str(info["goldstein"]), NumMentions="4", NumSources="1",
             NumArticles="4", AvgTone="-5.1", ActionGeo_Type="1", ActionGeo_CountryCode="AF",
             ActionGeo_Lat="33.9", ActionGeo_Long="67.7", DATEADDED=added,
             SOURCEURL=f"https://example.org/{event_id}")
    return "\t".join(f[c] for c in GDELT2_COLUMNS)


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    rows = [gdelt2_row(i) for i in range(1, 6)] + [gdelt2_row(6, "IND", "PAK", "112")]
    path = tmp_path / "20240318120000.export.CSV"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_ingest_accounts_for_every_row_and_is_idempotent(tmp_path, export_file):
    db = tmp_path / "store.duckdb"
    with EventStore(db) as store:
        first = store.ingest("gdelt2", [export_file])
        assert first.counts() == {"read": 6, "stored": 6, "duplicates": 0, "rejected": 0}
        again = store.ingest("gdelt2", [export_file])
        assert again.counts() == {"read": 6, "stored": 0, "duplicates": 6, "rejected": 0}
        assert store.count() == 6
        prov = store.provenance()
        assert len(prov) == 2
        assert (prov["n_read"] == prov["n_stored"] + prov["n_duplicates"]
                + prov["n_rejected"]).all()
        assert prov["sha256"].nunique() == 1
    # Reopening the file sees the same rows.
    with EventStore(db, read_only=True) as store:
        assert store.count() == 6


def test_bad_rows_are_rejected_with_reasons(tmp_path):
    rows = [
        gdelt2_row(1),
        gdelt2_row(2, day="2024XX18"),             # bad SQLDATE
        "\t".join(["3"] * 10),                     # wrong column count
        gdelt2_row(4, code="999"),                 # not a CAMEO code
        gdelt2_row(1),                             # duplicated id within the file
    ]
    path = tmp_path / "bad.export.CSV"
    data = ("\n".join(rows) + "\n").encode() + b"5\t\xff\xfe broken bytes\n"
    path.write_bytes(data)
    store = EventStore(":memory:")
    report = store.ingest("gdelt2", [path])
    assert report.read == 6
    assert report.counts() == {"read": 6, "stored": 1, "duplicates": 1, "rejected": 4}
    rejects = store.rejects().set_index("line")
    assert set(rejects.index) == {2, 3, 4, 6}
    assert rejects.loc[2, "column"] == "SQLDATE"
    assert "61" in rejects.loc[3, "reason"] and "found 10" in rejects.loc[3, "reason"]
    assert rejects.loc[4, "column"] == "cameo_code"
    assert "UTF-8" in rejects.loc[6, "reason"]


def test_zip_and_directory_inputs(tmp_path, export_file):
    archive = tmp_path / "20240318120000.export.CSV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(export_file, export_file.name)
    store = EventStore(":memory:")
    assert store.ingest("gdelt2", [archive]).stored == 6
    sub = tmp_path / "dir"
    sub.mkdir()
    (sub / "a.export.CSV").write_text(gdelt2_row(100) + "\n")
    assert store.ingest("gdelt2", [sub]).counts()["stored"] == 1


def test_truncated_zip_and_empty_file_are_typed_errors(tmp_path, export_file):
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(export_file, export_file.name)
    archive.write_bytes(archive.read_bytes()[:-30])
    store = EventStore(":memory:")
    with pytest.raises(SourceFormatError, match="cut.zip"):
        store.ingest("gdelt2", [archive])
    empty = tmp_path / "empty.CSV"
    empty.write_text("")
    with pytest.raises(SourceFormatError, match="empty"):
        store.ingest("gdelt2", [empty])
    with pytest.raises(SourceFormatError, match="no such file"):
        store.ingest("gdelt2", [tmp_path / "missing.CSV"])
    with pytest.raises(ConfigurationError, match="gdelt2"):
        store.ingest("gdelt", [export_file])


def test_failure_mid_batch_leaves_no_partial_batch(tmp_path, export_file):
    from riskmodel.sources.base import Chunk, register_reader
    from riskmodel.sources.gdelt import read_gdelt2

    @register_reader("_failing")
    def failing(item, **_):
        for chunk in read_gdelt2(item):
            yield chunk
            raise OSError("disk went away")

    store = EventStore(tmp_path / "s.duckdb")
    with pytest.raises(OSError):
        store.ingest("_failing", [export_file])
    assert store.count() == 0
    assert len(store.provenance()) == 0
    assert len(store.rejects()) == 0
    assert store.ingest("gdelt2", [export_file]).stored == 6
    assert isinstance(Chunk, type)


def test_crash_of_the_process_mid_write_keeps_the_store_consistent(tmp_path, export_file):
    db = tmp_path / "crash.duckdb"
    with EventStore(db) as store:
        store.ingest("gdelt2", [export_file])
    script = textwrap.dedent(
        f"""
        import os
        from riskmodel.store import EventStore
        from riskmodel.sources.base import register_reader
        from riskmodel.sources.gdelt import read_gdelt2

        @register_reader("_dies")
        def dies(item, **_):
            for chunk in read_gdelt2(item):
                yield chunk
                os._exit(9)

        EventStore({str(db)!r}).ingest("_dies", [{str(export_file)!r}])
        """
    )
    other = export_file.with_name("other.CSV")
    other.write_text("\n".join(gdelt2_row(i) for i in range(50, 60)) + "\n")
    script = script.replace(str(export_file), str(other))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert proc.returncode == 9
    with EventStore(db) as store:
        assert store.count() == 6
        assert store.provenance()["n_stored"].sum() == 6


def test_second_writer_gets_a_clear_error(tmp_path):
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import time; from riskmodel.store import EventStore; s = EventStore({str(db)!r}); "
         "print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="another riskmodel process"):
            EventStore(db)
    finally:
        holder.kill()
        holder.wait()


def test_queries_by_dyad_period_source_and_as_of(export_file):
    store = EventStore(":memory:")
    store.ingest("gdelt2", [export_file])
    assert len(store.events(dyad="PAK>AFG")) == 5
    assert len(store.events(dyad="AFG>PAK")) == 0
    assert len(store.events(dyad="AFG-PAK")) == 5
    assert len(store.events(states=["IND"])) == 1
    assert len(store.events(start="2024-03-19")) == 0
    assert len(store.events(source="gdelt1")) == 0
    assert len(store.events(as_of="2024-03-18 11:00")) == 0
    assert len(store.events(as_of="2024-03-18 12:00")) == 6
    latest = store.events(limit=2, order="-date", columns=["event_id", "cameo_code"])
    assert list(latest.columns) == ["event_id", "cameo_code"]
    with pytest.raises(ConfigurationError, match="Unknown event column"):
        store.events(columns=["nope"])
    h1 = store.data_hash()
    assert h1 == store.data_hash()
    assert h1 != store.data_hash(dyad="PAK>AFG")


def test_add_frame_as_one_batch():
    store = EventStore(":memory:")
    frame = pd.DataFrame({
        "source": ["article"] * 2, "source_event_id": ["a", "b"],
        "date": ["2024-03-18"] * 2, "available_at": ["2024-03-23"] * 2,
        "cameo_code": ["195", "112"], "cameo_root": [19, 11], "quad_class": [4, 3],
        "goldstein": [-10.0, -2.0], "weight": [1.0, 1.0],
        "actor1_state": ["PAK", "AFG"], "actor2_state": ["AFG", "PAK"],
    })
    report = store.add(frame, origin="seed article")
    assert report.counts() == {"read": 2, "stored": 2, "duplicates": 0, "rejected": 0}
    assert store.provenance().loc[0, "kind"] == "article"
    assert store.add(frame).duplicates == 2


def test_parse_dyad():
    assert parse_dyad("PAK>AFG") == ("PAK", "AFG", True)
    assert parse_dyad("afg-pak") == ("AFG", "PAK", False)
    with pytest.raises(ConfigurationError, match="PAK>AFG"):
        parse_dyad("Pakistan vs Afghanistan")


def test_cli_ingest_prints_accounting_last(tmp_path, export_file):
    cmd = [sys.executable, "-m", "riskmodel", "ingest", "gdelt2", str(export_file),
           "--store", str(tmp_path / "cli.duckdb")]
    for expected in ({"read": 6, "stored": 6, "duplicates": 0, "rejected": 0},
                     {"read": 6, "stored": 0, "duplicates": 6, "rejected": 0}):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout.strip().splitlines()[-1]) == expected
        assert "read 6" in proc.stderr


def test_reader_options_are_checked(export_file):
    store = EventStore(":memory:")
    with pytest.raises(ConfigurationError, match="block_bytes"):
        store.ingest("gdelt2", [export_file], block_byte=10)
    assert store.ingest("gdelt2", [export_file], block_bytes=100).stored == 6


def test_cli_reader_options(tmp_path, export_file):
    from riskmodel.cli.ingest import parse_options

    assert parse_options(["block_bytes=4096", "mapping=gdelt2_events_reduced"]) == {
        "block_bytes": 4096, "mapping": "gdelt2_events_reduced"}
    with pytest.raises(ConfigurationError, match="KEY=VALUE"):
        parse_options(["novalue"])
    proc = subprocess.run([sys.executable, "-m", "riskmodel", "ingest", "gdelt2",
                           str(export_file), "--store", str(tmp_path / "o.duckdb"),
                           "-o", "block_bytes=64"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["stored"] == 6


def test_prefetching_reader_passes_chunks_errors_and_stops_early():
    import threading

    from riskmodel.store import _prefetched

    closed = threading.Event()

    def chunks(fail: bool):
        try:
            yield 1
            yield 2
            if fail:
                raise SourceFormatError("broken row", path="f.csv", line=3)
            yield 3
        finally:
            closed.set()

    assert list(_prefetched(chunks(False))) == [1, 2, 3]
    it = _prefetched(chunks(True))
    assert [next(it), next(it)] == [1, 2]
    with pytest.raises(SourceFormatError, match="broken row"):
        next(it)
    # Stopping after the first chunk closes the reader (its file) in its own thread.
    closed.clear()
    it = _prefetched(chunks(False))
    assert next(it) == 1
    it.close()
    assert closed.is_set() and not it._thread.is_alive()
    with pytest.raises(StopIteration):
        next(it)


def test_chunk_with_repeated_and_stored_ids_is_accounted(tmp_path, export_file):
    # The first ingest stores the file; a copy with one row repeated and one row broken
    # stores nothing new, and every row is accounted for as a duplicate or a reject.
    lines = Path(export_file).read_text().splitlines()
    fields = lines[1].split("\t")
    fields[1] = "2024-13-45"  # SQLDATE that is no date
    copy = tmp_path / "copy.export.CSV"
    copy.write_text("\n".join(lines + [lines[0], "\t".join(fields)]) + "\n")
    with EventStore(tmp_path / "s.duckdb") as store:
        first = store.ingest("gdelt2", [export_file]).counts()
        again = store.ingest("gdelt2", [copy]).counts()
        assert again == {"read": first["read"] + 2, "stored": 0,
                         "duplicates": first["read"] + 1, "rejected": 1}
        assert store.count() == first["stored"]
        reason = store.connection.execute(
            "SELECT \"column\", line FROM rejects ORDER BY batch_id DESC LIMIT 1").fetchall()
        assert reason == [("SQLDATE", len(lines) + 2)]


def _gdelt2_files(tmp_path, export_file, n):
    """``n`` copies of the export with distinct event ids (one chunk each)."""
    lines = Path(export_file).read_text().splitlines()
    paths = []
    for k in range(n):
        rows = []
        for line in lines:
            fields = line.split("\t")
            fields[0] = f"{k + 1}{fields[0]}"
            rows.append("\t".join(fields))
        path = tmp_path / f"2018032600{k:02d}00.export.CSV"
        path.write_text("\n".join(rows) + "\n")
        paths.append(path)
    return paths, len(lines)


def test_small_files_share_a_transaction_but_stay_separate_batches(tmp_path, export_file):
    paths, n = _gdelt2_files(tmp_path, export_file, 4)
    empty = tmp_path / "2018032600z900.export.CSV"
    empty.write_text("")
    with EventStore(tmp_path / "s.duckdb") as store:
        report = store.ingest("gdelt2", paths)
        assert report.counts() == {"read": 4 * n, "stored": 4 * n, "duplicates": 0,
                                   "rejected": 0}
        prov = store.provenance()
        assert len(prov) == 4 and (prov["n_stored"] == n).all()
        assert sorted(prov["origin"]) == sorted(str(p) for p in paths)
    # A file that cannot be read: the files before it stay stored, the ones after are not read.
    with EventStore(tmp_path / "t.duckdb") as store:
        with pytest.raises(SourceFormatError, match="empty"):
            store.ingest("gdelt2", [paths[0], paths[1], empty, paths[2]])
        assert store.count() == 2 * n and len(store.provenance()) == 2
        assert store.ingest("gdelt2", paths).counts()["duplicates"] == 2 * n
        assert store.count() == 4 * n


def test_failure_while_writing_undoes_the_open_group_only(tmp_path, export_file):
    from riskmodel.sources.base import register_reader
    from riskmodel.sources.gdelt import read_gdelt2

    paths, n = _gdelt2_files(tmp_path, export_file, 3)
    big = tmp_path / "big.export.CSV"
    big.write_text(paths[0].read_text())

    @register_reader("_breaks_third")
    def breaks_third(item, **_):
        for chunk in read_gdelt2(item, block_bytes=1 << 10 if "big" in item.origin else 1 << 26):
            if item.origin.endswith(paths[2].name):
                chunk.n_read += 1  # accounting the store refuses
            yield chunk

    with EventStore(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError, match="accounting mismatch"):
            store.ingest("_breaks_third", [big, paths[0], paths[1], paths[2]])
        # the large file was committed on its own; the small files' group was undone
        assert list(store.provenance()["origin"]) == [str(big)]
        assert store.count() == n
        again = store.ingest("gdelt2", paths[:2]).counts()
        assert again["stored"] == n and again["duplicates"] == n  # paths[0] repeats big
        assert store.count() == 2 * n


def test_small_files_stored_together_keep_exact_per_file_accounting(tmp_path, export_file):
    paths, n = _gdelt2_files(tmp_path, export_file, 3)
    first = paths[0].read_text().splitlines()
    second = paths[1].read_text().splitlines()
    bad = second[2].split("\t")
    bad[1] = "20181345"  # no such date
    second[2] = "\t".join(bad)
    second.append(first[0])  # an event of the first file again
    paths[1].write_text("\n".join(second) + "\n")
    third = paths[2].read_text().splitlines()
    third.insert(1, "only\tthree\tfields")
    paths[2].write_text("\n".join(third) + "\n")
    with EventStore(tmp_path / "s.duckdb") as store:
        report = store.ingest("gdelt2", paths)
        prov = store.provenance().set_index("origin")
        rejects = store.rejects()
    got = {Path(o).name: (r.n_read, r.n_stored, r.n_duplicates, r.n_rejected)
           for o, r in prov.iterrows()}
    assert got == {paths[0].name: (n, n, 0, 0), paths[1].name: (n + 1, n - 1, 1, 1),
                   paths[2].name: (n + 1, n, 0, 1)}
    assert report.counts() == {"read": 3 * n + 2, "stored": 3 * n - 1, "duplicates": 1,
                               "rejected": 2}
    by_batch = dict(zip(prov["batch_id"], prov.index))
    where = {(Path(by_batch[b]).name, int(line)) for b, line in
             zip(rejects["batch_id"], rejects["line"])}
    assert where == {(paths[1].name, 3), (paths[2].name, 2)}
