"""What every command shares: the ``--data`` option, reporting skipped inputs, JSON output.

Whatever a command prints may carry record text, file names or server replies: the lines here
go through `terminal_text` and JSON through `json_text` (see trialtui.safe_text).
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialtui.safe_text import json_chunks, terminal_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from trialtui.digest import TrialDigest
    from trialtui.ingest import LoadProblem
    from trialtui.store import Library

EXIT_OK, EXIT_SKIPPED, EXIT_USAGE = 0, 1, 2
"""Everything loaded; some inputs skipped (each reported); a usage error or nothing loaded."""


def data_options() -> argparse.ArgumentParser:
    """A parent parser so ``--data`` works after the command name too."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--data", action="append", metavar="PATH", default=argparse.SUPPRESS,
        help="load exactly these files or folders instead of the seeds and the library (repeatable)",
    )
    return parent


def report_problems(lines: Iterable[str]) -> int:
    """Print each skipped input as one ``trialtui: PATH: reason`` line; return how many."""
    count = 0
    for line in lines:
        print(terminal_text(line), file=sys.stderr)
        count += 1
    return count


def report_load_problems(problems: Iterable[LoadProblem]) -> int:
    """Print each loading problem as its one line; the exit status they imply: a record or source
    skipped is EXIT_SKIPPED, a note on one that loaded (a repaired character) is not."""
    report_problems(p.line() for p in problems)
    return EXIT_SKIPPED if any(p.skipped for p in problems) else EXIT_OK


def print_json(value: Any) -> None:
    sys.stdout.writelines(json_chunks(value, indent=2))
    sys.stdout.write("\n")


def fail(message: str) -> int:
    """A usage error or nothing to work on: one line on stderr, exit status 2."""
    print(terminal_text(f"trialtui: {message}"), file=sys.stderr)
    return EXIT_USAGE


def refresh_bases(library: Library, written: Mapping[str, TrialDigest] | None = None, as_of: int = 0) -> None:
    """After a command that stored trials and ended well: the library's stored search index made
    or merged when due (`library_index.refresh_base`, given what the import wrote when it kept it)
    and its base of the check's numbers (`patient_verdicts.make_base`); else the next start, or
    the next check, does it (its problem line stays the one)."""
    from trialtui.library_index import refresh_base
    from trialtui.patient_verdicts import make_base

    refresh_base(library, say=lambda line: print(f"trialtui: {line}…", file=sys.stderr), written=written, as_of=as_of)
    make_base(library.db)


def read_small_text(path: Path, limit: int, what: str) -> str:
    """The UTF-8 text of an input that is small by nature (a patient file), read with a cap:
    raises OSError when it cannot be opened, ValueError naming why it is not read (a device or
    socket, where a read may never end; more than `limit` bytes; not UTF-8). A named pipe is read,
    as the trial loader reads one named on its own (``--patient /dev/stdin``), up to the cap."""
    from trialtui.ingest.loader import not_a_file  # the loader's words for what a path is

    mode = os.stat(path).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise ValueError(f"{'a folder' if stat.S_ISDIR(mode) else not_a_file(mode)}, not a {what}")
    with open(path, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // (1024 * 1024)} MB, too large for a {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start + 1:,}), not a {what}") from None
