"""What a path holds before it is imported: its files, their sizes, and the format each is read as.

The app's import dialog shows this under the path, so a reviewer sees what Enter will read. It
stays cheap whatever the path: the first bytes of at most `MAX_LISTED` files are read (the format
is sniffed from content, as loading does), a folder is counted up to `MAX_COUNTED` files, and
`stop` (a newer path typed) ends the walk early. Named pipes, sockets and devices are never
opened: reading one can wait for ever.
"""

from __future__ import annotations

import codecs
import os
import stat
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trialtui.ingest import detect
from trialtui.ingest.loader import folder_files, not_a_file
from trialtui.ingest.problems import without_surrogates
from trialtui.ingest.streams import decode_text

MAX_LISTED = 200
"""Files whose format is shown; the rest of a folder is only counted."""
MAX_COUNTED = 100_000
"""Files counted (with their sizes) in a folder before the count says "more than"."""
_HEAD = 1024

FORMAT_WORDS = {
    detect.GZIP: "gzip",
    detect.ZIP: "zip archive",
    detect.TAR: "tar archive",
    detect.JSON: "JSON",
    detect.XML: "XML",
    detect.TEXT: "text",
    detect.UTF16: "UTF-16 text",
    detect.BINARY: "binary data: not a trial record, not read",
    detect.EMPTY: "empty: nothing to read",
}


@dataclass(frozen=True)
class PreviewEntry:
    name: str
    """The file's path below the folder named (its own name for a file named on its own)."""
    size: int | None
    what: str
    """Its format in words, or why it will not be read."""


@dataclass
class PathPreview:
    """What `preview_path` found; `problem` set when the path itself cannot be imported."""

    entries: list[PreviewEntry] = field(default_factory=list)
    files: int = 0
    total_bytes: int = 0
    more: bool = False
    """Counting stopped at `MAX_COUNTED` files."""
    folder: bool = False
    problem: str | None = None


def expand(typed: str) -> Path:
    """The path a user typed: ``~`` is their home, spaces around it are not part of it."""
    return Path(os.path.expanduser(typed.strip()))


def file_format(path: Path) -> str:
    """The format a regular file will be read as, from its first bytes (inside a gzip too)."""
    with open(path, "rb") as stream:
        head = stream.read(64 * 1024)
    kind = detect.sniff(head[:_HEAD])
    body = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if kind == detect.EMPTY and body:
        kind = detect.sniff_after_blanks(body[:_HEAD])
    if kind == detect.TEXT:
        page = detect.text_format(decode_text(head)[0].replace("\r\n", "\n"))
        return "saved trial page (text)" if page else "text, not a trial page: not read"
    if kind != detect.GZIP:
        return FORMAT_WORDS[kind]
    try:
        inner = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(head, _HEAD)
    except zlib.error:
        return "gzip, damaged: the loader will say where"
    inner_kind = detect.sniff(inner)
    return "gzip" if inner_kind == detect.EMPTY else f"gzip of {FORMAT_WORDS[inner_kind]}"


def _entry(path: Path, name: str) -> PreviewEntry:
    try:
        info = os.stat(path)
    except OSError as error:
        return PreviewEntry(name, None, f"cannot be read: {error.strerror or error}")
    if not stat.S_ISREG(info.st_mode):
        return PreviewEntry(name, None, f"{not_a_file(info.st_mode)}: skipped")
    try:
        return PreviewEntry(name, info.st_size, file_format(path))
    except OSError as error:
        return PreviewEntry(name, info.st_size, f"cannot be read: {error.strerror or error}")


def preview_path(typed: str, stop: Callable[[], bool] = lambda: False) -> PathPreview:
    """What importing the path `typed` would read."""
    path = expand(typed)
    preview = PathPreview()
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        preview.problem = "no such file or folder" if isinstance(error, FileNotFoundError) else \
            f"cannot be read: {error.strerror or error}"
        return preview
    if not stat.S_ISDIR(mode):
        if not stat.S_ISREG(mode):
            preview.problem = f"{not_a_file(mode)}: the app imports files and folders only"
            return preview
        entry = _entry(path, without_surrogates(path.name))
        preview.entries.append(entry)
        preview.files, preview.total_bytes = 1, entry.size or 0
        if entry.what.startswith("cannot be read"):
            preview.problem = entry.what
        return preview
    preview.folder = True
    if not os.access(path, os.R_OK | os.X_OK):
        preview.problem = "cannot be read: Permission denied"
        return preview
    for found in folder_files(path):
        if stop():
            break
        if not isinstance(found, Path):  # a folder that cannot be read, or an empty one
            preview.entries.append(PreviewEntry(_below(Path(found.path), path), None, found.reason))
            continue
        if preview.files >= MAX_COUNTED:
            preview.more = True
            break
        preview.files += 1
        name = _below(found, path)
        if len(preview.entries) < MAX_LISTED:
            entry = _entry(found, name)
            preview.entries.append(entry)
            preview.total_bytes += entry.size or 0
        else:
            try:
                preview.total_bytes += os.stat(found).st_size
            except OSError:
                pass
    return preview


def _below(found: Path, folder: Path) -> str:
    try:
        name = str(found.relative_to(folder))
    except ValueError:
        name = str(found)
    return "" if name == "." else without_surrogates(name)


def size_words(size: int | None) -> str:
    """A file size as people read it: 812 B, 14.2 KB, 3.1 MB, 1.0 GB ("" when unknown)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size:,} B"
    scaled, unit = size / 1024, "KB"
    for bigger in ("MB", "GB"):
        if scaled < 1024:
            break
        scaled, unit = scaled / 1024, bigger
    return f"{scaled:,.1f} {unit}"


def complete_path(typed: str) -> str | None:
    """`typed` completed by the file system, as a shell's Tab would: the longest part every name it
    could be shares, or the first such name when they share no more; a folder ends with ``/``.
    The answer starts with `typed` itself (``~`` stays ``~``); None when nothing completes it.
    Hidden names are offered only once a ``.`` is typed."""
    if not typed or typed.endswith(("/.", "/..")):
        return None
    if typed == "~":
        return "~/"
    folder, _, start = typed.rpartition("/")
    where = expand(folder + "/") if "/" in typed else Path(".")
    try:
        with os.scandir(where) as listing:
            names = sorted((entry.name, _is_folder(entry)) for entry in listing
                           if entry.name.startswith(start) and (start.startswith(".") or not entry.name.startswith(".")))
    except OSError:
        return None
    if not names:
        return None
    shared = os.path.commonprefix([name for name, _ in names])
    if len(names) == 1:
        name, is_folder = names[0]
        return typed + name[len(start):] + ("/" if is_folder else "")
    if len(shared) > len(start):
        return typed + shared[len(start):]
    name, is_folder = names[0]
    return typed + name[len(start):] + ("/" if is_folder else "")


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
