"""Arrays shared by the bulk build and the index: one field's values as numbers, and small
numpy helpers (see `tokenize` for how a field's values are numbered).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

import numpy as np


def number_all(keys: list, numbering: dict) -> tuple[np.ndarray, list]:
    """The number of each key in `numbering`, numbering new keys in order of first sight;
    returns the numbers and the new keys. One C-level pass: each key is offered the dictionary's
    size at that moment, which `dict.setdefault` keeps only for a key it has not seen."""
    base = len(numbering)
    codes = np.fromiter(map(numbering.setdefault, keys, iter(numbering.__len__, -1)), np.int64, len(keys))
    added = len(numbering) - base
    return codes, list(islice(reversed(numbering), added))[::-1] if added else []


_FIRST_BYTES = np.array([(1 << 8 * count) - 1 for count in range(9)], np.uint64)
"""Per count 0…8: the mask that keeps the first `count` bytes of a little-endian uint64."""


def eight_bytes(text: bytes, starts: np.ndarray, lengths: np.ndarray, skip: int = 0) -> np.ndarray:
    """Per word of `text` (its start and length in bytes), its bytes from `skip` on, up to 8, as a
    little-endian uint64 that is zero past the word's end: one load each, no string. The text
    must hold at least ``skip + 8`` bytes from each start."""
    loads = np.ndarray((len(text) - 7,), "<u8", text, 0, (1,))  # the 8 bytes from each offset
    return loads[starts + skip] & _FIRST_BYTES[np.clip(lengths - skip, 0, 8)]


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices ``starts[i] … starts[i] + lengths[i] - 1`` for every i, concatenated."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, np.int64)
    ends = np.cumsum(lengths)
    return np.repeat(starts - (ends - lengths), lengths) + np.arange(total)


@dataclass(frozen=True)
class FieldValues:
    """One field of many trials: each trial's values (as numbers of distinct values, in the
    trial's order) and each distinct value's term numbers and word count."""

    doc_starts: np.ndarray
    """Per trial, where its values start in `values` (one more entry at the end)."""
    values: np.ndarray
    value_starts: np.ndarray
    """Per distinct value, where its term numbers start in `value_terms` (one more at the end)."""
    value_terms: np.ndarray
    value_words: np.ndarray


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`keys` (int64, none negative) sorted without repeats (`np.unique` is far slower on tens of
    millions of int64); sorted as uint32 when they all fit, which takes half the time."""
    narrow = len(keys) > 1 and int(keys.max()) <= 0xFFFFFFFF
    keys = np.sort(keys.astype(np.uint32) if narrow else keys)
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys.astype(np.int64) if narrow else keys
