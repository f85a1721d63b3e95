"""A copy of the reviewer's annotations beside the database, brought up to date as it is closed.

The library can be fetched again from ClinicalTrials.gov; the annotations (and the change log
behind them) are the reviewer's own work and exist nowhere else. So the store keeps a copy of
those, not of the whole database: a copy of that would be gigabytes at registry scale, written on
every run, while this is the size of the reviewer's work and is only rewritten when it changed. It
is an annotations export (per-field timestamps, removed tags), so `trialtui annotations import`
reads it back into a new library; the damage line names it.
"""

from __future__ import annotations

import os
from pathlib import Path

from trialtui.store.annotations import Annotations
from trialtui.store.database import Database, annotations_backup_path

_KEY = "annotations_backup_of"
"""Meta key: which state of the annotations the backup holds (last log id, field rows)."""


def keep_annotations_backup(db: Database) -> Path | None:
    """Rewrite the backup when the annotations changed since it was written; its path, or None
    when there is nothing to keep. Written whole to a temporary file, then renamed over."""
    latest, fields = db.query("SELECT (SELECT max(id) FROM annotation_log), count(*) FROM annotation_fields")[0]
    if not fields:
        return None
    state = f"{latest}|{fields}"
    target = annotations_backup_path(db.path)
    held = db.query("SELECT value FROM meta WHERE key = ?", (_KEY,))
    if held and held[0][0] == state and target.exists():
        return target
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", encoding="utf-8") as file:
        file.write(Annotations(db).export_json())
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, target)
    with db.transaction() as conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (_KEY, state))
    return target
