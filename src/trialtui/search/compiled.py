"""The build's inner loops over bytes, compiled by numba: hash tables of terms and of values.

A registry-size build meets 23 million field values and tens of millions of words. Told apart
by Python dictionaries or numpy sorts, each costs a few hundred nanoseconds of cache misses and
interpreter work; here one compiled pass over a batch's UTF-8 text finds each value's words,
looks them up in an open-addressing table (one cache line a probe) and numbers new ones. Only
`tokenize.TermTable` and `postings` call these; numba compiles them once per machine (the
first build on a machine waits for it; `cache=True` keeps the machine code beside this file or in
numba's cache folder).

Tables: ``slots`` is a uint64 ``(size, 2)`` array of (hash, number), size a power of two at
most half full, hash 0 meaning empty. A term's bytes live in ``arena`` at ``entries[number]``
(start, length) and are compared on every hash match: terms are exact. A value is known by its
64-bit hash alone (see `tokenize`'s docstring for the odds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_U = np.uint64
_C1 = _U(0x87C37B91114253D5)
_C2 = _U(0x4CF5AD432745937F)
_F1 = _U(0xFF51AFD7ED558CCD)
_F2 = _U(0xC4CEB9FE1A85EC53)
_EMPTY = _U(0)
_SPACE = 0x20
SEPARATOR = 0x01
"""Stands between two values of a batch (with a space either side)."""


@njit(cache=True, inline="always")
def _rotl(x, bits):
    return (x << _U(bits)) | (x >> _U(64 - bits))


@njit(cache=True, inline="always")
def _mixed(h, w):
    """MurmurHash3's 64-bit block step: every bit of a block reaches every bit of the state."""
    k = _rotl(w * _C1, 31) * _C2
    return _rotl(h ^ k, 27) * _U(5) + _U(0x52DCE729)


@njit(cache=True)
def byte_hash(buf, start, length):
    """A 64-bit hash of ``buf[start:start + length]``, 8 bytes at a time; never 0."""
    h = _U(length) * _C2
    at = start
    end = start + length
    while at + 8 <= end:
        w = _U(0)
        for i in range(8):
            w |= _U(buf[at + i]) << _U(8 * i)
        h = _mixed(h, w)
        at += 8
    if at < end:
        w = _U(0)
        for i in range(end - at):
            w |= _U(buf[at + i]) << _U(8 * i)
        h = _mixed(h, w)
    h ^= h >> _U(33)
    h *= _F1
    h ^= h >> _U(33)
    h *= _F2
    h ^= h >> _U(33)
    return h | _U(1)


@njit(cache=True)
def _value_number(h, slots, state):
    """The number of the value hashed `h`, numbering it ``state[0]`` if new."""
    mask = slots.shape[0] - 1
    at = np.int64(h >> _U(16)) & mask
    while True:
        key = slots[at, 0]
        if key == h:
            return np.int64(slots[at, 1])
        if key == _EMPTY:
            number = state[0]
            slots[at, 0] = h
            slots[at, 1] = _U(number)
            state[0] = number + 1
            return number
        at = (at + 1) & mask


@njit(cache=True)
def term_number(buf, start, length, slots, entries, arena, state):
    """The number of the term ``buf[start:start + length]``, numbering it ``state[0]`` (its
    bytes appended to `arena` at ``state[1]``) if new. The caller leaves room for one more."""
    h = byte_hash(buf, start, length)
    mask = slots.shape[0] - 1
    at = np.int64(h >> _U(16)) & mask
    while True:
        key = slots[at, 0]
        if key == _EMPTY:
            number = state[0]
            used = state[1]
            slots[at, 0] = h
            slots[at, 1] = _U(number)
            entries[number, 0] = used
            entries[number, 1] = length
            arena[used:used + length] = buf[start:start + length]
            state[0] = number + 1
            state[1] = used + length
            return number
        if key == h:
            number = np.int64(slots[at, 1])
            if entries[number, 1] == length:
                first = entries[number, 0]
                same = True
                for i in range(length):
                    if arena[first + i] != buf[start + i]:
                        same = False
                        break
                if same:
                    return number
        at = (at + 1) & mask


@njit(cache=True, inline="always")
def _is_joiner(byte):
    return byte == 0x2D or byte == 0x2F or byte == 0x2E or byte == 0x27 or byte == 0x5F or byte == 0x2B


@njit(cache=True)
def _value_terms(text, start, end, slots, entries, arena, state, skipped, out, at, glued):
    """Append the term numbers of one value (``text[start:end]``) to `out` from `at`; returns
    the new end of `out` and the value's word count.

    A chunk (bytes between spaces) is words glued by joiners (``-/.'_+``); a joiner glues only
    between two word bytes, any other is a space. A glued run yields each word and the run
    without its joiners (built in `glued`). Terms numbered below `skipped` (stopwords) are left
    out, and every term number is given less `skipped`.
    """
    words = 0
    i = start
    while i < end:
        while i < end and text[i] == _SPACE:
            i += 1
        chunk_end = i
        while chunk_end < end and text[chunk_end] != _SPACE:
            chunk_end += 1
        j = i
        while j < chunk_end:
            while j < chunk_end and _is_joiner(text[j]):
                j += 1
            if j >= chunk_end:
                break
            run_words = 0
            glued_length = 0
            word = j
            while True:
                word_end = word
                while word_end < chunk_end and not _is_joiner(text[word_end]):
                    word_end += 1
                number = term_number(text, word, word_end - word, slots, entries, arena, state)
                if number >= skipped:
                    out[at] = number - skipped
                    at += 1
                run_words += 1
                glues = word_end + 1 < chunk_end and not _is_joiner(text[word_end + 1])
                if glues or run_words > 1:
                    glued[glued_length:glued_length + word_end - word] = text[word:word_end]
                    glued_length += word_end - word
                if not glues:
                    j = word_end
                    break
                word = word_end + 1
            if run_words > 1:
                number = term_number(glued, 0, glued_length, slots, entries, arena, state)
                if number >= skipped:
                    out[at] = number - skipped
                    at += 1
            words += run_words
        i = chunk_end
    return at, words


@njit(cache=True)
def _without_repeats(terms, start, end):
    """Drop repeated numbers from ``terms[start:end]`` (a value's terms, as a set: `normalize.terms`);
    returns the new end."""
    if end - start > 64:
        terms[start:end] = np.sort(terms[start:end])
        kept = start + 1
        for i in range(start + 1, end):
            if terms[i] != terms[kept - 1]:
                terms[kept] = terms[i]
                kept += 1
        return kept
    kept = start
    for i in range(start, end):
        seen = False
        for j in range(start, kept):
            if terms[j] == terms[i]:
                seen = True
                break
        if not seen:
            terms[kept] = terms[i]
            kept += 1
    return kept


@njit(cache=True)
def tokenize_batch(text, position, done, value_slots, value_state, slots, entries, arena, state, skipped,
                   numbers, value_starts, value_terms, value_words, glued):
    """Number the values of `text` (a translated batch, values between `SEPARATOR`s) from byte
    `position` on, the first being value occurrence `done`: each occurrence's value number goes
    to `numbers`, and a new value's terms to `value_terms` (from ``value_starts[number]``) and
    its word count to `value_words` (each term once).

    Stops before a value that might not fit in the tables or arrays; returns where it stopped
    (past the end when done) and the occurrences numbered so far, for the caller to grow them
    and call again.
    """
    size = len(text)
    while position <= size:
        end = position
        while end < size and text[end] != SEPARATOR:
            end += 1
        room = end - position
        count = value_state[0]
        if ((count + 1) * 2 > value_slots.shape[0] or count + 2 > len(value_starts)
                or value_starts[count] + room > len(value_terms)
                or (state[0] + room) * 2 > slots.shape[0] or state[0] + room >= entries.shape[0]
                or state[1] + 2 * room > len(arena)):
            return position, done
        start = position
        while start < end and text[start] == _SPACE:
            start += 1
        stop = end
        while stop > start and text[stop - 1] == _SPACE:
            stop -= 1
        number = _value_number(byte_hash(text, start, stop - start), value_slots, value_state)
        numbers[done] = number
        done += 1
        if number == count:
            first = value_starts[number]
            found, value_words[number] = _value_terms(
                text, start, stop, slots, entries, arena, state, skipped, value_terms, first, glued)
            value_starts[number + 1] = _without_repeats(value_terms, first, found)
        position = end + 1
    return position, done


@njit(cache=True)
def number_words(text, slots, entries, arena, state, out):
    """The number of each space-separated word of `text` in `out` (numbering new ones); returns
    how many words there were. The caller leaves room for them all."""
    size = len(text)
    i = 0
    count = 0
    while i < size:
        while i < size and text[i] == _SPACE:
            i += 1
        if i >= size:
            break
        end = i
        while end < size and text[end] != _SPACE:
            end += 1
        out[count] = term_number(text, i, end - i, slots, entries, arena, state)
        count += 1
        i = end
    return count


@njit(cache=True)
def number_entries(other_entries, other_arena, first, slots, entries, arena, state, out):
    """The number here of each term of another table from its entry `first` on (in `out`),
    numbering new ones. The caller leaves room for them all."""
    for k in range(first, other_entries.shape[0]):
        out[k - first] = term_number(other_arena, other_entries[k, 0], other_entries[k, 1],
                                     slots, entries, arena, state)


@njit(cache=True)
def spread(old, new):
    """Copy every (hash, number) of the slots `old` into the larger empty slots `new`."""
    mask = new.shape[0] - 1
    for row in range(old.shape[0]):
        h = old[row, 0]
        if h != _EMPTY:
            at = np.int64(h >> _U(16)) & mask
            while new[at, 0] != _EMPTY:
                at = (at + 1) & mask
            new[at, 0] = h
            new[at, 1] = old[row, 1]


@njit(cache=True)
def joined_terms(entries, arena, first, count):
    """The bytes of terms `first` … `count - 1`, each followed by a newline."""
    total = 0
    for k in range(first, count):
        total += entries[k, 1] + 1
    out = np.empty(total, np.uint8)
    at = 0
    for k in range(first, count):
        length = entries[k, 1]
        out[at:at + length] = arena[entries[k, 0]:entries[k, 0] + length]
        out[at + length] = 0x0A
        at += length + 1
    return out


@njit(cache=True)
def runs_in_order(items, starts, order):
    """The runs ``items[starts[k]:starts[k + 1]]`` for each k of `order`, one after another."""
    total = 0
    for k in order:
        total += starts[k + 1] - starts[k]
    out = np.empty(total, items.dtype)
    at = 0
    for k in order:
        length = starts[k + 1] - starts[k]
        out[at:at + length] = items[starts[k]:starts[k + 1]]
        at += length
    return out


@njit(cache=True, inline="always")
def _tally(doc_starts, values, value_starts, value_terms, last, tally, shift, docs):
    """Walk every trial's terms, each (term, trial) pair once (``last`` holds the trial each
    term was last met in): add one to ``tally[term + shift]``, after writing the trial at
    ``docs[tally[term]]`` when `docs` is not empty."""
    last[:] = -1
    write = len(docs) > 0
    for doc in range(len(doc_starts) - 1):
        for i in range(doc_starts[doc], doc_starts[doc + 1]):
            value = values[i]
            for j in range(value_starts[value], value_starts[value + 1]):
                term = value_terms[j]
                if last[term] != doc:
                    last[term] = doc
                    if write:
                        docs[tally[term]] = doc
                    tally[term + shift] += 1


@njit(cache=True)
def transposed(doc_starts, values, value_starts, value_terms, size):
    """Term → trials from trial → values → terms (`bulk.FieldValues`), each trial once per term
    and in ascending order: the terms (of `size`) that have trials, where each one's trials
    start in the third array (one more entry at the end), and the trials. A counting sort: one
    walk counts each term's trials, the next writes them."""
    counts = np.zeros(size + 1, np.int64)
    last = np.empty(size, np.int64)
    _tally(doc_starts, values, value_starts, value_terms, last, counts, 1, np.empty(0, np.int32))
    held = 0
    for term in range(size):
        held += counts[term + 1] > 0
        counts[term + 1] += counts[term]
    docs = np.empty(counts[size], np.int32)
    _tally(doc_starts, values, value_starts, value_terms, last, counts[:size].copy(), 0, docs)
    terms = np.empty(held, np.int64)
    starts = np.empty(held + 1, np.int64)
    k = 0
    for term in range(size):
        if counts[term + 1] > counts[term]:
            terms[k] = term
            starts[k] = counts[term]
            k += 1
    starts[held] = counts[size]
    return terms, starts, docs


@njit(cache=True, inline="always")
def _before(entries, arena, one, other):
    """Whether term `one` sorts before term `other` (UTF-8 byte order is code point order)."""
    start, length = entries[one, 0], entries[one, 1]
    other_start, other_length = entries[other, 0], entries[other, 1]
    for i in range(min(length, other_length)):
        if arena[start + i] != arena[other_start + i]:
            return arena[start + i] < arena[other_start + i]
    return length < other_length


@njit(cache=True, nogil=True)
def alphabetical(entries, arena, first, count):
    """Terms `first` … `count - 1` in alphabetical order (as numbers less `first`): sorted by
    their first 8 bytes, then each run sharing those merge-sorted by whole bytes. Runs without
    the GIL, beside the Python work of a build."""
    size = count - first
    keys = np.zeros(size, np.uint64)
    for k in range(size):
        start, length = entries[first + k, 0], entries[first + k, 1]
        key = _U(0)
        for i in range(8):
            key <<= _U(8)
            if i < length:
                key |= _U(arena[start + i])
        keys[k] = key
    order = np.argsort(keys)
    spare = np.empty(size, np.int64)
    run = 0
    while run < size:
        end = run + 1
        while end < size and keys[order[end]] == keys[order[run]]:
            end += 1
        width = 1
        while width < end - run:  # bottom-up merge sort of order[run:end]
            for left in range(run, end, 2 * width):
                middle, right = min(left + width, end), min(left + 2 * width, end)
                i, j, at = left, middle, left
                while i < middle and j < right:
                    if _before(entries, arena, first + order[j], first + order[i]):
                        spare[at] = order[j]
                        j += 1
                    else:
                        spare[at] = order[i]
                        i += 1
                    at += 1
                while i < middle:
                    spare[at] = order[i]
                    i += 1
                    at += 1
                while j < right:
                    spare[at] = order[j]
                    j += 1
                    at += 1
            order[run:end] = spare[run:end]
            width *= 2
        run = end
    return order
