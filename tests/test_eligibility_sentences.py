"""Sentence ends: the pattern that begins with the punctuation (for `re`'s fast scan) cuts every
text where the plain statement of the rule does."""

from __future__ import annotations

import random
import re

from trialtui.eligibility.extract import _SENTENCE_END

_RULE = re.compile(
    r"[;\s.](?:(?<=;)(?<!&[lg]t;)(?<!&[lg]e;)|(?<=[.!?]\s)\s*(?=[A-Z(\[\d])|(?<=\.)(?:$|(?<=[a-z)]\.)(?=[A-Z])))")
"""A ";" (not one closing "&lt;", "&gt;", "&le;" or "&ge;"), the spaces after ".", "!" or "?"
before a capital, a bracket or a digit, or a "." that ends the text or sits between a word and a capital."""


def _cuts(pattern: re.Pattern[str], text: str, spaces_group: bool) -> list[tuple[int, int]]:
    return [(m.start(m.lastgroup or 0) if spaces_group else m.start(), m.end()) for m in pattern.finditer(text)]


def test_sentence_ends_are_the_rule_s_on_random_texts():
    alphabet = list(";.!? \t\n\xa0aAzZ(1[)&lgte") + ["&lt;", "&ge;", ". A", "? (", "!  1"]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert _cuts(_SENTENCE_END, text, True) == _cuts(_RULE, text, False), repr(text)


def test_sentence_ends_in_real_wording():
    text = "BMI &lt; 37 kg/m2; adults only.Children ok. Hb ≥ 9 g/dL!  (ECOG 0-1) within 2.5 x ULN."
    assert _cuts(_SENTENCE_END, text, True) == _cuts(_RULE, text, False)
    assert [text[a:b] for a, b in _cuts(_SENTENCE_END, text, True)] == [";", ".", " ", "  ", "."]
