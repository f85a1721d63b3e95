"""What the patient check reads of a trial, packed at derivation into fixed-width numbers, so a check
over a whole library is a handful of numpy operations rather than a Python call per trial
(`patient_verdicts`).

Everything here is independent of the patient: which of the condition table's concepts the trial
studies (as bits, in `CONCEPTS` order, so a change to the table is a `FACTS_VERSION` bump), its
flags, the names it studies as 64-bit hashes of their normalized words (the words themselves are
kept once per library, in `derived_terms`, for the typo match), and each limit as one record.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache

from trialtui.eligibility.conditions import CONCEPTS, concepts_in, healthy_only, normalize, studied_concepts
from trialtui.eligibility.facts import TrialFacts

BIT = {cid: i for i, cid in enumerate(CONCEPTS)}
"""Concept id → its bit in a concept set (two 64-bit words)."""
WORDS = 2
assert len(BIT) <= 64 * WORDS, "the condition table outgrew its concept sets: widen WORDS"

NO_TEXTS, HEALTHY_ONLY = 1, 2
"""Flags: the trial names no condition nor MeSH term; it studies healthy volunteers only."""
SEX_CODES = {"FEMALE": 1, "MALE": 2}
HEALTHY_UNSAID = 2

HEAD = struct.Struct("<qqqqqq" + "Q" * 4 * WORDS)
"""A trial's numbers begin with (`patient_verdicts.HEAD` reads it): flags, eligible sex
(`SEX_CODES`, 0 for all), healthy volunteers (0 no, 1 yes, `HEALTHY_UNSAID`), how many names,
MeSH ancestors and limits follow, and the concepts of what it studies (conditions and MeSH terms,
without "healthy"), of its keywords, of its MeSH ancestors, and of what its exclusion criteria
rule out. Then the names' hashes, the ancestors' hashes and the limits: every part a whole number
of 8-byte words."""

LOWER, INCLUSIVE, CONDITIONAL, AGE, AGE_CONDITION, UNREAD = 1, 2, 4, 8, 16, 32
LIMIT = struct.Struct("<qqqqdq")
"""One per limit (`patient_verdicts.LIMIT` reads it): hashes of its measure, of measure and unit,
of its condition and of its OR-group (0 for none), its value, and flags (`LOWER` bound,
`INCLUSIVE`, `CONDITIONAL`, an `AGE` limit, a condition on age, a limit stated and `UNREAD`: its
measure alone, always unknown)."""

NAME, CONDITION = 0, 1
"""Kinds of `derived_terms`: a studied name's normalized words (with whether the condition table
knows it), a limit's condition as written."""


@lru_cache(maxsize=65536)
def term_hash(kind: int, text: str) -> int:
    """A signed 64-bit hash of a term (SQLite's integers): two terms of a library share one with
    odds of about one in a million million. Cached: every trial's limits hash the same few measures."""
    return int.from_bytes(hashlib.blake2b(f"{kind}\x1f{text}".encode(), digest_size=8).digest(), "little",
                          signed=True) or 1


def concept_words(concepts) -> list[int]:
    """A set of concept ids as `WORDS` 64-bit words."""
    words = [0] * WORDS
    for cid in concepts:
        bit = BIT[cid]
        words[bit // 64] |= 1 << (bit % 64)
    return words


@lru_cache(maxsize=4096)
def _set_words(concepts: frozenset[str] | tuple[str, ...]) -> tuple[int, ...]:
    """`concept_words` of a trial's concept set: trials study and exclude the same few sets."""
    return tuple(concept_words(concepts))


@dataclass(frozen=True, slots=True)
class CheckData:
    numbers: bytes
    """`HEAD`, then hashes of the normalized names of its conditions, MeSH terms and keywords, of
    its MeSH ancestors' names, and its `LIMIT`s."""
    terms: tuple[tuple[int, int, str, int], ...]
    """(hash, kind, text, 1 when the table knows the name) of every term hashed above."""


@lru_cache(maxsize=65536)
def _name(text: str) -> tuple[int, int, str, int] | None:
    """A name's term (MeSH terms and ancestors repeat across trials), or None when it has no words
    (the check skips such a name)."""
    words = " ".join(normalize(text))
    return (term_hash(NAME, words), NAME, words, int(bool(concepts_in(text)))) if words else None


def _names(texts, terms: dict) -> list[int]:
    hashes = []
    for term in map(_name, texts):
        if term is not None:
            terms[term[0]] = term
            hashes.append(term[0])
    return hashes


@lru_cache(maxsize=4096)
def _limit_terms(measure: str, unit: str, condition: str | None, group: str | None) -> tuple[int, int, int, int, int]:
    """A limit's hashes (of its measure, measure and unit, condition and OR-group) and the flags
    that follow from them: trials state the same few limits over and over."""
    flags = (CONDITIONAL | (AGE_CONDITION if condition.startswith("age") else 0)) if condition is not None else 0
    return (term_hash(NAME, measure), term_hash(NAME, f"{measure}\x1f{unit}"),
            0 if condition is None else term_hash(CONDITION, condition), term_hash(NAME, group) if group else 0,
            flags | (AGE if measure == "age" else 0))


def pack(facts: TrialFacts, thresholds, unread: tuple[str, ...]) -> CheckData:
    """The check's numbers of a trial with these facts, limits (`Threshold`s) and measures whose
    stated limit was not read."""
    texts = [*facts.conditions, *facts.mesh_terms]
    flags = (0 if texts else NO_TEXTS) | (HEALTHY_ONLY if healthy_only(list(facts.conditions), list(facts.mesh_terms)) else 0)
    studied = studied_concepts(list(facts.conditions), list(facts.mesh_terms))
    keywords = frozenset().union(*map(concepts_in, facts.keywords))
    ancestors = frozenset().union(*map(concepts_in, facts.mesh_ancestors))
    healthy = HEALTHY_UNSAID if facts.healthy_volunteers is None else int(facts.healthy_volunteers)
    terms: dict[int, tuple] = {}
    names = _names([*texts, *facts.keywords], terms)
    ancestor_names = _names(facts.mesh_ancestors, terms)
    limits = bytearray()
    for t in thresholds:
        measure_hash, unit_hash, condition, group, limit_flags = _limit_terms(t.measure, t.unit, t.condition, t.group)
        if condition:
            terms[condition] = (condition, CONDITION, t.condition, 0)
        limits += LIMIT.pack(measure_hash, unit_hash, condition, group, t.value,
                            limit_flags | (LOWER if t.bound == "lower" else 0) | (INCLUSIVE if t.inclusive else 0))
    for measure in unread:
        limits += LIMIT.pack(term_hash(NAME, measure), 0, 0, 0, 0.0, UNREAD)
    head = HEAD.pack(flags, SEX_CODES.get(facts.sex.upper(), 0), healthy, len(names), len(ancestor_names),
                     len(limits) // LIMIT.size, *_set_words(studied), *_set_words(keywords), *_set_words(ancestors),
                     *_set_words(facts.excluded))
    numbers = head + struct.pack(f"<{len(names) + len(ancestor_names)}q", *names, *ancestor_names) + limits
    return CheckData(numbers, tuple(terms.values()))
