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


def copy_rows(db, copies: int) -> None:
    """Copy the library's trials round-robin under fresh ids NCT9000000…; only the id changes.
    Each copy has its template's digest and derived row, as every trial imported by trialtui has
    (so nothing is derived again), and a version row without a record (what the benchmarks
    measure never reads one)."""
    templates = db.query(
        "SELECT t.digest_head, t.digest_tail, d.thresholds_version, d.facts_version, d.thresholds, d.check_key,"
        " d.sex, d.healthy, d.studied, d.check_numbers"
        " FROM trials t JOIN derived d"
        " ON d.trial_id = t.trial_id AND d.number = t.current_version ORDER BY t.trial_id")
    with db.transaction() as conn:
        for n in range(copies):
            head, tail, *derived = templates[n % len(templates)]
            trial_id = f"NCT9{n:07d}"
            conn.execute("INSERT INTO trials (trial_id, current_version, digest_head, digest_tail) VALUES (?, 1, ?, ?)",
                         (trial_id, f'["{trial_id}"' + head[head.index('",') + 1:], tail))
            conn.execute("INSERT INTO trial_versions (trial_id, number, imported_at, content_hash, record)"
                         " VALUES (?, 1, '', '', x'')", (trial_id,))
            conn.execute("INSERT INTO derived VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)", (trial_id, *derived))
