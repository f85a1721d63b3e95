"""Cheap pre-filters for the extractor's large regexes: where can a match possibly begin?

Python's `re` tries every alternative of a big alternation at every position, which made the
measure-name and value regexes the extractor's main costs. `starts_lookahead` reads the first
few characters every match must begin with from the patterns themselves (so a filter never
drifts from the patterns it guards) and returns a lookahead that finds those places quickly in
lowercased text; the large regex then runs only there.
"""

from __future__ import annotations

import re
import re._constants as sre
import re._parser as sre_parse
from collections.abc import Iterable, Iterator

_Prefixes = set[tuple[str, bool]]
"""(prefix, complete): `complete` when the pattern part was consumed whole and more may follow;
otherwise the prefix stops there (the next node is not a plain character)."""

_DIGITS = "0123456789"
_SPACES = "".join(re.findall(r"\s", "".join(map(chr, range(0x10000)))))
"""What \\s matches: spelled out so that "a\\s+minimum" filters on "a " rather than on every "a"
(Unicode has no white space outside the Basic Multilingual Plane)."""
_MAX_CLASS = 64
"""A character class larger than this ends a prefix instead of multiplying it."""


def _class_chars(items: list) -> str | None:
    """The characters of a class like [Bb], [0-9] or \\d, or None when it is open-ended (\\s, [^x])."""
    chars = []
    for op, av in items:
        if op is sre.LITERAL:
            chars.append(chr(av))
        elif op is sre.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.extend(map(chr, range(av[0], av[1] + 1)))
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            chars.extend(_DIGITS)
        elif op is sre.CATEGORY and av is sre.CATEGORY_SPACE:
            chars.extend(_SPACES)
        else:
            return None
    return "".join(chars) if len(chars) <= _MAX_CLASS else None


def _node(op, av, room: int) -> _Prefixes:
    if op is sre.LITERAL:
        return {(chr(av).lower(), True)}
    if op is sre.IN:
        chars = _class_chars(av)
        return {("", False)} if chars is None else {(ch.lower(), True) for ch in chars}
    if op is sre.BRANCH:
        return set().union(*(_sequence(alternative, room) for alternative in av[1]))
    if op is sre.SUBPATTERN:
        return _sequence(av[3], room)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = av
        inner = _sequence(body, room)
        if high != 1:
            inner = {(text, False) for text, _ in inner}
        return inner | {("", True)} if low == 0 else inner
    if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
        return {("", True)}  # zero width: the next node starts at the same place
    if op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
        return {(ch, True) for ch in _DIGITS}
    return {("", False)}


def _sequence(items, room: int) -> _Prefixes:
    done: _Prefixes = set()
    growing = {""}
    for op, av in items:
        following = set()
        for head in growing:
            for text, complete in _node(op, av, room - len(head)):
                joined = head + text
                if complete and len(joined) < room:
                    following.add(joined)
                else:
                    done.add((joined[:room], False))
        growing = following
        if not growing:
            break
    return done | {(head, True) for head in growing}


def _trie(words: set[str]) -> str:
    """Prefixes as nested alternations grouped by first character, so few branches are tried;
    first characters with the same continuations share one class ("[ \\t\\n…]" for a space).
    A prefix that is itself in the set makes its longer ones redundant."""
    if "" in words:
        return ""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[0], set()).add(word[1:])
    by_tail: dict[str, list[str]] = {}
    for first, tails in sorted(by_first.items()):
        by_tail.setdefault(_trie(tails), []).append(first)
    branches = [_one_of(firsts) + tail for tail, firsts in by_tail.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _one_of(chars: list[str]) -> str:
    return re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(map(re.escape, chars)) + "]"


def starts_lookahead(patterns: Iterable[str], flags: int, length: int = 3) -> str:
    """A zero-width regex matching, in lowercased text, wherever one of `patterns` may begin.

    Raises ValueError when some pattern can begin with anything: it cannot be pre-filtered.
    """
    starts: set[str] = set()
    for pattern in patterns:
        starts |= {text for text, _ in _sequence(sre_parse.parse(pattern, flags), length)}
    if "" in starts:
        raise ValueError("a pattern can begin with any character; there is nothing to filter on")
    return "(?=" + _trie(starts) + ")"


class Prefiltered:
    """A compiled pattern that is only tried where `starts_lookahead` says a match can begin.

    Same results as the pattern's own `finditer` / `search` on `text`; `lowered` is `text`
    lowercased with the same offsets.
    """

    __slots__ = ("pattern", "starts")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.starts = re.compile(starts_lookahead([pattern.pattern], pattern.flags))

    def finditer(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        # Searching on from each match's end skips the candidates inside it (every digit of a
        # number is one) without making a Match object for each.
        find = self.starts.search
        match_at = self.pattern.match
        candidate = find(lowered)
        while candidate is not None:
            at = candidate.start()
            match = match_at(text, at)
            if match is None:
                candidate = find(lowered, at + 1)
            else:
                yield match
                candidate = find(lowered, max(match.end(), at + 1))

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        return next(self.finditer(text, lowered), None)
