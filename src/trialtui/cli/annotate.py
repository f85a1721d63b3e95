"""``trialtui annotate`` and ``trialtui annotations export|import``: review work from scripts.

Each edit is committed (synchronously, to disk) before the command exits 0, and goes through the
same per-field merge as the app, so a script annotating while the app is open loses nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trialtui.cli.common import EXIT_OK, EXIT_SKIPPED, fail, read_small_text
from trialtui.safe_text import quoted, terminal_text
from trialtui.store import STATUSES, Annotations, Database, StoreError, TrialAnnotation
from trialtui.store.annotations import ID_FORMS, storable_text, typed_id, unknown_id


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("annotate", help="note, tag, set the status of, or star a trial")
    p.add_argument("trial_id", metavar="ID")
    p.add_argument("--note", metavar="TEXT", help="replace the trial's note")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="add a tag (repeatable)")
    p.add_argument("--untag", action="append", default=[], metavar="TAG", help="remove a tag (repeatable)")
    p.add_argument("--status", metavar="STATUS", help=f"one of {', '.join(STATUSES)}")
    p.add_argument("--reason", metavar="TEXT", help="why (with --status, e.g. why excluded)")
    star = p.add_mutually_exclusive_group()
    star.add_argument("--star", dest="star", action="store_true", default=None)
    star.add_argument("--no-star", dest="star", action="store_false")
    p.set_defaults(handler=cmd_annotate)

    group = subparsers.add_parser("annotations", help="export or merge every annotation")
    group.set_defaults(handler=lambda args: fail("annotations: say export or import"))
    actions = group.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("export", help="every annotation, to stdout")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(handler=cmd_export)
    p = actions.add_parser("import", help="merge an export in, reporting conflicts")
    p.add_argument("file", type=Path, metavar="FILE")
    p.set_defaults(handler=cmd_import)


def cmd_annotate(args: argparse.Namespace) -> int:
    if args.note is None and not args.tag and not args.untag and args.status is None and args.star is None:
        return fail("annotate: nothing to record (give --note, --tag, --untag, --status or --star)")
    if args.status is not None and args.status not in STATUSES:
        return fail(f"annotate: unknown status {args.status!r} (one of {', '.join(STATUSES)})")
    if args.reason is not None and args.status is None:
        return fail("annotate: --reason goes with --status")
    try:
        with Database.open() as db:
            with db.reading() as conn:
                trial_id = typed_id(conn, storable_text(args.trial_id, "the id"))
                refused = unknown_id(conn, trial_id)
            if refused:
                return fail(f"annotate: {quoted(args.trial_id, 80)} is not a trial id: {ID_FORMS},"
                            " and no trial in the library has this one")
            notes = Annotations(db)
            notes.apply(trial_id, note=args.note, add_tags=args.tag, remove_tags=args.untag,
                        status=args.status, reason=args.reason or "", star=args.star)
            print(terminal_text(describe(notes.get(trial_id))))
    except (ValueError, StoreError) as error:
        return fail(f"annotate: {error}")
    return EXIT_OK


def describe(annotation: TrialAnnotation) -> str:
    """One line: ``NCT01234567: excluded (ECOG 2), starred, tags: breast, her2``."""
    parts = [annotation.status + (f" ({annotation.reason})" if annotation.reason else "")]
    if annotation.star:
        parts.append("starred")
    if annotation.tags:
        parts.append("tags: " + ", ".join(annotation.tags))
    if annotation.note:
        first_line = annotation.note.splitlines()[0]
        parts.append(f"note: {first_line}" + (" …" if "\n" in annotation.note.strip() else ""))
    return f"{annotation.trial_id}: " + ", ".join(parts)


def cmd_export(args: argparse.Namespace) -> int:
    try:
        with Database.open() as db:
            notes = Annotations(db)
            text = notes.export_csv() if args.format == "csv" else notes.export_json()
            damage = db.problem if db.damaged else None
    except StoreError as error:
        return fail(f"annotations export: {error}")
    if sys.stdout.isatty():  # the file itself stays exact; a terminal is shown it, never obeys it
        text = terminal_text(text, multiline=True)
    sys.stdout.write(text)
    if damage is not None:  # what still reads is exported; the user must know the rest may not
        print(f"trialtui: {damage}", file=sys.stderr)
        return EXIT_SKIPPED
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from trialtui.ingest.streams import MAX_DOCUMENT_BYTES
    from trialtui.store.exchange import read_records  # pydantic: only for an import

    try:
        records, problems = read_records(read_small_text(args.file, MAX_DOCUMENT_BYTES, "file of annotations"))
    except OSError as error:
        return fail(f"{args.file}: {error.strerror or error}")
    except ValueError as error:  # not read (a device, too large, not UTF-8), or not an export
        return fail(f"{args.file}: {error}")
    try:
        with Database.open() as db:
            report = Annotations(db).import_records(records)
    except StoreError as error:
        return fail(f"annotations import: {error}")
    for problem in [*problems, *report.skipped]:
        print(terminal_text(f"trialtui: {args.file}: {problem}"), file=sys.stderr)
    skipped = len(problems) + len(report.skipped)
    print(terminal_text(f"{args.file}: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
          f"{len(report.conflicts)} conflict{'' if len(report.conflicts) == 1 else 's'}"
          + (f", {skipped} skipped" if skipped else "")))
    for conflict in report.conflicts:
        print(terminal_text(f"conflict: {conflict.describe()}"))
    return EXIT_SKIPPED if skipped else EXIT_OK
