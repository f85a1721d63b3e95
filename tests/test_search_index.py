"""The search index's matching rules, pinned with real trial, drug and site names."""

from __future__ import annotations

import pytest

from trialtui.digest import TrialDigest
from trialtui.search import SearchFilters, SearchIndex, field_text, parse_query, vocab
from trialtui.search.normalize import terms


def trial(trial_id: str, title: str, **fields) -> TrialDigest:
    fields.setdefault("status", "RECRUITING")
    fields.setdefault("phases", ("PHASE1",))
    fields.setdefault("conditions", ())
    return TrialDigest(trial_id=trial_id, title=title, last_update="2025-01-01", origin="test",
                       **fields)


NEURO = trial(
    "NCT00000001", "Dinutuximab Beta With Chemotherapy in Relapsed Neuroblastoma",
    conditions=("Neuroblastoma",), drugs=("Dinutuximab beta", "Qarziba", "Irinotecan"),
    facilities=("Great Ormond Street Hospital for Children",), cities=("London",),
    countries=("United Kingdom",), sponsors=("University of Birmingham",),
    min_age=1.0, max_age=21.0, phases=("PHASE2",),
)
CNK = trial(
    "NCT00000002", "CNK-UT in Advanced Solid Tumours",
    drugs=("CNK-UT",), facilities=("Sun Yat-sen University Cancer Center",),
    cities=("Guangzhou",), states=("Guangdong",), countries=("China",),
    sponsors=("Sun Yat-sen University",), min_age=18.0, max_age=75.0, status="NOT_YET_RECRUITING",
)
SAR = trial(
    "NCT00000003", "A Study of SAR443579 in Acute Myeloid Leukemia",
    drugs=("SAR443579",), facilities=("Universitätsspital Zürich",), cities=("Zürich",),
    countries=("Switzerland",), sponsors=("Sanofi",), min_age=18.0, phases=("PHASE1", "PHASE2"),
)
FT = trial(
    "NCT00000004", "FT538 Plus Monoclonal Antibodies in AML",
    drugs=("FT538",), ids=("FT538-101",), facilities=("Masonic Cancer Center",),
    cities=("Minneapolis",), countries=("United States",), sponsors=("Fate Therapeutics",),
    min_age=18.0, status="COMPLETED",
)
MENTION = trial(
    "NCT00000005", "Immunotherapy Follow-up Registry",
    drug_text=("Patients previously treated with dinutuximab are followed for ten years",),
    facilities=("Children's Hospital of Philadelphia",), cities=("Philadelphia",),
    countries=("United States",), min_age=0.0, max_age=30.0, status="RECRUITING",
)
GD2 = trial(
    "NCT00000006", "GD2/B7H3 Bispecific CAR T Cells for Neuroblastoma",
    conditions=("Neuroblastoma",), drugs=("GD2-B7H3 CAR T cells",),
    facilities=("Guangzhou Women and Children's Medical Center",), cities=("Guangzhou",),
    countries=("China",), min_age=1.0, max_age=18.0, phases=("EARLY_PHASE1",),
)
ALL = (NEURO, CNK, SAR, FT, MENTION, GD2)


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(ALL)


def ids(hits) -> list[str]:
    return [h.trial_id for h in hits]


@pytest.mark.parametrize("query, expected", [
    ("dinutuximab", "NCT00000001"),
    ("DINUTUXIMAB", "NCT00000001"),
    ("dinutuximab beta", "NCT00000001"),
    ("qarziba", "NCT00000001"),
    ("sar443579", "NCT00000003"),
    ("SAR-443579", "NCT00000003"),
    ("SAR 443579", "NCT00000003"),
    ("FT538", "NCT00000004"),
    ("ft 538", "NCT00000004"),
    ("CNK-UT", "NCT00000002"),
    ("cnkut", "NCT00000002"),
    ("cnk ut", "NCT00000002"),
    ("GD2/B7H3", "NCT00000006"),
    ("gd2b7h3", "NCT00000006"),
    ("b7h3", "NCT00000006"),
])
def test_case_and_punctuation_do_not_matter(index, query, expected):
    assert ids(index.search(query))[:1] == [expected]


@pytest.mark.parametrize("query", ["Sun Yat-sen", "sun yatsen", "Sun Yat Sen", "SUN YAT-SEN UNIVERSITY"])
def test_sun_yat_sen_spellings(index, query):
    assert ids(index.search(query)) == ["NCT00000002"]


@pytest.mark.parametrize("query", ["Zürich", "zurich", "ZURICH", "Zu\u0308rich", "universitatsspital"])
def test_accents_do_not_matter(index, query):
    assert ids(index.search(query)) == ["NCT00000003"]


@pytest.mark.parametrize("query", [
    "dinutuxmab",     # deletion
    "dinutuxiamb",    # transposition
    "dinutuximav",    # substitution
    "dinituximab",    # substitution
    "dinutuksimab",   # two edits in a long word
    "guangzohu",      # transposition in a site
    "philadelpia",
    "irinotekan",
])
def test_typos_are_tolerated(index, query):
    assert index.search(query), query


def test_short_words_are_not_fuzzy(index):
    assert index.search("aml")
    assert not index.search("amx")  # three letters: no typo allowed


def test_too_many_typos_do_not_match(index):
    assert not index.search("dnutxmab")  # three edits
    assert not index.search("zorihc")  # two edits in a six-letter word


def test_one_typo_at_five_letters(index):
    assert ids(index.search("lonon")) == ["NCT00000001"]
    assert ids(index.search("zurihc")) == ["NCT00000003"]


@pytest.mark.parametrize("query, expected", [
    ("dinut", "NCT00000001"),
    ("guangz", None),
    ("great ormo", "NCT00000001"),
    ("sar44", "NCT00000003"),
    ("minneap", "NCT00000004"),
])
def test_half_typed_words_match_as_prefixes(index, query, expected):
    found = ids(index.search(query))
    assert found
    if expected:
        assert found[0] == expected
    else:
        assert set(found) == {"NCT00000002", "NCT00000006"}


def test_typo_in_a_half_typed_word(index):
    assert ids(index.search("dinutx"))[:1] == ["NCT00000001"]


def test_every_term_must_match(index):
    assert set(ids(index.search("neuroblastoma"))) == {"NCT00000001", "NCT00000006"}
    assert ids(index.search("neuroblastoma london")) == ["NCT00000001"]
    assert ids(index.search("neuroblastoma guangzhou")) == ["NCT00000006"]
    assert index.search("neuroblastoma minneapolis") == []


def test_field_prefixes_narrow_a_term(index):
    assert set(ids(index.search("guangzhou"))) == {"NCT00000002", "NCT00000006"}
    assert ids(index.search("drug:cnk")) == ["NCT00000002"]
    assert index.search("site:dinutuximab") == []
    assert ids(index.search("site:london")) == ["NCT00000001"]
    assert ids(index.search("sponsor:sanofi")) == ["NCT00000003"]
    assert ids(index.search("cond:neuroblastoma site:guangzhou")) == ["NCT00000006"]
    assert ids(index.search("id:FT538-101")) == ["NCT00000004"]
    assert ids(index.search("id:NCT00000003")) == ["NCT00000003"]


def test_unknown_prefix_is_just_text(index):
    assert parse_query("covid:19").terms[0].fields is None
    assert [t.text for t in parse_query("covid:19").terms] == ["covid", "19"]


def test_quoted_phrase_must_be_a_run(index):
    assert ids(index.search('"great ormond street"')) == ["NCT00000001"]
    assert index.search('"street ormond"') == []
    assert ids(index.search("street ormond")) == ["NCT00000001"]


def test_parse_query_marks_the_word_being_typed():
    query = parse_query('drug:dinutuximab site:"Great Ormond" lond')
    assert [(t.text, t.fields, t.phrase is not None, t.typing) for t in query.terms] == [
        ("dinutuximab", ("drugs", "drug_text"), False, False),
        ("great", ("facilities", "cities", "states", "countries"), True, False),
        ("ormond", ("facilities", "cities", "states", "countries"), True, False),
        ("lond", None, False, True),
    ]
    assert not parse_query("lond ").terms[-1].typing
    assert [t.text for t in parse_query("the dinutuximab of").terms] == ["dinutuximab", "of"]


def test_drug_field_beats_a_description_mention(index):
    hits = index.search("dinutuximab")
    assert ids(hits) == ["NCT00000001", "NCT00000005"]
    assert hits[0].score > hits[1].score
    assert "drugs" in hits[0].matched and hits[1].matched == ("drug_text",)


def test_exact_beats_prefix_beats_typo():
    exact = trial("NCT10000001", "x", cities=("Boston",))
    prefix = trial("NCT10000002", "x", cities=("Bostonia",))
    typo = trial("NCT10000003", "x", cities=("Bostin",))
    hits = SearchIndex.build([typo, prefix, exact]).search("boston")
    assert ids(hits) == ["NCT10000001", "NCT10000002", "NCT10000003"]
    assert hits[0].score > hits[1].score > hits[2].score


def test_exact_in_a_weak_field_beats_a_typo_in_a_strong_one():
    mention = trial("NCT10000001", "x", drug_text=("given with tadalafil daily",))
    typo = trial("NCT10000002", "x", drugs=("Tadalafel",))
    assert ids(SearchIndex.build([typo, mention]).search("tadalafil")) == ["NCT10000001", "NCT10000002"]


def test_words_together_in_one_value_rank_first():
    scattered = trial("NCT10000001", "Great outcomes", facilities=("Ormond Clinic",),
                      cities=("Street",))
    together = trial("NCT10000002", "x", facilities=("Great Ormond Street Hospital",))
    assert ids(SearchIndex.build([scattered, together]).search("great ormond street"))[0] == "NCT10000002"


def test_scores_are_percentages_best_first(index):
    for query in ("dinutuximab", "guangzhou", "neuroblastoma", "dinutuxmab"):
        scores = [h.score for h in index.search(query)]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 100 for s in scores)


def test_matched_fields_and_title_spans(index):
    hit = index.search("dinutuximab neuroblastoma")[0]
    assert hit.trial_id == "NCT00000001"
    assert {"drugs", "title", "conditions"} <= set(hit.matched)
    title = NEURO.title
    assert [title[s:e] for s, e in hit.spans["title"]] == ["Dinutuximab", "Neuroblastoma"]


def test_spans_only_where_asked_with_the_same_ranking(index):
    everywhere = index.search("dinutuximab neuroblastoma")
    titles = index.search("dinutuximab neuroblastoma", highlight=("title",))
    assert [(h.trial_id, h.score, h.matched) for h in titles] == [(h.trial_id, h.score, h.matched) for h in everywhere]
    assert set(titles[0].spans) == {"title"} and titles[0].spans["title"] == everywhere[0].spans["title"]
    assert all(not h.spans for h in index.search("dinutuximab neuroblastoma", highlight=()))


def test_spans_point_into_the_original_text(index):
    hit = index.search("zurich")[0]
    cities = field_text(SAR, "cities")
    assert [cities[s:e] for s, e in hit.spans["cities"]] == ["Zürich"]
    hit = index.search("yatsen")[0]
    facilities = field_text(CNK, "facilities")
    assert [facilities[s:e] for s, e in hit.spans["facilities"]] == ["Yat-sen"]


def test_spans_in_many_valued_fields_use_the_separator(index):
    hit = index.search("qarziba")[0]
    drugs = field_text(NEURO, "drugs")
    assert drugs == "Dinutuximab beta; Qarziba; Irinotecan"
    assert [drugs[s:e] for s, e in hit.spans["drugs"]] == ["Qarziba"]


def test_filters(index):
    assert set(ids(index.search("", filters=SearchFilters(statuses=frozenset({"RECRUITING"}))))) == {
        "NCT00000001", "NCT00000003", "NCT00000005", "NCT00000006"}
    assert ids(index.search("", filters=SearchFilters(statuses=frozenset({"Not yet recruiting"})))) == [
        "NCT00000002"]
    assert ids(index.search("", filters=SearchFilters(phases=frozenset({"Phase 2"})))) == ["NCT00000001"]
    assert set(ids(index.search("", filters=SearchFilters(phases=frozenset({"Phase 2", "PHASE1/PHASE2"}))))) == {
        "NCT00000001", "NCT00000003"}
    assert ids(index.search("", filters=SearchFilters(phases=frozenset({"EARLY_PHASE1"})))) == [
        "NCT00000006"]
    assert ids(index.search("guangzhou", filters=SearchFilters(countries=frozenset({"china"}),
                                                                patient_ages=frozenset({40})))) == ["NCT00000002"]
    assert set(ids(index.search("", filters=SearchFilters(patient_ages=frozenset({25}))))) == {
        "NCT00000002", "NCT00000003", "NCT00000004", "NCT00000005"}
    assert set(ids(index.search("", filters=SearchFilters(countries=frozenset({"United States"}))))) == {
        "NCT00000004", "NCT00000005"}


def test_several_countries_or_ages_admit_a_trial_any_of_them_admits(index):
    either = SearchFilters(countries=frozenset({"UK", "Switzerland"}))  # "UK" is a name the United Kingdom goes by
    assert set(ids(index.search("", filters=either))) == {"NCT00000001", "NCT00000003"}
    # age 5: NEURO (1-21), MENTION (0-30), GD2 (1-18); age 80: SAR, FT (18, no upper limit)
    assert set(ids(index.search("", filters=SearchFilters(patient_ages=frozenset({5, 80}))))) == {
        "NCT00000001", "NCT00000005", "NCT00000006", "NCT00000003", "NCT00000004"}
    both = SearchFilters(countries=frozenset({"China", "United States"}), patient_ages=frozenset({25, 80}))
    assert set(ids(index.search("", filters=both))) == {"NCT00000002", "NCT00000004", "NCT00000005"}


def test_empty_query_lists_in_a_stable_order(index):
    assert ids(index.search("")) == [t.trial_id for t in ALL]
    assert ids(index.search("   ", limit=2)) == ["NCT00000001", "NCT00000002"]


def test_limit(index):
    assert len(index.search("neuroblastoma", limit=1)) == 1


def test_add_and_remove_update_the_index(index):
    index = SearchIndex.build(ALL)
    assert not index.search("naxitamab")
    index.add(trial("NCT00000007", "Naxitamab for High-Risk Neuroblastoma", drugs=("Naxitamab",),
                    cities=("Barcelona",)))
    assert ids(index.search("naxitamab")) == ["NCT00000007"]
    assert ids(index.search("naxitamb barcelona")) == ["NCT00000007"]  # new terms get typo lookups
    index.remove("NCT00000001")
    assert ids(index.search("dinutuximab")) == ["NCT00000005"]
    assert "NCT00000001" not in index and len(index) == 6
    index.add(trial("NCT00000005", "Registry, renamed", cities=("Boston",)))
    assert index.search("philadelphia") == []
    assert ids(index.search("boston")) == ["NCT00000005"]


@pytest.mark.parametrize("text, expected", [
    ("e.g. 3.5 mg/kg", {"e", "g", "eg", "3", "5", "35", "mg", "kg", "mgkg"}),
    ("p--q -c- x+y", {"p", "q", "c", "x", "y", "xy"}),
    ("Zürich, Sun Yat-sen", {"zurich", "sun", "yat", "sen", "yatsen"}),
    ("GD2/B7H3 and the CNK-UT", {"gd2", "b7h3", "gd2b7h3", "cnk", "ut", "cnkut"}),
])
def test_terms_glue_only_single_joiners_in_either_script(text, expected):
    assert terms(text) == expected


def test_long_site_list_highlights_the_rare_words_value():
    sites = tuple(f"Site {n} Medical Center" for n in range(40)) + ("Saint Alexius Medical Center",)
    many = trial("NCT10000001", "x", facilities=sites)
    scattered = trial("NCT10000002", "x", facilities=("Saint Mary Clinic", "Alexius Medical Center"))
    index = SearchIndex.build([scattered, many])
    hits = index.search("saint alexius medical center")
    assert ids(hits) == ["NCT10000001", "NCT10000002"]
    text = field_text(many, "facilities")
    assert {text[s:e] for s, e in hits[0].spans["facilities"]} == {"Saint", "Alexius", "Medical", "Center"}
    assert all(s >= text.index("Saint Alexius") for s, _ in hits[0].spans["facilities"])


def test_identical_trials_rank_in_document_order():
    copies = [trial(f"NCT1{n:07d}", "x", drugs=("Dinutuximab",)) for n in range(40)]
    assert ids(SearchIndex.build(copies).search("dinutuximab", limit=5)) == [t.trial_id for t in copies[:5]]


def test_add_extends_a_one_trial_term_and_the_two_typo_tables():
    index = SearchIndex.build(ALL)
    assert index.search("dinutuksimab")  # builds the two-typo tables for these lengths
    index.add(trial("NCT00000008", "x", drugs=("Qarziba",)))
    assert set(ids(index.search("qarziba"))) == {"NCT00000001", "NCT00000008"}
    index.add(trial("NCT00000009", "x", drugs=("Tebentafusp",)))
    assert ids(index.search("tebemtafuzp")) == ["NCT00000009"]  # two edits


def test_a_four_letter_word_with_a_typo_is_corrected_when_it_matches_nothing():
    brain = trial("NCT00000021", "Spinal Cord Stimulation for Back Pain",
                  facilities=("Michigan Brain and Spine Physicians Group",), cities=("Ypsilanti",))
    video = trial("NCT00000022", "Sleep Hygiene for Shift Workers", drugs=("Sleep hygiene video",))
    bran = trial("NCT00000023", "Oat Bran and Cholesterol", drugs=("Oat bran",))
    index = SearchIndex.build([brain, video, bran])
    assert ids(index.search("Michigan Brin and Spine")) == ["NCT00000021"]
    assert ids(index.search("sleep hygiene vdeo")) == ["NCT00000022"]
    assert ids(index.search("oat bran")) == ["NCT00000023"]  # a word found as typed is not corrected
    assert not index.search("amx")  # three letters stay exact


def test_a_stopword_typed_last_ranks_but_does_not_filter():
    vitamin_a = trial("NCT00000024", "Vitamin A Supplementation in Preterm Infants", drugs=("Vitamin A",))
    vitamin_e = trial("NCT00000025", "Vitamin E in Alzheimer Disease", drugs=("Vitamin E",),
                      facilities=("Alzheimer's Disease Cooperative Study",))
    index = SearchIndex.build([vitamin_e, vitamin_a])
    assert set(ids(index.search("Vitamin A"))) == {"NCT00000024", "NCT00000025"}  # "a" is not indexed
    assert ids(index.search("Vitamin Al")) == ["NCT00000025"]  # other words being typed still filter
    assert ids(index.search("the vitamin a")) == ids(index.search("Vitamin A"))


def test_a_misspelling_some_record_shares_still_finds_the_right_spelling():
    typo = trial("NCT00000026", "Cohort at a Misspelt Site", facilities=("Universtiy Hospital Basel",))
    right = [trial(f"NCT000001{n:02d}", "Radiotherapy Trial", facilities=(f"University Hospital {city}",))
             for n, city in enumerate(["Zürich", "Bern", "Geneva", "Lausanne", "Basel"] * 5)]
    index = SearchIndex.build([typo, *right])
    hits = ids(index.search("universtiy hospital", limit=10))
    assert hits[0] == "NCT00000026" and len(hits) == 10  # the exact spelling first, then the right one
    assert ids(index.search("universtiy hospital basel", limit=3))[:2] == ["NCT00000026", "NCT00000104"]


def test_a_repeated_query_sees_trials_added_in_between():
    """Typing repeats words: their postings lists and typo lookups are kept, and dropped when the
    index changes."""
    index = SearchIndex.build(ALL)
    assert ids(index.search("qarziba")) == ["NCT00000001"]
    assert not index.search("tebemtafuzp")
    index.add(trial("NCT00000008", "x", drugs=("Qarziba",)))
    index.add(trial("NCT00000009", "x", drugs=("Tebentafusp",)))
    assert set(ids(index.search("qarziba"))) == {"NCT00000001", "NCT00000008"}
    assert ids(index.search("tebemtafuzp")) == ["NCT00000009"]


def test_a_word_being_typed_matches_every_completion_past_the_cap():
    """'zeta' being typed stands for its most frequent completions in the postings, yet a rarer
    one still counts where the trial's values are scored (here: in the title)."""
    frequent = [trial(f"NCT2{n:07d}", f"zetaa{n:03d} study", drugs=(f"zetaa{n:03d}",)) for n in range(130)]
    target = trial("NCT30000001", "zetab pilot", drugs=("zetaa000",))
    hit = next(h for h in SearchIndex.build([*frequent, target]).search("zeta", limit=200)
               if h.trial_id == "NCT30000001")
    assert hit.matched == ("drugs", "title")


def test_a_site_name_finds_its_trial_among_many_big_trials_holding_its_words_apart():
    # 120 multi-site trials hold "Royal" and "Marsden" in different site names, so their
    # postings tie with the one trial run at the Royal Marsden; listed last, it must still
    # be among the candidates scored site by site (trials with fewer sites first).
    sites = tuple(f"Hospital {n}" for n in range(30))
    crowd = [trial(f"NCT01{n:06d}", f"Study {n}", facilities=("Royal Infirmary", "Marsden Clinic", *sites))
             for n in range(120)]
    target = trial("NCT09999999", "Study at one site", facilities=("Royal Marsden Hospital",))
    index = SearchIndex.build([*crowd, target])
    assert ids(index.search("Royal Marsden", limit=10))[0] == "NCT09999999"


@pytest.fixture(scope="module")
def api_index(api_digests) -> SearchIndex:
    return SearchIndex.build(api_digests)


@pytest.mark.parametrize("query", ["cancer", "canc", "lung cancer", "sponsor:national", '"breast cancer"', "c",
                                   "site:boston", "06674265"])
def test_matches_count_every_match_at_once_and_rank_the_best_as_search_does(api_index, api_digests, query):
    found = api_index.matches(query)
    counted = len(found)
    every = list(found)
    assert counted == len(every) == len({hit.trial_id for hit in every})
    assert ids(every[:20]) == ids(api_index.search(query, limit=20))
    if query == "cancer":  # every trial with the word: far more than the best ranked at once
        whole = {d.trial_id for d in api_digests
                 if any("cancer" in terms(field_text(d, name)) for name in ("title", "conditions", "keywords"))}
        assert counted > 200 and whole <= set(ids(every))


def test_matches_narrow_by_filters_and_named_trials(api_index):
    recruiting = SearchFilters(statuses=frozenset({"RECRUITING"}))
    every = ids(api_index.matches("", filters=recruiting))
    assert len(every) == len(ids(api_index.search("", limit=10_000, filters=recruiting))) > 100
    assert ids(api_index.matches("", filters=recruiting, only=every[:3] + ["NCT-none"])) == every[:3]
    assert ids(api_index.matches("", filters=recruiting, without=every[:3])) == every[3:]


@pytest.mark.parametrize(("part", "at", "value"), [
    ("field0_docs", 0, -1),  # a trial before the first
    ("field0_docs", -1, 4),  # a trial past the last (4 trials)
    ("field0_value_terms", 0, -1),
    ("field0_terms", -1, 0),  # the field's terms out of order
    ("field0_starts", 1, -1),  # postings that start before the one before
])
def test_stored_arrays_that_do_not_fit_together_are_refused(part, at, value):
    digests = [NEURO, CNK, SAR, FT]
    arrays, meta = SearchIndex.build(digests).arrays()
    assert [hit.trial_id for hit in SearchIndex.from_arrays(arrays, meta, digests).search("zurich")] == [SAR.trial_id]
    damaged = dict(arrays)
    damaged[part] = arrays[part].copy()
    damaged[part][at] = value
    with pytest.raises(ValueError):
        SearchIndex.from_arrays(damaged, meta, digests)


@pytest.mark.parametrize("query", ["ca", "cancer", "lung cancer", "site:boston", '"breast cancer"', "pembrolizumab"])
def test_trials_added_after_the_build_score_as_in_a_build_of_them_all(api_digests, query):
    # The built trials are read from the arrays at once and the added ones one by one, in one window.
    grown = SearchIndex.build(api_digests[:900])
    grown.add_all(api_digests[900:])
    built = SearchIndex.build(api_digests)
    ranked = [(hit.trial_id, hit.score) for hit in grown.matches(query)]
    assert ranked == [(hit.trial_id, hit.score) for hit in built.matches(query)]
    assert len(ranked) > 1 and any(hit.trial_id in {d.trial_id for d in api_digests[900:]} for hit in grown.matches(query))


def test_a_word_longer_than_any_typo_lookup_is_looked_up_only_as_typed(index, monkeypatch):
    """Its one-edit variants (72 for each letter, each as long as the word) and its two-word
    splits grow with the square of its length (12,000 letters: minutes and gigabytes)."""
    word = "dinutuximab" * 2000
    make_variants = vocab.edits1

    def edits1(text: str) -> set[str]:
        if len(text) > vocab.TYPO_WORD_MAX:
            raise AssertionError(f"typo variants made for a {len(text):,}-letter word")
        return make_variants(text)

    long_lookups = []
    is_term = vocab.Vocabulary.__contains__

    def contains(self, term: str) -> bool:
        if len(term) > 2 * vocab.TYPO_WORD_MAX:
            long_lookups.append(len(term))
        return is_term(self, term)

    monkeypatch.setattr(vocab, "edits1", edits1)
    monkeypatch.setattr(vocab.Vocabulary, "__contains__", contains)
    assert index.search(word) == []
    assert index.search(f"neuroblastoma {word}") == []
    assert len(long_lookups) < 20  # the word itself, not each of its 22,000 splits
    assert ids(index.search("lonon")) == ["NCT00000001"]  # a typo in a real word is still found
