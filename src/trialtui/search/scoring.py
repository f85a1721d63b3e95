"""Exact scores of the best candidates, all at once, from their values' term numbers.

A candidate's score is each word's best match (exact > prefix > typo, specific fields first),
plus small bonuses: a word found in several fields, the words found together in one value (one
site name), a value the words cover nearly whole (a city typed alone). The bonuses depend on
single values: with each trial's values kept as term numbers (`FieldPostings.window`), they are
computed for every candidate without reading text. Only the fields where some word may match a
candidate are read (`SearchIndex._holds`), a value several candidates list (a shared site) is
read once, and of the values read only those holding a term some word may stand for count. What
such a term is worth to each word in each field is one lookup in a small table, and the values
of every field are scored together: a few numpy passes whatever the number of words and fields.
"""

from __future__ import annotations

import numpy as np

from trialtui.search.postings import FieldPostings, Window
from trialtui.search.ranking import COVER_BONUS, FIELD_WEIGHTS, FIELDS, MULTI_FIELD_BONUS, TOGETHER_BONUS
from trialtui.search.words import QueryWord

_FIELD_COUNT = len(FIELDS)
_FIELD_WEIGHT = np.asarray([FIELD_WEIGHTS[name] for name in FIELDS])
_SORT_BELOW = 1 << 14
"""Wanted terms up to this many are sorted; past it (a word of one or two letters being typed
stands for tens of thousands of completions) they are read back from the vocabulary-wide table."""


def score_window(docs: np.ndarray, words: list[QueryWord], fields: list[FieldPostings],
                 positions: tuple[np.ndarray, np.ndarray], alphabetical: np.ndarray,
                 holds: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per trial of `docs`: its raw score (-1 where some word matches nowhere), and per field
    number whether any word matched there (a ``(fields, len(docs))`` array).

    `holds` (of that shape too; None for everywhere) is where some word may match (see
    `SearchIndex._holds`): other fields of a trial are not read.
    """
    size, count = len(docs), len(words)
    read = []
    for number in sorted({source[2] for word in words for source in word.sources}):  # fields holding a word
        places = np.arange(size) if holds is None else np.flatnonzero(holds[number])
        if len(places):
            read.append((number, places, fields[number].window(docs[places])))
    found = _score_values(_Values(read, size), words, _Worth(words, positions, alphabetical)) if read else None
    if found is None:
        return np.full(size, -1.0), np.zeros((_FIELD_COUNT, size), bool)
    per_value, share, present, listed, listed_doc, listed_key = found
    by_field = np.zeros((count, _FIELD_COUNT * size))
    matches = []  # per word: where among the listed values it matched, and its score there
    for i in range(count):
        at = np.flatnonzero((per_value[i] > 0)[listed])
        scores = per_value[i, listed[at]]
        np.maximum.at(by_field[i], listed_key[at], scores)
        matches.append((at, scores))
    by_field = by_field.reshape(count, _FIELD_COUNT, size)
    best = by_field.max(1)
    field_count = (by_field > 0).sum(1)
    together = np.ones(size)
    if count > 1:
        together = np.zeros(size, np.int64)
        np.maximum.at(together, listed_doc, present[listed])
    cover = np.zeros((count, size))
    for i, (at, scores) in enumerate(matches):
        at = at[scores >= best[i, listed_doc[at]]]
        np.maximum.at(cover[i], listed_doc[at], share[listed[at]])
    raw = (best.sum(0) / count
           + (MULTI_FIELD_BONUS * np.clip(field_count - 1, 0, 3)).sum(0) / count
           + TOGETHER_BONUS * ((together - 1) / (count - 1) if count > 1 else 1.0)
           + COVER_BONUS * cover.sum(0) / count)
    return np.where((best > 0).all(0), raw, -1.0), (by_field > 0).any(0)


class _Values:
    """The values read in every field (`FieldPostings.window` of each), as one set of arrays so
    that they are scored in one pass whatever the number of fields."""

    def __init__(self, read: list[tuple[int, np.ndarray, Window]], size: int):
        windows = [window for _, _, window in read]
        distinct = [len(window.term_counts) for window in windows]
        listed = [len(window.distinct) for window in windows]
        numbers = [number for number, _, _ in read]
        self.terms = np.concatenate([window.terms for window in windows])
        self.term_counts = np.concatenate([window.term_counts for window in windows])
        self.words = np.concatenate([window.words for window in windows])
        """Per distinct value (of a field): its terms, how many, and its number of words."""
        self.field = np.repeat(numbers, distinct)
        """Per distinct value: its field number."""
        before = np.cumsum(distinct) - distinct
        self.distinct = np.concatenate([window.distinct + first for window, first in zip(windows, before.tolist(), strict=True)])
        self.docs = np.concatenate([places[window.value_docs] for _, places, window in read])
        self.keys = np.repeat(numbers, listed) * size + self.docs
        """Per value a trial lists: its distinct value, its trial's place and its (field, trial) key."""


def _score_values(values: _Values, words: list[QueryWord], worth: _Worth) -> tuple[np.ndarray, ...] | None:
    """Each distinct value read, scored once however many of the trials list it: each word's
    score there, its share of words matched and how many words it holds; then per value a trial
    lists that holds a wanted term, its distinct value, its trial's place and its (field, trial)
    key. None if no value holds a wanted term."""
    slots = worth.slots[values.terms]
    entries = np.flatnonzero(slots != 0)
    if not len(entries):
        return None
    distinct = len(values.term_counts)
    value_of = np.repeat(np.arange(distinct), values.term_counts)[entries]
    slots = slots[entries].astype(np.intp) - 1
    scores = worth.scores(slots, values.field[value_of])
    per_value = np.zeros((len(words), distinct))
    for row, score in zip(per_value, scores, strict=True):
        np.maximum.at(row, value_of, score)
    for i, word in enumerate(words):
        for one, other in worth.halves[i]:
            both = np.zeros((2, distinct), bool)
            both[0, value_of[slots == one]] = both[1, value_of[slots == other]] = True
            both = np.flatnonzero(both.all(0) & ~worth.outside[values.field, i])
            per_value[i, both] = np.maximum(per_value[i, both], word.split_score(_FIELD_WEIGHT[values.field[both]]))
    share = np.minimum(1.0, np.bincount(value_of, (scores > 0).any(0), distinct) / np.maximum(1, values.words))
    held = np.zeros(distinct, bool)
    held[value_of] = True
    listed = np.flatnonzero(held[values.distinct])
    return per_value, share, (per_value > 0).sum(0), values.distinct[listed], values.docs[listed], values.keys[listed]


class _Worth:
    """The terms some word may stand for (alternatives, halves, completions of a word being
    typed), numbered 1.. in `slots` (a vocabulary-wide table, 0 for the rest), and what each is
    worth to each word in each field."""

    def __init__(self, words: list[QueryWord], positions: tuple[np.ndarray, np.ndarray], alphabetical: np.ndarray):
        wanted = [word.term_numbers() for word in words]
        wanted += [alphabetical[slice(*word.completion_ranks())] for word in words]
        if sum(map(len, wanted)) < _SORT_BELOW:
            terms = np.sort(np.concatenate(wanted))
            terms = terms[np.diff(terms, prepend=-1) != 0]
        else:
            marked = np.zeros(len(positions[0]), bool)
            for some in wanted:
                marked[some] = True
            terms = np.flatnonzero(marked)
        self.size = len(terms)
        kind = np.uint8 if len(terms) < 1 << 8 else np.uint16 if len(terms) < 1 << 16 else np.int32
        self.slots = np.zeros(len(positions[0]), kind)  # as small as will do: read at random, once per term
        self.slots[terms] = np.arange(1, len(terms) + 1)
        self._parts = np.zeros((4, len(words), len(terms)))
        for i, word in enumerate(words):
            word.worth(terms, positions, self._parts[:, i])
        self.outside = np.array([[number not in word.fields for word in words] for number in range(_FIELD_COUNT)])
        """Per field number and word: whether the word is not looked for there (a field prefix)."""
        self.halves = [[(self.slots[one] - 1, self.slots[other] - 1) for one, other in word.split_numbers]
                       for word in words]

    def scores(self, slots: np.ndarray, numbers: np.ndarray) -> np.ndarray:
        """What the terms at `slots`, read in fields `numbers` (one each), are worth to each word:
        ``(words, len(slots))``. From a table of every wanted term's worth in every field, unless
        fewer terms were read than the table would hold."""
        count, size = self._parts.shape[1:]
        if len(slots) < _FIELD_COUNT * size:
            weights = _FIELD_WEIGHT[numbers]
            base, per_weight, completion_base, completion_per_weight = (part[:, slots] for part in self._parts)
            scores = np.maximum(base + per_weight * weights, completion_base + completion_per_weight * weights)
            scores[self.outside[numbers].T] = 0.0
            return scores
        base, per_weight, completion_base, completion_per_weight = (part[:, None, :] for part in self._parts)
        weights = _FIELD_WEIGHT[:, None]
        table = np.maximum(base + per_weight * weights, completion_base + completion_per_weight * weights)
        table[self.outside.T] = 0.0
        return table.reshape(count, _FIELD_COUNT * size).take(numbers * size + slots, axis=1)
