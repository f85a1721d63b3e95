"""The search index of the bundled seeds plus the user's library, kept on disk between runs.

Building it takes most of a minute at registry scale. A large library's index is saved beside
the database and loaded instead (seconds) while the seed files and the library are unchanged:
the app's session and `trialtui search` both come through here, so either one's build serves
the other's next start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from trialtui.digest import TrialDigest
from trialtui.paths import seeds_dir
from trialtui.search import saved
from trialtui.search.index import SearchIndex
from trialtui.store import Library

SAVE_INDEX_OVER = 20_000
"""Trials from which an index is worth saving: below this it builds in about a second."""


def library_index(digests: Sequence[TrialDigest], library: Library) -> SearchIndex:
    """The index over `digests` (the seeds and `library`): the saved one when it was built from
    these very trials, else a new one, saved for next time when the catalog is large."""
    key = _key(library) if len(digests) >= SAVE_INDEX_OVER else None
    path = index_path(library)
    if key is not None:
        index = saved.load(path, key, digests)
        if index is not None:
            return index
    index = SearchIndex.build(digests)
    if key is not None:
        with suppress(OSError):  # a cache: the next start builds again
            saved.save(index, path, key)
    return index


def index_path(library: Library) -> Path:
    return library.db.path.with_name("search-index.npz")


def _key(library: Library) -> str:
    """What a saved index must have been built from: these seed files and this library."""
    seeds = hashlib.blake2b(digest_size=16)
    for path in sorted(seeds_dir().iterdir()):
        seeds.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"seeds {seeds.hexdigest()} library {library.fingerprint()}"
