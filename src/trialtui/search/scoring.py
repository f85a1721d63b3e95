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


def score_window(docs: np.ndarray, words: list[QueryWord], fields: list[FieldPostings],
                 positions: tuple[np.ndarray, np.ndarray], alphabetical: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trial of `docs`: its raw score (-1 where some word matches nowhere), and per field
    number whether any word matched there (a ``(fields, len(docs))`` array).

    Per field, the candidates' term numbers are first cut down to those any word may stand for
    (one table lookup each), so the per-word work is over a few hundred terms even when the
    candidates list hundreds of sites.
    """
    size, count = len(docs), len(words)
    best = np.zeros((count, size))
    field_count = np.zeros((count, size), np.int64)
    together = np.ones(size) if count == 1 else np.zeros(size)
    matched = np.zeros((len(FIELDS), size), bool)
    values_seen = []
    wanted = _wanted(words, len(positions[0]), alphabetical)
    for number in sorted(set().union(*(word.fields for word in words))):
        window = fields[number].window(docs)
        entries = np.flatnonzero(wanted[window.terms])
        if not len(entries):
            continue
        value_ends = np.cumsum(window.term_counts)
        value_of = np.searchsorted(value_ends, entries, side="right")
        values, first = np.unique(value_of, return_index=True)  # the values holding a wanted term
        doc_of = np.searchsorted(np.cumsum(window.value_counts), values, side="right")
        terms = window.terms[entries]
        weight = FIELD_WEIGHTS[FIELDS[number]]
        any_word = np.zeros(len(entries), bool)
        present = np.zeros(len(values))
        per_word: list[np.ndarray | None] = []
        for i, word in enumerate(words):
            if number not in word.fields:
                per_word.append(None)
                continue
            scores = word.term_scores(terms, weight, positions)
            any_word |= scores > 0
            per_value = np.maximum.reduceat(scores, first)
            for one, other in word.split_numbers:
                both = (np.maximum.reduceat(terms == one, first) & np.maximum.reduceat(terms == other, first))
                per_value[both] = np.maximum(per_value[both], word.split_score(weight))
            per_doc = np.zeros(size)
            np.maximum.at(per_doc, doc_of, per_value)
            np.maximum(best[i], per_doc, out=best[i])
            field_count[i] += per_doc > 0
            matched[number] |= per_doc > 0
            present += per_value > 0
            per_word.append(per_value)
        if count > 1:
            np.maximum.at(together, doc_of, present)
        tokens = np.add.reduceat(any_word.astype(np.int64), first)
        share = np.minimum(1.0, tokens / np.maximum(1, window.words[values]))
        values_seen.append((doc_of, per_word, share))
    cover = np.zeros((count, size))
    for doc_of, per_word, share in values_seen:
        for i, per_value in enumerate(per_word):
            if per_value is not None:
                at_best = (per_value > 0) & (per_value >= best[i][doc_of])
                np.maximum.at(cover[i], doc_of, np.where(at_best, share, 0.0))
    raw = (best.sum(0) / count
           + (MULTI_FIELD_BONUS * np.clip(field_count - 1, 0, 3)).sum(0) / count
           + TOGETHER_BONUS * ((together - 1) / (count - 1) if count > 1 else 1.0)
           + COVER_BONUS * cover.sum(0) / count)
    return np.where((best > 0).all(0), raw, -1.0), matched


def _wanted(words: list[QueryWord], size: int, alphabetical: np.ndarray) -> np.ndarray:
    """A table over all `size` term numbers: True for those some word may stand for (its
    alternatives, its halves, every completion of a word being typed)."""
    wanted = np.zeros(size, bool)
    for word in words:
        wanted[word.term_numbers()] = True
        low, high = word.completion_ranks()
        wanted[alphabetical[low:high]] = True
    return wanted
