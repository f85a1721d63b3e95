"""The set of trials a session works on, shared by every command and the TUI.

Either exactly the ``--data`` sources, or the bundled seeds plus the user's local library. The
catalog holds digests for the list and the index, and hands out full records on demand: seeds and
``--data`` records are parsed up front (they are files the user named), library records are read
from SQLite one at a time so a 570,000-trial library opens quickly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from heapq import merge
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from trialtui.digest import TrialDigest, digest_sites, digest_trial
from trialtui.paths import seeds_dir
from trialtui.store import Library, StoreDamaged, StoreError

if TYPE_CHECKING:
    from trialtui.ingest import LoadProblem
    from trialtui.models import Trial

Progress = Callable[[str, int], None]
"""Called with a stage name and a running count while the catalog loads."""


@dataclass
class Catalog:
    digests: list[TrialDigest] = field(default_factory=list)
    problems: list[LoadProblem] = field(default_factory=list)
    _records: dict[str, Trial] = field(default_factory=dict, repr=False)
    _library_reader: Callable[[str], Trial | None] | None = field(default=None, repr=False)
    seed_count: int = 0
    """How many of `digests` come first as the seeds' places (see `load_default`)."""

    @cached_property
    def _by_id(self) -> dict[str, TrialDigest]:
        """Built on first use (a search hit, a jump by id): at 570,000 trials that takes tenths of
        a second the list need not wait for."""
        return {d.trial_id: d for d in self.digests}

    def __len__(self) -> int:
        return len(self.digests)

    def __contains__(self, trial_id: str) -> bool:
        return trial_id in self._by_id

    def digest(self, trial_id: str) -> TrialDigest | None:
        return self._by_id.get(trial_id)

    def resolve(self, text: str) -> str | None:
        """The trial id a user typed, matched case-insensitively (``nct06751134`` works)."""
        if text in self._by_id:
            return text
        wanted = text.strip().upper()
        return next((tid for tid in self._by_id if tid.upper() == wanted), None)

    def trial(self, trial_id: str) -> Trial | None:
        """The full record: from memory for files, from the library database otherwise."""
        record = self._records.get(trial_id)
        if record is None and self._library_reader is not None:
            record = self._library_reader(trial_id)
        return record

    def take(self, written: Sequence[TrialDigest]) -> list[TrialDigest]:
        """Put the library trials `written` since this catalog was read in their places (a new
        one among the library's in id order; a seed stays shown where it is newer, as
        `load_default` shows it); returns those now shown. The list is replaced whole, never
        changed under a reader."""
        if not written or self._library_reader is None:
            return []
        digests = list(self.digests)
        place = {digest.trial_id: at for at, digest in enumerate(digests)}
        shown, new = [], []
        for digest in written:
            at = place.get(digest.trial_id)
            if at is None:
                new.append(digest)
            elif digests[at].origin != "seeds" or _newer(digest, digests[at]):
                digests[at] = digest
                shown.append(digest)
        if new:
            head = digests[:self.seed_count]
            digests = head + list(merge(digests[self.seed_count:], new, key=_trial_id))
            shown += new
        by_id = self.__dict__.get("_by_id")
        self.digests = digests
        if by_id is not None:
            by_id.update((digest.trial_id, digest) for digest in shown)
        return shown

    def placed_digests(self) -> list[TrialDigest]:
        """The digests with every site the gazetteer can place among their points: a library's
        were placed when imported; the files' (held whole here, digested without the gazetteer
        by `load_files`) are placed now."""
        records = self._records
        return [d if (record := records.get(d.trial_id)) is None
                else replace(d, site_points=digest_sites(record.locations)) for d in self.digests]

    def trials(self) -> Iterable[Trial]:
        for d in self.digests:
            record = self.trial(d.trial_id)
            if record is not None:
                yield record


_trial_id = attrgetter("trial_id")


def _newer(a: TrialDigest, b: TrialDigest) -> bool:
    return (a.last_update or "") > (b.last_update or "")


def _merge(digests: Iterable[TrialDigest]) -> list[TrialDigest]:
    """One digest per trial id: the most recently updated wins, first-seen order kept."""
    chosen: dict[str, TrialDigest] = {}
    for d in digests:
        held = chosen.get(d.trial_id)
        if held is None or _newer(d, held):
            chosen[d.trial_id] = d
    return list(chosen.values())


def load_files(paths: Sequence[str | Path], progress: Progress | None = None, origin: str = "") -> Catalog:
    """A catalog of exactly these files or folders (``--data``)."""
    from trialtui.ingest import load_paths  # the readers and pydantic, once the app has drawn

    report = (lambda n: progress("reading files", n)) if progress else None
    result = load_paths(paths, on_progress=report)
    records = {t.trial_id: t for t in result.trials}
    digests = [digest_trial(t, origin or t.source.path, place=False) for t in result.trials]
    return Catalog(digests=_merge(digests), problems=list(result.problems), _records=records)


First = Callable[[Catalog, int], None]
"""Called, before a long list is read whole, with a catalog of its first trials in list order
and the number of trials the whole catalog will hold."""


def _with_seeds(seeds: Catalog, held: Callable[[str], TrialDigest | None]) -> tuple[list[TrialDigest], set[str]]:
    """The seeds in their order, each replaced by the library's version when that is newer; and
    the ids of the seeds the library holds (listed in the seed's place, not again later)."""
    shown, replaced = [], set()
    for seed in seeds.digests:
        library_digest = held(seed.trial_id)
        if library_digest is None:
            shown.append(seed)
            continue
        shown.append(library_digest if _newer(library_digest, seed) else seed)
        replaced.add(seed.trial_id)
    return shown, replaced


def _catalog(seeds: Catalog, shown: list[TrialDigest], rest: list[TrialDigest], library: Library) -> Catalog:
    records = {d.trial_id: seeds._records[d.trial_id] for d in shown if d.origin == "seeds"}
    return Catalog(digests=shown + rest, problems=seeds.problems, _records=records,
                   _library_reader=library.get, seed_count=len(shown))


def _first_rows(seeds: Catalog, library: Library, rows: int) -> tuple[Catalog, int]:
    """The first `rows` trials of `load_default`'s catalog, from two small queries, and how many
    trials it holds in all."""
    in_library = {d.trial_id: d for d in library.digests(ids=[d.trial_id for d in seeds.digests])}
    shown, replaced = _with_seeds(seeds, in_library.get)
    rest = [d for d in library.digests(limit=rows + len(replaced)) if d.trial_id not in replaced]
    first = _catalog(seeds, shown, rest, library)
    first.digests = first.digests[:rows]
    return first, len(shown) + library.count() - len(replaced)


def load_default(library: Library, progress: Progress | None = None, first: First | None = None,
                 first_rows: int = 0) -> Catalog:
    """The bundled seeds plus the user's local library; a trial in both is shown once, the more
    recently updated version in the seed's place. Written for a 570,000-trial library: its digests
    come in id order, so each seed is looked for by bisection, and the library list is kept.
    When the catalog will hold more than `first_rows` trials, `first` gets those first (read in
    milliseconds) before the whole library is read (a second or more). A damaged library is one
    problem line, and the seeds are still shown (with what of the library still reads)."""
    from trialtui.ingest import LoadProblem

    seeds = load_files([seeds_dir()], progress, origin="seeds")
    try:
        catalog = _with_library(seeds, library, progress, first, first_rows)
    except StoreError as error:
        seeds.problems.append(LoadProblem(str(library.db.path), _reason(error, library)))
        return seeds
    if isinstance(library.db.problem, StoreDamaged):
        catalog.problems.append(LoadProblem(str(library.db.path), _reason(library.db.problem, library)))
    return catalog


def _reason(error: StoreError, library: Library) -> str:
    prefix = f"{library.db.path}: "
    return str(error).removeprefix(prefix)


def _with_library(seeds: Catalog, library: Library, progress: Progress | None, first: First | None,
                  first_rows: int) -> Catalog:
    if progress:
        progress("opening library", 0)
    if first is not None:
        head, total = _first_rows(seeds, library, first_rows)
        if total > first_rows:
            first(head, total)
    library_digests = library.digests()

    def held(trial_id: str) -> TrialDigest | None:
        at = bisect_left(library_digests, trial_id, key=_trial_id)
        return library_digests[at] if at < len(library_digests) and library_digests[at].trial_id == trial_id else None

    shown, replaced = _with_seeds(seeds, held)
    rest = [d for d in library_digests if d.trial_id not in replaced] if replaced else library_digests
    return _catalog(seeds, shown, rest, library)


def load_catalog(data: Sequence[str | Path] | None, library: Library | None, progress: Progress | None = None,
                 first: First | None = None, first_rows: int = 0) -> Catalog:
    """What every command and the app loads: ``--data`` sources when given, else seeds + library
    (whose first rows can show early: see `load_default`)."""
    return load_files(data, progress) if data else load_default(library, progress, first, first_rows)
