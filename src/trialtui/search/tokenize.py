"""One field of many trials as numbers, for a build: each distinct value tokenised once by
`normalize.numbered` (the tokenizer that adding one trial uses, as the query side's `terms`), its
terms numbered in a dictionary that every field of the build shares.

A field's values repeat a lot (a site, city or sponsor listed by thousands of trials), so they
are told apart first (exactly: a dictionary of the strings) and only the distinct ones read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

import numpy as np

from trialtui.search.bulk import FieldValues, number_all, sorted_unique
from trialtui.search.normalize import numbered

_BATCH = 1 << 16
"""Distinct values tokenised at a time: their terms are dropped once numbered."""
_NONE = np.zeros(0, np.int64)


class TermNumbers:
    """Every term a build meets, numbered in order of first sight."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        """Term → number."""

    def __len__(self) -> int:
        return len(self.ids)

    def terms(self) -> list[str]:
        """Every term in number order."""
        return list(self.ids)

    def fields_values(self, fields: Iterable[Sequence[Sequence[str]]]) -> Iterator[FieldValues]:
        """Each field of many trials from each trial's values, numbering new terms here (field
        by field, as if each were numbered alone): the distinct values of every field are
        tokenised in batches that `numbered` reads together."""
        distinct = [_distinct_values(per_doc) for per_doc in fields]
        batches = [values[first:first + _BATCH] for _, _, values in distinct for first in range(0, len(values), _BATCH)]
        found = numbered(batches, self.ids)
        for doc_starts, numbers, values in distinct:
            term_counts, value_terms, value_words = [np.zeros(1, np.int64)], [_NONE], [_NONE]
            for first in range(0, len(values), _BATCH):
                term_numbers, owners, words = next(found)
                shift = len(self.ids).bit_length()  # the fewest bits of a term number: keys sort faster narrow
                keys = sorted_unique((owners << shift) | term_numbers)  # each term once a value
                term_counts.append(np.bincount(keys >> shift, minlength=min(_BATCH, len(values) - first)))
                value_terms.append(keys & ((1 << shift) - 1))
                value_words.append(words)
            yield FieldValues(doc_starts, numbers.astype(np.int32), np.cumsum(np.concatenate(term_counts)),
                              np.concatenate(value_terms).astype(np.int32), np.concatenate(value_words))


def _distinct_values(per_doc: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Where each trial's values start (one more entry at the end), each value as the number of
    its distinct value, and the distinct values."""
    counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
    numbers, distinct = number_all(list(chain.from_iterable(per_doc)), {})
    return np.concatenate(([0], np.cumsum(counts))), numbers, distinct
