"""Article input: plain text, HTML (boilerplate stripped) and JSONL/CSV batches.

Every input becomes an :class:`Article` with cleaned text, a publication date (or None), a URL
and a title. Offsets of coded events refer to :attr:`Article.text`, the cleaned text.

A leading ``date YYYY-MM-DD`` token (possibly after whitespace, with text following on the same
line) is read as the publication date and removed from the text.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from riskmodel.coding.dates import parse_publication_date
from riskmodel.exceptions import SourceFormatError

__all__ = [
    "Article",
    "prepare_text",
    "html_to_text",
    "read_articles",
    "decode_bytes",
    "looks_binary",
]

_LEADING_DATE = re.compile(r"^\s*date\s*[:=]?\s*(\d{4}-\d{2}-\d{2})\b[ \t]*\n?", re.IGNORECASE)


@dataclass
class Article:
    """One article ready to be coded.

    Attributes
    ----------
    text : str
        Cleaned text (offsets of events refer to it).
    published : datetime.date or None
    url, title : str or None
    origin : str or None
        Where it came from (``path`` or ``path:line``), for messages.
    line : int or None
        1-based line (JSONL) or row (CSV, header is line 1) in a batch file.
    """

    text: str
    published: _dt.date | None = None
    url: str | None = None
    title: str | None = None
    origin: str | None = None
    line: int | None = None


def prepare_text(text: str, published: object = None) -> tuple[str, _dt.date | None]:
    """Normalise line ends and read a leading ``date YYYY-MM-DD`` token.

    Parameters
    ----------
    text : str
    published : date-like, optional
        Publication date given by the caller; it wins over the token in the text.

    Returns
    -------
    (text, published)
        The text without the token (and with ``\\r\\n`` as ``\\n``), and the date.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    pub = parse_publication_date(published)
    m = _LEADING_DATE.match(text)
    if m:
        token_date = parse_publication_date(m.group(1))
        text = text[m.end():]
        if pub is None:
            pub = token_date
    return text.strip(), pub


_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def looks_binary(data: bytes | str) -> bool:
    """Whether content is binary rather than text (NUL bytes or many control characters)."""
    sample = data[:8192]
    if isinstance(sample, bytes):
        if b"\x00" in sample:
            return True
        try:
            sample = sample.decode("utf-8")
        except UnicodeDecodeError:
            sample = sample.decode("latin-1")
    if "\x00" in sample:
        return True
    if not sample:
        return False
    ctrl = len(_CTRL.findall(sample))
    return ctrl / len(sample) > 0.05


def decode_bytes(data: bytes, path: str | None = None) -> str:
    """Decode text bytes (UTF-8, else cp1252), refusing binary content.

    Raises
    ------
    SourceFormatError
        If the content is binary.
    """
    if looks_binary(data):
        raise SourceFormatError(
            "the file is binary, not text; give plain text, HTML, JSONL or CSV articles",
            path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- HTML ---------------------------------------------------------------------------------------
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe",
         "svg", "button", "select", "template", "figure", "menu"}
_BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section",
          "article", "main", "blockquote", "pre", "table", "ul", "ol", "dd", "dt", "hr"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "source", "area", "base", "col", "embed",
         "wbr", "track", "param"}
_BOILER = re.compile(r"(?:^|[\s_-])(?:nav|menu|footer|header|sidebar|share|social|cookie|"
                     r"advert|promo|related|comment|subscribe|newsletter|breadcrumb)", re.I)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []
        self.in_article = 0
        self.in_title = False
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.time_attr: str | None = None
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta[key] = a["content"]
            return
        if tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.canonical = a["href"]
            return
        if tag == "time" and a.get("datetime") and self.time_attr is None:
            self.time_attr = a["datetime"]
        if tag in _VOID:
            if tag in ("br", "hr") and not self.skip_depth:
                self._emit("\n")
            return
        boiler = tag in _SKIP or bool(_BOILER.search(a.get("class", "") + " " + a.get("id", ""))
                                      and tag not in ("article", "main", "body", "html"))
        self.stack.append((tag, boiler))
        if boiler:
            self.skip_depth += 1
        if tag in ("article", "main"):
            self.in_article += 1
        if tag == "title":
            self.in_title = True
        if tag in _BLOCK and not self.skip_depth:
            self._emit("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # close up to the matching tag (HTML in the wild is not always well nested)
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for t, boiler in self.stack[i:]:
                    if boiler:
                        self.skip_depth -= 1
                    if t in ("article", "main"):
                        self.in_article -= 1
                del self.stack[i:]
                break
        if tag == "title":
            self.in_title = False
        if tag in _BLOCK and not self.skip_depth:
            self._emit("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title = ((self.title or "") + data).strip()
            return
        if self.skip_depth:
            return
        self._emit(re.sub(r"\s+", " ", data))

    def _emit(self, s: str) -> None:
        self.parts.append(s)
        if self.in_article:
            self.article_parts.append(s)


def _tidy(parts: list[str]) -> str:
    text = "".join(parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip()


def html_to_text(html: str) -> tuple[str, dict[str, str | None]]:
    """Text of an HTML page without navigation, scripts, footers and similar boilerplate.

    The text of ``<article>``/``<main>`` is preferred when it holds most of the page's text.

    Returns
    -------
    (text, meta)
        ``meta`` has ``title``, ``published`` (from ``article:published_time``, ``date``,
        ``pubdate`` meta tags or a ``<time datetime>``) and ``url`` (canonical link or
        ``og:url``), each possibly None.
    """
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    full = _tidy(parser.parts)
    art = _tidy(parser.article_parts)
    text = art if art and len(art) >= 0.3 * len(full) else full
    meta = parser.meta
    published = None
    for key in ("article:published_time", "og:published_time", "datepublished", "date",
                "pubdate", "publishdate", "dc.date", "dc.date.issued", "sailthru.date"):
        if meta.get(key):
            published = meta[key]
            break
    if published is None:
        published = parser.time_attr
    title = meta.get("og:title") or parser.title
    url = parser.canonical or meta.get("og:url")
    return text, {"title": title, "published": published, "url": url}


def _is_html(text: str) -> bool:
    head = text[:2000].lower()
    return bool(re.search(r"<(?:!doctype\s+html|html|body|article|p|div|head)\b", head))


# --- files --------------------------------------------------------------------------------------
def read_articles(path: str | Path, *, published: object = None,
                  text_field: str = "text") -> Iterator[Article]:
    """Read articles from a file: ``.jsonl``/``.ndjson``, ``.json`` (an array of objects),
    ``.csv``/``.tsv``, ``.html``/``.htm``, or plain text (any other name).

    Parameters
    ----------
    path : path-like
    published : date-like, optional
        Publication date for inputs that carry none (plain text without a ``date`` token).
    text_field : str
        Column/key with the text in batch files.

    Yields
    ------
    Article

    Raises
    ------
    SourceFormatError
        If the file is binary, a JSONL line is not a JSON object, or a batch lacks the text
        column (the message names the file, line and field).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceFormatError(f"cannot read the file ({exc})", path=str(path)) from exc
    yield from articles_from_bytes(data, str(path), published=published, text_field=text_field,
                                   suffix=path.suffix.lower())


def articles_from_bytes(data: bytes, origin: str, *, published: object = None,
                        text_field: str = "text", suffix: str = "") -> Iterator[Article]:
    """Like :func:`read_articles` for content already read (``suffix`` chooses the format)."""
    text = decode_bytes(data, origin)
    if suffix == ".json":
        yield from _json(text, origin, published, text_field)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(text, origin, published, text_field)
    elif suffix in (".csv", ".tsv"):
        yield from _csv(text, origin, published, text_field, "\t" if suffix == ".tsv" else ",")
    else:
        yield _single(text, origin, published)


def _single(text: str, origin: str, published: object) -> Article:
    meta: dict[str, str | None] = {"title": None, "published": None, "url": None}
    if _is_html(text):
        text, meta = html_to_text(text)
    cleaned, pub = prepare_text(text, published if published is not None else meta["published"])
    return Article(cleaned, pub, meta["url"], meta["title"], origin, None)


def _record(rec: dict[str, object], origin: str, line: int, published: object,
            text_field: str) -> Article:
    if text_field not in rec:
        import difflib

        near = difflib.get_close_matches(text_field, [str(k) for k in rec], n=1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise SourceFormatError(
            f"the record has no {text_field!r} field (fields: {sorted(map(str, rec))}); every "
            f"article needs its text.{hint}", path=origin, line=line, field=text_field)
    raw = rec.get(text_field)
    body = "" if raw is None or (isinstance(raw, float) and raw != raw) else str(raw)
    pub_value = rec.get("published", rec.get("date", published))
    if pub_value is None or (isinstance(pub_value, str) and not pub_value.strip()):
        pub_value = published
    if _is_html(body):
        body, meta = html_to_text(body)
        if pub_value is None:
            pub_value = meta["published"]
    cleaned, pub = prepare_text(body, pub_value)
    url = rec.get("url")
    title = rec.get("title")
    return Article(cleaned, pub, None if url in (None, "") else str(url),
                   None if title in (None, "") else str(title), f"{origin}:{line}", line)


def _json(text: str, origin: str, published: object, text_field: str) -> Iterator[Article]:
    """A ``.json`` file: an array of article objects, one object, or JSON lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        yield from _jsonl(text, origin, published, text_field)
        return
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourceFormatError(
            "a .json article file must hold an array of objects with a 'text' field, one such "
            "object, or one object per line (JSON lines)", path=origin)
    for k, rec in enumerate(data, start=1):
        yield _record(rec, origin, k, published, text_field)


def _jsonl(text: str, origin: str, published: object, text_field: str) -> Iterator[Article]:
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(f"not valid JSON ({exc.msg} at column {exc.colno}); each "
                                    "line must be one JSON object", path=origin, line=lineno) from exc
        if not isinstance(rec, dict):
            raise SourceFormatError(f"expected a JSON object, got {type(rec).__name__}",
                                    path=origin, line=lineno)
        yield _record(rec, origin, lineno, published, text_field)


def _csv(text: str, origin: str, published: object, text_field: str,
         delimiter: str) -> Iterator[Article]:
    csv.field_size_limit(1 << 28)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames is None:
        return
    for rowno, row in enumerate(reader, start=2):
        yield _record({k: v for k, v in row.items() if k is not None}, origin, rowno,
                      published, text_field)
