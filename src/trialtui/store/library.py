"""The user's local library: every imported trial, each version of it kept.

A trial's current version is the one the app shows; older versions stay so "what changed since I
last reviewed it" can be answered. Each trial row carries its `TrialDigest` as JSON, so opening a
library of hundreds of thousands of trials never parses a full record; the digest is split in two
columns, what the list shows and what only search reads, so the list can show before the rest is
read (see `_LazyDigest`). Full records are stored compressed (`record_blobs`: CT.gov JSON is repetitive).
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from trialtui.digest import DIGEST_FIELDS, TrialDigest, digest_trial
from trialtui.store.database import Database, StoreError, connect_read_only, utc_now
from trialtui.store.derived import DerivedRow, derive, store_derived
from trialtui.store.record_blobs import pack_record, unpack_record

if TYPE_CHECKING:
    from trialtui.models import Trial

LIBRARY_ORIGIN = "library"
"""The digest origin of library trials, as the list shows it."""

_CONTENT_EXCLUDE = {"source": True, "condition_mesh": True}
"""Where a record was read from is not its content: the same trial from two files is unchanged; nor
is the registry's MeSH indexing of it, so records stored before it was kept do not turn into new
versions when they are fetched again."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?")

HEAD_FIELDS = ("trial_id", "title", "status", "phases", "conditions", "last_update", "start_date", "enrollment")
"""What the list shows and sorts by: a JSON array, read at open and decoded on first use (the list
draws only the rows on screen; the id, all the catalog needs at once, has its own column)."""
TAIL_FIELDS = tuple(name for name in DIGEST_FIELDS if name not in (*HEAD_FIELDS, "origin"))
"""What only search and filters read (arm descriptions, sites, ages...): most of the bytes, so
stored zlib-compressed and read when first needed. ``origin`` is always `LIBRARY_ORIGIN`."""
DIGEST_LAYOUT = ",".join(HEAD_FIELDS) + "|" + ",".join(TAIL_FIELDS)
"""Stored digests are positional: a different layout means they must be rebuilt."""

_SLOTS = {name: TrialDigest.__dict__[name] for name in DIGEST_FIELDS}
_LIST_NAMES = frozenset((*HEAD_FIELDS[1:], "origin"))
_TAIL_NAMES = frozenset(TAIL_FIELDS)
_TAIL_DEFAULTS = tuple(field.default for field in fields(TrialDigest) if field.name in _TAIL_NAMES)


def _stored(value):
    return tuple(value) if value.__class__ is list else value


class _LazyDigest(TrialDigest):
    """A library digest whose fields are read and decoded when first used.

    Opening a 570,000-trial library builds one of these per trial, and the list needs only the ids
    at once (it draws the rows on screen): decoding every digest whole took several times longer
    than the list may take to appear. So only ``trial_id`` is set. The list fields stay unset,
    holding their JSON, until one of them is read (a row drawn, a sort); the search-only fields
    stay unset until one of them is read (the search index, built after the list shows), and are
    then read from the database for every digest at once (see `_StoredTails`). Equal to a
    `TrialDigest` of the same values.
    """

    __slots__ = ("_head_json", "_tails")

    def __getattr__(self, name: str):
        """Called only for an unset slot: fill its group, then answer normally."""
        if name in _LIST_NAMES:
            try:
                head = _HEAD_JSON.__get__(self)
            except AttributeError:  # decoded by another thread meanwhile
                return _SLOTS[name].__get__(self)
            _, title, status, phases, conditions, last_update, start_date, enrollment = json.loads(head)
            _SET_TITLE(self, title)
            _SET_STATUS(self, status)
            _SET_PHASES(self, tuple(phases))
            _SET_CONDITIONS(self, tuple(conditions))
            _SET_LAST_UPDATE(self, last_update)
            _SET_START_DATE(self, start_date)
            _SET_ENROLLMENT(self, enrollment)
            _SET_ORIGIN(self, LIBRARY_ORIGIN)
            with suppress(AttributeError):
                _HEAD_JSON.__delete__(self)
        elif name in _TAIL_NAMES:
            with suppress(AttributeError):  # else filled by another thread meanwhile
                _TAILS.__get__(self).fill(self)
        else:
            raise AttributeError(name)
        return _SLOTS[name].__get__(self)

    def __eq__(self, other):
        if isinstance(other, TrialDigest):
            return all(getattr(self, name) == getattr(other, name) for name in DIGEST_FIELDS)
        return NotImplemented

    __hash__ = TrialDigest.__hash__

    def __reduce__(self):
        """Copied and pickled as the plain digest it stands for (a copy must not share its source)."""
        return TrialDigest, tuple(getattr(self, name) for name in DIGEST_FIELDS)


_HEAD_JSON = _LazyDigest.__dict__["_head_json"]
_SET_TITLE, _SET_STATUS, _SET_PHASES, _SET_CONDITIONS, _SET_LAST_UPDATE, _SET_START_DATE, _SET_ENROLLMENT, _SET_ORIGIN = (
    _SLOTS[name].__set__ for name in (*HEAD_FIELDS[1:], "origin")
)  # written out: a first sort or search decodes 570,000 of these
_TAILS = _LazyDigest.__dict__["_tails"]


class _StoredTails:
    """The search-only fields of one `Library.digests` call, read from the database in one pass
    when the first digest needs them, then handed to each digest once (and dropped).

    Read through a connection of its own, so this works after the library's is closed and never
    holds its lock. A trial updated in between gets its newer search fields (as its full record,
    read on demand, is the newer one); a trial removed in between gets empty ones.
    """

    def __init__(self, path: Path) -> None:
        self._path = path.resolve()  # now: the working folder may change
        self._lock = threading.Lock()
        self._tails: dict[str, bytes] | None = None

    def fill(self, digest: _LazyDigest) -> None:
        with self._lock:
            try:
                _TAILS.__get__(digest)
            except AttributeError:  # filled meanwhile
                return
            if self._tails is None:
                self._tails = self._read()
            tail = self._tails.pop(digest.trial_id, None)
            values = json.loads(zlib.decompress(tail)) if tail is not None else _TAIL_DEFAULTS
            for field, value in zip(TAIL_FIELDS, values, strict=True):
                _SLOTS[field].__set__(digest, _stored(value))
            _TAILS.__delete__(digest)
            if not self._tails:
                self._tails = {}  # every digest filled: let the big table go

    def _read(self) -> dict[str, bytes]:
        connection = connect_read_only(self._path)
        try:
            return dict(connection.execute("SELECT trial_id, digest_tail FROM trials"))
        finally:
            connection.close()


_HEAD_VALUES, _TAIL_VALUES = attrgetter(*HEAD_FIELDS), attrgetter(*TAIL_FIELDS)


def _split_digest(digest: TrialDigest) -> tuple[str, bytes]:
    """The list columns as a JSON array, the rest as compressed JSON. Both are written by
    pydantic-core, several times faster than Python's encoder on these values and byte for byte
    what ``json.dumps(values, ensure_ascii=False, separators=(",", ":"))`` writes (loaded with the
    records' models, not at start). The zlib stream is made by ISA-L, three times faster than
    zlib's default level for 3% more bytes; `zlib.decompress` reads it."""
    from isal.isal_zlib import compress
    from pydantic_core import to_json

    return to_json(_HEAD_VALUES(digest)).decode(), compress(to_json(_TAIL_VALUES(digest)))


_SETTLE_OVER = 100_000
"""Digests read at once above which one full collection follows: it hands them all to the
collector's oldest generation, where they stay, instead of their being walked again by each
younger generation's passes as they age (three walks of the whole list, at registry scale a
second or more before search is ready)."""


@contextmanager
def built_outside_the_collector() -> Iterator[bool]:
    """Building hundreds of thousands of objects (a whole library's digests, a batch of imported
    records) triggers the cycle collector over and over, each pass walking everything built so
    far; nothing built so is cyclic, so pause it. Yields whether it was running before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield was_enabled
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0
    """Trials whose new version became current (the older one is kept)."""
    unchanged: int = 0
    older: int = 0
    """Records older than the library's current version of the trial: not stored."""
    written: tuple[TrialDigest, ...] = field(default=(), compare=False, repr=False)
    """The digest of each trial whose version became current (added or updated), as stored."""
    generation: int = field(default=0, compare=False)
    """The generation the batch stamped on what it wrote (the library's as of it, if nothing)."""

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged + self.older


@dataclass(frozen=True, slots=True)
class VersionInfo:
    number: int
    last_update_posted: str
    imported_at: str
    origin: str


@dataclass(frozen=True, slots=True)
class _PreparedRecord:
    trial_id: str
    last_update_posted: str
    content_hash: str
    record: bytes
    digest: TrialDigest
    digest_head: str
    digest_tail: bytes
    derived: DerivedRow


def _whole_record(content: bytes, rest: bytes) -> bytes:
    """The record's JSON joined from its content's and the excluded fields' (two objects with no
    key in common; the content always holds the trial id, the rest both excluded fields): the record
    is not serialized a second time whole, which costs as much again."""
    return b"".join((content[:-1], b",", rest[1:]))


def _excluded_fields(trial: Trial) -> bytes:
    """``to_json(trial, include=_CONTENT_EXCLUDE)``, written by the two fields' own serializers:
    an include filter still walks every field of the trial, at twice the cost."""
    mesh, source = trial.condition_mesh, trial.source
    return b"".join((
        b'{"condition_mesh":', mesh.__pydantic_serializer__.to_json(mesh),
        b',"source":', source.__pydantic_serializer__.to_json(source), b"}",
    ))


def _stored_record(trial: Trial) -> tuple[str, bytes]:
    """The hash of a trial's content and its whole record as stored."""
    # `model_dump_json` is this serializer's UTF-8 bytes decoded: taken as they are, not encoded again
    content = trial.__pydantic_serializer__.to_json(trial, exclude=_CONTENT_EXCLUDE)
    return hashlib.sha256(content).hexdigest(), pack_record(_whole_record(content, _excluded_fields(trial)))


def _prepare(trials: list[Trial]) -> list[_PreparedRecord]:
    """What a batch stores of each trial, made a step at a time over the whole batch (every record,
    then every digest, then every trial's derived data) rather than a trial at a time: each step's
    code and tables stay in the processor's caches, about a tenth faster."""
    records = [_stored_record(trial) for trial in trials]
    digests = [digest_trial(trial, origin=LIBRARY_ORIGIN) for trial in trials]
    parts = [_split_digest(digest) for digest in digests]
    derived = [derive(trial) for trial in trials]
    return [
        _PreparedRecord(
            trial_id=trial.trial_id,
            last_update_posted=trial.last_update_posted,
            content_hash=content_hash,
            record=record,
            digest=digest,
            digest_head=head,
            digest_tail=tail,
            derived=row,
        )
        for trial, (content_hash, record), digest, (head, tail), row in zip(
            trials, records, digests, parts, derived, strict=True)
    ]


def _whole_digest(head: str, tail: bytes) -> TrialDigest:
    """A stored digest decoded at once (the few written since the search base was made)."""
    values = [*json.loads(head), LIBRARY_ORIGIN, *json.loads(zlib.decompress(tail))]
    named = dict(zip((*HEAD_FIELDS, "origin", *TAIL_FIELDS), values, strict=True))
    return TrialDigest(**{name: _stored(named[name]) for name in DIGEST_FIELDS})


def _generation(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def load_record(record: bytes) -> Trial:
    """A stored version's full record; ValueError when it is damaged."""
    from trialtui.models import Trial

    return Trial.model_validate_json(unpack_record(record))


def _is_older(incoming: str, current: str) -> bool:
    """True only when both dates are ISO and the incoming one is earlier; unknown is not older."""
    if not (_ISO_DATE.match(incoming) and _ISO_DATE.match(current)):
        return False
    return incoming < current


CHANGED_SQL = (
    "SELECT trial_id FROM trials"
    " WHERE reviewed_version IS NOT NULL AND reviewed_version < current_version"
    " UNION ALL SELECT v.trial_id FROM trial_versions v JOIN trials t"
    " ON t.trial_id = v.trial_id AND t.reviewed_version IS NULL WHERE v.number = 2"
)
"""Trials changed since the user last saw them: reviewed ones through their index, never-reviewed
ones with a second version through the versions' key index, so no trial row is scanned."""


def _current_versions(conn: sqlite3.Connection, trial_ids: list[str]) -> dict[str, tuple[int, str, str]]:
    """(current version number, its last update, its content hash) of each of these trials the
    library holds: one query per 900 ids (SQLite's oldest limit on a statement's parameters),
    not one per trial."""
    found: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(trial_ids), 900):
        chunk = trial_ids[start:start + 900]
        for trial_id, *current in conn.execute(
            "SELECT t.trial_id, t.current_version, t.last_update_posted, v.content_hash"
            " FROM trials t JOIN trial_versions v ON v.trial_id = t.trial_id AND v.number = t.current_version"
            f" WHERE t.trial_id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[trial_id] = tuple(current)
    return found


def mark_seen(conn: sqlite3.Connection, trial_id: str) -> None:
    """Within a write transaction: the user has now seen the trial's current version (annotating
    a trial counts, so the annotations store calls this too). No-op for a trial not in the library."""
    conn.execute("UPDATE trials SET reviewed_version = current_version WHERE trial_id = ?", (trial_id,))


class Library:
    """Trials imported by the user, with their versions and the version last reviewed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._ensure_digest_format()

    def import_trials(self, trials: Iterable[Trial], origin: str = "import") -> ImportReport:
        """Store a batch in one transaction: an error anywhere leaves the library as it was.

        Records are serialized before the write lock is taken, so another trialtui window waits
        only for the inserts. Pass large sources in batches of a few thousand.
        """
        prepared = _prepare(list(trials))
        added = updated = unchanged = older = 0
        written: list[TrialDigest] = []
        imported_at = utc_now()
        new_trials: list[tuple] = []
        versions: list[tuple] = []
        derived: list[tuple[str, int, DerivedRow]] = []
        moved: list[tuple] = []
        current_of: dict[str, tuple[int, str, str]] = {}  # made current by this batch: a trial seen twice meets it
        with self.db.transaction() as conn:
            generation = _generation(conn) + 1  # stamped on every row this batch writes
            stored = _current_versions(conn, list({item.trial_id: None for item in prepared}))
            for item in prepared:
                current = current_of.get(item.trial_id) or stored.get(item.trial_id)
                if current is None:
                    number = 1
                    new_trials.append((item.trial_id, item.last_update_posted, item.digest_head, item.digest_tail,
                                       generation))
                    added += 1
                else:
                    number, current_update, current_hash = current
                    if current_hash == item.content_hash:
                        unchanged += 1
                        continue
                    if _is_older(item.last_update_posted, current_update):
                        older += 1
                        continue
                    number += 1
                    moved.append((number, item.last_update_posted, item.digest_head, item.digest_tail, generation,
                                  item.trial_id))
                    updated += 1
                versions.append((item.trial_id, number, item.last_update_posted, imported_at, origin,
                                 item.content_hash, item.record))
                derived.append((item.trial_id, number, item.derived))
                current_of[item.trial_id] = (number, item.last_update_posted, item.content_hash)
                written.append(item.digest)
            # Written together, each table's rows in one statement; trials before the versions that
            # name them, versions before their derived rows (the foreign keys' order).
            conn.executemany("INSERT INTO trials (trial_id, current_version, last_update_posted, digest_head,"
                             " digest_tail, generation) VALUES (?, 1, ?, ?, ?, ?)", new_trials)
            conn.executemany("INSERT INTO trial_versions (trial_id, number, last_update_posted, imported_at, origin,"
                             " content_hash, record) VALUES (?, ?, ?, ?, ?, ?, ?)", versions)
            conn.executemany("UPDATE trials SET current_version = ?, last_update_posted = ?, digest_head = ?,"
                             " digest_tail = ?, generation = ? WHERE trial_id = ?", moved)
            store_derived(conn, derived)
            if written:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(generation),))
            else:
                generation -= 1
        return ImportReport(added=added, updated=updated, unchanged=unchanged, older=older, written=tuple(written),
                            generation=generation)

    def digests(self, limit: int | None = None, ids: Iterable[str] | None = None) -> list[TrialDigest]:
        """Every current trial as the list and the index need it, in trial id order (only the
        first `limit`, or only those of `ids`, for what must show before the rest is read);
        fields are read and decoded when first used (see `_LazyDigest`), so this loop, run once
        per trial at start-up, only sets each digest's id and list JSON."""
        new, set_id, set_head, set_tails = (
            object.__new__, _SLOTS["trial_id"].__set__, _HEAD_JSON.__set__, _TAILS.__set__
        )
        sql, params = "SELECT trial_id, digest_head FROM trials", []
        if ids is not None:
            params = list(ids)
            sql += f" WHERE trial_id IN ({','.join('?' * len(params))})"
        sql += " ORDER BY trial_id"
        if limit is not None:
            sql, params = sql + " LIMIT ?", [*params, limit]
        tails = _StoredTails(self.db.path)
        digests = []
        append = digests.append
        with built_outside_the_collector():
            with self.db.reading() as conn:
                for trial_id, head in conn.execute(sql, params):
                    digest = new(_LazyDigest)
                    set_id(digest, trial_id)
                    set_head(digest, head)
                    set_tails(digest, tails)
                    append(digest)
            if len(digests) > _SETTLE_OVER:
                gc.collect()
        return digests

    def get(self, trial_id: str) -> Trial | None:
        """The current version of a trial, or None when it is not in the library."""
        rows = self.db.query(
            "SELECT v.record FROM trials t JOIN trial_versions v"
            " ON v.trial_id = t.trial_id AND v.number = t.current_version WHERE t.trial_id = ?",
            (trial_id,),
        )
        return self._record(rows[0][0], trial_id) if rows else None

    def versions(self, trial_id: str) -> list[VersionInfo]:
        """Every stored version of a trial, oldest first."""
        rows = self.db.query(
            "SELECT number, last_update_posted, imported_at, origin FROM trial_versions"
            " WHERE trial_id = ? ORDER BY number",
            (trial_id,),
        )
        return [VersionInfo(*row) for row in rows]

    def get_version(self, trial_id: str, number: int) -> Trial | None:
        rows = self.db.query(
            "SELECT record FROM trial_versions WHERE trial_id = ? AND number = ?", (trial_id, number)
        )
        return self._record(rows[0][0], trial_id, number) if rows else None

    def _record(self, record: bytes, trial_id: str, number: int | None = None) -> Trial:
        """A stored record read back; a damaged one is a `StoreError` naming it (the app then
        says the record could not be read, and goes on)."""
        try:
            return load_record(record)
        except ValueError as error:
            version = f" (version {number})" if number is not None else ""
            reason = str(error).splitlines()[0]
            raise StoreError(f"{self.db.path}: the stored record of {trial_id}{version} cannot be read: {reason}") from error

    def mark_reviewed(self, trial_id: str) -> int | None:
        """Remember the current version as the one the user has seen (looked at its changes, or
        annotated it); returns its number, or None when the trial is not in the library (a
        bundled seed, a ``--data`` file)."""
        with self.db.transaction() as conn:
            mark_seen(conn, trial_id)
            row = conn.execute(
                "SELECT reviewed_version FROM trials WHERE trial_id = ?", (trial_id,)
            ).fetchone()
        return row[0] if row else None

    def reviewed_version(self, trial_id: str) -> int | None:
        rows = self.db.query("SELECT reviewed_version FROM trials WHERE trial_id = ?", (trial_id,))
        return rows[0][0] if rows else None

    def unseen_versions(self, trial_id: str) -> tuple[int, int, bool] | None:
        """(the version the user last saw, the current one, whether they saw it themselves), or
        None when the current version is the one they saw. A trial never reviewed was last seen
        as it was before its latest update, so a trial with one version has nothing to show."""
        rows = self.db.query(
            "SELECT reviewed_version, current_version FROM trials WHERE trial_id = ?", (trial_id,)
        )
        if not rows:
            return None
        reviewed, current = rows[0]
        seen = reviewed if reviewed is not None else current - 1
        return (seen, current, reviewed is not None) if 0 < seen < current else None

    def changed_since_review(self) -> list[str]:
        """Trials with a version newer than the one the user last saw (see `unseen_versions`)."""
        # sorted here: ORDER BY would make SQLite walk every trial in id order
        return sorted(row[0] for row in self.db.query(CHANGED_SQL))

    def generation(self) -> int:
        """How many imports changed the library: each stamps the trials it wrote with its number."""
        with self.db.reading() as conn:
            return _generation(conn)

    def written_since(self, generation: int, also: Iterable[str] = (),
                      until: int | None = None) -> tuple[list[TrialDigest], int]:
        """The whole digests of the trials written after `generation` (and of those of `also`
        the library holds), up to generation `until` if given, in id order; and the generation
        the library is at as of them: one statement, so one snapshot (an import committing
        meanwhile is in all of it or none)."""
        also = list(also)
        # No empty IN (): with it SQLite scans every trial instead of searching `trials_generation`.
        listed = f" OR trial_id IN ({','.join('?' * len(also))})" if also else ""
        rows = self.db.query(
            "SELECT trial_id, generation, digest_head, digest_tail FROM trials"
            f" WHERE (generation > ?{listed}) AND generation <= ?"
            " ORDER BY trial_id", (generation, *also, until if until is not None else 2**62))
        newest = max([generation, *(stamp for _, stamp, _, _ in rows)]) if until is None else until
        return [_whole_digest(head, tail) for _, _, head, tail in rows], newest

    def count_written_since(self, generation: int) -> int:
        return self.db.query("SELECT count(*) FROM trials WHERE generation > ?", (generation,))[0][0]

    def count(self) -> int:
        return self.db.query("SELECT count(*) FROM trials")[0][0]

    def remove(self, trial_id: str) -> bool:
        """Drop a trial and all its versions; its annotations stay (they belong to the trial id).
        Returns whether it was in the library."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM trials WHERE trial_id = ?", (trial_id,)).rowcount > 0

    def _ensure_digest_format(self) -> None:
        """Rebuild stored digests from the records when their layout changed (`TrialDigest`
        gained or lost fields), since the stored arrays are positional."""
        rows = self.db.query("SELECT value FROM meta WHERE key = 'digest_layout'")
        if rows and rows[0][0] == DIGEST_LAYOUT:
            return
        with self.db.transaction() as conn:
            records = conn.execute(
                "SELECT v.trial_id, v.record FROM trials t JOIN trial_versions v"
                " ON v.trial_id = t.trial_id AND v.number = t.current_version"
            ).fetchall()
            conn.executemany(
                "UPDATE trials SET digest_head = ?, digest_tail = ? WHERE trial_id = ?",
                [(*_split_digest(digest_trial(load_record(record), LIBRARY_ORIGIN)), trial_id)
                 for trial_id, record in records],
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('digest_layout', ?)", (DIGEST_LAYOUT,)
            )
            conn.execute("DELETE FROM search_base")  # made from the old digests: built again
