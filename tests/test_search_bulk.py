"""The bulk build (numpy) indexes exactly what indexing one trial at a time does, on real records."""

from __future__ import annotations

import numpy as np
import pytest

from trialtui.search import SearchIndex
from trialtui.search.bulk import Tokenizer, tokenize_field
from trialtui.search.distinct import first_of
from trialtui.search.index import field_values
from trialtui.search.normalize import terms, words
from trialtui.search.ranking import FIELDS


@pytest.fixture(scope="module")
def built_and_added(api_digests):
    added = SearchIndex()
    for digest in api_digests:
        added.add(digest)
    return SearchIndex.build(api_digests), added


def test_bulk_terms_are_the_terms_of_each_value(api_digests):
    numbers: dict[str, int] = {}
    tokenizer = Tokenizer(lambda terms: [numbers.setdefault(term, len(numbers)) for term in terms])
    for name in FIELDS:
        per_doc = [field_values(d, name) for d in api_digests]
        values = tokenize_field(per_doc, tokenizer)
        starts, found = values.doc_terms()
        names = list(numbers)
        for doc, doc_values in enumerate(per_doc):
            got = {names[term] for term in found[starts[doc]:starts[doc + 1]].tolist()}
            assert got == set().union(*map(terms, doc_values)), (name, api_digests[doc].trial_id)
        counts = {value: len(words(value)) for doc_values in per_doc for value in doc_values}
        distinct = list(dict.fromkeys(v for doc_values in per_doc for v in doc_values))
        assert values.value_words.tolist() == [counts[value] for value in distinct]


def test_bulk_terms_of_awkward_values():
    numbers: dict[str, int] = {}
    tokenizer = Tokenizer(lambda terms: [numbers.setdefault(term, len(numbers)) for term in terms])
    values = ["Herceptin™ (trastuzumab)", "Sun Yat-sen\x01University", "", "of the and",
              "Universitätsspital Zürich", "GD2/B7H3 — CAR-T", "[bold]x[/bold]",
              "St. Mary's Hosp.", "a--b c-/d -x y- .z.", "Inc. (U.S.A.)-", "'quoted' x_y_ _z"]
    starts, found, counts = tokenizer.value_terms(values)
    assert counts.tolist() == [len(words(value)) for value in values]
    names = list(numbers)
    for i, value in enumerate(values):
        assert {names[t] for t in found[starts[i]:starts[i + 1]].tolist()} == terms(value.replace("\x01", " "))
    assert {names[t] for t in found[starts[0]:starts[1]].tolist()} == {"herceptintm", "trastuzumab"}


@pytest.mark.parametrize("query", ["cisplatin", "pembrolizumab", "Boston", "Dana-Farber Cancer Institute",
                                   "Massachusets General", "Sun Yat-sen", "Zürich", "site:Houston", "carboplat"])
def test_bulk_build_searches_like_adding_one_by_one(built_and_added, query):
    built, added = built_and_added
    assert built.search(query, limit=20) == added.search(query, limit=20)
    assert built.search(query, limit=20)


def test_typo_tables_made_up_front_find_what_lazy_ones_do(built_and_added):
    built, added = built_and_added
    assert len(built._vocab._by_piece) > 20  # every length made at build
    for word in ("carboplatinn", "pembrolizumba", "massachusets", "cyclophosphamid", "zurichh"):
        assert built._vocab.near(word) == added._vocab.near(word)
    assert "pembrolizumab" in built._vocab.near("pembrolizumba")


def test_first_of_never_merges_different_items():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 500, 20_000)
    keys = (values % 37).astype(np.uint64)  # equal for equal values, shared by different ones
    first = first_of(keys, lambda items, others: values[items] == values[others])
    seen: dict[int, int] = {}
    assert first.tolist() == [seen.setdefault(value, at) for at, value in enumerate(values.tolist())]
    plain = rng.integers(0, 1 << 63, 5_000, dtype=np.int64).astype(np.uint64)[rng.integers(0, 5_000, 30_000)]
    seen = {}
    assert first_of(plain).tolist() == [seen.setdefault(key, at) for at, key in enumerate(plain.tolist())]
