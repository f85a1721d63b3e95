"""The local store: one embedded SQLite database holding the library and the annotations."""

from trialtui.store.database import Database, StoreError
from trialtui.store.library import ImportReport, Library, VersionInfo

__all__ = ["Database", "ImportReport", "Library", "StoreError", "VersionInfo"]
