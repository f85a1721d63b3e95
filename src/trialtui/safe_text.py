"""Record text, file names and server replies made safe to print, and to write as JSON, CSV and Markdown.

Anything a record, an archive or a server hands us may hold terminal escape sequences (ESC, C1
controls: clear the screen, retitle the window, OSC 52 writes the clipboard), bidi overrides that
reorder what the reader sees, newlines that split a one-line message, or lone surrogates that
cannot be encoded at all; a spreadsheet runs a cell beginning with ``=`` as a formula; Markdown
turns text into HTML, links, headings and code. Every human-readable line the command line prints
goes through `terminal_text`, every JSON document through `json_chunks`, every CSV cell through
`csv_cell`, every piece of text in a Markdown report through `markdown_text`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_INVISIBLE_ORDER = "\u202a-\u202e\u2066-\u2069\u2028\u2029"
"""Bidi embeddings, overrides and isolates, and the Unicode line and paragraph separators."""

_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE_ORDER}\\ud800-\\udfff]")
_UNSAFE_KEEP_LINES = re.compile(f"[\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f{_INVISIBLE_ORDER}\\ud800-\\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def terminal_text(value: object, *, multiline: bool = False) -> str:
    """``value`` as text a terminal shows and never obeys: every control character, bidi control
    and lone surrogate written as a visible escape (``\\x1b``, ``\\u202e``, ``\\n``).

    With ``multiline`` the text's own line breaks stay (a section printed as several lines);
    otherwise a newline is escaped too, so one value is always one line. Applying it twice
    changes nothing, so a line built from already-safe parts can be made safe again.
    """
    text = value if isinstance(value, str) else str(value)
    if multiline:
        text = text.replace("\r\n", "\n")
        pattern = _UNSAFE_KEEP_LINES
    else:
        pattern = _UNSAFE
    return pattern.sub(_escape, text) if pattern.search(text) else text


def quoted(value: str, limit: int = 60) -> str:
    """``value`` quoted in a message, as Python writes a string (control characters escaped),
    cut to ``limit`` characters with "…": a hostile value of a million characters is named, not
    echoed whole."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


_JSON_UNSAFE = re.compile(f"[\\x7f-\\x9f{_INVISIBLE_ORDER}\\ud800-\\udfff]")
_JSON_BATCH = 4096
"""Encoder pieces escaped and handed on together: a whole library is never one string."""


def json_chunks(value: Any, *, indent: int | None = None) -> Iterator[str]:
    """``value`` as JSON, piece by piece, valid UTF-8 and safe on a terminal.

    ``json.dumps`` escapes C0 controls but, keeping non-ASCII readable, passes DEL, C1 controls,
    bidi controls and lone surrogates through raw: those are written as ``\\uXXXX`` escapes
    (they only ever occur inside JSON strings, where the escape means the same character).
    """
    pieces: list[str] = []
    for piece in json.JSONEncoder(ensure_ascii=False, indent=indent).iterencode(value):
        pieces.append(piece)
        if len(pieces) >= _JSON_BATCH:
            yield _json_escape("".join(pieces))
            pieces.clear()
    if pieces:
        yield _json_escape("".join(pieces))


def _json_escape(text: str) -> str:
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as one JSON string (see `json_chunks`)."""
    return "".join(json_chunks(value, indent=indent))


_FORMULA_STARTS = frozenset("=+-@\t\r")
"""What a spreadsheet reads as the start of a formula (or strips before one)."""


def csv_cell(value: object, *, multiline: bool = False, exact: bool = False) -> str:
    """A CSV cell a spreadsheet reads as text and a terminal shows without obeying: control
    characters, bidi controls and line breaks written as `terminal_text` writes them (one value,
    one line; with ``multiline`` its own line breaks stay, in a quoted cell), and a cell that would
    begin a formula given a leading ``'`` (OWASP's advice for CSV injection; a negative number is
    read as text too, which keeps it simple).

    ``exact`` keeps the text as it is, for a file that must read back byte for byte (the
    annotations exchange): only the ``'`` is added, also before a leading ``'`` that precedes
    such a character or another ``'``, so `csv_value` gives back exactly what was written. Its
    writer must quote cells holding a carriage return (``lineterminator="\\r\\n"``).
    """
    text = value if isinstance(value, str) else "" if value is None else str(value)
    if not exact:
        text = terminal_text(text, multiline=multiline)
    if text[:1] in _FORMULA_STARTS or (text[:1] == "'" and _quoted(text)):
        return "'" + text
    return text


def csv_value(cell: str) -> str:
    """What ``csv_cell(..., exact=True)`` was given: its leading ``'`` removed where it added one."""
    return cell[1:] if cell[:1] == "'" and _quoted(cell) else cell


def _quoted(text: str) -> bool:
    return text[1:2] in _FORMULA_STARTS or text[1:2] == "'"


_MARKDOWN_INLINE = re.compile(r"[\\`*_\[\]<|~#]|&(?=#?\w+;)")
"""Code spans and fences, emphasis ("10*9/L ... 10*9/L" would lose both stars), links and images,
HTML tags, table cells, strikethrough, closing heading marks, entities: each escaped where it stands."""
_MARKDOWN_LINE_START = re.compile(r"[>+=-]|\d{1,9}(?=[.)](?:\s|$))")
"""What makes a line a block quote, a list item, a heading underline or a rule."""


def markdown_text(value: object, *, multiline: bool = False, in_cell: bool = False) -> str:
    """``value`` as Markdown that shows exactly its text: no tag, link, code, heading, list or table
    of its own, whatever it holds, so the document around it keeps its structure.

    Without ``multiline`` the value is one line (its line breaks become spaces): a heading, a list
    item, a table cell. With it each line is escaped on its own and leading indentation dropped
    (four spaces would start a code block). ``in_cell``: a table cell, where a leading ``>``, ``-``
    or ``1.`` means nothing and stays as written. Control characters are escaped as `terminal_text` does.
    """
    text = value if isinstance(value, str) else str(value)
    if not multiline:
        text = " ".join(text.splitlines())
    lines = terminal_text(text, multiline=multiline).split("\n")
    return "\n".join(_markdown_line(line.lstrip(" "), not in_cell) for line in lines)


def _markdown_line(line: str, block_start: bool) -> str:
    line = _MARKDOWN_INLINE.sub(lambda m: "&amp;" if m.group() == "&" else "\\" + m.group(), line)
    start = _MARKDOWN_LINE_START.match(line) if block_start else None
    if start is None:
        return line
    cut = start.end() if start.group().isdigit() else 0
    return line[:cut] + "\\" + line[cut:]
