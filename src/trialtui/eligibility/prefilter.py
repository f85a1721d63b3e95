"""Cheap pre-filters for the extractor's large regexes: where can a match possibly begin?

Python's `re` tries every alternative of a big alternation at every position, which made the
measure-name and value regexes the extractor's main costs. `starts_lookahead` reads the first
few characters every match must begin with from the patterns themselves (so a filter never
drifts from the patterns it guards) and returns a lookahead that finds those places quickly in
lowercased text; the large regex then runs only there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

_Prefixes = set[tuple[str, bool]]
"""(prefix, complete): `complete` when the pattern part was consumed whole and more may follow;
otherwise the prefix stops there (the next node is not a plain character)."""

_DIGITS = "0123456789"
_SPACES = "".join(re.findall(r"\s", "".join(map(chr, range(0x10000)))))
"""What \\s matches: spelled out so that "a\\s+minimum" filters on "a " rather than on every "a"
(Unicode has no white space outside the Basic Multilingual Plane)."""
_MAX_CLASS = 64
"""A character class larger than this ends a prefix instead of multiplying it."""
_END = "\ue000"
"""In a prefix: the pattern's match ends here (a character of the private use area that no pattern
spells; `_starts` checks)."""
_RUN = "\ue001"
"""In a prefix read for folded text (`fold_words`): one or more characters that fold to a space, as
"\\s+" or "[\\s-]+" match, where the prefix goes on instead of stopping."""

# A pattern is read into nodes: ("chars", str | None) for one character out of a set (None: any of
# too many to list), ("seq", [nodes]) for a group, ("or", [[nodes], ...]) for alternatives,
# ("repeat", low, high, [nodes]), ("zero",) for an assertion or anchor that consumes nothing.
_Node = tuple
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a", "0": "\0"}
_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(,?)(\d*)\}")
_GROUP_START = re.compile(r"(?:\?(?::|P<\w+>|[=!]|<[=!]|[aiLmsux-]+:))?")
_UNBOUNDED = 1 << 32


class _Reader:
    """The subset of Python's regex syntax the extractor's patterns use, read for their prefixes."""

    def __init__(self, pattern: str, verbose: bool) -> None:
        self.text, self.at, self.verbose = pattern, 0, verbose

    def alternatives(self) -> list[_Node]:
        branches = [self.sequence()]
        while self.at < len(self.text) and self.text[self.at] == "|":
            self.at += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else [("or", branches)]

    def sequence(self) -> list[_Node]:
        nodes: list[_Node] = []
        text = self.text
        while self.at < len(text) and text[self.at] not in "|)":
            char = text[self.at]
            if self.verbose and char.isspace():
                self.at += 1
            elif self.verbose and char == "#":
                end = text.find("\n", self.at)
                self.at = len(text) if end < 0 else end
            else:
                nodes.append(self.quantified(self.atom()))
        return nodes

    def quantified(self, node: _Node) -> _Node:
        match = _QUANTIFIER.match(self.text, self.at)
        if match is None or match.group() == "{}":
            return node
        self.at = match.end()
        if self.at < len(self.text) and self.text[self.at] in "?+":
            self.at += 1  # lazy or possessive: the same prefixes
        symbol = match.group()
        if symbol[0] == "{":
            low = int(match.group(1) or 0)
            high = int(match.group(3)) if match.group(3) else (low if not match.group(2) else _UNBOUNDED)
        else:
            low, high = (0, 1) if symbol == "?" else (0, _UNBOUNDED) if symbol == "*" else (1, _UNBOUNDED)
        return ("repeat", low, high, [node])

    def atom(self) -> _Node:
        text = self.text
        char = text[self.at]
        self.at += 1
        if char == "(":
            start = _GROUP_START.match(text, self.at)
            if text.startswith("?", start.end()):
                raise ValueError(f"a group the prefilter cannot read: {text[self.at - 1 : self.at + 8]!r}")
            self.at = start.end()
            body = self.alternatives()
            self.at += 1  # ")"
            kind = start.group()
            return ("zero",) if kind[1:2] in ("=", "!") or kind[1:3] in ("<=", "<!") else ("seq", body)
        if char == "[":
            return ("chars", self.char_class())
        if char in "^$":
            return ("zero",)
        if char == ".":
            return ("chars", None)
        if char == "\\":
            return self.escape()
        return ("chars", char)

    def escape(self) -> _Node:
        char = self.text[self.at]
        self.at += 1
        if char in "bBAZ":
            return ("zero",)
        if char == "d":
            return ("chars", _DIGITS)
        if char == "s":
            return ("chars", _SPACES)
        if char in "DSwW":
            return ("chars", None)
        return ("chars", self.escaped(char))

    def escaped(self, char: str) -> str:
        if char in "xuU":
            digits = {"x": 2, "u": 4, "U": 8}[char]
            code = self.text[self.at : self.at + digits]
            self.at += digits
            return chr(int(code, 16))
        return _ESCAPED.get(char, char)

    def char_class(self) -> str | None:
        """The characters of a class like [Bb], [0-9] or [\\s-], or None when it is open-ended
        (\\w, [^x]) or larger than `_MAX_CLASS`."""
        text = self.text
        negated = text[self.at] == "^"
        self.at += negated
        chars: list[str] = []
        open_ended = negated
        first = True
        while first or text[self.at] != "]":
            first = False
            char = text[self.at]
            self.at += 1
            if char == "\\":
                char = text[self.at]
                self.at += 1
                if char == "d":
                    chars.extend(_DIGITS)
                    continue
                if char == "s":
                    chars.extend(_SPACES)
                    continue
                if char in "DSwW":
                    open_ended = True
                    continue
                char = self.escaped(char)
            if text[self.at] == "-" and text[self.at + 1] != "]":
                self.at += 1
                end = text[self.at]
                self.at += 1
                if end == "\\":
                    end = self.escaped(text[self.at])
                    self.at += 1
                if ord(end) - ord(char) < _MAX_CLASS:
                    chars.extend(map(chr, range(ord(char), ord(end) + 1)))
                else:
                    open_ended = True
            else:
                chars.append(char)
        self.at += 1  # "]"
        return None if open_ended or len(chars) > _MAX_CLASS else "".join(chars)


def _node(node: _Node, room: int, folded: bool) -> _Prefixes:
    kind = node[0]
    if kind == "chars":
        return {("", False)} if node[1] is None else {(ch.lower(), True) for ch in node[1]}
    if kind == "or":
        return set().union(*(_sequence(alternative, room, folded) for alternative in node[1]))
    if kind == "seq":
        return _sequence(node[1], room, folded)
    if kind == "repeat":
        _, low, high, body = node
        if (folded and high > 1 and len(body) == 1 and body[0][0] == "chars" and body[0][1] is not None
                and not any(ch.lower() in _WORD_CHARACTERS for ch in body[0][1])):
            return {(_RUN, True), ("", True)} if low == 0 else {(_RUN, True)}
        inner = _sequence(body, room, folded)
        if high != 1:
            inner = {(text, False) for text, _ in inner}
        return inner | {("", True)} if low == 0 else inner
    return {("", True)}  # zero width: the next node starts at the same place


def _sequence(items, room: int, folded: bool = False) -> _Prefixes:
    done: _Prefixes = set()
    growing = {""}
    for node in items:
        following = set()
        for head in growing:
            for text, complete in _node(node, room - len(head), folded):
                joined = head + text
                if complete and len(joined) < room:
                    following.add(joined)
                else:
                    done.add((joined[:room], False))
        growing = following
        if not growing:
            break
    return done | {(head, True) for head in growing}


def _trie(words: set[str], word_end: str = "") -> str:
    """Prefixes as nested alternations grouped by first character, so few branches are tried;
    first characters with the same continuations share one class ("[ \\t\\n…]" for a space).
    A prefix that is itself in the set makes its longer ones redundant; one that ends in `_END`
    is followed by `word_end`; `_RUN` is one or more spaces."""
    if "" in words:
        return ""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[0], set()).add(word[1:])
    by_tail: dict[tuple[str, str], list[str]] = {}
    for first, tails in sorted(by_first.items()):
        mark = first if first in (_END, _RUN) else ""
        by_tail.setdefault((mark, _trie(tails, word_end)), []).append(first)
    spelled = {_END: word_end, _RUN: " +"}
    branches = [(spelled[mark] if mark else _one_of(firsts)) + tail for (mark, tail), firsts in by_tail.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _scan(words: set[str]) -> str:
    """`_trie`'s alternation as a regex that takes the first character and looks ahead for the rest:
    its alternatives each begin with a literal, which `re` finds with a fast scan for their set
    instead of trying every position of the text."""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[0], set()).add(word[1:])
    branches = []
    for first, tails in sorted(by_first.items()):
        rest = _trie(tails)
        branches.append(re.escape(first) + (f"(?={rest})" if rest else ""))
    return "(?:" + "|".join(branches) + ")"


def _one_of(chars: list[str]) -> str:
    return re.escape(chars[0]) if len(chars) == 1 else "[" + "".join(map(re.escape, chars)) + "]"


def _starts(patterns: Iterable[str], flags: int, length: int, ends: bool = False, folded: bool = False) -> set[str]:
    """The prefixes of `length` characters at most that matches of `patterns` begin with, lowercased;
    `ends`: a prefix that is a whole match is marked with `_END`; `folded`: for folded text, with
    `_RUN` for a repeat of characters that fold to a space."""
    starts: set[str] = set()
    for pattern in patterns:
        nodes = _Reader(pattern, verbose=bool(flags & re.VERBOSE)).alternatives()
        prefixes = _sequence(nodes, length, folded)
        if ends and any(_END in text for text, _ in prefixes):
            raise ValueError(f"a pattern spells the end mark: {pattern!r}")
        starts |= {text + _END if ends and complete else text for text, complete in prefixes}
    if "" in starts:
        raise ValueError("a pattern can begin with any character; there is nothing to filter on")
    return starts


def starts_lookahead(patterns: Iterable[str], flags: int, length: int = 3, word_end: str | None = None,
                     folded: bool = False) -> str:
    """A zero-width regex matching, in lowercased text, wherever one of `patterns` may begin.

    `word_end`: a regex for what must follow a match of a pattern in the text (the end of a word
    after a name), tried where a whole match is shorter than `length`. `folded`: for the text as
    `fold_words` gives it, where every character but a-z and 0-9 reads as a space, and a repeat of
    such characters ("\\s+", "[\\s-]*") as a run of spaces, which the prefix reads on past.
    Raises ValueError when some pattern can begin with anything: it cannot be pre-filtered.
    """
    starts = _starts(patterns, flags, length, word_end is not None, folded)
    if folded:
        starts = {"".join(ch if ch in _WORD_CHARACTERS or ch in (_END, _RUN) else " " for ch in start)
                  for start in starts}
    return "(?=" + _trie(starts, word_end or "") + ")"


_WORD_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
_WORD_FOLD = bytes(byte if chr(byte) in _WORD_CHARACTERS else ord(" ") for byte in range(256))


def fold_words(lowered: str) -> bytes:
    """`lowered` (a text lowercased) as bytes, one a character: a-z and 0-9 kept, every other
    character a space. A regex that begins with a literal space finds its places there with a fast
    scan, where one that begins with "[^a-z0-9]" tests a class at every character."""
    return lowered.encode("latin-1", "replace").translate(_WORD_FOLD)


def alternatives_by_letter(pattern: str, flags: int) -> dict[str, str]:
    """For each letter a-z a match of `pattern` may begin with (in either case), `pattern`'s
    top-level alternatives that may begin with it, joined in their order: where the text has that
    letter, that regex matches as `pattern` does (the others cannot begin there), without trying
    the others."""
    reader = _Reader(pattern, verbose=bool(flags & re.VERBOSE))
    alternatives = []
    while True:
        start = reader.at
        reader.sequence()
        alternatives.append(pattern[start : reader.at])
        if reader.at == len(pattern):
            break
        if pattern[reader.at] != "|":
            raise ValueError(f"an unmatched parenthesis: {pattern!r}")
        reader.at += 1
    by_letter: dict[str, list[str]] = {}
    for alternative in alternatives:
        for letter in sorted({start[0] for start in _starts([alternative], flags, 1)}):
            if "a" <= letter <= "z":
                by_letter.setdefault(letter, []).append(alternative)
    return {letter: "|".join(chosen) for letter, chosen in by_letter.items()}


def first_char_lookahead(pattern: str, flags: int) -> str:
    """A one-character lookahead for what `pattern` can begin with, in either case, to put before it
    inside a larger case-insensitive regex (which then also reads "ı", "İ", "ſ" and "K" in it as
    `pattern` would): where `pattern` cannot match, `re` gives up after one test instead of entering
    each of its alternatives. Raises ValueError for a character whose other case is not one
    character (the lookahead could not list it)."""
    chars: set[str] = set()
    for start in _starts([pattern], flags, 1):
        for variant in (start, start.upper()):
            if len(variant) != 1 or len(variant.lower()) != 1:
                raise ValueError(f"cannot list the cases of {start!r}")
            chars.add(variant)
    return "(?=[" + "".join(f"\\U{ord(char):08x}" for char in sorted(chars)) + "])"


CASE_TWINS = "ıİſ"
"""The characters re.IGNORECASE matches to an ASCII letter they do not lowercase to ("ı" and "İ"
to "i", "ſ" to "s"); for every other character a case-insensitive ASCII letter matches exactly
where its lowercase stands in the lowercased text ("K", the Kelvin sign, lowercases to "k")."""


@lru_cache(maxsize=64)
def lowered_text(text: str) -> str:
    """`text.lower()` with the same offsets ("İ" alone lowercases to two characters: it stays).
    Cached: the extractor, the measure-name scan and the check for unread limits read one text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


def case_exact(lowered: str) -> bool:
    """Whether a filter reading `lowered` (a text lowercased with its offsets kept) sees every place
    where a case-insensitive ASCII letter matches: true unless the text has one of `CASE_TWINS`."""
    return lowered.isascii() or not any(twin in lowered for twin in CASE_TWINS)


def _uncased_or_ascii(starts: set[str]) -> bool:
    return all(ch.isascii() or ch.lower() == ch.upper() for start in starts for ch in start)


class Prefiltered:
    """A compiled pattern that is only tried where `starts_lookahead` says a match can begin.

    Same results as the pattern's own `finditer` / `search` on `text` (between `pos` and `endpos`);
    `lowered` is `text` lowercased with the same offsets. `exact_finditer` and `exact_search` keep
    that promise for a text with a `CASE_TWINS` character too, which they search unfiltered.
    """

    __slots__ = ("pattern", "starts", "ascii_starts")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        starts = _starts([pattern.pattern], pattern.flags, 3)
        self.starts = re.compile(_scan(starts))
        self.ascii_starts = _uncased_or_ascii(starts)
        """Every character a match can begin with is ASCII or has no case: `case_exact` covers it."""

    def finditer(self, text: str, lowered: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        # Searching on from each match's end skips the candidates inside it (every digit of a
        # number is one) without making a Match object for each.
        if endpos is None:
            endpos = len(text)
        find = self.starts.search
        match_at = self.pattern.match
        candidate = find(lowered, pos, endpos)
        while candidate is not None:
            at = candidate.start()
            match = match_at(text, at, endpos)
            if match is None:
                candidate = find(lowered, at + 1, endpos)
            else:
                yield match
                candidate = find(lowered, max(match.end(), at + 1), endpos)

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        return next(self.finditer(text, lowered), None)

    def exact_finditer(self, text: str, lowered: str, pos: int = 0,
                       endpos: int | None = None) -> Iterator[re.Match[str]]:
        if self.ascii_starts and case_exact(lowered):
            return self.finditer(text, lowered, pos, endpos)
        return self.pattern.finditer(text, pos, len(text) if endpos is None else endpos)

    def exact_search(self, text: str, lowered: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return next(self.exact_finditer(text, lowered, pos, endpos), None)
