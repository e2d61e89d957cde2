"""Numbers of people killed, from digits and number words.

:func:`find_fatalities` reads a sentence for counts tied to death words ("killed", "dead",
"death of", "death toll") and sums lists of groups ("five women and three children" is 8).
Counts tied to "casualties" (which mixes the dead and the wounded) are returned as fatalities
with ``unsplit=True`` so the coder can lower its confidence; counts tied only to "wounded" or
"injured" are not fatalities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["word_to_number", "find_numbers", "find_fatalities", "FatalityCount"]

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1, "single": 1,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_VAGUE = {"dozen": 12, "a dozen": 12, "dozens": 24, "scores": 40, "hundreds": 200,
          "thousands": 2000, "several": 3, "a few": 3, "a couple": 2, "a couple of": 2}

_WORDS = "|".join(sorted([w for w in _UNITS if w not in ("a", "an", "single")] + list(_TENS)
                         + list(_SCALES), key=len, reverse=True))
_NUM = (rf"(?:\d{{1,3}}(?:,\d{{3}})+\b|\d+\b|(?:(?:{_WORDS})(?:[\s-]+(?:and\s+)?(?:{_WORDS}))*\b)"
        r"|a\s+dozen|dozens|hundreds|thousands|several|a\s+few)")
_NUM_RX = re.compile(rf"\b(?P<q>at\s+least\s+|more\s+than\s+|over\s+|nearly\s+|almost\s+|about\s+|"
                     rf"around\s+|some\s+|up\s+to\s+|as\s+many\s+as\s+)?(?P<n>{_NUM})\b",
                     re.IGNORECASE)

_PERSON = (r"(?:people|persons?|civilians?|women|men|children|kids|boys|girls|soldiers?|troops|"
           r"militants?|insurgents?|fighters?|rebels?|policemen|police(?:\s+officers?)?|officers?|"
           r"personnel|guards?|members?|workers?|villagers|residents|students|worshippers|"
           r"passengers|pilgrims|protesters|demonstrators|children|infants|babies|journalists|"
           r"family\s+members|relatives|others|more|attackers|gunmen|terrorists|servicemen|"
           r"officials|Palestinians|Israelis|Afghans|Pakistanis|Ukrainians|Russians|Syrians)")
_GROUP_ITEM = re.compile(
    rf"\b(?P<num>{_NUM})(?P<tail>(?:\s+[A-Za-z-]+){{0,3}}?\s+{_PERSON})\b", re.IGNORECASE)
_LIST_SEP = re.compile(r"(?:,\s*(?:and\s+|including\s+)?|\s+and\s+|\s+as\s+well\s+as\s+|,?\s+plus\s+)$",
                       re.IGNORECASE)

_KILL = re.compile(
    r"\b(?:killed|killing|kills|dead|died|dies|deaths?|death\s+toll|lives|bodies|fatalities|"
    r"slain|perished|massacred|executed|lost\s+their\s+lives|toll)\b", re.IGNORECASE)
_WOUND = re.compile(r"\b(?:wounded|injured|injuring|wounding|injuries|hurt|injures)\b",
                    re.IGNORECASE)
_CASUALTY = re.compile(r"\bcasualt(?:y|ies)\b", re.IGNORECASE)
_NOT_COUNT = re.compile(
    r"\s*(?:years?|months?|weeks?|days?|hours?|minutes?|km|kilomet(?:er|re)s?|miles?|percent|"
    r"per\s+cent|%|dollars?|euros?|million|billion|times|tons?|tonnes?|rockets?|missiles?|"
    r"drones?|shells?|bombs?|vehicles?|homes?|houses?|buildings?|villages?|districts?|"
    r"provinces?|countries|nations|sides|points?)\b", re.IGNORECASE)


def word_to_number(text: str) -> int | None:
    """The value of a number written in digits or words ("1,200", "twenty-five", "a dozen").

    Returns None when the text is not a number.
    """
    t = re.sub(r"\s+", " ", text.strip().lower().replace("-", " "))
    if not t:
        return None
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", t):
        return int(t.replace(",", ""))
    if t in _VAGUE:
        return _VAGUE[t]
    total = 0
    current = 0
    seen = False
    for w in t.split(" "):
        if w == "and":
            continue
        if w in _UNITS:
            current += _UNITS[w]
        elif w in _TENS:
            current += _TENS[w]
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


@dataclass(frozen=True)
class NumberGroup:
    """A count of people, possibly a sum of listed groups.

    Attributes
    ----------
    start, end : int
    value : int
    low : int or None
        Lower bound when the text says "at least" / "more than".
    vague : bool
        "dozens", "hundreds": an order of magnitude, not a count.
    """

    start: int
    end: int
    value: int
    low: int | None = None
    vague: bool = False


@dataclass(frozen=True)
class FatalityCount:
    """Deaths reported in a sentence.

    Attributes
    ----------
    value : int
        Best estimate.
    low : int or None
        Lower bound ("at least").
    unsplit : bool
        The count is of casualties not split into killed and wounded.
    vague : bool
        The count is an order of magnitude ("dozens").
    start, end : int
        Span of the count in the text.
    """

    value: int
    low: int | None
    unsplit: bool
    vague: bool
    start: int
    end: int


def find_numbers(text: str, pos: int = 0, endpos: int | None = None) -> list[NumberGroup]:
    """Counts in ``text[pos:endpos]``: listed groups of people summed, other numbers alone.

    Years, days of the month, and counts of things (km, percent, rockets) are skipped.
    """
    end = len(text) if endpos is None else endpos
    items: list[tuple[int, int, int, bool, bool]] = []  # start, end, value, low, vague
    taken: list[tuple[int, int]] = []
    for m in _GROUP_ITEM.finditer(text, pos, end):
        v = word_to_number(m.group("num"))
        if v is None:
            continue
        q = _qualifier_before(text, m.start())
        items.append((m.start(), m.end(), v, q, m.group("num").lower() in _VAGUE))
        taken.append((m.start(), m.end()))
    for m in _NUM_RX.finditer(text, pos, end):
        s, e = m.start("n"), m.end("n")
        if any(a <= s < b for a, b in taken):
            continue
        raw = m.group("n")
        v = word_to_number(raw)
        if v is None or raw.lower() in ("a", "an", "single"):
            continue
        if re.fullmatch(r"(?:19|20)\d\d", raw):
            continue
        before = text[max(pos, s - 12):s]
        if re.search(r"(?:January|February|March|April|May|June|July|August|September|October|"
                     r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?\s+$",
                     before):
            continue
        if _NOT_COUNT.match(text, e) or re.match(r"\s*(?:st|nd|rd|th)\b", text[e:e + 4]):
            continue
        if re.match(r"\s+(?:of\s+)?(?:January|February|March|April|May|June|July|August|"
                    r"September|October|November|December)", text[e:e + 14]):
            continue
        items.append((s, e, v, bool(m.group("q")), raw.lower() in _VAGUE))
    items.sort()
    groups: list[NumberGroup] = []
    for s, e, v, q, vague in items:
        if groups and _LIST_SEP.match(text[groups[-1].end:s]) and not vague and not groups[-1].vague:
            g = groups[-1]
            groups[-1] = NumberGroup(g.start, e, g.value + v,
                                     (g.low or g.value) + v if (g.low is not None or q) else None)
            continue
        groups.append(NumberGroup(s, e, v, v if q else None, vague))
    return groups


def _qualifier_before(text: str, start: int) -> bool:
    return bool(re.search(r"(?:at\s+least|more\s+than|over|nearly|almost|about|around|some|"
                          r"up\s+to|as\s+many\s+as)\s+$", text[max(0, start - 16):start],
                          re.IGNORECASE))


def find_fatalities(text: str, pos: int = 0, endpos: int | None = None,
                    window: int = 90) -> FatalityCount | None:
    """Deaths reported in the sentence ``text[pos:endpos]``, or None.

    Each count is tied to the nearest death, wound or casualty word within ``window``
    characters; the counts tied to death words are summed (several events in one sentence are
    rare and the coder attaches the total to the sentence's force events). When no count is tied
    to a death word, counts tied to "casualties" are returned with ``unsplit=True``.
    """
    end = len(text) if endpos is None else endpos
    cues: list[tuple[int, int, str]] = []
    for rx, kind in ((_KILL, "kill"), (_WOUND, "wound"), (_CASUALTY, "cas")):
        cues.extend((m.start(), m.end(), kind) for m in rx.finditer(text, pos, end))
    if not any(kind != "wound" for _, _, kind in cues):
        return None
    groups = find_numbers(text, pos, end)
    if not groups:
        return None
    killed: list[NumberGroup] = []
    casualties: list[NumberGroup] = []
    for g in groups:
        best = None
        best_d = window + 1
        for s, e, kind in cues:
            d = s - g.end if s >= g.end else g.start - e if e <= g.start else 0
            # a cue right after the count ("seven killed") beats one further away
            if d < best_d or (d == best_d and s >= g.end):
                best, best_d = kind, d
        if best is None:
            continue
        if best == "kill":
            killed.append(g)
        elif best == "cas":
            casualties.append(g)
    chosen, unsplit = (killed, False) if killed else (casualties, True)
    if not chosen:
        return None
    value = sum(g.value for g in chosen)
    lows = [g.low for g in chosen if g.low is not None]
    low = value if not lows else sum(g.low if g.low is not None else g.value for g in chosen)
    return FatalityCount(value, low if lows else None, unsplit, any(g.vague for g in chosen),
                         chosen[0].start, chosen[-1].end)
