"""The user's local library: every imported trial, each version of it kept.

A trial's current version is the one the app shows; older versions stay so "what changed since I
last reviewed it" can be answered. Each trial row carries its `TrialDigest` as JSON, so opening a
library of hundreds of thousands of trials reads one column and never parses a full record.
Full records are stored zlib-compressed (a CT.gov record is mostly repetitive JSON).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from trialtui.digest import DIGEST_FIELDS, TrialDigest, digest_trial
from trialtui.models import Trial
from trialtui.store.database import Database, utc_now

LIBRARY_ORIGIN = "library"
"""The digest origin of library trials, as the list shows it."""

_STORED_EXCLUDE = {"eligibility": {"items"}}
"""Criterion items are computed from the criteria text on load; storing them doubles its size."""
_CONTENT_EXCLUDE = {**_STORED_EXCLUDE, "source": True}
"""Where a record was read from is not its content: the same trial from two files is unchanged."""
_ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?")


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int = 0
    updated: int = 0
    """Trials whose new version became current (the older one is kept)."""
    unchanged: int = 0
    older: int = 0
    """Records older than the library's current version of the trial: not stored."""

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
    digest: str


def _prepare(trial: Trial) -> _PreparedRecord:
    content = trial.model_dump_json(exclude=_CONTENT_EXCLUDE)
    return _PreparedRecord(
        trial_id=trial.trial_id,
        last_update_posted=trial.last_update_posted,
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        record=zlib.compress(trial.model_dump_json(exclude=_STORED_EXCLUDE).encode()),
        digest=digest_trial(trial, origin=LIBRARY_ORIGIN).to_json(),
    )


def _load(record: bytes) -> Trial:
    return Trial.model_validate_json(zlib.decompress(record))


def _is_older(incoming: str, current: str) -> bool:
    """True only when both dates are ISO and the incoming one is earlier; unknown is not older."""
    if not (_ISO_DATE.match(incoming) and _ISO_DATE.match(current)):
        return False
    return incoming < current


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
        prepared = [_prepare(trial) for trial in trials]
        added = updated = unchanged = older = 0
        imported_at = utc_now()
        with self.db.transaction() as conn:
            for item in prepared:
                current = conn.execute(
                    "SELECT t.current_version, t.last_update_posted, v.content_hash"
                    " FROM trials t JOIN trial_versions v"
                    " ON v.trial_id = t.trial_id AND v.number = t.current_version"
                    " WHERE t.trial_id = ?",
                    (item.trial_id,),
                ).fetchone()
                if current is None:
                    conn.execute(
                        "INSERT INTO trials (trial_id, current_version, last_update_posted, digest)"
                        " VALUES (?, 1, ?, ?)",
                        (item.trial_id, item.last_update_posted, item.digest),
                    )
                    self._insert_version(conn, item, 1, imported_at, origin)
                    added += 1
                    continue
                number, current_update, current_hash = current
                if current_hash == item.content_hash:
                    unchanged += 1
                elif _is_older(item.last_update_posted, current_update):
                    older += 1
                else:
                    self._insert_version(conn, item, number + 1, imported_at, origin)
                    conn.execute(
                        "UPDATE trials SET current_version = ?, last_update_posted = ?, digest = ?"
                        " WHERE trial_id = ?",
                        (number + 1, item.last_update_posted, item.digest, item.trial_id),
                    )
                    updated += 1
        return ImportReport(added=added, updated=updated, unchanged=unchanged, older=older)

    @staticmethod
    def _insert_version(conn, item: _PreparedRecord, number: int, imported_at: str, origin: str) -> None:
        conn.execute(
            "INSERT INTO trial_versions"
            " (trial_id, number, last_update_posted, imported_at, origin, content_hash, record)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (item.trial_id, number, item.last_update_posted, imported_at, origin,
             item.content_hash, item.record),
        )

    def digests(self) -> list[TrialDigest]:
        """Every current trial as the list shows it, in trial id order.

        The stored JSON arrays are joined and parsed by one ``json.loads`` call: far faster than
        one call per row when the library holds hundreds of thousands of trials.
        """
        with self.db.reading() as conn:
            rows = conn.execute("SELECT digest FROM trials ORDER BY trial_id")
            joined = "[" + ",".join(row[0] for row in rows) + "]"
        return [
            TrialDigest(*(tuple(v) if isinstance(v, list) else v for v in values))
            for values in json.loads(joined)
        ]

    def get(self, trial_id: str) -> Trial | None:
        """The current version of a trial, or None when it is not in the library."""
        rows = self.db.query(
            "SELECT v.record FROM trials t JOIN trial_versions v"
            " ON v.trial_id = t.trial_id AND v.number = t.current_version WHERE t.trial_id = ?",
            (trial_id,),
        )
        return _load(rows[0][0]) if rows else None

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
        return _load(rows[0][0]) if rows else None

    def mark_reviewed(self, trial_id: str) -> int | None:
        """Remember the current version as the one the user reviewed; returns its number, or None
        when the trial is not in the library (a bundled seed, a ``--data`` file)."""
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE trials SET reviewed_version = current_version WHERE trial_id = ?", (trial_id,)
            )
            row = conn.execute(
                "SELECT reviewed_version FROM trials WHERE trial_id = ?", (trial_id,)
            ).fetchone()
        return row[0] if row else None

    def reviewed_version(self, trial_id: str) -> int | None:
        rows = self.db.query("SELECT reviewed_version FROM trials WHERE trial_id = ?", (trial_id,))
        return rows[0][0] if rows else None

    def changed_since_review(self) -> list[str]:
        """Trials with a version newer than the one the user last reviewed (never-reviewed trials
        have nothing to compare with and are not listed)."""
        rows = self.db.query(
            "SELECT trial_id FROM trials"
            " WHERE reviewed_version IS NOT NULL AND reviewed_version < current_version"
            " ORDER BY trial_id"
        )
        return [row[0] for row in rows]

    def count(self) -> int:
        return self.db.query("SELECT count(*) FROM trials")[0][0]

    def remove(self, trial_id: str) -> bool:
        """Drop a trial and all its versions; its annotations stay (they belong to the trial id).
        Returns whether it was in the library."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM trials WHERE trial_id = ?", (trial_id,)).rowcount > 0

    def _ensure_digest_format(self) -> None:
        """Rebuild stored digests from the records when `TrialDigest` gained or lost fields, since
        the stored arrays are positional."""
        expected = ",".join(DIGEST_FIELDS)
        rows = self.db.query("SELECT value FROM meta WHERE key = 'digest_fields'")
        if rows and rows[0][0] == expected:
            return
        with self.db.transaction() as conn:
            records = conn.execute(
                "SELECT v.trial_id, v.record FROM trials t JOIN trial_versions v"
                " ON v.trial_id = t.trial_id AND v.number = t.current_version"
            ).fetchall()
            conn.executemany(
                "UPDATE trials SET digest = ? WHERE trial_id = ?",
                [(digest_trial(_load(record), LIBRARY_ORIGIN).to_json(), trial_id)
                 for trial_id, record in records],
            )
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('digest_fields', ?)", (expected,)
            )
