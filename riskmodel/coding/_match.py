"""Fast matching of many phrases: dispatch on the first word instead of one huge alternation.

A regular expression with hundreds of alternatives is tried at every character of the text;
for news articles that is far too slow. :class:`PhraseMatcher` instead works out, for every
phrase regex, the words it can start with (by walking the parsed expression), indexes the phrases
by those words, and tries only the phrases indexed under each word of the text, in priority
order. The result is the same as ``finditer`` over the alternation (leftmost match; at one
position the first phrase in order that matches; no overlaps).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

try:  # Python >= 3.11
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

__all__ = ["first_words", "PhraseMatcher", "WORD_RUN", "word_runs"]

#: Runs of letters and digits: candidate starts of phrases.
WORD_RUN = re.compile(r"[^\W_]+")

_LIMIT = 5000
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]+")


class _Unsupported(Exception):
    pass


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _expand(items: Sequence[Any], prefixes: set[str]) -> tuple[set[str], set[str]]:
    """Extend ``prefixes`` by the parsed items.

    Returns ``(open_, closed)``: prefixes that can still grow, and first words that are complete
    (the word ended at a non-word character).
    """
    open_ = set(prefixes)
    closed: set[str] = set()
    for op, av in items:
        if not open_:
            break
        if op is _c.LITERAL:
            ch = chr(av)
            if _is_word_char(ch):
                open_ = {p + ch for p in open_}
            else:
                closed |= open_
                open_ = set()
        elif op is _c.IN:
            chars: list[str] = []
            for iop, iav in av:
                if iop is _c.LITERAL:
                    chars.append(chr(iav))
                elif iop is _c.NEGATE:
                    raise _Unsupported
                elif iop is _c.CATEGORY:
                    # \s and the like end the word; word categories cannot be enumerated
                    if iav in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
                        chars.append(" ")
                    else:
                        raise _Unsupported
                elif iop is _c.RANGE:
                    lo, hi = iav
                    if hi - lo > 30:
                        raise _Unsupported
                    chars.extend(chr(x) for x in range(lo, hi + 1))
                else:
                    raise _Unsupported
            new_open: set[str] = set()
            for ch in chars:
                if _is_word_char(ch):
                    new_open |= {p + ch for p in open_}
                else:
                    closed |= open_
            open_ = new_open
        elif op is _c.BRANCH:
            new_open = set()
            for alt in av[1]:
                o, c = _expand(list(alt), open_)
                new_open |= o
                closed |= c
            open_ = new_open
        elif op is _c.SUBPATTERN:
            o, c = _expand(list(av[-1]), open_)
            open_, closed = o, closed | c
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            sub = list(sub)
            if hi == 0:
                continue
            if hi == 1:
                o, c = _expand(sub, open_)
                closed |= c
                open_ = (open_ if lo == 0 else set()) | o
            else:
                # a repeat of word characters cannot be enumerated; a repeat of whitespace ends it
                o, c = _expand(sub, open_)
                if o:
                    raise _Unsupported
                closed |= c
                if lo == 0:
                    continue
                open_ = set()
        elif op is _c.CATEGORY:
            if av in (_c.CATEGORY_SPACE, _c.CATEGORY_NOT_WORD):
                closed |= open_
                open_ = set()
            else:
                raise _Unsupported
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        elif op is _c.ANY:
            raise _Unsupported
        else:
            raise _Unsupported
        if len(open_) + len(closed) > _LIMIT:
            raise _Unsupported
    return open_, closed


def first_words(regex: str, flags: int = 0) -> set[str] | None:
    """The alphanumeric runs a match of ``regex`` can start with, or None if unbounded.

    Only the leading run of letters and digits counts ("test-fire" starts with ``"test"``).
    Returned lowercased when ``flags`` has :data:`re.IGNORECASE`.
    """
    try:
        parsed = _p.parse(regex, flags)
        open_, closed = _expand(list(parsed), {""})
    except (_Unsupported, RecursionError):
        return None
    words = {w for w in open_ | closed}
    if "" in words:
        return None
    if flags & re.IGNORECASE:
        words = {w.lower() for w in words}
    return words


def word_runs(text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, str, str]]:
    """``(start, word, lowercased word)`` of each run of letters/digits that starts a word."""
    end = len(text) if endpos is None else endpos
    if pos > 0 and text[pos - 1].isalnum():
        # the first run is the tail of a word that began before ``pos``
        first = WORD_RUN.match(text, pos)
        pos = first.end() if first else pos
    return [(m.start(), w, w.lower()) for m in _WORD_START.finditer(text, pos, end)
            for w in (m.group(),)]


class PhraseMatcher:
    """Find non-overlapping matches of many phrase regexes, leftmost first.

    Parameters
    ----------
    regexes : sequence of str
        Phrase expressions in priority order.
    payloads : sequence
        One object per phrase, returned with its matches.
    flags : int
        Regex flags (``re.IGNORECASE`` makes the dispatch case-insensitive too).

    Notes
    -----
    A phrase must start at the start of a run of letters/digits that is not preceded by a
    letter or digit, and must not end inside a word.
    """

    def __init__(self, regexes: Sequence[str], payloads: Sequence[Any], flags: int = 0) -> None:
        if len(regexes) != len(payloads):
            raise ValueError("regexes and payloads differ in length")
        self.flags = flags
        self._ci = bool(flags & re.IGNORECASE)
        self._compiled = [re.compile(rf"(?:{rx})(?:(?<![^\W_])|(?![^\W_]))", flags)
                          for rx in regexes]
        self._payloads = list(payloads)
        index: dict[str, list[int]] = {}
        self._always: list[int] = []
        for i, rx in enumerate(regexes):
            words = first_words(rx, flags)
            if words is None:
                self._always.append(i)
                continue
            for w in words:
                index.setdefault(w, []).append(i)
        self._index = {k: sorted(set(v) | set(self._always)) for k, v in index.items()}

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None,
                 runs: list[tuple[int, str, str]] | None = None) -> Iterator[tuple[int, int, Any]]:
        """Yield ``(start, end, payload)`` for each match in ``text[pos:endpos]``.

        ``runs`` may pass the word runs of ``text`` precomputed by :func:`word_runs` (shared by
        several matchers over the same text).
        """
        end = len(text) if endpos is None else endpos
        last = pos
        index = self._index
        always = self._always
        compiled = self._compiled
        payloads = self._payloads
        ci = self._ci
        if runs is None:
            runs = word_runs(text, pos, end)
        for start, word, lower in runs:
            if start < last or start < pos or start >= end:
                continue
            cands = index.get(lower if ci else word)
            if cands is None:
                if not always:
                    continue
                cands = always
            for i in cands:
                hit = compiled[i].match(text, start, end)
                if hit is not None and hit.end() > start:
                    last = hit.end()
                    yield start, last, payloads[i]
                    break
