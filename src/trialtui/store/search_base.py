"""The search index's arrays kept in the library database (``search_base``), written in one
transaction and read back in one snapshot.

Each array is stored as its raw bytes (split in chunks SQLite takes whole), beside one JSON part
naming every array's type and length, the generation of the library it covers and the layout
of the code that made it. Reading gives numpy arrays over the bytes read (no copy of a
one-chunk array); anything that does not add up is a `ValueError`, and the caller builds again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

import numpy as np

from trialtui.store.database import Database, connect_read_only

_CHUNK = 256 * 1024 * 1024
"""Bytes per stored chunk: well under SQLite's largest value (a gigabyte by default)."""
_META = "_meta"


@dataclass(frozen=True)
class StoredBase:
    arrays: dict[str, np.ndarray]
    meta: dict
    """What the index keeps beside its arrays (`SearchIndex.arrays`)."""
    generation: int
    """The library's generation it covers: trials written after it are not in it."""
    layout: int
    """The index layout of the code that made it."""
    left_out: list[str]
    """Library trials it does not hold (those the bundled seeds stood for): indexed at each start."""


def write_base(db: Database, base: StoredBase) -> None:
    """Replace the stored base by `base` (one transaction: the old one or the new one, never half)."""
    parts = {name: (str(values.dtype), len(values)) for name, values in base.arrays.items()}
    head = json.dumps({"meta": base.meta, "generation": base.generation, "layout": base.layout,
                       "left_out": base.left_out, "parts": parts}).encode()
    with db.transaction() as conn:
        conn.execute("DELETE FROM search_base")
        conn.execute("INSERT INTO search_base (part, chunk, data) VALUES (?, 0, ?)", (_META, head))
        for name, values in base.arrays.items():
            data = memoryview(np.ascontiguousarray(values)).cast("B")
            for chunk, start in enumerate(range(0, max(len(data), 1), _CHUNK)):
                conn.execute("INSERT INTO search_base (part, chunk, data) VALUES (?, ?, ?)",
                             (name, chunk, data[start:start + _CHUNK]))


def stored_layout(db: Database) -> tuple[int, int] | None:
    """(layout, generation) of the stored base, None if there is none."""
    head = db.query("SELECT data FROM search_base WHERE part = ? AND chunk = 0", (_META,))
    if not head:
        return None
    try:
        found = json.loads(head[0][0])
        return int(found["layout"]), int(found["generation"])
    except (ValueError, KeyError, TypeError):
        return None


def _read_chunk(connection: sqlite3.Connection, rowid: int) -> bytes:
    """One stored chunk through SQLite's blob reader: it lets other threads run while it reads,
    where a SELECT of the value copies it holding the interpreter (the list being read at the
    same time would wait for it)."""
    with connection.blobopen("search_base", "data", rowid, readonly=True) as blob:
        return blob.read()


def read_base(db: Database) -> StoredBase | None:
    """The stored base, None if there is none; ValueError if it is damaged. Read through a
    connection of its own, in one read transaction: a base written meanwhile by another process
    is seen whole or not at all, and the library's own connection stays free."""
    if not db.path.exists():
        return None
    try:
        connection = connect_read_only(db.path)
    except sqlite3.Error as error:
        raise ValueError(str(error)) from error
    try:
        connection.execute("BEGIN")
        listed = connection.execute("SELECT rowid, part, chunk FROM search_base ORDER BY part, chunk").fetchall()
        rows = [(part, chunk, _read_chunk(connection, rowid)) for rowid, part, chunk in listed]
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        raise ValueError(str(error)) from error
    finally:
        connection.close()
    if not rows:
        return None
    chunks: dict[str, list[bytes]] = {}
    for part, chunk, data in rows:
        listed = chunks.setdefault(part, [])
        if chunk != len(listed):
            raise ValueError(f"part {part} is missing a chunk")
        listed.append(data)
    try:
        head = json.loads(b"".join(chunks.pop(_META)))
        arrays = {}
        for name, (dtype, length) in head["parts"].items():
            data = chunks.pop(name)
            data = data[0] if len(data) == 1 else b"".join(data)
            values = np.frombuffer(data, np.dtype(dtype)) if data else np.zeros(0, np.dtype(dtype))
            if len(values) != length:
                raise ValueError(f"part {name} holds {len(values)} values, not {length}")
            arrays[name] = values
        return StoredBase(arrays, head["meta"], int(head["generation"]), int(head["layout"]), list(head["left_out"]))
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise ValueError(f"unreadable ({error})") from error
