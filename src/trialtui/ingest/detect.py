"""Tell a source's format from its first bytes, never from its name.

Users rename downloads, strip extensions and mix formats in one folder, so only content counts.
"""

from __future__ import annotations

import re

from trialtui.ingest.page_text import looks_like_aggregator_text, looks_like_page_text
from trialtui.ingest.streams import utf16_encoding

GZIP = "gzip"
ZIP = "zip"
TAR = "tar"
JSON = "json"
XML = "xml"
TEXT = "text"
UTF16 = "utf-16"
BINARY = "binary"
EMPTY = "empty"

_BOM = b"\xef\xbb\xbf"


def sniff(head: bytes) -> str:
    """The container or syntax of a source from (at least) its first 512 bytes."""
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if head[257:262] == b"ustar":
        return TAR
    if utf16_encoding(head):
        return UTF16
    body = head.removeprefix(_BOM).lstrip()
    if not body:
        return EMPTY
    if _looks_binary(head):
        return BINARY
    if body[:1] in (b"{", b"["):
        return JSON
    if body[:1] == b"<":
        return XML
    return TEXT


def sniff_after_blanks(body: bytes) -> str:
    """The syntax of what follows a source's leading white space (`body` starts there). A
    container's signature counts only at a file's first byte, so one found here is binary."""
    kind = sniff(body)
    return BINARY if kind in (GZIP, ZIP, TAR, UTF16) else kind


_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def _looks_binary(head: bytes) -> bool:
    """Control characters other than tab/newline/CR/ESC in more than one byte in a hundred (one
    stray control byte in a JSON Lines file is one damaged line, not a binary file). Bytes that
    are not UTF-8 are no sign: Latin-1 (Windows-1252) text has them, and the readers decode it."""
    return len(_CONTROL.findall(head)) * 100 > len(head)


PAGE_TEXT = "page-text"
AGGREGATOR_TEXT = "aggregator-text"


def text_format(text: str) -> str | None:
    """Which of the two web-page text formats a document is in, if either."""
    if looks_like_page_text(text):
        return PAGE_TEXT
    if looks_like_aggregator_text(text):
        return AGGREGATOR_TEXT
    return None
