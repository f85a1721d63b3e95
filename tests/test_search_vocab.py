"""The vocabulary's typo tables (made at build time in numpy) agree with Python's own sorting."""

from __future__ import annotations

import pytest

from trialtui.search.index import field_values
from trialtui.search.normalize import terms as terms_of
from trialtui.search.ranking import FIELDS
from trialtui.search.vocab import _pieces, typo_tables


@pytest.fixture(scope="module")
def real_terms(api_digests) -> list[str]:
    """Every term of the real studies' searched fields, in the order the build meets them."""
    return list(dict.fromkeys(term for digest in api_digests for name in FIELDS
                              for value in field_values(digest, name) for term in terms_of(value)))


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


def test_alphabetical_order_is_pythons(real_terms):
    import random

    from trialtui.search.vocab import _alphabetical

    assert _alphabetical(real_terms).tolist() == sorted(range(len(real_terms)), key=real_terms.__getitem__)
    rng = random.Random(3)
    for _ in range(500):  # shared 16-byte prefixes, NULs, line breaks, surrogates, astral characters
        terms = list({"".join(rng.choice("ab\x00\n\ud800é中\U0001F600z") for _ in range(rng.randint(0, 40)))
                      for _ in range(rng.randint(0, 40))})
        if rng.random() < 0.5:
            terms = list({term.replace("\n", "") for term in terms})
        assert _alphabetical(terms).tolist() == sorted(range(len(terms)), key=terms.__getitem__)
