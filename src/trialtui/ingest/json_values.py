"""JSON decoding that one hostile value cannot turn against its file.

Python's decoder refuses a value nested thousands deep (RecursionError) or a number of more than
4,300 digits (ValueError): both become a `RecordError` for that one study. A JSON array (a website
export, an API page) is read element by element from the stream, so memory holds one study at a
time, a study the decoder refuses is stepped over without decoding it, and a cut or broken file
still gives every study before the damage.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from pydantic_core import from_json

from trialtui.ingest.problems import SURROGATE, RecordError
from trialtui.ingest.streams import MAX_DOCUMENT_BYTES, TextDecoder

_CHUNK = 1024 * 1024
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SPACE = re.compile(r"[ \t\r\n]*")
_STRING_REST = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_PLAIN = re.compile(r'[^"\[\]{}]+')
_SCALAR = re.compile(r"[^,\]}\s]*")


def unreadable(error: Exception) -> RecordError:
    """The plain-words reason for a value the decoder refuses beyond its syntax."""
    if isinstance(error, RecursionError):
        return RecordError("nested too deep to be a study (thousands of levels)", "too deep")
    return RecordError(
        f"holds a number of more than {sys.get_int_max_str_digits():,} digits, too long to read",
        "huge number",
    )


def loads(text: str) -> object:
    """`json.loads`, with a value too deep or a number too long as a `RecordError`.

    pydantic-core's JSON reader decodes a study with about 40% fewer instructions and gives the
    same value wherever it reads one; it refuses a little more (a lone surrogate escape, nesting
    past 200 levels), so whatever it refuses goes to Python's decoder, whose value or error is the
    answer."""
    try:
        return from_json(text)
    except ValueError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        raise unreadable(error) from None


def lone_surrogates(value: object) -> int:
    """How many lone UTF-16 surrogates the strings of a decoded value hold (walked with a list,
    not recursion: the value may be nested as deep as the decoder allows)."""
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                count += len(SURROGATE.findall(item))
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def has_surrogate_escape(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether raw JSON text holds a ``\\uD800``-``\\uDFFF`` escape (the only way a lone surrogate
    gets into decoded JSON), a quick test before walking the value."""
    return _SURROGATE_ESCAPE.search(text, start, len(text) if end is None else end) is not None


@dataclass(frozen=True)
class Broken:
    """The array cannot be read on from here: why, in words (the studies before were read)."""

    reason: str
    kind: str = "bad json"


@dataclass(frozen=True)
class Element:
    number: int
    value: object
    """The decoded element, or the `RecordError` saying why it could not be decoded."""
    escapes: bool
    """Its raw text holds a surrogate escape (see `has_surrogate_escape`)."""


class _Incomplete(Exception):
    """The stream ended inside a value."""


class _TooLarge(Exception):
    """One value runs on past `MAX_DOCUMENT_BYTES`."""


class _ArrayText:
    """The decoded text of a stream, read on demand; `buf` holds from the current study on."""

    def __init__(self, stream: IO[bytes], decoder: TextDecoder) -> None:
        self.stream, self.decoder = stream, decoder
        self.buf = ""
        self.eof = False

    def fill(self, size: int = _CHUNK) -> bool:
        if self.eof:
            return False
        data = self.stream.read(size)
        if not data:
            self.eof = True
            self.buf += self.decoder.decode(b"", final=True)
            return False
        self.buf += self.decoder.decode(data)
        return True

    def grow(self, start: int) -> bool:
        """Read more for the value begun at `start` (twice what is held, so the decoder rescans it
        a bounded number of times); False at the end of the stream."""
        held = len(self.buf) - start
        if held > MAX_DOCUMENT_BYTES:
            raise _TooLarge
        return self.fill(max(_CHUNK, held))

    def drop_before(self, pos: int) -> int:
        if pos > _CHUNK and pos * 2 > len(self.buf):
            self.buf = self.buf[pos:]
            return 0
        return pos

    def space(self, pos: int) -> int:
        """The first position from `pos` on that is not white space (what was skipped is dropped,
        so a file of endless white space never fills memory)."""
        while True:
            pos = _SPACE.match(self.buf, pos).end()  # type: ignore[union-attr]
            if pos < len(self.buf):
                return pos
            self.buf, pos = "", 0
            if not self.fill():
                return pos

    def char(self, pos: int) -> str:
        return self.buf[pos] if pos < len(self.buf) else ""


_DECODER = json.JSONDecoder()


def _decode(text: _ArrayText, pos: int) -> tuple[object, int]:
    while True:
        try:
            value, end = _DECODER.raw_decode(text.buf, pos)
        except json.JSONDecodeError as error:
            # a value cut by the end of what is read so far fails at (or near) that end
            near_end = error.pos >= len(text.buf) - 16 or error.msg.startswith("Unterminated string")
            if near_end and text.grow(pos):
                continue
            if near_end:
                raise _Incomplete from None
            raise
        except (RecursionError, ValueError) as error:
            raise unreadable(error) from None
        if end == len(text.buf) and text.grow(pos):
            continue  # a number may go on in the next chunk
        return value, end


def _skip(text: _ArrayText, pos: int) -> int:
    """The end of the value at `pos`, found without decoding it."""
    depth, i = 0, pos
    while True:
        if i >= len(text.buf):
            if not text.grow(pos):
                raise _Incomplete
            continue
        c = text.buf[i]
        if c == '"':
            match = _STRING_REST.match(text.buf, i + 1)
            if match is None:
                if not text.grow(pos):
                    raise _Incomplete
                continue
            i = match.end()
            if depth == 0:
                return i
        elif c in "[{":
            depth, i = depth + 1, i + 1
        elif c in "]}":
            depth, i = depth - 1, i + 1
            if depth <= 0:
                return i
        elif depth == 0:
            end = _SCALAR.match(text.buf, i).end()  # type: ignore[union-attr]
            if end == len(text.buf) and text.grow(pos):
                continue
            return end
        else:
            i = _PLAIN.match(text.buf, i).end()  # type: ignore[union-attr]


def array_elements(stream: IO[bytes], decoder: TextDecoder, start: re.Pattern[str]) -> Iterator[Element | Broken]:
    """The elements of the array whose opening `start` matches (``[`` of an export, or the
    ``{"studies": [`` of an API page), one at a time, then a `Broken` if it could not be read to
    its closing bracket."""
    text = _ArrayText(stream, decoder)
    text.fill()
    opening = start.match(text.buf)
    if opening is None:
        yield Broken("not valid JSON: no list of studies where one was expected")
        return
    pos = text.space(opening.end())
    if text.char(pos) == "]":
        yield Broken("empty JSON list, no studies in it", "empty")
        return
    number = 0
    while True:
        number += 1
        pos = text.drop_before(pos)
        try:
            try:
                value, end = _decode(text, pos)
                yield Element(number, value, has_surrogate_escape(text.buf, pos, end))
            except RecordError as error:
                end = _skip(text, pos)
                yield Element(number, error, False)
        except _Incomplete:
            yield Broken(f"the file ends in the middle of study {number} (truncated?); the studies before it were loaded")
            return
        except _TooLarge:
            mb = MAX_DOCUMENT_BYTES // (1024 * 1024)
            yield Broken(f"study {number} runs on past {mb} MB: not a study, the rest of the file was not read",
                         "too large")
            return
        except json.JSONDecodeError as error:
            yield Broken(f"not valid JSON in study {number}: {error.msg}; the studies before it were loaded")
            return
        pos = text.space(end)
        following = text.char(pos)
        if following == ",":
            pos = text.space(pos + 1)
        elif following == "]":
            return
        elif not following:
            yield Broken(f"the file ends after study {number} (truncated?); the studies before it were loaded")
            return
        else:
            yield Broken(f"not valid JSON after study {number}: the list is broken; the studies before it were loaded")
            return
