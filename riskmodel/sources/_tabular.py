"""Shared machinery of the delimited-text and JSON-lines readers (UCDP, ACLED, ICEWS, POLECAT,
GDELT-derived exports).

The functions here stream an input in bounded blocks of records, keep the 1-based line number of
every record, and turn rows that cannot be parsed into rejects instead of dropping them:

* bytes that are not UTF-8 reject the record that holds them (the rest of the file is read);
* a record with the wrong number of fields is rejected with the expected and found counts;
* an empty file, a missing or wrong header, a file whose every row has the wrong number of
  fields, and a truncated zip member raise :class:`~riskmodel.exceptions.SourceFormatError`.

Readers then map a block (a frame of raw strings indexed by line number) into the event schema
with the vectorised helpers below, collecting row-level problems in a :class:`RowProblems`.
"""

from __future__ import annotations

import csv
import json
import zlib
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskmodel.events import empty_rejects, make_event_id
from riskmodel.exceptions import SourceFormatError
from riskmodel.sources.base import CHUNK_ROWS, InputFile, make_rejects

__all__ = [
    "RawBlock",
    "RowProblems",
    "read_delimited",
    "read_jsonl",
    "blank_to_na",
    "combine_rejects",
    "parse_dates",
    "cameo_fields",
    "repair_event_code",
    "assemble",
    "join_flags",
]

csv.field_size_limit(1 << 24)

_READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, OSError)
#: A malformed record spanning this many lines means an unbalanced quote, not a long field.
_MAX_RECORD_LINES = 200


@dataclass
class RawBlock:
    """A block of records read from one input.

    Attributes
    ----------
    frame : pandas.DataFrame
        Raw field values as Python strings in ``object`` columns (missing fields are empty
        strings), one row per record, indexed by the record's 1-based line number in the file.
    rejects : pandas.DataFrame
        Records that could not be split into fields (bad bytes, wrong field count, bad JSON).
    """

    frame: pd.DataFrame
    rejects: pd.DataFrame = field(default_factory=empty_rejects)

    @property
    def n_read(self) -> int:
        """Records consumed: parsed rows plus rejected rows."""
        return len(self.frame) + len(self.rejects)


def _physical_lines(item: InputFile, bad: set[int]) -> Iterator[str]:
    """Decoded lines of ``item``; numbers of lines whose bytes are not UTF-8 go into ``bad``."""
    number = 0
    try:
        with item.open_binary() as fh:
            while batch := fh.readlines(1 << 20):
                try:  # the common case: a whole batch of lines decodes at once
                    texts = b"".join(batch).decode("utf-8").split("\n")
                except UnicodeDecodeError:
                    texts = []
                    for i, raw in enumerate(batch, start=number + 1):
                        try:
                            texts.append(raw.decode("utf-8"))
                        except UnicodeDecodeError:
                            bad.add(i)
                            texts.append(raw.decode("utf-8", errors="replace"))
                else:
                    # split("\n") leaves one empty tail (batches end with a newline) or the
                    # unterminated last line of the file.
                    last = texts.pop()
                    texts = [t + "\n" for t in texts]
                    if last:
                        texts.append(last)
                if number == 0 and texts and texts[0].startswith("\ufeff"):
                    texts[0] = texts[0][1:]
                for text in texts:
                    number += 1
                    yield text
    except _READ_ERRORS as exc:
        raise SourceFormatError(
            f"the input ends early or is corrupt after line {number} ({exc}); the file or zip "
            "archive is probably truncated. Download it again.",
            path=item.origin, line=number + 1,
        ) from exc


def _utf8_reason(line: int) -> str:
    return (f"bytes that are not UTF-8 on line {line}; re-encode the file as UTF-8 "
            "(e.g. iconv -f latin1 -t utf-8)")


def read_delimited(
    item: InputFile,
    *,
    delimiter: str,
    columns: Sequence[str] | None = None,
    check_header: Callable[[list[str]], list[str]] | None = None,
    n_fields: int | Sequence[int] | None = None,
    quoting: bool = True,
    chunk_rows: int = CHUNK_ROWS,
    layout: str = "",
) -> Iterator[RawBlock]:
    """Stream a delimited text file in blocks of at most ``chunk_rows`` records.

    Parameters
    ----------
    item : InputFile
        The file or zip member.
    delimiter : str
        Field separator.
    columns : sequence of str, optional
        Column names of a file without header. Exactly one of ``columns`` and ``check_header``
        is given.
    check_header : callable, optional
        Called with the header fields; returns the column names to use, or raises
        :class:`SourceFormatError` if the header is not the expected layout.
    n_fields : int or sequence of int, optional
        Accepted field counts (default: the number of columns). A record with fewer fields
        than columns but an accepted count is padded with empty strings.
    quoting : bool
        Whether fields may be quoted (CSV-style, possibly spanning lines).
    chunk_rows : int
        Records per block; memory use is bounded by it, not by the file size.
    layout : str
        Name of the layout, used in error messages.

    Yields
    ------
    RawBlock
    """
    bad_lines: set[int] = set()
    lines = _physical_lines(item, bad_lines)
    if quoting:
        reader: Iterable[list[str] | None] = csv.reader(lines, delimiter=delimiter, quotechar='"',
                                                 doublequote=True, strict=False)
    else:
        # a carriage return left inside a line (not a Windows line end) gives None: rejected
        reader = (None if "\r" in (text := line.rstrip("\r\n")) else text.split(delimiter)
                  for line in lines)
    names: list[str] | None = list(columns) if columns is not None else None
    accepted: set[int] | None = None
    if n_fields is not None:
        accepted = {n_fields} if isinstance(n_fields, int) else set(n_fields)
    rows: list[list[str]] = []
    row_lines: list[int] = []
    rej_lines: list[int] = []
    rej_reasons: list[str] = []
    rej_raws: list[str | None] = []
    prev_end = 0
    seen_any = False
    emitted = False
    total_ok = 0
    total_bad_count = 0

    def end_line() -> int:
        return reader.line_num if quoting else prev_end + 1  # type: ignore[union-attr]

    def flush() -> RawBlock:
        assert names is not None
        width = len(names)
        padded = rows if all(len(r) == width for r in rows) else \
            [r + [""] * (width - len(r)) if len(r) < width else r[:width] for r in rows]
        if padded:
            columns = list(zip(*padded))
            frame = pd.DataFrame({c: np.array(columns[i], dtype=object)
                                  for i, c in enumerate(names)})
        else:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in names})
        frame.index = pd.Index(row_lines, name="line", dtype="int64")
        rejects = make_rejects(rej_lines, rej_reasons, raws=rej_raws)
        return RawBlock(frame=frame, rejects=rejects)

    records = iter(reader)
    while True:
        try:
            record = next(records)
            broken = None if record is not None else "a carriage return (\\r) inside the line"
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a bare carriage return in an unquoted field
            record, broken = None, str(exc)
        start = prev_end + 1
        stop = end_line()
        prev_end = stop
        if record is None:
            if names is None:
                raise SourceFormatError(f"the header cannot be split into fields ({broken}); "
                                        "check the file's line ends and quoting",
                                        path=item.origin, line=start)
            rej_lines.append(start)
            rej_reasons.append(f"the record cannot be split into fields ({broken}); a line "
                               "break inside an unquoted field means the line is damaged")
            rej_raws.append(None)
            seen_any = True
            continue
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # blank line: not a record
        seen_any = True
        if names is None:
            if any(n in bad_lines for n in range(start, stop + 1)):
                raise SourceFormatError(
                    "the header holds bytes that are not UTF-8; re-encode the file as UTF-8",
                    path=item.origin, line=start)
            assert check_header is not None
            names = check_header([h.strip() for h in record])
            continue
        if accepted is None:
            accepted = {len(names)}
        if bad_lines and any(n in bad_lines for n in range(start, stop + 1)):
            rej_lines.append(start)
            rej_reasons.append(_utf8_reason(min(n for n in range(start, stop + 1)
                                                if n in bad_lines)))
            rej_raws.append(delimiter.join(record))
        elif len(record) not in accepted:
            if quoting and stop - start >= _MAX_RECORD_LINES:
                raise SourceFormatError(
                    f"a quoted field opened on line {start} is not closed within "
                    f"{stop - start + 1} lines; the file has an unbalanced quote character. "
                    "Fix the quoting at that line (or export the file again).",
                    path=item.origin, line=start)
            total_bad_count += 1
            rej_lines.append(start)
            expected = " or ".join(str(n) for n in sorted(accepted))
            rej_reasons.append(f"expected {expected} fields separated by {delimiter!r}, "
                               f"found {len(record)}")
            rej_raws.append(delimiter.join(record))
        else:
            rows.append(record)
            row_lines.append(start)
            total_ok += 1
        if len(rows) + len(rej_lines) >= chunk_rows:
            if total_ok == 0 and total_bad_count == len(rej_lines):
                _whole_file_wrong(item, layout, accepted, rej_lines, rej_raws, delimiter)
            yield flush()
            emitted = True
            rows, row_lines, rej_lines, rej_reasons, rej_raws = [], [], [], [], []
    if not seen_any:
        raise SourceFormatError(
            f"the file is empty; expected {layout or 'delimited'} rows. If a download was "
            "interrupted, fetch the file again.", path=item.origin)
    if total_ok == 0 and total_bad_count and total_bad_count == len(rej_lines):
        _whole_file_wrong(item, layout, accepted, rej_lines, rej_raws, delimiter)
    if rows or rej_lines or not emitted:
        yield flush()  # a header without rows gives one empty block


def _whole_file_wrong(item: InputFile, layout: str, accepted: set[int] | None,
                      lines: list[int], raws: list[str | None], delimiter: str) -> None:
    found = len((raws[0] or "").split(delimiter)) if raws else 0
    expected = " or ".join(str(n) for n in sorted(accepted or ()))
    raise SourceFormatError(
        f"no row has the {layout} layout: expected {expected} fields separated by "
        f"{delimiter!r}, the first row has {found}. Check the file kind (riskmodel ingest KIND) "
        "and the delimiter.",
        path=item.origin, line=lines[0] if lines else None,
    )


def read_jsonl(item: InputFile, *, required: Sequence[str], chunk_rows: int = CHUNK_ROWS,
               layout: str = "JSON lines") -> Iterator[RawBlock]:
    """Stream a JSON-lines file (one object a line) in blocks of raw values.

    Values are kept as Python objects in an ``object`` frame (not strings), indexed by line.
    Lines that are not JSON objects, hold bytes that are not UTF-8 or lack a field of
    ``required`` become rejects.
    """
    bad_lines: set[int] = set()
    rows: list[dict[str, object]] = []
    row_lines: list[int] = []
    rej: tuple[list[int], list[str], list[str | None], list[str | None]] = ([], [], [], [])
    seen_any = False
    emitted = False
    n_ok = 0

    def flush() -> RawBlock:
        frame = pd.DataFrame.from_records(rows, columns=None) if rows else \
            pd.DataFrame(columns=list(required))
        for name in required:
            if name not in frame.columns:
                frame[name] = None
        frame.index = pd.Index(row_lines, name="line", dtype="int64")
        return RawBlock(frame=frame, rejects=make_rejects(rej[0], rej[1], raws=rej[2],
                                                          columns=rej[3]))

    for number, text in enumerate(_physical_lines(item, bad_lines), start=1):
        if not text.strip():
            continue
        seen_any = True
        if number in bad_lines:
            reason, fld = _utf8_reason(number), None
        else:
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                obj, reason, fld = None, f"not valid JSON ({exc.msg} at column {exc.colno})", None
            else:
                if not isinstance(obj, dict):
                    reason, fld = "expected a JSON object on each line", None
                else:
                    missing = [k for k in required if k not in obj]
                    reason, fld = (f"missing field(s) {missing}", missing[0]) if missing else \
                        (None, None)
            if reason is None:
                rows.append(obj)  # type: ignore[arg-type]
                row_lines.append(number)
                n_ok += 1
        if reason is not None:
            rej[0].append(number)
            rej[1].append(reason)
            rej[2].append(text.rstrip("\r\n"))
            rej[3].append(fld)
        if len(rows) + len(rej[0]) >= chunk_rows:
            if n_ok == 0 and not emitted:
                _no_json_records(item, layout, rej[0], rej[1])
            yield flush()
            emitted = True
            rows, row_lines = [], []
            rej = ([], [], [], [])
    if not seen_any:
        raise SourceFormatError(f"the file is empty; expected {layout} records",
                                path=item.origin)
    if n_ok == 0 and not emitted:
        _no_json_records(item, layout, rej[0], rej[1])
    if rows or rej[0]:
        yield flush()


def _no_json_records(item: InputFile, layout: str, lines: list[int],
                     reasons: list[str]) -> None:
    """Raise when not one line of a file is a usable record (it is not JSON lines at all)."""
    if lines and all(r.startswith(("not valid JSON", "expected a JSON object")) for r in reasons):
        raise SourceFormatError(
            f"no line is a JSON object ({reasons[0]}); expected {layout}, one JSON object per "
            "line. A pretty-printed JSON document is not JSON lines.",
            path=item.origin, line=lines[0])


def combine_rejects(*parts: pd.DataFrame) -> pd.DataFrame:
    """Concatenate rejects frames, ordered by line."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return empty_rejects()
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values("line", kind="stable").reset_index(drop=True)


def blank_to_na(values: pd.Series) -> pd.Series:
    """Strings with surrounding blanks removed; empty strings become null."""
    s = values.astype("string").str.strip()
    return s.mask(s == "")


class RowProblems:
    """Collects row-level problems of a block; the first problem of a row is its reason."""

    def __init__(self, frame: pd.DataFrame, id_column: str | None = None) -> None:
        self._frame = frame
        self._ids = None if id_column is None else frame[id_column]
        self.bad = np.zeros(len(frame), dtype=bool)
        self._lines: list[int] = []
        self._reasons: list[str] = []
        self._fields: list[str | None] = []
        self._values: list[str | None] = []
        self._sids: list[str | None] = []

    def add(self, mask: pd.Series | np.ndarray, field: str | None, reason: str,
            values: pd.Series | None = None) -> None:
        """Reject the rows of ``mask`` (not yet rejected) with ``reason`` on ``field``."""
        m = np.asarray(pd.Series(mask).fillna(False).astype(bool)) & ~self.bad
        if not m.any():
            return
        pos = np.flatnonzero(m)
        self._lines.extend(int(x) for x in self._frame.index[pos])
        self._reasons.extend([reason] * len(pos))
        self._fields.extend([field] * len(pos))
        if values is None and field is not None and field in self._frame.columns:
            values = self._frame[field]
        if values is not None:
            vals = pd.Series(values).iloc[pos]
            self._values.extend(None if (v is None or v is pd.NA or
                                         (isinstance(v, float) and v != v)) else str(v)
                                for v in vals)
        else:
            self._values.extend([None] * len(pos))
        if self._ids is not None:
            self._sids.extend(None if (v is None or v is pd.NA) else str(v)
                              for v in self._ids.iloc[pos])
        else:
            self._sids.extend([None] * len(pos))
        self.bad |= m

    @property
    def ok(self) -> np.ndarray:
        """Mask of rows without problems."""
        return ~self.bad

    def rejects(self) -> pd.DataFrame:
        """The rejects frame, ordered by line."""
        frame = make_rejects(self._lines, self._reasons, columns=self._fields,
                             values=self._values, source_event_ids=self._sids)
        return frame.sort_values("line", kind="stable").reset_index(drop=True)


def parse_dates(values: pd.Series, formats: Sequence[str] = ("%Y-%m-%d",)) -> pd.Series:
    """Parse strings with the first matching format of ``formats`` (row by row); NaT if none."""
    s = blank_to_na(values)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[s]")
    todo = s.notna()
    for fmt in formats:
        if not todo.any():
            break
        if fmt == "ISO8601":
            parsed = pd.to_datetime(s[todo], format="ISO8601", errors="coerce", utc=True)
            parsed = parsed.dt.tz_localize(None)
        else:
            parsed = pd.to_datetime(s[todo], format=fmt, errors="coerce")
        got = parsed.notna()
        if got.any():
            out.loc[got[got].index] = parsed[got].astype("datetime64[s]")
            todo.loc[got[got].index] = False
    return out


def repair_event_code(code: object) -> str | None:
    """A CAMEO event code as the codebook writes it, for sources that never use root codes.

    GDELT and ICEWS code events with three or four digits (root-level events as ``"130"``), so a
    one- or two-digit value is a code that lost its leading zero: ``"13"`` is ``"013"``, not
    the root ``"13"``. Longer values go through :func:`riskmodel.codes.cameo.normalize_code`.
    """
    from riskmodel.codes.cameo import is_valid_code, normalize_code

    if code is None or code is pd.NA or (isinstance(code, float) and code != code):
        return None
    text = str(code).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and len(text) <= 2:
        padded = text.zfill(3)
        return padded if is_valid_code(padded) else None
    return normalize_code(text)


def cameo_fields(codes: pd.Series) -> pd.DataFrame:
    """``cameo_root``, ``quad_class`` and ``goldstein`` of CAMEO codes (null where unknown)."""
    from riskmodel.codes.cameo import cameo_table

    table = cameo_table()
    c = codes.astype("string")
    known = c.isin(table.index)
    root = pd.to_numeric(c.str.slice(0, 2), errors="coerce").where(known)
    quad = pd.cut(root, bins=[0, 5, 9, 14, 20], labels=[1, 2, 3, 4]).astype("Float64")
    gold = c.map(table["goldstein"].to_dict()).astype("Float64")
    return pd.DataFrame({"cameo_root": root.astype("Int8"), "quad_class": quad.astype("Int8"),
                         "goldstein": gold.astype("float64")}, index=codes.index)


def assemble(source: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``source``, ``event_id`` and ``_line`` to mapped columns indexed by line number.

    The result has a fresh ``RangeIndex``; the 1-based line number of each row moves into the
    ``_line`` column, which the store reports for rows it rejects.
    """
    out = frame.copy()
    sid = out["source_event_id"].astype("string")
    out.insert(0, "source", pd.Series(source, index=out.index, dtype="string"))
    out.insert(0, "event_id", make_event_id(source, sid))
    out["_line"] = pd.array(out.index.to_numpy(dtype="int64"), dtype="Int64")
    return out.reset_index(drop=True)


def join_flags(*parts: pd.Series | None, index: pd.Index) -> pd.Series:
    """Comma-join optional flag columns row by row (nulls skipped); null where none is set."""
    result = pd.Series(pd.NA, index=index, dtype="string")
    for part in parts:
        if part is None:
            continue
        p = part.astype("string").reindex(index)
        both = result.notna() & p.notna()
        result = result.where(result.notna(), p)
        result = result.where(~both, result + "," + p)
    return result
