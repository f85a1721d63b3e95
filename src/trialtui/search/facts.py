"""The registry's facts about each trial that the list's filters read, packed into small integers
(study type, sexes admitted, healthy volunteers, results, funder types in one 16-bit word; the
intervention types in another; start and last-update dates as ``YYYYMMDD`` numbers), so that a
filter over the whole registry is a few numpy operations on arrays the index keeps per trial.

Meanings follow ClinicalTrials.gov's own search filters: a trial whose sex is ``ALL`` admits
both sexes; the funder types are those of every sponsor, lead or collaborator (the website counts
both as the study's funders); age groups are the registry's (child 0-17, adult 18-64, older adult
65+), a trial belonging to each group its minimum-maximum age range overlaps (a missing limit is
no limit). A fact a record does not state is admitted by no filter on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from trialtui.search.index import SearchFilters

STUDY_TYPES = {"INTERVENTIONAL": 1, "OBSERVATIONAL": 2, "EXPANDED_ACCESS": 4}
SEXES = {"FEMALE": 8, "MALE": 16}
_HEALTHY = 32
_WITH_RESULTS = 64
_WITHOUT_RESULTS = 128
FUNDER_TYPES = {"NIH": 256, "FED": 512, "INDUSTRY": 1024, "OTHER": 2048}
"""``OTHER`` stands for every agency class but these three (universities, individuals, networks,
other governments...): the website's "All others"."""
INTERVENTION_TYPES = ("DRUG", "DEVICE", "BIOLOGICAL", "PROCEDURE", "RADIATION", "BEHAVIORAL", "GENETIC",
                      "DIETARY_SUPPLEMENT", "COMBINATION_PRODUCT", "DIAGNOSTIC_TEST", "OTHER")
_INTERVENTION_BITS = {kind: 1 << n for n, kind in enumerate(INTERVENTION_TYPES)}
AGE_GROUPS = {"CHILD": (0.0, 18.0), "ADULT": (18.0, 65.0), "OLDER_ADULT": (65.0, None)}
"""Years from (inclusive) and to (exclusive; None: no end)."""

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def fact_bits(study_type: str, sex: str, healthy: bool | None, has_results: bool | None,
              funder_types: Iterable[str]) -> int:
    """One trial's facts as the bits the filters test."""
    bits = STUDY_TYPES.get(study_type, 0)
    bits |= SEXES["FEMALE"] | SEXES["MALE"] if sex == "ALL" else SEXES.get(sex, 0)
    bits |= _HEALTHY if healthy else 0
    bits |= {True: _WITH_RESULTS, False: _WITHOUT_RESULTS}.get(has_results, 0)
    for funder in funder_types:
        if funder:
            bits |= FUNDER_TYPES.get(funder, FUNDER_TYPES["OTHER"])
    return bits


def intervention_bits(kinds: Iterable[str]) -> int:
    bits = 0
    for kind in kinds:
        bits |= _INTERVENTION_BITS.get(kind, 0)
    return bits


def date_number(text: str) -> int:
    """``2024-03-15`` → 20240315; a partial date has zeros for what it leaves out (``2024-03`` →
    20240300, so it sorts before every day of its month); no date → 0."""
    match = _DATE.match(text or "")
    if not match:
        return 0
    year, month, day = match.groups()
    return int(year) * 10000 + int(month or 0) * 100 + int(day or 0)


def admitted(filters: SearchFilters, facts: np.ndarray, interventions: np.ndarray, started: np.ndarray,
             updated: np.ndarray, min_age: np.ndarray, max_age: np.ndarray) -> np.ndarray | None:
    """Per trial, whether the registry-fact filters of `filters` admit it (None: none are on)."""
    tests = []
    for wanted, table in ((filters.study_types, STUDY_TYPES), (filters.sexes, SEXES),
                          (filters.funder_types, FUNDER_TYPES)):
        if wanted:
            tests.append(facts & sum(table[name] for name in wanted) != 0)
    if filters.healthy_volunteers:
        tests.append(facts & _HEALTHY != 0)
    if filters.has_results is not None:
        tests.append(facts & (_WITH_RESULTS if filters.has_results else _WITHOUT_RESULTS) != 0)
    if filters.intervention_types:
        tests.append(interventions & intervention_bits(filters.intervention_types) != 0)
    for span, dates in ((filters.started, started), (filters.updated, updated)):
        if span is not None:
            tests.append((dates != 0) & (dates >= span[0]) & (dates <= span[1]))
    if filters.age_groups:
        fits = np.zeros(len(facts), np.bool_)
        for group in filters.age_groups:
            start, end = AGE_GROUPS[group]
            overlaps = ~(max_age < start)  # NaN, no limit, compares False
            if end is not None:
                overlaps &= ~(min_age >= end)
            fits |= overlaps
        tests.append(fits)
    if not tests:
        return None
    result = tests[0]
    for test in tests[1:]:
        result &= test
    return result
