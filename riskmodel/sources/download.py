"""Download public event datasets: GDELT 1.0 and 2.0, UCDP GED, ACLED.

Every function here downloads into a destination folder and returns a :class:`FetchResult`
(the local files, one :class:`ManifestEntry` per file, the files the source should have had
but did not, and the path of the folder's ``manifest.json``). Nothing is fetched at import time.

Sources and what is verified
----------------------------
GDELT 1.0 daily events (:func:`fetch_gdelt1`)
    Files are listed at ``http://data.gdeltproject.org/events/``: ``md5sums`` (``MD5  NAME``
    lines, the ``md5sum`` format) and ``filesizes`` (``SIZE NAME`` lines). Events from
    2013-04-01 come in daily files ``YYYYMMDD.export.CSV.zip`` (58 columns); the backfile comes
    in monthly ``YYYYMM.zip`` (2006-01 to 2013-03) and yearly ``YYYY.zip`` (1979 to 2005) archives
    (57 columns). A backfile archive covering any day of the range is fetched whole, so it can
    hold events outside the range. Size and MD5 of every file are checked against both lists.
GDELT 2.0 (:func:`fetch_gdelt2`)
    ``http://data.gdeltproject.org/gdeltv2/masterfilelist.txt`` (``masterfilelist-translation.txt``
    for the translingual stream) has one ``SIZE MD5 URL`` line per 15-minute file, e.g.
    ``.../20180326044500.export.CSV.zip``, ``.mentions.CSV.zip``, ``.gkg.csv.zip``. The stream
    starts at 2015-02-18 23:00 UTC (translingual: 2015-02-19 00:00). Every 15-minute slot of the
    range must have a file; size and MD5 are checked.
UCDP GED (:func:`fetch_ucdp_ged`)
    Release files ``https://ucdp.uu.se/downloads/ged/ged<VV><v>-csv.zip`` (``ged251-csv.zip``
    for 25.1). UCDP publishes no checksums: the size announced by the server is checked and the
    archive is tested member by member (CRC) before it is accepted. With ``api=True`` the events
    come from ``https://ucdpapi.pcr.uu.se/api/gedevents/<version>?pagesize=..&page=..`` (pages
    from 0, following ``NextPageUrl``), which needs an access token sent as the
    ``x-ucdp-access-token`` header (from ``UCDP_API_TOKEN``); they are written as a CSV with the
    GED column names, and the number of rows must equal the ``TotalCount`` the API announced.
ACLED (:func:`fetch_acled`)
    The API (relaunched in 2025) logs in with an OAuth password grant: a form POST to
    ``https://acleddata.com/oauth/token`` with ``username`` (the account e-mail), ``password``,
    ``grant_type=password`` and ``client_id=acled`` returns ``access_token``. Events come from
    ``https://acleddata.com/api/acled/read?_format=json`` with ``Authorization: Bearer TOKEN``,
    filters ``country``, ``iso``, ``event_date=START|END`` with ``event_date_where=BETWEEN`` and
    pages ``page`` (from 1) of ``limit`` rows; the response is
    ``{"status": 200, "success": true, "count": n, "data": [...]}``. The e-mail and password come
    from ``ACLED_EMAIL`` and ``ACLED_PASSWORD``. One CSV per country is written with ACLED's
    column names (the layout of ACLED's CSV exports). ACLED publishes no checksums.

Caching, resuming, verifying
----------------------------
* A file already in the destination with the published size and MD5 is not downloaded again
  (``status="cached"``); the check reuses the MD5 recorded in ``manifest.json`` when the file's
  size and modification time are unchanged.
* Downloads are written to ``NAME.part`` and renamed only once complete and verified. An
  interrupted download resumes from its ``.part`` file with an HTTP ``Range`` request when the
  server supports it (``206``); a server that answers ``200`` instead is read from the start.
  Connection errors, ``429`` and ``5xx`` answers are retried (``retries`` times, with backoff),
  resuming each time.
* A transfer that ends short of the published size raises :class:`DownloadError` naming the file,
  the expected and the received size; the ``.part`` file is **kept**, so the next run resumes it.
  A file of the right size whose MD5 differs (or a larger file, or an archive failing its CRC
  test) raises :class:`DownloadError` naming the file, the expected and the computed value; the
  ``.part`` file is **removed**, because resuming cannot repair it.
* The file index (``md5sums``/``filesizes``/``masterfilelist.txt``) is kept in
  ``DEST/.index/`` and downloaded again when it does not reach the end of the requested range
  or when ``refresh_index=True``.

Never a silent gap
------------------
A file that belongs to the requested range but is absent from the index, or that the server
answers with 404, raises :class:`DownloadError` listing every such file. Gaps in the index are
reported before anything is downloaded; 404s after the other files are done (they stay cached).
With ``allow_missing=True`` the error becomes a :class:`DataQualityWarning` with the same list,
and the files appear in :attr:`FetchResult.missing` and in the manifest as ``"missing"``.

Transport
---------
All HTTP goes through a :class:`Transport` (by default :class:`UrllibTransport`, the standard
library's ``urllib.request``). Any object with the same ``request`` method can be passed as
``transport=``, e.g. to replay recorded responses; ``base_url=`` points a function at a mirror
(``file://`` URLs work too, without resuming).

Examples
--------
>>> from riskmodel.sources.download import fetch_gdelt2
>>> result = fetch_gdelt2("2018-03-26", "2018-03-26", "data/gdelt2")  # doctest: +SKIP
>>> len(result.files), result.missing  # doctest: +SKIP
(96, [])
>>> from riskmodel.store import EventStore
>>> EventStore("events.duckdb").ingest("gdelt2", result.files).counts()  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as _dt
import email.message
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from riskmodel.exceptions import ConfigurationError, DataQualityWarning, DownloadError

__all__ = [
    "GDELT1_BASE_URL",
    "GDELT2_BASE_URL",
    "UCDP_BASE_URL",
    "UCDP_API_URL",
    "ACLED_BASE_URL",
    "ACLED_EMAIL_ENV",
    "ACLED_PASSWORD_ENV",
    "UCDP_TOKEN_ENV",
    "GDELT2_TABLES",
    "HttpResponse",
    "Transport",
    "UrllibTransport",
    "ManifestEntry",
    "FetchResult",
    "RemoteFile",
    "download_file",
    "gdelt1_filenames",
    "gdelt2_slots",
    "parse_gdelt1_index",
    "parse_gdelt2_masterlist",
    "fetch_gdelt1",
    "fetch_gdelt2",
    "fetch_ucdp_ged",
    "fetch_acled",
]

#: Folder of GDELT 1.0 event files and of their ``md5sums``/``filesizes`` lists.
GDELT1_BASE_URL = "http://data.gdeltproject.org/events/"
#: Folder of GDELT 2.0 files and of ``masterfilelist.txt``.
GDELT2_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
#: Folder of UCDP GED release files.
UCDP_BASE_URL = "https://ucdp.uu.se/downloads/ged/"
#: Root of the UCDP API.
UCDP_API_URL = "https://ucdpapi.pcr.uu.se/api/"
#: Root of the ACLED site (``oauth/token`` and ``api/acled/read`` live under it).
ACLED_BASE_URL = "https://acleddata.com/"

#: Environment variables holding the ACLED login and the UCDP API token.
ACLED_EMAIL_ENV = "ACLED_EMAIL"
ACLED_PASSWORD_ENV = "ACLED_PASSWORD"
UCDP_TOKEN_ENV = "UCDP_API_TOKEN"

#: GDELT 2.0 tables and the suffix of their files.
GDELT2_TABLES: dict[str, str] = {
    "events": "export.CSV.zip",
    "mentions": "mentions.CSV.zip",
    "gkg": "gkg.csv.zip",
}

_GDELT1_FIRST_DAY = _dt.date(1979, 1, 1)
_GDELT1_FIRST_MONTHLY = _dt.date(2006, 1, 1)
_GDELT1_FIRST_DAILY = _dt.date(2013, 4, 1)
_GDELT2_FIRST_SLOT = _dt.datetime(2015, 2, 18, 23, 0)
_GDELT2_FIRST_TRANSLATION_SLOT = _dt.datetime(2015, 2, 19, 0, 0)
_SLOT = _dt.timedelta(minutes=15)
_USER_AGENT = "riskmodel-fetch (+https://github.com/; python urllib)"
_BLOCK = 1 << 16
#: Seconds before the first retry (doubled at each further retry).
RETRY_BACKOFF = 1.0
MANIFEST_NAME = "manifest.json"
INDEX_DIR = ".index"


# ---------------------------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------------------------


@dataclass
class HttpResponse:
    """An HTTP answer: status, headers (case-insensitive lookup) and a streamed body.

    Attributes
    ----------
    status : int
        HTTP status code (``200`` for ``file://`` URLs that exist).
    headers : email.message.Message
        Response headers; ``headers.get("Content-Length")`` is case-insensitive.
    body : file-like
        The body, read in blocks with ``body.read(n)``.
    url : str
        The URL finally answered (after redirects).
    """

    status: int
    headers: email.message.Message
    body: IO[bytes]
    url: str

    def header(self, name: str) -> str | None:
        """The value of header ``name`` or ``None``."""
        value = self.headers.get(name)
        return None if value is None else str(value)

    def read_all(self, limit: int = 1 << 31) -> bytes:
        """Read the whole body (at most ``limit`` bytes) and close it."""
        try:
            return self.body.read(limit)
        finally:
            self.close()

    def close(self) -> None:
        """Release the connection."""
        try:
            self.body.close()
        except Exception:  # noqa: BLE001 - closing a dead connection must not mask the real error
            pass

    def __enter__(self) -> HttpResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport(Protocol):
    """What the downloaders need from HTTP: one request, answered with an :class:`HttpResponse`.

    Implementations return error statuses (404, 416, 5xx) as responses, and raise
    :class:`OSError` for connection-level failures (refused, reset, timed out), which the
    downloaders retry.
    """

    def request(self, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                data: bytes | None = None) -> HttpResponse:
        """Send one request and return the response with its body unread."""
        ...


class UrllibTransport:
    """:class:`Transport` on the standard library's ``urllib.request`` (redirects followed).

    Parameters
    ----------
    timeout : float
        Seconds to wait for a connection or a block of data.
    user_agent : str, optional
        ``User-Agent`` header sent with every request.
    """

    def __init__(self, timeout: float = 60.0, user_agent: str | None = None) -> None:
        self.timeout = timeout
        self.user_agent = user_agent

    def request(self, url: str, *, method: str = "GET", headers: Mapping[str, str] | None = None,
                data: bytes | None = None) -> HttpResponse:
        """Send one request (see :class:`Transport`)."""
        all_headers = {"User-Agent": self.user_agent or _USER_AGENT}
        all_headers.update(headers or {})
        req = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)  # noqa: S310 - URLs are ours
        except urllib.error.HTTPError as exc:
            body = exc.fp if exc.fp is not None else _EmptyBody()
            return HttpResponse(exc.code, exc.headers or email.message.Message(), body, url)
        status = getattr(resp, "status", None) or 200
        resp_headers = resp.headers if isinstance(resp.headers, email.message.Message) else \
            _as_message(dict(resp.headers or {}))
        return HttpResponse(int(status), resp_headers, resp, resp.geturl() or url)


class _EmptyBody:
    def read(self, n: int = -1) -> bytes:
        return b""

    def close(self) -> None:
        pass


def _as_message(values: Mapping[str, str]) -> email.message.Message:
    msg = email.message.Message()
    for key, value in values.items():
        msg[key] = value
    return msg


# ---------------------------------------------------------------------------------------------
# Manifest and results
# ---------------------------------------------------------------------------------------------


@dataclass
class ManifestEntry:
    """One file of a fetch, as recorded in ``DEST/manifest.json``.

    Attributes
    ----------
    name : str
        File name inside the destination folder.
    url : str
        Where it came from.
    source : str
        ``"gdelt1"``, ``"gdelt2"``, ``"ucdp"`` or ``"acled"``.
    status : str
        ``"downloaded"``, ``"resumed"`` (continued from a ``.part`` file), ``"cached"`` (already
        present and verified) or ``"missing"`` (absent from the index or 404).
    size : int or None
        Size in bytes of the local file.
    md5 : str or None
        MD5 of the local file (computed here; for GDELT equal to the published one).
    expected_size, expected_md5 : int, str or None
        What the source published, where it publishes anything.
    verified : str
        What was checked: e.g. ``"size+md5"``, ``"size+zip-crc"``, ``"row-count"``, ``"none"``.
    fetched_at : str or None
        UTC time the file was completed (ISO 8601).
    rows : int or None
        For API downloads: the number of events written.
    query : dict or None
        For API downloads: the query that produced the file.
    reason : str or None
        For missing files: why.
    """

    name: str
    url: str
    source: str
    status: str
    size: int | None = None
    md5: str | None = None
    expected_size: int | None = None
    expected_md5: str | None = None
    verified: str = "none"
    fetched_at: str | None = None
    mtime_ns: int | None = None
    rows: int | None = None
    query: dict[str, Any] | None = None
    reason: str | None = None


@dataclass
class FetchResult:
    """What a fetch produced.

    Attributes
    ----------
    files : list of pathlib.Path
        The local files of the range, in time order (missing files excluded).
    entries : list of ManifestEntry
        One entry per file of the range, including missing ones.
    missing : list of str
        Files the range needed that the source did not have (only with ``allow_missing``).
    manifest_path : pathlib.Path
        The destination's ``manifest.json``.
    """

    files: list[Path]
    entries: list[ManifestEntry]
    missing: list[str]
    manifest_path: Path

    def __iter__(self) -> Iterator[Path]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def counts(self) -> dict[str, int]:
        """Number of entries per status."""
        out: dict[str, int] = {}
        for entry in self.entries:
            out[entry.status] = out.get(entry.status, 0) + 1
        return out

    def summary(self) -> str:
        """One line: files per status and bytes on disk."""
        counts = self.counts()
        total = sum(e.size or 0 for e in self.entries if e.status != "missing")
        parts = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return f"{len(self.files)} files ({parts or 'none'}), {_human(total)}"


class _Manifest:
    """``DEST/manifest.json``: the entries of every file fetched into the folder, by name."""

    def __init__(self, dest: Path) -> None:
        self.path = dest / MANIFEST_NAME
        self._lock = threading.Lock()
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = dict(data.get("files", {}))
            except (OSError, ValueError):
                # A damaged manifest only costs re-verification, never wrong data.
                self.entries = {}

    def get(self, name: str) -> dict[str, Any] | None:
        return self.entries.get(name)

    def put(self, entry: ManifestEntry) -> None:
        with self._lock:
            self.entries[entry.name] = asdict(entry)

    def save(self) -> None:
        with self._lock:
            tmp = self.path.with_name(self.path.name + ".tmp")
            payload = {"format": "riskmodel-fetch-manifest", "version": 1,
                       "files": dict(sorted(self.entries.items()))}
            tmp.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)


# ---------------------------------------------------------------------------------------------
# Downloading one file
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteFile:
    """A file to fetch, with what its source publishes about it.

    Attributes
    ----------
    name : str
        Local file name.
    url : str
        Where to get it.
    size : int or None
        Published size in bytes.
    md5 : str or None
        Published MD5 (lower-case hex).
    """

    name: str
    url: str
    size: int | None = None
    md5: str | None = None


class _NotFound(Exception):
    """The server answered 404/410 for a file."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.url = url
        self.status = status


class _MissingOnServer(DownloadError):
    """A file answered 404/410: reported as missing rather than as a failure."""


class _Retryable(Exception):
    """A transient failure (connection error, short read, 429/5xx): try again."""


def _md5_file(path: Path, hasher: Any = None) -> Any:
    digest = hasher if hasher is not None else hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _cached_ok(path: Path, remote: RemoteFile, manifest: _Manifest | None) -> str | None:
    """MD5 of ``path`` if it is a complete copy of ``remote``, else ``None``."""
    if not path.is_file():
        return None
    stat = path.stat()
    if remote.size is not None and stat.st_size != remote.size:
        return None
    known = manifest.get(path.name) if manifest is not None else None
    if (known and known.get("md5") and known.get("size") == stat.st_size
            and known.get("mtime_ns") == stat.st_mtime_ns and known.get("status") != "missing"):
        md5 = str(known["md5"])
    else:
        md5 = _md5_file(path).hexdigest()
    if remote.md5 is not None and md5 != remote.md5.lower():
        return None
    return md5


def _verify_zip(path: Path, label: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise DownloadError(
            f"{label}: the downloaded file is not a readable zip archive ({exc}); it was removed. "
            "Run the fetch again; if it fails again the server copy is damaged."
        ) from exc
    if bad is not None:
        raise DownloadError(
            f"{label}: member {bad!r} of the downloaded archive fails its CRC check; the file was "
            "removed. Run the fetch again."
        )


def download_file(remote: RemoteFile, dest: str | os.PathLike[str], *,
                  transport: Transport | None = None, retries: int = 3,
                  backoff: float | None = None, headers: Mapping[str, str] | None = None,
                  on_bytes: Callable[[int], None] | None = None,
                  check_zip: bool = False,
                  manifest: _Manifest | None = None) -> ManifestEntry:
    """Download one file into ``dest``, resuming, verifying and caching (see module docs).

    Parameters
    ----------
    remote : RemoteFile
        The file, with its published size and MD5 where known.
    dest : path-like
        Destination folder (created if needed).
    transport : Transport, optional
        HTTP transport (default :class:`UrllibTransport`).
    retries : int
        Further attempts after a transient failure (connection error, short transfer, 429/5xx).
    backoff : float, optional
        Seconds before the first retry (doubled at each retry); default :data:`RETRY_BACKOFF`.
    headers : mapping, optional
        Extra request headers (e.g. an access token).
    on_bytes : callable, optional
        Called with the number of bytes received, for progress bars.
    check_zip : bool
        Test the archive's members (CRC) before accepting the file; used where the source
        publishes no checksum.

    Returns
    -------
    ManifestEntry
        With ``status`` ``"downloaded"``, ``"resumed"`` or ``"cached"``.

    Raises
    ------
    DownloadError
        On 404 (``"missing"`` in the message), on any other HTTP error, when the retries are
        exhausted, or when the size, MD5 or archive test fails (the message names the file, the
        expected and the received value, and what happened to the ``.part`` file).
    """
    transport = transport or UrllibTransport()
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / remote.name
    part = folder / (remote.name + ".part")
    verified = "+".join(k for k, v in (("size", remote.size), ("md5", remote.md5)) if v is not None)

    md5 = _cached_ok(path, remote, manifest)
    if md5 is not None:
        stat = path.stat()
        return ManifestEntry(remote.name, remote.url, "", "cached", stat.st_size, md5,
                             remote.size, remote.md5, verified or "none",
                             _now_iso(), stat.st_mtime_ns)

    attempt = 0
    resumed = False
    while True:
        try:
            resumed |= _transfer(remote, part, transport, headers, on_bytes)
            break
        except _NotFound as exc:
            raise _MissingOnServer(
                f"{remote.name}: missing on the server (HTTP {exc.status} for {exc.url})"
            ) from None
        except (_Retryable, OSError, http.client.HTTPException) as exc:
            attempt += 1
            if attempt > retries:
                have = part.stat().st_size if part.exists() else 0
                expected = f"{remote.size} bytes" if remote.size is not None else "the full file"
                raise DownloadError(
                    f"{remote.name}: download failed after {attempt} attempts ({exc}); expected "
                    f"{expected}, got {have} bytes. The partial file is kept as {part} and the "
                    "next run resumes it."
                ) from exc
            time.sleep((RETRY_BACKOFF if backoff is None else backoff) * (2 ** (attempt - 1)))

    # Verify the complete .part file before it takes the final name.
    size = part.stat().st_size
    if remote.size is not None and size != remote.size:
        # Only reachable when the server's Content-Length disagrees with the index.
        if size > remote.size:
            part.unlink()
            raise DownloadError(
                f"{remote.name}: size mismatch: expected {remote.size} bytes (published), got "
                f"{size}; the partial file was removed. The index may be stale: run again with "
                "refresh_index=True (--refresh-index)."
            )
        raise DownloadError(
            f"{remote.name}: truncated: expected {remote.size} bytes (published), got {size}. "
            f"The partial file is kept as {part} and the next run resumes it."
        )
    md5 = _md5_file(part).hexdigest()
    if remote.md5 is not None and md5 != remote.md5.lower():
        part.unlink()
        raise DownloadError(
            f"{remote.name}: MD5 mismatch: expected {remote.md5.lower()} (published), got {md5}; "
            "the partial file was removed. Run the fetch again; if it fails again, refresh the "
            "index (--refresh-index) or report the file to the source."
        )
    if check_zip:
        try:
            _verify_zip(part, remote.name)
        except DownloadError:
            part.unlink()
            raise
        verified = (verified + "+zip-crc") if verified else "zip-crc"
    os.replace(part, path)
    stat = path.stat()
    return ManifestEntry(remote.name, remote.url, "", "resumed" if resumed else "downloaded",
                         stat.st_size, md5, remote.size, remote.md5, verified or "none",
                         _now_iso(), stat.st_mtime_ns)


def _parse_content_range(value: str | None) -> tuple[int, int | None] | None:
    if not value:
        return None
    match = re.match(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)", value)
    if not match:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return int(match.group(1)), total


def _transfer(remote: RemoteFile, part: Path, transport: Transport,
              headers: Mapping[str, str] | None,
              on_bytes: Callable[[int], None] | None) -> bool:
    """One attempt: continue or start ``part``. Returns True when a Range request was honoured."""
    have = part.stat().st_size if part.exists() else 0
    if remote.size is not None and have > remote.size:
        part.unlink()
        have = 0
    if remote.size is not None and have == remote.size and have > 0:
        return True  # complete already; verified by the caller
    req_headers = dict(headers or {})
    if have > 0:
        req_headers["Range"] = f"bytes={have}-"
    resp = transport.request(remote.url, headers=req_headers)
    with resp:
        status = resp.status
        if status in (404, 410):
            raise _NotFound(remote.url, status)
        if status == 416 and have > 0:
            # The server cannot serve from our offset: the part is stale. Start again.
            part.unlink()
            raise _Retryable(f"HTTP 416 for a resume at byte {have}; restarting {remote.name}")
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status} from {remote.url}")
        if status not in (200, 206):
            raise DownloadError(
                f"{remote.name}: HTTP {status} from {remote.url}; expected 200. Check the URL and, "
                "for APIs, the credentials."
            )
        resumed = False
        mode = "wb"
        if status == 206 and have > 0:
            cr = _parse_content_range(resp.header("Content-Range"))
            if cr is None or cr[0] != have:
                part.unlink()
                raise _Retryable(f"unexpected Content-Range {resp.header('Content-Range')!r}")
            mode, resumed = "ab", True
            if on_bytes is not None:
                on_bytes(have)
        length = resp.header("Content-Length")
        expected_body = int(length) if length and length.isdigit() else None
        received = 0
        with open(part, mode) as out:
            while block := resp.body.read(_BLOCK):
                out.write(block)
                received += len(block)
                if on_bytes is not None:
                    on_bytes(len(block))
        if expected_body is not None and received < expected_body:
            raise _Retryable(
                f"connection closed after {received} of {expected_body} bytes of {remote.name}"
            )
        total = (have if mode == "ab" else 0) + received
        if remote.size is not None and total < remote.size:
            raise _Retryable(f"received {total} of {remote.size} bytes of {remote.name}")
        return resumed


# ---------------------------------------------------------------------------------------------
# Running a set of downloads
# ---------------------------------------------------------------------------------------------


def _show_progress(progress: bool | None) -> bool:
    if progress is not None:
        return bool(progress)
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _report_missing(missing: Sequence[str], reasons: Mapping[str, str], allow_missing: bool,
                    what: str) -> None:
    if not missing:
        return
    shown = ", ".join(f"{name} ({reasons.get(name, 'missing')})" for name in missing[:20])
    more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
    message = (f"{len(missing)} file(s) of the requested range are missing from {what}: "
               f"{shown}{more}.")
    if allow_missing:
        warnings.warn(message + " Continuing without them (allow_missing=True).",
                      DataQualityWarning, stacklevel=3)
    else:
        raise DownloadError(
            message + " The range would have a silent gap; pass allow_missing=True "
            "(--allow-missing) to continue without them, or narrow the range."
        )


def _run_downloads(remotes: Sequence[RemoteFile], dest: Path, source: str, *,
                   transport: Transport, workers: int, retries: int, progress: bool | None,
                   manifest: _Manifest, check_zip: bool = False,
                   headers: Mapping[str, str] | None = None) -> tuple[list[ManifestEntry],
                                                                     list[str]]:
    """Download ``remotes``; returns the entries (in input order) and the names answered 404."""
    from tqdm import tqdm

    total = sum(r.size or 0 for r in remotes) or None
    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
               disable=not _show_progress(progress), desc=f"fetch {source}", leave=False)
    bar_lock = threading.Lock()

    def on_bytes(n: int) -> None:
        with bar_lock:
            bar.update(n)

    results: dict[str, ManifestEntry] = {}
    not_found: list[str] = []
    errors: list[DownloadError] = []

    def one(remote: RemoteFile) -> None:
        try:
            entry = download_file(remote, dest, transport=transport, retries=retries,
                                  headers=headers, on_bytes=on_bytes, check_zip=check_zip,
                                  manifest=manifest)
        except _MissingOnServer:
            not_found.append(remote.name)
            entry = ManifestEntry(remote.name, remote.url, source, "missing",
                                  expected_size=remote.size, expected_md5=remote.md5,
                                  reason="HTTP 404 from the server")
            manifest.put(entry)
            results[remote.name] = entry
            return
        except DownloadError as exc:
            errors.append(exc)
            return
        entry.source = source
        if entry.status == "cached" and remote.size is not None:
            on_bytes(entry.size or 0)
        manifest.put(entry)
        results[remote.name] = entry

    try:
        if workers <= 1 or len(remotes) <= 1:
            for remote in remotes:
                one(remote)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(one, remotes))
    finally:
        bar.close()
        manifest.save()
    if errors:
        if len(errors) == 1:
            raise errors[0]
        listing = "; ".join(str(e) for e in errors[:10])
        raise DownloadError(f"{len(errors)} downloads failed: {listing}")
    ordered = [results[r.name] for r in remotes if r.name in results]
    return ordered, sorted(not_found)


def _plan_or_fetch(remotes: Sequence[RemoteFile], missing_entries: list[ManifestEntry],
                   folder: Path, manifest: _Manifest, source: str, *, dry_run: bool,
                   allow_missing: bool, index_reason: str, index: str, server: str,
                   **download: Any) -> FetchResult:
    """The dry-run plan, or: report files missing from the index, download the rest, finish."""
    if dry_run:
        return _plan(remotes, missing_entries, folder, manifest, source)
    _report_missing([e.name for e in missing_entries],
                    {e.name: index_reason for e in missing_entries}, allow_missing, index)
    entries, not_found = _run_downloads(remotes, folder, source, manifest=manifest, **download)
    return _finish(entries, missing_entries, folder, manifest, not_found, allow_missing, server)


def _finish(entries: list[ManifestEntry], missing_entries: list[ManifestEntry], dest: Path,
            manifest: _Manifest, not_found: list[str], allow_missing: bool,
            what: str) -> FetchResult:
    for entry in missing_entries:
        manifest.put(entry)
    manifest.save()
    _report_missing(not_found, {n: "HTTP 404" for n in not_found}, allow_missing, what)
    all_entries = sorted(entries + missing_entries, key=lambda e: e.name)
    files = [dest / e.name for e in all_entries if e.status != "missing"]
    missing = sorted({e.name for e in all_entries if e.status == "missing"})
    return FetchResult(files, all_entries, missing, manifest.path)


def _plan(remotes: Sequence[RemoteFile], missing_entries: list[ManifestEntry], dest: Path,
          manifest: _Manifest, source: str) -> FetchResult:
    """What a fetch would do, without downloading (``dry_run=True``)."""
    entries = list(missing_entries)
    for remote in remotes:
        md5 = _cached_ok(dest / remote.name, remote, manifest)
        entries.append(ManifestEntry(
            remote.name, remote.url, source, "cached" if md5 else "planned",
            size=(dest / remote.name).stat().st_size if md5 else None, md5=md5,
            expected_size=remote.size, expected_md5=remote.md5))
    entries.sort(key=lambda e: e.name)
    files = [dest / e.name for e in entries if e.status != "missing"]
    missing = [e.name for e in entries if e.status == "missing"]
    return FetchResult(files, entries, missing, manifest.path)


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def _parse_when(value: str | _dt.date | _dt.datetime, name: str) -> _dt.datetime | _dt.date:
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else \
            value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S",
                "%Y%m%d%H%M%S"):
        try:
            return _dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ConfigurationError(
        f"The {name!r} parameter must be a date YYYY-MM-DD (or a UTC time YYYY-MM-DDTHH:MM). "
        f"Got {value!r} instead."
    )


def _as_date(value: str | _dt.date | _dt.datetime, name: str) -> _dt.date:
    when = _parse_when(value, name)
    return when.date() if isinstance(when, _dt.datetime) else when


def _check_range(start: _dt.date | _dt.datetime, end: _dt.date | _dt.datetime) -> None:
    s = start if isinstance(start, _dt.datetime) else _dt.datetime.combine(start, _dt.time())
    e = end if isinstance(end, _dt.datetime) else _dt.datetime.combine(end, _dt.time())
    if e < s:
        raise ConfigurationError(
            f"The range is empty: end {end} is before start {start}. Swap them or fix the dates."
        )


# ---------------------------------------------------------------------------------------------
# Index files
# ---------------------------------------------------------------------------------------------


def _fetch_text_index(url: str, path: Path, transport: Transport, retries: int,
                      progress: bool | None = None) -> Path:
    """Download an index file to ``path`` (through a ``.part`` file), with retries."""
    from tqdm import tqdm

    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    if part.exists():
        part.unlink()
    remote = RemoteFile(path.name, url)
    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False,
               disable=not _show_progress(progress), desc=f"index {url.rsplit('/', 1)[-1]}")
    try:
        download_file(remote, path.parent, transport=transport, retries=retries,
                      on_bytes=bar.update)
    except _MissingOnServer:
        raise DownloadError(
            f"the file index {url} is not on the server (HTTP 404): check the base URL"
        ) from None
    finally:
        bar.close()
    return path


def _index_path(dest: Path, name: str) -> Path:
    return dest / INDEX_DIR / name


def _fresh_index(dest: Path, name: str, url: str, transport: Transport, retries: int,
                 refresh: bool, covers: Callable[[Path], bool],
                 progress: bool | None = None) -> Path:
    path = _index_path(dest, name)
    if not refresh and path.exists() and covers(path):
        return path
    if path.exists():
        path.unlink()
    return _fetch_text_index(url, path, transport, retries, progress)


# ---------------------------------------------------------------------------------------------
# GDELT 1.0
# ---------------------------------------------------------------------------------------------


def gdelt1_filenames(start: str | _dt.date, end: str | _dt.date) -> list[str]:
    """Names of the GDELT 1.0 event files that cover the days ``start``..``end`` (inclusive).

    Yearly ``YYYY.zip`` for 1979-2005, monthly ``YYYYMM.zip`` for 2006-01..2013-03 and daily
    ``YYYYMMDD.export.CSV.zip`` from 2013-04-01, in time order.

    Raises
    ------
    ConfigurationError
        If a date is malformed, the range is empty, or it ends before 1979.
    """
    first, last = _as_date(start, "start"), _as_date(end, "end")
    _check_range(first, last)
    if last < _GDELT1_FIRST_DAY:
        raise ConfigurationError(
            f"GDELT 1.0 starts on {_GDELT1_FIRST_DAY}; the range {first}..{last} ends before it."
        )
    first = max(first, _GDELT1_FIRST_DAY)
    names: list[str] = []
    for year in range(first.year, min(last.year, 2005) + 1):
        names.append(f"{year}.zip")
    month = max(first, _GDELT1_FIRST_MONTHLY).replace(day=1)
    month_end = min(last, _GDELT1_FIRST_DAILY - _dt.timedelta(days=1))
    while month <= month_end:
        names.append(f"{month:%Y%m}.zip")
        month = (month.replace(day=28) + _dt.timedelta(days=4)).replace(day=1)
    day = max(first, _GDELT1_FIRST_DAILY)
    while day <= last:
        names.append(f"{day:%Y%m%d}.export.CSV.zip")
        day += _dt.timedelta(days=1)
    return names


def parse_gdelt1_index(md5sums: Iterable[str], filesizes: Iterable[str]) -> dict[str, RemoteFile]:
    """Read GDELT 1.0's ``md5sums`` (``MD5  NAME``) and ``filesizes`` (``SIZE NAME``) lines.

    Returns
    -------
    dict
        File name -> :class:`RemoteFile` (URL left empty) with the size and MD5 found. Blank and
        malformed lines are skipped.
    """
    md5s: dict[str, str] = {}
    for line in md5sums:
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r"[0-9a-fA-F]{32}", parts[0]):
            md5s[parts[1].lstrip("*")] = parts[0].lower()
    sizes: dict[str, int] = {}
    for line in filesizes:
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            sizes[parts[1]] = int(parts[0])
    return {name: RemoteFile(name, "", sizes.get(name), md5s.get(name))
            for name in sorted(set(md5s) | set(sizes))}


def _gdelt1_latest_day(path: Path) -> _dt.date | None:
    latest = None
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            match = re.search(r"\b(\d{8})\.export\.CSV\.zip\b", line)
            if match:
                try:
                    day = _dt.datetime.strptime(match.group(1), "%Y%m%d").date()
                except ValueError:
                    continue
                if latest is None or day > latest:
                    latest = day
    return latest


def fetch_gdelt1(start: str | _dt.date, end: str | _dt.date,
                 dest: str | os.PathLike[str] = "data/gdelt1", *,
                 allow_missing: bool = False, refresh_index: bool = False,
                 base_url: str = GDELT1_BASE_URL, transport: Transport | None = None,
                 workers: int = 4, retries: int = 3, progress: bool | None = None,
                 dry_run: bool = False) -> FetchResult:
    """Download the GDELT 1.0 event files covering ``start``..``end`` (inclusive).

    Parameters
    ----------
    start, end : str or datetime.date
        First and last day, ``YYYY-MM-DD``.
    dest : path-like
        Destination folder; the index is kept in ``dest/.index``.
    allow_missing : bool
        Warn (:class:`DataQualityWarning`) instead of raising when files of the range are absent
        from the index or answered 404.
    refresh_index : bool
        Download ``md5sums`` and ``filesizes`` again even when the cached copy covers the range.
    base_url : str
        Folder URL of the files and of the two lists (a mirror, or a local test server).
    transport : Transport, optional
        HTTP transport (default :class:`UrllibTransport`).
    workers : int
        Parallel downloads.
    retries : int
        Retries per file after a transient failure.
    progress : bool, optional
        Show a progress bar on stderr; default: when stderr is a terminal.
    dry_run : bool
        Only plan: fetch the index, then report each file of the range as ``"cached"``
        (present and verified), ``"planned"`` or ``"missing"``, without downloading, raising or
        warning about missing files.

    Returns
    -------
    FetchResult
        ``files`` are the zip archives, readable by ``riskmodel ingest gdelt1`` (with
        ``dry_run``, the files a fetch would leave: cached and planned).

    Raises
    ------
    ConfigurationError
        Malformed or empty date range.
    DownloadError
        Files missing (unless ``allow_missing``), truncated or failing their checksum.

    Examples
    --------
    >>> plan = fetch_gdelt1("2016-07-28", "2016-07-31", dry_run=True)  # doctest: +SKIP
    >>> plan.counts()  # doctest: +SKIP
    {'planned': 4}
    >>> files = fetch_gdelt1("2016-07-28", "2016-07-31").files  # doctest: +SKIP
    """
    names = gdelt1_filenames(start, end)
    last = _as_date(end, "end")
    _check_workers(workers)
    transport = transport or UrllibTransport()
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    needs_daily = any(n.endswith(".export.CSV.zip") for n in names)

    def covers(path: Path) -> bool:
        if not needs_daily:
            return True
        latest = _gdelt1_latest_day(path)
        return latest is not None and latest >= last

    md5_path = _index_path(folder, "gdelt1-md5sums")
    size_path = _index_path(folder, "gdelt1-filesizes")
    stale = refresh_index or not (md5_path.exists() and size_path.exists()) or not covers(md5_path)
    # The two lists are refreshed together so that they describe the same files.
    md5_path = _fresh_index(folder, "gdelt1-md5sums", base + "md5sums", transport, retries,
                            stale, covers, progress)
    size_path = _fresh_index(folder, "gdelt1-filesizes", base + "filesizes", transport, retries,
                             stale, lambda p: True, progress)
    with open(md5_path, encoding="utf-8", errors="replace") as m, \
            open(size_path, encoding="utf-8", errors="replace") as s:
        index = parse_gdelt1_index(m, s)
    manifest = _Manifest(folder)
    remotes, missing_entries = [], []
    for name in names:
        known = index.get(name)
        if known is None:
            missing_entries.append(ManifestEntry(name, base + name, "gdelt1", "missing",
                                                 reason="not in md5sums or filesizes"))
        else:
            remotes.append(RemoteFile(name, base + name, known.size, known.md5))
    return _plan_or_fetch(remotes, missing_entries, folder, manifest, "gdelt1",
                          dry_run=dry_run, allow_missing=allow_missing,
                          index_reason="not in the index",
                          index=f"GDELT 1.0's file index ({base}md5sums, {base}filesizes)",
                          server=f"the GDELT 1.0 server ({base})", transport=transport,
                          workers=workers, retries=retries, progress=progress)


def _check_workers(workers: int) -> None:
    if not isinstance(workers, int) or workers < 1:
        raise ConfigurationError(f"The 'workers' parameter must be an int >= 1. Got {workers!r}.")


# ---------------------------------------------------------------------------------------------
# GDELT 2.0
# ---------------------------------------------------------------------------------------------


def gdelt2_slots(start: str | _dt.date | _dt.datetime, end: str | _dt.date | _dt.datetime, *,
                 translingual: bool = False) -> list[_dt.datetime]:
    """The 15-minute GDELT 2.0 slots from ``start`` to ``end`` (UTC, inclusive).

    A date as ``end`` means the whole day (up to 23:45). Slots before the stream began
    (2015-02-18 23:00; translingual 2015-02-19 00:00) are dropped.

    Raises
    ------
    ConfigurationError
        Malformed dates, an empty range, or a range ending before the stream began.
    """
    s, e = _parse_when(start, "start"), _parse_when(end, "end")
    s_dt = s if isinstance(s, _dt.datetime) else _dt.datetime.combine(s, _dt.time())
    e_dt = e if isinstance(e, _dt.datetime) else _dt.datetime.combine(e, _dt.time(23, 59, 59))
    _check_range(s_dt, e_dt)
    first = _GDELT2_FIRST_TRANSLATION_SLOT if translingual else _GDELT2_FIRST_SLOT
    if e_dt < first:
        raise ConfigurationError(
            f"GDELT 2.0{' translingual' if translingual else ''} starts at {first:%Y-%m-%d %H:%M} "
            f"UTC; the range {s_dt}..{e_dt} ends before it. Use fetch_gdelt1 for older events."
        )
    s_dt = max(s_dt, first)
    # Round the start up to a slot boundary.
    minute = (s_dt.minute // 15) * 15
    slot = s_dt.replace(minute=minute, second=0, microsecond=0)
    if slot < s_dt:
        slot += _SLOT
    out = []
    while slot <= e_dt:
        out.append(slot)
        slot += _SLOT
    return out


def parse_gdelt2_masterlist(lines: Iterable[str], *, table: str = "events",
                            start: _dt.datetime | None = None, end: _dt.datetime | None = None
                            ) -> tuple[list[tuple[_dt.datetime, RemoteFile]], int]:
    """Entries of a GDELT 2.0 master file list for one table, optionally within a time window.

    Parameters
    ----------
    lines : iterable of str
        Lines ``SIZE MD5 URL``.
    table : {"events", "mentions", "gkg"}
        Which files to keep.
    start, end : datetime, optional
        Keep files whose timestamp is in ``[start, end]``.

    Returns
    -------
    entries : list of (datetime, RemoteFile)
        In list order. A line of the table whose size or MD5 cannot be read is kept with
        ``size``/``md5`` ``None`` (it is downloaded unverified and recorded as such).
    malformed : int
        Non-blank lines that name no file of the form ``YYYYMMDDHHMMSS.<table file>.zip``.
    """
    wanted = GDELT2_TABLES[table]
    known = set(GDELT2_TABLES.values())
    # Timestamps are fixed-width digits, so the window test can compare strings; the list
    # has over a million lines, and only the few in the window are parsed further.
    lo = start.strftime("%Y%m%d%H%M%S") if start is not None else None
    hi = end.strftime("%Y%m%d%H%M%S") if end is not None else None
    out: list[tuple[_dt.datetime, RemoteFile]] = []
    malformed = 0
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        name = line[line.rfind("/") + 1:]
        stamp = name[:14]
        kind = name[15:]
        if kind.startswith("translation."):
            kind = kind[12:]
        if len(name) < 16 or name[14] != "." or not stamp.isdigit() or kind not in known:
            malformed += 1
            continue
        if kind != wanted or (lo is not None and stamp < lo) or (hi is not None and stamp > hi):
            continue
        try:
            when = _dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
        except ValueError:
            malformed += 1
            continue
        parts = line.split()
        url = parts[-1]
        size = int(parts[0]) if len(parts) == 3 and parts[0].isdigit() else None
        md5 = parts[1].lower() if len(parts) == 3 and re.fullmatch(r"[0-9a-fA-F]{32}",
                                                                    parts[1]) else None
        out.append((when, RemoteFile(name, url, size, md5)))
    return out, malformed


def _gdelt2_latest(path: Path) -> _dt.datetime | None:
    """Timestamp of the last file in a master list (read from the end of the file)."""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 65536))
        tail = fh.read().decode("utf-8", errors="replace")
    stamps = re.findall(r"/(\d{14})\.", tail)
    if not stamps:
        return None
    try:
        return max(_dt.datetime.strptime(s, "%Y%m%d%H%M%S") for s in stamps)
    except ValueError:
        return None


def fetch_gdelt2(start: str | _dt.date | _dt.datetime, end: str | _dt.date | _dt.datetime,
                 dest: str | os.PathLike[str] = "data/gdelt2", *, table: str = "events",
                 translingual: bool = False, allow_missing: bool = False,
                 refresh_index: bool = False, base_url: str = GDELT2_BASE_URL,
                 transport: Transport | None = None, workers: int = 4, retries: int = 3,
                 progress: bool | None = None, dry_run: bool = False) -> FetchResult:
    """Download the GDELT 2.0 15-minute files of one table from ``start`` to ``end`` (UTC).

    Parameters
    ----------
    start, end : str, datetime.date or datetime.datetime
        ``YYYY-MM-DD`` (a whole day) or ``YYYY-MM-DDTHH:MM`` (UTC). Inclusive.
    dest : path-like
        Destination folder; the master list is kept in ``dest/.index``.
    table : {"events", "mentions", "gkg"}
        ``events`` are the ``.export.CSV.zip`` files read by ``riskmodel ingest gdelt2``.
    translingual : bool
        Use the translated stream (``masterfilelist-translation.txt``).
    allow_missing, refresh_index, base_url, transport, workers, retries, progress, dry_run
        As in :func:`fetch_gdelt1`.

    Returns
    -------
    FetchResult

    Raises
    ------
    ConfigurationError
        Unknown table (the nearest name is suggested), malformed or empty range.
    DownloadError
        A 15-minute slot without a file in the master list or answered 404 (unless
        ``allow_missing``), a truncated file or a checksum mismatch.
    """
    if table not in GDELT2_TABLES:
        import difflib

        near = difflib.get_close_matches(table, list(GDELT2_TABLES), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(
            f"The 'table' parameter must be one of {sorted(GDELT2_TABLES)}. Got {table!r}.{hint}"
        )
    _check_workers(workers)
    slots = gdelt2_slots(start, end, translingual=translingual)
    if not slots:
        raise ConfigurationError(
            f"The range {start}..{end} holds no 15-minute GDELT 2.0 slot (slots start at :00, "
            ":15, :30 and :45)."
        )
    transport = transport or UrllibTransport()
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url if base_url.endswith("/") else base_url + "/"
    list_name = "masterfilelist-translation.txt" if translingual else "masterfilelist.txt"
    window_end = slots[-1] + _SLOT - _dt.timedelta(seconds=1)

    def covers(path: Path) -> bool:
        latest = _gdelt2_latest(path)
        return latest is not None and latest >= slots[-1]

    index = _fresh_index(folder, "gdelt2-" + list_name, base + list_name, transport, retries,
                         refresh_index, covers, progress)
    with open(index, encoding="utf-8", errors="replace") as fh:
        listed, _malformed = parse_gdelt2_masterlist(fh, table=table, start=slots[0],
                                                     end=window_end)
    # Files listed on other hosts than base_url are fetched from base_url (mirrors, tests).
    remotes: list[RemoteFile] = []
    seen: set[str] = set()
    covered: set[_dt.datetime] = set()
    for stamp, remote in listed:
        if remote.name in seen:
            continue
        seen.add(remote.name)
        covered.add(stamp.replace(minute=(stamp.minute // 15) * 15, second=0))
        url = remote.url if base_url == GDELT2_BASE_URL else base + remote.name
        remotes.append(RemoteFile(remote.name, url, remote.size, remote.md5))
    prefix = "translation." if translingual else ""
    suffix = GDELT2_TABLES[table]
    missing_entries = [
        ManifestEntry(f"{slot:%Y%m%d%H%M%S}.{prefix}{suffix}",
                      f"{base}{slot:%Y%m%d%H%M%S}.{prefix}{suffix}", "gdelt2", "missing",
                      reason=f"no {table} file for this 15-minute slot in {list_name}")
        for slot in slots if slot not in covered
    ]
    manifest = _Manifest(folder)
    return _plan_or_fetch(remotes, missing_entries, folder, manifest, "gdelt2",
                          dry_run=dry_run, allow_missing=allow_missing,
                          index_reason="not in the master list",
                          index=f"GDELT 2.0's {base}{list_name}",
                          server=f"the GDELT 2.0 server ({base})", transport=transport,
                          workers=workers, retries=retries, progress=progress)


# ---------------------------------------------------------------------------------------------
# UCDP GED
# ---------------------------------------------------------------------------------------------


def _ucdp_version(version: str) -> tuple[str, str]:
    text = str(version).strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d)", text)
    if match is None:
        raise ConfigurationError(
            f"The 'version' parameter must be a GED release like '25.1' (major.minor). Got "
            f"{version!r} instead. Released versions are listed at https://ucdp.uu.se/downloads/."
        )
    return text, f"{match.group(1)}{match.group(2)}"


def _api_get_json(url: str, transport: Transport, headers: Mapping[str, str], retries: int,
                  what: str) -> Any:
    attempt = 0
    while True:
        try:
            resp = transport.request(url, headers=headers)
            status = resp.status
            body = resp.read_all()
        except (OSError, http.client.HTTPException) as exc:
            status, body = -1, str(exc).encode()
        if status == 200:
            try:
                return json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise DownloadError(
                    f"{what}: the answer from {url} is not JSON ({exc}); first bytes: "
                    f"{body[:200]!r}"
                ) from exc
        if status in (401, 403):
            raise DownloadError(
                f"{what}: access refused (HTTP {status}) for {url}: {body[:300]!r}. Check the "
                "credentials."
            )
        if status in (404, 410):
            raise DownloadError(f"{what}: not found (HTTP {status}) for {url}")
        if status == -1 or status == 429 or status >= 500:
            attempt += 1
            if attempt > retries:
                last = (f"connection error {body.decode(errors='replace')}" if status == -1
                        else f"HTTP {status}")
                raise DownloadError(f"{what}: {url} failed after {attempt} attempts ({last})")
            time.sleep(min(30.0, RETRY_BACKOFF * 2 ** (attempt - 1)))
            continue
        raise DownloadError(f"{what}: HTTP {status} for {url}: {body[:300]!r}")


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _write_records_csv(path: Path, pages: Iterator[list[dict[str, Any]]],
                       convert: Callable[[str, Any], str] | None = None) -> int:
    """Write record pages to ``path`` via ``.part``; columns in order of first appearance.

    Records are buffered on disk as JSON lines, then written as CSV once all columns are known.
    """
    part = path.with_name(path.name + ".part")
    spool = path.with_name(path.name + ".jsonl.part")
    columns: dict[str, None] = {}
    rows = 0
    try:
        with open(spool, "w", encoding="utf-8") as out:
            for page in pages:
                for record in page:
                    for key in record:
                        columns.setdefault(key, None)
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    rows += 1
        with open(spool, encoding="utf-8") as src, \
                open(part, "w", encoding="utf-8", newline="") as dst:
            writer = csv.writer(dst)
            names = list(columns)
            writer.writerow(names)
            conv = convert or (lambda _k, v: _csv_value(v))
            for line in src:
                record = json.loads(line)
                writer.writerow([conv(k, record.get(k)) for k in names])
        os.replace(part, path)
    finally:
        for leftover in (spool, part):
            if leftover.exists():
                leftover.unlink()
    return rows


def _ged_value(key: str, value: Any) -> str:
    # The API writes dates as ISO "2010-05-13T00:00:00"; GED CSV releases as
    # "2010-05-13 00:00:00.000". Write the release form so the GED CSV reader sees one layout.
    if key in ("date_start", "date_end") and isinstance(value, str):
        match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?", value)
        if match:
            return f"{match.group(1)} {match.group(2)}.000"
    return _csv_value(value)


def fetch_ucdp_ged(version: str = "25.1", dest: str | os.PathLike[str] = "data/ucdp", *,
                   api: bool = False, token: str | None = None,
                   start: str | _dt.date | None = None, end: str | _dt.date | None = None,
                   country: str | Sequence[int | str] | None = None, pagesize: int = 1000,
                   refresh: bool = False, base_url: str | None = None,
                   transport: Transport | None = None, retries: int = 3,
                   progress: bool | None = None) -> FetchResult:
    """Download a UCDP GED release (CSV in a zip), or its events through the UCDP API.

    Parameters
    ----------
    version : str
        GED release, ``"25.1"`` -> ``ged251-csv.zip``.
    dest : path-like
        Destination folder.
    api : bool
        Page through ``gedevents/<version>`` of the API instead (needs a token) and write
        ``ucdp_ged_<version>[_<filters>].csv`` with the GED column names.
    token : str, optional
        UCDP API access token; default ``$UCDP_API_TOKEN``. Only for ``api=True``.
    start, end : str or datetime.date, optional
        API only: ``StartDate``/``EndDate`` filters.
    country : str or sequence, optional
        API only: ``Country`` filter, Gleditsch-Ward codes (``"770"`` or ``[770, 750]``).
    pagesize : int
        API only: events per page (the API allows at most 1000).
    refresh : bool
        Download again even when the file is present (API downloads are otherwise cached by
        query; release files are verified against the server's size).
    base_url : str, optional
        Folder of the release files (default :data:`UCDP_BASE_URL`) or root of the API (default
        :data:`UCDP_API_URL`).
    transport, retries, progress
        As in :func:`fetch_gdelt1`.

    Returns
    -------
    FetchResult

    Raises
    ------
    ConfigurationError
        Malformed version, or ``api=True`` without a token (names ``UCDP_API_TOKEN``).
    DownloadError
        Unknown release (404), truncated or damaged archive, API errors, or an API download whose
        row count differs from the announced ``TotalCount``.
    """
    label, compact = _ucdp_version(version)
    transport = transport or UrllibTransport()
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(folder)
    if api:
        return _fetch_ucdp_api(label, folder, manifest, token=token, start=start, end=end,
                               country=country, pagesize=pagesize, refresh=refresh,
                               base_url=base_url or UCDP_API_URL, transport=transport,
                               retries=retries, progress=progress)
    if start is not None or end is not None or country is not None:
        raise ConfigurationError(
            "The 'start', 'end' and 'country' filters apply to the UCDP API only (api=True); a "
            "GED release file holds every event. Filter after ingest instead."
        )
    base = base_url or UCDP_BASE_URL
    base = base if base.endswith("/") else base + "/"
    name = f"ged{compact}-csv.zip"
    url = base + name
    path = folder / name
    if refresh and path.exists():
        path.unlink()
    size = _probe_size(url, transport, retries)
    remote = RemoteFile(name, url, size, None)
    try:
        entries, not_found = _run_downloads([remote], folder, "ucdp", transport=transport,
                                            workers=1, retries=retries, progress=progress,
                                            manifest=manifest, check_zip=True)
    except DownloadError:
        raise
    if not_found:
        raise DownloadError(
            f"UCDP GED {label}: {url} is not on the server (HTTP 404). Check the version: "
            "released versions are listed at https://ucdp.uu.se/downloads/ (e.g. 25.1, 24.1)."
        )
    return _finish(entries, [], folder, manifest, [], False, "UCDP")


def _probe_size(url: str, transport: Transport, retries: int) -> int | None:
    """Size announced by a HEAD request, or ``None`` when the server does not say."""
    for attempt in range(retries + 1):
        try:
            resp = transport.request(url, method="HEAD")
        except (OSError, http.client.HTTPException):
            time.sleep(min(10.0, RETRY_BACKOFF * 2 ** attempt))
            continue
        with resp:
            if resp.status in (404, 410):
                return None  # reported by the GET that follows
            length = resp.header("Content-Length")
            if resp.status == 200 and length and length.isdigit():
                return int(length)
            return None
    return None


def _fetch_ucdp_api(label: str, folder: Path, manifest: _Manifest, *, token: str | None,
                    start: Any, end: Any, country: Any, pagesize: int, refresh: bool,
                    base_url: str, transport: Transport, retries: int,
                    progress: bool | None) -> FetchResult:
    token = token or os.environ.get(UCDP_TOKEN_ENV)
    if not token:
        raise ConfigurationError(
            f"The UCDP API needs an access token: set the environment variable {UCDP_TOKEN_ENV} "
            "(UCDP issues tokens on request, see https://ucdp.uu.se/apidocs/), or download the "
            "release file instead (api=False)."
        )
    if not isinstance(pagesize, int) or not 1 <= pagesize <= 1000:
        raise ConfigurationError(
            f"The 'pagesize' parameter must be an int in 1..1000. Got {pagesize!r} instead."
        )
    params: dict[str, str] = {"pagesize": str(pagesize), "page": "0"}
    suffix = []
    if start is not None:
        params["StartDate"] = _as_date(start, "start").isoformat()
        suffix.append(params["StartDate"])
    if end is not None:
        params["EndDate"] = _as_date(end, "end").isoformat()
        suffix.append(params["EndDate"])
    if start is not None and end is not None:
        _check_range(_as_date(start, "start"), _as_date(end, "end"))
    if country is not None:
        codes = [country] if isinstance(country, (str, int)) else list(country)
        params["Country"] = ",".join(str(c).strip() for c in codes)
        suffix.append("c" + params["Country"].replace(",", "-"))
    root = base_url if base_url.endswith("/") else base_url + "/"
    url = f"{root}gedevents/{label}?" + urllib.parse.urlencode(params)
    name = "_".join(["ucdp_ged", label.replace(".", "")] + suffix) + ".csv"
    query = {k: v for k, v in params.items() if k not in ("page",)} | {"version": label}
    path = folder / name
    known = manifest.get(name)
    if not refresh and path.exists() and known and known.get("query") == query:
        entry = ManifestEntry(**known)
        entry.status = "cached"
        return _finish([entry], [], folder, manifest, [], False, "UCDP")
    headers = {"x-ucdp-access-token": token, "Accept": "application/json"}
    announced: dict[str, int] = {}

    def pages() -> Iterator[list[dict[str, Any]]]:
        from tqdm import tqdm

        next_url: str | None = url
        bar = tqdm(unit=" events", file=sys.stderr, disable=not _show_progress(progress),
                   desc="fetch ucdp api", leave=False)
        seen_urls: set[str] = set()
        try:
            while next_url:
                if next_url in seen_urls:
                    raise DownloadError(f"UCDP API: page loop at {next_url}")
                seen_urls.add(next_url)
                data = _api_get_json(next_url, transport, headers, retries, "UCDP API")
                if not isinstance(data, dict) or "Result" not in data:
                    raise DownloadError(
                        f"UCDP API: unexpected answer from {next_url}: expected an object with "
                        f"'Result', got {str(data)[:200]!r}"
                    )
                if "total" not in announced:
                    announced["total"] = int(data.get("TotalCount") or 0)
                    bar.total = announced["total"]
                result = data["Result"] or []
                bar.update(len(result))
                yield result
                nxt = data.get("NextPageUrl") or ""
                next_url = nxt if nxt else None
                if next_url and base_url != UCDP_API_URL:
                    # Follow the server's paging against the configured root (mirrors, tests).
                    parsed = urllib.parse.urlsplit(next_url)
                    rel = parsed.path.split("/api/", 1)[-1]
                    next_url = root + rel + ("?" + parsed.query if parsed.query else "")
        finally:
            bar.close()

    rows = _write_records_csv(path, pages(), convert=_ged_value)
    total = announced.get("total", 0)
    if rows != total:
        path.unlink()
        raise DownloadError(
            f"UCDP API {label}: expected {total} events (TotalCount), got {rows}; {name} was "
            "removed. Run the fetch again."
        )
    stat = path.stat()
    entry = ManifestEntry(name, url, "ucdp", "downloaded", stat.st_size,
                          _md5_file(path).hexdigest(), verified="row-count",
                          fetched_at=_now_iso(), mtime_ns=stat.st_mtime_ns, rows=rows,
                          query=query)
    manifest.put(entry)
    return _finish([entry], [], folder, manifest, [], False, "UCDP")


# ---------------------------------------------------------------------------------------------
# ACLED
# ---------------------------------------------------------------------------------------------


def _acled_token(base: str, email_: str, password: str, transport: Transport,
                 retries: int) -> str:
    body = urllib.parse.urlencode({"username": email_, "password": password,
                                   "grant_type": "password", "client_id": "acled"}).encode()
    url = base + "oauth/token"
    attempt = 0
    while True:
        try:
            resp = transport.request(url, method="POST", data=body, headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json"})
            status, payload = resp.status, resp.read_all()
        except (OSError, http.client.HTTPException) as exc:
            status, payload = -1, str(exc).encode()
        if status == 200:
            try:
                token = json.loads(payload.decode("utf-8")).get("access_token")
            except (UnicodeDecodeError, ValueError, AttributeError):
                token = None
            if not token:
                raise DownloadError(
                    f"ACLED login: {url} answered without an access_token: {payload[:200]!r}"
                )
            return str(token)
        if status in (400, 401, 403):
            raise DownloadError(
                f"ACLED login refused (HTTP {status}) at {url}: {payload[:300]!r}. Check "
                f"{ACLED_EMAIL_ENV} and {ACLED_PASSWORD_ENV} (the myACLED e-mail and password) and "
                "that the account has API access."
            )
        attempt += 1
        if attempt > retries or not (status == -1 or status == 429 or status >= 500):
            raise DownloadError(f"ACLED login: HTTP {status} at {url}: {payload[:300]!r}")
        time.sleep(min(30.0, RETRY_BACKOFF * 2 ** (attempt - 1)))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "all"


def fetch_acled(dest: str | os.PathLike[str] = "data/acled", *,
                country: str | Sequence[str] | None = None,
                start: str | _dt.date | None = None, end: str | _dt.date | None = None,
                iso: int | Sequence[int] | None = None, limit: int = 5000,
                email: str | None = None, password: str | None = None,
                allow_empty: bool = False, refresh: bool = False,
                base_url: str = ACLED_BASE_URL, transport: Transport | None = None,
                retries: int = 3, progress: bool | None = None) -> FetchResult:
    """Download ACLED events through the API into one CSV per country (or ISO code).

    Parameters
    ----------
    dest : path-like
        Destination folder. Files are named ``acled_<country>_<start>_<end>.csv``.
    country : str or sequence of str, optional
        ACLED country names (``"Pakistan"``, ``"Democratic Republic of Congo"``); one query and
        one file each.
    start, end : str or datetime.date, optional
        Event date range (inclusive), ``event_date=START|END`` with ``event_date_where=BETWEEN``.
    iso : int or sequence of int, optional
        ISO 3166 numeric codes, as an alternative to ``country``.
    limit : int
        Rows per page (ACLED's default page is 5000).
    email, password : str, optional
        myACLED login; default ``$ACLED_EMAIL`` and ``$ACLED_PASSWORD``.
    allow_empty : bool
        Accept a query returning no event (by default an error: usually a misspelled country).
    refresh : bool
        Query again even when a file from the same query is present (ACLED revises events, so
        refresh to pick up changes).
    base_url : str
        Site root (``oauth/token`` and ``api/acled/read`` are under it).
    transport, retries, progress
        As in :func:`fetch_gdelt1`.

    Returns
    -------
    FetchResult
        ``files`` are CSV files in ACLED's export layout, readable by ``riskmodel ingest acled``.

    Raises
    ------
    ConfigurationError
        Missing login (names ``ACLED_EMAIL``/``ACLED_PASSWORD``), bad dates or limit, or neither
        ``country``, ``iso`` nor a date range given.
    DownloadError
        Login refused, API errors, a query returning nothing (unless ``allow_empty``).

    Examples
    --------
    With ``ACLED_EMAIL`` and ``ACLED_PASSWORD`` set:

    >>> result = fetch_acled("data/acled", country=["Pakistan", "Afghanistan"],
    ...                      start="2024-01-01", end="2024-03-31")  # doctest: +SKIP
    >>> [p.name for p in result.files]  # doctest: +SKIP
    ['acled_afghanistan_20240101_20240331.csv', 'acled_pakistan_20240101_20240331.csv']
    """
    email_ = email or os.environ.get(ACLED_EMAIL_ENV)
    password_ = password or os.environ.get(ACLED_PASSWORD_ENV)
    unset = [name for name, value in ((ACLED_EMAIL_ENV, email_), (ACLED_PASSWORD_ENV, password_))
             if not value]
    if unset:
        raise ConfigurationError(
            f"The ACLED API needs a myACLED login: set the environment variable(s) "
            f"{' and '.join(unset)} (the account e-mail and password; register at "
            "https://acleddata.com/register/), or pass email=/password=."
        )
    if not isinstance(limit, int) or limit < 1:
        raise ConfigurationError(f"The 'limit' parameter must be an int >= 1. Got {limit!r}.")
    date_filter = None
    tag_dates = "all-dates"
    if start is not None or end is not None:
        if start is None or end is None:
            raise ConfigurationError("Give both 'start' and 'end' (or neither) for ACLED.")
        s, e = _as_date(start, "start"), _as_date(end, "end")
        _check_range(s, e)
        date_filter = f"{s.isoformat()}|{e.isoformat()}"
        tag_dates = f"{s:%Y%m%d}_{e:%Y%m%d}"
    queries: list[tuple[str, dict[str, str]]] = []
    for value in ([country] if isinstance(country, str) else list(country or [])):
        queries.append((_slug(value), {"country": value}))
    for code in ([iso] if isinstance(iso, int) else list(iso or [])):
        queries.append((f"iso{int(code)}", {"iso": str(int(code))}))
    if not queries:
        if date_filter is None:
            raise ConfigurationError(
                "fetch_acled needs a country, an ISO code or a date range; downloading all of "
                "ACLED in one query is not supported."
            )
        queries.append(("all", {}))
    transport = transport or UrllibTransport()
    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _Manifest(folder)
    base = base_url if base_url.endswith("/") else base_url + "/"
    token: list[str] = []
    entries: list[ManifestEntry] = []
    empties: list[str] = []
    for tag, params in queries:
        query = dict(params)
        if date_filter is not None:
            query.update({"event_date": date_filter, "event_date_where": "BETWEEN"})
        name = f"acled_{tag}_{tag_dates}.csv"
        path = folder / name
        known = manifest.get(name)
        if not refresh and path.exists() and known and known.get("query") == query:
            entry = ManifestEntry(**known)
            entry.status = "cached"
            entries.append(entry)
            continue
        if not token:
            token.append(_acled_token(base, email_ or "", password_ or "", transport, retries))
        read_url = base + "api/acled/read"

        def pages(query: dict[str, str] = query) -> Iterator[list[dict[str, Any]]]:
            from tqdm import tqdm

            bar = tqdm(unit=" events", file=sys.stderr, disable=not _show_progress(progress),
                       desc=f"fetch acled {query.get('country', query.get('iso', ''))}",
                       leave=False)
            page = 1
            relogged = False
            try:
                while True:
                    url = read_url + "?" + urllib.parse.urlencode(
                        {"_format": "json", **query, "limit": str(limit), "page": str(page)})
                    try:
                        data = _api_get_json(url, transport,
                                             {"Authorization": f"Bearer {token[0]}",
                                              "Accept": "application/json"}, retries, "ACLED API")
                    except DownloadError as exc:
                        if "HTTP 401" in str(exc) and not relogged:
                            # Tokens last 24 hours: log in again once and repeat the page.
                            token[0] = _acled_token(base, email_ or "", password_ or "",
                                                    transport, retries)
                            relogged = True
                            continue
                        raise
                    if not isinstance(data, dict) or "data" not in data:
                        raise DownloadError(
                            f"ACLED API: unexpected answer from {url}: expected an object with "
                            f"'data', got {str(data)[:200]!r}"
                        )
                    if data.get("success") is False or int(data.get("status", 200)) != 200:
                        detail = data.get("error") or data.get("messages")
                        raise DownloadError(f"ACLED API error for {url}: {detail}")
                    rows = data.get("data") or []
                    bar.update(len(rows))
                    yield rows
                    if len(rows) < limit:
                        return
                    page += 1
            finally:
                bar.close()

        rows = _write_records_csv(path, pages())
        if rows == 0:
            empties.append(f"{name} ({query})")
            if not allow_empty:
                path.unlink()
                continue
        stat = path.stat()
        entry = ManifestEntry(name, read_url, "acled", "downloaded", stat.st_size,
                              _md5_file(path).hexdigest(), verified="pages",
                              fetched_at=_now_iso(), mtime_ns=stat.st_mtime_ns, rows=rows,
                              query=query)
        manifest.put(entry)
        entries.append(entry)
    manifest.save()
    if empties:
        message = (f"ACLED returned no events for {len(empties)} quer(y/ies): "
                   f"{'; '.join(empties)}. Check the country spelling (ACLED's English names, e.g. "
                   "'Democratic Republic of Congo') and the dates.")
        if not allow_empty:
            raise DownloadError(message + " Pass allow_empty=True to accept empty results.")
        warnings.warn(message, DataQualityWarning, stacklevel=2)
    return _finish(entries, [], folder, manifest, [], False, "ACLED")
