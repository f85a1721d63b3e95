"""The fetch dialog's last search and server, kept in the database's key/value table.

The dialog opens as the user left it, in this run of the app and the next, and the changes view's update
asks the server the user typed there rather than the default. The form is a convenience: when the
database cannot be read or written the dialog simply starts empty.
"""

from __future__ import annotations

import json
import sqlite3

from trialtui.fetch.client import BaseUrlError, check_base_url
from trialtui.store.database import Database, StoreError

_KEY = "fetch-form"
SERVER = "base_url"
"""The form's field naming the API server; the others are `StudyQuery` fields as typed."""


def load_fetch_form(db: Database) -> dict[str, str]:
    """The fetch dialog's fields as last left, by field name; {} when none were kept."""
    try:
        rows = db.query("SELECT value FROM meta WHERE key = ?", (_KEY,))
        form = json.loads(rows[0][0]) if rows else {}
    except (sqlite3.Error, StoreError, ValueError, RecursionError):
        return {}
    if not isinstance(form, dict):
        return {}
    return {key: value for key, value in form.items() if isinstance(key, str) and isinstance(value, str)}


def save_fetch_form(db: Database, form: dict[str, str]) -> None:
    try:
        with db.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                         (_KEY, json.dumps(form, ensure_ascii=False)))
    except (sqlite3.Error, StoreError):
        pass  # a read-only or damaged database keeps no form; the fetch itself says what is wrong


def remembered_server(db: Database) -> str | None:
    """The server last typed in the fetch dialog, if it is a usable URL."""
    server = load_fetch_form(db).get(SERVER, "").strip()
    try:
        return check_base_url(server) if server else None
    except BaseUrlError:
        return None
