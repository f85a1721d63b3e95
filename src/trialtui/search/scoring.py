"""Exact scores of the best candidates, all at once, from their values' term numbers.

A candidate's score is each word's best match (exact > prefix > typo, specific fields first),
plus small bonuses: a word found in several fields, the words found together in one value (one
site name), a value the words cover nearly whole (a city typed alone). The bonuses depend on
single values: with each trial's values kept as term numbers (`FieldPostings.window`), they are
computed for every candidate in a few numpy passes per field and word, without reading text.
"""

from __future__ import annotations

import numpy as np

from trialtui.search.postings import FieldPostings
from trialtui.search.ranking import COVER_BONUS, FIELD_WEIGHTS, FIELDS, MULTI_FIELD_BONUS, TOGETHER_BONUS
from trialtui.search.words import QueryWord


_FIELD_WEIGHT = np.asarray([FIELD_WEIGHTS[name] for name in FIELDS])


def score_window(docs: np.ndarray, words: list[QueryWord], fields: list[FieldPostings],
                 positions: tuple[np.ndarray, np.ndarray], alphabetical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trial of `docs`: its raw score (-1 where some word matches nowhere), and per field
    number whether any word matched there (a ``(fields, len(docs))`` array).

    The candidates' term numbers are first cut down, field by field, to those some word may
    stand for (one table lookup each); the values holding them are then scored for all fields
    at once, a few numpy passes per word, whatever the number of values the candidates list.
    """
    size, count = len(docs), len(words)
    terms, entry_field, value_of, value_field, value_doc, value_words = _gather(docs, words, fields, positions,
                                                                               alphabetical)
    best = np.zeros((count, size))
    field_count = np.zeros((count, size), np.int64)
    matched = np.zeros((len(FIELDS), size), bool)
    together = np.ones(size) if count == 1 else np.zeros(size)
    cover = np.zeros((count, size))
    if not len(terms):
        return np.full(size, -1.0), matched
    first = np.flatnonzero(np.diff(value_of, prepend=-1))
    field_doc = value_field * size + value_doc
    weights = _FIELD_WEIGHT[entry_field]
    value_weight = weights[first]
    any_word = np.zeros(len(terms), bool)
    present = np.zeros(len(first))
    per_word = []
    for i, word in enumerate(words):
        scores = word.term_scores(terms, weights, positions)
        if len(word.fields) < len(FIELDS):  # a field prefix ("site:")
            scores[~np.isin(entry_field, word.fields)] = 0.0
        any_word |= scores > 0
        per_value = np.maximum.reduceat(scores, first)
        for one, other in word.split_numbers:
            both = np.maximum.reduceat(terms == one, first) & np.maximum.reduceat(terms == other, first)
            both &= np.isin(value_field, word.fields)
            per_value[both] = np.maximum(per_value[both], word.split_score(value_weight[both]))
        by_field = np.zeros(len(FIELDS) * size)
        np.maximum.at(by_field, field_doc, per_value)
        by_field = by_field.reshape(len(FIELDS), size)
        best[i] = by_field.max(0)
        field_count[i] = (by_field > 0).sum(0)
        matched |= by_field > 0
        present += per_value > 0
        per_word.append(per_value)
    if count > 1:
        np.maximum.at(together, value_doc, present)
    tokens = np.add.reduceat(any_word.astype(np.int64), first)
    share = np.minimum(1.0, tokens / np.maximum(1, value_words))
    for i, per_value in enumerate(per_word):
        at_best = (per_value > 0) & (per_value >= best[i][value_doc])
        np.maximum.at(cover[i], value_doc, np.where(at_best, share, 0.0))
    raw = (best.sum(0) / count
           + (MULTI_FIELD_BONUS * np.clip(field_count - 1, 0, 3)).sum(0) / count
           + TOGETHER_BONUS * ((together - 1) / (count - 1) if count > 1 else 1.0)
           + COVER_BONUS * cover.sum(0) / count)
    return np.where((best > 0).all(0), raw, -1.0), matched


def _gather(docs: np.ndarray, words: list[QueryWord], fields: list[FieldPostings],
            positions: tuple[np.ndarray, np.ndarray], alphabetical: np.ndarray) -> tuple[np.ndarray, ...]:
    """The candidates' terms some word may stand for, over every field: per term its field
    number and its value (numbered across fields, ascending); per value its field, its trial
    (place in `docs`) and its number of words."""
    wanted = _wanted(words, len(positions[0]), alphabetical)
    terms, entry_field, value_of, value_field, value_doc, value_words = [], [], [], [], [], []
    values_before = 0
    for number in sorted({source[2] for word in words for source in word.sources}):  # fields holding a word
        window = fields[number].window(docs)
        entries = np.flatnonzero(wanted[window.terms])
        if len(entries):
            local = np.searchsorted(np.cumsum(window.term_counts), entries, side="right")
            held = local[np.flatnonzero(np.diff(local, prepend=-1))]  # ascending already
            terms.append(window.terms[entries])
            entry_field.append(np.full(len(entries), number))
            value_of.append(local + values_before)
            value_field.append(np.full(len(held), number))
            value_doc.append(np.searchsorted(np.cumsum(window.value_counts), held, side="right"))
            value_words.append(window.words[held])
        values_before += len(window.term_counts)
    if not terms:
        return (np.zeros(0, np.int64),) * 6
    return tuple(map(np.concatenate, (terms, entry_field, value_of, value_field, value_doc, value_words)))


def _wanted(words: list[QueryWord], size: int, alphabetical: np.ndarray) -> np.ndarray:
    """A table over all `size` term numbers: True for those some word may stand for (its
    alternatives, its halves, every completion of a word being typed)."""
    wanted = np.zeros(size, bool)
    for word in words:
        wanted[word.term_numbers()] = True
        low, high = word.completion_ranks()
        wanted[alphabetical[low:high]] = True
    return wanted
