"""Actors: states, their governments and forces, and named non-state groups, found in text.

The tables are the project's own (``riskmodel/coding/data``):

* ``states.tsv``: each state's names, adjectives/demonyms and capitals (a capital stands for the
  government: "Islamabad has accused ...");
* ``groups.tsv``: named non-state armed groups and organisations with their actor type and the
  state they operate in, in rows bounded in time where the role changes (the Taliban are
  Afghanistan's government from 2021-08-15);
* ``leaders.tsv``: office holders whose names stand for their state's government (or army, or
  group) during their terms ("Putin said ..."); outside their terms they are not actors;
* ``agents.tsv``: agent nouns ("foreign ministry", "army", "militants") that, next to a state,
  make an actor of that state with the agent's type;
* ``regions.tsv``: provinces and cities that locate an event inside a state.

Users extend the tables with :meth:`ActorTable.add_state_names`, :meth:`ActorTable.add_group`
or by loading PETRARCH/TABARI actor dictionaries (:meth:`ActorTable.load_petrarch`).

:meth:`ActorTable.find` returns :class:`Mention` objects: a span of text with the state, actor
type and canonical id it stands for at a given date. Agent nouns are merged with the state next
to them ("the Pakistani foreign ministry", "the government of Pakistan", "the Taliban regime in
Kabul" are one mention each).
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from riskmodel.coding._match import PhraseMatcher, word_runs
from riskmodel.events import ACTOR_TYPES
from riskmodel.exceptions import ConfigurationError, SourceFormatError

__all__ = [
    "Mention",
    "GroupRole",
    "ActorTable",
    "default_actor_table",
    "NON_STATE_TYPES",
]

#: Actor types that are not organs of a state.
NON_STATE_TYPES: frozenset[str] = frozenset(
    {"REB", "INS", "SEP", "MIL_NS", "CVL", "NGO", "OPP", "PTY", "MED", "BUS", "CRM", "UAF", "IGO"}
)

_DATA = "riskmodel.coding"


@dataclass(frozen=True)
class GroupRole:
    """A group's role over a period: type and state, valid from ``start`` (inclusive) to ``end``.

    Attributes
    ----------
    id : str
    type : str
        One of :data:`riskmodel.events.ACTOR_TYPES`.
    state : str or None
        ISO3 of the state the group operates in or governs.
    start, end : datetime.date or None
        Validity; None is open.
    """

    id: str
    type: str
    state: str | None
    start: _dt.date | None = None
    end: _dt.date | None = None

    def valid_at(self, day: _dt.date | None) -> bool:
        """Whether the role holds on ``day`` (any role holds when the day is unknown)."""
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day < self.end)


@dataclass(eq=False)
class Mention:
    """An actor (or a place) named in the text.

    Attributes
    ----------
    start, end : int
        Character offsets in the text.
    name : str
        The text as written.
    state : str or None
        ISO3 of the state the actor belongs to (or the place lies in).
    type : str or None
        Actor type (GOV, MIL, REB, ...); None for a state named as such.
    id : str or None
        Canonical actor id (group ids such as ``"TTP"``; ``"PAK"`` for a state).
    kind : str
        ``"state"``, ``"adj"``, ``"capital"``, ``"group"``, ``"person"``, ``"agent"`` or
        ``"region"``.
    location : bool
        The mention marks where something happened ("inside Afghanistan", "in Khyber
        Pakhtunkhwa"); it is not an actor.

    Mentions compare by identity: two mentions of "Pakistan" are different mentions.
    """

    start: int
    end: int
    name: str
    state: str | None
    type: str | None
    id: str | None
    kind: str
    location: bool = False

    @property
    def code(self) -> str | None:
        """A CAMEO-style actor code: state plus type (``"PAKMIL"``), or the group id."""
        if self.kind == "person":
            return f"{self.state}{self.type}" if self.state else self.type
        if self.kind in ("group",) or (self.id and self.id != self.state):
            return self.id
        if self.state and self.type:
            return f"{self.state}{self.type}"
        return self.state


def _parse_date(value: str, where: str) -> _dt.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigurationError(f"{where}: expected a date YYYY-MM-DD or nothing, got {value!r}.")


def _read_tsv(name: str) -> list[list[str]]:
    text = (resources.files(_DATA) / "data" / name).read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows[1:]  # header


_AGENT_LEFT_GAP = re.compile(
    r"^(?:'s|’s|s')?(?:\s+(?!(?:has|have|had|is|are|was|were|will|would|said|says|and|or|"
    r"to|of|in|on|at|for|with|by|from|the|a|an)\b)[a-z][a-z\-]*(?<!ed)){0,2}\s+$")
_AGENT_RIGHT = re.compile(r"^\s+(?:of|in|from)\s+(?:the\s+)?$")
_GROUP_AGENT_GAP = re.compile(r"^(?:'s|’s)?\s+(?:-?\s*)?$")


class ActorTable:
    """Gazetteer of actors and places, matched case-sensitively as whole words.

    Parameters
    ----------
    include_defaults : bool
        Start from the packaged tables (default True). With False the table is empty.

    Notes
    -----
    The table is mutable until :meth:`find` is first called; later additions rebuild the
    matcher on the next call.
    """

    def __init__(self, include_defaults: bool = True) -> None:
        self.include_defaults = include_defaults
        # name -> (kind, iso3 or group id)
        self._names: dict[str, tuple[str, str]] = {}
        self._roles: dict[str, list[GroupRole]] = {}
        self._agents: list[tuple[str, str]] = []
        self._matcher: PhraseMatcher | None = None
        self._agent_matcher: PhraseMatcher | None = None
        if include_defaults:
            self._load_defaults()

    # --- building ------------------------------------------------------------------------------
    def _load_defaults(self) -> None:
        import pycountry

        for row in _read_tsv("states.tsv"):
            row = row + [""] * (4 - len(row))
            iso3, names, adjs, capitals = (c.strip() for c in row[:4])
            self.add_state_names(iso3, names=_split(names), adjectives=_split(adjs),
                                 capitals=_split(capitals))
            country = pycountry.countries.get(alpha_3=iso3)
            if country is not None:
                for n in (getattr(country, "name", None), getattr(country, "common_name", None)):
                    if n and re.fullmatch(r"[A-Z][A-Za-z .'\-]+", n) and n not in self._names:
                        self._names[n] = ("state", iso3)
        for row in _read_tsv("groups.tsv"):
            row = row + [""] * (6 - len(row))
            gid, names, typ, state, start, end = (c.strip() for c in row[:6])
            self.add_group(gid, _split(names), typ, state or None,
                           _parse_date(start, f"groups.tsv, {gid}"),
                           _parse_date(end, f"groups.tsv, {gid}"))
        for row in _read_tsv("leaders.tsv"):
            row = row + [""] * (6 - len(row))
            pid, names, typ, state, start, end = (c.strip() for c in row[:6])
            self.add_person(pid, _split(names), typ, state or None,
                            _parse_date(start, f"leaders.tsv, {pid}"),
                            _parse_date(end, f"leaders.tsv, {pid}"))
        for row in _read_tsv("regions.tsv"):
            name, iso3 = row[0].strip(), row[1].strip()
            self._names.setdefault(name, ("region", iso3))
        for row in _read_tsv("agents.tsv"):
            self.add_agent(row[0].strip(), row[1].strip())

    def _invalidate(self) -> None:
        self._matcher = None
        self._agent_matcher = None

    def add_state_names(self, iso3: str, names: list[str] | tuple[str, ...] = (),
                        adjectives: list[str] | tuple[str, ...] = (),
                        capitals: list[str] | tuple[str, ...] = ()) -> ActorTable:
        """Add names, adjectives/demonyms or capitals of a state; returns ``self``.

        Raises
        ------
        ConfigurationError
            If ``iso3`` is not three capital letters.
        """
        if not re.fullmatch(r"[A-Z]{3}", iso3 or ""):
            raise ConfigurationError(
                f"State code must be an ISO3 code of three capital letters (e.g. 'PAK'). "
                f"Got {iso3!r} instead.")
        for kind, values in (("state", names), ("adj", adjectives), ("capital", capitals)):
            for v in values:
                if v:
                    self._names[v] = (kind, iso3)
        self._invalidate()
        return self

    def add_group(self, group_id: str, names: list[str] | tuple[str, ...], type: str,
                  state: str | None = None, start: _dt.date | None = None,
                  end: _dt.date | None = None) -> ActorTable:
        """Add a named group (or one time-bounded role of it); returns ``self``.

        Parameters
        ----------
        group_id : str
            Canonical id (``"TTP"``).
        names : list of str
            Names as written in text (matched case-sensitively).
        type : str
            One of :data:`riskmodel.events.ACTOR_TYPES`.
        state : str or None
            ISO3 of the state it operates in or governs.
        start, end : datetime.date or None
            Validity of this role (end exclusive).

        Raises
        ------
        ConfigurationError
            If ``type`` is not a known actor type (the nearest is suggested).
        """
        if type not in ACTOR_TYPES:
            import difflib

            near = difflib.get_close_matches(str(type), ACTOR_TYPES, n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise ConfigurationError(
                f"Actor type of group {group_id!r} must be one of {list(ACTOR_TYPES)}. "
                f"Got {type!r} instead.{hint}")
        if state is not None and not re.fullmatch(r"[A-Z]{3}", state):
            raise ConfigurationError(
                f"State of group {group_id!r} must be an ISO3 code. Got {state!r} instead.")
        self._roles.setdefault(group_id, []).append(GroupRole(group_id, type, state, start, end))
        for n in names:
            if n:
                self._names[n] = ("group", group_id)
        self._invalidate()
        return self

    def add_person(self, person_id: str, names: list[str] | tuple[str, ...], type: str,
                   state: str | None, start: _dt.date | None = None,
                   end: _dt.date | None = None) -> ActorTable:
        """Add an office holder (or one term of office); returns ``self``.

        Within ``[start, end)`` the names stand for the state's organ of ``type`` (a president
        for the government, an army chief for the military); outside every term they are not
        actors. Arguments as in :meth:`add_group`.
        """
        self.add_group(person_id, [], type, state, start, end)
        for n in names:
            if n:
                self._names[n] = ("person", person_id)
        self._invalidate()
        return self

    def add_agent(self, phrase: str, type: str) -> ActorTable:
        """Add an agent noun phrase (a case-insensitive regular expression) of a type."""
        if type not in ACTOR_TYPES:
            raise ConfigurationError(
                f"Agent type must be one of {list(ACTOR_TYPES)}. Got {type!r} instead.")
        try:
            re.compile(phrase)
        except re.error as exc:
            raise ConfigurationError(f"Agent phrase {phrase!r} does not compile: {exc}.") from exc
        self._agents.append((phrase, type))
        self._invalidate()
        return self

    def load_petrarch(self, path: str | Path, *, min_date: _dt.date | None = None) -> ActorTable:
        """Add actors from a PETRARCH/TABARI actor dictionary file; returns ``self``.

        The format: an entry line ``NAME_ [CODE]`` or ``NAME_`` followed by ``+SYNONYM`` lines
        and indented ``[CODE dates]`` lines; names are upper case with ``_`` for spaces; codes
        start with a state (or ``IGO``/``IMG``...) and continue with role codes (``PAKMIL``);
        date restrictions are ``YYMMDD-YYMMDD``, ``>YYMMDD`` or ``<YYMMDD``. Entries whose code
        names an ISO3 state become that state's actors (type from the role code, e.g. ``MIL``);
        others are added as groups under their code.

        Parameters
        ----------
        path : path-like
            The dictionary file (read at run time; nothing is copied into the project).
        min_date : datetime.date, optional
            Skip roles that ended before this date.

        Raises
        ------
        SourceFormatError
            If the file cannot be read as text.
        """
        entries = parse_petrarch_actors(path)
        iso3 = _iso3_set()
        for names, codes in entries:
            phrases = [_petrarch_name(n) for n in names]
            phrases += [a for n in names for a in re.findall(r"\(([A-Z][A-Z0-9-]{2,})\)", n)]
            phrases = [p for p in phrases if p and len(p) > 2]
            if not phrases:
                continue
            gid = codes[0][0]  # one actor, possibly with several time-bounded roles
            for code, start, end in codes:
                if min_date is not None and end is not None and end < min_date:
                    continue
                state = code[:3] if code[:3] in iso3 else None
                role = code[3:6] if state else code[:3]
                typ = _PETRARCH_TYPES.get(role, "GOV" if state and not role else "OTH")
                self.add_group(gid, _case_variants(phrases), typ, state, start, end)
        return self

    # --- lookup --------------------------------------------------------------------------------
    def role(self, group_id: str, day: _dt.date | None) -> GroupRole | None:
        """The role of a group valid on ``day`` (the latest one when several hold)."""
        roles = self._roles.get(group_id)
        if not roles:
            return None
        valid = [r for r in roles if r.valid_at(day)]
        if valid:
            return valid[-1]
        return roles[-1]

    def _build(self) -> None:
        names = sorted(self._names, key=len, reverse=True)
        self._matcher = PhraseMatcher([re.escape(n) for n in names],
                                      [(n, *self._names[n]) for n in names])
        if self._agents:
            self._agent_matcher = PhraseMatcher([a for a, _ in self._agents],
                                                [t for _, t in self._agents], re.IGNORECASE)

    def find(self, text: str, day: _dt.date | None = None, pos: int = 0,
             endpos: int | None = None,
             runs: list[tuple[int, str, str]] | None = None) -> list[Mention]:
        """Actors and places in ``text[pos:endpos]``, merged with their agent nouns.

        Parameters
        ----------
        text : str
        day : datetime.date, optional
            Date at which time-bounded roles are resolved (the article's publication date).

        Returns
        -------
        list of Mention
            Sorted by position, non-overlapping.
        """
        if self._matcher is None:
            self._build()
        assert self._matcher is not None
        named: list[Mention] = []
        if runs is None:
            runs = word_runs(text, pos, endpos)
        for start, end, (name, kind, key) in self._matcher.finditer(text, pos, endpos, runs):
            if kind == "group":
                role = self.role(key, day)
                if role is None:
                    continue
                named.append(Mention(start, end, text[start:end], role.state, role.type, key,
                                     "group"))
            elif kind == "person":
                terms = [r for r in self._roles.get(key, ()) if r.valid_at(day)]
                if not terms:
                    continue  # not in office at that date
                named.append(Mention(start, end, text[start:end], terms[-1].state,
                                     terms[-1].type, key, "person"))
            elif kind == "region":
                named.append(Mention(start, end, text[start:end], key, None, None, "region",
                                     location=True))
            elif kind == "capital":
                named.append(Mention(start, end, text[start:end], key, "GOV", key, "capital"))
            else:
                named.append(Mention(start, end, text[start:end], key, None, key, kind))
        agents: list[Mention] = []
        if self._agent_matcher is not None:
            spans = [(m.start, m.end) for m in named]
            starts = [a for a, _ in spans]
            for start, end, typ in self._agent_matcher.finditer(text, pos, endpos, runs):
                k = bisect.bisect_right(starts, start) - 1
                if k >= 0 and start < spans[k][1]:
                    continue
                agents.append(Mention(start, end, text[start:end], None, typ, None, "agent"))
        return _merge(text, named, agents)


def _merge(text: str, named: list[Mention], agents: list[Mention]) -> list[Mention]:
    """Join agent nouns to the state or group next to them; mark locations."""
    out: list[Mention] = []
    all_ = sorted(named + agents, key=lambda m: m.start)
    i = 0
    n = len(all_)
    while i < n:
        m = all_[i]
        if m.kind == "agent":
            # agent followed by "of/in <state>" ("the government of Pakistan")
            if i + 1 < n and all_[i + 1].kind in ("state", "capital", "adj") \
                    and _AGENT_RIGHT.match(text[m.end:all_[i + 1].start]):
                nxt = all_[i + 1]
                out.append(Mention(m.start, nxt.end, text[m.start:nxt.end], nxt.state, m.type,
                                   nxt.state, "agent"))
                i += 2
                continue
            out.append(m)
            i += 1
            continue
        if m.kind in ("state", "adj", "capital") and i + 1 < n and all_[i + 1].kind == "agent" \
                and _AGENT_LEFT_GAP.match(text[m.end:all_[i + 1].start]) \
                and (m.kind != "capital" or not text[m.end:all_[i + 1].start].strip(" '’s")):
            ag = all_[i + 1]
            merged = Mention(m.start, ag.end, text[m.start:ag.end], m.state, ag.type, m.state,
                             "agent")
            # "the Pakistani foreign ministry": an agent may itself be followed by more agents
            i += 2
            while i < n and all_[i].kind == "agent" and \
                    re.fullmatch(r"\s*", text[merged.end:all_[i].start]):
                merged = replace(merged, end=all_[i].end, name=text[merged.start:all_[i].end],
                                 type=_stronger(merged.type, all_[i].type))
                i += 1
            out.append(merged)
            continue
        if m.kind == "group":
            merged = m
            j = i + 1
            # "Taliban regime", "TTP militants", "the Taliban regime in Kabul"
            if j < n and all_[j].kind == "agent" and _GROUP_AGENT_GAP.match(text[m.end:all_[j].start]):
                merged = replace(merged, end=all_[j].end, name=text[merged.start:all_[j].end])
                j += 1
                if j < n and all_[j].kind == "capital" and all_[j].state == m.state \
                        and re.fullmatch(r"\s+(?:in|of)\s+", text[merged.end:all_[j].start]):
                    merged = replace(merged, end=all_[j].end, name=text[merged.start:all_[j].end])
                    j += 1
            # "Tehreek-e-Taliban Pakistan (TTP)": swallow the acronym in brackets
            if j < n and all_[j].kind == "group" and all_[j].id == m.id \
                    and re.fullmatch(r"\s*\(\s*", text[merged.end:all_[j].start]) \
                    and text[all_[j].end:all_[j].end + 1] == ")":
                merged = replace(merged, end=all_[j].end + 1, name=text[merged.start:all_[j].end + 1])
                j += 1
                if j < n and all_[j].kind == "agent" and re.fullmatch(r"\s+", text[merged.end:all_[j].start]):
                    merged = replace(merged, end=all_[j].end, name=text[merged.start:all_[j].end])
                    j += 1
            out.append(merged)
            i = j
            continue
        out.append(m)
        i += 1
    # "Russian President Vladimir Putin": a title and the office holder are one actor
    joined: list[Mention] = []
    for m in out:
        if m.kind == "person" and joined and joined[-1].state == m.state and \
                joined[-1].kind in ("agent", "adj", "state") and \
                re.fullmatch(r"\s+", text[joined[-1].end:m.start]):
            prev = joined[-1]
            joined[-1] = replace(m, start=prev.start, name=text[prev.start:m.end])
            continue
        joined.append(m)
    out = joined
    # "NATO-member Norway", "Iran-backed Houthis", "US-led forces": the second is the actor
    heads: list[Mention] = []
    for m in out:
        if heads and _MODIFIER_JOIN.fullmatch(text[heads[-1].end:m.start]):
            heads[-1] = m
            continue
        heads.append(m)
    # "Russian-made rockets", "French-speaking": an adjective of origin is no actor
    out = [m for m in heads if not (m.kind in ("adj", "state") and _ORIGIN_SUFFIX.match(text, m.end))]
    # locations: a place name after a spatial preposition
    for m in out:
        if m.kind in ("state", "capital", "region", "adj") and not m.location:
            before = text[max(0, m.start - 40):m.start]
            if m.kind == "adj":
                if _LOC_AFTER_ADJ.match(text, m.end):
                    m.location = True
            elif _LOC_BEFORE.search(before):
                m.location = True
    return out


_LOC_BEFORE = re.compile(
    r"(?:\b(?:in|inside|into|within|across|near|throughout|outside)\s+(?:the\s+)?"
    r"(?:(?:(?:north|south)-?)?(?:north|south|east|west)(?:ern)?\s+|central\s+)?"
    r"|\bin\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?,\s+)$", re.IGNORECASE)
_LOC_AFTER_ADJ = re.compile(r"\s+(?:border|borders|frontier|soil|territory|airspace|waters|side\s+of\s+the\s+border)\b")

_MODIFIER_JOIN = re.compile(r"\s*-\s*(?:member|backed|led|allied|aligned|supported|based|"
                            r"controlled|held|sponsored|friendly)\s+")

_ORIGIN_SUFFIX = re.compile(r"-(?:made|built|designed|supplied|manufactured|produced|speaking|"
                            r"language|style|born|educated|trained)\b")

_RANK = {"MIL": 3, "COP": 3, "GOV": 2, "LEG": 2, "JUD": 2}


def _stronger(a: str | None, b: str | None) -> str | None:
    """Type of "military personnel", "foreign ministry officials": the first specific one."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK.get(a, 1) >= _RANK.get(b, 1) else b


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


@lru_cache(maxsize=1)
def _iso3_set() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.countries)


#: PETRARCH/CAMEO role codes -> riskmodel actor types.
_PETRARCH_TYPES: dict[str, str] = {
    "GOV": "GOV", "MIL": "MIL", "COP": "COP", "REB": "REB", "INS": "INS", "SEP": "SEP",
    "OPP": "OPP", "PTY": "PTY", "CVL": "CVL", "MED": "MED", "BUS": "BUS", "CRM": "CRM",
    "JUD": "JUD", "LEG": "LEG", "SPY": "SPY", "UAF": "UAF", "IGO": "IGO", "NGO": "NGO",
    "IMG": "REB", "ELI": "GOV", "HLH": "OTH", "EDU": "OTH", "REF": "CVL", "LAB": "OTH",
    "AGR": "OTH", "ENV": "OTH", "REL": "OTH", "HRI": "NGO", "DEV": "OTH", "MOD": "OTH",
    "RAD": "OTH", "NGM": "NGO", "MNC": "BUS",
}

_CODE_LINE = re.compile(r"\[([^\]]+)\]")


def _yymmdd(value: str) -> _dt.date | None:
    value = value.strip()
    if not value.isdigit():
        return None
    if len(value) == 8:
        y, m, d = int(value[:4]), int(value[4:6]), int(value[6:])
    elif len(value) == 6:
        yy = int(value[:2])
        y, m, d = (1900 + yy if yy > 30 else 2000 + yy), int(value[2:4]), int(value[4:])
    else:
        return None
    try:
        return _dt.date(y, max(m, 1), max(d, 1))
    except ValueError:
        return None


def _parse_code(raw: str) -> tuple[str, _dt.date | None, _dt.date | None] | None:
    parts = raw.split()
    if not parts:
        return None
    code = parts[0].lstrip("~")
    start = end = None
    if len(parts) > 1:
        span = parts[1]
        if span.startswith(">"):
            start = _yymmdd(span[1:])
        elif span.startswith("<"):
            end = _yymmdd(span[1:])
        elif "-" in span:
            a, b = span.split("-", 1)
            start, end = _yymmdd(a), _yymmdd(b)
    if not re.fullmatch(r"[A-Z0-9]{3,}", code):
        return None
    return code, start, end


def parse_petrarch_actors(path: str | Path) -> list[tuple[list[str], list[tuple[str, _dt.date | None, _dt.date | None]]]]:
    """Parse a PETRARCH/TABARI actor dictionary into ``(names, codes)`` entries.

    Raises
    ------
    SourceFormatError
        If the file cannot be decoded as text or holds no entry.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        text = Path(path).read_text(encoding="latin-1")
    except OSError as exc:
        raise SourceFormatError(f"cannot read the dictionary ({exc})", path=str(path)) from exc
    entries: list[tuple[list[str], list[tuple[str, _dt.date | None, _dt.date | None]]]] = []
    names: list[str] = []
    codes: list[tuple[str, _dt.date | None, _dt.date | None]] = []

    def flush() -> None:
        if names and codes:
            entries.append((list(names), list(codes)))

    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            for c in _CODE_LINE.findall(stripped):
                parsed = _parse_code(c)
                if parsed:
                    codes.append(parsed)
            continue
        if stripped.startswith("+"):
            names.append(stripped[1:].split("[")[0].strip())
            for c in _CODE_LINE.findall(stripped):
                parsed = _parse_code(c)
                if parsed:
                    codes.append(parsed)
            continue
        if line[0].isspace():
            continue
        flush()
        names = [stripped.split("[")[0].strip()]
        codes = []
        for c in _CODE_LINE.findall(stripped):
            parsed = _parse_code(c)
            if parsed:
                codes.append(parsed)
    flush()
    if not entries:
        raise SourceFormatError(
            "no actor entry found; expected lines such as 'NAME_ [CODE]' with '+SYNONYM' lines "
            "(PETRARCH/TABARI actor dictionary format)", path=str(path))
    return entries


def _petrarch_name(raw: str) -> str:
    name = re.sub(r"!\w+!", "", raw)
    name = re.sub(r"\([^)]*\)", " ", name)
    name = name.replace("_", " ").strip()
    name = re.sub(r"\s+", " ", name)
    return name


def _case_variants(phrases: list[str]) -> list[str]:
    """Dictionary names are upper case; text writes them in title case (acronyms stay)."""
    out: list[str] = []
    for p in phrases:
        out.append(p)
        if " " in p or len(p) > 5:
            small = {"OF", "THE", "AND", "IN", "FOR", "AL", "EL", "DE"}
            words = [w.lower() if w in small and k else w.capitalize()
                     for k, w in enumerate(p.split(" "))]
            out.append(" ".join("-".join(s.capitalize() if s.upper() not in small else s.lower()
                                         for s in w.split("-")) if "-" in w else w for w in words))
    return out


@lru_cache(maxsize=1)
def default_actor_table() -> ActorTable:
    """The packaged actor tables (shared; copy before extending)."""
    return ActorTable()
