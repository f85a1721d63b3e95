"""The term vocabulary: exact, prefix and typo-tolerant lookups without scanning every term.

Lookups run on the vocabulary (a few million terms at registry scale), never on the trials:
- prefix: a sorted list and bisect; a crowded range keeps its most frequent completions;
- one edit (5–7 letter words): generate the ~700 one-edit variants of the query and keep those
  in the vocabulary — no memory cost;
- two edits (8+ letters): pigeonhole — split each term of 6+ letters into three pieces; two edits
  leave one piece intact and within two places of where it was. Per term length and piece, the
  term numbers sorted by that piece (three arrays, 12 bytes a term) answer each probe by binary
  search, and rapidfuzz's OSA distance (transposition = one edit) checks the candidates.
Typo answers are kept per word until a term is added: typing looks the same words up again at
every keystroke.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable
from heapq import nlargest
from operator import itemgetter

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from trialtui.search.bulk import eight_bytes

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_CAP = 128
"""Most completions one prefix expands to; the most frequent win."""
ONE_EDIT_MIN = 5
TWO_EDITS_MIN = 8
TYPO_WORD_MAX = 64
"""Longest word looked up with typos: far past any real word, and a word's one-edit variants
grow with the square of its length (12,000 letters: minutes and gigabytes)."""
_PIECES_MIN = TWO_EDITS_MIN - 2
_SAMPLE_EVERY = 128
"""`near` narrows each binary search over a piece order to one stretch this long by first
searching every this-many-th piece, kept as strings (a comparison there costs no slicing)."""
_NEAR_KEPT = 4096
_FEW_TO_SORT_AS_STRINGS = 32
"""Terms of one length that `_orders_by_piece` sorts as strings rather than with numpy."""


def _pieces(n: int) -> list[tuple[int, int]]:
    """Where a term of `n` letters is cut into its three pigeonhole pieces."""
    cuts = (0, n // 3, 2 * n // 3, n)
    return [(cuts[i], cuts[i + 1]) for i in range(3)]


def edits1(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in ALPHABET)
    out.update(a + c + b for a, b in splits for c in ALPHABET)
    out.discard(word)
    return out


def allowed_edits(word: str) -> int:
    """Typos tolerated in a query word: none below 5 letters, one up to 7, two from 8.

    Long numbers (NCT IDs, protocol numbers) get none: one digit off is another trial. Nor do
    words longer than `TYPO_WORD_MAX`.
    """
    if len(word) > TYPO_WORD_MAX or sum(c.isdigit() for c in word) > 4:
        return 0
    return 2 if len(word) >= TWO_EDITS_MIN else 1 if len(word) >= ONE_EDIT_MIN else 0


def _pick(items: list[str], at: np.ndarray) -> list[str]:
    """``items[i]`` for each i of `at`, in one C call."""
    return list(itemgetter(*at.tolist())(items)) if len(at) > 1 else [items[i] for i in at.tolist()]


def _alphabetical(terms: list[str]) -> np.ndarray:
    """Every term number in the terms' alphabetical order: sorted by numpy on each term's first
    16 UTF-8 bytes (their order is the code points' order), then the few terms that share them
    as strings. Python compares strings far slower, all the more once one term holds a
    character past U+00FF."""
    text = "\n".join(terms).encode("utf-8", "surrogatepass") + b"\n" + bytes(16)
    ends = np.flatnonzero(np.frombuffer(text, np.uint8) == ord("\n"))
    if len(ends) != len(terms):  # a term holds a line break
        return np.asarray(sorted(range(len(terms)), key=terms.__getitem__), np.int64)
    starts = np.concatenate(([0], ends[:-1] + 1))
    head = eight_bytes(text, starts, ends - starts).byteswap()  # big-endian: compared as numbers, in byte order
    tail = eight_bytes(text, starts, ends - starts, 8).byteswap()
    order = np.lexsort((tail, head))
    head, tail = head[order], tail[order]
    tied = np.concatenate(([False], (head[1:] == head[:-1]) & (tail[1:] == tail[:-1]), [False]))
    edges = np.flatnonzero(tied[1:] != tied[:-1])  # each run of terms sharing 16 bytes: first, last
    for first, last in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
        order[first:last + 1] = sorted(order[first:last + 1].tolist(), key=terms.__getitem__)
    return order.astype(np.int64)


def typo_tables(terms: list[str], lengths: np.ndarray | None = None) -> dict[int, tuple[array, array, array]]:
    """Per term length of 6+, the term numbers (places in `terms`) sorted by each of their three
    pieces: what `Vocabulary.near` searches for two typos. `lengths`: the terms' lengths, if
    known (`Vocabulary.positions` has them)."""
    if lengths is None:
        lengths = np.fromiter(map(len, terms), np.int64, len(terms))
    return {length: _orders_by_piece(terms, np.flatnonzero(lengths == length), length)
            for length in np.unique(lengths[lengths >= _PIECES_MIN]).tolist()}


def _orders_by_piece(terms: list[str], numbers: np.ndarray, length: int) -> tuple[array, array, array]:
    """`numbers` (of terms of `length` letters) in the order of each piece: a stable sort on the
    pieces' code points.

    Each character is replaced by its rank among the characters present, so that a piece and
    the term's place fit in one uint64 for a vectorised sort (a few bits a character: letters,
    digits and a few hundred others); a piece too long for that is sorted column by column.
    A few terms (long ones are few) are sorted as strings: numpy's fixed cost would dominate.
    """
    if len(numbers) <= _FEW_TO_SORT_AS_STRINGS:
        listed = numbers.tolist()
        return tuple(array("I", sorted(listed, key=lambda number, start=start, end=end: terms[number][start:end]))
                     for start, end in _pieces(length))
    text = "".join(_pick(terms, numbers))
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32).reshape(len(numbers), length)
    present = np.zeros(int(codes.max(initial=0)) + 1, bool)
    present[codes] = True
    ranks = (np.cumsum(present, dtype=np.uint64) - np.uint64(1))[codes]
    bits = max(1, int(present.sum()).bit_length())
    place_bits = max(1, (len(numbers) - 1).bit_length())
    orders = []
    for start, end in _pieces(length):
        if bits * (end - start) + place_bits > 64:
            orders.append(np.lexsort(codes[:, start:end].T[::-1]))
            continue
        key = np.zeros(len(numbers), np.uint64)
        for column in range(start, end):
            key = (key << np.uint64(bits)) | ranks[:, column]
        packed = np.sort((key << np.uint64(place_bits)) | np.arange(len(numbers), dtype=np.uint64))
        orders.append((packed & np.uint64((1 << place_bits) - 1)).astype(np.int64))
    return tuple(array("I", numbers[order].astype(np.uint32).tobytes()) for order in orders)


class _Memo:
    """What typo lookups keep between queries (each keystroke looks the same words up again):
    `near`'s answers by word, and per piece order its every `_SAMPLE_EVERY`-th piece."""

    def __init__(self) -> None:
        self.near: dict[str, dict[str, int]] = {}
        self.samples: dict[tuple[int, int], tuple[array, list[str]]] = {}


class Vocabulary:
    """Every indexed term: its number (the postings key, in order of first appearance), how many
    postings it has over all fields, and the tables for prefix and typo lookups."""

    _memo: _Memo | None = None
    """Made at the first typo lookup; dropped when a term is added."""

    def __init__(self, terms: list[str], frequency: array,
                 tables: Callable[[np.ndarray], dict[int, tuple[array, array, array]]] | None = None,
                 ids: dict[str, int] | None = None):
        """`tables` gives the terms' typo tables from their lengths (`typo_tables`: a build
        makes them all at once) and is asked for last; without it, the tables of each length are
        made at its first lookup. `ids` (term → number) is made here unless given."""
        self.terms = terms
        """Number → term."""
        self.ids = dict(zip(terms, range(len(terms)), strict=True)) if ids is None else ids
        self.frequency = frequency
        self._alphabetical: np.ndarray | None = _alphabetical(terms)
        self._sorted = _pick(self.terms, self._alphabetical)
        self._crowded: dict[str, list[str]] = {}
        self._positions: tuple[np.ndarray, np.ndarray] | None = None
        """See `positions` (None: not made, or stale after `number`)."""
        self._by_piece: dict[int, tuple[array, array, array]] = {}
        if tables:  # the positions now rather than at the first query
            self._by_piece = tables(self.positions()[1])

    @classmethod
    def restore(cls, terms: list[str], frequency: array, alphabetical: np.ndarray,
                by_piece: dict[int, tuple[array, array, array]]) -> Vocabulary:
        """A vocabulary from its stored parts (`SearchIndex.from_arrays`): no sorting, no typo tables to make."""
        vocab = cls.__new__(cls)
        vocab.terms = terms
        vocab.ids = dict(zip(terms, range(len(terms)), strict=True))
        vocab.frequency = frequency
        vocab._alphabetical = np.asarray(alphabetical, np.int64)
        vocab._sorted = _pick(terms, alphabetical)
        vocab._by_piece = by_piece
        vocab._positions = None
        vocab._crowded = {}
        return vocab

    def alphabetical(self) -> np.ndarray:
        """Every term number, in the terms' alphabetical order."""
        if self._alphabetical is None:
            self._alphabetical = np.fromiter(map(self.ids.__getitem__, self._sorted), np.int64, len(self._sorted))
        return self._alphabetical

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Per term number: its place in alphabetical order and its length, so that "starts
        with p" is a range test (`prefix_range`) over many term numbers at once."""
        if self._positions is None:
            rank = np.empty(len(self.terms), np.int64)
            rank[self.alphabetical()] = np.arange(len(self.terms))
            self._positions = rank, np.fromiter(map(len, self.terms), np.int64, len(self.terms))
        return self._positions

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """The alphabetical places of the terms that start with `prefix` (itself included)."""
        lo = bisect_left(self._sorted, prefix)
        return lo, bisect_left(self._sorted, prefix + "\U0010ffff", lo)

    def _piece_orders(self, length: int) -> tuple[array, ...]:
        """The term numbers of one length (6+) sorted by each of their three pieces (made on
        first use if the build did not make them, or after terms were added)."""
        orders = self._by_piece.get(length)
        if orders is not None:
            return orders
        if length < _PIECES_MIN:
            return ()
        numbers = np.asarray([number for number, term in enumerate(self.terms) if len(term) == length], np.int64)
        orders = self._by_piece[length] = _orders_by_piece(self.terms, numbers, length)
        return orders

    def __len__(self) -> int:
        return len(self.terms)

    def __contains__(self, term: str) -> bool:
        return term in self.ids

    def number(self, term: str) -> int:
        """The term's number, adding it (with no postings counted yet) if it is new."""
        self.extend((term,))
        return self.ids[term]

    def extend(self, terms: Iterable[str]) -> None:
        """Add every new term of `terms` (with no postings counted yet). The alphabetical list
        takes them in one sort (merging two runs), and the alphabetical order and places of the
        terms (`alphabetical`, `positions`) are updated, not made again from every term."""
        new = sorted(term for term in dict.fromkeys(terms) if term not in self.ids)
        if not new:
            return
        first = len(self.terms)
        numbers = np.arange(first, first + len(new), dtype=np.int64)
        if self._alphabetical is not None:  # each new term goes before the first old one after it
            places = [bisect_left(self._sorted, term) for term in new]
            self._alphabetical = np.insert(self._alphabetical, places, numbers)
        if self._positions is not None and self._alphabetical is not None:
            rank = np.empty(first + len(new), np.int64)
            rank[self._alphabetical] = np.arange(first + len(new))
            lengths = np.concatenate((self._positions[1], np.fromiter(map(len, new), np.int64, len(new))))
            self._positions = rank, lengths
        else:
            self._positions = None
        self.ids.update(zip(new, range(first, first + len(new)), strict=True))
        self.terms.extend(new)
        self.frequency.extend(array("I", bytes(4 * len(new))))
        self._sorted.extend(new)
        self._sorted.sort()
        for number, term in enumerate(new, first):
            # no tables for this length yet: nothing to update (they are made with this term at first use)
            for order, (start, end) in zip(self._by_piece.get(len(term), ()), _pieces(len(term)), strict=False):
                insort(order, number, key=self._piece_key(start, end))
        self._crowded.clear()
        self._memo = None

    def kept(self, held: np.ndarray, new_number: np.ndarray, frequency: np.ndarray) -> Vocabulary:
        """This vocabulary with only the `held` terms, term n numbered ``new_number[n]`` (the
        order kept), each with its new `frequency`: no sorting, the typo tables filtered."""
        alphabetical = self.alphabetical()
        by_piece = {}
        for length, orders in self._by_piece.items():
            filtered = [np.frombuffer(order, np.uint32) for order in orders]
            by_piece[length] = tuple(array("I", new_number[order[held[order]]].astype(np.uint32).tobytes())
                                     for order in filtered)
        return Vocabulary.restore(_pick(self.terms, np.flatnonzero(held)), array("I", frequency.astype(np.uint32).tobytes()),
                                  new_number[alphabetical[held[alphabetical]]], by_piece)

    def _piece_key(self, start: int, end: int):
        terms = self.terms
        return lambda number: terms[number][start:end]

    def count(self, term: str) -> int:
        return self.frequency[self.ids[term]]

    def completions(self, prefix: str, cap: int = PREFIX_CAP) -> list[str]:
        """Terms that start with `prefix` (itself excluded), the `cap` most frequent."""
        lo = bisect_left(self._sorted, prefix)
        hi = bisect_left(self._sorted, prefix + "\U0010ffff", lo)
        if self._sorted[lo:lo + 1] == [prefix]:
            lo += 1
        if hi - lo <= cap:
            return self._sorted[lo:hi]
        cached = self._crowded.get(prefix)
        if cached is None:
            counts = np.frombuffer(self.frequency, np.uint32)[self.alphabetical()[lo:hi]].astype(np.int64)
            kth = np.partition(counts, len(counts) - cap)[len(counts) - cap]
            top = np.concatenate((np.flatnonzero(counts > kth), np.flatnonzero(counts == kth)))
            top = top[np.lexsort((top, -counts[top]))][:cap]  # most frequent first, then A-Z (as nlargest)
            cached = [self._sorted[lo + at] for at in top.tolist()]
            if len(self._crowded) > 4096:
                self._crowded.clear()
            self._crowded[prefix] = cached
        return cached

    def near(self, word: str) -> dict[str, int]:
        """Terms within `allowed_edits(word)` typos of `word` (itself excluded) → their distance
        (remembered: do not change the answer)."""
        kept = self._kept().near
        found = kept.get(word)
        if found is None:
            if len(kept) >= _NEAR_KEPT:
                kept.clear()
            found = kept[word] = self._near(word)
        return found

    def one_edit(self, word: str) -> list[str]:
        """Terms one typo away from `word` whatever its length, for a short word that matched
        nothing as typed ("brin", "vdeo"): `near` leaves words under five letters exact. None
        for a word longer than `TYPO_WORD_MAX`."""
        return sorted(self.ids.keys() & edits1(word)) if len(word) <= TYPO_WORD_MAX else []

    def _kept(self) -> _Memo:
        if self._memo is None:
            self._memo = _Memo()
        return self._memo

    def _near(self, word: str) -> dict[str, int]:
        edits = allowed_edits(word)
        if edits == 0:
            return {}
        if edits == 1:
            return dict.fromkeys(self.ids.keys() & edits1(word), 1)
        n = len(word)
        numbers: set[int] = set()
        for length in range(max(n - 2, _PIECES_MIN), n + 3):
            for piece, (order, (start, end)) in enumerate(zip(self._piece_orders(length), _pieces(length), strict=True)):
                size = end - start
                key = self._piece_key(start, end)
                samples = self._samples(length, piece, order, key)
                for pos in range(max(start - 2, 0), min(start + 2, n - size) + 1):
                    probe = word[pos:pos + size]
                    block = bisect_left(samples, probe)  # the first piece >= probe is past sample block - 1
                    lo = bisect_left(order, probe, max(0, (block - 1) * _SAMPLE_EVERY),
                                     min(len(order), block * _SAMPLE_EVERY), key=key)
                    if lo < len(order) and key(order[lo]) == probe:
                        block = bisect_right(samples, probe, block)
                        hi = bisect_right(order, probe, lo + 1, min(len(order), block * _SAMPLE_EVERY), key=key)
                        numbers.update(order[lo:hi])
        numbers.discard(self.ids.get(word))
        found = process.extract(word, list(map(self.terms.__getitem__, numbers)), scorer=OSA.distance,
                                score_cutoff=2, limit=None)
        return {term: int(distance) for term, distance, _ in found}

    def _samples(self, length: int, piece: int, order: array, key) -> list[str]:
        """Every `_SAMPLE_EVERY`-th piece of `order` (the terms of one length by one piece)."""
        samples = self._kept().samples
        kept = samples.get((length, piece))
        if kept is None or kept[0] is not order:
            kept = samples[length, piece] = (order, list(map(key, order[::_SAMPLE_EVERY])))
        return kept[1]

    def near_completions(self, word: str, cap: int = PREFIX_CAP) -> list[str]:
        """Terms starting with a one-typo variant of `word`: a half-typed word with a slip."""
        if len(word) < ONE_EDIT_MIN - 1 or not allowed_edits(word):
            return []
        found: list[str] = []
        for variant in edits1(word):
            if len(variant) < ONE_EDIT_MIN - 1:
                continue
            at = bisect_left(self._sorted, variant)
            if at < len(self._sorted) and self._sorted[at].startswith(variant):
                found.extend(self.completions(variant, cap=8))
                if variant in self.ids:
                    found.append(variant)
        unique = dict.fromkeys(found)
        unique.pop(word, None)
        return nlargest(cap, unique, key=self.count)
