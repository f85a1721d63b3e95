"""The embedded SQLite database holding the library and the annotations.

One file, opened by every trialtui process at once (the TUI, a second window, a script running
``trialtui annotate``): WAL lets readers and one writer work together, ``busy_timeout`` makes a
writer wait for another instead of failing, and ``synchronous=FULL`` means a committed edit
survives a crash or power loss. Writes go through `Database.transaction`, which takes the write
lock up front (``BEGIN IMMEDIATE``) so two processes never deadlock upgrading a read to a write.

The schema carries a version (``PRAGMA user_version``) and ordered migrations; a database written
by an older trialtui is copied to a backup beside it before it is migrated.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from trialtui import paths

BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The database cannot be used (written by a newer trialtui, not a database, ...)."""


def utc_now() -> str:
    """An ISO-8601 UTC timestamp with microseconds; these sort as text in time order."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def normalize_timestamp(text: str) -> str:
    """Any ISO-8601 date or time → the `utc_now` form, so timestamps from files compare as text."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements one by one: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _schema_v1(conn: sqlite3.Connection) -> None:
    """The first schema: the library with its versions, and one whole-row annotation per trial."""
    _execute_script(
        conn,
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE trials (
            trial_id TEXT PRIMARY KEY,
            current_version INTEGER NOT NULL,
            last_update_posted TEXT NOT NULL DEFAULT '',
            digest_head TEXT NOT NULL,
            digest_tail BLOB NOT NULL,
            reviewed_version INTEGER
        );
        CREATE TABLE trial_versions (
            trial_id TEXT NOT NULL REFERENCES trials(trial_id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            last_update_posted TEXT NOT NULL DEFAULT '',
            imported_at TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '',
            content_hash TEXT NOT NULL,
            record BLOB NOT NULL,
            PRIMARY KEY (trial_id, number)
        );
        CREATE TABLE annotations (
            trial_id TEXT PRIMARY KEY,
            note TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'unreviewed',
            star INTEGER NOT NULL DEFAULT 0,
            updated TEXT NOT NULL DEFAULT ''
        );
        """
    )


def _schema_v2(conn: sqlite3.Connection) -> None:
    """Annotations become one row per field, each with its own timestamp.

    A whole-row annotation let two windows overwrite each other's edits (the last save wrote every
    field). Per-field rows merge by last writer per field; tags become one row each, so adding and
    removing are separate operations with tombstones. The change log keeps every overwritten value
    (undo, and nothing silently lost). Version 1 rows are carried over with their timestamp.
    """
    _execute_script(
        conn,
        """
        CREATE TABLE annotation_fields (
            trial_id TEXT NOT NULL,
            field TEXT NOT NULL,
            value TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (trial_id, field)
        ) WITHOUT ROWID;
        CREATE TABLE annotation_log (
            id INTEGER PRIMARY KEY,
            change_id TEXT NOT NULL,
            session TEXT NOT NULL,
            description TEXT NOT NULL,
            trial_id TEXT NOT NULL,
            field TEXT NOT NULL,
            old_value TEXT,
            old_updated TEXT,
            new_value TEXT NOT NULL,
            at TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX annotation_log_session ON annotation_log (session, undone, id);
        """
    )
    migrated_at = utc_now()
    rows = conn.execute("SELECT trial_id, note, tags, status, star, updated FROM annotations")
    for trial_id, note, tags, status, star, updated in rows.fetchall():
        stamp = normalize_timestamp(updated) if updated else migrated_at
        fields = {"note": note, "status": status, "star": bool(star)}
        fields.update({f"tag:{tag.strip()}": True for tag in tags.split(",") if tag.strip()})
        conn.executemany(
            "INSERT INTO annotation_fields (trial_id, field, value, updated) VALUES (?, ?, ?, ?)",
            [(trial_id, field, json.dumps(value), stamp) for field, value in fields.items()],
        )
    conn.execute("DROP TABLE annotations")


def _schema_v3(conn: sqlite3.Connection) -> None:
    """Index the reviewed trials, so opening the app finds the ones changed since review without
    scanning every library row (a 570,000-trial library is a gigabyte of records and digests)."""
    conn.execute(
        "CREATE INDEX trials_reviewed ON trials (reviewed_version) WHERE reviewed_version IS NOT NULL"
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_schema_v1, _schema_v2, _schema_v3)
"""Migration ``n`` (1-based) brings a database from version ``n - 1`` to ``n``; never edit one
that has shipped, append a new one."""

SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """A connection to the trialtui database, schema up to date.

    Safe to share between the app's threads (a worker loading the list, the UI saving a note):
    every statement runs under one lock.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, backup: Path | None) -> None:
        self.connection = connection
        self.path = path
        self.backup = backup
        """The copy made before migrating an older database this time, else None."""
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | None = None) -> Database:
        path = Path(path) if path is not None else paths.database_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            backup = _migrate(connection, path)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise StoreError(f"{path}: {error}") from error
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, backup)

    @property
    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed (durably) on success, rolled back on any error."""
        with self._lock:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read that streams many rows, other threads kept out meanwhile."""
        with self._lock:
            yield self.connection

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Every row of one read, taken as a consistent snapshot."""
        with self._lock:
            return self.connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        with self._lock:
            self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _migrate(connection: sqlite3.Connection, path: Path) -> Path | None:
    """Bring the schema up to date under the write lock, so two processes never both migrate."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: written by a newer trialtui (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        backup = _backup(path, version) if 0 < version < SCHEMA_VERSION else None
        for migration in MIGRATIONS[version:]:
            migration(connection)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return backup


def _backup(path: Path, version: int) -> Path:
    """Copy the database (WAL contents included) beside it before a migration touches it.

    Read through a second connection: SQLite cannot back up from the connection holding the
    migration's write lock, while another reader may (the write has not started).
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.v{version}-backup-{stamp}")
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target
