"""One reviewer's working session, with no UI: the loaded trials, their index, and the
derived views the screens show (rows for a query, a trial's sections and thresholds).

The TUI is a thin layer over this object; tests drive it directly too.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from trialtui.catalog import Catalog, First, Progress, load_catalog
from trialtui.comparison import Comparison, compare
from trialtui.digest import TrialDigest
from trialtui.eligibility.criteria import split_criteria
from trialtui.review import ReviewFilter
from trialtui.sections import Section, trial_sections
from trialtui.store import Database, Library, StoreError
from trialtui.store.annotations import Annotations, TrialAnnotation
from trialtui.store.derived import Derived
from trialtui.store.library import LIBRARY_ORIGIN
from trialtui.store.profiles import PatientProfiles

if TYPE_CHECKING:  # the patient check, reports and records are imported on first use: not before the app draws
    from trialtui.distances import Near, SiteMap
    from trialtui.eligibility.patient import PatientProfile
    from trialtui.models import Trial
    from trialtui.patient_check import PatientEntry, TrialFit
    from trialtui.patient_list import ListCheck
    from trialtui.reports import ReviewNotes
    from trialtui.search.index import Matches


@dataclass(slots=True)
class ResultRow:
    """A trial as a query returns it: the digest, the search hit (None when unfiltered)."""

    digest: TrialDigest
    score: float | None = None
    matched: tuple[str, ...] = ()
    title_spans: tuple[tuple[int, int], ...] = ()
    distance_km: float | None = None
    """With a distance filter: how far the trial's nearest site is."""


class ResultRows(Sequence[ResultRow]):
    """The rows of a query or filter, best first. `len` is exact at once; the `head` rows are
    ready, the rest are ranked when first read or by `finish` (a long list at registry scale).
    Past the head a row is made only when read: the list takes `digests`, and asks `matched` and
    `title_spans` of the trials it shows (a row per match would outlive the query by the hundred
    thousand: see `search.index.HitColumns`)."""

    def __init__(self, matches: Matches | None, rows: list[ResultRow] | None,
                 digest_of: Callable[[str], TrialDigest | None]):
        self._matches = matches
        self._rows = rows
        self._digest_of = digest_of
        self._digests: list[TrialDigest] | None = None
        self._matched: dict[str, tuple[str, ...]] | None = None
        self._matched_whole = False

    def __len__(self) -> int:
        return len(self._rows) if self._rows is not None else len(self._matches)

    @property
    def complete(self) -> bool:
        return self._rows is not None or self._matches.complete

    @property
    def head(self) -> list[ResultRow]:
        """The best rows, ranked and highlighted (all of them for a listing made whole)."""
        return self._rows if self._rows is not None else self._made(self._matches.head)

    def finish(self, stop: Callable[[], bool] | None = None) -> bool:
        """Rank every row now, and list their digests; False if `stop` returned True first."""
        if self._matches is not None and not self._matches.finish(stop):
            return False
        self.digests()
        return True

    def digests(self) -> list[TrialDigest]:
        """The digests of the rows ready now, in order: every row's once `complete`."""
        if self._rows is not None:
            return [row.digest for row in self._rows]
        if not self._matches.complete:
            return [row.digest for row in self.head]
        if self._digests is None:
            found = map(self._digest_of, self._matches.ids())
            self._digests = [digest for digest in found if digest is not None]  # the index's: always found
        return self._digests

    def matched(self, trial_id: str) -> tuple[str, ...]:
        """The digest fields the query matched in a trial (`Hit.matched`), for the rows ready now;
        () if none."""
        if self._matched is None or self._matched_whole != self.complete:
            self._matched_whole = self.complete
            if self._rows is not None:
                pairs = ((row.digest.trial_id, row.matched) for row in self._rows)
            elif self._matches.complete:
                pairs = zip(self._matches.ids(), self._matches.matched(), strict=True)
            else:
                pairs = ((hit.trial_id, hit.matched) for hit in self._matches.head)
            self._matched = dict(pairs)
        return self._matched.get(trial_id, ())

    def title_spans(self, trial_id: str) -> tuple[tuple[int, int], ...]:
        """Where the query matches in a trial's title, for a row ranked without highlights."""
        return self._matches.spans(trial_id, "title") if self._matches is not None else ()

    def distances(self) -> dict[str, float]:
        """Trial id → km to its nearest site, for rows listed nearest first."""
        return {row.digest.trial_id: row.distance_km for row in self._rows or () if row.distance_km is not None}

    def __getitem__(self, at):
        if self._rows is not None:
            return self._rows[at]
        if isinstance(at, slice):
            return self._made(self._matches[at])
        made = self._made([self._matches[at]])
        if not made:
            raise IndexError("row index out of range")
        return made[0]

    def __iter__(self) -> Iterator[ResultRow]:
        if self._rows is not None:
            return iter(self._rows)
        self._matches.finish()
        return (row for hits in _chunks(self._matches) for row in self._made(hits))

    def _made(self, hits) -> list[ResultRow]:
        rows = []
        for hit in hits:
            digest = self._digest_of(hit.trial_id)
            if digest is not None:  # the index is built from the catalog's digests: always found
                rows.append(ResultRow(digest, hit.score, hit.matched,
                                      tuple(hit.spans.get("title", ())) if hit.spans else ()))
        return rows


def _chunks(hits: Sequence, size: int = 4096) -> Iterator[Sequence]:
    """`hits` a slice at a time: reading a long list makes a row per match only as it goes."""
    for start in range(0, len(hits), size):
        yield hits[start:start + size]


class ReviewSession:
    """The trials one run of trialtui works on, and everything computed from them."""

    def __init__(self, data: Sequence[str | Path] | None = None, database_path: Path | None = None) -> None:
        self.data = list(data) if data else None
        self.database_path = database_path
        self.catalog = Catalog()
        self._index = None
        self._opened = None
        """The library index's `OpenedIndex` (None for ``--data``, or before `build_index`)."""
        self._generation = 0
        """The library generation the catalog (and then the index) holds (`Library.generation`)."""
        self._base = None
        """The library's stored index being read while the list is (`load` with ``search``)."""
        self._index_lock = threading.Lock()
        """Held while the index is made, changed in place, or a new base is made from it."""
        self._query_lock = threading.Lock()
        """Held while a query starts on the index and while trials are added to it: a search
        on a worker never sees half an addition."""
        self._thresholds = lru_cache(maxsize=256)(self._extract)
        self.patient: PatientProfile | None = None
        self.patient_entry: PatientEntry | None = None
        self._fits: dict[str, tuple[list, TrialFit]] = {}
        """Trial id → (the threshold list the fit was computed on, the fit). The fit's checks point
        at those threshold objects, so `thresholds()` returns that list for a checked trial even
        after the cache dropped it (a fresh extraction would not match the checks)."""
        self._verdicts: dict[str, TrialFit] = {}
        """Trial id → the fit `check_patient` found from the library's derived data: the same
        verdict and reasons, its checks on limits it shares with other trials (`fit` computes a
        shown trial's own)."""
        self._overall: dict[str, str] = {}
        """Trial id → the verdict alone, as a long list's check computed it over the library at
        once (`patient_verdicts`); its reasons are assembled when first read (`known_fit`)."""
        self._list_check: ListCheck | None = None
        self.changed: set[str] = set()
        """Library trials with a version newer than the one the reviewer last saw (the Δ badge;
        the changes view lists the same trials)."""
        self.reviews: dict[str, TrialAnnotation] = {}
        """Every annotated trial's annotation, kept current by the edit methods below."""
        self.marked: list[str] = []
        """Trials marked for comparison, oldest first."""
        self._sites: tuple[Catalog, SiteMap] | None = None

    @cached_property
    def db(self) -> Database:
        """The user's database (library and annotations), opened on first use."""
        return Database.open(self.database_path)

    @cached_property
    def library(self) -> Library:
        return Library(self.db)

    @cached_property
    def derived(self) -> Derived:
        return Derived(self.db)

    @cached_property
    def annotations(self) -> Annotations:
        return Annotations(self.db)

    @cached_property
    def patient_profiles(self) -> PatientProfiles:
        return PatientProfiles(self.db)

    @property
    def store_problem(self) -> StoreError | None:
        """Why the library and annotations cannot be written now (a read-only folder, a damaged
        file, one written by a newer trialtui), else None."""
        try:
            return self.db.problem
        except StoreError as error:
            return error

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()

    def load(self, progress: Progress | None = None, first: First | None = None, first_rows: int = 0,
             search: bool = False) -> Catalog:
        """Read the trials (digests for the list; full records stay on disk until asked for).
        With `first`, a long list's first `first_rows` trials are the catalog, and handed to
        `first`, while the rest is read; the annotations are read before them, for their badges.
        With `search` (the index will be made next), the library's stored index is read meanwhile
        on a thread: reading it waits on the disk and SQLite, reading the list on Python."""
        try:
            self.annotations.changed_elsewhere()  # what is read from here on is what was last seen
            self.changed = self._changed()
            self.reviews = self.annotations.all()
        except StoreError:  # a damaged library: the catalog says so and shows what still reads
            self.changed, self.reviews = set(), {}
        self._index = self._opened = None
        self._thresholds.cache_clear()
        self._fits.clear()
        self._verdicts.clear()
        self._overall.clear()
        self._list_check = None
        self._base = None
        if not self.data:
            try:  # before the catalog is read: whatever is written later is applied again
                self._generation = self.library.generation()
            except StoreError:
                self._generation = 0

        def read_base() -> None:
            from trialtui.library_index import BaseReader

            self._base = BaseReader(self.library.db)

        def first_read(catalog: Catalog, total: int) -> None:
            self.catalog = catalog
            first(catalog, total)
            if search and not self.data:
                read_base()  # once the first rows are out: it would only slow them

        if search and not self.data and first is None:
            read_base()

        self.catalog = load_catalog(self.data, None if self.data else self.library, progress, first and first_read, first_rows)
        return self.catalog

    def build_index(self, say: Callable[[str], None] | None = None) -> None:
        """Make the search index over the loaded trials (unless it is made already): off the UI
        thread, after the list shows. A library's comes from the base stored in it and the trials
        written since (`library_index`); it is built whole only without a usable base, after
        `say` is told why."""
        from trialtui.library_index import open_index
        from trialtui.search.index import SearchIndex

        with self._index_lock:
            if self._index is not None:
                return
            digests = self.catalog.digests
            try:
                if self.data:
                    self._index = SearchIndex.build(digests)
                else:
                    seeds = [d for d in digests[:self.catalog.seed_count] if d.origin == "seeds"]
                    self._opened = open_index(digests, self.library, self._generation, seeds, say, self._base)
                    self._base = None
                    self._index = self._opened.index
            except (StoreError, sqlite3.DatabaseError):  # damage met while reading the search fields
                self._opened = None
                self._index = SearchIndex.build([d for d in digests if d.origin != LIBRARY_ORIGIN])

    @property
    def index_rebuilt(self) -> str | None:
        """Why the library's search index was built whole this time (None: it was loaded)."""
        return self._opened.rebuilt if self._opened is not None else None

    def keep_index(self) -> bool:
        """Write the index back to the library as its new base when it was built whole or many
        trials were applied on top of the stored one (slow at registry scale: off the UI thread).
        True if a base was written."""
        from trialtui.library_index import keep_base

        opened = self._opened
        if opened is None or not opened.wants_base or self.store_problem is not None:
            return False
        with self._index_lock:
            if not keep_base(opened, self.library):
                return False
            opened.rebuilt, opened.behind = None, 0
        return True

    def take_library_changes(self) -> int:
        """Bring the list and the index up to date with what was imported since they were read
        (a fetch, an update, another window's import): the trials written since are put in place,
        not everything read again. Returns how many trials changed."""
        with self._index_lock:  # never beside `build_index`: each sees the other's work whole
            try:
                written, generation = self.library.written_since(self._generation)
                self.changed = self._changed()
                self.reviews = self.annotations.all()
            except StoreError:
                return 0
            shown = self.catalog.take(written)
            if self._index is not None:
                with self._query_lock:
                    self._index.add_all(shown)
                if self._opened is not None:
                    self._opened.behind += len(shown)
                    self._opened.generation = generation
            self._generation = generation
        self._thresholds.cache_clear()
        for digest in shown:
            self._fits.pop(digest.trial_id, None)
        return len(shown)

    def countries(self) -> list[str]:
        """Every country the trials list a site in, by its usual name (empty until indexed)."""
        from trialtui.countries import display_country

        return sorted({display_country(key) for key in self._index.countries()}) if self._index else []

    @property
    def search_index(self):
        """The search index (`build_index`), None until it is made."""
        return self._index

    @property
    def searchable(self) -> bool:
        return self._index is not None

    def rows(self, query: str = "", filters=None, review: ReviewFilter | None = None,
             near: Near | None = None, stop: Callable[[], bool] | None = None) -> ResultRows | None:
        """Every trial the query and filters admit, best first (every trial in order with
        neither); `review` narrows by the reviewer's own annotations. The count is exact at once;
        past the best rows, the rest are ranked when first read (`ResultRows`). With `near`, only
        trials with a site that near, nearest first (each row's `distance_km`), all ranked now.
        None when `stop` returned True (a newer query superseded this one) before the search was done."""
        nearest = self.near(near) if near else None
        if not query.strip() and not filters:
            digests = self.catalog.digests
            if nearest is not None:
                digests = [d for d in digests if d.trial_id in nearest]
            if review:
                digests = [d for d in digests if review.admits(self.reviews.get(d.trial_id))]
            return self._nearest_first(ResultRows(None, [ResultRow(d) for d in digests], self.catalog.digest), nearest)
        if self._index is None:
            return ResultRows(None, [], self.catalog.digest)
        only, without = None, ()
        if review:
            passing = {tid for tid, a in self.reviews.items() if review.admits(a)}
            if review.admits(None):
                without = self.reviews.keys() - passing
            else:
                only = passing
        if nearest is not None:
            only = nearest.keys() if only is None else nearest.keys() & only
        from trialtui.search.index import Stopped

        try:
            with self._query_lock:
                matches = self._index.matches(query, filters=filters, highlight=("title",), only=only,
                                              without=without, stop=stop)
        except Stopped:
            return None
        return self._nearest_first(ResultRows(matches, None, self.catalog.digest), nearest)

    def near(self, near: Near) -> dict[str, float]:
        """Trial id → km to the trial's site nearest any of `near`'s places, for the trials with
        a site within its distance of one. The sites' points are gathered once per catalog (`SiteMap`)."""
        from trialtui.distances import SiteMap

        if self._sites is None or self._sites[0] is not self.catalog:
            catalog = self.catalog
            try:
                sites = SiteMap(catalog.placed_digests())
            except (StoreError, sqlite3.DatabaseError):  # damage met while reading the sites
                sites = SiteMap([d for d in catalog.placed_digests() if d.origin != LIBRARY_ORIGIN])
            self._sites = (catalog, sites)
        return self._sites[1].near(near)

    def nearest_sites(self, trial_ids: Sequence[str], near: Near) -> dict[str, tuple[str, float] | None]:
        """Each trial's site nearest any of `near`'s places: its name and place, and the km to it
        (None when no site of it can be placed). Reads each full record."""
        from trialtui.distances import nearest_site_to, site_label

        found = {}
        for trial_id in trial_ids:
            trial = self.trial(trial_id)
            site = nearest_site_to(trial, near) if trial else None
            found[trial_id] = (site_label(site.location), site.km) if site else None
        return found

    @staticmethod
    def _nearest_first(rows: ResultRows, nearest: dict[str, float] | None) -> ResultRows:
        if nearest is None:
            return rows
        ranked = list(rows)  # stable: equally near trials keep the query's order
        for row in ranked:
            row.distance_km = nearest[row.digest.trial_id]
        ranked.sort(key=lambda row: row.distance_km)
        return ResultRows(None, ranked, rows._digest_of)

    def trial(self, trial_id: str) -> Trial | None:
        """The full record; None when it cannot be read (a damaged library says so when loaded)."""
        try:
            return self.catalog.trial(trial_id)
        except StoreError:
            return None

    def sections(self, trial_id: str, near: Near | None = None) -> list[Section]:
        trial = self.trial(trial_id)
        return trial_sections(trial, near) if trial else []

    def thresholds(self, trial_id: str) -> list:
        """The trial's eligibility thresholds (cached: the list and compare screens ask often);
        for a checked trial, the very list its patient fit was computed on."""
        checked = self._fits.get(trial_id)
        return checked[0] if checked is not None else self._thresholds(trial_id)

    def threshold_sources(self, trial_id: str) -> list[str]:
        """For each threshold, the whole criterion item it was read from (its own text if none)."""
        trial = self.trial(trial_id)
        if trial is None:
            return []
        items = split_criteria(trial.eligibility.criteria)
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
        from trialtui.patient_check import read_profile

        self._fits.clear()
        self._verdicts.clear()
        self._overall.clear()
        self._list_check = None
        if entry is None:
            self.patient_entry, self.patient = None, None
            return []
        self.patient_entry = entry
        self.patient, problems = read_profile(entry)
        return problems

    def fit(self, trial_id: str) -> TrialFit | None:
        """How the current patient fits this trial (None without a patient or a record)."""
        from trialtui.patient_check import trial_fit

        if self.patient is None:
            return None
        checked = self._fits.get(trial_id)
        if checked is None:
            trial = self.trial(trial_id)
            if trial is None:
                return None
            thresholds = self._thresholds(trial_id)
            # setdefault: when the UI thread and the check's worker race, both keep the first pair
            checked = self._fits.setdefault(trial_id, (thresholds, trial_fit(self.patient, trial, thresholds)))
        return checked[1]

    def known_fit(self, trial_id: str) -> TrialFit | None:
        """The fit if the trial was checked (its reasons read from its stored row if only its
        verdict was computed); never runs the check itself."""
        if self.patient is None:
            return None
        checked = self._fits.get(trial_id)
        if checked:
            return checked[1]
        fit = self._verdicts.get(trial_id)
        if fit is None and trial_id in self._overall:
            try:
                rows = self.derived.check_rows([trial_id])
            except StoreError:
                rows = []
            fit = self._verdicts[trial_id] = self._checker().fit(*rows[0][1:]) if rows else self.fit(trial_id)
        return fit

    def verdict(self, trial_id: str) -> str | None:
        """fits, fails or unknown if the trial was checked (cheap enough for every list row)."""
        if self.patient is None:
            return None
        checked = self._fits.get(trial_id)
        fit = checked[1] if checked else self._verdicts.get(trial_id)
        return fit.overall if fit is not None else self._overall.get(trial_id)

    def fitted(self) -> set[str]:
        """The trials whose patient fit is already computed."""
        return self._fits.keys() | self._verdicts.keys() | self._overall.keys() if self.patient is not None else set()

    def _checker(self) -> ListCheck:
        """The patient's check over stored rows, its shared parts kept while the patient is."""
        from trialtui.patient_list import ListCheck

        if self._list_check is None or self._list_check.profile is not self.patient:
            self._list_check = ListCheck(self.patient)
        return self._list_check

    def stale_derived(self) -> list[str]:
        """Library trials whose derived data an older trialtui made (or none yet), to derive again
        (`Derived.rederive`); none with ``--data`` or a library that cannot be written."""
        if self.data or self.store_problem is not None:
            return []
        try:
            return self.derived.stale()
        except StoreError:
            return []

    def check_patient(self, trial_ids: Sequence[str], done: Callable[[list[str]], None] | None = None,
                      stop: Callable[[], bool] | None = None, batch: int = 5000, reasons: bool = False) -> bool:
        """Check the patient against these trials (those checked already keep their verdict),
        calling `done` with each batch of them; False if `stop` returned True first.

        A library trial is checked on its stored derived data: a long list's verdicts over the
        whole library at once (`patient_verdicts`; with `reasons`, each trial's reasons too, as
        a short list's, `patient_list`). One whose data is stale (made by an older trialtui, and
        not derived again yet), a seed or a ``--data`` record is checked on its record, as `fit`
        does: the verdict is the same either way."""
        if self.patient is None:
            return True
        known = self.fitted()
        stored = {}
        overall: dict[str, str] = {}
        wanted = set(trial_ids)
        wanted -= known  # in place: a first check over 570,000 trials copies no set
        if not self.data:
            try:
                if reasons or len(wanted) * 20 < len(self.catalog):
                    library = {trial_id for trial_id in wanted if (digest := self.catalog.digest(trial_id)) is not None
                               and digest.origin == LIBRARY_ORIGIN}
                    few = len(library) * 20 < len(self.catalog)  # a short list's rows by key, a long one's in one pass
                    rows = self.derived.check_rows(sorted(library) if few else None) if library else []
                    stored = {row[0]: row[1:] for row in rows if row[0] in library}
                elif wanted:
                    overall = self._library_verdicts(stop)
                    if stop is not None and stop():  # the read may have ended early: no verdict is kept
                        return False
                    for trial_id in known:  # checked already: kept as it was
                        overall.pop(trial_id, None)
                    for digest in self.catalog.digests:  # a seed or file record is checked on its record
                        if digest.origin != LIBRARY_ORIGIN:
                            overall.pop(digest.trial_id, None)
            except StoreError:
                stored, overall = {}, {}
        if self._overall:
            self._overall.update(overall)
        else:
            self._overall = overall
        rest = wanted.difference(overall)  # a dict, looked up as it is (its keys() would be copied into a set)
        check = self._checker()
        for start in range(0, len(trial_ids), batch):
            if stop is not None and stop():
                return False
            chunk = trial_ids[start:start + batch]
            for trial_id in chunk if rest else ():
                if trial_id not in rest:
                    continue
                row = stored.get(trial_id)
                if row is not None:
                    self._verdicts[trial_id] = check.fit(*row)
                else:
                    self.fit(trial_id)
            if done is not None:
                done(chunk)
        return True

    def _library_verdicts(self, stop: Callable[[], bool] | None) -> dict[str, str]:
        """The verdict of every library trial with fresh derived data, from the whole library's
        stored check numbers at once (their reading ends early once `stop` returns True)."""
        from trialtui.patient_verdicts import library_verdicts  # numpy: not imported before a check

        return library_verdicts(self.patient, self.db, stop)

    def patient_results(self, trial_id: str) -> dict[int, str]:
        """Threshold position → pass / fail / unknown, for the threshold table's Patient column."""
        fit = self.fit(trial_id)
        if fit is None:
            return {}
        position = {id(t): i for i, t in enumerate(self.thresholds(trial_id))}
        return {position[id(c.threshold)]: c.result for c in fit.checks if id(c.threshold) in position}

    # the reviewer's annotations: each edit is stored (one transaction) before it returns

    def review(self, trial_id: str) -> TrialAnnotation:
        return self.reviews.get(trial_id) or TrialAnnotation(trial_id)

    def _changed(self) -> set[str]:
        return set() if self.data else set(self.library.changed_since_review())

    def _edited(self, trial_id: str) -> TrialAnnotation:
        """After an edit: annotating a trial marks its current version seen (no more Δ)."""
        self.changed.discard(trial_id)
        self.reviews[trial_id] = self.annotations.get(trial_id)
        return self.reviews[trial_id]

    def set_note(self, trial_id: str, note: str, seen: str | None = None) -> tuple[TrialAnnotation, bool]:
        """Store the note (see `Annotations.set_note` for ``seen``); returns the annotation and
        whether another window had changed the note meanwhile (both texts are then kept)."""
        _, elsewhere = self.annotations.set_note(trial_id, note, seen)
        return self._edited(trial_id), elsewhere

    def mark_seen(self, trial_id: str) -> None:
        """The reviewer has looked at this trial's changes: no Δ until its next version."""
        self.library.mark_reviewed(trial_id)
        self.changed.discard(trial_id)

    def refresh_from_elsewhere(self) -> set[str] | None:
        """If another process wrote to the database since last asked, re-read the annotations
        and the changed trials; returns the trials whose annotation or Δ moved (None: nothing
        was written, or the database is busy or not read yet, so ask again later)."""
        if "annotations" not in self.__dict__:
            return None
        try:
            if not self.annotations.changed_elsewhere():
                return None
            reviews, changed = self.annotations.all(), self._changed()
        except StoreError:  # a damaged or unreadable library is announced once, not every second
            return None
        moved = {trial_id for trial_id in reviews.keys() | self.reviews.keys()
                 if reviews.get(trial_id) != self.reviews.get(trial_id)} | (changed ^ self.changed)
        self.reviews, self.changed = reviews, changed
        return moved

    def toggle_star(self, trial_id: str) -> TrialAnnotation:
        self.annotations.set_star(trial_id, not self.review(trial_id).star)
        return self._edited(trial_id)

    def set_status(self, trial_id: str, status: str, reason: str = "") -> TrialAnnotation:
        self.annotations.set_status(trial_id, status, reason)
        return self._edited(trial_id)

    def add_tag(self, trial_id: str, tag: str) -> TrialAnnotation:
        self.annotations.add_tag(trial_id, tag)
        return self._edited(trial_id)

    def remove_tag(self, trial_id: str, tag: str) -> TrialAnnotation:
        self.annotations.remove_tag(trial_id, tag)
        return self._edited(trial_id)

    def mark_item(self, trial_id: str, key: str, mark: str | None, note: str | None = None) -> TrialAnnotation:
        """Mark a criterion or threshold (`key` from trialtui.review); None keeps the other part."""
        held = self.review(trial_id).items.get(key)
        if mark is None:
            mark = held.mark if held else None
        if note is None:
            note = held.note if held else ""
        self.annotations.set_item_mark(trial_id, key, mark or None, note)
        return self._edited(trial_id)

    def undo(self) -> str | None:
        """Revert the last annotation change made in this run of the app; say what it was."""
        said = self.annotations.undo()
        if said is not None:
            self.reviews = self.annotations.all()
        return said

    def marks(self, trial_id: str) -> dict[str, tuple[str, str]]:
        """Criterion and threshold key → (mark, note), for the checklist and the tables."""
        return {key: (m.mark or "", m.note) for key, m in self.review(trial_id).items.items()}

    def review_notes(self, trial_id: str) -> ReviewNotes:
        from trialtui.reports import ReviewNotes

        a = self.review(trial_id)
        return ReviewNotes(a.note, list(a.tags), a.status, a.reason, a.star, self.marks(trial_id))

    def toggle_mark(self, trial_id: str) -> list[str]:
        """Mark a trial for comparison (at most a matrix's worth; the oldest mark drops) or unmark it."""
        from trialtui.eligibility.matrix import MAX_TRIALS

        if trial_id in self.marked:
            self.marked.remove(trial_id)
        else:
            self.marked = [*self.marked, trial_id][-MAX_TRIALS:]
        return self.marked

    def _extract(self, trial_id: str) -> list:
        """A library trial's stored thresholds when they are current, else extracted now."""
        from trialtui.eligibility.extract import extract_thresholds

        digest = self.catalog.digest(trial_id)
        if not self.data and digest is not None and digest.origin == LIBRARY_ORIGIN:
            try:
                stored = self.derived.thresholds(trial_id)
            except StoreError:
                stored = None
            if stored is not None:
                return stored
        trial = self.trial(trial_id)
        return extract_thresholds(trial) if trial else []
