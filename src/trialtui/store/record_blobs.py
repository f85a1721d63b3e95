"""A full record as the library stores it: its JSON compressed with Zstandard, which on CT.gov JSON
compresses about three times faster than zlib's fastest level into smaller blobs, and inflates
faster too. Records stored zlib-compressed (by earlier versions of trialtui) read as before: a blob
says which it is by its first bytes."""

from __future__ import annotations

import sys
import threading
import zlib

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

_LEVEL = 1
"""Zstandard's fastest standard level: still smaller than zlib's default level on CT.gov JSON."""
_MAGIC = b"\x28\xb5\x2f\xfd"
"""How every Zstandard frame begins; a zlib stream begins with 0x78 (or 0x08-0x68 for small windows)."""
_local = threading.local()


def pack_record(data: bytes) -> bytes:
    """`data` (a record's JSON) compressed as one Zstandard frame. The compressor is kept per thread:
    making one per record costs more than compressing a small record."""
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstd.ZstdCompressor(level=_LEVEL)
    return compressor.compress(data, zstd.ZstdCompressor.FLUSH_FRAME)


def unpack_record(blob: bytes) -> bytes:
    """A stored record's JSON; ValueError when the blob is damaged."""
    try:
        return zstd.decompress(blob) if blob[:4] == _MAGIC else zlib.decompress(blob)
    except (zstd.ZstdError, zlib.error, EOFError) as error:
        raise ValueError(f"damaged record: {error}") from error
