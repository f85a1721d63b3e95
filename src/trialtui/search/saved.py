"""A built search index saved to one file and loaded back in seconds instead of rebuilt.

Building the index over ~570,000 trials takes about a minute; its arrays load from disk in a
second or two. The file holds the index's arrays as they are in memory (numpy's ``.npz``,
uncompressed), the vocabulary as one UTF-8 text, and a key saying which trials it indexes:
`load` returns None unless the key and the trial ids match exactly, and the caller rebuilds.
The file is a cache, never user data: written to a temporary name and renamed into place, so a
crash leaves the old file or none, never half of one.
"""

from __future__ import annotations

import json
import os
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np

from trialtui.digest import TrialDigest
from trialtui.search.index import SearchIndex
from trialtui.search.postings import FieldPostings
from trialtui.search.ranking import FIELDS
from trialtui.search.vocab import Vocabulary

FORMAT = 3
"""Bumped whenever the index's layout or tokenising changes: older files are then ignored."""


_FACTS = ("facts", "interventions", "started", "updated")
"""The per-trial arrays the registry's filters read (`facts`)."""


def _text(values: Sequence[str]) -> np.ndarray:
    return np.frombuffer("\n".join(values).encode(), np.uint8)


def _strings(blob: np.ndarray) -> list[str]:
    return blob.tobytes().decode().split("\n") if len(blob) else []


def save(index: SearchIndex, path: Path, key: str) -> bool:
    """Write `index` to `path` under `key`; False (nothing written) if trials were added or
    removed since it was built, which only a rebuild folds into the arrays."""
    if any(postings.has_overlay() for postings in index._fields):
        return False
    vocab = index._vocab
    arrays: dict[str, np.ndarray] = {}
    for number, postings in enumerate(index._fields):
        for name, values in postings.arrays().items():
            arrays[f"field{number}_{name}"] = values
    piece_lengths = sorted(vocab._by_piece)
    countries = sorted(index._by_country)
    arrays.update(
        ids=_text([digest.trial_id if digest is not None else "" for digest in index._digests]),
        alive=np.frombuffer(bytes(index._alive), np.uint8),
        status=np.frombuffer(index._status.tobytes(), np.uint8),
        phases=np.frombuffer(index._phases.tobytes(), np.uint8),
        min_age=np.frombuffer(index._min_age.tobytes(), np.float32),
        max_age=np.frombuffer(index._max_age.tobytes(), np.float32),
        **{name: np.frombuffer(getattr(index, f"_{name}"), getattr(index, f"_{name}").typecode) for name in _FACTS},
        country_names=_text(countries),
        country_starts=np.cumsum([0, *(len(index._by_country[c]) for c in countries)]),
        country_docs=np.concatenate([np.frombuffer(index._by_country[c].tobytes(), np.uint32)
                                     for c in countries] or [np.zeros(0, np.uint32)]),
        terms=_text(vocab.terms),
        frequency=np.frombuffer(vocab.frequency.tobytes(), np.uint32),
        alphabetical=vocab.alphabetical(),
        piece_lengths=np.asarray(piece_lengths, np.int64),
        piece_sizes=np.asarray([len(vocab._by_piece[length][0]) for length in piece_lengths], np.int64),
        pieces=np.concatenate([np.frombuffer(order.tobytes(), np.uint32)
                               for length in piece_lengths for order in vocab._by_piece[length]]
                              or [np.zeros(0, np.uint32)]),
        meta=np.frombuffer(json.dumps({"format": FORMAT, "key": key, "fields": FIELDS,
                                       "status_codes": index._status_codes}).encode(), np.uint8),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial_path = path.with_name(path.name + ".partial")
    with open(partial_path, "wb") as out:
        np.savez(out, **arrays)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial_path, path)
    return True


def load(path: Path, key: str, digests: Sequence[TrialDigest]) -> SearchIndex | None:
    """The index saved at `path` over `digests`, or None if there is none, it is unreadable,
    or it was saved for other trials (another key, other ids, another layout)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}
        meta = json.loads(arrays["meta"].tobytes())
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # missing, cut short, foreign
        return None
    if meta.get("format") != FORMAT or meta.get("key") != key or tuple(meta.get("fields", ())) != FIELDS:
        return None
    ids = _strings(arrays["ids"])
    alive = arrays["alive"]
    if len(ids) != len(digests) or any(
            wanted and wanted != digest.trial_id for wanted, digest in zip(ids, digests, strict=True)):
        return None
    index = SearchIndex()
    index._digests = [digest if alive[doc] else None for doc, digest in enumerate(digests)]
    index._doc_of = {trial_id: doc for doc, trial_id in enumerate(ids) if alive[doc]}
    index._alive = bytearray(alive.tobytes())
    index._status = array("B", arrays["status"].tobytes())
    index._status_codes = meta["status_codes"]
    index._phases = array("B", arrays["phases"].tobytes())
    index._min_age = array("f", arrays["min_age"].tobytes())
    index._max_age = array("f", arrays["max_age"].tobytes())
    for name in _FACTS:
        setattr(index, f"_{name}", array(getattr(index, f"_{name}").typecode, arrays[name].tobytes()))
    starts = arrays["country_starts"].tolist()
    index._by_country = defaultdict(partial(array, "I"), {
        name: array("I", arrays["country_docs"][starts[i]:starts[i + 1]].tobytes())
        for i, name in enumerate(_strings(arrays["country_names"]))})
    index._fields = [FieldPostings.from_arrays({name: arrays[f"field{number}_{name}"]
                                                for name in FieldPostings.ARRAYS})
                     for number in range(len(FIELDS))]
    lengths, sizes = arrays["piece_lengths"].tolist(), arrays["piece_sizes"].tolist()
    pieces, at, by_piece = arrays["pieces"], 0, {}
    for length, size in zip(lengths, sizes, strict=True):
        by_piece[length] = tuple(array("I", pieces[at + k * size:at + (k + 1) * size].tobytes()) for k in range(3))
        at += 3 * size
    index._vocab = vocab = Vocabulary.restore(_strings(arrays["terms"]), array("I", arrays["frequency"].tobytes()),
                                      arrays["alphabetical"], by_piece)
    vocab.positions()  # here, not at the first query
    return index
