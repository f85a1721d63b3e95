"""Tokenising and posting many trials at once, in numpy arrays instead of per-trial Python.

A registry-size build meets tens of millions of field values; tokenised one value at a time in
Python that takes minutes. Here a field's values are first told apart by their hashes
(`distinct_values`); a batch of distinct values becomes one byte string (`bytes.translate` in C)
whose chunks are found and told apart in numpy (`distinct`); a batch's distinct plain words are
numbered as terms in one pass, any other chunk (glued words, non-ASCII) is worked out once, and
the (term, trial) pairs are expanded, sorted and de-duplicated as arrays. The terms of a value
are exactly those of `normalize.terms` (a test holds the two together).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, islice

import numpy as np

from trialtui.search.distinct import first_of, numbered
from trialtui.search.normalize import STOPWORDS, UNJOIN, fold

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
"""Values tokenised together: bounds the arrays of one batch (a few bytes per byte of text, about
ten int64 per chunk)."""


def number_all(keys: list, numbering: dict) -> tuple[np.ndarray, list]:
    """The number of each key in `numbering`, numbering new keys in order of first sight;
    returns the numbers and the new keys. One C-level pass: each key is offered the dictionary's
    size at that moment, which `dict.setdefault` keeps only for a key it has not seen."""
    base = len(numbering)
    codes = np.fromiter(map(numbering.setdefault, keys, iter(numbering.__len__, -1)), np.int64, len(keys))
    added = len(numbering) - base
    return codes, list(islice(reversed(numbering), added))[::-1] if added else []


_JOINERS_TO_SPACES = str.maketrans(_JOINERS.decode(), " " * len(_JOINERS))


def _glued_terms(chunk: str) -> tuple[set[str], int]:
    """The terms and the number of words of a chunk that is not one ASCII word: a non-ASCII
    word, or words glued by joiners (each between two word characters: `_without_loose_joiners`)
    with their glued form."""
    words = chunk.translate(_JOINERS_TO_SPACES).split()
    found = set(words)
    found.add(chunk.translate(UNJOIN))
    found.difference_update(STOPWORDS)
    return found, len(words)


class Tokenizer:
    """Turns batches of values into term numbers.

    A plain ASCII word is its own term: each batch's distinct words are numbered by `number`
    directly. Any other chunk (a non-ASCII word, words glued by joiners) goes through
    `_glued_terms` once and is remembered.
    """

    def __init__(self, number: Callable[[list[str]], Sequence[int]]):
        """`number` gives the term numbers of a list of terms, numbering new ones."""
        self.number = number
        self._glued: dict[str, int] = {}
        """Chunk that is not a plain word → its glued number: where its term numbers start in
        `_glued_terms` is `_glued_starts` (one more entry at the end), its word count `_glued_words`."""
        self._glued_starts = np.zeros(1, np.int64)
        self._glued_terms = np.zeros(0, np.int64)
        self._glued_words = np.zeros(0, np.int64)

    def value_terms(self, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR of `values`: ``starts`` (len(values) + 1) into ``terms`` (term numbers; a value's
        may repeat); and each value's number of words (`normalize.words`)."""
        value_parts, term_parts, word_parts, done = [], [], [], 0
        for batch in _batches(values):
            text = _without_loose_joiners(b" " + _joined(batch).encode().translate(_BYTE_TABLE) + b" " * 16)
            codes, separator, term_starts, terms, words = self._chunk_terms(text)
            value_of = np.cumsum(codes == separator) + done
            lengths = term_starts[codes + 1] - term_starts[codes]
            value_parts.append(np.repeat(value_of, lengths))
            word_parts.append(np.bincount(value_of - done, words[codes], len(batch) + 1)[:len(batch)])
            term_parts.append(terms[_ranges(term_starts[codes], lengths)])
            done += len(batch)
        value_of = np.concatenate(value_parts) if value_parts else np.zeros(0, np.int64)
        terms = np.concatenate(term_parts) if term_parts else np.zeros(0, np.int32)
        words = np.concatenate(word_parts).astype(np.int64) if word_parts else np.zeros(0, np.int64)
        return np.searchsorted(value_of, np.arange(len(values) + 1)), terms, words

    def _chunk_terms(self, text: bytes) -> tuple[np.ndarray, int, np.ndarray, np.ndarray, np.ndarray]:
        """The chunks of `text` (translated, a space first and 16 last), told apart: per chunk,
        its place among the distinct ones (``codes``); which of those is the separator; and per
        distinct chunk, CSR ``starts`` into term numbers ``terms``, and its word count.

        Chunks are found and told apart in numpy (`distinct`): a chunk of up to 8 bytes is its
        own key, a longer one is hashed 8 bytes at a time and compared byte block by block.
        Only the distinct chunks become strings.
        """
        letters = np.frombuffer(text, np.uint8) != 0x20
        edges = np.flatnonzero(letters[1:] != letters[:-1]) + 1
        starts, lengths = edges[0::2], edges[1::2] - edges[0::2]
        blocks = np.ndarray((len(text) - 7,), "<u8", text, 0, (1,))  # the 8 bytes from each offset
        keys = _block(blocks, starts, lengths, 0)
        long = np.flatnonzero(lengths > 8)
        if len(long):
            keys[long] = _long_keys(blocks, starts[long], lengths[long], keys[long])

        def same(items: np.ndarray, others: np.ndarray) -> np.ndarray:
            """For chunks with equal keys: a key of up to 8 bytes is the chunk, a longer one a hash."""
            equal = np.ones(len(items), bool)
            check = np.flatnonzero((lengths[items] > 8) | (lengths[others] > 8))
            equal[check] = lengths[items[check]] == lengths[others[check]]
            check = check[equal[check]]
            for offset in range(8, int(lengths[items[check]].max(initial=0)), 8):
                check = check[lengths[items[check]] > offset]
                equal[check] = (_block(blocks, starts[items[check]], lengths[items[check]], offset)
                                == _block(blocks, starts[others[check]], lengths[others[check]], offset))
                check = check[equal[check]]
            return equal

        codes, firsts = numbered(first_of(keys, same))
        chunks, plain = _cut(text, starts[firsts], lengths[firsts])
        separator = (lengths[firsts] == 1) & (keys[firsts] == _SEPARATOR[0])
        term_starts, terms, words = self._terms_of(chunks, plain, ~plain & ~separator)
        at = np.flatnonzero(separator)
        return codes, int(at[0]) if len(at) else -1, term_starts, terms, words

    def _terms_of(self, chunks: list[str], plain: np.ndarray, glued: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per chunk, CSR ``starts`` into term numbers, and its word count: a plain word is
        its own term (none if a stopword), a `glued` chunk has `_glued_terms`."""
        words_of = list(compress(chunks, plain.tolist()))
        kept = ~np.fromiter(map(STOPWORDS.__contains__, words_of), bool, len(words_of))
        plain_at = np.flatnonzero(plain)
        glued_at = np.flatnonzero(glued)
        codes, new = number_all(list(compress(chunks, glued.tolist())), self._glued)
        self._settle(new)
        glued_counts = self._glued_starts[codes + 1] - self._glued_starts[codes]
        counts = np.zeros(len(chunks), np.int64)
        counts[plain_at[kept]] = 1
        counts[glued_at] = glued_counts
        starts = np.concatenate(([0], np.cumsum(counts)))
        terms = np.empty(int(starts[-1]), np.int32)
        terms[starts[plain_at[kept]]] = self.number(list(compress(words_of, kept.tolist())))
        terms[_ranges(starts[glued_at], glued_counts)] = self._glued_terms[
            _ranges(self._glued_starts[codes], glued_counts)]
        words = plain.astype(np.int64)
        words[glued_at] = self._glued_words[codes]
        return starts, terms, words

    def _settle(self, chunks: list[str]) -> None:
        """Give newly met glued chunks their term numbers and word counts (`_glued_terms`)."""
        if not chunks:
            return
        found = list(map(_glued_terms, chunks))
        counts = np.fromiter((len(terms) for terms, _ in found), np.int64, len(found))
        numbers = np.asarray(self.number(list(chain.from_iterable(terms for terms, _ in found))), np.int64)
        self._glued_starts = np.concatenate((self._glued_starts, np.cumsum(counts) + self._glued_starts[-1]))
        self._glued_terms = np.concatenate((self._glued_terms, numbers))
        self._glued_words = np.concatenate((self._glued_words, [count for _, count in found]))


_IS_JOINER = np.zeros(256, bool)
_IS_JOINER[list(_JOINERS)] = True


def _without_loose_joiners(text: bytes) -> bytes:
    """`text` (translated, spaces at both ends) with every joiner that does not stand between
    two word characters made a space: it glues nothing ("st.", "-x", "a--b"), and the chunk it
    leaves is a plain word more often, numbered without a regular expression."""
    codes = np.frombuffer(text, np.uint8)
    at = np.flatnonzero(_IS_JOINER[codes])
    if not len(at):
        return text
    before, after = codes[at - 1], codes[at + 1]
    loose = at[(before == 0x20) | _IS_JOINER[before] | (after == 0x20) | _IS_JOINER[after]]
    codes = codes.copy()
    codes[loose] = 0x20
    return codes.tobytes()


_PLAIN_BYTE = np.zeros(256, bool)
_PLAIN_BYTE[list(b"abcdefghijklmnopqrstuvwxyz0123456789 ")] = True


def _cut(text: bytes, starts: np.ndarray, lengths: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The chunks of `text` at `starts`, as strings (copied side by side with a space between
    them, decoded and split in one C call each), and which are plain ASCII words."""
    total = int(lengths.sum())
    spaced = np.full(total + len(starts), 0x20, np.uint8)
    ends = np.cumsum(lengths + 1)
    spaced[_ranges(ends - lengths - 1, lengths)] = np.frombuffer(text, np.uint8)[_ranges(starts, lengths)]
    plain = np.logical_and.reduceat(_PLAIN_BYTE[spaced], ends - lengths - 1) if len(starts) else np.zeros(0, bool)
    return spaced.tobytes().decode().split(" ")[:-1], plain


_MASKS = np.array([(1 << 8 * n) - 1 for n in range(8)] + [(1 << 64) - 1], np.uint64)
"""The low n bytes of a little-endian 8-byte block."""


def _block(blocks: np.ndarray, starts: np.ndarray, lengths: np.ndarray, offset: int) -> np.ndarray:
    """Bytes ``offset … offset + 7`` of each chunk as a uint64, zero past the chunk's end (no
    chunk holds a zero byte, so a chunk of up to 8 bytes is told apart by this alone)."""
    return blocks[starts + offset] & _MASKS[np.clip(lengths - offset, 0, 8)]


def _long_keys(blocks: np.ndarray, starts: np.ndarray, lengths: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each chunk longer than 8 bytes, from its first block's `keys`."""
    keys = keys.copy()
    active = np.arange(len(starts))
    offset = 8
    with np.errstate(over="ignore"):
        while len(active):
            block = _block(blocks, starts[active], lengths[active], offset)
            mixed = keys[active]
            keys[active] = ((mixed << np.uint64(29)) | (mixed >> np.uint64(35))) ^ block
            keys[active] *= np.uint64(0x9E3779B97F4A7C15)
            offset += 8
            active = active[lengths[active] > offset]
    return keys


def _joined(batch: Sequence[str]) -> str:
    """The values of `batch` folded (`fold`, only for the non-ASCII ones) between separators."""
    folded = list(batch)
    for at in np.flatnonzero(~np.fromiter(map(str.isascii, folded), bool, len(folded))).tolist():
        folded[at] = fold(folded[at])
    joined = " \x01 ".join(folded)
    if joined.count("\x01") != len(batch) - 1:  # a value holds the separator itself
        joined = " \x01 ".join(fold(value.replace("\x01", " ")) for value in batch)
    return joined


def _batches(values: Sequence[str]):
    """`values` cut into runs of about `_BATCH_BYTES` characters."""
    ends = np.cumsum(np.fromiter(map(len, values), np.int64, len(values)) + 3)
    cuts = np.searchsorted(ends, np.arange(_BATCH_BYTES, int(ends[-1]) if len(ends) else 0, _BATCH_BYTES),
                           side="right").tolist()
    for start, end in zip([0, *cuts], [*cuts, len(values)]):
        if end > start:
            yield values[start:end]


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

    def doc_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of every trial's term numbers: where each trial's start (one more entry at the
        end) and the terms, trial by trial (a term may repeat)."""
        lengths = self.value_starts[self.values + 1] - self.value_starts[self.values]
        starts = np.concatenate(([0], np.cumsum(lengths)))[self.doc_starts]
        return starts, self.value_terms[_ranges(self.value_starts[self.values], lengths)]


_SAMPLE = 1 << 16


def distinct_values(items: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each item's number and the distinct items, numbered in order of first sight (as
    `number_all` with an empty dictionary), told apart by their hashes (`distinct`).

    Items with one hash are taken for one value without comparing their text: Python's string
    hash is 64-bit SipHash under a key drawn per process, so two of a field's two million
    distinct values share one with odds of about 1 in 10 million per registry build (the later
    would then be indexed with the earlier's terms). Comparing every item with its first would
    read all 23 million values' text a second time: 2-3 s at 570,000 trials.

    Where a sample shows few distinct items (states, countries, keywords), a dictionary is
    faster: it stays small enough for the processor's cache.
    """
    sample = items[:_SAMPLE]
    if len(set(sample)) * 8 < len(sample):
        return number_all(items, {})
    hashes = np.fromiter(map(hash, items), np.int64, len(items)).view(np.uint64)
    numbers, firsts = numbered(first_of(hashes))
    return numbers, list(map(items.__getitem__, firsts.tolist()))


def tokenize_field(per_doc: Sequence[Sequence[str]], tokenizer: Tokenizer) -> FieldValues:
    """One field of many trials from each trial's values. Values are tokenised once however many
    trials share them (sites, cities, sponsors repeat)."""
    counts = np.fromiter(map(len, per_doc), np.int64, len(per_doc))
    codes, values = distinct_values(list(chain.from_iterable(per_doc)))
    starts, terms, words = tokenizer.value_terms(values)
    return FieldValues(np.concatenate(([0], np.cumsum(counts))), codes, starts, terms, words)


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """`keys` sorted without repeats (`np.unique` is far slower on tens of millions of int64)."""
    keys = np.sort(keys)
    if len(keys) > 1:
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys
