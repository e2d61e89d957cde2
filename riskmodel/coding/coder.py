"""The article coder: news text in, dated and coded state-pair events out.

:class:`ArticleCoder` is a rule-based coder. For one article it

1. cleans the text and reads the publication date (argument, HTML metadata or a leading
   ``date YYYY-MM-DD`` token);
2. finds actors (:mod:`riskmodel.coding.actors`), event triggers
   (:mod:`riskmodel.coding.patterns`) and sentence boundaries
   (:mod:`riskmodel.coding.sentences`) in one pass each over the text, and date expressions
   (:mod:`riskmodel.coding.dates`) and death tolls (:mod:`riskmodel.coding.numbers`) in the
   sentences that hold a trigger;
3. per trigger, within its sentence:

   * clause-taking verbs ("accused X of ...", "threatened to ...", "agreed to ...") absorb the
     event they report and refine their own code from it (:func:`~riskmodel.coding.patterns.
     refine_code`); a trigger that reports the result of an earlier force event ("shelled the
     town, killing six") or the purpose of an earlier act ("telephoned X to discuss") is not
     coded again;
   * negated statements ("did not attack", "denied attacking") are dropped, except that a
     cooperative act declined ("said it would not lift sanctions", "refused to release") is a
     rejection (12x);
   * "X said Y must ..." is a demand of X on Y (10x);
   * hypothetical statements ("if", "could", "might", "decision to") are dropped; stated
     intentions ("will send aid", "said it would meet") become intent codes (03x) or, for
     force and coercion, threats (13x);

4. picks the source (the first subject-like actor of the trigger's clause, the owner of a noun
   trigger such as "Kabul's refusal", the ``by`` agent of a passive, the speaker of a trailing
   "X said") and the target (the first actor after the trigger, preferring named states and
   groups over bare agents and over organs of the source's own state; listed targets "Iran,
   Libya and Sudan" each get an event); actors joined by "and" code together, joint actions
   ("A and B met", "clashes between A and B") both ways; bare agents ("the army") take the state
   of the owner in "its forces", of the event's location or of the other actor; "X-backed Y" is
   Y, and "Russian-made" is no actor;
5. applies the territory rule: force (roots 18-20) used by a state against a non-state actor,
   or against nobody named, on another state's territory is coded against that state
   (airstrikes on militants inside Afghanistan by Pakistan are PAK -> AFG), with the group kept
   as ``actor2_name``/``actor2_id`` and ``target_territory:<ISO3>`` in ``flags``; a reaction
   ("Baghdad condemned the strikes") without a named target is aimed at the last actor that
   used force in the article;
6. dates the event by the nearest date expression of its clause (else the publication date,
   flagged ``date_published``), drops historical statements (dated more than
   ``historical_days`` before publication) and events dated after publication, attaches the
   sentence's death toll to its first force event (or, failing one, to a claim about it:
   ``fatalities_claimed``; casualties not split into killed and wounded are counted as
   fatalities with lower confidence: ``casualties_unsplit``), keeps one event per date, actors
   and code within the article and writes rows in the canonical schema
   (:data:`riskmodel.events.EVENT_COLUMNS`) with the sentence as ``quote``.

Confidence starts at 0.85 for verb triggers and 0.72 for noun triggers and is lowered for
inferred actor states, actors taken from context, dates taken from the publication date and
unsplit casualty counts.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import hashlib
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from riskmodel.codes.cameo import cameo_table
from riskmodel.coding._match import word_runs
from riskmodel.coding.actors import NON_STATE_TYPES, ActorTable, Mention, default_actor_table
from riskmodel.coding.dates import DateMention, find_dates
from riskmodel.coding.numbers import FatalityCount, find_fatalities
from riskmodel.coding.patterns import (
    EventPattern,
    PatternSet,
    default_patterns,
    intent_code,
    load_patterns,
    refine_code,
)
from riskmodel.coding.sentences import split_sentences
from riskmodel.coding.text import Article, _is_html, html_to_text, looks_binary, prepare_text
from riskmodel.events import EVENT_COLUMNS, conform_events, content_event_id, empty_events
from riskmodel.exceptions import ConfigurationError, DataQualityWarning

__all__ = ["ArticleCoder", "code_article", "CodingReport"]

_OBJ_PREPS = frozenset(
    "in inside into within across near at from to toward towards over on against with of for "
    "by between among upon onto about than like".split()
)
_DETERMINERS = frozenset("the a an its their his her our".split())
_QUANTIFIERS = frozenset("thousands hundreds dozens scores tens millions some many most "
                         "several group groups members number majority all none both each "
                         "one two three four five".split())
_NEG = re.compile(
    r"(?:\b(?:not|never|no|nor|neither|without|no\s+longer|den(?:y|ies|ied|ying)|"
    r"refrain(?:s|ed|ing)?\s+from|rul(?:e|es|ed|ing)\s+out|stopped\s+short\s+of|"
    r"fail(?:s|ed|ing)?\s+to)|n't|n’t)\s+(?:\w+\s+){0,2}$",
    re.IGNORECASE,
)
_HYPO = re.compile(
    r"\b(?:would|could|might|may|should|must|if|unless|whether|possible|possibly|potential|"
    r"likely|unlikely|expected\s+to|fears?\s+(?:of|that)|feared|decision\s+to|preparing|"
    r"considering|consider|hopes?\s+to|hoping\s+to|seek(?:s|ing)?\s+to|sought\s+to|"
    r"aim(?:s|ed|ing)?\s+to|ready\s+to|"
    r"prepared\s+to|risk\s+of|threat\s+of|prospect\s+of|call(?:s|ed)?\s+for)\b"
    r"(?:\s+\S+){0,3}\s*$",
    re.IGNORECASE,
)
_UNLESS = re.compile(r"\bunless\b", re.IGNORECASE)
_MUST = re.compile(r"\b(?:must|should|has\s+to|have\s+to|needs?\s+to|ought\s+to)\s+"
                   r"(?:\w+\s+){0,2}$", re.IGNORECASE)
_REPORTING = re.compile(r"\b(?:said|says|declared|insisted|reiterated|warned|told\s+\S+|stressed|"
                        r"demanded|reminded|argued|repeated|stated|announced|reminder\s+\S+\s+\S+)"
                        r"(?:\s+\w+day)?\s+(?:that\s+)?", re.IGNORECASE)
_REFUSAL = re.compile(r"\b(?:will\s+not|won't|would\s+not|wouldn't|refus\w+|fail\w*\s+to|"
                      r"declin\w+)\b", re.IGNORECASE)
_DECISION = re.compile(r"\b(?:announced|decided|ordered)\b[^.;]*\bwould\s+(?:\S+\s+){0,2}$",
                       re.IGNORECASE)
_WOULD_REPORTED = re.compile(
    r"\b(?:said|says|announced|stated|declared|confirmed|pledged|promised|vowed|told\s+\S+)\s+"
    r"(?:that\s+)?(?:\S+\s+){0,3}would\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_INTENT = re.compile(
    r"\b(?:will|'ll|shall|going\s+to|plans?\s+to|planned\s+to|planning\s+to|intends?\s+to|"
    r"intended\s+to|is\s+to|are\s+to|set\s+to|is\s+due\s+to|decided\s+to)\s+(?:\S+\s+){0,2}$",
    re.IGNORECASE,
)
_PASSIVE = re.compile(r"\b(?:was|were|been|being|is|are|be|got|gets|get)\s+(?:\w+ly\s+)?$",
                      re.IGNORECASE)
_SAID_AFTER = re.compile(r"[\s,]*(?:has\s+|had\s+)?(?:said|says|told|reported|announced|stated|"
                         r"claimed|confirmed|added|noted|warned|declared)\b", re.IGNORECASE)
_REPORT_BEFORE = re.compile(r"(?:according\s+to|said|says)\s+(?:the\s+)?$", re.IGNORECASE)
_AND_JOIN = re.compile(r"^(?:\s+[A-Z][\w.'-]+){0,3}(?:\s+and\s+|\s*,\s*and\s+)(?:the\s+)?$")
_NOUN_OWNER = re.compile(r"^(?:'s|’s|s')?(?:\s+[a-z][a-z\-]*){0,2}\s+$")
_REACH = 400  # characters around a trigger searched for its actors
_BETWEEN_AFTER = re.compile(r"\s+(?:[\w-]+\s+){0,5}?between\s+(?:the\s+)?$", re.IGNORECASE)
_TARGET_STOP = re.compile(r";|\s[-–—]\s|,?\s+but\s|\s+and\s+(?:then\s+)?\w+ed\b|,\s+(?:who|which)\b",
                          re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"^(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?:the\s+)?$",
                        re.IGNORECASE)
_PARTICIPLE_BY = re.compile(r"\b\w+(?:ed|en|wn|ght)\s+by\s+(?:the\s+)?$", re.IGNORECASE)
_VICTIM_BEFORE = re.compile(
    r"\b(?:killed|wounded|injured|hit|struck|targeted|attacked|destroyed|damaged|died)\s+"
    r"(?:by|in)\s+(?:a|an|the)?\s*(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:who|which|whom|whose|where|when)\b|,\s+(?:after|before|since)\b",
                       re.IGNORECASE)
_PURPOSE = re.compile(r"\b(?:to|in\s+order\s+to|so\s+as\s+to)\s+$", re.IGNORECASE)
_BY_BEFORE = re.compile(r"\bby\s+(?:the\s+)?$", re.IGNORECASE)
_CLAUSE_STOP = re.compile(r"[;]|\s[-–—]\s|,?\s+but\s")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)[\s,]*$")

_FORCE_ROOTS = frozenset({18, 19, 20})
_NO_STATE_TYPES = frozenset({"IGO", "NGO"})
_REACTION_OBJECT = re.compile(
    r"\s+(?:the|these|those|this|that|such)\s+(?:[a-z-]+\s+)?(?:air\s*strikes?|strikes?|attacks?|"
    r"raids?|bombings?|shelling|killings?|incursions?|operations?|invasion|assault|offensive|"
    r"massacre|airstrikes?)\b", re.IGNORECASE)
_CLAIM_ROOTS = frozenset({10, 11, 12, 13})


@dataclass
class CodingReport:
    """What happened to the last article coded (for messages and tests).

    Attributes
    ----------
    n_sentences, n_triggers, n_events : int
    dropped : dict or None
        Reason -> count of triggers not coded: ``negated``, ``hypothetical``, ``historical``
        (dated more than ``historical_days`` before publication), ``future`` (dated after
        publication), ``no_actor`` (no source or target found), ``same_actor`` (source and
        target are one actor), ``absorbed`` (the content of a clause-taking trigger, the result
        or purpose of an earlier event).
    """

    n_sentences: int = 0
    n_triggers: int = 0
    n_events: int = 0
    dropped: dict[str, int] | None = None

    def drop(self, reason: str) -> None:
        """Count one trigger not coded for ``reason``."""
        if self.dropped is None:
            self.dropped = {}
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


class ArticleCoder:
    """Rule-based coder of news articles into CAMEO events between actors.

    Parameters
    ----------
    actors : ActorTable, optional
        Actor gazetteer; the packaged tables when None.
    patterns : str, path-like or PatternSet, optional
        Event pattern table (a path to a TSV in the pattern language, or a compiled set); the
        packaged one when None.
    dictionaries : sequence of path-like
        PETRARCH/TABARI actor dictionaries added to the actor table at :meth:`fit`.
    keep_historical : bool
        Keep events dated more than ``historical_days`` before publication (flagged
        ``historical``) instead of dropping them.
    historical_days : int
        How old, relative to publication, an event must be to count as historical.
    max_chars : int
        Longest text coded; longer input gives an empty result with a warning.
    min_confidence : float
        Events below this confidence are dropped.

    Attributes
    ----------
    actors_ : ActorTable
    patterns_ : PatternSet
    report_ : CodingReport
        Counts for the last article coded.

    Examples
    --------
    >>> coder = ArticleCoder().fit()
    >>> events = coder.code("Pakistan carried out airstrikes inside Afghanistan on Monday.",
    ...                     published="2024-03-20")
    >>> events[["actor1_state", "actor2_state", "cameo_code"]].values.tolist()
    [['PAK', 'AFG', '195']]
    """

    def __init__(self, actors: ActorTable | None = None,
                 patterns: str | Path | PatternSet | None = None,
                 dictionaries: Sequence[str | Path] = (), keep_historical: bool = False,
                 historical_days: int = 365, max_chars: int = 1_000_000,
                 min_confidence: float = 0.0) -> None:
        self.actors = actors
        self.patterns = patterns
        self.dictionaries = dictionaries
        self.keep_historical = keep_historical
        self.historical_days = historical_days
        self.max_chars = max_chars
        self.min_confidence = min_confidence

    # --- scikit-learn style -------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (as scikit-learn's ``get_params``)."""
        return {k: getattr(self, k) for k in ("actors", "patterns", "dictionaries",
                                              "keep_historical", "historical_days",
                                              "max_chars", "min_confidence")}

    def set_params(self, **params: Any) -> ArticleCoder:
        """Set constructor parameters; unknown names raise with the nearest valid one."""
        valid = self.get_params()
        for k, v in params.items():
            if k not in valid:
                import difflib

                near = difflib.get_close_matches(k, list(valid), n=1)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                raise ConfigurationError(
                    f"Invalid parameter {k!r} for ArticleCoder; valid: {sorted(valid)}.{hint}")
            setattr(self, k, v)
        for attr in ("actors_", "patterns_"):
            self.__dict__.pop(attr, None)
        return self

    def _validate(self) -> None:
        if not isinstance(self.historical_days, int) or self.historical_days < 1:
            raise ConfigurationError(
                "The 'historical_days' parameter of ArticleCoder must be an int >= 1. "
                f"Got {self.historical_days!r} instead.")
        if not isinstance(self.max_chars, int) or self.max_chars < 1:
            raise ConfigurationError(
                "The 'max_chars' parameter of ArticleCoder must be an int >= 1. "
                f"Got {self.max_chars!r} instead.")
        if not (isinstance(self.min_confidence, (int, float)) and 0 <= self.min_confidence <= 1):
            raise ConfigurationError(
                "The 'min_confidence' parameter of ArticleCoder must be a number in [0, 1]. "
                f"Got {self.min_confidence!r} instead.")
        if self.actors is not None and not isinstance(self.actors, ActorTable):
            raise ConfigurationError(
                "The 'actors' parameter of ArticleCoder must be an ActorTable or None. "
                f"Got {type(self.actors).__name__} instead.")

    def fit(self, X: object = None, y: object = None) -> ArticleCoder:
        """Build the actor table and compile the patterns; returns ``self``.

        ``X`` and ``y`` are ignored (the coder has no training step); they exist so the coder
        fits in pipelines.
        """
        self._validate()
        if self.dictionaries:
            table = ActorTable() if self.actors is None else self.actors
            for path in self.dictionaries:
                table.load_petrarch(path)
            self.actors_ = table
        else:
            self.actors_ = self.actors if self.actors is not None else default_actor_table()
        if self.patterns is None:
            self.patterns_ = default_patterns()
        elif isinstance(self.patterns, PatternSet):
            self.patterns_ = self.patterns
        else:
            self.patterns_ = PatternSet(load_patterns(self.patterns))
        self.report_ = CodingReport()
        self._goldstein = cameo_table()["goldstein"].to_dict()
        return self

    def _ensure_fitted(self) -> None:
        if not hasattr(self, "patterns_"):
            self.fit()

    # --- public coding API --------------------------------------------------------------------
    def code(self, text: str | bytes, published: object = None, url: str | None = None,
             title: str | None = None) -> pd.DataFrame:
        """Code one article into events.

        Parameters
        ----------
        text : str or bytes
            Article text (a leading ``date YYYY-MM-DD`` token is read and removed); an HTML
            page is reduced to its text first (its metadata gives the date and URL).
        published : date-like, optional
            Publication date; wins over the token in the text.
        url, title : str, optional

        Returns
        -------
        pandas.DataFrame
            Events in the canonical schema (possibly empty).

        Warns
        -----
        DataQualityWarning
            Empty or binary text, text longer than ``max_chars``, or no publication date: the
            result is then empty.
        """
        rows = self.code_records(text, published=published, url=url, title=title)
        return self._frame(rows)

    def code_article(self, article: Article) -> pd.DataFrame:
        """Code an :class:`~riskmodel.coding.text.Article`."""
        return self.code(article.text, article.published, article.url, article.title)

    def code_articles(self, articles: Iterable[Article | dict[str, Any] | str],
                      published: object = None) -> pd.DataFrame:
        """Code many articles into one frame (faster than one frame per article).

        Parameters
        ----------
        articles : iterable of Article, dict (``text``, ``published``, ``url``, ``title``) or str
        published : date-like, optional
            Default publication date.
        """
        rows: list[dict[str, Any]] = []
        for a in articles:
            if isinstance(a, Article):
                rows.extend(self.code_records(a.text, a.published or published, a.url, a.title))
            elif isinstance(a, dict):
                rows.extend(self.code_records(a.get("text", ""),
                                              a.get("published", published),
                                              a.get("url"), a.get("title")))
            else:
                rows.extend(self.code_records(a, published))
        return self._frame(rows)

    def _frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        if not rows:
            return empty_events()
        frame = pd.DataFrame.from_records(rows, columns=[c for c in EVENT_COLUMNS
                                                        if c != "event_id"])
        return conform_events(frame).reset_index(drop=True)

    # --- the work -----------------------------------------------------------------------------
    def code_records(self, text: str | bytes, published: object = None, url: str | None = None,
                     title: str | None = None) -> list[dict[str, Any]]:
        """Code one article into a list of event records (dicts with the schema's columns)."""
        self._ensure_fitted()
        report = CodingReport()
        self.report_ = report
        if isinstance(text, bytes):
            if looks_binary(text):
                warnings.warn("The article is binary data, not text; nothing was coded.",
                              DataQualityWarning, stacklevel=2)
                return []
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                text = text.decode("cp1252", errors="replace")
        if text is None or (isinstance(text, float) and text != text):
            text = ""
        if not isinstance(text, str):
            raise ConfigurationError(
                f"Article text must be str or bytes. Got {type(text).__name__} instead.")
        if looks_binary(text):
            warnings.warn("The article text looks binary (NUL or control characters); nothing "
                          "was coded.", DataQualityWarning, stacklevel=2)
            return []
        if len(text) > self.max_chars:
            warnings.warn(
                f"The article has {len(text):,} characters, more than max_chars="
                f"{self.max_chars:,}; nothing was coded. Split the text into articles or raise "
                "max_chars.", DataQualityWarning, stacklevel=2)
            return []
        if _is_html(text):
            text, meta = html_to_text(text)
            if published is None:
                published = meta["published"]
            url = url or meta["url"]
        clean, pub = prepare_text(text, published)
        if not clean.strip():
            warnings.warn("The article text is empty; nothing was coded.", DataQualityWarning,
                          stacklevel=2)
            return []
        if pub is None:
            warnings.warn(
                "The article has no publication date (no 'published' argument, no leading "
                "'date YYYY-MM-DD' token, no date in its metadata); events cannot be dated or "
                "made available in time, so nothing was coded. Pass published=YYYY-MM-DD.",
                DataQualityWarning, stacklevel=2)
            return []
        return self._code_clean(clean, pub, url, title, report)

    def _code_clean(self, text: str, pub: _dt.date, url: str | None, title: str | None,
                    report: CodingReport) -> list[dict[str, Any]]:
        runs = word_runs(text)
        triggers = list(self.patterns_.finditer(text, runs=runs))
        report.n_triggers = len(triggers)
        if not triggers:
            return []
        sentences = split_sentences(text)
        report.n_sentences = len(sentences)
        mentions = self.actors_.find(text, pub, runs=runs)
        m_starts = [m.start for m in mentions]
        s_starts = [s for s, _ in sentences]
        text_key = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]
        by_sentence: dict[int, list[tuple[int, int, EventPattern]]] = {}
        for trig in triggers:
            k = bisect.bisect_right(s_starts, trig[0]) - 1
            if k >= 0 and trig[0] < sentences[k][1]:
                by_sentence.setdefault(k, []).append(trig)
        events: list[dict[str, Any]] = []
        ctx: dict[str, Mention] = {}
        for k, trigs in by_sentence.items():
            a, b = sentences[k]
            sm = mentions[bisect.bisect_left(m_starts, a):bisect.bisect_left(m_starts, b)]
            sd = find_dates(text, pub, a, b)
            events.extend(self._code_sentence(text, a, b, trigs, sm, sd, pub, url, text_key,
                                              report, ctx))
        events = _dedupe(events)
        if self.min_confidence > 0:
            events = [e for e in events if e["confidence"] >= self.min_confidence]
        report.n_events = len(events)
        return events

    def _code_sentence(self, text: str, a: int, b: int,
                       trigs: list[tuple[int, int, EventPattern]], sm: list[Mention],
                       sd: list[DateMention], pub: _dt.date, url: str | None, text_key: str,
                       report: CodingReport, ctx: dict[str, Mention]) -> list[dict[str, Any]]:
        # triggers inside an actor's name ("Rapid Support Forces") are not triggers
        if sm:
            starts = [m.start for m in sm]
            kept = []
            for t in trigs:
                k = bisect.bisect_right(starts, t[0]) - 1
                if k >= 0 and t[1] <= sm[k].end:
                    continue
                kept.append(t)
            trigs = kept
        if not trigs:
            return []
        out: list[dict[str, Any]] = []
        # which triggers are the content of a clause-taking trigger, and the refined codes
        absorbed = [False] * len(trigs)
        codes = [t[2].code for t in trigs]
        clause_ends = []
        until = -1
        for i, (ts, te, pat) in enumerate(trigs):
            stop = _CLAUSE_STOP.search(text, te, b)
            clause_ends.append(stop.start() if stop else b)
            if ts < until:
                absorbed[i] = True
                continue
            if i > 0 and not pat.noun and _PURPOSE.search(text, max(a, ts - 16), ts) and \
                    any(not absorbed[j] for j in range(i)):
                absorbed[i] = True  # "telephoned X to discuss": the purpose of the call
                continue
            if pat.result and any(not absorbed[j] and int(codes[j][:2]) in _FORCE_ROOTS
                                  for j in range(i)):
                absorbed[i] = True  # "bombed a market, killing 25": the killing is the result
                continue
            if pat.comp:
                until = clause_ends[i]
                nxt = next((t for t in trigs[i + 1:] if t[0] < min(until, te + 90)), None)
                if nxt is not None:
                    codes[i] = refine_code(codes[i], nxt[2].code)
        force_in_sentence = any(int(codes[i][:2]) in _FORCE_ROOTS
                                for i in range(len(trigs)) if not absorbed[i])
        fatal: FatalityCount | None | bool = False
        loc_mentions = [m for m in sm if m.location and m.state]
        for i, (ts, te, pat) in enumerate(trigs):
            if absorbed[i]:
                report.drop("absorbed")
                continue
            code = codes[i]
            pre = text[max(a, ts - 70):ts]
            cut = max(pre.rfind(","), pre.rfind(";"), pre.rfind(":"))
            clause_pre = pre[cut + 1:] if cut >= 0 else pre
            pairs = None
            if _NEG.search(clause_pre):
                # "said it would not meet", "refused": a cooperative act declined is a rejection
                if 3 <= int(code[:2]) <= 9 and (_REFUSAL.search(clause_pre)
                                               or _WOULD_REPORTED.search(pre + " would ")):
                    code = refine_code("120", code)
                else:
                    report.drop("negated")
                    continue
            elif _MUST.search(clause_pre):
                # "X said Y must release ...": X demands of Y
                pairs = self._demand_pairs(text, a, ts, sm)
                if not pairs:
                    report.drop("hypothetical")
                    continue
                code = refine_code("100", code)
            elif _HYPO.search(clause_pre):
                if re.search(r"\bwould\b", clause_pre, re.I) and _WOULD_REPORTED.search(pre):
                    if _UNLESS.search(text, te, b):
                        code = refine_code("130", code)  # "would pull out unless ...": a threat
                    elif not _DECISION.search(pre):
                        new = intent_code(code)
                        if new is None:
                            report.drop("hypothetical")
                            continue
                        code = new
                else:
                    report.drop("hypothetical")
                    continue
            elif _INTENT.search(clause_pre) and _UNLESS.search(text, te, b):
                code = refine_code("130", code)  # "will withdraw unless ...": a threat
            elif _INTENT.search(clause_pre):
                new = intent_code(code)
                if new is None:
                    report.drop("hypothetical")
                    continue
                code = new
            root = int(code[:2])
            if pairs is None:
                pairs = self._actors_for(text, a, b, ts, te, pat, sm)
            if not pairs:
                report.drop("no_actor")
                continue
            # location: nearest place after the trigger, else any in the sentence
            loc = None
            after_locs = [m for m in loc_mentions if m.start >= te]
            if after_locs:
                loc = after_locs[0].state
            elif loc_mentions:
                loc = loc_mentions[-1].state
            # date
            date, precision, dated = pub, "day", False
            near_dates = [d for d in sd if (d.precision != "year"
                                            or -80 <= d.start - ts <= (te - ts) + 60)
                          and not (d.start >= te and _RELATIVE.search(text, te, d.start))]
            if near_dates:
                best = min(near_dates, key=lambda d: (abs(d.start - ts) if d.start >= te else
                                                      abs(ts - d.end))
                           + (0 if d.precision == "day" else 15))
                date, precision, dated = best.date, best.precision, True
            flags: list[str] = []
            if date > pub + _dt.timedelta(days=1):
                report.drop("future")
                continue
            historical = (pub - date).days > self.historical_days
            if historical and not self.keep_historical:
                report.drop("historical")
                continue
            if historical:
                flags.append("historical")
            if not dated:
                flags.append("date_published")
            elif precision != "day":
                flags.append(f"date_{precision}")
            for src, tgt, conf_pen, pair_flags in pairs:
                s_state = src.state
                t_state = tgt.state if tgt is not None else None
                extra = list(pair_flags)
                # "its forces": a bare agent owned by an earlier actor takes its state
                if s_state is None:
                    s_state = _antecedent_state(text, a, src, sm)
                if tgt is not None and t_state is None:
                    t_state = _antecedent_state(text, a, tgt, sm)
                # bare agents take the location's or the other actor's state
                if s_state is None and src.type not in _NO_STATE_TYPES:
                    s_state = loc or (t_state if tgt is not None and (
                        tgt.type in NON_STATE_TYPES or src.type in NON_STATE_TYPES) else None)
                    if s_state is not None:
                        conf_pen += 0.15
                        extra.append("actor1_state_inferred")
                if tgt is not None and t_state is None and tgt.type not in _NO_STATE_TYPES:
                    t_state = loc or (s_state if (src.type in NON_STATE_TYPES
                                                  or tgt.type in NON_STATE_TYPES) else None)
                    if t_state is not None:
                        conf_pen += 0.15
                        extra.append("actor2_state_inferred")
                if tgt is None and 10 <= root <= 14 and "force" in ctx and \
                        _REACTION_OBJECT.match(text, te):
                    # "Baghdad condemned the strikes": the target is who struck last
                    tgt = ctx["force"]
                    t_state = tgt.state
                    conf_pen += 0.1
                    extra.append("actor2_from_context")
                territory = None
                if root in _FORCE_ROOTS and loc and s_state and loc != s_state and \
                        src.type not in NON_STATE_TYPES and \
                        (tgt is None or tgt.type in NON_STATE_TYPES or t_state in (None, s_state)):
                    territory = loc
                if tgt is None and territory is None and root in _FORCE_ROOTS and loc \
                        and loc != s_state:
                    territory = loc  # "IS gunmen attacked a church in Mozambique"
                if tgt is None and territory is None and 3 <= root <= 17 and loc_mentions:
                    # "the minister arrived in Tokyo": the place is the counterpart
                    place = next((m for m in loc_mentions if m.state != s_state), None)
                    if place is not None:
                        tgt = place
                        t_state = place.state
                        conf_pen += 0.1
                        extra.append("actor2_from_location")
                if tgt is None and territory is None:
                    report.drop("no_actor")
                    continue
                if territory is not None:
                    t_state = territory
                    extra.append(f"target_territory:{territory}")
                if s_state is None and t_state is None:
                    report.drop("no_actor")
                    continue
                if tgt is not None and _same_actor(src, tgt, s_state, t_state):
                    report.drop("same_actor")
                    continue
                final_code = code
                if final_code.startswith("183") and src.type not in NON_STATE_TYPES \
                        and s_state is not None and src.kind != "agent" or \
                        (final_code.startswith("183") and src.type in ("MIL", "GOV")):
                    final_code = "195"  # a state bombing is an air strike
                f_root = int(final_code[:2])
                conf = (0.85 if not pat.noun else 0.72) - conf_pen - (0.0 if dated else 0.08)
                fat = None
                if f_root in _FORCE_ROOTS or f_root in _CLAIM_ROOTS:
                    if fatal is False:
                        fatal = find_fatalities(text, a, b)
                    if isinstance(fatal, FatalityCount) and (
                            f_root in _FORCE_ROOTS or not force_in_sentence):
                        fat = fatal
                        fatal = None  # attach once per sentence
                        if f_root in _CLAIM_ROOTS:
                            extra.append("fatalities_claimed")
                        if fat.unsplit:
                            extra.append("casualties_unsplit")
                            conf *= 0.85
                        if fat.vague:
                            extra.append("fatalities_vague")
                conf = float(min(0.99, max(0.05, conf)))
                if f_root in _FORCE_ROOTS and s_state is not None:
                    ctx["force"] = replace(src, state=s_state)
                a1_code = src.code
                a2_code = tgt.code if tgt is not None else territory
                seid = content_event_id("article", text_key, ts, final_code, s_state, t_state,
                                        a1_code, a2_code)
                out.append({
                    "source": "article",
                    "source_event_id": seid,
                    "date": pd.Timestamp(date),
                    "available_at": pd.Timestamp(pub),
                    "actor1_name": src.name,
                    "actor1_code": a1_code,
                    "actor1_state": s_state,
                    "actor1_type": src.type,
                    "actor1_id": src.id or s_state,
                    "actor2_name": tgt.name if tgt is not None else None,
                    "actor2_code": a2_code,
                    "actor2_state": t_state,
                    "actor2_type": tgt.type if tgt is not None else None,
                    "actor2_id": (tgt.id or t_state) if tgt is not None else territory,
                    "cameo_code": final_code,
                    "cameo_root": f_root,
                    "quad_class": 1 if f_root <= 5 else 2 if f_root <= 9 else 3 if f_root <= 14 else 4,
                    "goldstein": float(self._goldstein.get(final_code,
                                                           self._goldstein.get(final_code[:3], 0.0))),
                    "fatalities": fat.value if fat else None,
                    "fatalities_low": (fat.low if fat.low is not None else None) if fat else None,
                    "fatalities_high": None,
                    "location_state": loc,
                    "latitude": None,
                    "longitude": None,
                    "weight": 1.0,
                    "url": url,
                    "quote": text[a:b],
                    "quote_start": a,
                    "quote_end": b,
                    "confidence": round(conf, 3),
                    "flags": ",".join(flags + extra) or None,
                })
        return out

    def _demand_pairs(self, text: str, a: int, ts: int,
                      sm: list[Mention]) -> list[tuple[Mention, Mention | None, float, list[str]]]:
        """Speaker and addressee of "X said (that) Y must ...": X demands of Y."""
        reporting = None
        for m in _REPORTING.finditer(text, a, ts):
            reporting = m
        if reporting is None:
            return []
        actors = [m for m in sm if not m.location]
        r_start = reporting.start()
        speaker = _subject(text, a, [m for m in actors if m.end <= r_start], r_start)
        addressee = next((m for m in actors if r_start <= m.start and m.end <= ts
                          and m is not speaker), None)
        if speaker is None or addressee is None:
            return []
        return [(speaker, addressee, 0.1, ["demand_must"])]

    def _actors_for(self, text: str, a: int, b: int, ts: int, te: int, pat: EventPattern,
                    sm: list[Mention]) -> list[tuple[Mention, Mention | None, float, list[str]]]:
        """Source/target pairs of a trigger: ``(source, target or None, penalty, flags)``."""
        # actors of the trigger's neighbourhood (bounded, so run-on text stays linear)
        actors = [m for m in sm if not m.location and ts - _REACH <= m.start < te + _REACH]
        before = [m for m in actors if m.end <= ts]
        after = [m for m in actors if m.start > ts]
        passive = bool(_PASSIVE.search(text[max(a, ts - 30):ts])) and not pat.noun and \
            _is_participle(text[ts:te].split()[0] if text[ts:te].split() else "")
        by_agent = None
        for m in after:
            if m.start - te >= 80:
                break
            if _BY_BEFORE.search(text[max(a, m.start - 12):m.start]):
                if pat.noun and _PARTICIPLE_BY.search(text[max(a, m.start - 40):m.start]):
                    break  # "a meeting ... hosted by X": X is the agent of "hosted"
                by_agent = m
                break
        penalty = 0.0
        flags: list[str] = []
        source: Mention | None = None
        target: Mention | None = None
        co_targets: list[Mention] = []
        if passive and by_agent is not None:
            source = by_agent
            target = _subject(text, a, before, ts)
        elif passive:
            return []
        else:
            if len(after) >= 2 and _BETWEEN_AFTER.match(text, te, after[0].start) and \
                    _AND_JOIN.match(text[after[0].end:after[1].start]):
                if pat.code.startswith(("045", "039")):
                    # "mediation between A and B": the mediator acts on both
                    mediator = _subject(text, a, before, ts)
                    if mediator is None:
                        return []
                    return [(mediator, after[0], 0.0, ["between"]),
                            (mediator, after[1], 0.0, ["between"])]
                # "fighting between A and B", "talks between A and B"
                return [(after[0], after[1], 0.0, ["between"]),
                        (after[1], after[0], 0.0, ["between"])]
            if pat.noun and _VICTIM_BEFORE.search(text, max(a, ts - 60), ts):
                return []  # "soldiers were killed by a roadside bomb": no perpetrator named
            if pat.noun and by_agent is not None:
                source = by_agent
            elif pat.noun and before and _NOUN_OWNER.match(text[before[-1].end:ts]):
                source = before[-1]  # "Kabul's refusal", "American bombing"
            else:
                source = _subject(text, a, before, ts)
            if source is not None and source.state is None and source.kind == "agent" \
                    and not _OWNER.search(text, max(a, source.start - 12), source.start):
                # "North Korea fired artillery shells": the bare agent belongs to the subject
                subj = _subject(text, a, [m for m in before if m is not source], ts)
                if subj is not None and subj.state is not None:
                    source = subj
            if source is not None and source.state is None and source.type == "GOV" \
                    and source.kind == "agent":
                # "President X imposed ..., the White House said": the speaker's state
                for m in after:
                    if m.state and m.type == "GOV" and _SAID_AFTER.match(text, m.end):
                        source = replace(source, state=m.state)
                        penalty += 0.1
                        break
            if source is None:
                # "... , X said" / "according to X"
                for m in after:
                    if _SAID_AFTER.match(text, m.end) or \
                            _REPORT_BEFORE.search(text[max(a, m.start - 16):m.start]):
                        source = m
                        penalty += 0.1
                        break
            if source is None and len(after) >= 2 and \
                    _BETWEEN.search(text[max(a, after[0].start - 12):after[0].start]) and \
                    _AND_JOIN.match(text[after[0].end:after[1].start]):
                return [(after[0], after[1], 0.0, ["between"]),
                        (after[1], after[0], 0.0, ["between"])]
            if source is None:
                return []
            candidates = []
            stop = _TARGET_STOP.search(text, te, b)
            limit = stop.start() if stop else b
            for m in after:
                if m.start >= limit and m is not by_agent:
                    break
                if m is source or (m is by_agent and pat.noun):
                    continue
                if m.state is None and m.type not in _NO_STATE_TYPES and (
                        m.start < te or _OWNER.search(text, max(a, m.start - 12), m.start)):
                    continue  # "deployed troops", "offered its troops": not the counterpart
                if _SAID_AFTER.match(text, m.end) or \
                        _REPORT_BEFORE.search(text[max(a, m.start - 16):m.start]):
                    continue
                candidates.append(m)
            # a named state or group beats a bare agent ("military aid to Mozambique")
            target = next((m for m in candidates if (m.state is not None
                                                      or m.type in _NO_STATE_TYPES)
                           and not _same_state_organ(source, m)), None)
            if target is None:
                target = next((m for m in candidates if m.state is not None
                               or m.type in _NO_STATE_TYPES), None)
            if target is None and candidates:
                target = candidates[0]
            if target is not None:
                # listed targets: "to Iran, Libya, North Korea and Sudan"
                k = after.index(target)
                while k + 1 < len(after) and _LIST_JOIN.match(
                        text[after[k].end:after[k + 1].start]) and after[k + 1].state:
                    co_targets.append(after[k + 1])
                    k += 1
        if source is None:
            return []
        # compound subject: "A and B met", "A and B agreed"
        partners: list[Mention] = []
        if source in before:
            idx = before.index(source)
            j = idx - 1
            while j >= 0 and _AND_JOIN.match(text[before[j].end:before[j + 1].start]):
                partners.insert(0, before[j])
                j -= 1
            j = idx + 1
            while j < len(before) and _AND_JOIN.match(text[before[j - 1].end:before[j].start]):
                partners.append(before[j])
                j += 1
        if partners:
            group = sorted(partners + [source], key=lambda m: m.start)
            if target is None or pat.sym or (target.state is None
                                             and target.type not in _NO_STATE_TYPES):
                pairs = []
                for x in group:
                    for y in group:
                        if x is not y:
                            pairs.append((x, y, penalty, ["joint"]))
                if target is not None and (target.state is not None
                                           or target.type in _NO_STATE_TYPES):
                    pairs.extend((x, target, penalty, ["joint"]) for x in group)
                return pairs
            return [(x, t, penalty, flags) for x in group for t in [target, *co_targets]]
        out = [(source, target, penalty, flags)]
        out.extend((source, t, penalty, flags + ["listed_target"]) for t in co_targets)
        if pat.sym and target is not None:
            out.append((target, source, penalty, ["joint"]))
        return out


_IRREGULAR_PARTICIPLES = frozenset(
    "held met hit shot struck fought caught taken beaten seized sent given bought built cut put "
    "set sold told won led fed shut slain stolen thrown overrun overthrown driven withdrawn "
    "broken frozen forgiven spoken".split())


def _is_participle(word: str) -> bool:
    w = word.lower()
    return w.endswith("ed") or w in _IRREGULAR_PARTICIPLES


def _is_subject_like(text: str, a: int, m: Mention) -> bool:
    """Whether a mention can be a subject: not the object of a preposition or of "said"."""
    w = _WORD_BEFORE.search(text, max(a, m.start - 24), m.start)
    word = w.group(1).lower() if w else ""
    if word in _DETERMINERS and w is not None:
        w2 = _WORD_BEFORE.search(text, max(a, w.start(1) - 24), w.start(1))
        w, word = (w2, w2.group(1).lower()) if w2 else (None, "")
    if word == "of" and w is not None:
        q = _WORD_BEFORE.search(text, max(a, w.start(1) - 24), w.start(1))
        if q and q.group(1).lower() in _QUANTIFIERS:
            return True  # "thousands of protesters"
    if word in _OBJ_PREPS:
        return False
    return not _REPORT_BEFORE.search(text[max(a, m.start - 16):m.start])


_CLAUSE_START = re.compile(
    r"(?:[;:]|\b(?:said|says|stated|announced|reported|added|warned|claimed|told\s+\S+|"
    r"that|but|while|after|before|when|whereas|although|because|since|which|who|where)\b)",
    re.IGNORECASE)


def _subject(text: str, a: int, before: list[Mention], ts: int | None = None) -> Mention | None:
    """The subject of the trigger's clause.

    The first subject-like actor (not the object of a preposition) between the start of the
    trigger's clause (the sentence start, or the last "said", "that", "but", ";" ... before the
    trigger) and the trigger; failing one, the nearest subject-like actor before the trigger.
    """
    if ts is not None and before:
        start = a
        word = ""
        for m in _CLAUSE_START.finditer(text, a, ts):
            start, word = m.end(), m.group().lower()
        for m in before:
            if m.start >= start and _is_subject_like(text, a, m):
                return m
        if word == "where":
            return None  # "the town where 28 people were killed": no actor of the clause
    for m in reversed(before):
        if _is_subject_like(text, a, m):
            return m
    return None


_OWNER = re.compile(r"\b(?:its|their)\s+(?:own\s+)?$", re.IGNORECASE)


def _antecedent_state(text: str, a: int, m: Mention, sm: list[Mention]) -> str | None:
    """State of the actor an "its"/"their" before a bare agent refers to (nearest before)."""
    if m.state is not None or m.kind != "agent" or not _OWNER.search(text, max(a, m.start - 12), m.start):
        return None
    for prev in reversed(sm):
        if prev.end <= m.start and prev.state and not prev.location:
            return prev.state
    return None


def _same_state_organ(src: Mention | None, m: Mention) -> bool:
    """Whether ``m`` is an organ of the source's own state (a poor counterpart)."""
    return (src is not None and src.state is not None and m.state == src.state
            and src.kind != "group" and m.kind != "group")


def _same_actor(src: Mention, tgt: Mention, s_state: str | None, t_state: str | None) -> bool:
    if src.id is not None and src.id == tgt.id and src.kind == "group" and tgt.kind == "group":
        return True
    if s_state != t_state:
        return False
    s_type = src.type or "GOV"
    t_type = tgt.type or "GOV"
    if src.kind == "group" or tgt.kind == "group":
        return src.id == tgt.id
    return s_type == t_type or {s_type, t_type} <= {"GOV", "LEG", "JUD"}


def _dedupe(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One event per (date, actors, code) within an article: keep the most confident.

    Within one sentence, an unspecified code (``190``) is dropped when the same actors have a
    specific code of the same root (``195``): "warplanes struck" is one air strike.
    """
    specific = {(e["quote_start"], e["actor1_state"], e["actor1_id"], e["actor2_state"],
                 e["actor2_id"], e["cameo_code"][:2])
                for e in events if not e["cameo_code"].endswith("0")}
    events = [e for e in events if not (
        e["cameo_code"].endswith("0") and len(e["cameo_code"]) == 3
        and (e["quote_start"], e["actor1_state"], e["actor1_id"], e["actor2_state"],
             e["actor2_id"], e["cameo_code"][:2]) in specific)]
    best: dict[tuple, dict[str, Any]] = {}
    order: list[tuple] = []
    for e in events:
        key = (e["date"], e["actor1_state"], e["actor1_id"], e["actor2_state"], e["actor2_id"],
               e["cameo_code"])
        cur = best.get(key)
        if cur is None:
            best[key] = e
            order.append(key)
            continue
        keep, other = (e, cur) if e["confidence"] > cur["confidence"] else (cur, e)
        if keep["fatalities"] is None and other["fatalities"] is not None:
            keep = dict(keep, fatalities=other["fatalities"], fatalities_low=other["fatalities_low"])
        best[key] = keep
    return [best[k] for k in order]


def code_article(text: str | bytes, published: object = None, url: str | None = None,
                 title: str | None = None, **params: Any) -> pd.DataFrame:
    """Code one article with an :class:`ArticleCoder` (keyword ``params`` go to it).

    Parameters
    ----------
    text : str or bytes
        Article text; a leading ``date YYYY-MM-DD`` token is read as the publication date.
    published : date-like, optional
    url, title : str, optional

    Returns
    -------
    pandas.DataFrame
        Events in the canonical schema (:data:`riskmodel.events.EVENT_COLUMNS`).

    Examples
    --------
    >>> ev = code_article("date 2024-03-23 On March 18, Pakistan carried out airstrikes "
    ...                   "against militants inside Afghanistan.")
    >>> ev.loc[0, ["date", "actor1_state", "actor2_state", "cameo_code"]].tolist()
    [Timestamp('2024-03-18 00:00:00'), 'PAK', 'AFG', '195']
    """
    coder = _shared_coder(**params)
    return coder.code(text, published=published, url=url, title=title)


_SHARED: dict[tuple, ArticleCoder] = {}


def _shared_coder(**params: Any) -> ArticleCoder:
    key = tuple(sorted((k, repr(v)) for k, v in params.items()))
    coder = _SHARED.get(key)
    if coder is None:
        coder = ArticleCoder(**params).fit()
        if len(_SHARED) < 8:
            _SHARED[key] = coder
    return coder
