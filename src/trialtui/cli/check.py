"""`trialtui check --patient FILE [--json] [ID...]`: the TUI's patient check from the command line.

The patient file is read by the same function as the TUI's form (`patient_check.read_profile`) and
every trial is checked by the same session code, so the verdicts are the ones the TUI shows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from trialtui.cli.common import (
    EXIT_OK,
    EXIT_SKIPPED,
    data_options,
    fail,
    print_json,
    read_small_text,
    report_load_problems,
)
from trialtui.safe_text import terminal_text
from trialtui.session import ReviewSession
from trialtui.store import StoreError

MAX_PATIENT_FILE_BYTES = 1024 * 1024
"""A patient file is a few lines of JSON: one over a megabyte is not one."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("check", parents=[data_options()],
                              help="check every listed trial (or the named ones) against a patient")
    p.add_argument("--patient", required=True, type=Path, metavar="FILE",
                   help='JSON: {"age", "sex", "conditions": [..], "healthy", "values": {measure: value}}')
    p.add_argument("--json", action="store_true", help="a JSON array of {trial_id, verdict, condition, reasons}")
    p.add_argument("trial_ids", nargs="*", metavar="ID")
    p.set_defaults(handler=cmd_check)


def rederive_stale(session: ReviewSession) -> None:
    """Derive again, saying so on stderr, the library trials whose derived data an older trialtui
    made (or none yet), so the check reads them as stored; a library that cannot be written is
    checked on its records instead (the same verdicts, slower)."""
    try:
        stale = session.stale_derived()
        if not stale:
            return
        live = sys.stderr.isatty()
        print(f"trialtui: re-deriving thresholds for {len(stale):,} trials…", file=sys.stderr,
              end="" if live else "\n", flush=True)

        def progress(done: int, total: int) -> None:
            if live:
                print(f"\rtrialtui: re-deriving thresholds for {total:,} trials… {done:,}", file=sys.stderr,
                      end="", flush=True)

        session.derived.rederive(stale, progress)
        if live:
            print(file=sys.stderr)
    except StoreError as error:
        print(f"trialtui: {terminal_text(str(error))}", file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    from trialtui.patient_check import PatientEntry  # the extractor's vocabulary: only for a check

    name = str(args.patient)
    try:
        content = read_small_text(args.patient, MAX_PATIENT_FILE_BYTES, "patient file")
    except OSError as err:
        return fail(f"{name}: cannot read the patient file ({err.strerror or err})")
    except ValueError as err:
        return fail(f"{name}: {err}")
    try:
        data = json.loads(content)
    except RecursionError:
        return fail(f"{name}: nested too deeply to be a patient file")
    except ValueError as err:  # not JSON, or a number of thousands of digits
        return fail(f"{name}: cannot read the patient file ({err})")
    try:
        entry, problems = PatientEntry.from_patient_file(data)
    except ValueError as err:  # a list, a text, a number: nothing in it describes a patient
        return fail(f"{name}: {err}")
    session = ReviewSession(data=getattr(args, "data", None))
    try:
        catalog = session.load()
        problems += session.set_patient(entry)
        for problem in problems:
            print(f"trialtui: {terminal_text(str(args.patient))}: {terminal_text(problem)}", file=sys.stderr)
        skipped = len(problems) + (report_load_problems(catalog.problems) == EXIT_SKIPPED)
        if not catalog.digests:
            return fail("nothing could be loaded")
        ids = []
        for text in args.trial_ids:
            trial_id = catalog.resolve(text)
            if trial_id is None:
                return fail(f"{terminal_text(text)}: no such trial (try `trialtui list`)")
            ids.append(trial_id)
        rederive_stale(session)
        ids = ids or [d.trial_id for d in catalog.digests]
        session.check_patient(ids, reasons=True)  # every row prints its reasons
        rows = [(trial_id, fit) for trial_id in ids if (fit := session.known_fit(trial_id)) is not None]
    finally:
        session.close()
    if args.json:
        print_json([fit.to_json(trial_id) for trial_id, fit in rows])
    else:
        for trial_id, fit in rows:
            reasons = "; ".join(r.text for r in fit.reasons) or "—"
            print(f"{trial_id:<16} {fit.overall:<8} {'condition ' + fit.condition:<19} {terminal_text(reasons)}")
        counts = [fit.overall for _, fit in rows]
        print(f"fits {counts.count('fits'):,}, fails {counts.count('fails'):,}, "
              f"unknown {counts.count('unknown'):,} of {len(rows):,} trials")
    return EXIT_SKIPPED if skipped else EXIT_OK
