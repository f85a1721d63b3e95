"""Commands that read trials: the app itself, list, show, thresholds, diff, search and import."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from trialtui.catalog import Catalog, load_default, load_files
from trialtui.cli.common import EXIT_OK, data_options, fail, print_json, report_load_problems
from trialtui.eligibility.criteria import split_criteria
from trialtui.eligibility.display import VERDICT_WORDS, measure_label, threshold_text
from trialtui.models import display_enum, display_phases
from trialtui.safe_text import json_text, terminal_text
from trialtui.sections import trial_sections
from trialtui.store import Database, Library


def register(subparsers: argparse._SubParsersAction) -> None:
    data = data_options()

    p = subparsers.add_parser("list", parents=[data], help="one row per trial (every one the filters admit)",
                              description="List trials. The filters are the TUI's: repeating a flag means any of "
                                          "these values, different flags must all hold.")
    p.add_argument("--json", action="store_true", help="a JSON array of trials")
    p.add_argument("--query", default="", metavar="Q", help="the search box's query: every match, best first")
    p.add_argument("--status", action="append", default=[], metavar="S",
                   help="recruitment status: recruiting, not_yet_recruiting, completed... (as in fetch)")
    p.add_argument("--phase", action="append", default=[], metavar="P",
                   help="1, 2, 3, 4 (any trial including that phase), 1/2, 2/3 (those combined phases), "
                        "early1 (early phase 1, not included in 1), na")
    p.add_argument("--country", default="", metavar="C", help='has a site in C ("USA", "UK", "Deutschland"...)')
    p.add_argument("--age", metavar="N", help="eligibility admits a person of N years")
    p.add_argument("--review", action="append", default=[], metavar="S",
                   help="your review status: unreviewed, shortlisted, excluded, contacted, enrolled")
    p.add_argument("--tag", action="append", default=[], metavar="T", help="has your tag T")
    p.add_argument("--starred", action="store_true", help="starred by you")
    p.set_defaults(handler=cmd_list)

    p = subparsers.add_parser("show", parents=[data], help="one trial, section by section")
    p.add_argument("trial_id", metavar="ID")
    p.add_argument("--json", action="store_true", help="the full normalized record")
    p.set_defaults(handler=cmd_show)

    p = subparsers.add_parser("thresholds", parents=[data], help="the numeric eligibility thresholds of trials")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: every trial loaded)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_thresholds)

    p = subparsers.add_parser("diff", parents=[data], help="trials' eligibility thresholds side by side (2 to 20)",
                              description="Two trials: which is stricter, measure by measure. Three to 20: one "
                                          "column each, the strictest (▲) and loosest (▼) marked per measure.")
    p.add_argument("trial_ids", nargs="*", metavar="ID")
    p.add_argument("--tag", action="append", default=[], metavar="T",
                   help="instead of IDs: the trials with your tag T (as `list --tag T`)")
    p.add_argument("--shortlist", action="store_true",
                   help="instead of IDs: the trials you shortlisted (as `list --review shortlisted`)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--format", choices=("markdown", "csv"), help="the matrix as a Markdown table or CSV")
    p.set_defaults(handler=cmd_diff)

    p = subparsers.add_parser("search", parents=[data], help="fuzzy search by drug, site, condition, sponsor or id")
    p.add_argument("query", nargs="?", metavar="QUERY")
    p.add_argument("--queries", type=Path, metavar="FILE", help="one query a line; prints one JSON line per query")
    p.add_argument("--json", action="store_true")
    p.add_argument("--limit", type=int, default=20, metavar="N")
    p.set_defaults(handler=cmd_search)

    p = subparsers.add_parser("import", help="add trials to the local library")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=cmd_import)


def _catalog(args: argparse.Namespace, library: Library | None = None) -> tuple[Catalog, int]:
    """Load what the command works on; report skipped inputs; the exit status they imply."""
    data = getattr(args, "data", None)
    catalog = load_files(data) if data else load_default(library or Library(Database.open()))
    return catalog, report_load_problems(catalog.problems)


def run_app(args: argparse.Namespace) -> int:
    from trialtui.tui.app import build_app

    build_app(data=args.data).run()
    return EXIT_OK


def _filtered(args: argparse.Namespace) -> tuple[list, int] | int:
    """The trials `list`'s filters admit, in the TUI's order, and the exit status their loading
    implies; or a usage error's exit status. The TUI's own session does the work."""
    from trialtui.list_filters import FilterError, list_filters
    from trialtui.session import ReviewSession

    values = {"statuses": args.status, "phases": args.phase, "age": args.age, "review": args.review,
              "tags": args.tag, "starred": args.starred}
    try:
        list_filters(**values)  # every value but the country checked before anything is read
    except FilterError as err:
        return fail(str(err))
    session = ReviewSession(getattr(args, "data", None))
    try:
        catalog = session.load(search=True)
        status = report_load_problems(catalog.problems)
        if not catalog.digests and status:
            return fail("nothing could be loaded")
        session.build_index()
        try:
            chosen, country = list_filters(country=args.country, countries=session.countries(), **values)
        except FilterError as err:
            return fail(str(err))
        if country and country.how != "same":
            print(terminal_text(f"trialtui: country {country.typed.strip()!r} read as {country.country}"),
                  file=sys.stderr)
        rows = session.rows(args.query, chosen.search or None, chosen.review or None)
        return [row.digest for row in rows], status
    finally:
        session.close()


def _has_filters(args: argparse.Namespace) -> bool:
    return bool(args.query.strip() or args.status or args.phase or args.country.strip() or args.age is not None
                or args.review or args.tag or args.starred)


def cmd_list(args: argparse.Namespace) -> int:
    if _has_filters(args):
        found = _filtered(args)
        if isinstance(found, int):
            return found
        digests, status = found
    else:
        catalog, status = _catalog(args)
        if not catalog.digests and status:
            return fail("nothing could be loaded")
        digests = catalog.digests
    if args.json:
        print_json([
            {"trial_id": d.trial_id, "title": d.title, "status": d.status,
             "phase": display_phases(list(d.phases)), "conditions": list(d.conditions), "source": d.origin}
            for d in digests
        ])
        return status
    for d in digests:
        phase = display_phases(list(d.phases)) or "—"
        print(terminal_text(f"{d.trial_id:<16} {display_enum(d.status) or '—':<24} {phase:<16} {d.title}"))
    return status


def _one_trial(catalog: Catalog, text: str):
    trial_id = catalog.resolve(text)
    return None if trial_id is None else catalog.trial(trial_id)


def cmd_show(args: argparse.Namespace) -> int:
    catalog, status = _catalog(args)
    trial = _one_trial(catalog, args.trial_id)
    if trial is None:
        return fail(f"{args.trial_id}: no such trial (try `trialtui list`)")
    if args.json:
        record = trial.model_dump(mode="json")
        items = split_criteria(trial.eligibility.criteria)  # the criteria as the reader splits them
        record["eligibility"]["items"] = [item.model_dump(mode="json") for item in items]
        print_json(record)
        return status
    print(terminal_text(trial.title))
    for section in trial_sections(trial):
        print(f"\n== {terminal_text(section.title)} ==\n{terminal_text(section.text(), multiline=True)}")
    return status


def cmd_thresholds(args: argparse.Namespace) -> int:
    from trialtui.eligibility.extract import extract_thresholds

    if args.paths:
        catalog = load_files(args.paths)
        status = report_load_problems(catalog.problems)
    else:
        catalog, status = _catalog(args)
    if not catalog.digests:
        return fail("nothing could be loaded")
    report = [
        {"trial_id": trial.trial_id, "thresholds": [t.to_json() for t in extract_thresholds(trial)]}
        for trial in catalog.trials()
    ]
    if args.json:
        print_json(report)
        return status
    for entry in report:
        print(terminal_text(entry["trial_id"]))
        for t in entry["thresholds"]:
            group = f"  (any one of group {t['group']})" if t.get("group") else ""
            print(terminal_text(f"  {measure_label(t['measure'])} {threshold_text(t)}{group}"))
    return status


def cmd_diff(args: argparse.Namespace) -> int:
    from trialtui.eligibility.diff import diff_json, diff_thresholds
    from trialtui.eligibility.extract import extract_thresholds
    from trialtui.eligibility.matrix import MAX_TRIALS

    if args.json and args.format:
        return fail("--json and --format are two different outputs: give one")
    if args.tag or args.shortlist:
        if args.trial_ids:
            return fail("give trial IDs or --tag/--shortlist, not both")
        chosen = _annotated(args)
        if isinstance(chosen, int):
            return chosen
        if not 2 <= len(chosen) <= MAX_TRIALS:
            return fail(f"diff compares 2 to {MAX_TRIALS} trials; {_selection(args)} holds {len(chosen)}")
        args.trial_ids = chosen
    if not 2 <= len(args.trial_ids) <= MAX_TRIALS:
        return fail(f"diff compares 2 to {MAX_TRIALS} trials, not {len(args.trial_ids)}")
    catalog, status = _catalog(args)
    trials = []
    for text in args.trial_ids:
        trial = _one_trial(catalog, text)
        if trial is None:
            return fail(f"{text}: no such trial (try `trialtui list`)")
        if any(t.trial_id == trial.trial_id for t in trials):
            return fail(f"{text}: named twice")
        trials.append(trial)
    if len(trials) > 2 or args.format:
        return _print_matrix(args, trials, {t.trial_id: extract_thresholds(t) for t in trials}, status)
    a, b = trials
    rows = diff_thresholds(extract_thresholds(a), extract_thresholds(b))
    result = diff_json(a.trial_id, b.trial_id, rows)
    if args.json:
        print_json(result)
        return status
    print(terminal_text(f"A = {a.trial_id}  {a.title}"))
    print(terminal_text(f"B = {b.trial_id}  {b.title}") + "\n")
    print(f"{'measure':<20} {'A':<30} {'B':<30} verdict")
    for row in result["rows"]:
        left = "; ".join(threshold_text(t) for t in row["a"]) or "—"
        right = "; ".join(threshold_text(t) for t in row["b"]) or "—"
        print(terminal_text(f"{measure_label(row['measure']):<20} {left:<30} {right:<30} {VERDICT_WORDS[row['verdict']]}"))
    return status


def _annotated(args: argparse.Namespace) -> list[str] | int:
    """The ids of the trials `diff --tag`/`--shortlist` names, as `list` with those filters lists
    them; or a usage error's exit status."""
    found = _filtered(argparse.Namespace(
        data=getattr(args, "data", None), query="", status=[], phase=[], country="", age=None, starred=False, tag=args.tag,
        review=["shortlisted"] if args.shortlist else []))
    return found if isinstance(found, int) else [digest.trial_id for digest in found[0]]


def _selection(args: argparse.Namespace) -> str:
    """ "the shortlist with tag 'x'" and the like: what --tag/--shortlist chose, for a usage error."""
    tags = " or ".join(repr(tag) for tag in args.tag)
    if args.shortlist:
        return "the shortlist" + (f" with tag {tags}" if tags else "")
    return f"tag {tags}"


def _print_matrix(args: argparse.Namespace, trials: list, thresholds: dict[str, list], status: int) -> int:
    """Three or more trials (or any number with --format): the threshold matrix."""
    from trialtui.eligibility.matrix import threshold_matrix
    from trialtui.reports import matrix_csv, matrix_report

    matrix = threshold_matrix(thresholds)
    if args.json:
        print_json(matrix.to_json())
    elif args.format == "markdown":
        sys.stdout.write(matrix_report(matrix, {t.trial_id: t.title for t in trials}))
    elif args.format == "csv":
        sys.stdout.write(matrix_csv(matrix))
    else:
        for trial in trials:
            print(terminal_text(f"{trial.trial_id}  {trial.title}"))
        width = 26
        print()
        print(terminal_text(f"{'measure':<20} " + " ".join(f"  {t.trial_id:<{width - 2}}" for t in trials)
                            + f" {'spread':<{width}} stated by"))
        for row in matrix.rows:
            cells = [f"{row.mark(t.trial_id) or ' '} {row.cell_text(t.trial_id)}" for t in trials]
            stated = row.presence() or "all"
            ranked = "" if row.comparable else ", not comparable"
            print(terminal_text(f"{measure_label(row.measure):<20} " + " ".join(f"{c:<{width}}" for c in cells)
                                + f" {row.spread or '—':<{width}} {stated}{ranked}"))
        print("\n▲ strictest  ▼ loosest (by the two-trial diff's rules)")
    return status


def cmd_search(args: argparse.Namespace) -> int:
    from trialtui.session import ReviewSession

    if args.query is None and args.queries is None:
        return fail("search needs a QUERY or --queries FILE")
    if args.limit < 1:
        return fail("--limit must be at least 1")
    session = ReviewSession(args.data)
    try:
        return _search(args, session)
    finally:
        session.keep_index()  # an index built whole is kept in the library for the next start
        session.close()


def _search(args: argparse.Namespace, session) -> int:
    catalog = session.load(search=True)
    status = report_load_problems(catalog.problems)
    # The seeds and the library: the index the library keeps serves here too.
    session.build_index(say=lambda line: print(terminal_text(f"trialtui: {line}…"), file=sys.stderr))
    index = session.search_index
    if args.queries is not None:
        try:
            queries = args.queries.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            return fail(f"{args.queries}: {err.strerror or err}")
        for query in filter(str.strip, queries):
            started = time.perf_counter()
            hits = index.search(query, limit=args.limit, highlight=())
            ms = (time.perf_counter() - started) * 1000
            found = [{"trial_id": h.trial_id, "score": round(h.score, 2)} for h in hits]
            line = {"query": query, "hits": found, "ms": round(ms, 3)}
            sys.stdout.write(json_text(line) + "\n")
        return status
    hits = index.search(args.query, limit=args.limit, highlight=())
    if args.json:
        print_json([{"trial_id": h.trial_id, "score": round(h.score, 2), "matched": list(h.matched)} for h in hits])
        return status
    for h in hits:
        digest = catalog.digest(h.trial_id)
        title = digest.title if digest else ""
        print(terminal_text(f"{h.score:5.1f}  {h.trial_id:<16} {title}  ({', '.join(h.matched)})"))
    if not hits:
        print("no trials match", file=sys.stderr)
    return status


def cmd_import(args: argparse.Namespace) -> int:
    from trialtui.ingest import load_paths
    from trialtui.library_index import refresh_base

    result = load_paths(args.paths)
    status = report_load_problems(result.problems)
    if not result.trials:
        return fail("nothing could be imported")
    with Database.open() as db:
        library = Library(db)
        report = library.import_trials(result.trials, origin="import")
        if report.added or report.updated:
            refresh_base(library, say=lambda line: print(f"trialtui: {line}…", file=sys.stderr))
    older = f", {report.older} older than the library's version (kept the library's)" if report.older else ""
    skipped = sum(p.skipped for p in result.problems)
    print(f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged{older}, {skipped} skipped")
    return status
