"""Date expressions in news text, resolved against the publication date.

Handles absolute dates ("March 18, 2024", "18 March", "2024-03-18", "September 11, 2001"),
month-day dates without a year (the latest such day not more than a week after publication),
weekdays ("on Saturday": the latest Saturday on or before publication), relative expressions
("yesterday", "today", "last week", "last month", "last year", "three days ago", "earlier this
week") and bare years ("in 2001"), each with its precision.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass

from riskmodel.coding.numbers import word_to_number

__all__ = ["DateMention", "find_dates", "parse_publication_date"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MONTH_RX = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
             r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
_NUMWORD = (r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            r"a\s+few|several|a)")

_DATE_RX = re.compile(
    rf"""
    (?P<iso>\b(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)\b)
  | (?P<mdy>\b(?P<m1>{_MONTH_RX})\s+(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>(?:19|20)\d\d)\b)?)
  | (?P<dmy>\b(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH_RX})(?:,?\s+(?P<y2>(?:19|20)\d\d)\b)?)
  | (?P<my>\b(?:(?i:in|since|during|by)\s+)?(?P<m3>January|February|March|April|June|July|August|September|October|November|December)(?:\s+(?P<y3>(?:19|20)\d\d))?\b)
  | (?P<wd>\b(?:(?P<wdmod>(?i:last|this|next|on|late|early))\s+)?(?P<wdn>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)
  | (?P<rel>\b(?i:yesterday|today|tonight|last\s+night|this\s+morning|this\s+week|earlier\s+this\s+week|last\s+week|last\s+month|last\s+year|this\s+year|this\s+month|the\s+previous\s+day|the\s+day\s+before)\b)
  | (?P<ago>\b(?i:(?P<an>{_NUMWORD})\s+(?P<au>days?|weeks?|months?|years?|decades?)\s+ago)\b)
  | (?P<yr>\b(?P<yprep>(?i:in|since|of|from|by|until|after|before|during|mid-|early|late))\s+(?P<y4>(?:19|20)\d\d)\b(?!-))
    """,
    re.VERBOSE,
)


_HINT_NAMES = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|"
                         r"Fri|Sat|Sun)")
_HINT_WORDS = ("yesterday", "today", "tonight", " ago", "last ", "this week", "this month",
               "this year", "this morning", "previous day", "day before")


def _has_date_hint(chunk: str) -> bool:
    """Cheap test whether a stretch of text can hold a date expression at all."""
    if _DIGIT.search(chunk) or _HINT_NAMES.search(chunk):
        return True
    low = chunk.lower()
    return any(w in low for w in _HINT_WORDS)


_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class DateMention:
    """A date expression found in text.

    Attributes
    ----------
    start, end : int
        Offsets in the text.
    date : datetime.date
        The resolved day (the first day of the month or year for coarser precisions).
    precision : str
        ``"day"``, ``"week"``, ``"month"`` or ``"year"``.
    explicit_year : bool
        Whether the text names the year.
    yearless : bool
        A day and month whose year was inferred from the publication date.
    """

    start: int
    end: int
    date: _dt.date
    precision: str
    explicit_year: bool = False
    yearless: bool = False


def _safe_date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def _month_day(published: _dt.date, month: int, day: int, year: str | None) -> _dt.date | None:
    if year:
        return _safe_date(int(year), month, day)
    cand = _safe_date(published.year, month, day)
    if cand is None:
        return None
    if cand > published + _dt.timedelta(days=7):
        cand = _safe_date(published.year - 1, month, day) or cand
    return cand


def find_dates(text: str, published: _dt.date, pos: int = 0,
               endpos: int | None = None) -> list[DateMention]:
    """Date expressions in ``text[pos:endpos]`` resolved against ``published``.

    Parameters
    ----------
    text : str
    published : datetime.date
        Publication date of the article.

    Returns
    -------
    list of DateMention
        In text order.
    """
    out: list[DateMention] = []
    end = len(text) if endpos is None else endpos
    if not _has_date_hint(text[pos:end]):
        return out
    for m in _DATE_RX.finditer(text, pos, end):
        g = m.groupdict()
        date: _dt.date | None = None
        precision = "day"
        explicit = False
        if g["iso"]:
            date = _safe_date(int(g["iy"]), int(g["im"]), int(g["id"]))
            explicit = True
        elif g["mdy"] or g["dmy"]:
            mon = (g["m1"] or g["m2"]).rstrip(".").lower()
            day = int(g["d1"] or g["d2"])
            year = g["y1"] or g["y2"]
            if mon == "may" and g["dmy"] is None and not year and day > 31:
                continue
            date = _month_day(published, _MONTHS[mon], day, year)
            explicit = bool(year)
        elif g["my"]:
            mon = _MONTHS[g["m3"].lower()]
            year = g["y3"]
            if year:
                date, explicit = _safe_date(int(year), mon, 1), True
            else:
                y = published.year if mon <= published.month else published.year - 1
                date = _safe_date(y, mon, 1)
            precision = "month"
        elif g["wd"]:
            target = _WEEKDAYS[g["wdn"].lower()]
            mod = (g["wdmod"] or "").lower()
            delta = (published.weekday() - target) % 7
            if mod == "next":
                delta = -((target - published.weekday()) % 7 or 7)
            elif mod == "last" and delta == 0:
                delta = 7
            date = published - _dt.timedelta(days=delta)
        elif g["rel"]:
            rel = re.sub(r"\s+", " ", g["rel"].lower())
            if rel in ("yesterday", "last night", "the previous day", "the day before"):
                date = published - _dt.timedelta(days=1)
            elif rel in ("today", "tonight", "this morning"):
                date = published
            elif rel in ("this week", "earlier this week"):
                date, precision = published - _dt.timedelta(days=published.weekday()), "week"
                if rel == "this week":
                    date = published
            elif rel == "last week":
                date, precision = published - _dt.timedelta(days=7), "week"
            elif rel == "last month":
                first = published.replace(day=1)
                date, precision = (first - _dt.timedelta(days=1)).replace(day=1), "month"
            elif rel == "this month":
                date, precision = published.replace(day=1), "month"
            elif rel == "last year":
                date, precision = _dt.date(published.year - 1, 1, 1), "year"
            elif rel == "this year":
                date, precision = _dt.date(published.year, 1, 1), "year"
        elif g["ago"]:
            n = word_to_number(g["an"]) or 1
            unit = g["au"].lower().rstrip("s")
            days = {"day": 1, "week": 7, "month": 30, "year": 365, "decade": 3650}[unit]
            date = published - _dt.timedelta(days=int(n) * days)
            precision = "day" if unit in ("day", "week") else unit if unit != "decade" else "year"
            if precision == "week":
                precision = "week"
        elif g["yr"]:
            y = int(g["y4"])
            date, precision, explicit = _dt.date(y, 1, 1), "year", True
            if y == published.year:
                date = published.replace(day=1, month=1)
        if date is None:
            continue
        out.append(DateMention(m.start(), m.end(), date, precision, explicit,
                               bool(g["mdy"] or g["dmy"]) and not explicit))
    # "on September 11 ... in 2001": a day without a year takes the year written next to it
    years = [d for d in out if d.explicit_year and d.precision == "year"]
    if years:
        fixed = []
        for d in out:
            if d.yearless:
                near = min(years, key=lambda y: abs(y.start - d.start))
                moved = _safe_date(near.date.year, d.date.month, d.date.day)
                if moved is not None:
                    d = DateMention(d.start, d.end, moved, d.precision, True, False)
            fixed.append(d)
        out = fixed
    return out


_PUB_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y",
                "%Y%m%d")


def parse_publication_date(value: object) -> _dt.date | None:
    """Read a publication date from a string, date or timestamp; None when it is not one."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        import pandas as pd

        if isinstance(value, pd.Timestamp):
            return None if pd.isna(value) else value.date()
        if not isinstance(value, str) and pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    if not text:
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$", text)
    if m:
        try:
            return _dt.date.fromisoformat(m.group(1))
        except ValueError:
            return None
    for fmt in _PUB_FORMATS:
        try:
            return _dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        import email.utils

        parsed = email.utils.parsedate_to_datetime(text)
        return parsed.date()
    except (TypeError, ValueError, IndexError):
        return None
