"""The reviewer's annotations: note, tags, status, star and per-item marks, never lost.

Each field of an annotation is its own row with its own timestamp (``annotation_fields``), so two
trialtui windows editing the same trial only ever replace the field they edit; the last writer of a
field wins. Tags are rows too (``tag:NAME`` true or false), so adding and removing are separate
operations that merge, and a removal is remembered (a tombstone) for merging exports. Every change
is one committed transaction and is logged with the value it replaced (``annotation_log``): the log
is what `Annotations.undo` reverts, and nothing overwritten is ever gone.

Annotations belong to the trial id, not to a stored record: they survive re-imports, new versions,
and trials that are not in the library at all (bundled seeds, ``--data`` files).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from trialtui.review import MARK_WORDS, STATUS_WORDS
from trialtui.safe_text import quoted, terminal_text
from trialtui.store.database import Database, normalize_timestamp, utc_now
from trialtui.store.library import mark_seen

STATUSES = ("unreviewed", "shortlisted", "excluded", "contacted", "enrolled")
MARKS = ("meets", "fails", "ask_site")
"""Per criterion item or threshold: the patient meets it, fails it, or the site must be asked."""

_DEFAULTS = {"note": "", "status": "unreviewed", "reason": "", "star": False}
_TAG, _ITEM = "tag:", "item:"
_MARK, _ITEM_NOTE = ":mark", ":note"


def _default(field_name: str):
    if field_name.startswith(_TAG):
        return False
    if field_name.startswith(_ITEM):
        return None if field_name.endswith(_MARK) else ""
    return _DEFAULTS[field_name]


def _encode(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _just_after(stamp: str) -> str:
    """The stamp one microsecond later; now, for a stamp at the end of time (written by an older
    trialtui that let far-future stamps in), so the edit is still made."""
    try:
        moment = datetime.fromisoformat(stamp) + timedelta(microseconds=1)
    except (ValueError, OverflowError):
        return utc_now()
    return moment.isoformat(timespec="microseconds")


def storable_text(text: str, name: str) -> str:
    """`text`, checked to be storable: a lone UTF-16 surrogate (a JSON ``\\ud800`` escape, a
    command-line byte that is not UTF-8) has no UTF-8 form, so SQLite cannot take it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"{name} holds {terminal_text(text[error.start])}, which is not text"
                         " (a byte that is not UTF-8, or half of a \\u surrogate pair)") from None
    return text


def clean_tag(tag: str) -> str:
    """Tags are single-line words or phrases; ``;`` separates them in CSV exports."""
    cleaned = " ".join(storable_text(tag, "a tag").split())
    if not cleaned:
        raise ValueError("a tag cannot be empty")
    if ";" in cleaned:
        raise ValueError(f"a tag cannot contain ';': {tag!r}")
    return cleaned


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    return status


def check_mark(mark: str | None) -> str | None:
    if mark is not None and mark not in MARKS:
        raise ValueError(f"unknown mark {mark!r} (one of {', '.join(MARKS)}, or none)")
    return mark


@dataclass(frozen=True)
class ItemMark:
    mark: str | None
    note: str
    updated: str


@dataclass(frozen=True)
class TrialAnnotation:
    trial_id: str
    note: str = ""
    tags: tuple[str, ...] = ()
    """In the order they were added."""
    status: str = "unreviewed"
    reason: str = ""
    """Why the trial was excluded (or any word on the status)."""
    star: bool = False
    updated: str = ""
    """When any field last changed ("" when never annotated)."""
    items: dict[str, ItemMark] = field(default_factory=dict, hash=False)
    """Marks per criterion item or threshold, by the key the TUI chose."""

    @property
    def is_empty(self) -> bool:
        return (not self.note and not self.tags and self.status == "unreviewed" and not self.reason
                and not self.star and not self.items)


@dataclass(frozen=True)
class Conflict:
    """The same field set to different values here and in an imported file; the newer was kept."""

    trial_id: str
    field: str
    local: object
    incoming: object
    kept: str
    """``"local"`` or ``"incoming"``."""

    def describe(self) -> str:
        kept, lost = (self.local, self.incoming) if self.kept == "local" else (self.incoming, self.local)
        other = "incoming" if self.kept == "local" else "local"
        return f"{self.trial_id} {self.field}: kept {self.kept} {kept!r} over {other} {lost!r}"


@dataclass
class MergeReport:
    added: int = 0
    """Trials that had no annotation here."""
    updated: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Records that could not be used, each with the reason."""


def _assemble(trial_id: str, rows: Iterable[tuple[str, str, str]], cleared_items: bool = False) -> TrialAnnotation:
    """Build an annotation from its field rows; ``cleared_items`` keeps items cleared back to
    nothing (an export must carry them, so a merge elsewhere clears them too)."""
    values: dict[str, object] = dict(_DEFAULTS)
    tags: list[tuple[str, str]] = []
    marks: dict[str, dict] = {}
    updated = ""
    for field_name, value, stamp in rows:
        decoded = json.loads(value)
        updated = max(updated, stamp)
        if field_name.startswith(_TAG):
            if decoded:
                tags.append((stamp, field_name[len(_TAG):]))
        elif field_name.startswith(_ITEM):
            key, part = field_name[len(_ITEM):-len(_MARK)], field_name[-len(_MARK) + 1:]
            item = marks.setdefault(key, {"mark": None, "note": "", "updated": ""})
            item[part] = decoded
            item["updated"] = max(item["updated"], stamp)
        elif field_name in values:
            values[field_name] = decoded
    items = {key: ItemMark(**item) for key, item in marks.items()
             if cleared_items or item["mark"] or item["note"]}
    return TrialAnnotation(trial_id=trial_id, tags=tuple(tag for _, tag in sorted(tags)),
                           updated=updated, items=items, **values)


NOTE_SEPARATOR = "──────── above: saved elsewhere while you edited · below: your text ────────"
"""Between the two texts of a note edited in two places at once (see `Annotations.set_note`)."""


def _item_words(key: str) -> str:
    """``threshold:anc:lower`` → "the anc threshold"; criterion keys are hashes: "a criterion"."""
    parts = key.split(":")
    return f"the {parts[1]} threshold" if parts[0] == "threshold" and len(parts) > 1 else "a criterion"


def _describe(trial_id: str, written: dict[str, tuple[object, object]]) -> str:
    """One edit in the words its undo repeats: "status Shortlisted → Excluded on NCT…".
    ``written`` maps each field the edit changed to (old, new)."""
    parts = []
    if "status" in written:
        old, new = (STATUS_WORDS.get(value, value) for value in written["status"])
        parts.append(f"status {old} → {new}")
    elif "reason" in written:
        parts.append("status reason")
    if "note" in written:
        parts.append("note")
    if "star" in written:
        parts.append("star" if written["star"][1] else "star removal")
    tags = [(name[len(_TAG):], new) for name, (_, new) in written.items() if name.startswith(_TAG)]
    if added := [repr(tag) for tag, new in tags if new]:
        parts.append(f"tag {', '.join(added)} added")
    if removed := [repr(tag) for tag, new in tags if not new]:
        parts.append(f"tag {', '.join(removed)} removed")
    for name, (_, new) in written.items():
        if name.startswith(_ITEM):
            key = name[len(_ITEM):-len(_MARK)]
            if name.endswith(_MARK):
                parts.append(f"mark “{MARK_WORDS.get(new, new)}” on {_item_words(key)}" if new
                             else f"mark cleared on {_item_words(key)}")
            else:
                parts.append(f"note on {_item_words(key)}")
    return f"{' and '.join(parts) or 'edit'} on {trial_id}"


ID_FORMS = "an NCT ID is NCT and 8 digits, trialtui's own id TT- and 12 hex digits"
"""The forms a trial id takes (`ingest.identity.well_formed_id`), as a refusal explains them."""


def unknown_id(conn: sqlite3.Connection, trial_id: str) -> bool:
    """Whether `trial_id` has neither a trial id's form nor a trial or annotation under it here:
    an id a file or a user made up, which would become a key shown on every screen."""
    from trialtui.ingest.identity import well_formed_id  # the readers' rule, loaded when an id is checked

    return not well_formed_id(trial_id) and not _held(conn, trial_id)


def typed_id(conn: sqlite3.Connection, typed: str) -> str:
    """The trial id a user typed: as typed when a trial or annotation here has it, else in its NCT ID
    form when it is one ("nct01234567 " is NCT01234567), else as typed (`unknown_id` judges it)."""
    from trialtui.trial_ids import as_nct_id

    return typed if _held(conn, typed) else as_nct_id(typed) or typed


def _held(conn: sqlite3.Connection, trial_id: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM trials WHERE trial_id = ? UNION ALL SELECT 1 FROM annotation_fields WHERE trial_id = ? LIMIT 1",
        (trial_id, trial_id)).fetchone() is not None


class Annotations:
    """Read and edit annotations; every edit is committed when made.

    `undo` reverts the edits made through this object, most recent first (another window's edits
    are its own to undo).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.session = uuid.uuid4().hex
        self._data_version: int | None = None

    def changed_elsewhere(self) -> bool | None:
        """Whether another process (``trialtui annotate``, a second window, an update) committed
        to the database since the last call: SQLite's ``data_version``, which this connection's
        own writes never move. Cheap enough to ask every second; None when a worker is reading
        through the connection right now (ask again later: the UI thread must not wait for it)."""
        if not self.db._lock.acquire(blocking=False):
            return None
        try:
            version = self.db.connection.execute("PRAGMA data_version").fetchone()[0]
        finally:
            self.db._lock.release()
        changed, self._data_version = self._data_version is not None and version != self._data_version, version
        return changed

    # Reading

    def get(self, trial_id: str) -> TrialAnnotation:
        with self.db.reading() as conn:
            return _assemble(trial_id, self._rows(conn, trial_id))

    def all(self) -> dict[str, TrialAnnotation]:
        """Every trial ever annotated (including ones cleared back to nothing), by trial id."""
        grouped: dict[str, list] = {}
        for trial_id, *row in self.db.query(
            "SELECT trial_id, field, value, updated FROM annotation_fields ORDER BY trial_id"
        ):
            grouped.setdefault(trial_id, []).append(row)
        return {trial_id: _assemble(trial_id, rows) for trial_id, rows in grouped.items()}

    def all_tags(self) -> list[str]:
        """Tags in use, most used first, for autocomplete."""
        rows = self.db.query(
            "SELECT substr(field, 5) AS tag, count(*) AS uses FROM annotation_fields"
            " WHERE substr(field, 1, 4) = 'tag:' AND value = 'true'"
            " GROUP BY field ORDER BY uses DESC, tag"
        )
        return [tag for tag, _ in rows]

    # Editing: each method is one transaction

    def set_note(self, trial_id: str, note: str, seen: str | None = None) -> tuple[str, bool]:
        """Store the note; returns (the note as stored, whether another window had changed it).
        ``seen`` is the note the editor started from: if another window changed it meanwhile,
        nothing is written over: the stored note becomes their text, `NOTE_SEPARATOR`, then this
        one (this one alone if they cleared the note)."""
        stored, elsewhere = note, False

        def changes(conn: sqlite3.Connection) -> dict[str, object]:
            nonlocal stored, elsewhere
            current = _assemble(trial_id, self._rows(conn, trial_id)).note
            elsewhere = seen is not None and current not in (seen, note)
            if elsewhere and current.strip():
                stored = f"{current}\n{NOTE_SEPARATOR}\n{note}"
            return {"note": stored}

        self._edit(trial_id, changes)
        return stored, elsewhere

    def apply(self, trial_id: str, *, note: str | None = None, add_tags: Iterable[str] = (),
              remove_tags: Iterable[str] = (), status: str | None = None, reason: str = "",
              star: bool | None = None) -> None:
        """Several edits as one: every value is checked first and all are written in one
        transaction, so a bad one leaves the annotation as it was."""
        changes: dict[str, object] = {}
        if note is not None:
            changes["note"] = storable_text(note, "the note")
        changes.update({_TAG + clean_tag(tag): True for tag in add_tags})
        changes.update({_TAG + clean_tag(tag): False for tag in remove_tags})
        if status is not None:
            changes["status"] = check_status(status)
            changes["reason"] = storable_text(reason, "the reason")
        if star is not None:
            changes["star"] = bool(star)
        self._edit(storable_text(trial_id, "the trial id"), changes)

    def add_tag(self, trial_id: str, tag: str) -> None:
        tag = clean_tag(tag)
        self._edit(trial_id, {_TAG + tag: True})

    def remove_tag(self, trial_id: str, tag: str) -> None:
        tag = clean_tag(tag)
        self._edit(trial_id, {_TAG + tag: False})

    def set_tags(self, trial_id: str, tags: Iterable[str], seen: Iterable[str] | None = None) -> None:
        """Make the tags these, as adds and removes. ``seen`` is what the tag editor started from:
        only those are removed, so a tag another window added meanwhile survives. Without it,
        every current tag not wanted is removed."""
        wanted = list(dict.fromkeys(clean_tag(tag) for tag in tags))
        seen_tags = None if seen is None else {clean_tag(tag) for tag in seen}

        def changes(conn: sqlite3.Connection) -> dict[str, object]:
            current = _assemble(trial_id, self._rows(conn, trial_id)).tags
            removed = [t for t in current if t not in wanted and (seen_tags is None or t in seen_tags)]
            return {**{_TAG + tag: True for tag in wanted}, **{_TAG + tag: False for tag in removed}}

        self._edit(trial_id, changes)

    def set_status(self, trial_id: str, status: str, reason: str = "") -> None:
        check_status(status)
        self._edit(trial_id, {"status": status, "reason": reason})

    def set_star(self, trial_id: str, star: bool) -> None:
        self._edit(trial_id, {"star": bool(star)})

    def set_item_mark(self, trial_id: str, item_key: str, mark: str | None, note: str = "") -> None:
        """Mark one criterion item or threshold; ``mark=None`` and no note clears it."""
        check_mark(mark)
        prefix = _ITEM + item_key
        self._edit(trial_id, {prefix + _MARK: mark, prefix + _ITEM_NOTE: note})

    def undo(self) -> str | None:
        """Revert the last change made through this object not yet undone; say what it was, or
        None when there is nothing to undo. A field another window changed since is left as it
        is, and the answer says so."""
        with self.db.transaction() as conn:
            last = conn.execute(
                "SELECT change_id, description FROM annotation_log"
                " WHERE session = ? AND undone = 0 ORDER BY id DESC LIMIT 1",
                (self.session,),
            ).fetchone()
            if last is None:
                return None
            change_id, description = last
            entries = conn.execute(
                "SELECT trial_id, field, old_value, new_value FROM annotation_log"
                " WHERE change_id = ? ORDER BY id DESC",
                (change_id,),
            ).fetchall()
            kept = []
            for trial_id, field_name, old_value, new_value in entries:
                current = self._current(conn, trial_id, field_name)
                if current is None or current[0] != new_value:
                    kept.append(f"{trial_id} {field_name}")
                    continue
                restored = old_value if old_value is not None else _encode(_default(field_name))
                self._store(conn, trial_id, field_name, restored, _just_after(max(utc_now(), current[1])),
                            current, change_id=f"undo:{change_id}", description=f"undo {description}",
                            undone=1)
            conn.execute("UPDATE annotation_log SET undone = 1 WHERE change_id = ?", (change_id,))
        if kept:
            return f"undid {description} (kept {', '.join(kept)}: changed in another window since)"
        return f"undid {description}"

    # Export and merge

    def export_records(self) -> list[dict]:
        """Every annotation as a plain record, with each field's timestamp and removed tags so a
        merge elsewhere can tell newer from older."""
        grouped: dict[str, list] = {}
        for trial_id, *row in self.db.query(
            "SELECT trial_id, field, value, updated FROM annotation_fields ORDER BY trial_id, field"
        ):
            grouped.setdefault(trial_id, []).append(row)
        records = []
        for trial_id, rows in grouped.items():
            annotation = _assemble(trial_id, rows, cleared_items=True)
            records.append({
                "trial_id": trial_id,
                "note": annotation.note,
                "tags": list(annotation.tags),
                "status": annotation.status,
                "star": annotation.star,
                "updated": annotation.updated,
                "reason": annotation.reason,
                "items": {key: {"mark": item.mark, "note": item.note}
                          for key, item in annotation.items.items()},
                "removed_tags": [f[len(_TAG):] for f, v, _ in rows if f.startswith(_TAG) and v == "false"],
                "field_updated": {f: stamp for f, _, stamp in rows},
            })
        return records

    def export_json(self) -> str:
        from trialtui.store import exchange

        return exchange.to_json(self.export_records())

    def export_csv(self) -> str:
        from trialtui.store import exchange

        return exchange.to_csv(self.export_records())

    def import_records(self, records: Iterable[Mapping]) -> MergeReport:
        """Merge exported records in one transaction, field by field: a field missing here is
        taken; the same field set differently on both sides keeps the newer value and is listed
        as a conflict; tags merge as adds and removes."""
        report = MergeReport()
        imported_at = utc_now()
        change_id = uuid.uuid4().hex
        with self.db.transaction() as conn:
            for number, record in enumerate(records, start=1):
                try:
                    trial_id, incoming = _incoming_fields(record, imported_at)
                except (ValueError, TypeError, KeyError) as error:
                    report.skipped.append(f"record {number}: {error}")
                    continue
                if unknown_id(conn, trial_id):
                    report.skipped.append(f"record {number}: {quoted(trial_id, 80)} is not a trial id ({ID_FORMS})"
                                          " and no trial in the library has it")
                    continue
                self._merge_trial(conn, change_id, trial_id, incoming, report)
        return report

    def _merge_trial(self, conn, change_id: str, trial_id: str, incoming: dict, report: MergeReport) -> None:
        known = conn.execute(
            "SELECT count(*) FROM annotation_fields WHERE trial_id = ?", (trial_id,)
        ).fetchone()[0] > 0
        changed = False
        for field_name, (value, stamp, explicit) in incoming.items():
            encoded = _encode(value)
            current = self._current(conn, trial_id, field_name)
            if current is not None and current[0] == encoded:
                continue
            if current is not None:
                newer = stamp > current[1]
                report.conflicts.append(Conflict(trial_id, field_name, json.loads(current[0]), value,
                                                 "incoming" if newer else "local"))
                if not newer:
                    continue
            elif value == _default(field_name) and not explicit:
                continue  # nothing to add
            self._store(conn, trial_id, field_name, encoded, stamp, current, change_id=change_id,
                        description=f"annotations import ({trial_id} and others)")
            changed = True
        if not changed:
            report.unchanged += 1
        elif known:
            report.updated += 1
        else:
            report.added += 1

    # Storage

    def _edit(self, trial_id: str, changes: dict[str, object] | Callable[[sqlite3.Connection], dict]) -> None:
        """Write the fields that differ, each stamped after its previous value so this edit wins
        even over a clock that ran ahead in another process. ``changes`` may be computed inside
        the transaction from what is stored. Acting on a trial means its current version is the
        one the reviewer has seen (the changes view stops listing it)."""
        if not trial_id:
            raise ValueError("a trial id is needed")
        change_id = uuid.uuid4().hex
        with self.db.transaction() as conn:
            now = utc_now()
            if callable(changes):
                changes = changes(conn)
            written = {}
            for field_name, value in changes.items():
                encoded = _encode(value)
                current = self._current(conn, trial_id, field_name)
                if current is None and value == _default(field_name):
                    continue
                if current is not None and current[0] == encoded:
                    continue
                old = json.loads(current[0]) if current is not None else _default(field_name)
                written[field_name] = (old, value, encoded, current)
            description = _describe(trial_id, {name: (old, new) for name, (old, new, _, _) in written.items()})
            for field_name, (_, _, encoded, current) in written.items():
                stamp = now if current is None or current[1] < now else _just_after(current[1])
                self._store(conn, trial_id, field_name, encoded, stamp, current,
                            change_id=change_id, description=description)
            mark_seen(conn, trial_id)

    @staticmethod
    def _rows(conn: sqlite3.Connection, trial_id: str) -> list[tuple[str, str, str]]:
        return conn.execute(
            "SELECT field, value, updated FROM annotation_fields WHERE trial_id = ?", (trial_id,)
        ).fetchall()

    @staticmethod
    def _current(conn: sqlite3.Connection, trial_id: str, field_name: str) -> tuple[str, str] | None:
        return conn.execute(
            "SELECT value, updated FROM annotation_fields WHERE trial_id = ? AND field = ?",
            (trial_id, field_name),
        ).fetchone()

    def _store(self, conn, trial_id: str, field_name: str, encoded: str, stamp: str,
               previous: tuple[str, str] | None, *, change_id: str, description: str,
               undone: int = 0) -> None:
        conn.execute(
            "INSERT INTO annotation_fields (trial_id, field, value, updated) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (trial_id, field) DO UPDATE SET value = excluded.value, updated = excluded.updated",
            (trial_id, field_name, encoded, stamp),
        )
        conn.execute(
            "INSERT INTO annotation_log (change_id, session, description, trial_id, field,"
            " old_value, old_updated, new_value, at, undone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change_id, self.session, description, trial_id, field_name,
             previous[0] if previous else None, previous[1] if previous else None, encoded, stamp, undone),
        )


def _incoming_fields(record: Mapping, imported_at: str) -> tuple[str, dict[str, tuple[object, str, bool]]]:
    """An exported record → (trial id, {field: (value, timestamp, explicit)}), checked.

    Only what the record carries is merged (a CSV without a star column leaves stars alone). A
    trialtui export lists in ``field_updated`` the fields really set there: only those count (an
    unset star exported as false must not clear a star here), each at its own time, and they are
    ``explicit`` (a value cleared there is an edit too). Hand-written records use their
    ``updated`` time, else the import time.
    """
    trial_id = record["trial_id"]
    if not isinstance(trial_id, str) or not trial_id.strip():
        raise ValueError("no trial_id")
    trial_id = storable_text(trial_id.strip(), "trial_id")
    record_stamp = normalize_timestamp(record["updated"]) if record.get("updated") else imported_at
    stamps = {name: normalize_timestamp(stamp) for name, stamp in (record.get("field_updated") or {}).items()}
    fields: dict[str, object] = {}
    for name in ("note", "reason"):
        if name in record:
            fields[name] = _text(record[name], name)
    if "status" in record:
        fields["status"] = check_status(record["status"] or "unreviewed")
    if "star" in record:
        if not isinstance(record["star"], bool):
            raise ValueError(f"star must be true or false, not {record['star']!r}")
        fields["star"] = record["star"]
    for tag in record.get("tags") or []:
        fields[_TAG + clean_tag(_text(tag, "tag"))] = True
    for tag in record.get("removed_tags") or []:
        fields.setdefault(_TAG + clean_tag(_text(tag, "tag")), False)
    for key, item in (record.get("items") or {}).items():
        storable_text(key, "an item key")
        if not isinstance(item, Mapping):
            raise ValueError(f"item {key!r} must be an object with mark and note")
        if "mark" in item:
            fields[_ITEM + key + _MARK] = check_mark(item["mark"] or None)
        if "note" in item:
            fields[_ITEM + key + _ITEM_NOTE] = _text(item["note"], "item note")
    if "field_updated" in record:
        return trial_id, {name: (value, stamps[name], True) for name, value in fields.items() if name in stamps}
    return trial_id, {name: (value, record_stamp, False) for name, value in fields.items()}


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, not {value!r}")
    return storable_text(value, name)
