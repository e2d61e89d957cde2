"""Sentence splitting for news text, with character offsets.

Rules: a sentence ends at ``.``, ``!`` or ``?`` (with closing quotes or brackets) followed by
whitespace and an upper-case letter, digit or opening quote, unless the word before the stop is
a known abbreviation ("Gen.", "U.S.", "Jan.") or a single initial; a blank line always ends a
sentence, and so does the end of a line that reads as a heading (short, no closing punctuation,
mostly capitalised words). Wrapped lines inside a paragraph are joined. Runs longer than
:data:`MAX_SENTENCE` characters without a stop are cut at a space, which bounds the work per
sentence on run-on input.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "ABBREVIATIONS", "MAX_SENTENCE"]

#: Longest stretch treated as one sentence; longer runs without a stop are cut at a space.
MAX_SENTENCE = 1500

#: Words that end with a full stop without ending the sentence.
ABBREVIATIONS: frozenset[str] = frozenset(
    """mr mrs ms dr prof gen lt col maj capt cpt sgt adm cmdr gov sen rep rev st mt ft jr sr
    jan feb mar apr jun jul aug sep sept oct nov dec no nos vs etc inc ltd co corp dept est
    approx fig al u.s u.n u.k e.u a.m p.m i.e e.g d.c""".split()
)

_STOP = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_BLANK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_LINE = re.compile(r"\n")


def _is_heading(line: str) -> bool:
    line = line.strip()
    if not line or len(line) > 100 or line[-1] in ".!?,;:\"'”)":
        return False
    words = re.findall(r"[A-Za-z][\w'-]*", line)
    if not words or len(words) > 12:
        return False
    caps = sum(1 for w in words if w[0].isupper())
    small = sum(1 for w in words if w.lower() in {"and", "of", "the", "in", "on", "for", "to",
                                                    "a", "an", "with", "at", "by", "or"})
    return caps + small >= len(words) and caps >= max(1, len(words) // 2)


def split_sentences(text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[pos:endpos]`` into sentences.

    Returns
    -------
    list of (start, end)
        Offsets of each sentence with surrounding whitespace trimmed; empty sentences dropped.
    """
    end = len(text) if endpos is None else endpos
    # blocks: paragraphs, and lines that read as headings
    cuts: list[int] = [pos]
    for m in _BLANK.finditer(text, pos, end):
        cuts.append(m.start())
        cuts.append(m.end())
    for m in _LINE.finditer(text, pos, end):
        line_start = text.rfind("\n", pos, m.start()) + 1
        line = text[max(line_start, pos):m.start()]
        if _is_heading(line) or line.rstrip().endswith((".", "!", "?", ":", "\"", "”")):
            cuts.append(m.start())
            cuts.append(m.end())
    cuts.append(end)
    cuts = sorted(set(cuts))
    out: list[tuple[int, int]] = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        if a >= b:
            continue
        start = a
        for m in _STOP.finditer(text, a, b):
            word = re.search(r"([\w.]+)$", text[start:m.start()])
            token = word.group(1).lower().rstrip(".") if word else ""
            if token in ABBREVIATIONS or re.fullmatch(r"[a-z]", token):
                continue
            out.append((start, m.end()))
            start = m.end()
        out.append((start, b))
    trimmed: list[tuple[int, int]] = []
    for a, b in out:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        # text without stops (lists, tables, run-on input) is cut into bounded pieces
        while b - a > MAX_SENTENCE:
            cut = text.rfind(" ", a + MAX_SENTENCE // 2, a + MAX_SENTENCE)
            cut = cut if cut > a else a + MAX_SENTENCE
            trimmed.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            trimmed.append((a, b))
    return trimmed
