"""The embedded event store: a DuckDB file holding canonical events, provenance and rejects.

Tables
------
``events``
    Exactly the canonical columns (:data:`riskmodel.events.EVENT_COLUMNS`) plus ``batch_id``,
    the batch that first stored the row. ``event_id`` is unique: adding a row whose
    ``event_id`` is already stored counts it as a duplicate and stores nothing.
``batches``
    Provenance, one row per batch (one input file, or one frame passed to :meth:`EventStore.add`):
    kind, origin (file or URL), sha256, rows read / stored / duplicates / rejected, start and
    end time, riskmodel version.
``rejects``
    One row per rejected input row: batch, line, source event id, column, value, reason and the
    raw text where the reader kept it.

Guarantees
----------
* **Accounting**: for every batch, ``read == stored + duplicates + rejected``.
* **Idempotence**: ingesting the same file again stores nothing new (its rows count as
  duplicates) and exits successfully.
* **Atomicity**: each batch (all chunks of one file, its rejects and its provenance row) is
  written in one transaction; an error or a crash mid-batch leaves no partial batch. Files that
  fit in one chunk (e.g. GDELT 2.0's 15-minute exports) are inserted together with the small
  files next to them, up to a million rows in one insert and one transaction, each still its
  own batch with its own accounting and rejects: a file that cannot be read leaves the files
  before it stored, while a failure while writing (or a crash) undoes the uncommitted files of
  its group together, which ingesting them again restores.
* **One writer**: DuckDB lets one process open a file for writing; a second writer gets a
  :class:`~riskmodel.exceptions.StoreError` that says so.

Uniqueness is enforced by an anti-join on ``event_id`` rather than a primary-key index, which
keeps bulk loads fast; every write goes through :meth:`EventStore.add` or
:meth:`EventStore.ingest`, which perform it. While a file is stored, a background thread reads
and parses its next chunk (or the next file), so reading overlaps with DuckDB's conversion,
checks and writes.
"""

from __future__ import annotations

import itertools
import os
import threading
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from riskmodel.events import (
    EVENT_COLUMNS,
    EVENT_DTYPES,
    SQL_TYPES,
    empty_rejects,
    register_codebook,
    to_canonical_dtypes,
)
from riskmodel.exceptions import ConfigurationError, StoreError

__all__ = ["EventStore", "IngestReport", "parse_dyad", "STORE_ENV", "DEFAULT_STORE"]

#: Environment variable naming the default store file.
STORE_ENV = "RISKMODEL_STORE"
#: Store file used when neither a path nor ``RISKMODEL_STORE`` is given.
DEFAULT_STORE = "riskmodel.duckdb"



class _prefetched(Iterator[Any]):
    """Iterate over ``chunks`` while a background thread reads the next one.

    The reader (file I/O, hashing, CSV parsing; mostly outside the GIL) then overlaps with the
    store's conversion and insert of the previous chunk (inside DuckDB, also outside the GIL).
    At most one chunk waits in the queue, so memory stays bounded. An exception of the reader
    is raised here, in the caller's thread; :meth:`close` stops the thread early.
    """

    _DONE = object()

    def __init__(self, chunks: Iterator[Any]) -> None:
        import queue

        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._source = chunks
        self._thread = threading.Thread(target=self._run, name="riskmodel-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import queue

        try:
            for chunk in self._source:
                while not self._stop.is_set():
                    try:
                        self._queue.put((chunk, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            item: tuple[Any, BaseException | None] = (self._DONE, None)
        except BaseException as exc:  # handed to the consumer, which raises it
            item = (self._DONE, exc)
        finally:
            if self._stop.is_set():
                close = getattr(self._source, "close", None)
                if close is not None:
                    close()
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __next__(self) -> Any:
        if self._stop.is_set():
            raise StopIteration
        chunk, exc = self._queue.get()
        if chunk is self._DONE:
            self._stop.set()
            if exc is not None:
                raise exc
            raise StopIteration
        return chunk

    def close(self) -> None:
        """Stop the reader thread and wait for it (the reader's file is closed)."""
        self._stop.set()
        self._thread.join()


#: Bits of ``_line`` below a merged file's position (:func:`_merge_chunks`).
_FILE_SHIFT = 40
#: Rows of small files merged into one insert.
_MERGE_ROWS = 1_000_000


def _mergeable(chunk: Any, other: Any | None = None) -> bool:
    """Whether a one-chunk file can be merged (with ``other``): reader SQL over Arrow rows."""
    if chunk.sql is None or not isinstance(chunk.events, pa.Table) \
            or "_line" not in chunk.events.column_names:
        return False
    return other is None or (other.sql == chunk.sql and other.events.schema == chunk.events.schema
                             and set(other.tables) == set(chunk.tables))


def _merge_chunks(chunks: list[Any]) -> Any:
    """One chunk holding the rows of several files' chunks (same reader SQL and layout).

    File ``k``'s lines become ``k << 40 | line``; lookup tables are united (one row per code).
    Reader rejects are left out: the caller stores them per file.
    """
    import pyarrow.compute as pc

    from riskmodel.sources.base import Chunk

    tables = []
    for k, chunk in enumerate(chunks):
        raw = chunk.events
        i = raw.column_names.index("_line")
        lines = pc.add(raw.column(i).cast(pa.int64()), pa.scalar(k << _FILE_SHIFT, pa.int64()))
        tables.append(raw.set_column(i, "_line", lines))
    lookups = {}
    for name in chunks[0].tables:
        united = pa.concat_tables([c.tables[name] for c in chunks])
        keys = united.column_names
        lookups[name] = united.group_by(keys, use_threads=False).aggregate([]).select(keys)
    events = pa.concat_tables(tables)
    return Chunk(events=events, n_read=events.num_rows, sql=chunks[0].sql, tables=lookups)


class _Group:
    """One transaction shared by consecutive small files (each still its own batch).

    Committing every small file on its own costs a write-ahead-log flush per file, which
    dominates for inputs such as GDELT 2.0's 15-minute exports (a few thousand rows each). A
    group is committed once it holds :attr:`ROWS` rows, before a large file, after a file that
    cannot be read (so the files before it stay stored) and at the end.
    """

    #: Rows read after which a group is committed.
    ROWS = 1_000_000

    def __init__(self, con: Any) -> None:
        self._con = con
        self._open = False
        self._rows = 0

    def begin(self) -> None:
        if not self._open:
            self._con.execute("BEGIN TRANSACTION")
            self._open, self._rows = True, 0

    def add(self, rows: int) -> None:
        self._rows += rows
        if self._rows >= self.ROWS:
            self.commit()

    def commit(self) -> None:
        if self._open:
            self._open = False
            self._con.execute("COMMIT")

    def rollback(self) -> None:
        if self._open:
            self._open = False
            self._con.execute("ROLLBACK")


@dataclass
class IngestReport:
    """Row accounting of one ingest (one or more batches).

    Attributes
    ----------
    read, stored, duplicates, rejected : int
        Rows read from the inputs, newly stored, already stored (same ``event_id``), and
        rejected with a reason. ``read == stored + duplicates + rejected``.
    batches : list of dict
        Per-batch provenance rows (batch id, origin, sha256 and the four counts).
    """

    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The four counts as a dict (the CLI prints this as its last line)."""
        return {"read": self.read, "stored": self.stored, "duplicates": self.duplicates,
                "rejected": self.rejected}

    def __iadd__(self, other: IngestReport) -> IngestReport:
        self.read += other.read
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.batches.extend(other.batches)
        return self


def parse_dyad(dyad: str | tuple[str, str]) -> tuple[str, str, bool]:
    """Split a dyad label into its two states and whether it is directed.

    ``"PAK>AFG"`` is directed (PAK as actor 1, AFG as actor 2); ``"AFG-PAK"`` is undirected.

    Raises
    ------
    ConfigurationError
        If the label is not of either form.
    """
    if isinstance(dyad, tuple):
        return dyad[0], dyad[1], True
    for sep, directed in ((">", True), ("-", False)):
        if sep in dyad:
            a, _, b = dyad.partition(sep)
            if len(a) == 3 and len(b) == 3 and a.isalpha() and b.isalpha():
                return a.upper(), b.upper(), directed
    raise ConfigurationError(
        f"Dyad {dyad!r} is not understood; write 'PAK>AFG' (directed: PAK acting on AFG) "
        "or 'AFG-PAK' (either direction), with ISO3 codes."
    )


class EventStore:
    """A DuckDB file of canonical events with provenance and rejects.

    Parameters
    ----------
    path : str or path-like, optional
        The DuckDB file. Default: ``$RISKMODEL_STORE``, else ``riskmodel.duckdb`` in the
        working directory. ``":memory:"`` keeps the store in memory.
    read_only : bool, default False
        Open without write access (several readers may share a file).
    ingest_memory_limit : str or None, default "512MB"
        DuckDB memory limit while a batch is written to a file store: beyond it DuckDB writes
        the batch's data to disk ahead of the commit, so ingest memory does not grow with the
        file size. ``None`` leaves DuckDB's default (80% of RAM).

    Raises
    ------
    StoreError
        If the file cannot be opened (e.g. another process holds it for writing, or it is not
        a DuckDB file).

    Examples
    --------
    >>> store = EventStore(":memory:")
    >>> report = store.ingest("gdelt2", ["20180326044500.export.CSV"])  # doctest: +SKIP
    >>> report.counts()  # doctest: +SKIP
    {'read': 1540, 'stored': 1540, 'duplicates': 0, 'rejected': 0}
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 read_only: bool = False, ingest_memory_limit: str | None = "512MB") -> None:
        self.path = str(path) if path is not None else (os.environ.get(STORE_ENV)
                                                        or DEFAULT_STORE)
        self.read_only = read_only
        self.ingest_memory_limit = ingest_memory_limit
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.exists() and not read_only:
                parent.mkdir(parents=True, exist_ok=True)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(
                f"No event store at {self.path}. Ingest data first "
                "(riskmodel ingest KIND PATH --store FILE) or point --store at an existing file."
            )
        try:
            self._con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"Cannot open the event store {self.path}: {exc}. If another riskmodel process "
                "is writing to it, wait for it to finish or use another --store file."
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(f"Cannot open the event store {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        #: Staging SQL per (reader SQL, raw schema), built once (see ``_store_chunk``).
        self._staging: dict[tuple[str, str], str] = {}
        try:
            self._con.execute("SET enable_progress_bar = false")
        except duckdb.Error:  # some front ends (a Jupyter kernel without ipywidgets) refuse it
            pass
        # Queries that need an order say so; letting DuckDB drop insertion order makes bulk
        # loads about twice as fast.
        self._con.execute("SET preserve_insertion_order = false")
        if not read_only:
            self._create_tables()
        register_codebook(self._con)

    # ------------------------------------------------------------------ schema
    def _create_tables(self) -> None:
        cols = ",\n  ".join(f"{c} {SQL_TYPES[t]}" for c, t in EVENT_DTYPES.items())
        self._con.execute(f"CREATE TABLE IF NOT EXISTS events (\n  {cols},\n  batch_id BIGINT\n)")
        self._con.execute(
            """
            CREATE TABLE IF NOT EXISTS batches (
              batch_id BIGINT PRIMARY KEY, kind VARCHAR, origin VARCHAR, sha256 VARCHAR,
              n_read BIGINT, n_stored BIGINT, n_duplicates BIGINT, n_rejected BIGINT,
              started_at TIMESTAMP, finished_at TIMESTAMP, riskmodel_version VARCHAR
            )
            """
        )
        self._con.execute(
            """
            CREATE TABLE IF NOT EXISTS rejects (
              batch_id BIGINT, line BIGINT, source_event_id VARCHAR, "column" VARCHAR,
              value VARCHAR, reason VARCHAR, raw VARCHAR
            )
            """
        )

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying DuckDB connection (for read queries; writes go through ``add``)."""
        return self._con

    def close(self) -> None:
        """Close the store (checkpointing the file)."""
        self._con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EventStore({self.path!r})"

    # ------------------------------------------------------------------ writes
    def add(self, events: pd.DataFrame, *, origin: str = "<frame>", kind: str | None = None,
            sha256: str | None = None, rejects: pd.DataFrame | None = None,
            n_read: int | None = None) -> IngestReport:
        """Add a frame of events as one batch (one transaction with its provenance row).

        Parameters
        ----------
        events : pandas.DataFrame
            Rows in (or convertible to) the canonical schema; invalid rows are rejected with
            reasons, rows whose ``event_id`` is already stored count as duplicates.
        origin : str
            Where the rows came from (file, URL or a description), recorded in provenance.
        kind : str, optional
            Source kind; default the frame's single ``source`` value.
        sha256 : str, optional
            Checksum of the input, recorded in provenance.
        rejects : pandas.DataFrame, optional
            Rows the caller already rejected (reader parse failures).
        n_read : int, optional
            Rows read; default ``len(events) + len(rejects)``.

        Returns
        -------
        IngestReport
        """
        from riskmodel.sources.base import Chunk

        chunk = Chunk(events=events, rejects=rejects if rejects is not None else
                      empty_rejects(), n_read=-1 if n_read is None else n_read)
        if kind is None:
            kinds = events["source"].dropna().unique() if "source" in events else []
            kind = str(kinds[0]) if len(kinds) == 1 else "mixed"
        with self._writing():
            return self._write_batch(kind, origin, sha256, iter([chunk]))

    def ingest(self, kind: str, paths: Sequence[str | os.PathLike[str]], *,
               progress: Callable[[str], None] | None = None, **options: Any) -> IngestReport:
        """Read files with the reader registered for ``kind`` and store them, file by file.

        Each file is one batch: all its chunks, its rejects and its provenance row are written
        in one transaction, which consecutive files of one chunk share (see the module
        docstring).

        Parameters
        ----------
        kind : str
            A reader kind (``riskmodel.sources.reader_kinds()``), e.g. ``"gdelt2"``.
        paths : sequence of path-like
            Files, directories, globs or zip archives.
        progress : callable, optional
            Called with a one-line message per file (the CLI prints them on stderr).
        **options
            Passed to the reader.

        Returns
        -------
        IngestReport
            Summed accounting plus one provenance dict per file.

        Raises
        ------
        SourceFormatError
            If a file is not in the expected layout (nothing of that file is stored; files
            before it stay stored).
        StoreError
            If storing fails (the file and the uncommitted small files before it in its group
            are not stored; ingest them again).
        """
        from riskmodel.sources.base import expand_inputs, file_sha256, get_reader

        reader = get_reader(kind)
        _check_options(kind, reader, options)
        total = IngestReport()
        items = expand_inputs(paths)
        group = _Group(self._con)
        pending: list[tuple[str, Callable[[], str], Any]] = []  # read, not yet stored
        stored_files = 0

        def record(origin: str, report: IngestReport) -> None:
            nonlocal total, stored_files
            total += report
            stored_files += 1
            group.add(report.read)
            if progress is not None:
                c = report.counts()
                progress(f"[{stored_files}/{len(items)}] {origin}: read {c['read']}, stored "
                         f"{c['stored']}, duplicates {c['duplicates']}, rejected "
                         f"{c['rejected']}")

        def flush() -> None:
            """Store the pending small files (one insert) in the open group."""
            if pending:
                group.begin()
                for (origin, _, _), report in zip(pending, self._write_files(kind, pending)):
                    record(origin, report)
                pending.clear()

        with self._writing():
            upcoming = _prefetched(reader(items[0], **options)) if items else None
            try:
                for i, item in enumerate(items):
                    chunks, upcoming = upcoming, None
                    try:
                        try:
                            head = list(itertools.islice(chunks, 2))
                        except BaseException:
                            flush()
                            group.commit()  # the files before this one stay stored
                            raise
                        if i + 1 < len(items):  # read the next file while this one is stored
                            upcoming = _prefetched(reader(items[i + 1], **options))
                        sha = (lambda it=item: it.sha256 or file_sha256(it))
                        if len(head) == 1 and _mergeable(head[0]):
                            # A file of one chunk, read to its end: stored with its neighbours.
                            if pending and not _mergeable(head[0], pending[0][2]):
                                flush()
                            pending.append((item.origin, sha, head[0]))
                            if sum(c.n_read for _, _, c in pending) >= _MERGE_ROWS:
                                flush()
                            continue
                        flush()
                        if len(head) < 2:
                            group.begin()
                            record(item.origin, self._write_batch(
                                kind, item.origin, sha, iter(head), transaction=False))
                        else:
                            group.commit()
                            record(item.origin, self._write_batch(
                                kind, item.origin, sha, itertools.chain(head, chunks)))
                    finally:
                        chunks.close()
                flush()
                group.commit()
            except BaseException:
                if upcoming is not None:
                    upcoming.close()
                group.rollback()
                raise
        return total

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the store's lock with DuckDB's memory capped for the duration of a write."""
        if self.read_only:
            raise StoreError(f"The store {self.path} is open read-only; open it without "
                             "read_only=True to add events.")
        con = self._con
        limit = self.ingest_memory_limit if self.path != ":memory:" else None
        with self._lock:
            if limit:
                con.execute(f"SET memory_limit = '{limit}'")
            try:
                yield
            finally:
                if limit:
                    con.execute("RESET memory_limit")

    def _write_batch(self, kind: str, origin: str,
                     sha256: str | Callable[[], str] | None,
                     chunks: Iterator[Any], *, transaction: bool = True) -> IngestReport:
        """Stage and store every chunk of one input with its provenance row.

        With ``transaction=True`` the batch is its own transaction; otherwise the caller has
        opened one (a group of small files) and commits or rolls it back.
        """
        started = datetime.now(timezone.utc).replace(tzinfo=None)
        con = self._con
        with self._lock:
            if transaction:
                con.execute("BEGIN TRANSACTION")
            try:
                batch_id = con.execute(
                    "SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0]
                n_read = n_reader_rejects = n_rows = n_bad = stored = 0
                for chunk in chunks:
                    # Chunk by chunk, so memory does not grow with the file; the transaction
                    # still makes the whole file one batch.
                    rows, bad, new = self._store_chunk(batch_id, chunk)
                    n_rows += int(rows[0])
                    n_bad += int(bad[0])
                    stored += int(new[0])
                    n_read += chunk.n_read
                    n_reader_rejects += len(chunk.rejects)
                if n_rows + n_reader_rejects != n_read:
                    raise StoreError(
                        f"Reader accounting mismatch for {origin}: {n_read} rows read but "
                        f"{n_rows} events and {n_reader_rejects} rejects produced.")
                counts = {"read": n_read, "stored": stored,
                          "duplicates": n_rows - n_bad - stored,
                          "rejected": n_bad + n_reader_rejects}
                if callable(sha256):
                    sha256 = sha256()  # known once the reader has read its input to the end
                report = self._insert_batch_row(int(batch_id), kind, origin, sha256, counts,
                                                started)
                if transaction:
                    con.execute("COMMIT")
            except BaseException:
                if transaction:
                    con.execute("ROLLBACK")
                raise
        return report

    def _insert_batch_row(self, batch_id: int, kind: str, origin: str, sha256: str | None,
                          counts: dict[str, int], started: datetime) -> IngestReport:
        """Write one batch's provenance row; its report."""
        from riskmodel import __version__

        self._con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch_id, kind, origin, sha256, counts["read"], counts["stored"],
             counts["duplicates"], counts["rejected"], started,
             datetime.now(timezone.utc).replace(tzinfo=None), __version__])
        return IngestReport(**counts, batches=[{"batch_id": batch_id, "kind": kind,
                                                "origin": origin, "sha256": sha256, **counts}])

    def _insert_reader_rejects(self, batch_id: int, rejects: pd.DataFrame) -> None:
        """Write the rows a reader rejected (with its reasons) to ``rejects``."""
        con = self._con
        con.register("_reader_rejects",
                     pa.Table.from_pandas(rejects.reset_index(drop=True), preserve_index=False))
        try:
            con.execute('INSERT INTO rejects SELECT ?, line, source_event_id, "column", value, '
                        "reason, raw FROM _reader_rejects", [batch_id])
        finally:
            con.unregister("_reader_rejects")

    def _write_files(self, kind: str, files: list[tuple[str, Callable[[], str], Any]]
                     ) -> list[IngestReport]:
        """Store several one-chunk files with one insert (inside the caller's transaction).

        ``files`` holds (origin, sha256 callable, chunk) of files read to their end, with the
        same reader SQL and layout. Each file is still its own batch with its own provenance
        row, rejects and accounting, exactly as if it were stored alone.
        """
        con = self._con
        started = datetime.now(timezone.utc).replace(tzinfo=None)
        chunks = [chunk for _, _, chunk in files]
        for origin, _, chunk in files:
            if chunk.events.num_rows + len(chunk.rejects) != chunk.n_read:
                raise StoreError(
                    f"Reader accounting mismatch for {origin}: {chunk.n_read} rows read but "
                    f"{chunk.events.num_rows} events and {len(chunk.rejects)} rejects produced.")
        with self._lock:
            first = con.execute(
                "SELECT coalesce(max(batch_id), 0) + 1 FROM batches").fetchall()[0][0]
            rows, bad, stored = self._store_chunk(first, _merge_chunks(chunks), len(chunks))
            reports = []
            for k, (origin, sha256, chunk) in enumerate(files):
                if len(chunk.rejects):
                    self._insert_reader_rejects(first + k, chunk.rejects)
                counts = {"read": int(chunk.n_read), "stored": int(stored[k]),
                          "duplicates": int(rows[k] - bad[k] - stored[k]),
                          "rejected": int(bad[k]) + len(chunk.rejects)}
                reports.append(self._insert_batch_row(int(first + k), kind, origin, sha256(),
                                                      counts, started))
        return reports

    def _store_chunk(self, batch_id: int, chunk: Any, files: int = 1
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Convert, check and store one chunk (inside the caller's transaction).

        A chunk merged from ``files`` small files (:func:`_merge_chunks`) carries the file's
        position in the high bits of ``_line``; file ``k`` is stored as batch ``batch_id + k``.

        The chunk's conversion and checks (:func:`riskmodel.events.staging_sql`) form the
        subquery ``_staged``, which is never materialised. Valid rows go straight into
        ``events`` (new ids once each); only when fewer rows were stored than staged does a
        second pass write the rejected rows into ``rejects``, so a clean chunk is converted and
        checked once (plus a cheap pass over its ids alone).

        Returns rows staged, rows rejected and rows stored, per file.
        """
        from riskmodel.events import frame_for_duckdb, relation_columns, staging_sql

        def per_file(counts: list[tuple[Any, Any]]) -> np.ndarray:
            out = np.zeros(files, dtype=np.int64)
            for k, n in counts:
                out[int(k)] = int(n)
            return out

        con = self._con
        registered = []
        try:
            if chunk.sql is not None:
                con.register("_raw", chunk.events)
                registered.append("_raw")
                for name, table in chunk.tables.items():
                    con.register(name, table)
                    registered.append(name)
                relation = f"({chunk.sql})"
                n_rows = chunk.events.num_rows
            else:
                frame = frame_for_duckdb(chunk.events)
                con.register("_frame", frame)
                registered.append("_frame")
                relation = "_frame"
                n_rows = len(frame)
            if len(chunk.rejects):
                self._insert_reader_rejects(batch_id, chunk.rejects)
            if files > 1:
                rows_per_file = np.bincount(
                    np.asarray(chunk.events.column("_line")) >> _FILE_SHIFT, minlength=files)
            else:
                rows_per_file = np.array([n_rows], dtype=np.int64)
            if not n_rows:
                return rows_per_file, np.zeros(files, np.int64), np.zeros(files, np.int64)
            # The staging query of a reader's SQL depends only on that SQL and the raw schema:
            # built once per ingest, not per chunk.
            key = (chunk.sql, str(chunk.events.schema)) if chunk.sql is not None else None
            sql = self._staging.get(key) if key is not None else None
            if sql is None:
                columns = relation_columns(con, relation)
                sql = staging_sql(relation, columns, line="_line" if "_line" in columns else None)
                if key is not None:
                    self._staging[key] = sql
            staged = f"({sql}) AS _staged"
            # The ids alone (no checks evaluated): are they unique, and what range do they span?
            n_ids, lo, hi = chunk.ids if chunk.ids is not None else con.execute(
                f"SELECT count(DISTINCT event_id), min(event_id), max(event_id) FROM {staged}"
            ).fetchall()[0]
            rows = f"SELECT * FROM {staged} WHERE _reason IS NULL"
            if n_ids < n_rows:
                # Repeated (or missing) ids within the chunk: keep the first line of each id.
                rows += " QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _line) = 1"
            if n_ids and self._ids_stored_between(lo, hi):
                # Some ids of this range are stored already. The range filter lets DuckDB skip
                # row groups by their min/max (sources issue ids in order: GDELT, UCDP and
                # ACLED do), so the semi-join probes only the row groups that overlap.
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE _existing AS SELECT event_id FROM events "
                    "WHERE event_id BETWEEN ? AND ? "
                    f"AND event_id IN (SELECT event_id FROM {staged})", [lo, hi])
                rows = (f"SELECT * FROM ({rows}) AS i WHERE NOT EXISTS "
                        "(SELECT 1 FROM _existing AS e WHERE e.event_id = i.event_id)")
            # the batch of a row, and its line in its own file
            batch = "?" if files == 1 else f"? + (_line >> {_FILE_SHIFT})"
            line = "_line" if files == 1 else f"_line & {(1 << _FILE_SHIFT) - 1}"
            stored = np.zeros(files, dtype=np.int64)
            if n_ids:
                cols = ", ".join(EVENT_COLUMNS)
                n_stored = con.execute(
                    f"INSERT INTO events SELECT {cols}, {batch} AS batch_id FROM ({rows})",
                    [batch_id]).fetchall()[0][0]
                stored = np.array([n_stored]) if files == 1 else per_file(con.execute(
                    "SELECT batch_id - ?, count(*) FROM events WHERE batch_id BETWEEN ? AND ? "
                    "GROUP BY batch_id", [batch_id, batch_id, batch_id + files - 1]).fetchall())
            con.execute("DROP TABLE IF EXISTS _existing")
            n_bad = np.zeros(files, dtype=np.int64)
            if stored.sum() < n_rows:
                # Something was rejected or repeated: record the rejected rows with reasons.
                n_rejected = con.execute(
                    f"INSERT INTO rejects SELECT {batch}, {line}, source_event_id, _column, "
                    f"_value, _reason, NULL FROM {staged} WHERE _reason IS NOT NULL",
                    [batch_id]).fetchall()[0][0]
                n_bad = np.array([n_rejected]) if files == 1 else per_file(con.execute(
                    "SELECT batch_id - ?, count(*) FROM rejects WHERE batch_id BETWEEN ? AND ? "
                    "GROUP BY batch_id", [batch_id, batch_id, batch_id + files - 1]).fetchall())
        finally:
            for name in registered:
                con.unregister(name)
        return rows_per_file, n_bad, stored

    def _ids_stored_between(self, lo: str, hi: str) -> bool:
        """Whether any stored event id lies in ``[lo, hi]`` (row groups pruned by min/max)."""
        return bool(self._con.execute(
            "SELECT EXISTS (SELECT 1 FROM events WHERE event_id BETWEEN ? AND ?)",
            [lo, hi]).fetchall()[0][0])

    # ------------------------------------------------------------------ reads
    def count(self) -> int:
        """Number of stored events."""
        return int(self._con.execute("SELECT count(*) FROM events").fetchall()[0][0])

    def events(self, *, dyad: str | tuple[str, str] | None = None,
               states: Iterable[str] | None = None, start: Any = None, end: Any = None,
               source: str | Iterable[str] | None = None, as_of: Any = None,
               columns: Sequence[str] | None = None, limit: int | None = None,
               order: str = "date") -> pd.DataFrame:
        """Query stored events.

        Parameters
        ----------
        dyad : str or (str, str), optional
            ``"PAK>AFG"`` (actor1 PAK, actor2 AFG), ``"AFG-PAK"`` (either direction), or a tuple
            (directed).
        states : iterable of str, optional
            Keep events where either actor's state is one of these.
        start, end : date-like, optional
            Inclusive bounds on ``date``.
        source : str or iterable of str, optional
            Keep only these sources.
        as_of : date-like, optional
            Keep only events known by then (``available_at <= as_of``).
        columns : sequence of str, optional
            Columns to return (default: all canonical columns).
        limit : int, optional
            At most this many rows (the latest first when ``order="-date"``).
        order : {"date", "-date"}
            Sort order.

        Returns
        -------
        pandas.DataFrame
            Canonical columns and dtypes.
        """
        cols = list(columns) if columns is not None else list(EVENT_COLUMNS)
        unknown = [c for c in cols if c not in EVENT_COLUMNS and c != "batch_id"]
        if unknown:
            raise ConfigurationError(f"Unknown event column(s) {unknown}; expected names from "
                                     "riskmodel.events.EVENT_COLUMNS.")
        where, params = self._filters(dyad=dyad, states=states, start=start, end=end,
                                      source=source, as_of=as_of)
        if order not in ("date", "-date"):
            raise ConfigurationError(f"order must be 'date' or '-date'. Got {order!r}.")
        sql = (f"SELECT {', '.join(cols)} FROM events{where} ORDER BY date"
               f"{' DESC' if order == '-date' else ''}, event_id")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        frame = self._con.execute(sql, params).df()
        return to_canonical_dtypes(frame)

    @staticmethod
    def _filters(*, dyad: Any = None, states: Any = None, start: Any = None, end: Any = None,
                 source: Any = None, as_of: Any = None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if dyad is not None:
            a, b, directed = parse_dyad(dyad)
            if directed:
                clauses.append("actor1_state = ? AND actor2_state = ?")
                params += [a, b]
            else:
                clauses.append("((actor1_state = ? AND actor2_state = ?) OR "
                               "(actor1_state = ? AND actor2_state = ?))")
                params += [a, b, b, a]
        if states is not None:
            st = [str(s).upper() for s in states]
            clauses.append("(list_contains(?, actor1_state) OR list_contains(?, actor2_state))")
            params += [st, st]
        if start is not None:
            clauses.append("date >= ?")
            params.append(pd.Timestamp(start).to_pydatetime())
        if end is not None:
            clauses.append("date <= ?")
            params.append(pd.Timestamp(end).to_pydatetime())
        if source is not None:
            srcs = [source] if isinstance(source, str) else list(source)
            clauses.append("list_contains(?, source)")
            params.append(srcs)
        if as_of is not None:
            clauses.append("available_at <= ?")
            params.append(pd.Timestamp(as_of).to_pydatetime())
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params

    def provenance(self) -> pd.DataFrame:
        """The provenance table: one row per batch, newest last."""
        return self._con.execute("SELECT * FROM batches ORDER BY batch_id").df()

    def rejects(self, batch_id: int | None = None) -> pd.DataFrame:
        """Rejected rows with reasons (of one batch, or all)."""
        if batch_id is None:
            return self._con.execute("SELECT * FROM rejects ORDER BY batch_id, line").df()
        return self._con.execute("SELECT * FROM rejects WHERE batch_id = ? ORDER BY line",
                                 [batch_id]).df()

    def summary(self) -> pd.DataFrame:
        """Events per source with their date range and the last time each was known."""
        return self._con.execute(
            "SELECT source, count(*) AS events, min(date) AS first_date, max(date) AS last_date,"
            " max(available_at) AS last_available FROM events GROUP BY source ORDER BY source"
        ).df()

    def data_hash(self, **filters: Any) -> str:
        """A short fingerprint of the stored events (optionally filtered, as in :meth:`events`).

        Order-independent: the same set of ``event_id`` values gives the same hash, so forecasts
        in a ledger can be traced to the data they saw.
        """
        where, params = self._filters(**filters)
        n, h = self._con.execute(
            f"SELECT count(*), coalesce(bit_xor(hash(event_id)), 0) FROM events{where}", params
        ).fetchall()[0]
        return f"{int(n):x}-{int(h) & 0xFFFFFFFFFFFFFFFF:016x}"


def _check_options(kind: str, reader: Callable[..., Any], options: Mapping[str, Any]) -> None:
    import difflib
    import inspect

    params = [name for name, p in list(inspect.signature(reader).parameters.items())[1:]
              if p.kind is inspect.Parameter.KEYWORD_ONLY]
    for key in options:
        if key not in params:
            near = difflib.get_close_matches(key, params, n=1)
            raise ConfigurationError(
                f"The {kind} reader has no option {key!r}; its options are {params}."
                + (f" Did you mean {near[0]!r}?" if near else ""))
