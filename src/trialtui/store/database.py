"""The embedded SQLite database holding the library and the annotations.

One file, opened by every trialtui process at once (the TUI, a second window, a script running
``trialtui annotate``): WAL lets readers and one writer work together, ``busy_timeout`` makes a
writer wait for another instead of failing, and ``synchronous=FULL`` means a committed edit
survives a crash or power loss. Writes go through `Database.transaction`, which takes the write
lock up front (``BEGIN IMMEDIATE``) so two processes never deadlock upgrading a read to a write.

The schema carries a version (``PRAGMA user_version``) and ordered migrations; a database written
by an older trialtui is copied to a backup beside it before it is migrated.

A database that cannot be written (a read-only folder or file) is opened for reading: only writes
fail, each with one line saying why. A damaged one (SQLite's "malformed" or "not a database") is
named as such (`StoreDamaged`): what `PRAGMA quick_check` finds, and what the user can do. It is
never written again, and what can still be read is. Damage is caught where SQLite reports it, not
looked for on every start (a check reads the whole file: seconds at registry scale); once seen, a
marker beside the file makes every later start check it until it is whole again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from trialtui import paths

BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The database cannot be used for this (written by a newer trialtui, disk full, ...): its
    text is the one line to show, naming the file."""


class StoreDamaged(StoreError):
    """The database file is damaged: nothing is written to it."""


class StoreReadOnly(StoreError):
    """The database (or its folder) cannot be written: only reading works."""


_CORRUPT, _NOTADB = 11, 26
_READONLY, _CANTOPEN, _PERM = 8, 14, 3
_FULL, _IOERR = 13, 10
_CHECK_ROWS, _CHECK_CHARS = 3, 160
"""How much of ``quick_check``'s answer the damage line quotes."""


def _code(error: sqlite3.Error) -> int:
    return (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF


def is_damage(error: BaseException) -> bool:
    """Whether SQLite says the file is damaged (rather than busy, full or read-only)."""
    if not isinstance(error, sqlite3.DatabaseError):
        return False
    text = str(error)
    return _code(error) in (_CORRUPT, _NOTADB) or "malformed" in text or "not a database" in text


def damage_marker(path: Path) -> Path:
    """Beside a database found damaged: makes the next start check it (see the module doc)."""
    return path.with_name(path.name + ".damaged")


def annotations_backup_path(path: Path) -> Path:
    """The export of every annotation kept beside the database (see `trialtui.store.backup`)."""
    return path.with_name("annotations-backup.json")


def quick_check(path: Path) -> str:
    """What ``PRAGMA quick_check`` says of the file, bounded to one short phrase ("ok" when whole)."""
    try:
        connection = connect_read_only(path)
        try:
            rows = [row[0] for row in connection.execute(f"PRAGMA quick_check({_CHECK_ROWS + 1})")]
        finally:
            connection.close()
    except sqlite3.Error as error:
        return str(error)
    if rows == ["ok"]:
        return "ok"
    found = "; ".join(" ".join(str(row).split()) for row in rows[:_CHECK_ROWS])
    if len(found) > _CHECK_CHARS:
        found = found[:_CHECK_CHARS - 1] + "…"
    return found + ("; and more" if len(rows) > _CHECK_ROWS else "")


def damage_line(path: Path, check: str) -> str:
    """The one line naming a damaged database: what is wrong and what the user can do."""
    backup = annotations_backup_path(path)
    if backup.exists():
        stamp = datetime.fromtimestamp(backup.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
        restore = f", then `trialtui annotations import {backup}` (your annotations as of {stamp})"
    else:
        restore = ""
    return (f"{path}: the database is damaged (quick_check: {check}); nothing will be written to it."
            f" To recover: `sqlite3 {path} .recover | sqlite3 recovered.sqlite3` saves what is readable;"
            f" move the damaged file aside (`mv {path} {path}.damaged-copy`) and start again{restore}")


def store_failure(path: Path, error: sqlite3.DatabaseError) -> StoreError:
    """The one-line `StoreError` for an SQLite error on the database at `path`. Damage is checked
    (``quick_check``) and remembered beside the file, so no later start writes into it."""
    if is_damage(error):
        damaged = StoreDamaged(damage_line(path, quick_check(path)))
        with suppress(OSError):
            damage_marker(path).write_text(str(damaged) + "\n", encoding="utf-8")
        return damaged
    code = _code(error)
    if code == _FULL:
        return StoreError(f"{path}: the disk is full ({error}); nothing was written:"
                          " free some space and try again")
    if code == _IOERR:
        return StoreError(f"{path}: could not write to the disk ({error}); nothing was written")
    if code in (_READONLY, _PERM):
        return StoreReadOnly(f"{path}: cannot write here ({error}); nothing was written")
    return StoreError(f"{path}: {error}")


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes, even where SQLite cannot create its WAL index (a read-only
    folder): then the file is read as immutable."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        connection.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError as error:
        connection.close()
        if _code(error) != _CANTOPEN:
            raise
        connection = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
    return connection


def utc_now() -> str:
    """An ISO-8601 UTC timestamp with microseconds; these sort as text in time order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def normalize_timestamp(text: str) -> str:
    """Any ISO-8601 date or time → the `utc_now` form, so timestamps from files compare as text."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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


def _schema_v4(conn: sqlite3.Connection) -> None:
    """Data derived from each trial version, stored with it (see `trialtui.store.derived`): its
    thresholds, what the patient check reads of them (`check_key`) and of the trial (sex, healthy
    volunteers, what it studies), and the version of the code that made each kind. Libraries
    imported before have no rows yet: they are derived again from the stored records."""
    _execute_script(
        conn,
        """
        CREATE TABLE derived (
            trial_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            thresholds_version INTEGER NOT NULL,
            facts_version INTEGER NOT NULL,
            thresholds BLOB NOT NULL,
            check_key TEXT NOT NULL,
            sex TEXT NOT NULL,
            healthy INTEGER,
            studied TEXT NOT NULL,
            PRIMARY KEY (trial_id, number),
            FOREIGN KEY (trial_id, number) REFERENCES trial_versions (trial_id, number) ON DELETE CASCADE
        ) WITHOUT ROWID
        """
    )


def _schema_v5(conn: sqlite3.Connection) -> None:
    """The search index kept with the library: each trial row carries the generation of the
    import that wrote its current version (``meta.generation`` counts imports that changed
    something), and ``search_base`` holds the index over the trials up to one generation, as
    arrays (see `trialtui.library_index`). A start loads that base and indexes only the trials
    written since; rows from before this schema are generation 0, so the first start builds it."""
    _execute_script(
        conn,
        """
        ALTER TABLE trials ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX trials_generation ON trials (generation);
        CREATE TABLE search_base (
            part TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (part, chunk)
        ) WITHOUT ROWID
        """
    )


def _schema_v6(conn: sqlite3.Connection) -> None:
    """The patient check's numbers of each version (`trialtui.eligibility.check_data`), so a check
    over a whole library is a query; the words of the names and conditions they hash, once per
    library. Rows made before have none: a facts version bump derives them again."""
    _execute_script(
        conn,
        """
        ALTER TABLE derived ADD COLUMN check_numbers BLOB NOT NULL DEFAULT x'';
        CREATE TABLE derived_terms (
            hash INTEGER PRIMARY KEY,
            kind INTEGER NOT NULL,
            text TEXT NOT NULL,
            known INTEGER NOT NULL
        );
        """
    )


def _schema_v7(conn: sqlite3.Connection) -> None:
    """Each trial's current version in an index of its own, so the patient check's read of every
    trial's derived row (`Derived.check_numbers`) finds the current one without visiting the wide
    trial rows (their digests)."""
    conn.execute("CREATE INDEX trials_current ON trials (trial_id, current_version)")


def _schema_v8(conn: sqlite3.Connection) -> None:
    """The search base's chunks in a table with row ids, so a start reads them through SQLite's
    blob reader, which lets the thread reading the list run meanwhile (`store.search_base`). The
    stored base is kept: copied over, not built again."""
    _execute_script(
        conn,
        """
        ALTER TABLE search_base RENAME TO search_base_v7;
        CREATE TABLE search_base (
            part TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (part, chunk)
        );
        INSERT INTO search_base (part, chunk, data) SELECT part, chunk, data FROM search_base_v7 ORDER BY part, chunk;
        DROP TABLE search_base_v7;
        """
    )


def _schema_v9(conn: sqlite3.Connection) -> None:
    """The patient check's numbers of every current trial packed up to one generation
    (`store.check_base`), and ``meta.derived_changes``, counting the changes that make such a base
    stale without a new generation: a trial removed (counted here by a trigger, whoever deletes
    it) or derived again (counted by `Derived.rederive`)."""
    _execute_script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS check_base (
            part TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            data BLOB NOT NULL,
            UNIQUE (part, chunk)
        )
        """
    )
    conn.execute(
        "CREATE TRIGGER IF NOT EXISTS trials_removed_count AFTER DELETE ON trials BEGIN"
        " INSERT OR REPLACE INTO meta (key, value) VALUES ('derived_changes',"
        " COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'derived_changes'), 0) + 1); END"
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_schema_v1, _schema_v2, _schema_v3, _schema_v4,
                                                                   _schema_v5, _schema_v6, _schema_v7, _schema_v8,
                                                                   _schema_v9)
"""Migration ``n`` (1-based) brings a database from version ``n - 1`` to ``n``; never edit one
that has shipped, append a new one."""

SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """A connection to the trialtui database, schema up to date.

    Safe to share between the app's threads (a worker loading the list, the UI saving a note):
    every statement runs under one lock. Every SQLite error leaves as a `StoreError` whose text is
    the one line to show; `problem` says why writing is refused (read-only, damaged), else None.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path, backup: Path | None,
                 problem: StoreError | None = None) -> None:
        self.connection = connection
        self.path = path
        self.backup = backup
        """The copy made before migrating an older database this time, else None."""
        self.problem = problem
        self._lock = threading.RLock()

    @classmethod
    def open(cls, path: Path | None = None) -> Database:
        """The database at `path` (the user's by default): for writing when it can be; for reading
        only when the file or its folder cannot be written, or the file is damaged."""
        path = Path(path) if path is not None else paths.database_path()
        with suppress(OSError):  # a read-only place: reading may still work
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = None
        try:
            connection = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            backup = _migrate(connection, path)
        except sqlite3.DatabaseError as error:
            if connection is not None:
                connection.close()
            if is_damage(error):
                return cls._damaged(path)
            if _code(error) in (_READONLY, _CANTOPEN, _PERM):
                return cls._read_only(path, error)
            raise StoreError(f"{path}: {error}") from error
        except BaseException:
            if connection is not None:
                connection.close()
            raise
        db = cls(connection, path, backup)
        if damage_marker(path).exists():
            if quick_check(path) != "ok":
                db.close()
                return cls._damaged(path)
            with suppress(OSError):
                damage_marker(path).unlink()
        return db

    @classmethod
    def _read_only(cls, path: Path, error: sqlite3.Error) -> Database:
        """The file opened for reading; an empty library when there is no file to read."""
        problem = StoreReadOnly(f"{path}: cannot write here ({error}); only reading works:"
                                " make the folder writable, or point TRIALTUI_HOME at one that is")
        if not path.exists():
            return cls(_empty_store(), path, None, problem)
        try:
            connection = connect_read_only(path)
            version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as read_error:
            if is_damage(read_error):
                return cls._damaged(path)
            raise StoreError(f"{path}: {read_error}") from read_error
        if version != SCHEMA_VERSION:
            connection.close()
            raise StoreError(f"{path}: written by {'an older' if version < SCHEMA_VERSION else 'a newer'}"
                             f" trialtui and cannot be upgraded here ({error})")
        return cls(connection, path, None, problem)

    @classmethod
    def _damaged(cls, path: Path) -> Database:
        """The damaged file opened for reading what still reads, or, when not even its schema
        does, an empty store; either way `problem` names the damage and writes are refused."""
        problem = store_failure(path, sqlite3.DatabaseError("database disk image is malformed"))
        try:
            connection = connect_read_only(path)
            if connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return cls(connection, path, None, problem)
            connection.close()
        except sqlite3.DatabaseError:
            pass
        return cls(_empty_store(), path, None, problem)

    @property
    def damaged(self) -> bool:
        return isinstance(self.problem, StoreDamaged)

    @property
    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed (durably) on success, rolled back on any error (SQLite
        may have rolled back already: a full disk does)."""
        with self._lock:
            if self.problem is not None:
                raise type(self.problem)(str(self.problem))
            try:
                self.connection.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as error:
                raise self._failure(error) from error
            try:
                yield self.connection
                self.connection.execute("COMMIT")
            except BaseException as error:
                if self.connection.in_transaction:
                    with suppress(sqlite3.Error):
                        self.connection.execute("ROLLBACK")
                if isinstance(error, sqlite3.DatabaseError):
                    raise self._failure(error) from error
                raise

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for a read that streams many rows, other threads kept out meanwhile."""
        with self._lock:
            try:
                yield self.connection
            except sqlite3.DatabaseError as error:
                raise self._failure(error) from error

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Every row of one read, taken as a consistent snapshot."""
        with self.reading() as connection:
            return connection.execute(sql, parameters).fetchall()

    def _failure(self, error: sqlite3.DatabaseError) -> StoreError:
        """The `StoreError` for an SQLite error; damage found now is remembered (no more writes)."""
        if is_damage(error) and self.damaged:
            return self.problem
        failure = store_failure(self.path, error)
        if isinstance(failure, StoreDamaged):
            self.problem = failure
        return failure

    def close(self) -> None:
        """Close, first bringing the annotations backup up to date (see `trialtui.store.backup`)
        when the database is writable and whole."""
        from trialtui.store.backup import keep_annotations_backup

        with self._lock:
            if self.problem is None:
                with suppress(StoreError, OSError):
                    keep_annotations_backup(self)
            self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _empty_store() -> sqlite3.Connection:
    """An empty in-memory database of the current schema: stands in for a file that cannot be
    read at all, so the seeds still show (writes are refused before they reach it)."""
    from trialtui.store.library import DIGEST_LAYOUT

    connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    for migration in MIGRATIONS:
        migration(connection)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    connection.execute("INSERT INTO meta (key, value) VALUES ('digest_layout', ?)", (DIGEST_LAYOUT,))
    return connection


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
        if version != SCHEMA_VERSION:  # else nothing is written: opening never changes the file
            connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            with suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
        raise
    return backup


def _backup(path: Path, version: int) -> Path:
    """Copy the database (WAL contents included) beside it before a migration touches it.

    Read through a second connection: SQLite cannot back up from the connection holding the
    migration's write lock, while another reader may (the write has not started).
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.v{version}-backup-{stamp}")
    source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target
