"""The `trialtui` command line (see ../shared/contracts/cli.md): the TUI's scriptable side.

Each command group lives in its own module with a ``register(subparsers)`` function that adds its
sub-commands; a sub-command's handler takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from typing import NoReturn

from trialtui.cli.common import EXIT_OK, fail
from trialtui.safe_text import terminal_text
from trialtui.store import StoreError
from trialtui.store.database import store_failure


class _Version(argparse.Action):
    """--version, read when asked (`trialtui.__version__`)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from trialtui import __version__

        print(f"trialtui {__version__}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its error line (which repeats what the user typed: a file name a glob
    expanded, say) shown with control characters as visible escapes; its sub-commands' parsers
    are of this class too (argparse makes them of the class of their parent)."""

    def error(self, message: str) -> NoReturn:
        super().error(terminal_text(message))


def build_parser() -> argparse.ArgumentParser:
    from trialtui.cli import annotate, check, fetch, records

    parser = _Parser(
        prog="trialtui",
        description="Review clinical trials in the terminal. With no command, starts the app.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")
    parser.add_argument(
        "--data", action="append", metavar="PATH", default=None,
        help="load exactly these files or folders instead of the seeds and the library (repeatable)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (records, fetch, annotate, check):
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from trialtui.cli.records import run_app

            return run_app(args)
        return args.handler(args)
    except KeyboardInterrupt:
        print("trialtui: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except StoreError as err:
        return fail(str(err))
    except sqlite3.DatabaseError as err:  # read through a connection of its own, past the store's edge
        from trialtui.paths import database_path

        return fail(store_failure(database_path(), err))
