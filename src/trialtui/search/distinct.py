"""The distinct words of a build's text, told apart with numpy: a field's text repeats its words
over and over (drug descriptions, site names), and a string object and a dictionary lookup for
each occurrence cost far more than a few array passes. Each word is keyed exactly by its first
16 bytes and its length (a longer word, rare, by a dictionary of its bytes); the keys are hashed
into a table whose first word per slot stands for the rest, and the words a slot shares with
another word go through a dictionary.
"""

from __future__ import annotations

import numpy as np

from trialtui.search.bulk import _ranges, eight_bytes, number_all

_LONG = np.uint64(2**64 - 1)
"""The second key of a word longer than 16 bytes: UTF-8 never holds a 0xff byte."""
_SPREAD = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
"""Odd multipliers that spread a word's three keys over the table's slots (`_first_sight`)."""


def distinct_words(text: bytes) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Per word of UTF-8 `text` (a run of bytes other than the ASCII space, the only whitespace
    it may hold), the number of its distinct word in order of first sight; the distinct words in
    that order (as ``number_all(text.decode().split(), {})``); and where each word starts in
    `text`, to tell apart the words of parts of `text`."""
    padded = b" " + text + b" " * 16  # every word between spaces, and 8 bytes load from every start
    spaces = np.frombuffer(padded, np.uint8) == ord(" ")
    edges = np.flatnonzero(spaces[1:] != spaces[:-1])
    edges += 1  # where each word starts and where it ends
    starts = edges[0::2]
    lengths = edges[1::2] - starts
    keys = _keys(padded, starts, lengths)
    first = _first_sight(keys)
    firsts = np.flatnonzero(first == np.arange(len(first)))
    numbers = np.zeros(len(first), np.int64)
    numbers[firsts] = np.arange(len(firsts))
    spelled = np.frombuffer(padded, np.uint8)[_ranges(starts[firsts], lengths[firsts] + 1)]  # each with its space
    return numbers[first], spelled.tobytes().decode().split(" ")[:-1], starts - 1


def _keys(padded: bytes, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per word, three numbers that are equal exactly for equal words: its first 8 bytes, its
    next 8 (or, past 16 bytes, `_LONG` and its number among such words in the first), its length."""
    head = eight_bytes(padded, starts, lengths)
    tail = np.zeros(len(starts), np.uint64)
    past = np.flatnonzero(lengths > 8)
    tail[past] = eight_bytes(padded, starts[past], lengths[past], 8)
    long = np.flatnonzero(lengths > 16)
    if len(long):
        spelled = [padded[start:end] for start, end in zip(starts[long].tolist(), (starts + lengths)[long].tolist(), strict=True)]
        head[long] = number_all(spelled, {})[0].astype(np.uint64)
        tail[long] = _LONG
    return head, tail, lengths.astype(np.uint64)


def _first_sight(keys: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Per word, the first word with its keys: the first word of its slot in a hash table when
    their keys match (a slot's first word is the first of its keys), else (two words in one
    slot) by a dictionary of the keys of the words left."""
    head, tail, length = keys
    count = len(head)
    bits = (2 * count).bit_length()
    spread = head * _SPREAD[0]  # in place from here: arrays as long as the text's words cost page faults
    spread ^= tail * _SPREAD[1]
    spread ^= length * _SPREAD[2]
    spread ^= spread >> np.uint64(31)
    spread *= _SPREAD[0]
    spread >>= np.uint64(64 - bits)
    slots = spread.view(np.int64)  # below 2 ** bits
    places = np.int32 if count < 2**31 else np.int64
    table = np.full(1 << bits, count, places)
    np.minimum.at(table, slots, np.arange(count, dtype=places))
    first = table[slots]
    apart = np.flatnonzero((head[first] != head) | (tail[first] != tail) | (length[first] != length))
    if len(apart):
        codes, _ = number_all(list(zip(head[apart].tolist(), tail[apart].tolist(), length[apart].tolist(), strict=True)), {})
        firsts = np.full(len(apart), len(apart), np.int64)
        np.minimum.at(firsts, codes, np.arange(len(apart)))
        first[apart] = apart[firsts[codes]]
    return first
