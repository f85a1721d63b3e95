"""``trialtui fetch`` and ``trialtui update``: the registry's API into the local library.

Both run their work in a background thread, as the TUI does, so Ctrl-C only sets the cancel
Event: the request under way is abandoned at once, a page being stored finishes its transaction,
the checkpoint is kept, and the same command carries on later. A second Ctrl-C quits at once (an
unfinished transaction rolls back).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from trialtui.cli.common import EXIT_OK, EXIT_SKIPPED, EXIT_USAGE, fail, print_json, refresh_bases
from trialtui.safe_text import terminal_text

EXIT_FAILED = EXIT_USAGE
"""The fetch could not finish: like "nothing could be loaded", the work was not done."""
EXIT_INTERRUPTED = 130

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fetch", help="fetch trials from ClinicalTrials.gov into the local library",
        description="Fetch every page of a ClinicalTrials.gov search into the local library. "
        "An interrupted fetch resumes when the same command is run again.",
    )
    p.add_argument("--cond", default="", metavar="C", help="condition or disease (query.cond)")
    p.add_argument("--term", default="", metavar="T", help="any words, or the API's search expressions (query.term)")
    p.add_argument("--intr", default="", metavar="I", help="intervention or treatment (query.intr)")
    p.add_argument("--locn", default="", metavar="L", help="location: city, state, country or facility (query.locn)")
    p.add_argument("--spons", default="", metavar="S", help="sponsor or collaborator (query.spons)")
    p.add_argument("--status", action="append", default=[], metavar="S",
                   help="recruitment status, e.g. recruiting, not_yet_recruiting (repeatable, or a comma list)")
    p.add_argument("--phase", action="append", default=[], metavar="P",
                   help="phase: early1, 1, 2, 3, 4 or na (repeatable, or a comma list)")
    p.add_argument("--id", action="append", default=[], dest="ids", metavar="NCT",
                   help="an NCT ID (repeatable, or a comma list)")
    p.add_argument("--restart", action="store_true",
                   help="ignore the saved position of an interrupted fetch and start from page 1")
    _network_options(p)
    p.set_defaults(handler=cmd_fetch)

    p = subparsers.add_parser(
        "update", help="re-fetch library trials, record new versions, list what changed",
        description="Re-fetch every library trial (or those named) and record a new version where "
        "the registry's last update date moved; list what changed since you last reviewed each one.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="NCT IDs of library trials (default: all)")
    p.add_argument("--json", action="store_true", help="the changes as JSON")
    _network_options(p)
    p.set_defaults(handler=cmd_update)


def _network_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="API base URL (default: $TRIALTUI_API_URL, else https://clinicaltrials.gov/api/v2)")
    p.add_argument("--max-rate", type=float, default=3.0, metavar="N",
                   help=f"at most N requests per second, {MIN_RATE:g} to {MAX_RATE:g} (default 3)")


MIN_RATE, MAX_RATE = 0.01, 1000.0
"""`--max-rate` bounds: one request every 100 s at the slowest (slower is a fetch that never
ends); a thousand a second at the fastest (what tests against a local server use)."""


def _bad_rate(args: argparse.Namespace) -> str:
    """Why `--max-rate` is refused ("" when it is in range; NaN and infinities never are)."""
    if MIN_RATE <= args.max_rate <= MAX_RATE:
        return ""
    return f"--max-rate must be a number of requests per second from {MIN_RATE:g} to {MAX_RATE:g}"


def _policy(args: argparse.Namespace):
    from trialtui.fetch.client import RetryPolicy

    return RetryPolicy(min_interval=1.0 / args.max_rate)


def _in_background(work: Callable[[threading.Event], T]) -> T:
    """Run ``work(cancel)`` in a thread; the first Ctrl-C sets ``cancel``, a second one quits.

    The wait polls a "done" Event rather than ``Thread.join``: before Python 3.13 a Ctrl-C inside
    ``join`` can make ``is_alive()`` report a running thread as finished.
    """
    cancel, done = threading.Event(), threading.Event()
    outcome: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work(cancel))
        except BaseException as error:  # re-raised in the main thread, where it is reported
            errors.append(error)
        finally:
            done.set()

    threading.Thread(target=run, name="trialtui-fetch", daemon=True).start()
    try:
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        cancel.set()
        print("\ntrialtui: stopping; every page already stored is kept (Ctrl-C again to quit now)…",
              file=sys.stderr)
        while not done.wait(0.1):
            pass
    if errors:
        raise errors[0]
    return outcome[0]


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


class _ProgressLine:
    """One line on stderr rewritten in place on a terminal; one line per page otherwise."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.shown = False

    def show(self, text: str) -> None:
        if self.live:
            sys.stderr.write("\r\x1b[2K" + terminal_text(text))
            self.shown = True
        else:
            sys.stderr.write(terminal_text(text) + "\n")
        sys.stderr.flush()

    def note(self, text: str) -> None:
        """A line that stays (a retry, a warning), the live line redrawn after it."""
        self.end()
        sys.stderr.write(terminal_text(text) + "\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False


def _fetch_progress_text(progress) -> str:
    of_total = f" of {progress.total_count:,}" if progress.total_count is not None else ""
    return (f"page {progress.pages:,} · {progress.studies:,}{of_total} studies · "
            f"{progress.added:,} added, {progress.updated:,} updated · {progress.rate:,.0f} studies/s")


def _retry_text(retrying) -> str:
    return (f"trialtui: {retrying.reason}; retrying in {retrying.delay:.1f} s "
            f"(try {retrying.attempt + 1} of {retrying.max_tries})")


def _base_url(args: argparse.Namespace) -> str:
    """The server to ask; `BaseUrlError` (a usage error, naming where the URL came from) when it
    is no http(s) URL."""
    from trialtui.fetch.client import BASE_URL_ENV, BaseUrlError, check_base_url, resolve_base_url

    try:
        return check_base_url(resolve_base_url(args.base_url))
    except BaseUrlError as error:
        source = "--base-url" if args.base_url else f"${BASE_URL_ENV}"
        raise BaseUrlError(f"{source} {error}") from None


def cmd_fetch(args: argparse.Namespace) -> int:
    from trialtui.fetch.client import BaseUrlError
    from trialtui.fetch.fetcher import fetch_to_library
    from trialtui.fetch.params import QueryError, StudyQuery
    from trialtui.store import Database, Library

    if _bad_rate(args):
        return fail(_bad_rate(args))
    try:
        query = StudyQuery.build(cond=args.cond, term=args.term, intr=args.intr, locn=args.locn,
                                 spons=args.spons, statuses=args.status, phases=args.phase,
                                 nct_ids=args.ids)
    except QueryError as error:
        return fail(str(error))
    if query.is_empty:
        return fail("fetch needs at least one of --cond, --term, --intr, --locn, --spons, --status, "
                    "--phase or --id (the registry holds over half a million studies)")
    try:
        base_url = _base_url(args)
    except BaseUrlError as error:
        return fail(str(error))
    line = _ProgressLine()

    def on_progress(progress) -> None:
        if progress.retrying:
            line.note(_retry_text(progress.retrying))
        else:
            line.show(_fetch_progress_text(progress))

    with Database.open() as db:
        if db.problem is not None:  # damaged or read-only: say so before asking the registry anything
            raise db.problem
        print(terminal_text(f"fetching {query.describe()} from {base_url}"), file=sys.stderr)
        result = _in_background(lambda cancel: fetch_to_library(
            query, Library(db), base_url=base_url, policy=_policy(args), progress=on_progress,
            cancel=cancel, restart=args.restart,
        ))
        line.end()
        if (result.added or result.updated) and not (result.cancelled or result.error):
            refresh_bases(Library(db))
    for skipped in result.skipped:
        print(terminal_text(f"trialtui: {skipped}"), file=sys.stderr)
    if result.resumed_from_page:
        print(f"resumed an interrupted fetch at page {result.resumed_from_page}", file=sys.stderr)
    if result.restarted:
        print("the saved position of an interrupted fetch had expired; started over", file=sys.stderr)
    summary = (f"{result.added:,} added, {result.updated:,} updated, {result.unchanged:,} unchanged"
               f", {len(result.skipped):,} skipped ({_count(result.studies, 'study', 'studies')}, "
               f"{_count(result.pages, 'page', 'pages')})")
    if result.cancelled and not result.pages:
        print("trialtui: fetch interrupted before the first page arrived; nothing was stored.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.cancelled:
        print(f"trialtui: fetch interrupted; {summary} so far. "
              "Run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.error:
        print(terminal_text(f"trialtui: {result.error}"), file=sys.stderr)
        if result.runaway:
            print(terminal_text(f"trialtui: kept what was stored: {summary}"), file=sys.stderr)
        elif result.pages:
            print(f"trialtui: {summary} before that. Run the same command again to resume.",
                  file=sys.stderr)
        return EXIT_FAILED
    print(summary)
    return EXIT_SKIPPED if result.skipped else EXIT_OK


def _changed_header(changed) -> str:
    return terminal_text(f"{changed.trial_id}  {changed.title}") + f"\n  {changed.heading}"


def _changed_json(changed) -> dict:
    return {
        "trial_id": changed.trial_id, "title": changed.title,
        "from_version": changed.from_version, "to_version": changed.to_version,
        "since_review": changed.since_review, "updated_now": changed.updated_now,
        "changes": changed.changes.to_json() if changed.changes is not None else None,
        **({"unreadable": changed.unreadable} if changed.unreadable else {}),
    }


def cmd_update(args: argparse.Namespace) -> int:
    from trialtui.fetch.client import BaseUrlError
    from trialtui.fetch.update import update_library
    from trialtui.store import Database, Library

    if _bad_rate(args):
        return fail(_bad_rate(args))
    try:
        base_url = _base_url(args)
    except BaseUrlError as error:
        return fail(str(error))
    line = _ProgressLine()

    def on_progress(progress) -> None:
        if progress.retrying:
            line.note(_retry_text(progress.retrying))
        else:
            line.show(f"checked {progress.checked:,} of {progress.total:,} trials · "
                      f"{progress.updated:,} updated")

    with Database.open() as db:
        if db.problem is not None:  # damaged or read-only: nothing could be stored
            raise db.problem
        library = Library(db)
        if not args.ids and library.count() == 0:
            return fail("the library is empty: add trials with `trialtui fetch` or `trialtui import`")
        result = _in_background(lambda cancel: update_library(
            library, args.ids or None, base_url=base_url, policy=_policy(args),
            progress=on_progress, cancel=cancel,
        ))
        line.end()
        if result.updated and not (result.cancelled or result.error):
            refresh_bases(library)
    problems = [f"trialtui: {i}: not in the library (add it with `trialtui fetch --id {i}`)"
                for i in result.not_in_library]
    problems += [f"trialtui: {i}: has no NCT ID, so there is nothing to re-fetch"
                 for i in result.not_registered]
    problems += [f"trialtui: {i}: not returned by {base_url}" for i in result.missing]
    problems += [f"trialtui: {skipped}" for skipped in result.skipped]
    for problem in problems:
        print(terminal_text(problem), file=sys.stderr)
    if args.ids and len(result.not_in_library) == len(args.ids):
        return EXIT_FAILED
    if args.json:
        print_json({
            "checked": result.checked, "updated": result.updated, "unchanged": result.unchanged,
            "missing": result.missing, "not_in_library": result.not_in_library,
            "changed": [_changed_json(c) for c in result.changed],
        })
    else:
        print(f"checked {_count(result.checked, 'trial', 'trials')}: {result.updated:,} updated, "
              f"{result.unchanged:,} unchanged")
        for changed in result.changed:
            print()
            print(_changed_header(changed))
            for change in changed.lines:
                print(terminal_text(f"    {change}"))
    if result.cancelled:
        print("trialtui: update interrupted; run it again to check the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.error:
        print(terminal_text(f"trialtui: {result.error}"), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_SKIPPED if problems else EXIT_OK
