"""Tokenising and posting many trials at once, in numpy arrays instead of per-trial Python.

A registry-size build meets tens of millions of field values; tokenised one value at a time in
Python that takes minutes. Here a batch of distinct values becomes one byte string that
`bytes.translate` and `bytes.split` cut into chunks in C; each distinct chunk is turned into term
numbers once (most are plain words: one dictionary lookup), and the (term, trial) pairs are
expanded, sorted and de-duplicated as arrays. The terms of a value are exactly those of
`normalize.terms` (a test holds the two together).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, count

import numpy as np

from trialtui.search.normalize import STOPWORDS, TOKEN, UNJOIN, fold, glued_runs

_SEPARATOR = b"\x01"
"""Stands between two values in a batch: a chunk of its own, never part of a word."""
_JOINERS = b"-/.'_+"
_BYTE_TABLE = bytes(
    byte if byte >= 0x80 or byte in _JOINERS or byte == _SEPARATOR[0] or chr(byte).isalnum()
    else 0x20
    for byte in range(256)
).lower()
"""ASCII letters and digits lower-cased, joiners and UTF-8 bytes kept, the rest a space. After
`fold`, every non-ASCII character left is a letter or digit, so chunks are whole words or words
glued by joiners."""
_BATCH_BYTES = 32 << 20
"""Values tokenised together: bounds the chunk list (tens of bytes per chunk) at a few hundred MB."""


_FRESH = 1 << 40
"""Numbers at or above this are provisional: a key first met at position i of a batch gets
``_FRESH + i`` from `dict.setdefault`, so one C-level pass numbers every key."""


def number_all(keys: list, numbering: dict) -> tuple[np.ndarray, list]:
    """The number of each key in `numbering`, numbering new keys in order of first sight;
    returns the numbers and the new keys. Only the distinct new keys cost a Python step."""
    codes = np.fromiter(map(numbering.setdefault, keys, count(_FRESH)), np.int64, len(keys))
    fresh = codes >= _FRESH
    if not fresh.any():
        return codes, []
    first = np.flatnonzero(codes == np.arange(_FRESH, _FRESH + len(keys)))
    new = [keys[i] for i in first.tolist()]
    dense = np.empty(len(keys), np.int64)
    dense[first] = np.arange(len(numbering) - len(new), len(numbering))
    codes[fresh] = dense[codes[fresh] - _FRESH]
    numbering.update(zip(new, dense[first].tolist()))
    return codes, new


_STOP_BYTES = frozenset(word.encode() for word in STOPWORDS)


def _glued_terms(chunk: bytes, number: Callable[[str], int]) -> list[int]:
    """The term numbers of a chunk that is not one ASCII word: a non-ASCII word, or words glued
    by joiners with their glued forms (the separator has none)."""
    found = set(TOKEN.findall(chunk.decode()))
    found.update(run.translate(UNJOIN) for run in glued_runs(chunk.decode()))
    found.difference_update(STOPWORDS)
    return [number(term) for term in found]


class Tokenizer:
    """Turns batches of values into term numbers, remembering every chunk it has met."""

    def __init__(self, number: Callable[[str], int]):
        self.number = number
        self._chunks: dict[bytes, int] = {}
        self._starts = np.zeros(1, np.int64)
        """Per chunk number: where its term numbers start in `_terms` (one more entry at the end)."""
        self._terms = np.zeros(0, np.int32)
        self._words = np.zeros(0, np.int64)
        """Per chunk number: how many words it holds (a word glued to others counts each)."""
        self._settle(number_all([_SEPARATOR], self._chunks)[1])

    def _settle(self, chunks: list[bytes]) -> None:
        """Give newly met chunks their term numbers: a plain word is one lookup (numbered in C),
        a stopword or the separator none, anything else goes through `_glued_terms`."""
        plain = [chunk.isalnum() and chunk not in _STOP_BYTES for chunk in chunks]
        words = map(self.number, map(bytes.decode, compress(chunks, plain)))
        found = [(next(words),) if is_plain else () if chunk.isalnum() else _glued_terms(chunk, self.number)
                 for chunk, is_plain in zip(chunks, plain)]
        lengths = np.fromiter(map(len, found), np.int64, len(found))
        words = [1 if chunk.isalnum() else len(TOKEN.findall(chunk.decode())) for chunk in chunks]
        self._words = np.concatenate((self._words, np.asarray(words, np.int64)))
        self._starts = np.concatenate((self._starts, np.cumsum(lengths) + self._starts[-1]))
        self._terms = np.concatenate((self._terms, np.fromiter(chain.from_iterable(found), np.int32,
                                                               int(lengths.sum()))))

    def value_terms(self, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR of `values`: ``starts`` (len(values) + 1) into ``terms`` (term numbers; a value's
        may repeat); and each value's number of words (`normalize.words`)."""
        value_parts, term_parts, word_parts, done = [], [], [], 0
        for batch in _batches(values):
            joined = " \x01 ".join(value if value.isascii() else fold(value) for value in batch)
            if joined.count("\x01") != len(batch) - 1:  # a value holds the separator itself
                joined = " \x01 ".join(fold(value.replace("\x01", " ")) for value in batch)
            chunks = joined.encode().translate(_BYTE_TABLE).split()
            codes, new = number_all(chunks, self._chunks)
            self._settle(new)
            value_of = np.cumsum(codes == 0) + done  # the separator is chunk 0
            lengths = self._starts[codes + 1] - self._starts[codes]
            value_parts.append(np.repeat(value_of, lengths))
            word_parts.append(np.bincount(value_of - done, self._words[codes], len(batch) + 1)[:len(batch)])
            term_parts.append(self._terms[_ranges(self._starts[codes], lengths)])
            done += len(batch)
        value_of = np.concatenate(value_parts) if value_parts else np.zeros(0, np.int64)
        terms = np.concatenate(term_parts) if term_parts else np.zeros(0, np.int32)
        words = np.concatenate(word_parts).astype(np.int64) if word_parts else np.zeros(0, np.int64)
        return np.searchsorted(value_of, np.arange(len(values) + 1)), terms, words


def _batches(values: Sequence[str]):
    start, size = 0, 0
    for end, value in enumerate(values):
        size += len(value) + 3
        if size >= _BATCH_BYTES:
            yield values[start:end + 1]
            start, size = end + 1, 0
    if start < len(values):
        yield values[start:]


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

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (trial, term), trial by trial (a term may repeat)."""
        lengths = self.value_starts[self.values + 1] - self.value_starts[self.values]
        docs = np.repeat(np.repeat(np.arange(len(self.doc_starts) - 1, dtype=np.int32),
                                   np.diff(self.doc_starts)), lengths)
        return docs, self.value_terms[_ranges(self.value_starts[self.values], lengths)]


def tokenize_field(per_doc: Sequence[Sequence[str]], tokenizer: Tokenizer) -> FieldValues:
    """One field of many trials from each trial's values. Values are tokenised once however many
    trials share them (sites, cities, sponsors repeat)."""
    counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
    codes, values = number_all(list(chain.from_iterable(per_doc)), {})
    starts, terms, words = tokenizer.value_terms(values)
    return FieldValues(np.concatenate(([0], np.cumsum(counts))), codes, starts, terms, words)


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`keys` sorted without repeats (`np.unique` is far slower on tens of millions of int64)."""
    keys = np.sort(keys)
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys
