"""The vocabulary's bulk orders (made at build time: compiled, and in numpy) agree with Python's own
sorting."""

from __future__ import annotations

import random

import pytest

from trialtui.search.index import field_values
from trialtui.search.normalize import STOPWORDS
from trialtui.search.normalize import terms as terms_of
from trialtui.search.ranking import FIELDS
from trialtui.search.tokenize import TermTable
from trialtui.search.vocab import _pieces, typo_tables

AWKWARD = ["", "a", "ab", "abcdefg", "abcdefgh", "abcdefgha", "abcdefghi", "abcdefghij", "abcdefgi", "abcdefgz",
           "abcdefghabcdefgh", "abcdefghabcdefghz", "nct01234567", "nct01234568", "nct0123456", "é", "éa", "e",
           "zürich", "zurich", "東京大学", "東京", "z", "9", "0a"]
TERMS = [term for term in AWKWARD if term and term not in STOPWORDS]  # what a term table can hold


def alphabetical_order(terms: list[str]) -> list[int]:
    """The build's alphabetical order of `terms` (`TermTable.alphabetical`), as places in `terms`."""
    table = TermTable()
    assert table.number(terms).tolist() == list(range(len(terms)))
    return table.alphabetical().tolist()


def test_alphabetical_order_is_sorted_order():
    rng = random.Random(4)
    for _ in range(300):
        terms = rng.sample(TERMS, rng.randint(0, len(TERMS)))
        assert alphabetical_order(terms) == sorted(range(len(terms)), key=terms.__getitem__), terms


@pytest.fixture(scope="module")
def real_terms(api_digests) -> list[str]:
    """Every term of the real studies' searched fields, in the order the build meets them."""
    return list(dict.fromkeys(term for digest in api_digests for name in FIELDS
                              for value in field_values(digest, name) for term in terms_of(value)))


def test_alphabetical_order_of_a_real_vocabulary(real_terms):
    order = alphabetical_order(real_terms)
    assert order == sorted(range(len(real_terms)), key=real_terms.__getitem__)
    assert [real_terms[n] for n in order[:3]] == sorted(real_terms)[:3]


def test_typo_tables_hold_every_term_sorted_by_each_piece(real_terms):
    terms = real_terms + ["zürichhh", "東京大学医院東京"]
    tables = typo_tables(terms)
    assert min(tables) == 6
    for length, orders in tables.items():
        of_length = sorted(n for n, term in enumerate(terms) if len(term) == length)
        for order, (start, end) in zip(orders, _pieces(length), strict=True):
            assert sorted(order) == of_length
            pieces = [terms[n][start:end] for n in order]
            assert pieces == sorted(pieces)
