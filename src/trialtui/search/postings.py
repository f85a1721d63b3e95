"""One searched field as numpy arrays: term → trials, and trial → its values → their terms.

Built in bulk (see `tokenize`): each trial's terms transposed into each term's trials (numpy
sorts of (term, trial) pairs), CSR arrays of a few bytes a posting at registry scale instead of
a Python object per list; and each trial's values kept as numbers of distinct values
with their term numbers and word counts, so a candidate can be scored value by value (words
together in one site name, a name typed whole) without reading its text. Trials added after the
build (an import, a fetch) go into small Python overlays; their numbers are higher than every
built trial's, so a term's trials stay in increasing order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np

from trialtui.search.bulk import FieldValues, _ranges, sorted_unique

_NONE = np.zeros(0, np.int64)
_PAIRS = 1 << 23
"""(term, trial) pairs made at a time by a build: the arrays of a chunk of trials stay small."""
_DISTINCT_OVER = 64
"""A window of fewer values keeps repeats apart: finding them would cost more than reading them."""


@dataclass(frozen=True, slots=True)
class Window:
    """Some trials' values in one field, for scoring them all at once: each distinct value's terms
    once, however many of the trials list it (trials share sites, cities, sponsors)."""

    value_docs: np.ndarray
    """Per value of each trial, trial by trial: the trial's place among those asked for."""
    distinct: np.ndarray
    """Per value of each trial: its place among the distinct values."""
    term_counts: np.ndarray
    """Per distinct value: how many term numbers it has."""
    terms: np.ndarray
    """Every distinct value's term numbers, value by value."""
    words: np.ndarray
    """Per distinct value: how many words it holds."""


class FieldPostings:
    """Term number → trial numbers (ascending); trial number → its values' term numbers."""

    __slots__ = ("_terms", "_starts", "_docs", "_doc_starts", "_values", "_value_starts",
                 "_value_terms", "_value_words", "_added", "_added_values")

    ARRAYS = ("terms", "starts", "docs", "doc_starts", "values", "value_starts", "value_terms", "value_words")
    """What `arrays` gives and `from_arrays` takes: the built part, which is all a stored base holds."""

    def __init__(self) -> None:
        self._terms = _NONE
        """The field's term numbers, ascending; `_starts[i]` is where term i's trials begin in `_docs`."""
        self._starts = np.zeros(1, np.int64)
        self._docs = np.zeros(0, np.int32)
        self._doc_starts = np.zeros(1, np.int64)
        """Per built trial, where its values begin in `_values` (numbers of distinct values)."""
        self._values = np.zeros(0, np.int32)
        self._value_starts = np.zeros(1, np.int64)
        """Per distinct value, where its term numbers begin in `_value_terms`."""
        self._value_terms = np.zeros(0, np.int32)
        """int32 like `_values` and `_docs`: tens of millions of entries at registry scale."""
        self._value_words = _NONE
        self._added: dict[int, list[int]] = {}
        self._added_values: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        """Trials posted after the build: per value, its term numbers and word count."""

    @classmethod
    def build(cls, values: FieldValues, size: int) -> FieldPostings:
        """From one field's values of `size` trials (see `bulk.FieldValues`): term → trials is
        the transpose of trial → values → terms (`_transposed`)."""
        field = cls()
        field._terms, field._starts, field._docs = _transposed(values)
        field._doc_starts = values.doc_starts
        field._values = values.values.astype(np.int32)
        field._value_starts = values.value_starts
        field._value_terms = values.value_terms.astype(np.int32)
        field._value_words = values.value_words
        return field

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, "_" + name) for name in self.ARRAYS}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> FieldPostings:
        field = cls()
        for name in cls.ARRAYS:
            setattr(field, "_" + name, arrays[name])
        return field

    def compacted(self, new_doc: np.ndarray, alive: np.ndarray) -> FieldPostings:
        """This field with the trials posted since the build merged into its arrays, without
        tokenising anything again: the `alive` trials only, trial t numbered ``new_doc[t]`` (the
        live ones numbered 0, 1, ... in any order)."""
        # Trial → values: where each trial's values are, built ones as they are, each later
        # trial's values added as new distinct values; then read in the new order, and only
        # the values some live trial lists kept, renumbered.
        built = len(self._doc_starts) - 1
        overlaid = np.zeros(len(alive), bool)
        overlaid[list(self._added_values)] = True
        starts, counts = np.zeros(len(alive), np.int64), np.zeros(len(alive), np.int64)
        as_built = np.flatnonzero(~overlaid[:built])
        starts[as_built] = self._doc_starts[as_built]
        counts[as_built] = self._doc_starts[as_built + 1] - self._doc_starts[as_built]
        distinct: dict[tuple[tuple[int, ...], int], int] = {}
        extra: list[int] = []
        for doc in np.flatnonzero(alive & overlaid).tolist():
            listed = self._added_values[doc]
            starts[doc], counts[doc] = len(self._values) + len(extra), len(listed)
            extra.extend(distinct.setdefault(value, len(self._value_words) + len(distinct)) for value in listed)
        value_terms, term_counts = self._value_terms.astype(np.int64), np.diff(self._value_starts)
        value_words = self._value_words
        if distinct:
            value_terms = np.concatenate((value_terms, np.fromiter(
                chain.from_iterable(terms for terms, _ in distinct), np.int64)))
            term_counts = np.concatenate((term_counts, np.fromiter(
                (len(terms) for terms, _ in distinct), np.int64, len(distinct))))
            value_words = np.concatenate((value_words, np.fromiter(
                (words for _, words in distinct), np.int64, len(distinct))))
        live = np.flatnonzero(alive)
        order = live[np.argsort(new_doc[live], kind="stable")]
        every = np.concatenate((self._values.astype(np.int64), np.asarray(extra, np.int64)))
        values = every[_ranges(starts[order], counts[order])]
        used = np.zeros(len(value_words), bool)
        used[values] = True
        used_values = np.flatnonzero(used)
        value_starts = np.concatenate(([0], np.cumsum(term_counts)))
        field = FieldPostings()
        field._doc_starts = np.concatenate(([0], np.cumsum(counts[order])))
        field._values = (np.cumsum(used) - 1)[values].astype(np.int32)
        field._value_terms = value_terms[_ranges(value_starts[used_values], term_counts[used_values])
                                         ].astype(np.int32)
        field._value_starts = np.concatenate(([0], np.cumsum(term_counts[used_values])))
        field._value_words = value_words[used_values]
        # Term → trials: the postings of live trials, built and later, sorted by (term, trial).
        pairs = [(term, doc) for term, listed in self._added.items() for doc in listed if alive[doc]]
        added_terms = np.fromiter((term for term, _ in pairs), np.int64, len(pairs))
        added_docs = np.fromiter((doc for _, doc in pairs), np.int64, len(pairs))
        terms = np.union1d(self._terms, added_terms)
        keep = alive[self._docs]
        ranks = np.repeat(np.searchsorted(terms, self._terms), np.diff(self._starts))[keep]
        keys = np.concatenate(((ranks << 32) | new_doc[self._docs[keep]],
                               (np.searchsorted(terms, added_terms) << 32) | new_doc[added_docs]))
        del ranks, keep
        keys.sort()
        per_term = np.bincount(keys >> 32, minlength=len(terms))
        held = per_term > 0
        field._terms = terms[held]
        field._starts = np.concatenate(([0], np.cumsum(per_term[held])))
        field._docs = (keys & 0xFFFFFFFF).astype(np.int32)
        return field

    def terms_dropped(self, new_term: np.ndarray) -> FieldPostings:
        """This field with term n numbered ``new_term[n]``, for a numbering that keeps the order
        (terms no trial holds any more left out of the vocabulary): nothing moves."""
        field = FieldPostings.from_arrays(self.arrays())
        field._terms = new_term[self._terms]
        field._value_terms = new_term[self._value_terms].astype(np.int32)
        return field

    def check(self, trials: int, terms: int) -> None:
        """Raise ValueError unless these arrays (read back from storage) fit together, for
        `trials` trials and `terms` terms: a damaged copy must never answer a query."""
        def ends_at(starts: np.ndarray, size: int, what: str) -> None:
            if len(starts) == 0 or starts[0] != 0 or starts[-1] != size or (starts[1:] < starts[:-1]).any():
                raise ValueError(f"{what} do not fit")

        def below(numbers: np.ndarray, limit: int, what: str) -> None:
            # One pass: read as unsigned, a negative number is larger than any limit.
            unsigned = numbers.view(np.dtype(f"u{numbers.dtype.itemsize}"))
            if len(numbers) and int(unsigned.max()) >= limit:
                raise ValueError(f"{what} out of range")

        if len(self._starts) != len(self._terms) + 1 or len(self._doc_starts) != trials + 1:
            raise ValueError("postings of another size")
        if len(self._value_words) != len(self._value_starts) - 1:
            raise ValueError("values of another size")
        ends_at(self._starts, len(self._docs), "postings")
        ends_at(self._doc_starts, len(self._values), "trial values")
        ends_at(self._value_starts, len(self._value_terms), "value terms")
        below(self._docs, trials, "postings")
        below(self._terms, terms, "terms")
        below(self._value_terms, terms, "value terms")
        below(self._values, len(self._value_words), "values")
        if (self._terms[1:] <= self._terms[:-1]).any():
            raise ValueError("terms out of order")

    def value_counts(self, docs: np.ndarray) -> np.ndarray:
        """How many values each of `docs` has here (built trials; later ones count none)."""
        built = docs < len(self._doc_starts) - 1
        counts = np.zeros(len(docs), np.int64)
        counts[built] = self._doc_starts[docs[built] + 1] - self._doc_starts[docs[built]]
        return counts

    def has_overlay(self) -> bool:
        """Whether trials were posted or forgotten since the build."""
        return bool(self._added or self._added_values)

    def frequency(self, size: int) -> np.ndarray:
        """Trials per term number (built trials only), `size` entries."""
        counts = np.zeros(size, np.int64)
        counted = self._terms < size
        counts[self._terms[counted]] = np.diff(self._starts)[counted]
        return counts

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

    def docs_of(self, numbers: np.ndarray) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """The trials holding each of `numbers` (ascending term numbers) that this field holds, as
        two maps: terms only the build posted, and terms posted since (their trials as `docs`)."""
        built: dict[int, np.ndarray] = {}
        if len(self._terms) and len(numbers):
            at = np.minimum(self._terms.searchsorted(numbers), len(self._terms) - 1)
            hit = np.flatnonzero(self._terms[at] == numbers)
            if len(hit):
                at = at[hit]
                spans = map(slice, self._starts[at].tolist(), self._starts[at + 1].tolist())
                built = dict(zip(numbers[hit].tolist(), map(self._docs.__getitem__, spans), strict=True))
        later = {}
        if self._added:
            later = {number: self.docs(number) for number in numbers.tolist() if number in self._added}
            for number in later:
                built.pop(number, None)
        return built, later

    def holding(self, terms: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` (ascending) hold any of `terms` (ascending term numbers) here."""
        at = np.minimum(self._terms.searchsorted(terms), max(0, len(self._terms) - 1))
        at = at[self._terms[at] == terms] if len(self._terms) else at[:0]
        trials = [self._docs[_ranges(self._starts[at], self._starts[at + 1] - self._starts[at])]]
        trials += [np.asarray(self._added[term], np.int32) for term in terms.tolist() if term in self._added]
        trials = np.sort(np.concatenate(trials))
        if not len(trials):
            return np.zeros(len(docs), bool)
        return trials[np.minimum(np.searchsorted(trials, docs), len(trials) - 1)] == docs

    def window(self, docs: np.ndarray) -> Window:
        """The values of trials `docs` in this field, for `scoring`: the built trials' from the
        arrays at once, those posted since (`add`) one by one, however many of each."""
        if self._added_values:
            later = np.isin(docs, np.fromiter(self._added_values, np.int64, len(self._added_values)))
            if later.any():
                built, added = np.flatnonzero(~later), np.flatnonzero(later)
                return _joined((built, self._built_window(docs[built])), (added, self._added_window(docs[added])))
        return self._built_window(docs)

    def _built_window(self, docs: np.ndarray) -> Window:
        value_counts = self._doc_starts[docs + 1] - self._doc_starts[docs]
        values = self._values[_ranges(self._doc_starts[docs], value_counts)]
        values = values.astype(np.int64)
        values, distinct = _distinct(values) if len(values) > _DISTINCT_OVER else (values, np.arange(len(values)))
        term_counts = self._value_starts[values + 1] - self._value_starts[values]
        terms = self._value_terms[_ranges(self._value_starts[values], term_counts)]
        value_docs = np.repeat(np.arange(len(docs)), value_counts)
        return Window(value_docs, distinct, term_counts, terms, self._value_words[values])

    def _added_window(self, docs: np.ndarray) -> Window:
        """`window` of trials posted after the build (each value kept apart)."""
        per_doc = [self._added_values[doc] for doc in docs.tolist()]
        values = list(chain.from_iterable(per_doc))
        return Window(np.repeat(np.arange(len(docs)), np.fromiter(map(len, per_doc), np.int64, len(per_doc))),
                      np.arange(len(values)),
                      np.fromiter((len(terms) for terms, _ in values), np.int64, len(values)),
                      np.fromiter(chain.from_iterable(terms for terms, _ in values), np.int64),
                      np.fromiter((words for _, words in values), np.int64, len(values)))

    def add(self, doc: int, values: list[tuple[tuple[int, ...], int]]) -> None:
        """Post a trial indexed after the build (its number is higher than any built trial's):
        per value, its term numbers and word count."""
        self._added_values[doc] = values
        for term in {term for terms, _ in values for term in terms}:
            self._added.setdefault(term, []).append(doc)

    def forget(self, doc: int) -> None:
        """A removed trial holds no values any more (its postings stay: the index masks it out)."""
        self._added_values[doc] = []


def _transposed(values: FieldValues) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Term → trials from trial → values → terms, each trial once per term and in ascending
    order: the terms that have trials, where each one's trials start in the third array (one
    more entry at the end), and the trials. Each chunk of trials gives its (term, trial) pairs as
    sorted int64 keys without repeats; the chunks' keys are then sorted together."""
    doc_starts, occurrences = values.doc_starts, values.values
    term_counts = np.diff(values.value_starts)[occurrences]
    pairs_before = np.concatenate(([0], np.cumsum(term_counts)))[doc_starts]  # per trial, and the total
    cuts = np.unique(np.searchsorted(pairs_before, np.arange(0, pairs_before[-1], _PAIRS), side="right") - 1)
    cuts = np.append(cuts[cuts < len(doc_starts) - 1], len(doc_starts) - 1)
    keys = [np.zeros(0, np.int64)]
    shift = (len(doc_starts) - 1).bit_length()  # the fewest bits of a trial number: keys sort faster narrow
    for first, end in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        start, stop = doc_starts[first], doc_starts[end]
        counts = term_counts[start:stop]
        terms = values.value_terms[_ranges(values.value_starts[occurrences[start:stop]], counts)]
        docs = np.repeat(np.repeat(np.arange(first, end, dtype=np.int64), np.diff(doc_starts[first:end + 1])), counts)
        keys.append(sorted_unique((terms.astype(np.int64) << shift) | docs))
    keys = np.concatenate(keys)
    if len(cuts) > 2:  # several chunks: each is sorted, not their sequence
        keys.sort()
    terms = keys >> shift
    firsts = np.flatnonzero(np.concatenate(([True], terms[1:] != terms[:-1]))) if len(keys) else _NONE
    return terms[firsts], np.append(firsts, len(keys)), (keys & ((1 << shift) - 1)).astype(np.int32)


def _joined(*parts: tuple[np.ndarray, Window]) -> Window:
    """One window from windows of parts of the trials asked for (each with the trials' places)."""
    firsts = np.cumsum([0] + [len(window.term_counts) for _, window in parts])
    return Window(np.concatenate([places[window.value_docs] for places, window in parts]),
                  np.concatenate([window.distinct + first for (_, window), first in zip(parts, firsts.tolist(), strict=False)]),
                  *(np.concatenate([getattr(window, name) for _, window in parts]) for name in ("term_counts", "terms", "words")))


def _distinct(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `numbers`, ascending, and where each of `numbers` is among them (one sort)."""
    shift = len(numbers).bit_length()
    keys = (numbers << shift) | np.arange(len(numbers))
    keys.sort()
    ordered = keys >> shift
    first = np.empty(len(numbers), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    places = np.empty(len(numbers), np.int64)
    places[keys & ((1 << shift) - 1)] = np.cumsum(first) - 1
    return ordered[first], places
