"""What the patient check reads of a trial beside its thresholds: eligible sex, healthy volunteers,
the names of what it studies (conditions, keywords, MeSH terms and their ancestors), and the
conditions its exclusion criteria rule out.

Kept as plain values so the library can store them with each trial version (`store.derived`) and
the check over a whole list never reads a full record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic_core import PydanticSerializationError, to_json

from trialtui.eligibility.conditions import excluded_concepts
from trialtui.eligibility.criteria import iter_items
from trialtui.models import Trial

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""`json.dumps` with these options, without making an encoder for every call."""


@dataclass(frozen=True, slots=True)
class TrialFacts:
    sex: str
    """As the record says it (ALL, FEMALE, MALE, or empty)."""
    healthy_volunteers: bool | None
    conditions: tuple[str, ...]
    keywords: tuple[str, ...]
    mesh_terms: tuple[str, ...]
    mesh_ancestors: tuple[str, ...]
    excluded: tuple[str, ...]
    """Concept ids of the conditions its exclusion criteria rule out (`conditions.excluded_concepts`)."""

    @classmethod
    def of(cls, trial: Trial) -> TrialFacts:
        return cls(trial.eligibility.sex, trial.eligibility.healthy_volunteers, tuple(trial.conditions),
                   tuple(trial.keywords), tuple(trial.condition_mesh.terms), tuple(trial.condition_mesh.ancestors),
                   tuple(sorted(excluded_concepts(iter_items(trial.eligibility.criteria), trial.conditions))))

    def studied_json(self) -> str:
        """What the trial studies and excludes as compact JSON: the key the condition match is decided on.
        Written by pydantic-core, byte for byte what `_COMPACT` writes of strings and three times
        faster; `_COMPACT` writes a lone surrogate, which is not UTF-8."""
        values = [self.conditions, self.keywords, self.mesh_terms, self.mesh_ancestors, self.excluded]
        try:
            return to_json(values).decode()
        except PydanticSerializationError:
            return _COMPACT(values)

    @classmethod
    def from_stored(cls, sex: str, healthy: int | None, studied: str) -> TrialFacts:
        conditions, keywords, terms, ancestors, excluded = json.loads(studied)
        return cls(sex, None if healthy is None else bool(healthy), tuple(conditions), tuple(keywords),
                   tuple(terms), tuple(ancestors), tuple(excluded))
