"""Patient profiles saved by name, so a coordinator enters a patient's values once and reuses them.

Each profile is what the patient form holds (plain texts), stored as one JSON row of the database's
key/value table in its own transaction; saving under an existing name replaces it.
"""

from __future__ import annotations

import json

from trialtui.store.database import Database

_PREFIX = "patient-profile:"


class PatientProfiles:
    def __init__(self, db: Database) -> None:
        self.db = db

    def names(self) -> list[str]:
        rows = self.db.query("SELECT key FROM meta WHERE key LIKE ? ORDER BY key", (_PREFIX + "%",))
        return [key[len(_PREFIX):] for (key,) in rows]

    def load(self, name: str) -> dict | None:
        rows = self.db.query("SELECT value FROM meta WHERE key = ?", (_PREFIX + name,))
        return json.loads(rows[0][0]) if rows else None

    def save(self, name: str, entry: dict) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a profile needs a name")
        with self.db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (_PREFIX + name, json.dumps(entry, ensure_ascii=False)))

    def delete(self, name: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (_PREFIX + name,))
