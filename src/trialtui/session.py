"""One reviewer's working session, with no UI: the loaded trials, their index, and the
derived views the screens show (rows for a query, a trial's sections and thresholds).

The TUI is a thin layer over this object; tests drive it directly too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from trialtui.catalog import Catalog, Progress, load_catalog
from trialtui.comparison import Comparison, compare
from trialtui.digest import TrialDigest
from trialtui.eligibility.patient import PatientProfile
from trialtui.models import Trial
from trialtui.patient_check import PatientEntry, TrialFit, read_profile, trial_fit
from trialtui.sections import Section, trial_sections
from trialtui.store import Database, Library


@dataclass(frozen=True, slots=True)
class ResultRow:
    """A trial as a query returns it: the digest, the search hit (None when unfiltered)."""

    digest: TrialDigest
    score: float | None = None
    matched: tuple[str, ...] = ()
    title_spans: tuple[tuple[int, int], ...] = ()


class ReviewSession:
    """The trials one run of trialtui works on, and everything computed from them."""

    def __init__(self, data: Sequence[str | Path] | None = None, database_path: Path | None = None) -> None:
        self.data = list(data) if data else None
        self.database_path = database_path
        self.catalog = Catalog()
        self._index = None
        self._thresholds = lru_cache(maxsize=256)(self._extract)
        self.patient: PatientProfile | None = None
        self.patient_entry: PatientEntry | None = None
        self._fits: dict[str, TrialFit] = {}
        self.changed: set[str] = set()
        """Library trials with a version newer than the one last reviewed."""
        self.marked: list[str] = []
        """Trials marked for comparison, oldest first."""

    @cached_property
    def db(self) -> Database:
        """The user's database (library and annotations), opened on first use."""
        return Database.open(self.database_path)

    @cached_property
    def library(self) -> Library:
        return Library(self.db)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()

    def load(self, progress: Progress | None = None) -> Catalog:
        """Read the trials (digests for the list; full records stay on disk until asked for)."""
        self.catalog = load_catalog(self.data, self.library, progress)
        self.changed = set() if self.data else set(self.library.changed_since_review())
        self._index = None
        self._thresholds.cache_clear()
        self._fits.clear()
        return self.catalog

    def build_index(self) -> None:
        """Build the search index over the loaded trials: seconds at registry scale, so the app
        shows the list first and runs this afterwards, off the UI thread."""
        from trialtui.search.index import SearchIndex

        self._index = SearchIndex.build(self.catalog.digests)

    @property
    def searchable(self) -> bool:
        return self._index is not None

    def rows(self, query: str = "", filters=None, limit: int = 500) -> list[ResultRow]:
        """Every trial (no query, no filters) or the best matches, best first."""
        if not query.strip() and not filters:
            return [ResultRow(d) for d in self.catalog.digests]
        if self._index is None:
            return []
        rows = []
        for hit in self._index.search(query, limit=limit, filters=filters):
            digest = self.catalog.digest(hit.trial_id)
            if digest is not None:
                spans = tuple(hit.spans.get("title", ())) if hit.spans else ()
                rows.append(ResultRow(digest, hit.score, tuple(hit.matched), spans))
        return rows

    def trial(self, trial_id: str) -> Trial | None:
        return self.catalog.trial(trial_id)

    def sections(self, trial_id: str) -> list[Section]:
        trial = self.trial(trial_id)
        return trial_sections(trial) if trial else []

    def thresholds(self, trial_id: str) -> list:
        """The trial's eligibility thresholds (cached: the list and compare screens ask often)."""
        return self._thresholds(trial_id)

    def threshold_sources(self, trial_id: str) -> list[str]:
        """For each threshold, the whole criterion item it was read from (its own text if none)."""
        trial = self.trial(trial_id)
        if trial is None:
            return []
        items = trial.eligibility.items
        sources = []
        for t in self.thresholds(trial_id):
            item = None
            if t.start is not None:
                item = next((i for i in items if i.start <= t.start < i.start + len(i.text)), None)
            sources.append(item.text if item else t.raw)
        return sources

    def compare(self, a_id: str, b_id: str) -> Comparison | None:
        """Two trials side by side: the threshold diff and the record facts."""
        a, b = self.trial(a_id), self.trial(b_id)
        if a is None or b is None:
            return None
        return compare(a, b, self.thresholds(a_id), self.thresholds(b_id))

    def set_patient(self, entry: PatientEntry | None) -> list[str]:
        """Check every trial against this patient from now on (None: stop); returns the values
        that could not be read."""
        self._fits.clear()
        if entry is None:
            self.patient_entry, self.patient = None, None
            return []
        self.patient_entry = entry
        self.patient, problems = read_profile(entry)
        return problems

    def fit(self, trial_id: str) -> TrialFit | None:
        """How the current patient fits this trial (None without a patient or a record)."""
        if self.patient is None:
            return None
        if trial_id not in self._fits:
            trial = self.trial(trial_id)
            if trial is None:
                return None
            self._fits[trial_id] = trial_fit(self.patient, trial, self.thresholds(trial_id))
        return self._fits[trial_id]

    def known_fit(self, trial_id: str) -> TrialFit | None:
        """The fit if it was already computed; never computes (cheap enough for every list row)."""
        return self._fits.get(trial_id) if self.patient is not None else None

    def patient_results(self, trial_id: str) -> dict[int, str]:
        """Threshold position → pass / fail / unknown, for the threshold table's Patient column."""
        fit = self.fit(trial_id)
        if fit is None:
            return {}
        position = {id(t): i for i, t in enumerate(self.thresholds(trial_id))}
        return {position[id(c.threshold)]: c.result for c in fit.checks if id(c.threshold) in position}

    def toggle_mark(self, trial_id: str) -> list[str]:
        """Mark a trial for comparison (at most two; the oldest mark drops) or unmark it."""
        if trial_id in self.marked:
            self.marked.remove(trial_id)
        else:
            self.marked = [*self.marked, trial_id][-2:]
        return self.marked

    def _extract(self, trial_id: str) -> list:
        from trialtui.eligibility.extract import extract_thresholds

        trial = self.trial(trial_id)
        return extract_thresholds(trial) if trial else []
