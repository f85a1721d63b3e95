"""Byte streams under the readers: gzip inflated with a cap, and bytes turned into text.

gzip is inflated by ISA-L (`isal`), which does it in about 40% of zlib's time, with zlib's interface.

Both note trouble instead of raising it, so every byte before the trouble still reaches the reader
(an exception inside a buffered read would drop the block it was filling, the last study with it).
"""

from __future__ import annotations

import codecs
import io
from typing import IO

from isal import isal_zlib

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Largest single document (a study, an XML or page-text record, an archive member) read: far
above any real record, far below what would strain memory."""
MAX_INFLATE_RATIO = 100
"""Past `MAX_DOCUMENT_BYTES`, gzip data may inflate to at most this many times its compressed
size. Trial JSON and XML inflate about 6 times; a decompression bomb about 1,000 times."""
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class Inflated(io.RawIOBase):
    """The inflated bytes of gzip data (every member), ending early, with `problem` set, at damage,
    at trailing bytes that are not gzip, or when it inflates past the cap (`cut`: the data ended
    before its end, so what the reader says about that end is this problem again)."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self.problem = ""
        self.cut = False
        self._source = source
        self._inflater = isal_zlib.decompressobj(31)
        self._carry = b""
        self._read_in = self._given = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        while not self._done:
            if self._inflater.eof and not self._next_member():
                break
            data = self._carry or self._inflater.unconsumed_tail or self._read_source()
            self._carry = b""
            if not data:
                self._stop("damaged gzip data: the file ends before the compressed data does (truncated?)")
                break
            try:
                out = self._inflater.decompress(data, len(buffer))
            except isal_zlib.error as error:
                self._stop(f"damaged gzip data ({error})")
                break
            if not out:
                continue
            self._given += len(out)
            if self._given > max(MAX_DOCUMENT_BYTES, MAX_INFLATE_RATIO * self._read_in):
                self._stop(
                    f"gzip data inflates to more than {MAX_INFLATE_RATIO} times its size (past "
                    f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MB): not read further (a decompression bomb?); "
                    "the records before were loaded"
                )
                break
            buffer[: len(out)] = out
            return len(out)
        return 0

    def _read_source(self) -> bytes:
        chunk = self._source.read(_CHUNK)
        self._read_in += len(chunk)
        return chunk

    def _next_member(self) -> bool:
        """After one gzip member: start the next, or end (cleanly, or at trailing garbage)."""
        rest = self._inflater.unused_data
        while True:
            rest = rest.lstrip(b"\0")  # zero padding after gzip data is allowed
            if len(rest) >= 2:
                break
            more = self._read_source()
            if not more:
                break
            rest += more
        if not rest:
            self._done = True
            return False
        if not rest.startswith(_GZIP_MAGIC):
            self._stop("trailing bytes after the gzip data are not gzip (ignored; every record before them was read)",
                       cut=False)
            return False
        self._inflater = isal_zlib.decompressobj(31)
        self._carry = rest
        return True

    def _stop(self, problem: str, cut: bool = True) -> None:
        self.problem, self.cut = problem, cut
        self._done = True


_WINDOWS_1252 = "cp1252"


class TextDecoder:
    """UTF-8 (a leading BOM dropped) chunk by chunk; from the first byte that is not UTF-8 on, the
    rest as Windows-1252 (Latin-1), which `assumed` then says in words."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._offset = 0
        self._first = True
        self.assumed = ""

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._first and data:
            self._first = False
            data = data.removeprefix(codecs.BOM_UTF8)
        if self.assumed:
            return data.decode(_WINDOWS_1252, "replace")
        pending = self._utf8.getstate()[0]
        try:
            text = self._utf8.decode(data, final)
        except UnicodeDecodeError as error:
            whole = pending + data
            at = self._offset - len(pending) + error.start
            self.assumed = (
                f"not UTF-8 (byte {at:,} is not): read as Windows-1252 (Latin-1) text from there on"
            )
            self._offset += len(data)
            return whole[: error.start].decode("utf-8") + whole[error.start :].decode(_WINDOWS_1252, "replace")
        self._offset += len(data)
        return text

    def passes_as_ascii(self, data: bytes) -> bool:
        """Whether `data` is ASCII with no bytes of an earlier chunk pending, so that its text is its
        bytes as they are; it is then counted as decoded. For a reader that takes bytes as well as
        text (msgspec): a line is not copied into a str to be read."""
        if not data.isascii() or self._utf8.getstate()[0]:
            return False
        self._first = False
        self._offset += len(data)
        return True


def decode_text(data: bytes) -> tuple[str, str]:
    """A whole document's text, and the encoding line when it was not UTF-8 ("" when it was)."""
    decoder = TextDecoder()
    text = decoder.decode(data, final=True)
    return text, decoder.assumed


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def utf16_encoding(head: bytes) -> str:
    """"utf-16" for text with a UTF-16 byte order mark, "utf-16-le"/"utf-16-be" for text written
    as UTF-16 without one (nine in ten of its characters below U+0100), else ""."""
    if head.startswith(_UTF16_BOMS):
        return "utf-16"
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 8:
        return ""
    evens, odds = sample[0::2], sample[1::2]
    if odds.count(0) * 10 >= len(odds) * 9 and evens.count(0) * 10 <= len(evens):
        return "utf-16-le"
    if evens.count(0) * 10 >= len(evens) * 9 and odds.count(0) * 10 <= len(odds):
        return "utf-16-be"
    return ""
