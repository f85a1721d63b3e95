"""The term vocabulary: exact, prefix and typo-tolerant lookups without scanning every term.

Lookups run on the vocabulary (a few million terms at registry scale), never on the trials:
- prefix: a sorted list and bisect; a crowded range keeps its most frequent completions;
- one edit (5–7 letter words): generate the ~700 one-edit variants of the query and keep those
  in the vocabulary — no memory cost;
- two edits (8+ letters): pigeonhole — split each term of 6+ letters into three pieces; two edits
  leave one piece intact and within two places of where it was, so a few dozen probes of a
  piece → terms table give the candidates, and rapidfuzz's OSA distance (transposition = one
  edit) checks them.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from heapq import nlargest

from rapidfuzz import process
from rapidfuzz.distance import OSA

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
PREFIX_CAP = 128
"""Most completions one prefix expands to; the most frequent win."""
ONE_EDIT_MIN = 5
TWO_EDITS_MIN = 8
_PIECES_MIN = TWO_EDITS_MIN - 2


def _pieces(term: str) -> list[tuple[int, int]]:
    n = len(term)
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

    Long numbers (NCT IDs, protocol numbers) get none: one digit off is another trial.
    """
    if sum(c.isdigit() for c in word) > 4:
        return 0
    return 2 if len(word) >= TWO_EDITS_MIN else 1 if len(word) >= ONE_EDIT_MIN else 0


class Vocabulary:
    """Every indexed term with its frequency (postings summed over fields)."""

    def __init__(self, frequency: dict[str, int]):
        self.frequency = frequency
        self._sorted = sorted(frequency)
        self._pieces: dict[str, list[str]] = {}
        for term in self._sorted:
            if len(term) >= _PIECES_MIN:
                self._add_pieces(term)
        self._crowded: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self._sorted)

    def __contains__(self, term: str) -> bool:
        return term in self.frequency

    def add(self, term: str, count: int = 1) -> None:
        if term in self.frequency:
            self.frequency[term] += count
            return
        self.frequency[term] = count
        insort(self._sorted, term)
        if len(term) >= _PIECES_MIN:
            self._add_pieces(term)
        self._crowded.clear()

    def _add_pieces(self, term: str) -> None:
        n = len(term)
        for i, (start, end) in enumerate(_pieces(term)):
            key = f"{n}.{i}.{term[start:end]}"
            bucket = self._pieces.get(key)
            if bucket is None:
                self._pieces[key] = [term]
            else:
                bucket.append(term)

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
            cached = nlargest(cap, self._sorted[lo:hi], key=self.frequency.__getitem__)
            if len(self._crowded) > 4096:
                self._crowded.clear()
            self._crowded[prefix] = cached
        return cached

    def near(self, word: str) -> dict[str, int]:
        """Terms within `allowed_edits(word)` typos of `word` (itself excluded) → their distance."""
        edits = allowed_edits(word)
        if edits == 0:
            return {}
        if edits == 1:
            return dict.fromkeys(self.frequency.keys() & edits1(word), 1)
        n = len(word)
        candidates: set[str] = set()
        for length in range(max(n - 2, _PIECES_MIN), n + 3):
            for i, (start, end) in enumerate(_pieces("x" * length)):
                size = end - start
                for pos in range(max(start - 2, 0), min(start + 2, n - size) + 1):
                    bucket = self._pieces.get(f"{length}.{i}.{word[pos:pos + size]}")
                    if bucket:
                        candidates.update(bucket)
        candidates.discard(word)
        found = process.extract(word, candidates, scorer=OSA.distance, score_cutoff=2, limit=None)
        return {term: int(distance) for term, distance, _ in found}

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
                if variant in self.frequency:
                    found.append(variant)
        unique = dict.fromkeys(found)
        unique.pop(word, None)
        return nlargest(cap, unique, key=self.frequency.__getitem__)
