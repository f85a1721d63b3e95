"""Import files and folders into the library: the one path `trialtui import` and the app's import
dialog share.

Records stream from the loaders and are stored in batches, each in one library transaction, so a
570,000-study file never sits in memory whole, a cancel (the dialog's Esc) keeps every batch
stored before it and nothing of the batch under way, and progress is told as records are read and
after each batch. Within a batch the same trial seen twice keeps the most recently updated record,
as loading does; across batches the library's own rule applies (an older record is not stored, a
newer one becomes the current version, the earlier one kept as an older version).
"""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from trialtui.digest import TrialDigest
from trialtui.ingest import LoadProblem, iter_records
from trialtui.models import Trial
from trialtui.store import Library, StoreError
from trialtui.store.library import built_outside_the_collector

BATCH = 1000
"""Trials stored per transaction: large enough that committing costs little, small enough that a
cancel loses at most a second of reading and progress moves often."""
COLLECT_EVERY = 10 * BATCH
"""Trials stored between two collections of the young generations while an import has the cycle
collector paused: a collection walks every object made since the last one (the first one also the
tables and caches the import filled, ~12 ms), and the cycles a batch leaves are few (none in a
normal import), so one every ten batches bounds them at a tenth of the cost."""
PROGRESS_SECONDS = 0.1
"""Progress is told at most this often while records are read (and after every batch)."""


@dataclass(frozen=True)
class ImportProgress:
    """Where an import stands, for a status line."""

    read: int
    """Records read so far (stored, waiting in the batch under way, or not stored as older)."""
    added: int
    updated: int
    unchanged: int
    """Records the library holds already, or holds a newer version of: nothing stored for them."""
    problems: int


@dataclass
class FileImport:
    """How an import ended: what the library stored, and every problem line met on the way."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    """Records older than the library's current version of the trial: not stored."""
    problems: list[LoadProblem] = field(default_factory=list)
    cancelled: bool = False
    error: str | None = None
    """Why the library refused a batch (a full disk, a damaged file): the import stopped there."""
    written: dict[str, TrialDigest] = field(default_factory=dict)
    """With ``keep_digests``: the digest of each trial this import made current, by id, as stored
    (for the search base made after it: `library_index.refresh_base`)."""
    generation: int = 0
    """The library generation of the last batch that wrote something."""

    @property
    def stored(self) -> int:
        """Records the library took in (new, updated, unchanged or older than its own)."""
        return self.added + self.updated + self.unchanged + self.older

    @property
    def skipped(self) -> int:
        """Records and sources the problem lines stand for that were not loaded."""
        return sum(problem.skipped for problem in self.problems)


def import_files(
    paths: Iterable[str | Path],
    library: Library,
    *,
    progress: Callable[[ImportProgress], None] | None = None,
    cancel: threading.Event | None = None,
    origin: str = "import",
    keep_digests: bool = False,
) -> FileImport:
    """Read every path (file or folder, any format trialtui reads) into `library`, a batch per
    transaction. Never raises for bad input or a refused write: problems are listed, and
    ``error`` / ``cancelled`` say what stopped it.

    The cycle collector is paused meanwhile: a batch is thousands of records' worth of new
    objects, none of them in a cycle, which otherwise set it off over and over, each pass walking
    the batch read so far. What cycles the batches leave are collected every `COLLECT_EVERY`
    trials stored (the young generations only: a pass over the app's whole list would cost more
    than it saves)."""
    with built_outside_the_collector() as was_running:
        return _import_files(paths, library, progress, cancel, origin, keep_digests, collect=was_running)


def _import_files(paths: Iterable[str | Path], library: Library, progress: Callable[[ImportProgress], None] | None,
                  cancel: threading.Event | None, origin: str, keep_digests: bool, collect: bool) -> FileImport:
    result = FileImport()
    batch: dict[str, Trial] = {}
    told = 0.0
    uncollected = 0  # trials stored since the young generations were last collected

    def tell(now: float) -> None:
        nonlocal told
        told = now
        if progress is not None:
            progress(ImportProgress(result.read, result.added, result.updated, result.unchanged + result.older,
                                    len(result.problems)))

    def store() -> bool:
        nonlocal uncollected
        uncollected += len(batch)
        try:
            report = library.import_trials(batch.values(), origin=origin)
        except StoreError as failure:
            result.error = str(failure)
            return False
        except sqlite3.Error as failure:
            result.error = f"{library.db.path}: could not store the trials ({failure})"
            return False
        finally:
            batch.clear()
            if collect and uncollected >= COLLECT_EVERY:
                gc.collect(1)
                uncollected = 0
        result.added += report.added
        result.updated += report.updated
        result.unchanged += report.unchanged
        result.older += report.older
        if report.written:
            result.generation = report.generation
            if keep_digests:
                result.written.update((digest.trial_id, digest) for digest in report.written)
        tell(time.monotonic())
        return True

    for path in paths:
        for item in iter_records(path):
            if cancel is not None and cancel.is_set():
                result.cancelled = True
                return result
            if isinstance(item, LoadProblem):
                result.problems.append(item)
            else:
                result.read += 1
                known = batch.get(item.trial_id)
                if known is None or item.last_update_posted >= known.last_update_posted:
                    batch[item.trial_id] = item
                if len(batch) >= BATCH and not store():
                    return result
            now = time.monotonic()
            if now - told >= PROGRESS_SECONDS:
                tell(now)
    if cancel is not None and cancel.is_set():
        result.cancelled = True
    elif batch:
        store()
    return result
