"""Annotation exports as files a team passes around: JSON (lossless) and CSV (for spreadsheets).

Both carry each field's timestamp and the removed tags, so importing a colleague's file merges
field by field instead of overwriting. CSV cells hold tags joined by ``; `` and the nested parts
(item marks, timestamps) as JSON text, so a CSV round-trips too: a note is written exactly as
typed, its line breaks and carriage returns inside a quoted cell (RFC 4180 rows end in CRLF, so
the csv module quotes every cell holding either). A CSV cell that a spreadsheet would run as a
formula is written behind a ``'`` (`csv_cell`), which reading takes off again.

A file to import is someone else's: each record is checked here (`ExchangeRecord`) before anything
is merged. A bad record is one problem naming its position and the reason, and the rest merge.
Timestamps must be real ISO times no later than a day from now: a far-future stamp would win every
later merge and leave no time after it for an edit, so it is refused, not clamped (clamping would
invent a time the author never wrote).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
)

from trialtui.safe_text import csv_cell, csv_value, json_text
from trialtui.store.database import normalize_timestamp

CSV_COLUMNS = ("trial_id", "status", "star", "tags", "note", "reason", "updated", "items",
               "removed_tags", "field_updated")
_TAG_SEPARATOR = "; "
_TRUE = {"true", "yes", "y", "1", "x", "★", "*"}
_FALSE = {"false", "no", "n", "0", ""}
_CSV_FIELD_LIMIT = 16 * 1024 * 1024
"""A note may be long; the csv module's default cap (128 KB) would stop the whole file."""
_FUTURE_SLACK = timedelta(days=1)
"""How far ahead of this machine's clock another machine's stamp may be."""


class ExchangeError(ValueError):
    """A file that is not an annotations export."""


def to_json(records: list[dict]) -> str:
    return json_text(records, indent=2) + "\n"


def to_csv(records: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: csv_cell(value, exact=True) for name, value in {
            **{name: record[name] for name in ("trial_id", "status", "note", "reason", "updated")},
            "star": "true" if record["star"] else "false",
            "tags": _TAG_SEPARATOR.join(record["tags"]),
            "items": json.dumps(record["items"], ensure_ascii=False) if record["items"] else "",
            "removed_tags": _TAG_SEPARATOR.join(record["removed_tags"]),
            "field_updated": json.dumps(record["field_updated"]),
        }.items()})
    return out.getvalue()


def _stamp(text: str) -> str:
    """An ISO date or time from a file → the store's form; refused when not a real time or later
    than a day from now."""
    try:
        stamp = normalize_timestamp(text)
    except (ValueError, OverflowError):
        raise ValueError("not an ISO date or time") from None
    if datetime.fromisoformat(stamp) > datetime.now(UTC) + _FUTURE_SLACK:
        raise ValueError(f"{stamp[:10]} is in the future")
    return stamp


def _status(value: str | None) -> str | None:
    from trialtui.store.annotations import check_status

    return check_status(value) if value else value


def _mark(value: str | None) -> str | None:
    from trialtui.store.annotations import check_mark

    return check_mark(value or None)


def _tags(values: list[str]) -> list[str]:
    from trialtui.store.annotations import clean_tag

    return [clean_tag(value) for value in values]


def _storable(value: str) -> str:
    from trialtui.store.annotations import storable_text

    return storable_text(value, "it")


def _no_empty_stamp(value):
    return None if value == "" else value


Stamp = Annotated[str, AfterValidator(_stamp)]
Text = Annotated[str, AfterValidator(_storable)]
Tags = Annotated[list[str], AfterValidator(_tags)]


class ExchangeItem(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")
    mark: Annotated[str | None, AfterValidator(_mark)] = None
    note: Text = ""


class ExchangeRecord(BaseModel):
    """One trial's annotation as an export carries it; only what the record holds is kept (a CSV
    without a star column leaves stars alone), so callers dump it with ``exclude_unset``."""

    model_config = ConfigDict(strict=True, extra="ignore")
    trial_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    note: Text = ""
    reason: Text = ""
    status: Annotated[str | None, AfterValidator(_status)] = None
    star: bool = False
    tags: Tags = []
    removed_tags: Tags = []
    items: dict[Text, ExchangeItem] = {}
    updated: Annotated[Stamp | None, BeforeValidator(_no_empty_stamp)] = None
    field_updated: dict[str, Stamp] = {}


def _problem(where: str, error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    place = ".".join(str(part) for part in first["loc"])
    reason = first["msg"].removeprefix("Value error, ")
    more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {place + ': ' if place else ''}{reason}{more}"


def read_records(text: str) -> tuple[list[dict], list[str]]:
    """The checked records of an export, JSON or CSV (told apart by content), and one problem per
    record that could not be used (``record N: field: reason``; ``line N`` in a CSV). ``text`` is
    the file as stored (read with ``newline=""``): a carriage return in a note is part of it."""
    if text.lstrip().startswith(("[", "{")):
        raw = [(f"record {number}", record) for number, record in enumerate(_json_records(text), start=1)]
        problems: list[str] = []
    else:
        raw, problems = _csv_records(text)
    records = []
    for where, record in raw:
        if not isinstance(record, dict):
            problems.append(f"{where}: not an annotation object")
            continue
        try:
            checked = ExchangeRecord.model_validate(record)
        except ValidationError as error:
            problems.append(_problem(where, error))
            continue
        records.append(checked.model_dump(exclude_unset=True))
    return records, problems


def _json_records(text: str) -> list:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExchangeError(f"not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise ExchangeError("not an annotations export: nested too deeply") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not any(isinstance(item, dict) for item in value):
        raise ExchangeError("expected a JSON array of annotation objects")
    return value


def _csv_records(text: str) -> tuple[list[tuple[str, dict]], list[str]]:
    """CSV rows as export records (cells parsed back into lists and objects), and the rows that
    could not be (a row the csv module cannot read ends the file: what follows it cannot be
    told apart reliably)."""
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = rows.fieldnames
    except csv.Error as error:
        raise ExchangeError(f"not a readable CSV ({error})") from None
    if not fieldnames or "trial_id" not in fieldnames:
        raise ExchangeError("not an annotations export: no trial_id column")
    records, problems = [], []
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(f"line {rows.line_num}: cannot be read ({error}); the rest of the file is skipped")
            break
        where = f"line {rows.line_num}"
        record: dict = {key: csv_value(value) for key, value in row.items()
                        if isinstance(key, str) and key in CSV_COLUMNS and isinstance(value, str)}
        try:
            if "star" in record:
                record["star"] = _flag(record["star"])
            for name in ("tags", "removed_tags"):
                if name in record:
                    record[name] = [t.strip() for t in record[name].split(";") if t.strip()]
            for name in ("items", "field_updated"):
                if name in record:
                    record[name] = json.loads(record[name]) if record[name].strip() else {}
        except (ValueError, RecursionError) as error:
            reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
            problems.append(f"{where}: {reason}")
            continue
        if not record.get("updated"):
            record.pop("updated", None)
        records.append((where, record))
    return records, problems


def _flag(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("star must be true or false")
