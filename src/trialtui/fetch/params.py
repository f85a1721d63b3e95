"""What the user asks for, mapped onto ClinicalTrials.gov API v2 query parameters.

Flags keep the API's own vocabulary (condition, term, intervention, location, sponsor, status,
phase, NCT IDs) so a query built here can be pasted into the API's documentation and mean the same.
Values are normalised and checked up front: a misspelt status is a usage error, not an empty result
after a minute of paging.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from trialtui.safe_text import quoted
from trialtui.trial_ids import as_nct_id

PAGE_SIZE = 1000
"""The largest page the API serves; fewer pages means fewer requests against the rate limit."""

STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")

_PHASE_ALIASES = {
    "0": "EARLY_PHASE1", "EARLY1": "EARLY_PHASE1", "EARLYPHASE1": "EARLY_PHASE1",
    "1": "PHASE1", "2": "PHASE2", "3": "PHASE3", "4": "PHASE4",
    "N/A": "NA", "NOTAPPLICABLE": "NA",
}


class QueryError(ValueError):
    """A flag value the API would not understand; reported as a usage error."""


def _words(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip()).upper()


def normalise_status(value: str) -> str:
    """``recruiting`` / ``not yet recruiting`` / ``NOT_YET_RECRUITING`` → the API enum."""
    status = _words(value).replace(",", "")
    if status not in STATUSES:
        raise QueryError(f"unknown status {value!r} (one of: {', '.join(s.lower() for s in STATUSES)})")
    return status


def normalise_phase(value: str) -> str:
    """``2`` / ``phase 2`` / ``Phase2`` / ``early 1`` / ``NA`` → the API enum."""
    compact = _words(value).replace("_", "")
    phase = _PHASE_ALIASES.get(compact) or _PHASE_ALIASES.get(compact.removeprefix("PHASE"))
    if phase is None:
        phase = next((p for p in PHASES if p.replace("_", "") == compact), None)
    if phase is None:
        raise QueryError(f"unknown phase {value!r} (one of: early1, 1, 2, 3, 4, na)")
    return phase


def normalise_nct_id(value: str) -> str:
    """`` nct01234567`` → ``NCT01234567``; anything else (``NCT00000001/../x``, ``NCT1?x=y``) is
    refused, so it never reaches a URL."""
    found = as_nct_id(value)
    if not found:
        raise QueryError(f"not an NCT ID: {quoted(value)} (expected NCT followed by 8 digits)")
    return found


def _split(values: tuple[str, ...] | list[str]) -> list[str]:
    """Repeated flags and comma lists both work: ``--status recruiting,completed``."""
    return [part for value in values for part in value.split(",") if part.strip()]


@dataclass(frozen=True)
class StudyQuery:
    """One search of the registry, already normalised, so equal queries have equal keys."""

    cond: str = ""
    term: str = ""
    intr: str = ""
    locn: str = ""
    spons: str = ""
    statuses: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    nct_ids: tuple[str, ...] = ()

    @classmethod
    def build(
        cls, *, cond: str = "", term: str = "", intr: str = "", locn: str = "", spons: str = "",
        statuses: tuple[str, ...] | list[str] = (), phases: tuple[str, ...] | list[str] = (),
        nct_ids: tuple[str, ...] | list[str] = (),
    ) -> StudyQuery:
        """Normalise user input; raises `QueryError` on a value the API would reject or ignore."""
        return cls(
            cond=cond.strip(), term=term.strip(), intr=intr.strip(), locn=locn.strip(),
            spons=spons.strip(),
            statuses=tuple(dict.fromkeys(normalise_status(s) for s in _split(statuses))),
            phases=tuple(dict.fromkeys(normalise_phase(p) for p in _split(phases))),
            nct_ids=tuple(dict.fromkeys(normalise_nct_id(i) for i in _split(nct_ids))),
        )

    @property
    def is_empty(self) -> bool:
        return self == StudyQuery()

    def api_params(self) -> dict[str, str]:
        """The query string of ``GET /studies`` for this query, page token excluded."""
        params: dict[str, str] = {}
        for name in ("cond", "term", "intr", "locn", "spons"):
            if value := getattr(self, name):
                params[f"query.{name}"] = value
        if self.statuses:
            params["filter.overallStatus"] = ",".join(self.statuses)
        if self.phases:
            params["filter.advanced"] = "AREA[Phase](" + " OR ".join(self.phases) + ")"
        if self.nct_ids:
            params["filter.ids"] = ",".join(self.nct_ids)
        params["pageSize"] = str(PAGE_SIZE)
        return params

    def describe(self) -> str:
        """A short human label for progress lines and checkpoints."""
        parts = [f"{name}={value!r}" for name in ("cond", "term", "intr", "locn", "spons")
                 if (value := getattr(self, name))]
        if self.statuses:
            parts.append("status=" + ",".join(self.statuses))
        if self.phases:
            parts.append("phase=" + ",".join(self.phases))
        if self.nct_ids:
            parts.append(f"{len(self.nct_ids)} NCT IDs")
        return " ".join(parts) or "every study"

    def key(self, base_url: str) -> str:
        """Names the checkpoint: the same query against the same server resumes, any other does not."""
        canonical = json.dumps([base_url.rstrip("/"), self.api_params()], sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:20]
