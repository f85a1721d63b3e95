"""The database file: pragmas, schema versions, migrating an older database with a backup first."""

from __future__ import annotations

import json
import sqlite3

import pytest

from trialtui.store import Annotations, Database, StoreError
from trialtui.store.database import SCHEMA_VERSION

# What trialtui's first schema wrote: annotations were one whole row per trial, tags comma-joined.
# Kept verbatim here (not imported) so the test keeps describing the old file format.
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
INSERT INTO annotations VALUES
    ('NCT02000001', 'Site in Boston; ask about prior PD-1', 'breast,her2+, phase 2', 'shortlisted', 1,
     '2024-02-03T10:00:00+00:00'),
    ('NCT02000002', '', '', 'excluded', 0, '2024-02-04T09:30:00Z');
PRAGMA user_version = 1;
"""


def write_v1_database(path):
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.close()


def test_pragmas_for_concurrent_durable_use(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        conn = db.connection
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_a_new_database_is_created_at_the_current_schema_without_backup(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        assert db.schema_version == SCHEMA_VERSION
        assert db.backup is None
    assert [p.name for p in tmp_path.iterdir() if "backup" in p.name] == []


def test_default_path_is_under_trialtui_home(trialtui_home):
    with Database.open() as db:
        assert db.path == trialtui_home / "trialtui.sqlite3"
    assert (trialtui_home / "trialtui.sqlite3").is_file()


def test_an_older_database_is_backed_up_then_migrated(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    write_v1_database(path)

    with Database.open(path) as db:
        assert db.schema_version == SCHEMA_VERSION
        assert db.backup is not None and db.backup.parent == tmp_path
        rows = db.query(
            "SELECT field, value, updated FROM annotation_fields WHERE trial_id = 'NCT02000001'"
            " ORDER BY field"
        )
        tables = {r[0] for r in db.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    fields = {field: (json.loads(value), updated) for field, value, updated in rows}
    assert fields["note"][0] == "Site in Boston; ask about prior PD-1"
    assert fields["status"][0] == "shortlisted"
    assert fields["star"][0] is True
    assert {f for f in fields if f.startswith("tag:")} == {"tag:breast", "tag:her2+", "tag:phase 2"}
    assert fields["note"][1] == "2024-02-03T10:00:00.000000+00:00"
    assert "annotations" not in tables
    indexes = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "trials_reviewed" in indexes
    with Database.open(path) as again:
        migrated = Annotations(again).get("NCT02000001")
        assert migrated.tags == ("breast", "her2+", "phase 2")
        assert (migrated.status, migrated.star) == ("shortlisted", True)
        assert Annotations(again).get("NCT02000002").status == "excluded"

    backup = sqlite3.connect(db.backup)
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT count(*) FROM annotations").fetchone()[0] == 2
    backup.close()

    with Database.open(path) as again:
        assert again.backup is None  # already current: no second backup


def test_a_failed_migration_leaves_the_old_database_untouched(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    write_v1_database(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE annotation_fields (x)")  # makes the v2 migration fail half way
    conn.commit()
    conn.close()

    with pytest.raises(StoreError):
        Database.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 2
    conn.close()


def test_a_database_from_a_newer_trialtui_is_refused(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer trialtui"):
        Database.open(path)


def test_a_file_that_is_not_a_database_is_read_as_empty_and_never_written(tmp_path):
    path = tmp_path / "trialtui.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with Database.open(path) as db:
        assert db.damaged and "the database is damaged" in str(db.problem)
        assert Annotations(db).all() == {}
        with pytest.raises(StoreError, match="damaged"):
            Annotations(db).set_note("NCT02000001", "x")
    assert path.read_bytes() == b"this is not sqlite at all" * 100


def test_a_transaction_rolls_back_on_error(tmp_path):
    with Database.open(tmp_path / "db.sqlite3") as db:
        with pytest.raises(RuntimeError):
            with db.transaction() as conn:
                conn.execute("INSERT INTO meta VALUES ('k', 'v')")
                raise RuntimeError("boom")
        assert db.query("SELECT count(*) FROM meta WHERE key = 'k'") == [(0,)]
