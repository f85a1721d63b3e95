"""Read every supported source into `Trial` records, reporting what cannot be read.

Sources nest (a gzip of a tar of XML files, a zip of JSON files); `_read_stream` sniffs each layer
from its content and hands on. Records stream one by one, so a 570,000-study JSON Lines import
never sits in memory whole. No exception leaves this module: each failure becomes a `LoadProblem`
naming the file (and study or line) and the reason in plain words, and loading goes on.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from trialtui.ingest import detect
from trialtui.ingest.ctgov_json import FORMAT_ID as JSON_FORMAT
from trialtui.ingest.ctgov_json import parse_ctgov_study
from trialtui.ingest.ctgov_xml import parse_xml_bytes
from trialtui.ingest.page_text import parse_aggregator_text, parse_page_text
from trialtui.ingest.problems import LoadProblem, LoadResult, RecordError
from trialtui.models import Provenance, Trial

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest single XML or page-text document (or archive member) read; real ones are < 2 MB."""
MAX_NESTING = 3
"""Archives inside archives deeper than this are not opened (a guard against zip bombs)."""
PROGRESS_EVERY = 500
_PLURAL = {"study": "studies", "line": "lines"}


@dataclass(frozen=True)
class _Fault:
    """A record that failed; consecutive faults of one kind in one file merge into one line."""

    path: str
    reason: str
    kind: str = ""
    unit: str = ""
    """"study" or "line" when the fault is one record of a multi-record file."""
    number: int = 0


def _fault(path: str, error: Exception, unit: str = "", number: int = 0, nct_id: str = "") -> _Fault:
    if isinstance(error, RecordError):
        reason, kind = str(error), error.kind
    elif isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        reason, kind = f"invalid value for {where}: {first['msg']}", f"invalid {where}"
    elif isinstance(error, OSError):
        reason, kind = f"cannot be read: {error.strerror or error}", "os"
    else:
        reason, kind = f"could not be read ({type(error).__name__}: {error})", type(error).__name__
    if nct_id:
        reason = f"{nct_id}: {reason}"
    return _Fault(path, reason, kind, unit, number)


def _merged(items: Iterator[Trial | _Fault]) -> Iterator[Trial | LoadProblem]:
    """Turn faults into problems, one line for a run of records failing the same way."""
    run: list[_Fault] = []

    def flush() -> Iterator[LoadProblem]:
        if not run:
            return
        first, last = run[0], run[-1]
        if not first.unit:
            yield LoadProblem(first.path, first.reason)
        elif len(run) == 1:
            yield LoadProblem(first.path, f"{first.unit} {first.number}: {first.reason}")
        else:
            yield LoadProblem(
                first.path,
                f"{_PLURAL[first.unit]} {first.number}-{last.number} ({len(run)} records): {first.reason}",
            )
        run.clear()

    for item in items:
        if isinstance(item, _Fault):
            if run and (item.unit != run[-1].unit or item.kind != run[-1].kind or item.path != run[-1].path
                        or not item.unit):
                yield from flush()
            run.append(item)
            if not item.unit:
                yield from flush()
        else:
            yield from flush()
            yield item
    yield from flush()


def _read_limited(stream: IO[bytes], path: str) -> bytes:
    data = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise RecordError(
            f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, too large for one trial record",
            "too large",
        )
    return data


def _head(stream: io.BufferedReader) -> bytes:
    head = stream.peek(1024)
    while len(head) < 512:
        more = stream.peek(1024)
        if len(more) <= len(head):
            break
        head = more
    return head[:1024]


def _read_stream(stream: io.BufferedReader, path: str, depth: int = 0) -> Iterator[Trial | _Fault]:
    kind = detect.sniff(_head(stream))
    if kind == detect.EMPTY:
        yield _Fault(path, "empty file, nothing to load", "empty")
    elif kind == detect.BINARY:
        yield _Fault(path, "binary data, not a trial record (not JSON, XML or a trial page)", "binary")
    elif kind in (detect.GZIP, detect.ZIP, detect.TAR) and depth >= MAX_NESTING:
        yield _Fault(path, f"archives nested more than {MAX_NESTING} deep are not opened", "nested")
    elif kind == detect.GZIP:
        yield from _read_gzip(stream, path, depth)
    elif kind == detect.ZIP:
        yield from _read_zip(stream, path, depth)
    elif kind == detect.TAR:
        yield from _read_tar(stream, path, depth)
    elif kind == detect.JSON:
        yield from _read_json(stream, path)
    elif kind == detect.XML:
        yield _parse_one(path, lambda: parse_xml_bytes(_read_limited(stream, path), path))
    else:
        yield _parse_one(path, lambda: _parse_text(_read_limited(stream, path), path))


def _parse_one(path: str, parse: Callable[[], Trial]) -> Trial | _Fault:
    try:
        return parse()
    except Exception as error:  # noqa: BLE001 - any failure of one document is reported, never raised
        return _fault(path, error)


def _parse_text(data: bytes, path: str) -> Trial:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RecordError(f"not UTF-8 text (bad byte at offset {error.start})", "not utf-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect.text_format(text)
    if fmt == detect.PAGE_TEXT:
        return parse_page_text(text, path)
    if fmt == detect.AGGREGATOR_TEXT:
        return parse_aggregator_text(text, path)
    raise RecordError(
        "not a trial record: neither ClinicalTrials.gov JSON or XML nor a saved trial page",
        "unknown format",
    )


def _read_gzip(stream: io.BufferedReader, path: str, depth: int) -> Iterator[Trial | _Fault]:
    inner = io.BufferedReader(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]
    try:
        yield from _read_stream(inner, path, depth + 1)
    except (OSError, EOFError, zlib.error) as error:
        yield _Fault(path, f"damaged gzip data ({error}); the records before the damage were loaded", "gzip")


def _member_wanted(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return bool(base) and not base.startswith(".") and "__MACOSX/" not in name


def _read_zip(stream: io.BufferedReader, path: str, depth: int) -> Iterator[Trial | _Fault]:
    source: IO[bytes] = stream if stream.seekable() else io.BytesIO(_read_limited(stream, path))
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        yield _Fault(path, f"damaged zip archive ({error})", "zip")
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and _member_wanted(m.filename)]
        if not members:
            yield _Fault(path, "zip archive holds no files", "empty")
        for member in members:
            label = f"{path}!{member.filename}"
            try:
                with archive.open(member) as handle:
                    data = _read_limited(handle, label)
            except Exception as error:  # noqa: BLE001 - one bad member must not stop the rest
                yield _fault(label, error)
                continue
            yield from _read_stream(io.BufferedReader(io.BytesIO(data)), label, depth + 1)


def _read_tar(stream: io.BufferedReader, path: str, depth: int) -> Iterator[Trial | _Fault]:
    try:
        archive = tarfile.open(fileobj=stream, mode="r|")
    except tarfile.TarError as error:
        yield _Fault(path, f"damaged tar archive ({error})", "tar")
        return
    found = False
    try:
        for member in archive:
            if not member.isfile() or not _member_wanted(member.name):
                continue
            found = True
            label = f"{path}!{member.name}"
            handle = archive.extractfile(member)
            if handle is None:
                continue
            try:
                data = _read_limited(handle, label)
            except RecordError as error:
                yield _fault(label, error)
                continue
            yield from _read_stream(io.BufferedReader(io.BytesIO(data)), label, depth + 1)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        yield _Fault(path, f"damaged tar archive ({error}); the files before the damage were loaded", "tar")
    finally:
        archive.close()
    if not found:
        yield _Fault(path, "tar archive holds no files", "empty")


def _study(study: object, path: str, line: int | None, unit: str, number: int) -> Trial | _Fault:
    try:
        return parse_ctgov_study(study, Provenance(path=path, format=JSON_FORMAT, line=line))  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - one bad study is reported and skipped
        return _fault(path, error, unit, number, _nct_id_of(study))


def _nct_id_of(study: object) -> str:
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]  # type: ignore[index]
    except (KeyError, TypeError):
        return ""
    return value if isinstance(value, str) else ""


def _json_error(error: json.JSONDecodeError, text: str) -> str:
    # the scanner reports "Unterminated string" only when the text ends inside a string
    if error.pos >= len(text.rstrip()) - 1 or error.msg.startswith("Unterminated string"):
        return "not valid JSON: the file ends in the middle of a value (truncated?)"
    return f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"


_UNPARSED = object()


def _read_json(stream: io.BufferedReader, path: str) -> Iterator[Trial | _Fault]:
    """One study, a JSON array, an API page, or JSON Lines (told apart by the first line)."""
    first = stream.readline()
    try:
        first_value = json.loads(first)
    except ValueError:
        first_value = _UNPARSED
    if isinstance(first_value, (dict, list)):
        following = stream.readline()
        while following and not following.strip():
            following = stream.readline()
        if not following:
            yield from _read_json_value(first_value, path)
            return
        if isinstance(first_value, dict):
            yield from _read_json_lines(path, first_value, following, stream)
            return
        first += following
    try:
        text = (first + stream.read()).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield _Fault(path, f"not UTF-8 text (bad byte at offset {error.start})", "not utf-8")
        return
    yield from _read_json_document(text, path)


def _read_json_lines(
    path: str, first: dict, second: bytes, rest: io.BufferedReader
) -> Iterator[Trial | _Fault]:
    yield _study(first, path, 1, "line", 1)
    number = 1
    for number, raw in enumerate(_lines(second, rest), start=2):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as error:
            cut = not raw.endswith(b"\n")
            reason = "cut off before its end (file truncated?)" if cut else f"not valid JSON ({error})"
            yield _Fault(path, reason, "bad json line", "line", number)
            continue
        yield _study(value, path, number, "line", number)


def _lines(second: bytes, rest: io.BufferedReader) -> Iterator[bytes]:
    yield second
    yield from rest


_PAGE_START = re.compile(r'\A\s*\{\s*"studies"\s*:\s*\[')


def _read_json_document(text: str, path: str) -> Iterator[Trial | _Fault]:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        yield from _read_json_array(text, text.index("[") + 1, path)
        return
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        page = _PAGE_START.match(text)
        if page:  # a truncated API page: keep the studies before the damage
            yield from _read_json_array(text, page.end(), path)
        else:
            yield _Fault(path, _json_error(error, text), "bad json")
        return
    yield from _read_json_value(value, path)


def _read_json_value(value: object, path: str) -> Iterator[Trial | _Fault]:
    """A whole decoded JSON document: one study, an API page, or something else (reported)."""
    if isinstance(value, list):
        if not value:
            yield _Fault(path, "empty JSON list, no studies in it", "empty")
        for number, study in enumerate(value, start=1):
            yield _study(study, path, None, "study", number)
    elif isinstance(value, dict) and isinstance(value.get("studies"), list):
        for number, study in enumerate(value["studies"], start=1):
            yield _study(study, path, None, "study", number)
    elif isinstance(value, dict) and "protocolSection" in value:
        yield _study(value, path, None, "", 0)
    elif isinstance(value, dict):
        keys = ", ".join(list(value)[:6]) or "none"
        yield _Fault(
            path,
            f'JSON object is not a ClinicalTrials.gov study or API page (no "protocolSection" or '
            f'"studies"; keys: {keys})',
            "not a study",
        )
    else:
        yield _Fault(path, f"JSON {type(value).__name__} is not a ClinicalTrials.gov study", "not a study")


_SPACE = re.compile(r"[ \t\r\n]*")


def _read_json_array(text: str, position: int, path: str) -> Iterator[Trial | _Fault]:
    """Decode array elements one at a time, so a truncated file still yields the studies before
    the damage."""
    decoder = json.JSONDecoder()
    number = 0
    position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
    if text.startswith("]", position):
        yield _Fault(path, "empty JSON list, no studies in it", "empty")
        return
    while True:
        try:
            study, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            where = f"after study {number}" if number else "at the first study"
            yield _Fault(path, f"{_json_error(error, text)} ({where}; the studies before it were loaded)"
                         if number else _json_error(error, text), "bad json")
            return
        number += 1
        yield _study(study, path, None, "study", number)
        position = _SPACE.match(text, position).end()  # type: ignore[union-attr]
        if text.startswith(",", position):
            position = _SPACE.match(text, position + 1).end()  # type: ignore[union-attr]
        elif text.startswith("]", position):
            return
        else:
            yield _Fault(
                path,
                f"not valid JSON after study {number}: the list is cut off or broken "
                "(the studies before it were loaded)",
                "bad json",
            )
            return


def _walk(folder: Path) -> Iterator[Path | _Fault]:
    """Files under a folder, recursively, in name order, hidden files and folders left out."""
    errors: list[OSError] = []
    any_file = False
    for root, dirs, files in os.walk(folder, onerror=errors.append):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                any_file = True
                yield Path(root) / name
    for error in errors:
        yield _Fault(str(error.filename or folder), f"cannot be read: {error.strerror or error}", "os")
    if not any_file and not errors:
        yield _Fault(str(folder), "empty folder: no files to load", "empty")


def _read_path(path: Path) -> Iterator[Trial | _Fault]:
    label = str(path)
    try:
        if path.is_dir():
            for entry in _walk(path):
                if isinstance(entry, _Fault):
                    yield entry
                else:
                    yield from _read_path(entry)
            return
        if not path.exists():
            yield _Fault(label, "no such file or folder", "missing")
            return
        with open(path, "rb") as stream:
            yield from _read_stream(stream, label)
    except Exception as error:  # noqa: BLE001 - the promise is that nothing escapes
        yield _fault(label, error)


def iter_records(path: Path | str) -> Iterator[Trial | LoadProblem]:
    """Every trial in one source (file or folder, any format, archives and gzip included),
    streamed, with a `LoadProblem` wherever something could not be read."""
    return _merged(_read_path(Path(path)))


def load_paths(
    paths: Iterable[str | Path], on_progress: Callable[[int], None] | None = None
) -> LoadResult:
    """Load every source; the same trial_id twice keeps the most recently updated record
    (``last_update_posted``; on a tie the one read later)."""
    result = LoadResult()
    by_id: dict[str, Trial] = {}
    count = 0
    for path in paths:
        for item in iter_records(path):
            if isinstance(item, LoadProblem):
                result.problems.append(item)
                continue
            count += 1
            known = by_id.get(item.trial_id)
            if known is None or item.last_update_posted >= known.last_update_posted:
                by_id[item.trial_id] = item
            if on_progress is not None and count % PROGRESS_EVERY == 0:
                on_progress(count)
    if on_progress is not None:
        on_progress(count)
    result.trials = list(by_id.values())
    return result
