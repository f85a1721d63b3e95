"""Annotation exports as files a team passes around: JSON (lossless) and CSV (for spreadsheets).

Both carry each field's timestamp and the removed tags, so importing a colleague's file merges
field by field instead of overwriting. CSV cells hold tags joined by ``; `` and the nested parts
(item marks, timestamps) as JSON text, so a CSV round-trips too. A CSV cell that a spreadsheet
would run as a formula is written behind a ``'`` (`csv_cell`), which reading takes off again.
"""

from __future__ import annotations

import csv
import io
import json

from trialtui.safe_text import csv_cell, csv_value, json_text

CSV_COLUMNS = ("trial_id", "status", "star", "tags", "note", "reason", "updated", "items",
               "removed_tags", "field_updated")
_TAG_SEPARATOR = "; "
_TRUE = {"true", "yes", "y", "1", "x", "★", "*"}
_FALSE = {"false", "no", "n", "0", ""}


class ExchangeError(ValueError):
    """A file that is not an annotations export."""


def to_json(records: list[dict]) -> str:
    return json_text(records, indent=2) + "\n"


def to_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: csv_cell(value) for name, value in {
            **{name: record[name] for name in ("trial_id", "status", "note", "reason", "updated")},
            "star": "true" if record["star"] else "false",
            "tags": _TAG_SEPARATOR.join(record["tags"]),
            "items": json.dumps(record["items"], ensure_ascii=False) if record["items"] else "",
            "removed_tags": _TAG_SEPARATOR.join(record["removed_tags"]),
            "field_updated": json.dumps(record["field_updated"]),
        }.items()})
    return out.getvalue()


def read_records(text: str) -> list[dict]:
    """The records of an export, JSON or CSV, told apart by content."""
    if text.lstrip().startswith(("[", "{")):
        return _json_records(text)
    return _csv_records(text)


def _json_records(text: str) -> list[dict]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExchangeError(f"not valid JSON (line {error.lineno}: {error.msg})") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ExchangeError("expected a JSON array of annotation objects")
    return value


def _csv_records(text: str) -> list[dict]:
    rows = csv.DictReader(io.StringIO(text))
    if not rows.fieldnames or "trial_id" not in rows.fieldnames:
        raise ExchangeError("not an annotations export: no trial_id column")
    records = []
    for number, row in enumerate(rows, start=2):
        record: dict = {key: csv_value(value) for key, value in row.items() if key in CSV_COLUMNS and value is not None}
        try:
            if "star" in record:
                record["star"] = _flag(record["star"])
            for name in ("tags", "removed_tags"):
                if name in record:
                    record[name] = [t.strip() for t in record[name].split(";") if t.strip()]
            for name in ("items", "field_updated"):
                if name in record:
                    record[name] = json.loads(record[name]) if record[name].strip() else {}
        except (ValueError, json.JSONDecodeError) as error:
            raise ExchangeError(f"line {number}: {error}") from None
        if not record.get("updated"):
            record.pop("updated", None)
        records.append(record)
    return records


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"star must be true or false, not {text!r}")
