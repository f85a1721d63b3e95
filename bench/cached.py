"""A benchmark library built once under bench/.cache and kept: written to a partial file first and
renamed when whole, so an interrupted build is never measured."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"


def cached_home(name: str, fill: Callable[[object], int]) -> Path:
    """bench/.cache/NAME, a TRIALTUI_HOME whose database `fill` (given the open `Database`,
    returning its trial count) wrote, the first time it is asked for."""
    from trialtui.store import Database

    home = CACHE / name
    database = home / "trialtui.sqlite3"
    if database.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    partial = home / "building.sqlite3"
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    with Database.open(partial) as db:
        count = fill(db)
        db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(database)
    print(f"built {database} ({count:,} trials) in {time.perf_counter() - started:.0f} s", flush=True)
    return home
