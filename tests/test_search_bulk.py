"""The bulk build (compiled tokenizer, numpy postings) indexes exactly what indexing one trial at
a time does, on real records."""

from __future__ import annotations

import pytest

from trialtui.search import SearchIndex
from trialtui.search.index import field_values
from trialtui.search.normalize import terms, words
from trialtui.search.ranking import FIELDS
from trialtui.search.tokenize import TermTable


@pytest.fixture(scope="module")
def built_and_added(api_digests):
    added = SearchIndex()
    for digest in api_digests:
        added.add(digest)
    return SearchIndex.build(api_digests), added


def test_bulk_terms_are_the_terms_of_each_value(api_digests):
    table = TermTable()
    for name in FIELDS:
        per_doc = [field_values(d, name) for d in api_digests]
        values = table.field_values(per_doc)
        names = table.terms()[0]
        for doc, doc_values in enumerate(per_doc):
            got = set()
            for value in values.values[values.doc_starts[doc]:values.doc_starts[doc + 1]].tolist():
                got.update(names[t] for t in values.value_terms[values.value_starts[value]:values.value_starts[value + 1]])
            assert got == set().union(*map(terms, doc_values)), (name, api_digests[doc].trial_id)
        flat = [value for doc_values in per_doc for value in doc_values]
        assert values.value_words[values.values].tolist() == [len(words(value)) for value in flat]


AWKWARD = ["Herceptin™ (trastuzumab)", "Sun Yat-sen\x01University", "", "of the and",
           "Universitätsspital Zürich", "GD2/B7H3 — CAR-T", "[bold]x[/bold]", "St. Mary's Hosp.",
           "a--b c-/d -x y- .z.", "Inc. (U.S.A.)-", "'quoted' x_y_ _z", "Ελληνικό Νοσοκομείο ΣΟΦΙΑ",
           "北京协和医院", "İstanbul Üniversitesi", "x-y-z-w", "MAYO CLINIC", "Mayo Clinic,"]


def _value_terms(table: TermTable, values) -> tuple[list[set[str]], list[int], list[int]]:
    """Per value: its terms' names, its word count and its value number."""
    found = table.field_values([(value,) for value in values])
    names = table.terms()[0]
    starts = found.value_starts
    return ([{names[t] for t in found.value_terms[starts[v]:starts[v + 1]].tolist()} for v in found.values.tolist()],
            found.value_words[found.values].tolist(), found.values.tolist())


def test_bulk_terms_of_awkward_values():
    got, counts, numbers = _value_terms(TermTable(), AWKWARD)
    assert counts == [len(words(value.replace("\x01", " "))) for value in AWKWARD]
    assert got == [terms(value.replace("\x01", " ")) for value in AWKWARD]
    assert got[0] == {"herceptintm", "trastuzumab"}
    assert got[14] == {"x", "y", "z", "w", "xyzw"}
    assert numbers[-2] == numbers[-1]  # the same words in another case: one value


def test_terms_numbered_once_across_fields_and_batches(monkeypatch):
    from trialtui.search import tokenize

    monkeypatch.setattr(tokenize, "_BATCH", 3)  # tables and arrays grow between and within batches
    table = TermTable()
    values = [f"Site {i} Hospital-{i % 7}" for i in range(5_000)]
    got, counts, _ = _value_terms(table, values)
    assert got[12] == {"site", "12", "hospital", "5", "hospital5"}
    assert counts[12] == 4
    assert table.number(["hospital", "site", "zzz-new"]).tolist()[:2] == [table.terms()[0].index("hospital"),
                                                                           table.terms()[0].index("site")]
    other = TermTable()
    other.field_values([("New Site", "Hospital Alpha")])
    numbers = table.number_packed(*other.packed())
    assert [table.terms()[0][n] for n in numbers.tolist()] == other.terms()[0]
    terms, ids = table.terms()
    assert len(table) == len(terms) == len(ids) and all(ids[term] == n for n, term in enumerate(terms))


@pytest.mark.parametrize("query", ["cisplatin", "pembrolizumab", "Boston", "Dana-Farber Cancer Institute",
                                   "Massachusets General", "Sun Yat-sen", "Zürich", "site:Houston", "carboplat"])
def test_bulk_build_searches_like_adding_one_by_one(built_and_added, query):
    built, added = built_and_added
    assert built.search(query, limit=20) == added.search(query, limit=20)
    assert built.search(query, limit=20)


def test_typo_tables_made_up_front_find_what_lazy_ones_do(built_and_added, api_digests):
    built, added = built_and_added
    for word in ("carboplatinn", "pembrolizumba", "massachusets", "cyclophosphamid", "zurichh"):
        assert built.search(word, limit=20) == added.search(word, limit=20)
    by_id = {d.trial_id: d for d in api_digests}
    hits = built.search("pembrolizumba", limit=20)
    assert hits and all(any("pembrolizumab" in value.lower() for name in hit.matched
                            for value in field_values(by_id[hit.trial_id], name)) for hit in hits)


def test_term_table_sorts_terms_as_python_does():
    table = TermTable()
    table.number(["nct01234567", "nct01234560", "nct0123456", "nct01234", "nct0123", "zurich", "zürich",
                  "北京", "a1", "ab", "aa", "éclair", "ecl", "pembrolizumab", "pembrolizumabx", "z"])
    terms, _ = table.terms()
    assert table.alphabetical().tolist() == sorted(range(len(terms)), key=terms.__getitem__)
