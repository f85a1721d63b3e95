"""Where an interrupted fetch stopped, so running the same fetch again carries on from there.

A checkpoint is written after each page is safely in the library, naming the page token of the
next page and the running totals. It is keyed by the query and the server (`StudyQuery.key`), so
only an identical fetch resumes, and it is written atomically (temporary file, then rename) so a
crash mid-write never leaves a checkpoint that cannot be read. A finished fetch deletes it. A
checkpoint that cannot be written stops the fetch with one line naming it (`CheckpointError`):
going on would leave pages that no later run could resume after.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from trialtui import paths
from trialtui.fetch.client import FetchError


class CheckpointError(FetchError):
    """The checkpoint folder cannot be written; the message names the file and the reason."""


@dataclass(frozen=True)
class Checkpoint:
    query: str
    """`StudyQuery.describe`, for a person looking into the folder."""
    next_page_token: str
    pages: int
    studies: int
    added: int
    updated: int
    unchanged: int
    total_count: int | None = None


def checkpoint_dir() -> Path:
    return paths.data_home() / "fetch-checkpoints"


def _path(key: str) -> Path:
    return checkpoint_dir() / f"{key}.json"


def load_checkpoint(key: str) -> Checkpoint | None:
    """The saved position of an interrupted fetch; None when there is none or it is unreadable
    (then the fetch starts over, which costs time but never duplicates: imports are by trial id)."""
    try:
        data = json.loads(_path(key).read_text(encoding="utf-8"))
        return Checkpoint(**data)
    except (OSError, ValueError, TypeError):
        return None


def save_checkpoint(key: str, checkpoint: Checkpoint) -> None:
    target = _path(key)
    partial = target.with_suffix(".json.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(asdict(checkpoint), indent=1), encoding="utf-8")
        os.replace(partial, target)
    except OSError as problem:
        raise CheckpointError(
            f"{target}: could not save where this fetch stopped ({problem.strerror or problem})"
        ) from None


def clear_checkpoint(key: str) -> None:
    """Delete a checkpoint; one that cannot be deleted is left (a later run resumes from it,
    which costs requests, never data) rather than ending a fetch that has already finished."""
    try:
        _path(key).unlink(missing_ok=True)
    except OSError:
        pass
