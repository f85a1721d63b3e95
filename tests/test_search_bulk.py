"""The bulk build (each distinct value tokenised once, numpy postings) indexes exactly what
indexing one trial at a time does, on real records, with the tokenizer the query side uses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trialtui.search import SearchIndex
from trialtui.search.bulk import number_all
from trialtui.search.index import field_values
from trialtui.search.normalize import numbered, terms, tokenized, words
from trialtui.search.ranking import FIELDS
from trialtui.search.tokenize import TermNumbers


@pytest.fixture(scope="module")
def built_and_added(api_digests):
    added = SearchIndex()
    for digest in api_digests:
        added.add(digest)
    return SearchIndex.build(api_digests), added


def test_bulk_terms_are_the_terms_of_each_value(api_digests):
    numbering = TermNumbers()
    fields = [[field_values(d, name) for d in api_digests] for name in FIELDS]
    for name, per_doc, values in zip(FIELDS, fields, numbering.fields_values(fields), strict=True):
        names = numbering.terms()
        for doc, doc_values in enumerate(per_doc):
            got = set()
            for value in values.values[values.doc_starts[doc]:values.doc_starts[doc + 1]].tolist():
                got.update(names[t] for t in values.value_terms[values.value_starts[value]:values.value_starts[value + 1]])
            assert got == set().union(*map(terms, doc_values)), (name, api_digests[doc].trial_id)
        flat = [value for doc_values in per_doc for value in doc_values]
        assert values.value_words[values.values].tolist() == [len(words(value)) for value in flat]


AWKWARD = ["Herceptin™ (trastuzumab)", "Sun Yat-sen\x00University", "", "of the and",
           "Universitätsspital Zürich", "GD2/B7H3 — CAR-T", "[bold]x[/bold]", "St. Mary's Hosp.",
           "a--b c-/d -x y- .z.", "Inc. (U.S.A.)-", "'quoted' x_y_ _z", "Ελληνικό Νοσοκομείο ΣΟΦΙΑ",
           "北京协和医院", "İstanbul Üniversitesi", "x-y-z-w", "Dana‐Farber’s x’y", "a\nb-c\x00d",
           "Lone \ud800surrogate", "MAYO CLINIC", "MAYO CLINIC"]


def _value_terms(numbering: TermNumbers, values) -> tuple[list[set[str]], list[int], list[int]]:
    """Per value: its terms' names, its word count and its value number."""
    [found] = numbering.fields_values([[(value,) for value in values]])
    names = numbering.terms()
    starts = found.value_starts
    return ([{names[t] for t in found.value_terms[starts[v]:starts[v + 1]].tolist()} for v in found.values.tolist()],
            found.value_words[found.values].tolist(), found.values.tolist())


def test_bulk_terms_of_awkward_values():
    got, counts, numbers = _value_terms(TermNumbers(), AWKWARD)
    assert counts == [len(words(value)) for value in AWKWARD]
    assert got == [terms(value) for value in AWKWARD]
    assert got[0] == {"herceptintm", "trastuzumab"}
    assert got[1] == {"sun", "yat", "sen", "yatsen", "university"}  # the texts' own separator is a space
    assert got[14] == {"x", "y", "z", "w", "xyzw"}
    assert got[15] == {"dana", "farber", "farbers", "s", "x", "y", "xy"}
    assert got[16] == {"b", "c", "bc", "d"}
    assert got[3] == set() and counts[3] == 3  # stopwords are counted as words, never indexed
    assert got[-3] == {"lone", "surrogate"}  # hostile text is folded, never a crash
    assert numbers[-2] == numbers[-1]  # a value listed twice is tokenised once


def test_tokenized_gives_each_text_its_own_terms():
    found, owners, counts = tokenized(AWKWARD)
    assert [set(t for t, owner in zip(found, owners.tolist(), strict=True) if owner == at)
            for at in range(len(AWKWARD))] == [terms(value) for value in AWKWARD]
    assert counts.tolist() == [len(words(value)) for value in AWKWARD]
    assert [len(part) for part in tokenized([])] == [0, 0, 0]


def test_numbered_numbers_the_terms_tokenized_gives_in_order_of_first_sight():
    texts = [*AWKWARD, "o.r a.n x-y", "the of", "Sun Yat-sen University", "北京 x-y"]
    ids = {"university": 0}
    batches = [texts, [], texts[::-1], ["Sun Yat-sen"], texts[3:9]]
    expected_ids = {"university": 0}
    for batch, (found, owners, counts) in zip(batches, numbered(batches, ids), strict=True):
        names, expected_owners, expected_counts = tokenized(batch)
        assert found.tolist() == number_all(names, expected_ids)[0].tolist()
        assert owners.tolist() == expected_owners.tolist()
        assert counts.tolist() == expected_counts.tolist()
    assert list(ids) == list(expected_ids)
    assert "or" not in ids and "an" not in ids and "xy" in ids  # glued stopwords are not terms


def test_numbered_reads_batches_in_groups_as_one_at_a_time(monkeypatch):
    from trialtui.search import normalize

    batches = [AWKWARD[at:at + 3] for at in range(0, len(AWKWARD), 3)]
    together_ids, apart_ids = {}, {}
    together = list(numbered(batches, together_ids))
    monkeypatch.setattr(normalize, "_GROUP_BYTES", 1)  # every batch its own group
    apart = list(numbered(batches, apart_ids))
    assert list(together_ids.items()) == list(apart_ids.items())
    assert [[part.tolist() for part in parts] for parts in together] == [[part.tolist() for part in parts] for parts in apart]


@pytest.mark.parametrize("spread", [None, (0, 0, 0)])
def test_distinct_words_number_words_as_a_dictionary_does(monkeypatch, spread):
    import random

    import numpy as np

    from trialtui.search import distinct

    if spread:  # every word in one slot of the hash table: the dictionary tells them apart
        monkeypatch.setattr(distinct, "_SPREAD", tuple(map(np.uint64, spread)))
    rng = random.Random(7)
    for _ in range(300):
        spellings = ["".join(rng.choice("ab\x00é中") for _ in range(rng.randint(1, 30))) for _ in range(rng.randint(1, 20))]
        text = "  ".join(rng.choice(spellings) for _ in range(rng.randint(0, 100))).center(rng.randint(0, 300)).encode()
        numbers, found, starts = distinct.distinct_words(text)
        expected, spelled = number_all(text.decode().split(" "), {"": 0})  # words of up to 90 bytes
        assert found == spelled
        assert numbers.tolist() == [number - 1 for number in expected.tolist() if number]
        assert [text[start:].split(b" ")[0].decode() for start in starts.tolist()] == [found[n] for n in numbers.tolist()]


def test_terms_numbered_once_across_fields_and_batches(monkeypatch):
    from trialtui.search import tokenize

    monkeypatch.setattr(tokenize, "_BATCH", 3)  # values tokenised a few at a time
    numbering = TermNumbers()
    values = [f"Site {i} Hospital-{i % 7}" for i in range(5_000)]
    got, counts, _ = _value_terms(numbering, values)
    assert got[12] == {"site", "12", "hospital", "5", "hospital5"}
    assert counts[12] == 4
    again, _, _ = _value_terms(numbering, ["New Site", "Hospital Alpha", "Site 12 Hospital-5"])
    assert again == [{"new", "site"}, {"hospital", "alpha"}, got[12]]
    names = numbering.terms()
    assert len(names) == len(set(names)) == len(numbering) and all(numbering.ids[t] == n for n, t in enumerate(names))


@pytest.mark.parametrize("query", ["cisplatin", "pembrolizumab", "Boston", "Dana-Farber Cancer Institute",
                                   "Massachusets General", "Sun Yat-sen", "Zürich", "site:Houston", "carboplat"])
def test_bulk_build_searches_like_adding_one_by_one(built_and_added, query):
    built, added = built_and_added
    assert built.search(query, limit=20) == added.search(query, limit=20)
    assert built.search(query, limit=20)


def test_postings_made_a_few_trials_at_a_time_are_the_same(api_digests, built_and_added, monkeypatch):
    from trialtui.search import postings

    monkeypatch.setattr(postings, "_PAIRS", 500)  # hundreds of chunks, some of one trial with more pairs
    chunked = SearchIndex.build(api_digests)
    built, _ = built_and_added
    for query in ("Boston", "site:Houston", "Sun Yat-sen", "carboplatin", "glioma", "Massachusets General"):
        assert chunked.search(query, limit=30) == built.search(query, limit=30)
    for number, name in enumerate(FIELDS):
        for term in chunked._vocab.terms[::7]:
            got = chunked._fields[number].docs(chunked._vocab.ids[term])
            want = built._fields[number].docs(built._vocab.ids[term])
            assert (got is None and want is None) or got.tolist() == want.tolist(), (name, term)


def test_typo_tables_made_up_front_find_what_lazy_ones_do(built_and_added, api_digests):
    built, added = built_and_added
    for word in ("carboplatinn", "pembrolizumba", "massachusets", "cyclophosphamid", "zurichh"):
        assert built.search(word, limit=20) == added.search(word, limit=20)
    by_id = {d.trial_id: d for d in api_digests}
    hits = built.search("pembrolizumba", limit=20)
    assert hits and all(any("pembrolizumab" in value.lower() for name in hit.matched
                            for value in field_values(by_id[hit.trial_id], name)) for hit in hits)


def test_a_build_and_its_searches_import_only_numpy_rapidfuzz_and_pydantic():
    """No compiler to load on a fresh install, no other heavy library on the start path."""
    script = """
import sys
from trialtui.digest import TrialDigest
from trialtui.search import SearchIndex
digests = [TrialDigest(f"NCT{n:08d}", "Cisplatin at Sun Yat-sen", "RECRUITING", ("PHASE2",), ("Glioma",),
                       "2025-01-01", "seeds", facilities=("Zürich Hospital",)) for n in range(3)]
index = SearchIndex.build(digests)
print(len(index.search("zurich")), len(index.search("cisplatn")))
print(*sorted({name.split(".")[0] for name in sys.modules} - set(sys.stdlib_module_names)))
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    hits, modules = run.stdout.splitlines()
    assert hits == "3 3"
    third_party = set(modules.split()) - {"__main__", "trialtui", "_distutils_hack", "cython_runtime"}
    third_party = {name for name in third_party if not name.startswith("_")}
    assert third_party <= {"numpy", "rapidfuzz", "pydantic", "pydantic_core", "annotated_types",
                           "typing_extensions", "typing_inspection"}, third_party
