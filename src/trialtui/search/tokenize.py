"""One field of many trials as numbers, for a build: each distinct value tokenised once by
`normalize.numbered` (the tokenizer that adding one trial uses, as the query side's `terms`), its
terms numbered in a dictionary that every field of the build shares.

A field's values repeat a lot (a site, city or sponsor listed by thousands of trials), so they
are told apart first (exactly: a dictionary of the strings) and only the distinct ones read.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    def field_values(self, per_doc: Sequence[Sequence[str]]) -> FieldValues:
        """One field of many trials from each trial's values, numbering new terms here."""
        counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
        numbers, distinct = number_all(list(chain.from_iterable(per_doc)), {})
        term_counts, value_terms, value_words = [np.zeros(1, np.int64)], [_NONE], [_NONE]
        for first in range(0, len(distinct), _BATCH):
            batch = distinct[first:first + _BATCH]
            term_numbers, owners, words = numbered(batch, self.ids)
            shift = len(self.ids).bit_length()  # the fewest bits of a term number: keys sort faster narrow
            keys = sorted_unique((owners << shift) | term_numbers)  # each term once a value
            term_counts.append(np.bincount(keys >> shift, minlength=len(batch)))
            value_terms.append(keys & ((1 << shift) - 1))
            value_words.append(words)
        return FieldValues(np.concatenate(([0], np.cumsum(counts))), numbers.astype(np.int32),
                           np.cumsum(np.concatenate(term_counts)), np.concatenate(value_terms).astype(np.int32),
                           np.concatenate(value_words))
