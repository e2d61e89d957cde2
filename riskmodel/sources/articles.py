"""News articles: text, HTML and JSONL/CSV batches, coded into events by the article coder.

Registered as the ``article`` reader, so ``riskmodel ingest article FILES`` and
``EventStore.ingest("article", paths)`` code and store articles.

Formats (by extension): ``.jsonl``/``.ndjson``/``.json`` (one JSON object a line with ``text``,
``published``, optional ``url`` and ``title``), ``.csv``/``.tsv`` (the same columns, with a
header), ``.html``/``.htm`` (boilerplate stripped; publication date, title and canonical URL read
from the page's metadata) and anything else as plain text (a leading ``date YYYY-MM-DD`` token
gives the publication date).

Row accounting: each coded event is a row; an article that cannot be coded (no publication
date, empty, binary, too long, unreadable record) is one rejected row with its line and reason.
Articles that are fine but report no codable event add no row.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from riskmodel.coding.coder import ArticleCoder
from riskmodel.coding.text import Article, articles_from_bytes
from riskmodel.events import empty_events
from riskmodel.exceptions import DataQualityWarning, SourceFormatError
from riskmodel.sources.base import Chunk, InputFile, make_rejects, register_reader

__all__ = ["read_article_file"]

#: Articles coded per chunk.
ARTICLES_PER_CHUNK = 500


@register_reader("article")
def read_article_file(item: InputFile, *, published: Any = None, coder: ArticleCoder | None = None,
                      **coder_params: Any) -> Iterator[Chunk]:
    """Read and code one article file.

    Parameters
    ----------
    item : InputFile
    published : date-like, optional
        Publication date for articles that carry none.
    coder : ArticleCoder, optional
        The coder to use; else one is built from ``coder_params``.

    Yields
    ------
    Chunk
        Events of up to :data:`ARTICLES_PER_CHUNK` articles, and one reject per article that
        could not be coded.

    Raises
    ------
    SourceFormatError
        If the file is binary or not readable in its format (the message names file and line).
    """
    coder = coder if coder is not None else ArticleCoder(**coder_params)
    coder._ensure_fitted()
    with item.open_binary() as fh:
        data = fh.read()
    suffix = (item.member or item.path.name).lower()
    suffix = suffix[suffix.rfind("."):] if "." in suffix else ""
    try:
        articles = list(articles_from_bytes(data, item.origin, published=published,
                                            suffix=suffix))
    except SourceFormatError:
        raise
    rows: list[dict[str, Any]] = []
    rej_lines: list[int] = []
    rej_reasons: list[str] = []
    rej_raw: list[str | None] = []
    for k, art in enumerate(articles, start=1):
        reason = _code_one(coder, art, rows)
        if reason is not None:
            rej_lines.append(art.line or 1)
            rej_reasons.append(reason)
            rej_raw.append(art.text[:200])
        if k % ARTICLES_PER_CHUNK == 0 and (rows or rej_lines):
            yield _chunk(coder, rows, rej_lines, rej_reasons, rej_raw)
            rows, rej_lines, rej_reasons, rej_raw = [], [], [], []
    if rows or rej_lines or not articles:
        yield _chunk(coder, rows, rej_lines, rej_reasons, rej_raw)


def _code_one(coder: ArticleCoder, art: Article, rows: list[dict[str, Any]]) -> str | None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataQualityWarning)
        events = coder.code_records(art.text, art.published, art.url, art.title)
    rows.extend(events)
    problems = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    return problems[0] if problems and not events else None


def _chunk(coder: ArticleCoder, rows: list[dict[str, Any]], lines: list[int],
           reasons: list[str], raws: list[str | None]) -> Chunk:
    events = coder._frame(rows) if rows else empty_events()
    rejects = make_rejects(lines, reasons, raws=raws, columns=["text"] * len(lines))
    return Chunk(events=events, rejects=rejects)
