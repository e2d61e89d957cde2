"""Downloaders against a local HTTP server replaying recorded responses (no network).

The server (``http.server`` on 127.0.0.1 in a thread) serves ``tests/data/recorded/`` (written by
``tests/data/recorded/make_recorded.py``) and can refuse ``Range`` requests, cut a transfer short
once, corrupt a file, or answer 404, so the real ``urllib`` code path is exercised end to end.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import threading
import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from riskmodel.exceptions import ConfigurationError, DataQualityWarning, DownloadError
from riskmodel.sources import download as dl

RECORDED = Path(__file__).parent / "data" / "recorded"


# ---------------------------------------------------------------------------------------------
# A small replaying HTTP server
# ---------------------------------------------------------------------------------------------


@dataclass
class Hit:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Replay:
    """Routes and fault injection for the test server."""

    files: dict[str, bytes] = field(default_factory=dict)
    dynamic: dict[str, Callable[[Hit], tuple[int, dict[str, str], bytes]]] = \
        field(default_factory=dict)
    ranges: bool = True
    cut_once: set[str] = field(default_factory=set)  # send half the body, then close
    log: list[Hit] = field(default_factory=list)
    url: str = ""

    def serve_folder(self, folder: Path, prefix: str) -> None:
        for path in folder.iterdir():
            if path.is_file():
                self.files[prefix + path.name] = path.read_bytes()

    def gets(self, suffix: str) -> list[Hit]:
        return [h for h in self.log if h.method == "GET" and h.path.endswith(suffix)]


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _hit(self) -> Hit:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            hit = Hit(self.command, parts.path, dict(urllib.parse.parse_qsl(parts.query)),
                      {k.lower(): v for k, v in self.headers.items()}, body)
            replay.log.append(hit)
            return hit

        def _send(self, status: int, headers: dict[str, str], body: bytes,
                  head: bool = False) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _serve(self, head: bool) -> None:
            hit = self._hit()
            if hit.path in replay.dynamic:
                status, headers, body = replay.dynamic[hit.path](hit)
                self._send(status, headers, body, head)
                return
            data = replay.files.get(hit.path)
            if data is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found", head)
                return
            rng = hit.headers.get("range")
            if rng and replay.ranges and not head:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data):
                    self._send(416, {"Content-Range": f"bytes */{len(data)}"}, b"")
                    return
                body = data[start:]
                self._send(206, {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
                           body)
                return
            if hit.path in replay.cut_once and not head:
                replay.cut_once.discard(hit.path)
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(200, {"Content-Type": "application/octet-stream"}, data, head)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(head=False)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(head=True)

        def do_POST(self) -> None:  # noqa: N802
            self._serve(head=False)

    return Handler


@pytest.fixture()
def server() -> Iterator[Replay]:
    replay = Replay()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    replay.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield replay
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dl, "RETRY_BACKOFF", 0.0)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.fixture()
def gdelt1(server: Replay) -> Replay:
    server.serve_folder(RECORDED / "gdelt1", "/events/")
    return server


@pytest.fixture()
def gdelt2(server: Replay) -> Replay:
    server.serve_folder(RECORDED / "gdelt2", "/gdeltv2/")
    return server


def g1(server: Replay, tmp_path: Path, start: str = "2016-07-27", end: str = "2016-07-29",
       **kw: object) -> dl.FetchResult:
    kw.setdefault("progress", False)
    return dl.fetch_gdelt1(start, end, tmp_path / "g1", base_url=server.url + "/events/", **kw)


# ---------------------------------------------------------------------------------------------
# GDELT 1.0
# ---------------------------------------------------------------------------------------------


def test_gdelt1_filenames_follow_the_archive_layout() -> None:
    assert dl.gdelt1_filenames("2005-12-30", "2006-02-01") == ["2005.zip", "200601.zip",
                                                               "200602.zip"]
    assert dl.gdelt1_filenames("2013-03-31", "2013-04-02") == [
        "201303.zip", "20130401.export.CSV.zip", "20130402.export.CSV.zip"]
    assert dl.gdelt1_filenames("1970-01-01", "1979-06-01") == ["1979.zip"]
    with pytest.raises(ConfigurationError, match="end 2016-07-01 is before start"):
        dl.gdelt1_filenames("2016-07-02", "2016-07-01")
    with pytest.raises(ConfigurationError, match="'start' parameter must be a date"):
        dl.gdelt1_filenames("28/07/2016", "2016-07-30")
    with pytest.raises(ConfigurationError, match="starts on 1979-01-01"):
        dl.gdelt1_filenames("1970-01-01", "1978-12-31")


def test_parse_gdelt1_index_reads_both_lists() -> None:
    md5s = (RECORDED / "gdelt1" / "md5sums").read_text().splitlines() + ["garbage", ""]
    sizes = (RECORDED / "gdelt1" / "filesizes").read_text().splitlines()
    index = dl.parse_gdelt1_index(md5s, sizes)
    data = (RECORDED / "gdelt1" / "20160728.export.CSV.zip").read_bytes()
    entry = index["20160728.export.CSV.zip"]
    assert (entry.size, entry.md5) == (len(data), md5(data))
    assert index["1979.zip"].md5 == "7fb1b6ff781aea3d441abf512dc5e0f9"
    assert "garbage" not in index


def test_gdelt1_downloads_verifies_and_records_a_manifest(gdelt1: Replay, tmp_path: Path) -> None:
    result = g1(gdelt1, tmp_path)
    names = [p.name for p in result.files]
    assert names == ["20160727.export.CSV.zip", "20160728.export.CSV.zip",
                     "20160729.export.CSV.zip"]
    for path in result.files:
        assert path.read_bytes() == (RECORDED / "gdelt1" / path.name).read_bytes()
    assert result.counts() == {"downloaded": 3}
    assert all(e.verified == "size+md5" for e in result.entries)
    manifest = json.loads(result.manifest_path.read_text())
    assert set(manifest["files"]) == set(names)
    assert manifest["files"][names[0]]["md5"] == md5(result.files[0].read_bytes())
    assert (tmp_path / "g1" / ".index" / "gdelt1-md5sums").exists()
    assert not list((tmp_path / "g1").glob("*.part"))


def test_gdelt1_second_run_uses_the_cache(gdelt1: Replay, tmp_path: Path) -> None:
    g1(gdelt1, tmp_path)
    gdelt1.log.clear()
    again = g1(gdelt1, tmp_path)
    assert again.counts() == {"cached": 3}
    assert gdelt1.log == []  # neither the index nor any file was requested again


def test_gdelt1_replaces_a_cached_file_that_no_longer_matches(gdelt1: Replay,
                                                              tmp_path: Path) -> None:
    g1(gdelt1, tmp_path)
    damaged = tmp_path / "g1" / "20160728.export.CSV.zip"
    damaged.write_bytes(b"x" * damaged.stat().st_size)  # same size, different content
    again = g1(gdelt1, tmp_path)
    assert {e.name: e.status for e in again.entries}["20160728.export.CSV.zip"] == "downloaded"
    assert damaged.read_bytes() == (RECORDED / "gdelt1" / damaged.name).read_bytes()


def test_gdelt1_resumes_a_partial_file_with_a_range_request(gdelt1: Replay,
                                                            tmp_path: Path) -> None:
    name = "20160728.export.CSV.zip"
    data = (RECORDED / "gdelt1" / name).read_bytes()
    (tmp_path / "g1").mkdir()
    (tmp_path / "g1" / (name + ".part")).write_bytes(data[:100])
    result = g1(gdelt1, tmp_path)
    status = {e.name: e.status for e in result.entries}
    assert status[name] == "resumed"
    [hit] = gdelt1.gets(name)
    assert hit.headers["range"] == "bytes=100-"
    assert (tmp_path / "g1" / name).read_bytes() == data
    assert not (tmp_path / "g1" / (name + ".part")).exists()


def test_gdelt1_restarts_when_the_server_ignores_range(gdelt1: Replay, tmp_path: Path) -> None:
    gdelt1.ranges = False
    name = "20160728.export.CSV.zip"
    data = (RECORDED / "gdelt1" / name).read_bytes()
    (tmp_path / "g1").mkdir()
    (tmp_path / "g1" / (name + ".part")).write_bytes(data[:100])
    result = g1(gdelt1, tmp_path)
    assert {e.name: e.status for e in result.entries}[name] == "downloaded"
    assert (tmp_path / "g1" / name).read_bytes() == data


def test_gdelt1_interrupted_transfer_is_retried_and_resumed(gdelt1: Replay,
                                                            tmp_path: Path) -> None:
    name = "20160729.export.CSV.zip"
    gdelt1.cut_once.add("/events/" + name)
    result = g1(gdelt1, tmp_path)
    hits = gdelt1.gets(name)
    assert len(hits) == 2 and hits[1].headers["range"].startswith("bytes=")
    assert {e.name: e.status for e in result.entries}[name] == "resumed"
    assert (tmp_path / "g1" / name).read_bytes() == (RECORDED / "gdelt1" / name).read_bytes()


def test_gdelt1_truncated_file_is_a_loud_error_and_the_part_is_kept(gdelt1: Replay,
                                                                    tmp_path: Path) -> None:
    name = "20160729.export.CSV.zip"
    size = len((RECORDED / "gdelt1" / name).read_bytes())
    gdelt1.cut_once.add("/events/" + name)
    with pytest.raises(DownloadError) as err:
        g1(gdelt1, tmp_path, retries=0)
    message = str(err.value)
    assert name in message and f"expected {size} bytes" in message
    assert f"got {size // 2} bytes" in message and "kept" in message
    part = tmp_path / "g1" / (name + ".part")
    assert part.stat().st_size == size // 2
    # The next run resumes it.
    result = g1(gdelt1, tmp_path)
    assert {e.name: e.status for e in result.entries}[name] == "resumed"


def test_gdelt1_checksum_mismatch_names_file_expected_and_got(gdelt1: Replay,
                                                              tmp_path: Path) -> None:
    name = "20160727.export.CSV.zip"
    good = gdelt1.files["/events/" + name]
    bad = bytes([good[0] ^ 0xFF]) + good[1:]
    gdelt1.files["/events/" + name] = bad
    with pytest.raises(DownloadError) as err:
        g1(gdelt1, tmp_path)
    message = str(err.value)
    assert name in message and md5(good) in message and md5(bad) in message
    assert "removed" in message
    assert not (tmp_path / "g1" / (name + ".part")).exists()
    assert not (tmp_path / "g1" / name).exists()
    # The other files of the range are complete and stay cached.
    assert (tmp_path / "g1" / "20160728.export.CSV.zip").exists()


def test_gdelt1_file_missing_from_the_index_fails_before_downloading(gdelt1: Replay,
                                                                     tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        g1(gdelt1, tmp_path, start="2016-07-28", end="2016-07-31")
    message = str(err.value)
    assert "20160730.export.CSV.zip" in message and "20160731.export.CSV.zip" in message
    assert "--allow-missing" in message
    assert gdelt1.gets(".zip") == []


def test_gdelt1_allow_missing_warns_with_the_list(gdelt1: Replay, tmp_path: Path) -> None:
    with pytest.warns(DataQualityWarning, match="20160730.export.CSV.zip"):
        result = g1(gdelt1, tmp_path, start="2016-07-28", end="2016-07-30", allow_missing=True)
    assert [p.name for p in result.files] == ["20160728.export.CSV.zip",
                                              "20160729.export.CSV.zip"]
    assert result.missing == ["20160730.export.CSV.zip"]
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["files"]["20160730.export.CSV.zip"]["status"] == "missing"


def test_gdelt1_listed_file_answering_404_is_reported_missing(gdelt1: Replay,
                                                              tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"20160726\.export\.CSV\.zip \(HTTP 404\)"):
        g1(gdelt1, tmp_path, start="2016-07-26", end="2016-07-27")
    # The file that exists was downloaded before the error.
    assert (tmp_path / "g1" / "20160727.export.CSV.zip").exists()


def test_gdelt1_stale_cached_index_is_refreshed(gdelt1: Replay, tmp_path: Path) -> None:
    index = tmp_path / "g1" / ".index"
    index.mkdir(parents=True)
    (index / "gdelt1-md5sums").write_text("0" * 32 + "  20160727.export.CSV.zip\n")
    (index / "gdelt1-filesizes").write_text("1 20160727.export.CSV.zip\n")
    result = g1(gdelt1, tmp_path)
    assert len(result.files) == 3
    assert len(gdelt1.gets("/events/md5sums")) == 1
    assert len(gdelt1.gets("/events/filesizes")) == 1


def test_gdelt1_missing_index_names_the_url(server: Replay, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="md5sums is not on the server"):
        g1(server, tmp_path)


def test_gdelt1_dry_run_plans_without_downloading(gdelt1: Replay, tmp_path: Path) -> None:
    g1(gdelt1, tmp_path, start="2016-07-27", end="2016-07-27")
    gdelt1.log.clear()
    plan = g1(gdelt1, tmp_path, start="2016-07-27", end="2016-07-30", dry_run=True)
    status = {e.name: e.status for e in plan.entries}
    assert status == {"20160727.export.CSV.zip": "cached", "20160728.export.CSV.zip": "planned",
                      "20160729.export.CSV.zip": "planned", "20160730.export.CSV.zip": "missing"}
    assert plan.missing == ["20160730.export.CSV.zip"]
    planned = [e for e in plan.entries if e.status == "planned"]
    assert all(e.expected_size and e.expected_md5 for e in planned)
    assert gdelt1.gets(".zip") == []
    assert not (tmp_path / "g1" / "20160728.export.CSV.zip").exists()


def test_gdelt1_progress_bar_goes_to_stderr(gdelt1: Replay, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    g1(gdelt1, tmp_path, progress=True, workers=1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "fetch gdelt1" in captured.err


# ---------------------------------------------------------------------------------------------
# GDELT 2.0
# ---------------------------------------------------------------------------------------------


def g2(server: Replay, tmp_path: Path, start: str = "2018-03-26T00:00",
       end: str = "2018-03-26T01:00", **kw: object) -> dl.FetchResult:
    kw.setdefault("progress", False)
    return dl.fetch_gdelt2(start, end, tmp_path / "g2", base_url=server.url + "/gdeltv2/", **kw)


def test_gdelt2_slots() -> None:
    slots = dl.gdelt2_slots("2018-03-26T00:10", "2018-03-26T00:50")
    assert [s.strftime("%H%M") for s in slots] == ["0015", "0030", "0045"]
    assert len(dl.gdelt2_slots("2018-03-26", "2018-03-27")) == 192
    first = dl.gdelt2_slots("2015-02-01", "2015-02-18")
    assert [s.strftime("%Y%m%d%H%M") for s in first] == [
        "201502182300", "201502182315", "201502182330", "201502182345"]
    with pytest.raises(ConfigurationError, match="fetch_gdelt1"):
        dl.gdelt2_slots("2014-01-01", "2014-01-02")


def test_parse_gdelt2_masterlist_filters_table_and_window() -> None:
    import datetime as dt

    lines = (RECORDED / "gdelt2" / "masterfilelist.txt").read_text().splitlines()
    lines += ["", "not a line",
              "123 http://data.gdeltproject.org/gdeltv2/20180326011500.export.CSV.zip"]
    entries, malformed = dl.parse_gdelt2_masterlist(
        lines, table="events", start=dt.datetime(2018, 3, 26, 0, 15),
        end=dt.datetime(2018, 3, 26, 1, 15))
    names = [r.name for _, r in entries]
    assert names == ["20180326001500.export.CSV.zip", "20180326004500.export.CSV.zip",
                     "20180326010000.export.CSV.zip", "20180326011500.export.CSV.zip"]
    assert entries[-1][1].md5 is None and malformed == 1
    gkg, _ = dl.parse_gdelt2_masterlist(lines, table="gkg")
    assert len(gkg) == 5 and gkg[0][1].size == 10768507


def test_gdelt2_gap_in_the_master_list_is_an_error(gdelt2: Replay, tmp_path: Path) -> None:
    with pytest.raises(DownloadError) as err:
        g2(gdelt2, tmp_path)
    assert "20180326003000.export.CSV.zip" in str(err.value)
    assert "masterfilelist.txt" in str(err.value)


def test_gdelt2_allow_missing_downloads_the_rest(gdelt2: Replay, tmp_path: Path) -> None:
    with pytest.warns(DataQualityWarning, match="20180326003000"):
        result = g2(gdelt2, tmp_path, allow_missing=True)
    assert [p.name[8:12] for p in result.files] == ["0000", "0015", "0045", "0100"]
    assert result.missing == ["20180326003000.export.CSV.zip"]
    for path in result.files:
        assert path.read_bytes() == (RECORDED / "gdelt2" / path.name).read_bytes()
    # Files listed under data.gdeltproject.org are fetched from the mirror given as base_url.
    assert len(gdelt2.gets(".export.CSV.zip")) == 4


def test_gdelt2_unserved_table_reports_404s(gdelt2: Replay, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"20180326000000\.mentions\.CSV\.zip \(HTTP 404\)"):
        g2(gdelt2, tmp_path, end="2018-03-26T00:15", table="mentions")


def test_gdelt2_unknown_table_suggests_the_nearest(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'events'"):
        dl.fetch_gdelt2("2018-03-26", "2018-03-26", tmp_path, table="event")


# ---------------------------------------------------------------------------------------------
# UCDP
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def ucdp(server: Replay) -> Replay:
    server.files["/downloads/ged/ged251-csv.zip"] = (RECORDED / "ucdp" / "ged251-csv.zip"
                                                     ).read_bytes()
    pages = {str(n): (RECORDED / "ucdp" / f"gedevents_25.1_page{n}.json").read_bytes()
             for n in (0, 1)}

    def api(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.headers.get("x-ucdp-access-token") != "tok":
            return 401, {}, b'{"error": "token required"}'
        if hit.query.get("pagesize") != "2":
            return 400, {}, b"unexpected pagesize"
        return 200, {"Content-Type": "application/json"}, pages[hit.query.get("page", "x")]

    server.dynamic["/api/gedevents/25.1"] = api
    return server


def test_ucdp_release_file_is_downloaded_and_tested(ucdp: Replay, tmp_path: Path) -> None:
    result = dl.fetch_ucdp_ged("25.1", tmp_path, base_url=ucdp.url + "/downloads/ged/",
                               progress=False)
    [path] = result.files
    assert path.name == "ged251-csv.zip"
    assert path.read_bytes() == (RECORDED / "ucdp" / "ged251-csv.zip").read_bytes()
    assert result.entries[0].verified == "size+zip-crc"
    again = dl.fetch_ucdp_ged("25.1", tmp_path, base_url=ucdp.url + "/downloads/ged/",
                              progress=False)
    assert again.counts() == {"cached": 1}


def test_ucdp_unknown_release_and_bad_version(ucdp: Replay, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="ged241-csv.zip is not on the server"):
        dl.fetch_ucdp_ged("24.1", tmp_path, base_url=ucdp.url + "/downloads/ged/",
                          progress=False)
    with pytest.raises(ConfigurationError, match="like '25.1'"):
        dl.fetch_ucdp_ged("25", tmp_path)


def test_ucdp_damaged_archive_is_rejected_and_removed(ucdp: Replay, tmp_path: Path) -> None:
    good = ucdp.files["/downloads/ged/ged251-csv.zip"]
    ucdp.files["/downloads/ged/ged251-csv.zip"] = good[:40] + b"\0" * 20 + good[60:]
    with pytest.raises(DownloadError, match="ged251-csv.zip"):
        dl.fetch_ucdp_ged("25.1", tmp_path, base_url=ucdp.url + "/downloads/ged/",
                          progress=False)
    assert not list(tmp_path.glob("ged251-csv.zip*"))


def test_ucdp_api_needs_a_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dl.UCDP_TOKEN_ENV, raising=False)
    with pytest.raises(ConfigurationError, match="UCDP_API_TOKEN"):
        dl.fetch_ucdp_ged("25.1", tmp_path, api=True)


def test_ucdp_api_pages_into_a_ged_csv(ucdp: Replay, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dl.UCDP_TOKEN_ENV, "tok")
    result = dl.fetch_ucdp_ged("25.1", tmp_path, api=True, pagesize=2,
                               base_url=ucdp.url + "/api/", progress=False)
    [path] = result.files
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and result.entries[0].rows == 3
    assert rows[0]["side_a"] == "Government of Pakistan" and rows[0]["side_b"] == "TTP"
    assert rows[0]["date_start"] == "2023-01-10 00:00:00.000"
    assert rows[0]["gwnob"] == "" and rows[0]["active_year"] == "1"
    with zipfile_member(RECORDED / "ucdp" / "ged251-csv.zip") as release:
        assert list(rows[0]) == next(csv.reader(release))  # same columns as the release CSV
    assert [h.query["page"] for h in ucdp.gets("/api/gedevents/25.1")] == ["0", "1"]
    ucdp.log.clear()
    again = dl.fetch_ucdp_ged("25.1", tmp_path, api=True, pagesize=2,
                              base_url=ucdp.url + "/api/", progress=False)
    assert again.counts() == {"cached": 1} and ucdp.log == []


def test_ucdp_api_short_result_is_an_error(ucdp: Replay, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dl.UCDP_TOKEN_ENV, "tok")
    page1 = json.loads((RECORDED / "ucdp" / "gedevents_25.1_page1.json").read_text())
    page1["Result"] = []
    original = ucdp.dynamic["/api/gedevents/25.1"]

    def short(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.query.get("page") == "1":
            return 200, {}, json.dumps(page1).encode()
        return original(hit)

    ucdp.dynamic["/api/gedevents/25.1"] = short
    with pytest.raises(DownloadError, match="expected 3 events"):
        dl.fetch_ucdp_ged("25.1", tmp_path, api=True, pagesize=2,
                          base_url=ucdp.url + "/api/", progress=False)
    assert not list(tmp_path.glob("*.csv"))


def test_ucdp_api_refused_token(ucdp: Replay, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="HTTP 401"):
        dl.fetch_ucdp_ged("25.1", tmp_path, api=True, pagesize=2, token="wrong",
                          base_url=ucdp.url + "/api/", progress=False)


@contextlib.contextmanager
def zipfile_member(path: Path) -> Iterator[Iterator[str]]:
    import io
    import zipfile

    with zipfile.ZipFile(path) as archive:
        name = archive.namelist()[0]
        with archive.open(name) as fh:
            yield iter(io.TextIOWrapper(fh, encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# ACLED
# ---------------------------------------------------------------------------------------------


@pytest.fixture()
def acled(server: Replay) -> Replay:
    token = (RECORDED / "acled" / "token.json").read_bytes()
    pages = {str(n): (RECORDED / "acled" / f"read_page{n}.json").read_bytes() for n in (1, 2)}

    def oauth(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        form = dict(urllib.parse.parse_qsl(hit.body.decode()))
        if hit.method != "POST" or form != {"username": "me@example.org", "password": "pw",
                                            "grant_type": "password", "client_id": "acled"}:
            return 401, {}, b'{"error": "invalid_grant"}'
        return 200, {"Content-Type": "application/json"}, token

    def read(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.headers.get("authorization") != "Bearer recorded-access-token":
            return 401, {}, b'{"error": "unauthorized"}'
        if hit.query.get("country") != "Pakistan":
            empty = {"status": 200, "success": True, "count": 0, "data": []}
            return 200, {}, json.dumps(empty).encode()
        assert hit.query["_format"] == "json" and hit.query["limit"] == "2"
        assert hit.query["event_date"] == "2024-01-01|2024-03-31"
        assert hit.query["event_date_where"] == "BETWEEN"
        return 200, {"Content-Type": "application/json"}, pages[hit.query["page"]]

    server.dynamic["/oauth/token"] = oauth
    server.dynamic["/api/acled/read"] = read
    return server


def test_acled_without_login_names_the_variables(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dl.ACLED_EMAIL_ENV, raising=False)
    monkeypatch.delenv(dl.ACLED_PASSWORD_ENV, raising=False)
    with pytest.raises(ConfigurationError, match="ACLED_EMAIL and ACLED_PASSWORD"):
        dl.fetch_acled(tmp_path, country="Pakistan")
    monkeypatch.setenv(dl.ACLED_EMAIL_ENV, "me@example.org")
    with pytest.raises(ConfigurationError, match="ACLED_PASSWORD") as err:
        dl.fetch_acled(tmp_path, country="Pakistan")
    assert "ACLED_EMAIL" not in str(err.value).split("(")[0]


def acled_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dl.ACLED_EMAIL_ENV, "me@example.org")
    monkeypatch.setenv(dl.ACLED_PASSWORD_ENV, "pw")


def test_acled_logs_in_pages_and_writes_the_export_layout(acled: Replay, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    acled_env(monkeypatch)
    result = dl.fetch_acled(tmp_path, country="Pakistan", start="2024-01-01", end="2024-03-31",
                            limit=2, base_url=acled.url, progress=False)
    [path] = result.files
    assert path.name == "acled_pakistan_20240101_20240331.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["event_id_cnty"] for r in rows] == ["PAK130001", "PAK130002", "PAK130003"]
    assert rows[0]["iso"] == "586" and rows[1]["sub_event_type"].startswith("Remote explosive")
    assert list(rows[0])[:3] == ["event_id_cnty", "event_date", "year"]
    assert [h.query["page"] for h in acled.gets("/api/acled/read")] == ["1", "2"]
    assert len([h for h in acled.log if h.path == "/oauth/token"]) == 1
    acled.log.clear()
    again = dl.fetch_acled(tmp_path, country="Pakistan", start="2024-01-01", end="2024-03-31",
                           limit=2, base_url=acled.url, progress=False)
    assert again.counts() == {"cached": 1} and acled.log == []


def test_acled_empty_result_is_loud(acled: Replay, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    acled_env(monkeypatch)
    with pytest.raises(DownloadError, match="no events .*Pakistn"):
        dl.fetch_acled(tmp_path, country="Pakistn", start="2024-01-01", end="2024-03-31",
                       limit=2, base_url=acled.url, progress=False)
    assert not list(tmp_path.glob("*.csv"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = dl.fetch_acled(tmp_path, country="Pakistn", start="2024-01-01",
                                end="2024-03-31", limit=2, base_url=acled.url, progress=False,
                                allow_empty=True)
    assert any(issubclass(w.category, DataQualityWarning) for w in caught)
    assert result.entries[0].rows == 0


def test_acled_expired_token_logs_in_again(acled: Replay, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    acled_env(monkeypatch)
    fresh = json.dumps({"access_token": "second-token", "token_type": "Bearer"}).encode()
    first_oauth = acled.dynamic["/oauth/token"]
    first_read = acled.dynamic["/api/acled/read"]
    logins: list[int] = []

    def oauth(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        logins.append(1)
        return first_oauth(hit) if len(logins) == 1 else (200, {}, fresh)

    def read(hit: Hit) -> tuple[int, dict[str, str], bytes]:
        if hit.headers.get("authorization") == "Bearer second-token":
            hit.headers["authorization"] = "Bearer recorded-access-token"
            return first_read(hit)
        if hit.query.get("page") == "2":  # the first token expires after page 1
            return 401, {}, b'{"error": "token expired"}'
        return first_read(hit)

    acled.dynamic["/oauth/token"] = oauth
    acled.dynamic["/api/acled/read"] = read
    result = dl.fetch_acled(tmp_path, country="Pakistan", start="2024-01-01", end="2024-03-31",
                            limit=2, base_url=acled.url, progress=False)
    assert result.entries[0].rows == 3 and len(logins) == 2


def test_acled_refused_login(acled: Replay, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dl.ACLED_EMAIL_ENV, "me@example.org")
    monkeypatch.setenv(dl.ACLED_PASSWORD_ENV, "wrong")
    with pytest.raises(DownloadError, match="login refused .*ACLED_EMAIL and ACLED_PASSWORD"):
        dl.fetch_acled(tmp_path, country="Pakistan", base_url=acled.url, progress=False,
                       start="2024-01-01", end="2024-03-31")


# ---------------------------------------------------------------------------------------------
# Replaying without a server: the injectable transport
# ---------------------------------------------------------------------------------------------


class RecordedTransport:
    """A :class:`riskmodel.sources.download.Transport` answering from a dict of URL -> bytes."""

    def __init__(self, responses: dict[str, bytes]) -> None:
        self.responses = responses
        self.urls: list[str] = []

    def request(self, url: str, *, method: str = "GET", headers: object = None,
                data: bytes | None = None) -> dl.HttpResponse:
        import io

        self.urls.append(url)
        body = self.responses.get(url)
        status = 200 if body is not None else 404
        return dl.HttpResponse(status, dl._as_message({"Content-Length": str(len(body or b""))}),
                               io.BytesIO(body or b""), url)


def test_fetch_with_an_injected_transport(tmp_path: Path) -> None:
    base = dl.GDELT1_BASE_URL
    responses = {base + p.name: p.read_bytes() for p in (RECORDED / "gdelt1").iterdir()}
    transport = RecordedTransport(responses)
    result = dl.fetch_gdelt1("2016-07-27", "2016-07-28", tmp_path, transport=transport,
                             progress=False, workers=1)
    assert [p.name for p in result.files] == ["20160727.export.CSV.zip",
                                              "20160728.export.CSV.zip"]
    assert transport.urls[:2] == [base + "md5sums", base + "filesizes"]


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def test_cli_fetch_lists_files_and_warns_on_stderr(gdelt2: Replay, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    argv = ["fetch", "gdelt2", "--start", "2018-03-26T00:00", "--end", "2018-03-26T01:00",
            "--dest", str(tmp_path), "--base-url", gdelt2.url + "/gdeltv2/"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "20180326003000.export.CSV.zip" in err and "--allow-missing" in err
    assert main(argv + ["--allow-missing"]) == 0
    out, err = capsys.readouterr()
    assert [Path(line).name[8:12] for line in out.split()] == ["0000", "0015", "0045", "0100"]
    assert "warning" in err and "20180326003000" in err


def test_cli_fetch_dry_run_lists_the_plan(gdelt2: Replay, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    argv = ["fetch", "gdelt2", "--start", "2018-03-26T00:00", "--end", "2018-03-26T00:30",
            "--dest", str(tmp_path), "--base-url", gdelt2.url + "/gdeltv2/", "--dry-run"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [(st, name[8:12]) for st, _, name in lines] == [
        ("planned", "0000"), ("planned", "0015"), ("missing", "0030")]
    assert lines[0][1] == str(len((RECORDED / "gdelt2" / "20180326000000.export.CSV.zip")
                                  .read_bytes()))
    assert "dry run" in err and gdelt2.gets(".export.CSV.zip") == []


def test_cli_fetch_and_ingest(gdelt1: Replay, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main
    from riskmodel.store import EventStore

    store = tmp_path / "store.duckdb"
    argv = ["fetch", "gdelt1", "--start", "2016-07-27", "--end", "2016-07-29", "--dest",
            str(tmp_path / "g1"), "--base-url", gdelt1.url + "/events/", "--ingest", "--store",
            str(store), "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1]) == {"read": 9, "stored": 9, "duplicates": 0, "rejected": 0}
    with EventStore(store) as s:
        events = s.events()
    pairs = set(zip(events["actor1_state"].astype(str), events["actor2_state"].astype(str)))
    assert ("ISR", "PSE") in pairs and ("PAK", "IND") in pairs
    assert set(events.loc[events["actor1_state"] == "PAK", "cameo_code"]) == {"043"}


def test_cli_fetch_ucdp_and_acled_then_ingest(ucdp: Replay, acled: Replay, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main
    from riskmodel.store import EventStore

    assert ucdp is acled  # one server serves both recorded sites
    store = str(tmp_path / "store.duckdb")
    assert main(["fetch", "ucdp", "--version", "25.1", "--dest", str(tmp_path / "u"),
                 "--base-url", ucdp.url + "/downloads/ged/", "--ingest", "--store", store,
                 "-q"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert Path(out[0]).name == "ged251-csv.zip"
    assert json.loads(out[-1]) == {"read": 3, "stored": 3, "duplicates": 0, "rejected": 0}
    # The same events through the API are recognised as the same events.
    monkeypatch.setenv(dl.UCDP_TOKEN_ENV, "tok")
    result = dl.fetch_ucdp_ged("25.1", tmp_path / "u2", api=True, pagesize=2,
                               base_url=ucdp.url + "/api/", progress=False)
    with EventStore(store) as s:
        assert s.ingest("ucdp", [str(p) for p in result.files]).counts() == {
            "read": 3, "stored": 0, "duplicates": 3, "rejected": 0}
    acled_env(monkeypatch)
    assert main(["fetch", "acled", "--country", "Pakistan", "--start", "2024-01-01", "--end",
                 "2024-03-31", "--limit", "2", "--dest", str(tmp_path / "a"), "--base-url",
                 acled.url, "--ingest", "--store", store, "-q"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1]) == {"read": 3, "stored": 3, "duplicates": 0, "rejected": 0}
    with EventStore(store) as s:
        events = s.events(source="acled")
    assert sorted(events["source_event_id"]) == ["PAK130001", "PAK130002", "PAK130003"]


def test_cli_acled_without_login_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from riskmodel.cli import main

    monkeypatch.delenv(dl.ACLED_EMAIL_ENV, raising=False)
    monkeypatch.delenv(dl.ACLED_PASSWORD_ENV, raising=False)
    assert main(["fetch", "acled", "--country", "Pakistan", "--dest", str(tmp_path)]) == 1
    assert "ACLED_EMAIL and ACLED_PASSWORD" in capsys.readouterr().err


def test_import_fetches_nothing() -> None:
    import subprocess
    import sys

    code = ("import socket\n"
            "def refuse(*a, **k):\n    raise AssertionError('network used at import time')\n"
            "socket.socket.connect = refuse\n"
            "import riskmodel.sources.download, riskmodel.cli.fetch\n"
            "from riskmodel.cli import build_parser\n"
            "build_parser().parse_args(['fetch', 'gdelt1', '--start', '2016-01-01', '--end', "
            "'2016-01-02'])\n")
    subprocess.run([sys.executable, "-c", code], check=True)
