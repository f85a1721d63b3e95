"""Commands that read trials: the app itself, list, show, thresholds, diff, search and import."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

from trialtui.catalog import Catalog, load_default, load_files
from trialtui.cli.common import (
    EXIT_OK,
    data_options,
    fail,
    print_json,
    read_small_text,
    refresh_bases,
    report_load_problems,
)
from trialtui.eligibility.criteria import split_criteria
from trialtui.eligibility.display import VERDICT_WORDS, measure_label, threshold_text
from trialtui.enum_words import display_enum, display_phases
from trialtui.safe_text import json_text, terminal_text
from trialtui.sections import trial_sections
from trialtui.store import Database, Library


def register(subparsers: argparse._SubParsersAction) -> None:
    data = data_options()

    p = subparsers.add_parser("list", parents=[data], help="one row per trial (every one the filters admit)",
                              description="List trials. The filters are the TUI's: repeating a flag means any of "
                                          "these values, different flags must all hold.")
    p.add_argument("--json", action="store_true", help="a JSON array of trials")
    p.add_argument("--csv", action="store_true",
                   help="CSV on stdout, as the TUI's list export writes it (URL, title, ..., your review)")
    p.add_argument("--query", default="", metavar="Q", help="the search box's query: every match, best first")
    p.add_argument("--status", action="append", default=[], metavar="S",
                   help="recruitment status: recruiting, not_yet_recruiting, completed... (as in fetch)")
    p.add_argument("--phase", action="append", default=[], metavar="P",
                   help="1, 2, 3, 4, 1/2, 2/3, early1 (early phase 1), na: trials of that phase only "
                        "(--phase 1 --phase 1/2 for both)")
    p.add_argument("--country", action="append", default=[], metavar="C",
                   help='has a site in C ("USA", "UK", "GB", "DEU", "Deutschland"...)')
    p.add_argument("--age", action="append", default=[], metavar="N", help="eligibility admits a person of N years")
    p.add_argument("--near", action="append", default=[], metavar="PLACE",
                   help='has a site near PLACE ("Boston", "Boston, MA", "Lyon, France", or LAT,LON); nearest first '
                        "(repeated: near any of them, each row's distance from the nearest)")
    p.add_argument("--within", default="", metavar="DIST",
                   help="how near, to every --near place: 50km (the default), 30mi...")
    registry_filters(p)
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


def registry_filters(p: argparse.ArgumentParser) -> None:
    """The registry's own filters, as ClinicalTrials.gov's search means them (`search.facts`)."""
    def repeatable(flag: str, help_text: str) -> None:
        p.add_argument(flag, action="append", default=[], metavar=flag.removeprefix("--")[0].upper(), help=help_text)

    repeatable("--type", "study type: interventional, observational, expanded_access")
    repeatable("--sex", "eligibility admits sex S: female, male (trials open to all admit both)")
    repeatable("--age-group", "the age range overlaps the registry's group: child (0-17), adult (18-64), "
                              "older_adult (65+); beside --age, which admits one exact age")
    p.add_argument("--healthy-volunteers", action="store_true", help="accepts healthy volunteers")
    repeatable("--intervention-type", "has an intervention of type I: drug, device, biological, procedure, "
                                      "radiation, behavioral, genetic, dietary_supplement, combination_product, "
                                      "diagnostic_test, other")
    repeatable("--funder", "a sponsor or collaborator (the website counts both as funders) is of type F: nih, "
                           "federal (other U.S. federal agency), industry, other (universities, individuals, "
                           "networks, other governments...)")
    results = p.add_mutually_exclusive_group()
    results.add_argument("--has-results", dest="has_results", action="store_const", const=True,
                         help="results are posted")
    results.add_argument("--no-results", dest="has_results", action="store_const", const=False,
                         help="the record says no results are posted")
    for flag, what in (("start", "start date"), ("updated", "last update")):
        for end, words in (("from", "on or after"), ("to", "on or before")):
            p.add_argument(f"--{flag}-{end}", default="", metavar="DATE",
                           help=f"{what} {words} DATE: 2020, 2020-03 or 2020-03-15 (a partial date "
                                f"includes all of its year or month)")


def _registry_values(args: argparse.Namespace) -> dict:
    """`list_filters`'s registry values from `registry_filters`' flags (unset for a command without them)."""
    given = vars(args)
    return {"study_types": given.get("type", []), "sexes": given.get("sex", []),
            "age_groups": given.get("age_group", []), "healthy_volunteers": given.get("healthy_volunteers", False),
            "intervention_types": given.get("intervention_type", []), "funder_types": given.get("funder", []),
            "has_results": given.get("has_results"), "start_from": given.get("start_from", ""),
            "start_to": given.get("start_to", ""), "updated_from": given.get("updated_from", ""),
            "updated_to": given.get("updated_to", "")}


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

    values = {"statuses": args.status, "phases": args.phase, "ages": args.age, "review": args.review,
              "tags": args.tag, "starred": args.starred, "places": args.near, "within": args.within,
              **_registry_values(args)}
    try:
        checked, _ = list_filters(**values)  # every value but the countries checked before anything is read
    except FilterError as err:
        return fail(str(err))
    for place in checked.near.places if checked.near else ():
        if place.note():
            print(terminal_text(f"trialtui: near {place.typed.strip()!r} read as {place.note()}"), file=sys.stderr)
    session = ReviewSession(getattr(args, "data", None))
    try:
        catalog = session.load(search=True)
        status = report_load_problems(catalog.problems)
        if not catalog.digests and status:
            return fail("nothing could be loaded")
        session.build_index()
        try:
            chosen, countries = list_filters(countries=args.country, known_countries=session.countries(), **values)
        except FilterError as err:
            return fail(str(err))
        for country in countries:
            if country.how != "same":
                print(terminal_text(f"trialtui: country {country.typed.strip()!r} read as {country.country}"),
                      file=sys.stderr)
        rows = session.rows(args.query, chosen.search or None, chosen.review or None, checked.near)
        return [(row.digest, row.distance_km) for row in rows], status
    finally:
        session.close()


def _has_filters(args: argparse.Namespace) -> bool:
    return bool(args.query.strip() or args.status or args.phase or _given(args.country) or args.age
                or args.review or args.tag or args.starred or _given(args.near) or args.within.strip()
                or any(value is not None if name == "has_results" else value
                       for name, value in _registry_values(args).items()))


def _given(values: list[str]) -> bool:
    """Whether a repeatable text flag holds a value (a blank one filters nothing)."""
    return any(value.strip() for value in values)


def cmd_list(args: argparse.Namespace) -> int:
    if _has_filters(args):
        found = _filtered(args)
        if isinstance(found, int):
            return found
        rows, status = found
    else:
        catalog, status = _catalog(args)
        if not catalog.digests and status:
            return fail("nothing could be loaded")
        rows = [(d, None) for d in catalog.digests]
    near = _given(args.near)
    if args.csv:
        sys.stdout.write(_list_csv([d for d, _ in rows], args))
        return status
    if args.json:
        print_json([
            {"trial_id": d.trial_id, "title": d.title, "status": d.status,
             "phase": display_phases(list(d.phases)), "conditions": list(d.conditions), "source": d.origin,
             **({"nearest_km": round(km, 2)} if near else {})}
            for d, km in rows
        ])
        return status
    if near:
        from trialtui.distances import format_distance, parse_distance

        unit = parse_distance(args.within)[1]
        print(terminal_text(f"{'ID':<16} {'Distance':>10} {'Status':<24} {'Phase':<16} Title"))
    for d, km in rows:
        phase = display_phases(list(d.phases)) or "—"
        distance = f"{format_distance(km, unit):>10} " if near else ""
        print(terminal_text(f"{d.trial_id:<16} {distance}{display_enum(d.status) or '—':<24} {phase:<16} {d.title}"))
    return status


def _list_csv(digests, args: argparse.Namespace) -> str:
    """The listed trials as the TUI exports them, with the reviewer's annotations (and, with
    --near, each trial's nearest site and its distance)."""
    from trialtui.reports import list_csv
    from trialtui.session import ReviewSession

    session = ReviewSession(getattr(args, "data", None))
    try:
        nearest = None
        if _given(args.near):
            from trialtui.list_filters import list_filters

            session.load()
            near = list_filters(places=args.near, within=args.within)[0].near
            nearest = session.nearest_sites([d.trial_id for d in digests], near)
        session.reviews = session.annotations.all()
        return list_csv(digests, {trial_id: session.review_notes(trial_id) for trial_id in session.reviews},
                        nearest=nearest)
    finally:
        session.close()


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
        data=getattr(args, "data", None), query="", status=[], phase=[], country=[], age=[], starred=False, tag=args.tag,
        review=["shortlisted"] if args.shortlist else [], near=[], within=""))
    return found if isinstance(found, int) else [digest.trial_id for digest, _ in found[0]]


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
    queries: list[str] = []
    if args.queries is not None:  # read before the trials: a file that cannot be read ends the command at once
        from trialtui.ingest.streams import MAX_DOCUMENT_BYTES  # the loader's cap (its package imports pydantic)

        try:
            queries = read_small_text(args.queries, MAX_DOCUMENT_BYTES, "file of queries").splitlines()
        except OSError as err:
            return fail(f"{args.queries}: {err.strerror or err}")
        except ValueError as err:
            return fail(f"{args.queries}: {err}")
    catalog = session.load(search=True)
    status = report_load_problems(catalog.problems)
    # The seeds and the library: the index the library keeps serves here too.
    session.build_index(say=lambda line: print(terminal_text(f"trialtui: {line}…"), file=sys.stderr))
    index = session.search_index
    if args.queries is not None:
        for query in filter(str.strip, queries):
            started = time.perf_counter()
            hits = index.search(query, limit=args.limit, highlight=())
            ms = (time.perf_counter() - started) * 1000
            found = [{"trial_id": h.trial_id, "score": round(h.score, 2)} for h in hits]
            line = {"query": query, "hits": found, "ms": round(ms, 3)}
            sys.stdout.write(json_text(line) + "\n")
        return status
    hits = index.search(args.query, limit=args.limit, highlight=())
    if len(hits) == args.limit:
        _say_how_many_more(args, len(index.matches(args.query, highlight=())))
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


def _say_how_many_more(args: argparse.Namespace, total: int) -> None:
    """On stderr, when `--limit` cut the hits: how many match in all, and how to see them."""
    if total > args.limit:
        print(terminal_text(f"trialtui: the best {args.limit:,} of {total:,} matches; --limit {total} lists them "
                            f"all, as does trialtui list --query {shlex.quote(args.query)}"), file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from trialtui.file_import import import_files

    with Database.open() as db:
        library = Library(db)
        result = import_files(args.paths, library, origin="import", keep_digests=True)
        status = report_load_problems(result.problems)
        if not result.error and (result.added or result.updated):
            refresh_bases(library, written=result.written, as_of=result.generation)
    if result.error:
        kept = f" (the {result.stored:,} trials read before it are stored)" if result.stored else ""
        return fail(result.error + kept)
    if not result.read:
        return fail("nothing could be imported")
    older = f", {result.older} older than the library's version (kept the library's)" if result.older else ""
    print(f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged{older}, {result.skipped} skipped")
    return status
