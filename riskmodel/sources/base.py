"""What every source reader shares: input expansion, chunks, row accounting, the registry.

A reader turns one input file into a stream of :class:`Chunk` objects. Each chunk carries the
rows it could map into the canonical event schema (``events``), the rows it could not parse
(``rejects``, one per input row with the 1-based line and the reason) and ``n_read``, the data rows
it consumed, so that ``n_read == len(events) + len(rejects)`` holds for every chunk. The store
validates ``events`` once more (schema, codebook, ranges) and writes every chunk of a file in one
transaction together with the file's provenance row.

Readers register themselves with :func:`register_reader` under the ``kind`` the CLI takes
(``riskmodel ingest KIND PATH...``).
"""

from __future__ import annotations

import glob
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import pyarrow as pa

from riskmodel.events import REJECT_COLUMNS, empty_rejects
from riskmodel.exceptions import ConfigurationError, SourceFormatError

__all__ = [
    "Chunk",
    "InputFile",
    "Reader",
    "register_reader",
    "get_reader",
    "reader_kinds",
    "expand_inputs",
    "file_sha256",
    "open_text_lines",
    "make_rejects",
]

#: Default number of data rows per chunk.
CHUNK_ROWS = 250_000


@dataclass
class Chunk:
    """A block of rows read from one input file.

    Attributes
    ----------
    events : pandas.DataFrame or pyarrow.Table
        Rows mapped into the canonical event schema (not yet validated by the store); the
        index (or a ``_line`` column) holds 1-based line numbers. When ``sql`` is given, a
        table of raw fields instead, which ``sql`` maps.
    rejects : pandas.DataFrame
        Rows that could not be parsed, with :data:`riskmodel.events.REJECT_COLUMNS`.
    n_read : int
        Data rows consumed from the file for this chunk.
    sql : str, optional
        A DuckDB ``SELECT`` over the relation ``_raw`` (the ``events`` table) that yields
        canonical column names, optionally ``_line`` and a reader's own ``_reason``,
        ``_column`` and ``_value`` for rows it rejects. Lets a reader map and validate
        in the database, which is much faster for large files than pandas.
    tables : dict, optional
        Small lookup tables (name -> pyarrow.Table) that ``sql`` joins.
    ids : tuple, optional
        ``(distinct ids, smallest event_id, largest event_id)`` when the reader knows them
        cheaply (rows it rejects may be included: the store only uses them to decide whether
        repeated or already-stored ids need a closer look). Without it the store computes them.
    """

    events: pd.DataFrame | pa.Table
    rejects: pd.DataFrame = field(default_factory=empty_rejects)
    n_read: int = -1
    sql: str | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)
    ids: tuple[int, str | None, str | None] | None = None

    def __post_init__(self) -> None:
        n_events = self.events.num_rows if isinstance(self.events, pa.Table) else len(self.events)
        if self.n_read < 0:
            self.n_read = n_events + len(self.rejects)
        if self.n_read != n_events + len(self.rejects):
            raise AssertionError(
                f"reader accounting broken: n_read={self.n_read} but {n_events} events "
                f"+ {len(self.rejects)} rejects"
            )


class _HashingReader(io.RawIOBase):
    """Wraps a binary stream and hashes every byte read, in order, from the start."""

    def __init__(self, raw: IO[bytes], owner: InputFile) -> None:
        self._raw = raw
        self._owner = owner
        self._digest = hashlib.sha256()
        owner._hash_state.clear()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self._digest.update(data)
        else:
            self._owner._hash_state["sha256"] = self._digest.hexdigest()
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class InputFile:
    """One input: a file on disk, or a member of a zip archive.

    Attributes
    ----------
    path : pathlib.Path
        The file on disk (the archive for zip members).
    member : str or None
        The archive member, or ``None`` for a plain file.
    """

    path: Path
    member: str | None = None
    _hash_state: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sha256(self) -> str | None:
        """Checksum of the bytes, known once the last opened stream was read to its end."""
        return self._hash_state.get("sha256")

    @property
    def origin(self) -> str:
        """Human-readable origin recorded in provenance: ``path`` or ``path!member``."""
        return f"{self.path}!{self.member}" if self.member else str(self.path)

    def open_binary(self) -> IO[bytes]:
        """Open the input for binary reading (zip members are streamed, not extracted).

        The bytes read are hashed on the way: after a reader has read the stream to its end,
        :attr:`sha256` holds the input's checksum without a second pass over the file.
        """
        if self.member is None:
            return io.BufferedReader(_HashingReader(open(self.path, "rb"), self), 1 << 20)
        try:
            archive = zipfile.ZipFile(self.path)
            return io.BufferedReader(_HashingReader(archive.open(self.member), self), 1 << 20)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise SourceFormatError(
                f"cannot read zip archive ({exc}). The file is truncated or not a zip file; "
                "download it again (riskmodel fetch verifies sizes and checksums).",
                path=str(self.path),
            ) from exc


#: A reader takes an input file and keyword options and yields chunks.
Reader = Callable[..., Iterator[Chunk]]

_REGISTRY: dict[str, Reader] = {}


def register_reader(kind: str) -> Callable[[Reader], Reader]:
    """Decorator registering a reader under ``kind`` (e.g. ``"gdelt2"``)."""

    def deco(func: Reader) -> Reader:
        _REGISTRY[kind] = func
        return func

    return deco


def reader_kinds() -> tuple[str, ...]:
    """Kinds with a registered reader."""
    _load_all()
    return tuple(sorted(_REGISTRY))


def get_reader(kind: str) -> Reader:
    """The reader registered for ``kind``.

    Raises
    ------
    ConfigurationError
        If no reader has that name (the nearest valid name is suggested).
    """
    _load_all()
    try:
        return _REGISTRY[kind]
    except KeyError:
        import difflib

        near = difflib.get_close_matches(kind, list(_REGISTRY), n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise ConfigurationError(
            f"Unknown source kind {kind!r}; expected one of {sorted(_REGISTRY)}.{hint}"
        ) from None


def _load_all() -> None:
    import importlib
    import pkgutil

    import riskmodel.sources as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") and info.name not in ("base", "download"):
            importlib.import_module(f"riskmodel.sources.{info.name}")


def expand_inputs(paths: Sequence[str | os.PathLike[str]], *,
                  patterns: Sequence[str] = ("*",)) -> list[InputFile]:
    """Expand files, directories, globs and zip archives into a sorted list of inputs.

    Parameters
    ----------
    paths : sequence of path-like
        Files, directories (searched recursively for files matching ``patterns``) or glob
        patterns. A ``.zip`` file expands into its file members.
    patterns : sequence of str
        Filename patterns used inside directories (case-insensitive).

    Raises
    ------
    SourceFormatError
        If a path does not exist, a glob matches nothing, or a zip archive is unreadable.
    """
    import fnmatch

    out: list[InputFile] = []
    for raw in paths:
        text = os.fspath(raw)
        if any(ch in text for ch in "*?[") and not os.path.exists(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                raise SourceFormatError(
                    "the pattern matches no file; check the path and quote the pattern so the "
                    "shell does not expand it",
                    path=text,
                )
            candidates = [Path(m) for m in matches if os.path.isfile(m)]
        elif os.path.isdir(text):
            candidates = sorted(
                p for p in Path(text).rglob("*")
                if p.is_file() and any(fnmatch.fnmatch(p.name.lower(), pat.lower())
                                       for pat in patterns)
            )
            if not candidates:
                raise SourceFormatError(
                    f"the directory holds no file matching {list(patterns)}", path=text
                )
        elif os.path.isfile(text):
            candidates = [Path(text)]
        else:
            raise SourceFormatError("no such file or directory", path=text)
        for path in candidates:
            if path.suffix.lower() == ".zip":
                out.extend(_zip_members(path))
            else:
                out.append(InputFile(path))
    return out


def _zip_members(path: Path) -> list[InputFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            if bad is not None:
                raise SourceFormatError(
                    f"member {bad!r} fails its CRC check: the archive is corrupt; download it "
                    "again", path=str(path))
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, EOFError) as exc:
        raise SourceFormatError(
            f"not a readable zip archive ({exc}); it is probably truncated. Download it again "
            "(riskmodel fetch verifies sizes and checksums).",
            path=str(path),
        ) from exc
    if not names:
        raise SourceFormatError("the zip archive is empty", path=str(path))
    return [InputFile(path, name) for name in sorted(names)]


def file_sha256(item: InputFile | str | os.PathLike[str], *, block: int = 1 << 20) -> str:
    """SHA-256 of an input's bytes (of the member's bytes for zip members)."""
    item = item if isinstance(item, InputFile) else InputFile(Path(item))
    digest = hashlib.sha256()
    with item.open_binary() as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def open_text_lines(item: InputFile, encoding: str = "utf-8") -> io.TextIOBase:
    """Open an input as text with strict decoding (callers turn decode errors into rejects)."""
    return io.TextIOWrapper(item.open_binary(), encoding=encoding, errors="strict", newline="")


def make_rejects(lines: Sequence[int], reasons: Sequence[str], *,
                 raws: Sequence[str | None] | None = None,
                 columns: Sequence[str | None] | None = None,
                 values: Sequence[str | None] | None = None,
                 source_event_ids: Sequence[str | None] | None = None) -> pd.DataFrame:
    """Build a rejects frame from parallel lists (raw lines are cut to 2,000 characters)."""
    n = len(lines)
    if n == 0:
        return empty_rejects()

    def col(values_: Sequence[str | None] | None) -> pd.Series:
        return pd.Series(list(values_) if values_ is not None else [None] * n, dtype="string")

    frame = pd.DataFrame(
        {
            "line": pd.Series(list(lines), dtype="Int64"),
            "source_event_id": col(source_event_ids),
            "column": col(columns),
            "value": col(values),
            "reason": pd.Series(list(reasons), dtype="string"),
            "raw": col([None if r is None else r[:2000] for r in raws] if raws is not None else None),
        }
    )
    return frame[list(REJECT_COLUMNS)]
