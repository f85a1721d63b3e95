"""The local store: one embedded SQLite database holding the library and the annotations."""

from trialtui.store.annotations import (
    MARKS,
    STATUSES,
    Annotations,
    Conflict,
    ItemMark,
    MergeReport,
    TrialAnnotation,
)
from trialtui.store.database import Database, StoreDamaged, StoreError, StoreReadOnly
from trialtui.store.library import ImportReport, Library, VersionInfo

__all__ = [
    "MARKS", "STATUSES", "Annotations", "Conflict", "Database", "ImportReport",
    "ItemMark", "Library", "MergeReport", "StoreDamaged", "StoreError", "StoreReadOnly", "TrialAnnotation", "VersionInfo",
]
