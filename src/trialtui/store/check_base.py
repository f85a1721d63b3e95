"""The patient check's numbers of every current trial kept as one packed base (``check_base``),
so a check over a whole library reads a few blobs instead of a row per trial.

The base covers the library up to one generation (``meta.generation``): the trials written
since are read from their derived rows on top of it, and replace their base entry. What makes a
base stale without a new generation (a trial removed, rows derived again) is counted in
``meta.derived_changes``, and a base made before the count moved is not used. A base of other
derived-data versions is not used either.

Everything is read in one snapshot on a read-only connection of the check's own (`CheckRead`):
the base, the rows written since, the terms they name; the library's shared connection stays free
meanwhile. The base's arrays are stored as raw 8-byte words (split in chunks SQLite takes whole)
beside its trial ids and one JSON part naming their lengths; they are read a range at a time
(`CheckBase.words`), and a base whose parts are not all there at their lengths is a `ValueError`:
the caller reads the rows instead.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import numpy as np

from trialtui.store import derived
from trialtui.store.database import BUSY_TIMEOUT_MS, Database, connect_read_only, store_failure

_CHUNK = 256 * 1024 * 1024
"""Bytes per stored chunk: well under SQLite's largest value (a gigabyte by default)."""
_META, _IDS = "_meta", "_ids"
LAYOUT = 1
"""The packing of the stored parts: bump when it changes (a base of another layout is not used)."""


def _versions() -> list[int]:
    """The derived-data versions of this code (read when asked: the rows' own test is the same)."""
    return [derived.THRESHOLDS_VERSION, derived.FACTS_VERSION]


class CheckBase:
    """The stored base as found in a snapshot: its ids, and its parts' words read a range at a
    time (`words`), so a whole library's numbers are never in memory at once."""

    def __init__(self, read: CheckRead, ids: list[str], chunks: dict[str, list[tuple[int, int]]],
                 generation: int) -> None:
        self.ids = ids
        self.generation = generation
        """The library's generation it covers: trials written after it are read on top."""
        self._read = read
        self._chunks = chunks
        self.lengths = {name: sum(size for _, size in listed) // 8 for name, listed in chunks.items()}
        """Words per part."""

    def words(self, name: str, start: int, stop: int) -> np.ndarray:
        """Words `start` to `stop` of a part, through SQLite's blob reader (it lets other threads
        run while it reads); a `StoreError` if SQLite fails meanwhile."""
        pieces, offset, begin, end = [], 0, 8 * start, 8 * stop
        try:
            for rowid, size in self._chunks[name]:
                if offset < end and begin < offset + size:
                    with self._read.connection.blobopen("check_base", "data", rowid, readonly=True) as blob:
                        blob.seek(max(begin - offset, 0))
                        pieces.append(blob.read(min(end, offset + size) - max(begin, offset)))
                offset += size
        except sqlite3.Error as error:
            raise store_failure(self._read.path, error) from error
        return np.frombuffer(_joined(pieces) if pieces else b"", "<i8")


def write_base(db: Database, ids: list[str], parts: dict[str, list[np.ndarray]], generation: int,
               changes: int) -> None:
    """Store the base of these trials (each part given as the pieces it joins, never joined in
    memory: each stored chunk is written through SQLite's blob writer), replacing the stored one
    in one transaction (the old one or the new one, never half), through a connection of its own:
    the library's shared one stays free while it is written."""
    views = {name: [memoryview(np.ascontiguousarray(words, dtype="<i8")).cast("B") for words in pieces]
             for name, pieces in parts.items()}
    head = json.dumps({"generation": generation, "changes": changes, "layout": LAYOUT, "versions": _versions(),
                       "trials": len(ids), "parts": {name: sum(map(len, pieces)) // 8 for name, pieces in views.items()}})
    connection = None
    try:
        connection = sqlite3.connect(db.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM check_base")
        for name, pieces in ((_META, [memoryview(head.encode())]), (_IDS, [memoryview("\n".join(ids).encode())]),
                             *views.items()):
            _write_part(connection, name, pieces)
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        raise store_failure(db.path, error) from error
    finally:
        if connection is not None:
            connection.close()  # a transaction left open is rolled back


def _write_part(connection: sqlite3.Connection, name: str, pieces: list[memoryview]) -> None:
    """One part's bytes, the pieces one after the other, in chunks of at most `_CHUNK` bytes."""
    total = sum(map(len, pieces))
    following = iter(pieces)
    piece, at = memoryview(b""), 0
    for chunk, start in enumerate(range(0, max(total, 1), _CHUNK)):
        left = min(_CHUNK, total - start)
        rowid = connection.execute("INSERT INTO check_base (part, chunk, data) VALUES (?, ?, zeroblob(?))",
                                   (name, chunk, left)).lastrowid
        with connection.blobopen("check_base", "data", rowid) as blob:
            while left:
                if at == len(piece):
                    piece, at = next(following), 0
                    continue
                size = min(left, len(piece) - at)
                blob.write(piece[at:at + size])
                at, left = at + size, left - size


class CheckRead:
    """One snapshot of the library's check data, on a read-only connection of its own, open
    from `open` to `close` (a context manager). Its SQLite errors leave as `StoreError`."""

    def __init__(self, db: Database) -> None:
        self.path = db.path
        try:
            self.connection = connect_read_only(db.path)
        except sqlite3.Error as error:
            raise store_failure(db.path, error) from error
        try:
            self.connection.execute("BEGIN")
            meta = dict(self.connection.execute(
                "SELECT key, value FROM meta WHERE key IN ('generation', 'derived_changes')").fetchall())
        except sqlite3.Error as error:
            self.close()
            raise store_failure(self.path, error) from error
        self.generation = int(meta.get("generation", 0))
        self.changes = int(meta.get("derived_changes", 0))

    def __enter__(self) -> CheckRead:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def _query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        try:
            return self.connection.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise store_failure(self.path, error) from error

    def terms(self, kind: int) -> list[tuple[int, str, int]]:
        """(hash, text, known) of every term of this kind the check's numbers name."""
        return self._query("SELECT hash, text, known FROM derived_terms WHERE kind = ?", (kind,))

    def written_since(self, generation: int) -> int:
        return self._query("SELECT count(*) FROM trials WHERE generation > ?", (generation,))[0][0]

    def rows(self, since: int | None = None, chunk: int = 20_000) -> Iterator[list[tuple[str, bytes | None]]]:
        """(trial id, `CheckData.numbers`) of every current trial, or of those written after
        generation `since`, `chunk` rows at a time; numbers are None where the current version
        has no row made by this code (only with `since`: those trials are checked on their record)."""
        sql = "SELECT t.trial_id, d.check_numbers" + derived.current_rows(every=since is not None)
        try:
            cursor = self.connection.execute(sql + (" WHERE t.generation > ?" if since is not None else ""),
                                             () if since is None else (since,))
            while rows := cursor.fetchmany(chunk):
                yield rows
        except sqlite3.Error as error:
            raise store_failure(self.path, error) from error

    def base(self) -> CheckBase | None:
        """The stored base if there is one made by this code and still true (else None);
        ValueError if its parts are not all there at their lengths. Only its ids are read here."""
        try:
            listed = self.connection.execute(
                "SELECT rowid, part, chunk, length(data) FROM check_base ORDER BY part, chunk").fetchall()
            chunks: dict[str, list[tuple[int, int]]] = {}
            for rowid, part, chunk, size in listed:
                if chunk != len(chunks.setdefault(part, [])):
                    raise ValueError(f"part {part} is missing a chunk")
                chunks[part].append((rowid, size))
            if _META not in chunks:
                return None
            found = json.loads(_joined([self._blob(rowid) for rowid, _ in chunks.pop(_META)]))
            if (found.get("layout") != LAYOUT or found.get("versions") != _versions()
                    or found.get("changes") != self.changes or found.get("generation", 0) > self.generation):
                return None
            ids_text = _joined([self._blob(rowid) for rowid, _ in chunks.pop(_IDS)]).decode()
        except sqlite3.Error as error:
            raise ValueError(str(error)) from error
        except (KeyError, json.JSONDecodeError, UnicodeDecodeError, AttributeError) as error:
            raise ValueError(f"unreadable ({error})") from error
        ids = ids_text.split("\n") if ids_text else []
        base = CheckBase(self, ids, chunks, int(found.get("generation", 0)))
        if len(ids) != found.get("trials") or base.lengths != found.get("parts"):
            raise ValueError("its parts do not agree with its head")
        return base

    def _blob(self, rowid: int) -> bytes:
        """One stored chunk, whole."""
        with self.connection.blobopen("check_base", "data", rowid, readonly=True) as blob:
            return blob.read()


def _joined(chunks: list[bytes]) -> bytes:
    """A part's chunks as one value (a one-chunk part as read: no copy)."""
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
