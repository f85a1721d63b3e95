"""Data derived from each trial version, stored beside it: its eligibility thresholds and the facts
the patient check reads (`TrialFacts`), so showing a trial's limits or checking a patient against
a whole library never re-reads records or re-runs the extractor.

A version's row is written in the transaction that stores the version (`Library.import_trials`:
import, fetch and update alike). Each row records the version of the code that made it:
`THRESHOLDS_VERSION` and `FACTS_VERSION` below. A row made by other code is stale: it is never
used, and `Derived.rederive` makes it again from the stored record (the app does so in the
background after an upgrade, the command line before a command that needs it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from queue import Full, Queue
from types import SimpleNamespace
from typing import TYPE_CHECKING, TypeVar

from trialtui.store.database import Database
from trialtui.store.record_blobs import pack_record, unpack_record

if TYPE_CHECKING:  # the extractor and the models load when a version is derived or read: not at start
    from trialtui.eligibility.check_data import CheckData
    from trialtui.eligibility.extract import Threshold
    from trialtui.models import Trial

THRESHOLDS_VERSION = 5
"""Bump when what `extract_thresholds` finds changes (eligibility/extract.py, measures.py,
units.py, vocabulary.py, ages.py, criteria.py) or the stored threshold layout does."""
FACTS_VERSION = 4
"""Bump when `TrialFacts`, what it is read from, the check's numbers (`check_data`: they
resolve names against eligibility/conditions.py's table) or what the check weighs
(eligibility/weighed.py) change."""


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""`json.dumps` with these options, without making an encoder for every call."""
_WRITTEN_ALIKE, _INFINITY = 1e-4, float("inf")
"""pydantic-core writes a number as `_COMPACT` does when it is 0 or at least `_WRITTEN_ALIKE` and
finite: it writes smaller ones without an exponent ("0.00001") and infinities and NaN as null."""


def current_rows(every: bool = False) -> str:
    """FROM and WHERE of the current versions' rows made by this code; with `every`, FROM only,
    of every current trial (its row's columns NULL where it has none made by this code)."""
    fresh = f"d.thresholds_version = {THRESHOLDS_VERSION} AND d.facts_version = {FACTS_VERSION}"
    if every:
        return (" FROM trials t LEFT JOIN derived d ON d.trial_id = t.trial_id AND d.number = t.current_version"
                f" AND {fresh}")
    return f" FROM trials t JOIN derived d ON d.trial_id = t.trial_id AND d.number = t.current_version WHERE {fresh}"


def note_changed(conn) -> None:
    """Within a write transaction that changes current versions' rows in place: counted in
    ``meta.derived_changes``, so a packed base of the rows made before (`store.check_base`) is
    not used again."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('derived_changes',"
                 " COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'derived_changes'), 0) + 1)")


@dataclass(frozen=True, slots=True)
class DerivedRow:
    thresholds: bytes
    """Every threshold's JSON (`Threshold.to_json`), compressed as a record is (`record_blobs`:
    Zstandard, three times faster than zlib here; a zlib blob reads too)."""
    check_key: str
    """What the patient check reads of the thresholds (`check_key`)."""
    sex: str
    healthy: int | None
    studied: str
    """`TrialFacts.studied_json`."""
    check: CheckData
    """The same, and the limits, as the check over a whole list reads them."""


def check_key(thresholds: list[Threshold], unread: tuple[str, ...]) -> str:
    """The thresholds the patient check weighs and the measures whose stated limit was not read
    (`eligibility.weighed`), as compact JSON: trials with the same limits share it, so a check over
    a list weighs each distinct set once. The text a limit was read from counts only for durations
    (an age written "6 months" is said so)."""
    parts = _eligibility()
    durations = parts.display.DURATION_UNITS
    entries = [[t.measure, t.bound, t.inclusive, t.value, t.unit, t.condition, t.group,
                t.raw if t.unit in durations else ""] for t in thresholds] + [[m] for m in unread]
    if all(not t.value or _WRITTEN_ALIKE <= abs(t.value) < _INFINITY for t in thresholds):
        try:  # pydantic-core writes these as `_COMPACT` does, several times faster
            return parts.pydantic_core.to_json(entries).decode()
        except parts.pydantic_core.PydanticSerializationError:  # a lone surrogate: not UTF-8
            pass
    return _COMPACT(entries)


def key_limits(key: str) -> tuple[list[Threshold], tuple[str, ...]]:
    """The thresholds and the unread measures a `check_key` stands for, as the check needs them."""
    from trialtui.eligibility.extract import Threshold

    entries = json.loads(key)
    return ([Threshold(measure, bound, inclusive, value, unit, "inclusion", condition, group, raw)
             for measure, bound, inclusive, value, unit, condition, group, raw in (e for e in entries if len(e) > 1)],
            tuple(e[0] for e in entries if len(e) == 1))


@cache
def _eligibility() -> SimpleNamespace:
    """The extractor and the check's modules, imported when the first trial is derived (not at
    start), and looked up once rather than by import statements in every call."""
    import pydantic_core

    from trialtui.eligibility import check_data, display, extract, facts, weighed

    return SimpleNamespace(pydantic_core=pydantic_core, check_data=check_data, display=display, extract=extract,
                           facts=facts, weighed=weighed)


def derive(trial: Trial) -> DerivedRow:
    parts = _eligibility()
    weighing = parts.weighed
    thresholds = parts.extract.extract_thresholds(trial)
    weighed = weighing.weighed_ages(thresholds, *weighing.registry_ages(trial))
    unread = weighing.unread_measures(trial.eligibility.criteria, thresholds)
    facts = parts.facts.TrialFacts.of(trial)
    return DerivedRow(
        # pydantic-core's encoder: the fastest here
        pack_record(parts.pydantic_core.to_json([t.to_json() for t in thresholds])),
        check_key(weighed, unread), facts.sex,
        None if facts.healthy_volunteers is None else int(facts.healthy_volunteers), facts.studied_json(),
        parts.check_data.pack(facts, weighed, unread))


def store_derived(conn, rows: Iterable[tuple[str, int, DerivedRow]]) -> None:
    """Within the transaction that stores (or re-reads) the versions: each (trial id, version
    number, its derived row)."""
    rows = list(rows)
    conn.executemany(
        "INSERT OR REPLACE INTO derived (trial_id, number, thresholds_version, facts_version, thresholds,"
        " check_key, sex, healthy, studied, check_numbers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(trial_id, number, THRESHOLDS_VERSION, FACTS_VERSION, row.thresholds, row.check_key, row.sex,
          row.healthy, row.studied, row.check.numbers) for trial_id, number, row in rows],
    )
    # Trials share most terms (5 rows of 6 repeat one): each hash is offered once, as its first row
    # (the one INSERT OR IGNORE would keep), so SQLite does not look up and refuse the repeats.
    terms = {term[0]: term for _, _, row in reversed(rows) for term in reversed(row.check.terms)}
    conn.executemany("INSERT OR IGNORE INTO derived_terms (hash, kind, text, known) VALUES (?, ?, ?, ?)",
                     terms.values())


Progress = Callable[[int, int], None]
"""Called with (trials re-derived so far, trials to re-derive)."""


class Derived:
    """The library's derived data: read what is current, re-derive what is stale."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def stale(self) -> list[str]:
        """The trials whose current version has no row made by this code, in id order."""
        return [row[0] for row in self.db.query(
            "SELECT t.trial_id FROM trials t LEFT JOIN derived d"
            " ON d.trial_id = t.trial_id AND d.number = t.current_version"
            f" WHERE d.trial_id IS NULL OR d.thresholds_version != {THRESHOLDS_VERSION}"
            f" OR d.facts_version != {FACTS_VERSION} ORDER BY t.trial_id")]

    def thresholds(self, trial_id: str) -> list[Threshold] | None:
        """The current version's thresholds, or None when they are stale (or not in the library)."""
        rows = self.db.query("SELECT d.thresholds" + current_rows() + " AND t.trial_id = ?", (trial_id,))
        from trialtui.eligibility.extract import Threshold

        return [Threshold.from_json(t) for t in json.loads(unpack_record(rows[0][0]))] if rows else None

    def check_rows(self, ids: list[str] | None = None) -> list[tuple[str, str, str, int | None, str]]:
        """(trial id, check key, sex, healthy volunteers, studied) of every current trial with
        fresh rows (or of those of `ids`, looked up by key: for a list much shorter than the
        library): all the patient check reads."""
        sql = "SELECT t.trial_id, d.check_key, d.sex, d.healthy, d.studied" + current_rows()
        if ids is None:
            return self.db.query(sql)
        rows = []
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]
            rows += self.db.query(sql + f" AND t.trial_id IN ({','.join('?' * len(chunk))})", tuple(chunk))
        return rows

    def rederive(self, trial_ids: Iterable[str], progress: Progress | None = None,
                 stop: Callable[[], bool] | None = None, batch: int = 500) -> int:
        """Derive the current version of these trials again from its stored record, a batch per
        transaction (a trial updated meanwhile is derived at its new version); returns how many
        were stored before `stop` said to stop (a record that cannot be read stays stale)."""
        from trialtui.store.library import load_record

        ids = list(trial_ids)
        done = stored = 0
        for start in range(0, len(ids), batch):
            if stop is not None and stop():
                break
            chunk = ids[start:start + batch]
            marks = ",".join("?" * len(chunk))
            sql = ("SELECT v.trial_id, v.number, v.record FROM trials t JOIN trial_versions v"
                   f" ON v.trial_id = t.trial_id AND v.number = t.current_version WHERE t.trial_id IN ({marks})")
            rows = []
            for trial_id, number, record in self.db.query(sql, tuple(chunk)):
                try:
                    rows.append((trial_id, number, derive(load_record(record))))
                except ValueError:  # a damaged record stays stale: checked from the record, or not at all
                    continue
            with self.db.transaction() as conn:
                note_changed(conn)
                for trial_id, number, row in rows:
                    if conn.execute("SELECT 1 FROM trial_versions WHERE trial_id = ? AND number = ?",
                                    (trial_id, number)).fetchone():
                        store_derived(conn, [(trial_id, number, row)])
                        stored += 1
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids))
        return stored


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T], stop: Callable[[], bool] | None = None, depth: int = 2) -> Iterator[T]:
    """`items`, taken from the iterator on a thread of its own up to `depth` ahead of the caller
    (the iterator is run and closed on that thread: a lock it takes is that thread's). An error
    it raises is raised to the caller in its place; it ends early once `stop` returns True, and
    is stopped when the caller lets go of the result."""
    queue: Queue = Queue(depth)
    left = threading.Event()

    def put(item) -> bool:
        while not left.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if (stop is not None and stop()) or not put(item):
                    break
        except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
            put(error)
        finally:
            items.close()
        put(_END)

    thread = threading.Thread(target=produce, name="trialtui-read-ahead", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        left.set()
        thread.join()
