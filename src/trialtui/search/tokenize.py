"""Tokenising one field of many trials at once: its values turned into term numbers in compiled
loops (`compiled`), for a registry-size build.

A batch of values becomes one UTF-8 byte string (folded and translated in C: `bytes.translate`);
`compiled.tokenize_batch` numbers each value by its hash and each new value's terms in a
`TermTable`. The terms of a value are exactly those of `normalize.terms`, its word count that of
`normalize.words` (a test holds them together).

Values are told apart by a 64-bit hash of their translated bytes, not compared: two of a
field's two million distinct values share one with odds of about 1 in 10 million per registry
build (the later would be indexed with the earlier's terms), and comparing every value with the
first of its hash would read the field's text a second time. Values that differ only in case or
punctuation are one value: they have the same terms and word count.

Imported by a build only: numba takes a third of a second to import.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from trialtui.search import compiled
from trialtui.search.bulk import FieldValues
from trialtui.search.normalize import STOPWORDS, fold

_BYTE_TABLE = bytes(
    byte if byte >= 0x80 or byte in b"-/.'_+" or byte == compiled.SEPARATOR or chr(byte).isalnum() else 0x20
    for byte in range(256)
).lower()
"""ASCII letters and digits lower-cased, joiners, the separator and UTF-8 bytes kept, the rest a
space. After `fold`, every non-ASCII character left is a letter or digit."""
_SEPARATOR = " " + chr(compiled.SEPARATOR) + " "
_BATCH = 1 << 18
"""Values tokenised together: a few megabytes of text for most fields."""


def _grown(array: np.ndarray, size: int) -> np.ndarray:
    """`array` with room for `size` rows (at least doubled when it grows)."""
    if len(array) >= size:
        return array
    grown = np.zeros((max(size, 2 * len(array)), *array.shape[1:]), array.dtype)
    grown[:len(array)] = array
    return grown


def _slots_for(slots: np.ndarray, count: int) -> np.ndarray:
    """Hash slots at most half full with `count` entries."""
    if count * 2 <= len(slots):
        return slots
    grown = np.zeros((1 << (count * 2).bit_length(), 2), np.uint64)
    compiled.spread(slots, grown)
    return grown


class TermTable:
    """Every term met by a build, numbered in order of first sight: the stopwords first (never
    given out as term numbers: the numbers handed out are less their count).

    With `keep_strings`, the terms are also kept as Python strings and a dictionary (what the
    vocabulary needs), brought up to date after each field: two million of them take a second
    or so, which a parallel build then spends while the other process still works.
    """

    def __init__(self, keep_strings: bool = False) -> None:
        self._keep_strings = keep_strings
        self._strings: list[str] = []
        self._ids: dict[str, int] = {}
        self.slots = np.zeros((1 << 16, 2), np.uint64)
        self.entries = np.zeros((1 << 15, 2), np.int64)
        """Per term, where its bytes start in `arena` and how many there are."""
        self.arena = np.zeros(1 << 18, np.uint8)
        self.state = np.zeros(2, np.int64)
        """The number of terms, and the bytes of `arena` in use."""
        self._skipped = 0
        self.number(sorted(STOPWORDS))
        self._skipped = len(STOPWORDS)

    def __len__(self) -> int:
        return int(self.state[0]) - self._skipped

    def make_room(self, terms: int, size: int) -> None:
        """Room for `terms` more terms of `size` bytes in all."""
        count = int(self.state[0]) + terms
        self.slots = _slots_for(self.slots, count)
        self.entries = _grown(self.entries, count + 1)
        self.arena = _grown(self.arena, int(self.state[1]) + size)

    def number(self, terms: list[str]) -> np.ndarray:
        """The number of each of `terms` (words without spaces), numbering new ones."""
        text = np.frombuffer(" ".join(terms).encode(), np.uint8)
        self.make_room(len(terms), len(text))
        numbers = np.empty(len(terms), np.int64)
        compiled.number_words(text, self.slots, self.entries, self.arena, self.state, numbers)
        return numbers - self._skipped

    def packed(self) -> tuple[np.ndarray, np.ndarray]:
        """The terms as two arrays (entries, then bytes), to hand to another process."""
        return self.entries[:int(self.state[0])].copy(), self.arena[:int(self.state[1])].copy()

    def number_packed(self, entries: np.ndarray, arena: np.ndarray) -> np.ndarray:
        """The number here of each term of another table (from `packed`), numbering new ones."""
        self.make_room(len(entries), len(arena))
        numbers = np.empty(len(entries) - self._skipped, np.int64)
        compiled.number_entries(entries, arena, self._skipped, self.slots, self.entries, self.arena, self.state, numbers)
        return numbers - self._skipped

    def terms(self) -> tuple[list[str], dict[str, int]]:
        """Every term in number order, and term → number."""
        self._catch_up()
        return self._strings, self._ids

    def alphabetical(self) -> np.ndarray:
        """Every term number in the terms' alphabetical order (as `sorted`), from the bytes held
        here, sorted by a compiled loop (`compiled.alphabetical`) that releases the GIL."""
        return compiled.alphabetical(self.entries, self.arena, self._skipped, int(self.state[0]))

    def _catch_up(self) -> None:
        """Add the terms numbered since the last call to `_strings` and `_ids`."""
        first = len(self._strings) + self._skipped
        text = compiled.joined_terms(self.entries, self.arena, first, int(self.state[0]))
        added = text.tobytes().decode().split("\n")[:-1]
        self._ids.update(zip(added, range(len(self._strings), len(self._strings) + len(added)), strict=True))
        self._strings += added

    def field_values(self, per_doc: Sequence[Sequence[str]]) -> FieldValues:
        """One field of many trials from each trial's values, numbering its terms here. Values
        are tokenised once however many trials share them (sites, cities, sponsors repeat)."""
        counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
        flat = list(chain.from_iterable(per_doc))
        value_slots = np.zeros((1 << 12, 2), np.uint64)
        value_state = np.zeros(1, np.int64)
        numbers = np.empty(len(flat), np.int32)
        value_starts = np.zeros(1 << 12, np.int64)
        value_terms = np.zeros(1 << 14, np.int32)
        value_words = np.zeros(1 << 12, np.int64)
        done = 0
        folded: dict[str, str] = {}
        for first in range(0, len(flat), _BATCH):
            raw = _batch_text(flat[first:first + _BATCH], folded)
            text = np.frombuffer(raw, np.uint8)
            glued = np.empty(len(text), np.uint8)
            position = 0
            while position <= len(text):
                position, done = compiled.tokenize_batch(
                    text, position, done, value_slots, value_state, self.slots, self.entries, self.arena,
                    self.state, self._skipped, numbers, value_starts, value_terms, value_words, glued)
                if position <= len(text):  # room for the next value, at least
                    end = raw.find(_SEPARATOR[1].encode(), position)
                    room = (len(raw) if end < 0 else end) - position + 1
                    count = int(value_state[0])
                    value_slots = _slots_for(value_slots, count + 1)
                    value_starts = _grown(value_starts, count + 2)
                    value_words = _grown(value_words, count + 2)
                    value_terms = _grown(value_terms, int(value_starts[count]) + room)
                    self.make_room(room, 2 * room)
        if self._keep_strings:
            self._catch_up()
        count = int(value_state[0])
        return FieldValues(np.concatenate(([0], np.cumsum(counts))), numbers, value_starts[:count + 1].copy(),
                           value_terms[:value_starts[count]].copy(), value_words[:count].copy())


def _batch_text(batch: list[str], folded: dict[str, str]) -> bytes:
    """The values of `batch` folded and translated (`_BYTE_TABLE`), between separators, with a
    space at each end. Only non-ASCII values need `fold` (the table lower-cases ASCII); a
    field's are remembered in `folded`, as most repeat (folding a whole batch in one string
    takes several times as long)."""
    batch = list(batch)
    for at in np.flatnonzero(~np.fromiter(map(str.isascii, batch), bool, len(batch))).tolist():
        value = batch[at]
        batch[at] = folded.get(value) or folded.setdefault(value, fold(value))
    joined = _SEPARATOR.join(batch)
    if joined.count(_SEPARATOR[1]) != len(batch) - 1:  # a value holds the separator itself
        joined = _SEPARATOR.join(value.replace(_SEPARATOR[1], " ") for value in batch)
    return (" " + joined + " ").encode().translate(_BYTE_TABLE)
