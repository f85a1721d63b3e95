"""The extractor's pre-filters find every place a pattern can match, reading the patterns
themselves with the public `re` module only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialtui.eligibility.prefilter import (
    CASE_TWINS,
    Prefiltered,
    alternatives_by_letter,
    case_exact,
    first_char_lookahead,
    fold_words,
    starts_lookahead,
)

SENTENCES = [
    "ANC ≥ 1.5 x 10^9/L (≥ 1,000/mm3 if bone marrow involvement); Platelets > 75,000/µL",
    "Total bilirubin ≤1.5×ULN, AST/ALT <= 2.5 times the upper limit of normal",
    "Age 18 years or older; ECOG 0-1; life expectancy of at least 12 weeks",
    "Creatinine clearance (Cockcroft-Gault) ≥ 60 mL/min; Hgb 9 g/dL",
]


@pytest.mark.parametrize("pattern, flags", [
    (r"(?P<n>\d+(?:[.,]\d+)?)\s*(?:x|×)\s*10\^9/L", re.IGNORECASE),
    (r"(bili\w*)\s+(?:≤|<=|<)\s*\d", re.IGNORECASE),  # a capture group
    (r"(?-i:ECOG|AST|ALT)(?![a-z])\s*[0-4]", 0),
    (r"[A-Z]{2,}\s*[<>≤≥]=?", 0),
    (r"""
        (?:life\s+expectancy   # a comment in a verbose pattern
        |age)\s+(?:of\s+)?(?:at\s+least\s+)?\d+
     """, re.IGNORECASE | re.VERBOSE),
    (r"(?<![a-z])ul[n]|upper\s+limit|\bnormal\b", re.IGNORECASE),
])
def test_every_match_is_found_where_the_filter_says_one_may_begin(pattern, flags):
    compiled = re.compile(pattern, flags)
    filtered = Prefiltered(compiled)
    for sentence in SENTENCES:
        lowered = sentence.lower()
        assert [m.span() for m in filtered.finditer(sentence, lowered)] == [m.span() for m in compiled.finditer(sentence)]


def test_a_pattern_that_can_begin_anywhere_is_refused():
    with pytest.raises(ValueError):
        starts_lookahead([r"\w+\s*≥"], re.IGNORECASE)


def test_no_private_parts_of_re_are_imported():
    """`re._parser` and `re._constants` change between Python versions without notice."""
    source = Path(__file__).resolve().parent.parent / "src" / "trialtui"
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\bre\._|\bsre_|import\s+_parser|import\s+_constants", text), path


def test_case_twins_are_the_only_characters_ignorecase_reads_as_a_letter_they_do_not_lowercase_to():
    """For every other character, a case-insensitive ASCII letter matches exactly where the
    lowercased text has that letter ("K", the Kelvin sign, lowercases to "k")."""
    any_letter = re.compile("[a-z]", re.IGNORECASE)
    readable = [chr(code) for code in range(0x110000) if any_letter.fullmatch(chr(code))]
    for char in readable:
        lowered = char.lower() if len(char.lower()) == 1 else char
        letters = {letter for letter in "abcdefghijklmnopqrstuvwxyz" if re.fullmatch(letter, char, re.IGNORECASE)}
        assert (letters == {lowered}) != (char in CASE_TWINS), char


@pytest.mark.parametrize("text", [
    "Patients aged 18 years or older",
    "PATİENTS aged 18 years or older",  # a dotted capital I, which lowercases to two characters
    "patıents aged 18 years",  # a dotless i, which re.IGNORECASE reads as "i"
    "ſubjects 18 years or older",  # a long s, read as "s"
])
def test_the_exact_search_finds_what_the_pattern_finds_even_with_case_twins(text):
    compiled = re.compile(r"(?:patients?|subjects?)\s+(?:aged\s+)?\d+\s*years", re.IGNORECASE)
    filtered = Prefiltered(compiled)
    lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    expected = [m.span() for m in compiled.finditer(text, 1, len(text) - 2)]
    assert [m.span() for m in filtered.exact_finditer(text, lowered, 1, len(text) - 2)] == expected
    assert [m.span() for m in compiled.finditer(text)] == [m.span() for m in filtered.exact_finditer(text, lowered)]
    assert case_exact(lowered) == text.isascii()


@pytest.mark.parametrize("pattern", [
    r"(?:x|×)\s*ULN|mg/dL|µmol/L|(?-i:PS)|[0-9]+\s*%",
    r"(?:greater|more)\s+than|≥|>=|at\s+least|ſ",
])
def test_a_first_character_lookahead_leaves_every_match_in_place(pattern):
    guarded = re.compile(first_char_lookahead(pattern, re.IGNORECASE) + f"(?:{pattern})", re.IGNORECASE)
    plain = re.compile(pattern, re.IGNORECASE)
    for text in [*SENTENCES, "X ULN, MORE THAN 3 µMOL/L; μmol/l, ps 2, PS 2, ≥ 5 %, ſ S s, ıt, AT LEAST"]:
        for at in range(len(text)):
            found, expected = guarded.match(text, at), plain.match(text, at)
            assert (found and found.span()) == (expected and expected.span()), (text, at)


@pytest.mark.parametrize("pattern", [
    r"total\s+bili(?:rubin)?|(?-i:AST|ALT)|a(?:lanine|spartate)\s+aminotransferase|[Tt]\.?\s*bili|(?:x|×)\s*ULN",
    r"(?:serum\s+)?creatinine(?:\s+clearance)?|(?-i:CrCl)|\d+\s*%|glomerular\s+filtration|(?:e?GFR)",
])
def test_the_alternatives_of_a_letter_match_as_the_whole_pattern_where_the_text_has_it(pattern):
    by_letter = {letter: re.compile(f"(?:{alternatives})", re.IGNORECASE)
                 for letter, alternatives in alternatives_by_letter(pattern, re.IGNORECASE).items()}
    whole = re.compile(pattern, re.IGNORECASE)
    for text in [*SENTENCES, "T. bili 2, ALT and alanine aminotransferase x 3 ULN; CrCl, serum creatinine clearance, eGFR"]:
        for at in range(len(text)):
            letter = text[at].lower()
            found = by_letter[letter].match(text, at) if letter in by_letter else None
            expected = whole.match(text, at) if "a" <= letter <= "z" else None
            assert (found and found.span()) == (expected and expected.span()), (text, at)


def test_a_folded_filter_reads_on_past_a_run_of_spaces():
    starts = re.compile((" " + starts_lookahead([r"bone[\s-]+ages?", r"blood\s*pressure"], re.IGNORECASE, 12,
                                                word_end="(?![a-z0-9])", folded=True)).encode("ascii"))
    found = [text for text in ["bone age", "bone - age", "bone marrow", "bloodpressure", "blood \t pressure",
                               "blood test"] if starts.match(fold_words(" " + text))]
    assert found == ["bone age", "bone - age", "bloodpressure", "blood \t pressure"]


def test_measure_names_finds_what_mention_finds_in_every_real_criteria_text(api_trials):
    """The name scan (a folded-bytes filter, then a regex per first letter) is only a faster way to
    run MENTION over a text: on the real studies' criteria, and on them upper-cased, it finds the
    same names at the same places."""
    from trialtui.eligibility.vocabulary import MENTION, measure_names, mention_measures

    texts = [trial.eligibility.criteria for trial in api_trials if trial.eligibility.criteria]
    for text in [*texts, *(text.upper() for text in texts[:100])]:
        expected = tuple((m.start(), m.end(), mention_measures(m)) for m in MENTION.finditer(text))
        assert measure_names(text) == expected, text[:80]
