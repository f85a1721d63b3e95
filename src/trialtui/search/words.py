"""One query word resolved against the vocabulary: every term it may stand for, and how much each
is worth, both by term number (to score trials' values at once, see `scoring`) and by text (to
find what to highlight)."""

from __future__ import annotations

import numpy as np

from trialtui.search.query import QueryTerm
from trialtui.search.ranking import Kind, term_score, term_score_parts
from trialtui.search.vocab import Vocabulary

_SPLIT_SHARE = 0.97
"""A word typed as two indexed words run together ("sunyat") is worth a little less than exact."""
_UNLISTED_CAP = 512
"""Completions left out of the alternatives past which their trials are not looked up."""


class QueryWord:
    """A query word and the terms it may stand for (exact, completions, typos, two halves)."""

    __slots__ = ("query", "fields", "alternatives", "numbers", "splits", "split_numbers", "prefix",
                 "sources", "cost", "position", "unlisted", "_sorted", "_base", "_per_weight",
                 "_completions")

    def __init__(self, query: QueryTerm, fields: tuple[int, ...], position: int):
        self.query = query
        self.position = position
        self.fields = fields
        self.alternatives: dict[str, tuple[Kind, float]] = {}
        self.numbers: dict[int, tuple[Kind, float]] = {}
        """`alternatives` by term number."""
        self.splits: list[tuple[str, str]] = []
        self.split_numbers: list[tuple[int, int]] = []
        self.prefix = False
        self.sources: list[tuple[float, np.ndarray, int, int]] = []
        """(score, trials, field number, term number or -1 for a split), best first."""
        self.cost = 0
        self.unlisted: np.ndarray | None = np.zeros(0, np.int64)
        """Completions of a word being typed that its alternatives leave out (past the cap), as
        ascending term numbers: its `sources` do not show the trials holding them. None if there
        are too many to look them up (a word of one or two letters): it may match anywhere."""
        self._sorted = np.zeros(0, np.int64)
        self._base = self._per_weight = np.zeros(0)
        self._completions = (0, 0)

    def offer(self, term: str, kind: Kind, closeness: float = 1.0) -> None:
        known = self.alternatives.get(term)
        if known is None or (kind, -closeness) < (known[0], -known[1]):
            self.alternatives[term] = (kind, closeness)

    def number(self, vocab: Vocabulary) -> None:
        """Turn the alternatives into term numbers and score arrays once all are offered."""
        ids = vocab.ids
        self.numbers = {ids[term]: how for term, how in self.alternatives.items()}
        self.split_numbers = [(ids[first], ids[second]) for first, second in self.splits]
        order = sorted(self.numbers)
        self._sorted = np.asarray(order, np.int64)
        parts = [term_score_parts(*self.numbers[number]) for number in order]
        self._base = np.asarray([base for base, _ in parts])
        self._per_weight = np.asarray([per_weight for _, per_weight in parts])
        if self.prefix:
            low, high = self._completions = vocab.prefix_range(self.query.text)
            if high - low > len(self._sorted) + _UNLISTED_CAP:
                self.unlisted = None
            else:
                completions = np.sort(vocab.alphabetical()[low:high])
                at = np.minimum(np.searchsorted(self._sorted, completions), max(0, len(self._sorted) - 1))
                self.unlisted = completions[self._sorted[at] != completions] if len(self._sorted) else completions

    def worth(self, terms: np.ndarray, positions: tuple[np.ndarray, np.ndarray], parts: np.ndarray) -> None:
        """Write into `parts` (four rows over `terms`, ascending term numbers, zeros to start with)
        what each term is worth for this word, as score parts ``(base, per_weight)`` (see
        `term_score_parts`): as an alternative, then as any completion of a word being typed
        (past the alternatives' cap too). In a field of weight w a term is worth the larger of
        the two ``base + per_weight * w``."""
        if len(self._sorted):
            at = np.searchsorted(terms, self._sorted)
            parts[0, at], parts[1, at] = self._base, self._per_weight
        low, high = self._completions
        if high > low:
            rank, length = positions
            typed = len(self.query.text)
            completes = np.flatnonzero((rank[terms] >= low) & (rank[terms] < high) & (length[terms] > typed))
            parts[2, completes], parts[3, completes] = term_score_parts(Kind.PREFIX, typed / length[terms[completes]])

    def term_numbers(self) -> np.ndarray:
        """The term numbers this word stands for (its alternatives and its two halves)."""
        halves = [number for pair in self.split_numbers for number in pair]
        return np.concatenate((self._sorted, np.asarray(halves, np.int64))) if halves else self._sorted

    def completion_ranks(self) -> tuple[int, int]:
        """The alphabetical places of the terms completing a word being typed (empty if not)."""
        return self._completions

    def split_score(self, weight):
        """Worth of the two halves in one value (`weight` may be an array)."""
        return _SPLIT_SHARE * term_score(Kind.EXACT, weight)

    def stands_for(self, token: str) -> bool:
        """Whether `score` gives `token` anything, without scoring it (highlighting asks of every word)."""
        if token in self.alternatives:
            return True
        text = self.query.text
        return ((self.prefix and len(token) > len(text) and token.startswith(text))
                or bool(self.splits) and any(token == first + second for first, second in self.splits))

    def score(self, token: str, weight: float) -> float:
        """What `token` (a folded word or glued run) is worth for this word in a field, 0 if nothing."""
        found = self.alternatives.get(token)
        if found is not None:
            return term_score(found[0], weight, found[1])
        text = self.query.text
        if self.prefix and len(token) > len(text) and token.startswith(text):
            return term_score(Kind.PREFIX, weight, len(text) / len(token))
        if self.splits and any(token == first + second for first, second in self.splits):
            return self.split_score(weight)
        return 0.0
