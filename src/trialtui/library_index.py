"""The search index of the bundled seeds plus the user's library, kept in the library itself.

The library database holds a base: the index over its trials up to one generation (each import
that changes something is one), as arrays (`store.search_base`). A start reads the base, leaves
out the trials the library no longer holds, indexes the trials written since (their stored
digests: nothing else is tokenised) and the seeds, which are never stored. When the trials
written since the base are many, a new base is made from the index in memory by merging its
arrays (`SearchIndex.compacted`: no tokenising) and written back: in the background in the app,
at the end of `trialtui import`, `fetch` and `update`. Without a usable base (a library made before there was one, a
base of an older layout, a damaged one) the index is built whole, once, and its base written.
The app's session and `trialtui search` both come through here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from trialtui.digest import TrialDigest
from trialtui.search.index import SearchIndex
from trialtui.store import Database, Library, StoreError
from trialtui.store.search_base import StoredBase, read_base, stored_layout, write_base

INDEX_LAYOUT = 1
"""The layout of the stored arrays and the tokenising that made them: a change to either bumps
it, and a base of another layout is then built again (in the background, saying so)."""

COMPACT_OVER = 10_000
"""Trials written since the base from which a new base is made: each start tokenises those it
applies, while a merge is one pass over the base's arrays, once."""

Say = Callable[[str], None]

_OLD_FILE = "search-index.npz"
"""Where trialtui once kept a large library's index, beside the database: removed when seen."""


@dataclass
class OpenedIndex:
    """The index of one start, and what should be written back to the library afterwards."""

    index: SearchIndex
    generation: int
    """The library generation the index covers: later imports are applied in place."""
    seeds: list[str]
    """The bundled seeds it holds: never stored in the library."""
    rebuilt: str | None = None
    """Why the index was built whole (no base, another layout, a damaged one), else None."""
    behind: int = 0
    """Trials applied on top of the base."""

    @property
    def wants_base(self) -> bool:
        """Whether a new base should be written (`keep_base`)."""
        return self.rebuilt is not None or self.behind > COMPACT_OVER


class BaseReader:
    """The library's stored base read on a thread of its own, from now on (`read_base`)."""

    def __init__(self, db: Database) -> None:
        self._base: StoredBase | None = None
        self._error: ValueError | None = None
        self._thread = threading.Thread(target=self._read, args=(db,), name="read search base", daemon=True)
        self._thread.start()

    def _read(self, db: Database) -> None:
        try:
            self._base = read_base(db)
        except ValueError as error:
            self._error = error

    def __call__(self) -> StoredBase | None:
        """The base (None if there is none); ValueError if it is damaged."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._base


def open_index(digests: Sequence[TrialDigest], library: Library, generation: int,
               seeds: Sequence[TrialDigest] = (), say: Say | None = None,
               stored: Callable[[], StoredBase | None] | None = None) -> OpenedIndex:
    """The index over `digests` (the catalog: the library as it was at `generation`, and the
    `seeds` it shows among them), from the stored base (`stored` gives it, read meanwhile:
    `BaseReader`) and the trials written since; built whole when there is no usable base, after
    `say` is told why (one line)."""
    seed_ids = [digest.trial_id for digest in seeds]
    with suppress(OSError):
        library.db.path.with_name(_OLD_FILE).unlink(missing_ok=True)
    try:
        base = stored() if stored is not None else read_base(library.db)
        problem = None if base is None else _unusable(base)
    except ValueError as error:
        base, problem = None, f"the stored search index is damaged ({error}): building it again"
    if base is not None and problem is None:
        try:
            index = SearchIndex.from_arrays(base.arrays, base.meta, digests)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            problem = f"the stored search index is damaged ({error}): building it again"
        else:
            # As of the catalog's generation: later ones are for `ReviewSession.take_library_changes`.
            written, _ = library.written_since(base.generation, also={*base.left_out, *seed_ids}, until=generation)
            index.add_all(written)
            index.add_all(seeds)
            return OpenedIndex(index, generation, seed_ids, behind=len(written))
    if base is None and problem is None and len(digests) > len(seeds):
        problem = "indexing the library for search (once)"
    if say is not None and problem is not None:
        say(problem)
    return OpenedIndex(SearchIndex.build(digests), generation, seed_ids, rebuilt=problem)


def _unusable(base: StoredBase) -> str | None:
    if base.layout != INDEX_LAYOUT:
        return "the search index was made by another version of trialtui: building it again"
    return None


def keep_base(opened: OpenedIndex, library: Library) -> bool:
    """Write `opened`'s index as the library's new base (its trials merged into arrays, the seeds
    left out); False if the library cannot be written now (read-only, busy, damaged)."""
    index, seeds = opened.index, set(opened.seeds)
    arrays, meta = (index if index.is_compact(seeds) else index.compacted(leave_out=seeds)).arrays()
    try:
        write_base(library.db, StoredBase(arrays, meta, opened.generation, INDEX_LAYOUT, opened.seeds))
    except (StoreError, sqlite3.Error, OSError):
        return False
    return True


def refresh_base(library: Library, say: Say | None = None, written: Mapping[str, TrialDigest] | None = None,
                 as_of: int = 0) -> None:
    """After an import: make the base when there is none (or of another layout), or merge the
    trials written since into a new one when they are many; else nothing. `written`: the digests
    the import stored, by id, the library at generation `as_of` after it: used as they are when
    nothing was written since, rather than read back."""
    stored = stored_layout(library.db)
    if stored is not None and stored[0] == INDEX_LAYOUT and library.count_written_since(stored[1]) <= COMPACT_OVER:
        return
    generation = library.generation()
    digests = library.digests()
    if written and generation == as_of:
        digests = [written.get(digest.trial_id, digest) for digest in digests]
    opened = open_index(digests, library, generation, say=say)
    keep_base(opened, library)
