"""Event patterns: news phrases that signal a CAMEO event, compiled into one regular expression.

The pattern table (``data/patterns.tsv``) is written from the labels of the CAMEO codebook and
from ordinary news language. Each line gives a CAMEO code, a phrase in a small pattern language
and flags:

* tokens separated by spaces match words separated by whitespace;
* ``<lemma>`` matches the inflections of a verb (``<accuse>``: accuse, accuses, accused,
  accusing); irregular verbs give their past and participle (``<meet/met>``,
  ``<give/gave/given>``);
* ``_`` lets up to four other words sit between its neighbours;
* a token ending in ``?`` that is a group (``(?:a|the)?``) is optional together with its
  trailing whitespace;
* any other token is a regular expression without spaces.

Flags: ``noun`` (the trigger is a noun phrase), ``comp`` (the trigger takes a clause: later
triggers in the sentence are its content and refine its code, see :data:`CONTENT_MAPS`), ``sym``
(a joint action: "A and B met" codes both directions).

Patterns are compiled once and indexed by the words they can start with, so coding an article
costs one pass over its words plus a few anchored matches; patterns that start at the same
position are tried in file order, specific before general.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from riskmodel.exceptions import ConfigurationError

__all__ = [
    "EventPattern",
    "PatternSet",
    "verb_forms",
    "compile_pattern",
    "load_patterns",
    "default_patterns",
    "CONTENT_MAPS",
    "intent_code",
]

_IRREGULAR_PAST: dict[str, tuple[str, str]] = {}

#: Verbs that double their final consonant before -ed/-ing.
_DOUBLE = frozenset(
    "ban stab expel compel rob plan stop drop grab trap ship regret commit submit admit permit "
    "omit patrol control slam rebel confer refer prefer occur bar kidnap sub swap spar "
    "jab nab snub scrap drag flag tap".split()
)
#: Verbs ending in -l written both ways (travelled/traveled).
_BOTH_L = frozenset("travel cancel signal label fuel equal model level".split())


def _third_person(lemma: str) -> str:
    if re.search(r"(?:s|x|z|ch|sh|o)$", lemma):
        return lemma + "es"
    if re.search(r"[^aeiou]y$", lemma):
        return lemma[:-1] + "ies"
    return lemma + "s"


def _past(lemma: str) -> list[str]:
    if lemma.endswith("e"):
        return [lemma + "d"]
    if re.search(r"[^aeiou]y$", lemma):
        return [lemma[:-1] + "ied"]
    if lemma in _DOUBLE:
        return [lemma + lemma[-1] + "ed"]
    if lemma in _BOTH_L:
        return [lemma + "led", lemma + "ed"]
    return [lemma + "ed"]


def _gerund(lemma: str) -> list[str]:
    if lemma.endswith("ie"):
        return [lemma[:-2] + "ying"]
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
        return [lemma[:-1] + "ing"]
    if lemma in _DOUBLE:
        return [lemma + lemma[-1] + "ing"]
    if lemma in _BOTH_L:
        return [lemma + "ling", lemma + "ing"]
    return [lemma + "ing"]


def verb_forms(spec: str) -> list[str]:
    """The inflected forms of a verb written as ``lemma`` or ``lemma/past[/participle]``.

    Examples
    --------
    >>> verb_forms("accuse")
    ['accuse', 'accuses', 'accused', 'accusing']
    >>> verb_forms("meet/met")
    ['meet', 'meets', 'met', 'meeting']
    """
    parts = spec.split("/")
    lemma = parts[0]
    if not lemma:
        raise ConfigurationError(f"Empty verb in pattern token <{spec}>; write <lemma> or "
                                 "<lemma/past/participle>.")
    past = parts[1:] if len(parts) > 1 else _past(lemma)
    forms = [lemma, _third_person(lemma), *past, *_gerund(lemma)]
    seen: list[str] = []
    for f in forms:
        if f not in seen:
            seen.append(f)
    return seen


_VERB = re.compile(r"<([A-Za-z][A-Za-z'\-/]*)>")
_GAP = r"(?:[^\s.;:!?]+\s+){0,4}?"


def _token_regex(token: str) -> str:
    def repl(m: re.Match[str]) -> str:
        forms = sorted(verb_forms(m.group(1)), key=len, reverse=True)
        return "(?:" + "|".join(re.escape(f) for f in forms) + ")"

    return _VERB.sub(repl, token)


def compile_pattern(text: str) -> str:
    """Translate a phrase of the pattern language into a regular expression (no groups named).

    Raises
    ------
    ConfigurationError
        If the phrase is empty, starts or ends with ``_``, or is not a valid expression.
    """
    tokens = text.split()
    if not tokens:
        raise ConfigurationError("Empty event pattern; every line needs a phrase.")
    if tokens[0] == "_" or tokens[-1] == "_":
        raise ConfigurationError(
            f"Event pattern {text!r} starts or ends with the gap '_'; a gap must sit between "
            "two words.")
    out: list[str] = []
    gap_next = False
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        if tok == "_":
            gap_next = True
            continue
        if gap_next:
            out.append(_GAP)
            gap_next = False
        rx = _token_regex(tok)
        optional = tok.endswith(")?") and tok.startswith("(")
        if i == last:
            out.append(rx)
        elif optional:
            out.append(f"(?:{rx[:-1]}\\s+)?")
        else:
            out.append(rx + r"\s+")
    regex = "".join(out)
    try:
        re.compile(regex)
    except re.error as exc:
        raise ConfigurationError(
            f"Event pattern {text!r} does not compile ({exc}). Check its brackets; see the "
            "pattern language in riskmodel.coding.patterns.") from exc
    return regex


@dataclass(frozen=True)
class EventPattern:
    """One line of the pattern table.

    Attributes
    ----------
    code : str
        CAMEO event code.
    pattern : str
        The phrase in the pattern language.
    noun, comp, sym, result : bool
        Flags (see the module docstring).
    """

    code: str
    pattern: str
    noun: bool = False
    comp: bool = False
    sym: bool = False
    result: bool = False


class PatternSet:
    """Event patterns compiled into one regular expression.

    Parameters
    ----------
    patterns : sequence of EventPattern
        In priority order.

    Attributes
    ----------
    patterns : tuple of EventPattern
    matcher : riskmodel.coding._match.PhraseMatcher
        The compiled phrases, dispatched on their first word.
    """

    def __init__(self, patterns: list[EventPattern] | tuple[EventPattern, ...]) -> None:
        from riskmodel.codes.cameo import cameo_table

        table = cameo_table()
        for p in patterns:
            if p.code not in table.index:
                raise ConfigurationError(
                    f"Event pattern {p.pattern!r} has code {p.code!r}, which is not a CAMEO "
                    "code of the codebook (codes are strings such as '043'; see "
                    "riskmodel.codes.cameo_table()).")
        self.patterns = tuple(patterns)
        from riskmodel.coding._match import PhraseMatcher

        self.matcher = PhraseMatcher([compile_pattern(p.pattern) for p in self.patterns],
                                     self.patterns, re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.patterns)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None,
                 runs: list[tuple[int, str, str]] | None = None
                 ) -> Iterator[tuple[int, int, EventPattern]]:
        """Yield ``(start, end, EventPattern)`` for every trigger in ``text[pos:endpos]``."""
        return self.matcher.finditer(text, pos, endpos, runs)


def load_patterns(path: str | Path | None = None) -> list[EventPattern]:
    """Read a pattern table (the packaged one when ``path`` is None).

    Raises
    ------
    ConfigurationError
        If a line has no code or pattern, or an unknown flag (the nearest flag is suggested).
    """
    if path is None:
        ref = resources.files("riskmodel.coding") / "data" / "patterns.tsv"
        text = ref.read_text(encoding="utf-8")
        where = "riskmodel/coding/data/patterns.tsv"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = str(path)
    out: list[EventPattern] = []
    header_seen = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if not header_seen and fields[0] == "code":
            header_seen = True
            continue
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise ConfigurationError(
                f"{where}, line {lineno}: expected 'code<TAB>pattern<TAB>flags', got {line!r}.")
        flags = {f.strip() for f in (fields[2] if len(fields) > 2 else "").split(",") if f.strip()}
        unknown = flags - {"noun", "comp", "sym", "result"}
        if unknown:
            import difflib

            bad = sorted(unknown)[0]
            near = difflib.get_close_matches(bad, ["noun", "comp", "sym", "result"], n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(
                f"{where}, line {lineno}: unknown flag {bad!r}; expected noun, comp, sym or result.{hint}")
        out.append(EventPattern(fields[0].strip(), fields[1].strip(), "noun" in flags,
                                "comp" in flags, "sym" in flags, "result" in flags))
    return out


@lru_cache(maxsize=1)
def default_patterns() -> PatternSet:
    """The packaged pattern table, compiled once."""
    return PatternSet(load_patterns())


# --- refining a clause-taking trigger from the event it reports -------------------------------
# Keys are CAMEO codes or roots of the content event (most specific first); values the code of the
# speech act. They follow the codebook's sub-codes of appeals (02), intents (03), demands (10),
# rejections (12) and threats (13).

#: For each clause-taking root: content code/root prefix -> refined code.
CONTENT_MAPS: dict[str, dict[str, str]] = {
    "02": {"0871": "0256", "0874": "0256", "087": "0256", "084": "0253", "085": "0254",
           "081": "0251", "086": "0255", "071": "0231", "072": "0232", "073": "0233",
           "074": "0234", "04": "026", "05": "022", "06": "021", "07": "023", "08": "025",
           "09": "020"},
    "03": {"061": "0311", "062": "0312", "063": "0313", "064": "0314", "071": "0331",
           "072": "0332", "073": "0333", "074": "0334", "081": "0351", "084": "0353",
           "085": "0354", "086": "0355", "087": "0356", "045": "039", "04": "036",
           "05": "032", "06": "031", "07": "033", "08": "035"},
    "10": {"0871": "107", "084": "1053", "085": "1054", "081": "1051", "086": "1055",
           "087": "1056", "071": "1031", "072": "1032", "073": "1033", "074": "1034",
           "045": "105", "04": "108", "05": "102", "06": "1011", "07": "103", "09": "101"},
    "12": {"084": "1243", "085": "1244", "081": "1241", "086": "1245", "087": "1246",
           "045": "126", "04": "125", "06": "121", "07": "122", "08": "124"},
    "13": {"163": "1312", "161": "1313", "162": "1311", "164": "134", "165": "135",
           "166": "136", "1723": "1323", "1724": "1324", "172": "132", "175": "137",
           "191": "1381", "192": "1382", "204": "1385", "2041": "1385", "2042": "1385",
           "18": "1383", "19": "1384", "20": "1383", "15": "138", "17": "130", "14": "133"},
}


def refine_code(speech_code: str, content_code: str) -> str:
    """The code of a clause-taking trigger given the code of the event it reports.

    Only generic speech codes (the root's ``x0`` code, e.g. ``"020"``, ``"030"``, ``"100"``,
    ``"120"``/``"124"``, ``"130"``) are refined; specific ones are kept.
    """
    root = speech_code[:2]
    if speech_code == "030" and content_code[:2].isdigit() and int(content_code[:2]) >= 14:
        # "vowed to retaliate", "pledged to strike back": an intent to use force is a threat
        return refine_code("130", content_code)
    table = CONTENT_MAPS.get(root)
    generic = {"02": ("020",), "03": ("030",), "10": ("100",), "12": ("120", "124"),
               "13": ("130",)}
    if table is None or speech_code not in generic.get(root, ()):
        return speech_code
    for n in (4, 3, 2):
        key = content_code[:n]
        if len(key) == n and key in table:
            return table[key]
    return speech_code


def intent_code(code: str) -> str | None:
    """The code for a stated intent to do ``code`` ("will give aid" -> 033), or None.

    Cooperative actions (roots 04-09) become intents to cooperate (03x); force and coercion
    (roots 14-20) become threats (13x). Verbal conflict (10-12) has no intent form.
    """
    root = int(code[:2])
    if 4 <= root <= 9:
        return refine_code("030", code) if refine_code("030", code) != "030" else "030"
    if 14 <= root <= 20:
        refined = refine_code("130", code)
        return refined
    return None
