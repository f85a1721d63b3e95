"""Read every supported source into `Trial` records, reporting what cannot be read.

Sources nest (a gzip of a tar of XML files, a zip of JSON files); `_read_stream` sniffs each layer
from its content and hands on. Records stream one by one, so a 570,000-study JSON Lines import
never sits in memory whole. No exception leaves this module: each failure becomes a `LoadProblem`
naming the file (and study or line) and the reason in plain words, and loading goes on.
"""

from __future__ import annotations

import codecs
import errno
import io
import itertools
import json
import os
import re
import stat
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
from trialtui.ingest.json_values import Broken, array_elements, has_surrogate_escape, loads, lone_surrogates
from trialtui.ingest.page_text import parse_aggregator_text, parse_page_text
from trialtui.ingest.problems import LoadProblem, LoadResult, RecordError, quote, without_surrogates
from trialtui.ingest.streams import MAX_DOCUMENT_BYTES, Inflated, TextDecoder, decode_text, utf16_encoding
from trialtui.models import Provenance, Trial
from trialtui.trial_ids import as_nct_id

MAX_NESTING = 3
"""Archives inside archives deeper than this are not opened (a guard against zip bombs)."""
MAX_PROBLEM_LINES = 20
"""Problem lines shown per source named; the rest are counted on one closing line."""
PROGRESS_EVERY = 500
_PLURAL = {"study": "studies", "line": "lines"}
_CHUNK = 1024 * 1024
MAX_BLANK_START = 512 * 1024
"""White space read past at a source's start to find its first record: far more than any real
file's blank lines, and a source of endless blanks still ends (as empty)."""
_HEAD = 1024


@dataclass(frozen=True)
class _Fault:
    """A record that failed; consecutive faults of one kind in one file merge into one line."""

    path: str
    reason: str
    kind: str = ""
    unit: str = ""
    """"study" or "line" when the fault is one record of a multi-record file."""
    number: int = 0
    skipped: int = 1
    """0 for a note about a record that was loaded (after a repair the note tells)."""


def _fault(path: str, error: Exception, unit: str = "", number: int = 0, nct_id: str = "") -> _Fault:
    """A failure in plain words; Python's own text only for what nothing here foresaw."""
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
        reason = f"{quote(nct_id)}: {reason}"
    return _Fault(path, reason, kind, unit, number)


def _merged(items: Iterator[Trial | _Fault]) -> Iterator[Trial | LoadProblem]:
    """Turn faults into problems, one line for a run of records failing the same way."""
    run: list[_Fault] = []

    def flush() -> Iterator[LoadProblem]:
        if not run:
            return
        first, last = run[0], run[-1]
        skipped = sum(fault.skipped for fault in run)
        if not first.unit:
            yield LoadProblem(first.path, first.reason, skipped)
        elif len(run) == 1:
            yield LoadProblem(first.path, f"{first.unit} {first.number}: {first.reason}", skipped)
        else:
            yield LoadProblem(
                first.path,
                f"{_PLURAL[first.unit]} {first.number}-{last.number} ({len(run)} records): {first.reason}",
                skipped,
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
    head = stream.peek(_HEAD)
    while len(head) < 512:
        more = stream.peek(_HEAD)
        if len(more) <= len(head):
            break
        head = more
    return head[:_HEAD]


class _Replayed(io.RawIOBase):
    """Bytes already read from a stream, then the rest of that stream."""

    def __init__(self, first: bytes, rest: io.BufferedReader) -> None:
        super().__init__()
        self._first, self._rest = memoryview(first), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self._first:
            size = min(len(buffer), len(self._first))
            buffer[:size] = self._first[:size]
            self._first = self._first[size:]
            return size
        data = self._rest.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _past_blank_start(stream: io.BufferedReader) -> tuple[io.BufferedReader, bytes, bool]:
    """For a source whose first bytes are all white space: the source to read again from its
    start (the blanks kept, so line numbers count them), the first bytes after the blanks (b""
    when there are none), and whether the source ended within `MAX_BLANK_START`."""
    read = bytearray()
    while len(read) <= MAX_BLANK_START:
        chunk = stream.read(64 * 1024)
        if not chunk:
            return stream, b"", True
        body = (chunk if read else chunk.removeprefix(codecs.BOM_UTF8)).lstrip()
        read += chunk
        if body:
            at = len(read) - len(body)
            read += stream.read(_HEAD)
            return io.BufferedReader(_Replayed(bytes(read), stream)), bytes(read[at : at + _HEAD]), False
    return stream, b"", False


def _read_stream(stream: io.BufferedReader, path: str, depth: int = 0) -> Iterator[Trial | _Fault]:
    head = _head(stream)
    kind = detect.sniff(head)
    if kind == detect.EMPTY:
        stream, head, ended = _past_blank_start(stream)
        if not head:
            kb = MAX_BLANK_START // 1024
            reason = "empty file" if ended else f"nothing but white space in its first {kb} KB, not read further"
            yield _Fault(path, f"{reason}, nothing to load", "empty")
            return
        kind = detect.sniff_after_blanks(head)
    if kind == detect.BINARY:
        yield _Fault(path, "binary data, not a trial record (not JSON, XML or a trial page)", "binary")
    elif kind in (detect.GZIP, detect.ZIP, detect.TAR, detect.UTF16) and depth >= MAX_NESTING:
        yield _Fault(path, f"archives nested more than {MAX_NESTING} deep are not opened", "nested")
    elif kind == detect.GZIP:
        yield from _read_gzip(stream, path, depth)
    elif kind == detect.ZIP:
        yield from _read_zip(stream, path, depth)
    elif kind == detect.TAR:
        yield from _read_tar(stream, path, depth)
    elif kind == detect.UTF16:
        yield from _read_utf16(stream, path, depth, utf16_encoding(head))
    elif kind == detect.JSON:
        yield from _read_json(stream, path, head)
    elif kind == detect.XML:
        yield from _read_document(stream, path, _parse_xml)
    else:
        yield from _read_document(stream, path, _parse_text)


def _read_document(
    stream: io.BufferedReader, path: str, parse: Callable[[bytes, str], tuple[Trial, str]]
) -> Iterator[Trial | _Fault]:
    """One whole XML or page-text record; a line after it when its encoding had to be assumed."""
    try:
        trial, assumed = parse(_read_limited(stream, path), path)
    except Exception as error:  # noqa: BLE001 - any failure of one document is reported, never raised
        yield _fault(path, error)
        return
    yield trial
    if assumed:
        yield _Fault(path, assumed, "encoding", skipped=0)


_XML_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding\s*=")


def _parse_xml(data: bytes, path: str) -> tuple[Trial, str]:
    """XML that declares its encoding is the XML parser's to decode; else UTF-8, or Windows-1252."""
    assumed = ""
    if not _XML_ENCODING.match(data):
        text, assumed = decode_text(data)
        if assumed:
            data = text.encode("utf-8")
    return parse_xml_bytes(data, path), assumed


def _parse_text(data: bytes, path: str) -> tuple[Trial, str]:
    text, assumed = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect.text_format(text)
    if fmt == detect.PAGE_TEXT:
        return parse_page_text(text, path), assumed
    if fmt == detect.AGGREGATOR_TEXT:
        return parse_aggregator_text(text, path), assumed
    raise RecordError(
        "not a trial record: neither ClinicalTrials.gov JSON or XML nor a saved trial page",
        "unknown format",
    )


_XML_DECLARATION = re.compile(r"""\A(\s*<\?xml[^>]*\bencoding\s*=\s*["'])[^"']*""")


def _read_utf16(stream: io.BufferedReader, path: str, depth: int, encoding: str) -> Iterator[Trial | _Fault]:
    """UTF-16 text (as Windows tools save it), read on as the UTF-8 it is turned into."""
    try:
        data = _read_limited(stream, path)
    except RecordError as error:
        yield _fault(path, error)
        return
    notes = [] if encoding == "utf-16" else [f"no byte order mark: read as {encoding.upper()} text"]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, "replace")
        notes.append("not valid UTF-16 throughout: the invalid parts read as U+FFFD")
    text = _XML_DECLARATION.sub(r"\1UTF-8", text.lstrip("\ufeff"), count=1)
    inner = io.BufferedReader(io.BytesIO(text.encode("utf-8", "replace")))  # type: ignore[arg-type]
    yield from _read_stream(inner, path, depth + 1)
    for note in notes:
        yield _Fault(path, note, "encoding", skipped=0)


def _read_gzip(stream: io.BufferedReader, path: str, depth: int) -> Iterator[Trial | _Fault]:
    raw = Inflated(stream)
    last: _Fault | None = None
    for item in _read_stream(io.BufferedReader(raw, _CHUNK), path, depth + 1):
        if last is not None:
            yield last
            last = None
        if isinstance(item, _Fault):
            last = item
        else:
            yield item
    if last is not None and not raw.cut:
        yield last  # else it is about the cut end, which the gzip line says
    if raw.problem:
        yield _Fault(path, raw.problem, "gzip")


def _member_wanted(name: str) -> bool:
    base = name.rstrip("/").rsplit("/", 1)[-1]
    return bool(base) and not base.startswith(".") and "__MACOSX/" not in name


def _read_zip(stream: io.BufferedReader, path: str, depth: int) -> Iterator[Trial | _Fault]:
    try:
        source: IO[bytes] = stream if stream.seekable() else io.BytesIO(_read_limited(stream, path))
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, RecordError, OSError) as error:
        yield _Fault(path, f"damaged zip archive ({error})", "zip")
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and _member_wanted(m.filename)]
        if not members:
            yield _Fault(path, "zip archive holds no files", "empty")
        for member in members:
            label = f"{path}!{quote(member.filename)}"
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
            label = f"{path}!{quote(member.name)}"
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


def _study(
    study: object, path: str, line: int | None, unit: str, number: int, escapes: bool
) -> Iterator[Trial | _Fault]:
    """One study object → its `Trial`, or the fault that costs only this study. `escapes`: its raw
    text holds a surrogate escape, so its lone surrogates (read as U+FFFD) are counted and told."""
    try:
        trial = parse_ctgov_study(study, Provenance(path=path, format=JSON_FORMAT, line=line))  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 - one bad study is reported and skipped
        yield _fault(path, error, unit, number, _nct_id_of(study))
        return
    yield trial
    count = lone_surrogates(study) if escapes else 0
    if count:
        yield _Fault(
            path,
            f"{quote(trial.trial_id)}: {count:,} lone UTF-16 surrogate escape{'s' if count > 1 else ''} "
            "(such as \\ud800) read as U+FFFD; the study was kept",
            "surrogates", unit, number, skipped=0,
        )


def _nct_id_of(study: object) -> str:
    """The study's NCT ID, to name it in a problem line; "" when it has none (its record number
    names it, and a made-up id is not echoed ahead of the reason)."""
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]  # type: ignore[index]
    except (KeyError, TypeError):
        return ""
    return as_nct_id(value) if isinstance(value, str) else ""


_ARRAY_START = re.compile(r"\A\s*\[")
_PAGE_START = re.compile(
    r'\A\s*\{(?:\s*"(?:totalCount|nextPageToken)"\s*:\s*(?:\d+|"[^"\\]*")\s*,)*\s*"studies"\s*:\s*\['
)


def _json_error(error: json.JSONDecodeError, text: str) -> str:
    # the scanner reports "Unterminated string" only when the text ends inside a string
    if error.pos >= len(text.rstrip()) - 1 or error.msg.startswith("Unterminated string"):
        return "not valid JSON: the file ends in the middle of a value (truncated?)"
    return f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"


def _read_json(stream: io.BufferedReader, path: str, head: bytes) -> Iterator[Trial | _Fault]:
    """A JSON array or an API page (read study by study), JSON Lines, or one study; `head`: its
    first bytes (after white space it begins with)."""
    opening = head.decode("utf-8", "replace").lstrip("\ufeff")
    decoder = TextDecoder()
    start = next((p for p in (_ARRAY_START, _PAGE_START) if p.match(opening)), None)
    if start is not None:
        yield from _read_json_array(stream, path, decoder, start)
    else:
        yield from _read_json_objects(stream, path, decoder)
    if decoder.assumed:
        yield _Fault(path, decoder.assumed, "encoding", skipped=0)


def _read_json_array(
    stream: io.BufferedReader, path: str, decoder: TextDecoder, start: re.Pattern[str]
) -> Iterator[Trial | _Fault]:
    for element in array_elements(stream, decoder, start):
        if isinstance(element, Broken):
            yield _Fault(path, element.reason, element.kind)
        elif isinstance(element.value, RecordError):
            yield _fault(path, element.value, "study", element.number)
        else:
            yield from _study(element.value, path, None, "study", element.number, element.escapes)


def _lines(stream: io.BufferedReader) -> Iterator[bytes | None]:
    """Each line (None for one longer than `MAX_DOCUMENT_BYTES`, read past, never held whole)."""
    while line := stream.readline(MAX_DOCUMENT_BYTES + 1):
        if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
            while (more := stream.readline(_CHUNK)) and not more.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def _blank(line: bytes) -> bool:
    body = line.removeprefix(codecs.BOM_UTF8)
    return not body or body.isspace()  # no copy of the line; isspace stops at its first other byte


def _looks_like_a_line_of_json(line: bytes | None) -> bool:
    if line is None:
        return True
    body = line.removeprefix(codecs.BOM_UTF8).strip()
    return body.startswith(b"{") and body != b"{"


def _read_json_objects(stream: io.BufferedReader, path: str, decoder: TextDecoder) -> Iterator[Trial | _Fault]:
    """JSON Lines when the first two lines each hold an object; else one document (one study)."""
    lines = _lines(stream)
    held: list[bytes | None] = []
    filled: list[bytes | None] = []
    for line in lines:
        held.append(line)
        if line is None or not _blank(line):
            filled.append(line)
            if len(filled) == 2:
                break
    if len(filled) == 2 and all(map(_looks_like_a_line_of_json, filled)):
        yield from _read_json_lines(path, itertools.chain(held, lines), decoder)
        return
    if None in held:
        yield _Fault(path, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, too large for one trial record",
                     "too large")
        return
    data = b"".join(held) + stream.read(MAX_DOCUMENT_BYTES + 1)  # type: ignore[arg-type]
    if len(data) > MAX_DOCUMENT_BYTES:
        yield _Fault(path, f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB, too large for one trial record",
                     "too large")
        return
    text = decoder.decode(data, final=True)
    try:
        value = loads(text)
    except json.JSONDecodeError as error:
        yield _Fault(path, _json_error(error, text), "bad json")
        return
    except RecordError as error:
        yield _fault(path, error)
        return
    yield from _read_json_value(value, path, has_surrogate_escape(text))


def _read_json_lines(path: str, lines: Iterable[bytes | None], decoder: TextDecoder) -> Iterator[Trial | _Fault]:
    from trialtui.ingest.study_parts import study_parts  # msgspec: loaded when JSON Lines are read

    for number, raw in enumerate(lines, start=1):
        if raw is None:
            mb = MAX_DOCUMENT_BYTES // (1024 * 1024)
            yield _Fault(path, f"longer than {mb} MB, too large for one trial record", "too large", "line", number)
            continue
        if _blank(raw):
            continue
        text = raw if decoder.passes_as_ascii(raw) else decoder.decode(raw)
        try:
            value, escapes = study_parts(text), False  # msgspec reads no text with a lone surrogate escape
            if value is None:
                text = text.decode("ascii") if type(text) is bytes else text
                value, escapes = loads(text), has_surrogate_escape(text)
        except RecordError as error:
            yield _fault(path, error, "line", number)
            continue
        except ValueError as error:
            cut = not raw.endswith(b"\n")
            reason = "cut off before its end (file truncated?)" if cut else f"not valid JSON ({error})"
            yield _Fault(path, reason, "bad json line", "line", number)
            continue
        yield from _study(value, path, number, "line", number, escapes)
    decoder.decode(b"", final=True)


def _read_json_value(value: object, path: str, escapes: bool) -> Iterator[Trial | _Fault]:
    """A whole decoded JSON document: one study, an API page, or something else (reported)."""
    if isinstance(value, list):
        if not value:
            yield _Fault(path, "empty JSON list, no studies in it", "empty")
        for number, study in enumerate(value, start=1):
            yield from _study(study, path, None, "study", number, escapes)
    elif isinstance(value, dict) and isinstance(value.get("studies"), list):
        for number, study in enumerate(value["studies"], start=1):
            yield from _study(study, path, None, "study", number, escapes)
    elif isinstance(value, dict) and "protocolSection" in value:
        yield from _study(value, path, None, "", 0, escapes)
    elif isinstance(value, dict):
        keys = quote(", ".join(list(value)[:6])) or "none"
        yield _Fault(
            path,
            f'JSON object is not a ClinicalTrials.gov study or API page (no "protocolSection" or '
            f'"studies"; keys: {keys})',
            "not a study",
        )
    else:
        yield _Fault(path, f"JSON {type(value).__name__} is not a ClinicalTrials.gov study", "not a study")


_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def not_a_file(mode: int) -> str:
    """What a path that is neither a regular file nor a folder is, in words ("a named pipe (FIFO)")."""
    return next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")


def folder_files(folder: Path) -> Iterator[Path | _Fault]:
    """Files under a folder, recursively, in name order, hidden files and folders left out;
    folders reached through a symbolic link are read too, each folder once (so a link back up the
    tree is no endless loop)."""
    errors: list[OSError] = []
    any_file = False
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, onerror=errors.append, followlinks=True):
        try:
            info = os.stat(root)
        except OSError as error:
            errors.append(error)
            dirs[:] = []
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                any_file = True
                yield Path(root) / name
    for error in errors:
        yield _Fault(_label(error.filename or folder), f"cannot be read: {error.strerror or error}", "os")
    if not any_file and not errors:
        yield _Fault(_label(folder), "empty folder: no files to load", "empty")


def _label(path: Path | str) -> str:
    """A path as lines and provenance show it (a name that is not UTF-8 with U+FFFD)."""
    return without_surrogates(str(path))


def _missing(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop: the link leads back to itself, no file at its end"
    if error.errno == errno.ENOENT:
        return "broken symbolic link: what it points to does not exist" if path.is_symlink() else "no such file or folder"
    return f"cannot be read: {error.strerror or error}"


def _read_path(path: Path, named: bool = True) -> Iterator[Trial | _Fault]:
    """One file or folder. A named pipe, socket or device found in a folder is skipped (reading
    one can wait for ever); one named on its own is read, as the user asked (``/dev/stdin``)."""
    label = _label(path)
    try:
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            yield _Fault(label, _missing(path, error), "missing")
            return
        if stat.S_ISDIR(mode):
            for entry in folder_files(path):
                if isinstance(entry, _Fault):
                    yield entry
                else:
                    yield from _read_path(entry, named=False)
            return
        if not named and not stat.S_ISREG(mode):
            yield _Fault(label, f"{not_a_file(mode)}, not a file: skipped", "not a file")
            return
        with open(path, "rb") as stream:
            yield from _read_stream(stream, label)
    except Exception as error:  # noqa: BLE001 - the promise is that nothing escapes
        yield _fault(label, error)


def _capped(problems: Iterator[Trial | LoadProblem], path: str) -> Iterator[Trial | LoadProblem]:
    """The first `MAX_PROBLEM_LINES` problem lines of a source, then one line counting the rest."""
    shown = hidden = hidden_skipped = 0
    for item in problems:
        if isinstance(item, LoadProblem):
            if shown >= MAX_PROBLEM_LINES:
                hidden += 1
                hidden_skipped += item.skipped
                continue
            shown += 1
        yield item
    if hidden:
        yield LoadProblem(path, f"…and {hidden:,} more problem{'s' if hidden > 1 else ''} here, not listed",
                          hidden_skipped)


def iter_records(path: Path | str) -> Iterator[Trial | LoadProblem]:
    """Every trial in one source (file or folder, any format, archives and gzip included),
    streamed, with a `LoadProblem` wherever something could not be read."""
    return _capped(_merged(_read_path(Path(path))), _label(path))


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
