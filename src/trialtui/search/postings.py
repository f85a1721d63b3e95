"""One searched field's postings both ways, as numpy arrays: term → trials and trial → terms.

Built in bulk from (trial, term) pairs (see `bulk`): sorted, de-duplicated and cut into CSR arrays,
a few bytes a posting at registry scale instead of a Python object per list. Trials added after
the build (an import, a fetch) go into small Python overlays; their numbers are higher than every
built trial's, so a term's trials stay in increasing order.
"""

from __future__ import annotations

import numpy as np

from trialtui.search.bulk import sorted_unique

_LOW = (1 << 32) - 1
_NO_TERMS = np.zeros(0, np.uint32)


class FieldPostings:
    """Term number → trial numbers (ascending), and trial number → its term numbers."""

    __slots__ = ("_terms", "_starts", "_docs", "_doc_starts", "_doc_terms", "_added", "_added_terms")

    def __init__(self) -> None:
        self._terms = np.zeros(0, np.int64)
        """The field's term numbers, ascending; `_starts[i]` is where term i's trials begin in `_docs`."""
        self._starts = np.zeros(1, np.int64)
        self._docs = np.zeros(0, np.int32)
        self._doc_starts = np.zeros(1, np.int64)
        """Per built trial, where its term numbers begin in `_doc_terms`."""
        self._doc_terms = _NO_TERMS
        self._added: dict[int, list[int]] = {}
        self._added_terms: dict[int, tuple[int, ...]] = {}

    ARRAYS = ("terms", "starts", "docs", "doc_starts", "doc_terms")
    """What `arrays` gives and `from_arrays` takes: the built part, which is all a saved index holds."""

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, "_" + name) for name in self.ARRAYS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> FieldPostings:
        field = cls()
        for name in cls.ARRAYS:
            setattr(field, "_" + name, arrays[name])
        return field

    def has_overlay(self) -> bool:
        """Whether trials were posted or forgotten since the build."""
        return bool(self._added or self._added_terms)

    @classmethod
    def build(cls, docs: np.ndarray, terms: np.ndarray, size: int) -> FieldPostings:
        """From every (trial, term) pair of `size` trials, in any order, repeats allowed."""
        field = cls()
        by_term = sorted_unique((terms.astype(np.int64) << 32) | docs)
        del docs, terms
        term_of = by_term >> 32
        cuts = np.flatnonzero(term_of[1:] != term_of[:-1]) + 1
        field._terms = term_of[np.concatenate(([0], cuts))] if len(term_of) else term_of
        field._starts = np.concatenate(([0], cuts, [len(term_of)]))
        field._docs = (by_term & _LOW).astype(np.int32)
        del term_of
        by_doc = np.sort((field._docs.astype(np.int64) << 32) | (by_term >> 32))
        del by_term
        field._doc_starts = np.searchsorted(by_doc >> 32, np.arange(size + 1))
        field._doc_terms = (by_doc & _LOW).astype(np.uint32)
        return field

    def frequency(self, size: int) -> np.ndarray:
        """Trials per term number (built trials only), `size` entries."""
        return np.bincount(np.repeat(self._terms, np.diff(self._starts)), minlength=size)[:size]

    def docs(self, term: int) -> np.ndarray | None:
        """The trials holding `term` in this field, ascending; None if none."""
        at = int(np.searchsorted(self._terms, term))
        built = None
        if at < len(self._terms) and self._terms[at] == term:
            built = self._docs[self._starts[at]:self._starts[at + 1]]
        added = self._added.get(term)
        if added is None:
            return built
        extra = np.asarray(added, np.int32)
        return extra if built is None else np.concatenate((built, extra))

    def present(self, numbers: np.ndarray) -> np.ndarray:
        """Which of `numbers` (term numbers) this field holds at all."""
        at = np.minimum(np.searchsorted(self._terms, numbers), max(len(self._terms) - 1, 0))
        found = self._terms[at] == numbers if len(self._terms) else np.zeros(len(numbers), bool)
        if self._added:
            found |= np.fromiter((int(n) in self._added for n in numbers), bool, len(numbers))
        return found

    def terms_of(self, doc: int) -> np.ndarray:
        """The term numbers of one trial in this field (uint32)."""
        added = self._added_terms.get(doc)
        if added is not None:
            return np.asarray(added, np.uint32)
        if doc + 1 < len(self._doc_starts):
            return self._doc_terms[self._doc_starts[doc]:self._doc_starts[doc + 1]]
        return _NO_TERMS

    def add(self, doc: int, numbers) -> None:
        """Post a trial indexed after the build (its number is higher than any built trial's)."""
        self._added_terms[doc] = tuple(numbers)
        for term in numbers:
            self._added.setdefault(term, []).append(doc)

    def forget(self, doc: int) -> None:
        """A removed trial holds no terms any more (its postings stay: the index masks it out)."""
        self._added_terms[doc] = ()
