"""The measure table keeps the contract's vocabulary: one entry per measure, in its canonical unit."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from conftest import SHARED
from trialtui.eligibility.measures import TABLE
from trialtui.eligibility.units import to_canonical

CONTRACT = SHARED / "contracts" / "thresholds.md"


def _contract_vocabulary() -> dict[str, set[str]]:
    """measure id → canonical units, from the contract's vocabulary table."""
    if not CONTRACT.is_file():
        pytest.skip("../shared/contracts/thresholds.md is not beside this checkout")
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Vocabulary", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`[a-z_0-9]+`", cells[0]):
            rows[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[2].split("(")[0]))
    return rows


def test_every_contract_measure_has_one_entry_in_its_canonical_units():
    vocabulary = _contract_vocabulary()
    assert len(vocabulary) >= 26
    counts = Counter(measure.id for measure in TABLE)
    entries = {measure.id: measure for measure in TABLE}
    for measure_id, units in vocabulary.items():
        assert counts[measure_id] == 1, measure_id
        spec = entries[measure_id]
        assert {spec.unit} | ({"xULN"} if spec.uln_as else set()) == units, measure_id


def test_the_canonical_unit_is_what_a_reading_reports():
    """A value in the middle of each measure's plausible range, written in each unit the table
    accepts at factor 1, reads back in the table's canonical unit."""
    written = {"count": "x10^9/L", "g/dL": "g/dL", "mg/dL": "mg/dL", "U/L": "U/L", "mL/min": "mL/min",
               "%": "%", "kg": "kg", "seconds": "seconds", "kg/m2": "kg/m2"}
    for spec in TABLE:
        low, high = spec.plausible
        for kind, factor in spec.units:
            if factor == 1.0 and kind in written:
                assert to_canonical(spec.id, (low + high) / 2, written[kind])[1] == spec.unit, (spec.id, kind)
