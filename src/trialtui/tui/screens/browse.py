"""The main screen: search box and trial list on the left, the selected trial's sections on the right.

It owns the browse flow: loading the session in a worker, running searches off the UI thread,
and showing the highlighted trial. Widgets post messages up; this screen decides what they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static
from textual.worker import get_current_worker

from trialtui.catalog import Catalog
from trialtui.review import review_rank
from trialtui.sections import counted
from trialtui.session import ResultRows
from trialtui.store import StoreError
from trialtui.tui.app import ChangedElsewhere
from trialtui.tui.commands import TrialJumpProvider
from trialtui.tui.screens.review_actions import REVIEW_BINDINGS, ReviewActions, review_badges, review_line
from trialtui.tui.text import plain
from trialtui.tui.widgets.trial_detail import TrialDetail
from trialtui.tui.widgets.trial_list import COLUMNS, ListRow, TrialList

if TYPE_CHECKING:
    from trialtui.tui.dialogs.filter_dialog import ListFilters  # imports the search index: not before the list shows

FIELD_WORDS = {
    "title": "title", "official_title": "official title", "ids": "ids", "drugs": "drug names",
    "drug_text": "arm and drug descriptions", "conditions": "conditions", "keywords": "keywords",
    "sponsors": "sponsors", "facilities": "sites", "cities": "cities", "states": "states",
    "countries": "countries",
}
"""Digest field names as the detail view says them ("Matched in drug names, sites")."""


class BrowseScreen(ReviewActions, Screen):
    """Find a trial, read it, and annotate it."""

    COMMANDS = {TrialJumpProvider}

    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="browse.search"),
        Binding("escape", "leave_search", "List", show=False, id="browse.list"),
        Binding("f", "filters", "Filters", id="browse.filters"),
        Binding("g", "fetch", "Get from registry", id="browse.fetch"),
        Binding("ctrl+o", "import_files", "Import files", id="browse.import"),
        Binding("w", "changes", "What changed", id="browse.changes"),
        Binding("p", "patient", "Patient check", id="browse.patient"),
        Binding("m", "mark", "Mark", id="browse.mark"),
        Binding("c", "compare", "Compare", id="browse.compare"),
        Binding("M", "matrix", "Matrix", show=False, id="browse.matrix"),
        *REVIEW_BINDINGS,
        Binding("right_square_bracket", "section(1)", "Next section", id="browse.next_section"),
        Binding("left_square_bracket", "section(-1)", "Previous section", show=False, id="browse.prev_section"),
    ]

    @dataclass
    class LoadProgress(Message):
        stage: str
        count: int

    @dataclass
    class FirstRows(Message):
        """The first trials of a long list, in list order, while the rest is read."""

        catalog: Catalog
        total: int

    @dataclass
    class Loaded(Message):
        catalog: Catalog
        keep: str | None = None
        """A trial to put the cursor on once the list is shown."""

    class IndexReady(Message):
        """The search index is built: queries typed while it was building can run now."""

    @dataclass
    class IndexNote(Message):
        """Why the search index is being built whole (the status line says so meanwhile)."""

        line: str

    @dataclass
    class LoadFailed(Message):
        reason: str

    @dataclass
    class FitsComputed(Message):
        """The patient check ran over this batch of trials: redraw their badges."""

        trial_ids: list[str]
        done: bool
        run: int
        """Which check it belongs to: a list changed meanwhile starts a new one."""

    @dataclass
    class Rederived(Message):
        """Progress of deriving again the library's data an older trialtui made."""

        done: int
        total: int
        finished: bool = False

    @dataclass
    class Results(Message):
        """A query's rows: first with only the best ranked (the count exact), then all."""

        query: str
        rows: ResultRows

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="browse"):
            with Vertical(id="list-pane"):
                yield Input(placeholder="Search drug, site, condition, sponsor, id…  (/)", id="search")
                yield Static(id="filters", markup=False)
                yield TrialList(id="trials")
                yield Static("Loading trials…", id="list-status", markup=False)
            yield TrialDetail(id="detail")
        yield Footer()

    filters: ListFilters | None = None
    """Registry filters (status, phase, country, patient age) and review filters beside the query."""

    NARROW = 120
    """Below this many columns the record goes under the list instead of beside it."""

    FIRST_ROWS = 1000
    """How many trials of a long list show while the rest is read: many screenfuls, read in
    milliseconds (a 570,000-trial library takes a second or more to read whole)."""

    _reading: int | None = None
    """While only the first rows are listed: how many trials the whole list holds."""

    _status_awaits_index = False
    """The status line says the search index is being built (and should stop saying so)."""

    _index_note = ""
    """Why the index is being built whole, when it is (`IndexNote`)."""

    _list_line = ""
    _patient_line = ""
    """The status line's two parts: what is listed, and how the patient fits the listed trials."""

    _derive_line = ""
    """While the library's derived data is made again: how far it is."""

    _fit_run = 0

    _detail_shown = False
    """A record has been shown in the detail (the first waits for the list to be drawn)."""
    """The latest patient check over the list; batches of an older one are only drawn."""

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < self.NARROW, "-narrow")

    def on_mount(self) -> None:
        self.query_one("#filters", Static).display = False
        self.query_one(TrialDetail).show_nothing("Loading…")
        self.query_one(TrialList).focus()
        # after the first frame: reading the trials on a worker would compete with drawing it
        self.call_after_refresh(self._load, first_rows=self.FIRST_ROWS)

    # loading -------------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def _load(self, keep: str | None = None, first_rows: int = 0) -> None:
        """Read the trials; with `first_rows` (an empty list), a long list's first rows are shown
        before the rest is read."""
        session = self.app.session
        first = (lambda catalog, total: self.post_message(self.FirstRows(catalog, total))) if first_rows else None
        try:
            catalog = session.load(progress=lambda stage, n: self.post_message(self.LoadProgress(stage, n)),
                                   first=first, first_rows=first_rows, search=True)
        except Exception as err:  # noqa: BLE001 - one line for the user, never a traceback
            self.post_message(self.LoadFailed(f"{type(err).__name__}: {err}"))
            return
        self.post_message(self.Loaded(catalog, keep))

    @work(thread=True, exclusive=True, group="index")
    def _build_index(self) -> None:
        """Started once the list is on screen, so making the index never delays it. A library's
        index built whole (no stored one, or one of an older trialtui) is then kept in it."""
        session = self.app.session
        session.build_index(say=lambda line: self.post_message(self.IndexNote(line)))
        self.post_message(self.IndexReady())
        session.keep_index()

    @work(thread=True, exclusive=True, group="load")
    def _take_changes(self, keep: str | None = None) -> None:
        """After a fetch or an update: the trials it wrote put in the list and the index in place."""
        session = self.app.session
        session.take_library_changes()
        self.post_message(self.Loaded(session.catalog, keep))
        session.keep_index()  # a new base once many trials were applied on top of the stored one

    def on_browse_screen_load_progress(self, message: LoadProgress) -> None:
        self._status(f"Loading trials: {message.stage} {message.count:,}…")

    def on_browse_screen_load_failed(self, message: LoadFailed) -> None:
        self._status(f"Could not load trials: {message.reason}")
        self.query_one(TrialDetail).show_nothing("No trials loaded.")

    def on_browse_screen_first_rows(self, message: FirstRows) -> None:
        """Show the first rows; a query typed meanwhile waits for the index like any other."""
        self._reading = message.total
        query = self.query_one("#search", Input).value
        self._show_rows(self._listing(query), query=query)

    def on_browse_screen_loaded(self, message: Loaded) -> None:
        for problem in message.catalog.problems:
            self.notify(problem.line(), severity="warning", timeout=8, markup=False)
        query = self.query_one("#search", Input).value
        had_first_rows, self._reading = self._reading is not None, None
        # The whole list replaces its first rows under the reader: same cursor, no detail redraw.
        self._show_rows(self._listing(query), query=query, announce=not had_first_rows)
        if message.keep:
            self.jump_to_trial(message.keep)
        self.call_after_refresh(self._build_index)

    @work(thread=True, exclusive=True, group="derive")
    def _rederive(self) -> None:
        """Derive again, in the background, what an older trialtui derived from the library's
        trials (the patient check meanwhile reads those trials' records: the same verdicts)."""
        worker = get_current_worker()
        session = self.app.session
        stale = session.stale_derived()
        if not stale:
            return
        self.post_message(self.Rederived(0, len(stale)))
        try:
            done = session.derived.rederive(stale, lambda n, total: self.post_message(self.Rederived(n, total)),
                                            stop=lambda: worker.is_cancelled)
        except StoreError as error:
            self.post_message(self.LoadFailed(str(error)))
            return
        self.post_message(self.Rederived(done, len(stale), finished=True))

    def on_browse_screen_rederived(self, message: Rederived) -> None:
        if message.finished:
            self._derive_line = ""
            self.notify(f"Thresholds derived again for {counted(message.done, 'trial')}.", timeout=4)
        else:
            if not message.done:
                self.notify(f"Deriving thresholds again for {counted(message.total, 'trial')} "
                            "(stored by an older trialtui)…", timeout=6)
            self._derive_line = f" · deriving thresholds {message.done:,} of {message.total:,}…"
        self.query_one("#list-status", Static).update(self._list_line + self._patient_line + self._derive_line)

    def on_browse_screen_index_note(self, message: IndexNote) -> None:
        self._index_note = message.line
        if self._status_awaits_index:
            self._status(f"{len(self.app.session.catalog):,} trials ({message.line}…)", awaits_index=True)

    def on_browse_screen_index_ready(self) -> None:
        self._rederive()  # once search works: looking for stale rows reads every trial's row meanwhile
        query = self.query_one("#search", Input).value
        if query.strip() or self.filters:
            self._search(query)
        elif self._status_awaits_index:
            self._status(f"{len(self.app.session.catalog):,} trials")

    # searching -----------------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#search")
    def _query_submitted(self) -> None:
        self.query_one(TrialList).focus()

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str) -> None:
        """The best rows at once, then the whole ranked list; a newer search (which cancels this
        worker) stops this one wherever it is."""
        worker = get_current_worker()

        def superseded() -> bool:
            return worker.is_cancelled

        rows = self._listing(query, stop=superseded)
        if superseded():  # the index gave up, or is done but a newer query's rows are coming
            return
        self.post_message(self.Results(query, rows))
        if rows is not None and not rows.complete and rows.finish(stop=superseded):
            self.post_message(self.Results(query, rows))

    def on_browse_screen_results(self, message: Results) -> None:
        if message.query == self.query_one("#search", Input).value:
            self._show_rows(message.rows, message.query, announce=message.rows is not self._rows)

    _rows: ResultRows | None = None
    """The rows listed (None: every trial), ranked or still being ranked past the best."""

    def _listing(self, query: str, stop=None) -> ResultRows | None:
        """The search results, or None for "every trial" (no query, no filter): at registry
        scale that is the catalog's own list, shown without a result row per trial. With `stop`
        (a search worker's), also None when it stopped the search."""
        if not query.strip() and not self.filters:
            return None
        return self.app.session.rows(query, *self._filter_parts(), stop=stop)

    def _show_rows(self, rows: ResultRows | None, query: str, announce: bool = True) -> None:
        """List `rows` (None: every trial): while only the best are ranked, those, with End and
        sorting held until the rest arrive; the status line counts every match."""
        session = self.app.session
        trials = self.query_one(TrialList)
        keep = trials.current.digest.trial_id if trials.current else None
        self._rows = rows
        if rows is None:
            digests, spans = session.catalog.digests, {}
        else:
            digests = rows.digests()
            spans = {r.digest.trial_id: r.title_spans for r in rows.head if r.title_spans}
        # Only trials with badges or highlights get a line of their own; the rest are drawn plain.
        badged = set(spans) | set(session.marked) | set(session.reviews) | session.changed | session.fitted()
        decorated = {tid: self._row(d, spans.get(tid, ())) for tid in badged
                     if (d := session.catalog.digest(tid)) is not None}
        near = self.filters.near if self.filters else None
        trials.set_distances(rows.distances() if near and rows is not None else None, near.unit if near else "km")
        trials.set_rows(digests, decorated, keep=keep, plain_rank=review_rank(None),
                        complete=self._reading is None and (rows is None or rows.complete), announce=announce,
                        spans=rows.title_spans if rows is not None else None)
        total = self._reading or len(session.catalog)
        searching = bool(query.strip() or self.filters)
        if self._reading is not None:
            self._status(f"Loading {total:,} trials: the search runs once they are indexed…" if searching
                         else f"Loading {total:,} trials…")
        elif searching and not session.searchable:
            self._status(f"Indexing {total:,} trials: the search runs as soon as it is ready…")
        elif searching:
            what = f" “{query.strip()}”" if query.strip() else " the filters"
            self._status(f"{len(rows):,} of {total:,} trials match{what}")
        elif not session.searchable:
            self._status(f"{total:,} trials ({self._index_note or 'indexing them for search'}…)", awaits_index=True)
        else:
            self._status(f"{total:,} trials")
        if not digests:
            nothing = "No trial matches." if query.strip() or self.filters else "No trials loaded."
            self.query_one(TrialDetail).show_nothing(nothing)
        if session.patient is not None:
            self._check_patient()

    def _status(self, text: str, awaits_index: bool = False) -> None:
        self._list_line = text
        self.query_one("#list-status", Static).update(text + self._patient_line + self._derive_line)
        self._status_awaits_index = awaits_index

    def _patient_status(self, text: str) -> None:
        self._patient_line = f" · {text}" if text else ""
        self.query_one("#list-status", Static).update(self._list_line + self._patient_line + self._derive_line)

    def _waits_for_list(self, what: str) -> bool:
        """Say so and return True while only the first rows of the list are in."""
        if self._reading is None:
            return False
        self.notify(f"{what} works once all {self._reading:,} trials are read (still loading).",
                    severity="warning", timeout=4)
        return True

    def on_trial_list_not_all_listed(self, message: TrialList.NotAllListed) -> None:
        """Refused while the library is read (it may take a while); past a query's best rows the
        rest follow in moments, and the list does it then."""
        if self._waits_for_list(message.action):
            self.query_one(TrialList).drop_waiting()

    def on_trial_list_sort_changed(self, message: TrialList.SortChanged) -> None:
        if message.name:
            direction = "descending ▼" if message.reverse else "ascending ▲"
            self.notify(f"Sorted by {message.name}, {direction}", timeout=3)
        elif self._rows is not None:
            self.notify("Sorted by relevance (best match first)", timeout=3)
        else:
            self.notify("Back to the list's own order", timeout=3)

    # showing a trial -----------------------------------------------------------------------------

    def on_trial_list_highlighted(self, message: TrialList.Highlighted) -> None:
        if not self._detail_shown:
            # The list's first rows are drawn before the first record is: its thresholds import the extractor.
            self._detail_shown = True
            self.call_after_refresh(self._show_current)
            return
        self.show_trial(message.trial_id)

    def _show_current(self) -> None:
        current = self.query_one(TrialList).current
        if current is not None:
            self.show_trial(current.digest.trial_id)

    def on_trial_list_selected(self, message: TrialList.Selected) -> None:
        self.query_one("#section-body").focus()

    def show_trial(self, trial_id: str) -> None:
        session = self.app.session
        trial = session.trial(trial_id)
        detail = self.query_one(TrialDetail)
        if trial is None:
            detail.show_nothing(f"{trial_id}: the record could not be read.")
            return
        near = self.filters.near if self.filters else None
        detail.show(f"{trial.trial_id}  {trial.title}", session.sections(trial_id, near), session.thresholds(trial_id),
                    session.threshold_sources(trial_id), annotation=self._annotation_line(trial_id),
                    patient=session.patient_results(trial_id), marks=session.marks(trial_id))

    # actions -------------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_mark(self) -> None:
        """Mark (or unmark) the highlighted trial for comparison."""
        current = self.query_one(TrialList).current
        if current is None:
            return
        before = set(self.app.session.marked)
        after = self.app.session.toggle_mark(current.digest.trial_id)
        changed = before ^ set(after)
        self._refresh_rows(changed)
        if len(after) == 2:
            self.notify(f"Marked {after[0]} and {after[1]}: press c to compare", timeout=3, markup=False)
        elif len(after) > 2:
            self.notify(f"{len(after)} trials marked: M shows them side by side, c compares the last two", timeout=3)

    def action_compare(self) -> None:
        """Compare the two marked trials, or the marked one with the highlighted one."""
        session = self.app.session
        current = self.query_one(TrialList).current
        pair = list(session.marked)[-2:]
        if len(pair) == 1 and current and current.digest.trial_id not in pair:
            pair.append(current.digest.trial_id)
        if len(pair) != 2:
            self.notify("Mark two trials with m (or one, then move to another) to compare them.", severity="warning")
            return
        self.compare(*pair)

    def compare(self, a_id: str, b_id: str) -> None:
        from trialtui.tui.screens.compare import CompareScreen

        session = self.app.session
        fits = (session.fit(a_id), session.fit(b_id))  # first: the comparison then uses the thresholds they checked
        comparison = session.compare(a_id, b_id)
        if comparison is None:
            self.notify(f"Could not read {a_id} or {b_id}.", severity="error", markup=False)
            return
        self.app.push_screen(CompareScreen(comparison, fits,
                                           (session.review_notes(a_id), session.review_notes(b_id))))

    def action_matrix(self) -> None:
        """The marked trials' thresholds side by side, a column each; with none marked, the listed
        trials when the list holds 2 to 20 (a tag's trials, the shortlist)."""
        from trialtui.eligibility.matrix import MAX_TRIALS, threshold_matrix
        from trialtui.tui.screens.matrix import MatrixScreen

        session = self.app.session
        listed = self.query_one(TrialList)
        taken = 2 <= len(listed.digests) <= MAX_TRIALS and listed.complete and not session.marked
        chosen = session.marked or ([d.trial_id for d in listed.digests] if taken else [])
        marked = [trial_id for trial_id in chosen if session.trial(trial_id) is not None]
        if len(marked) < 2:
            if session.marked:
                self.notify("One trial marked: mark one more with m (up to 20) to see them side by side.",
                            severity="warning")
            else:
                held = f"holds {len(listed.digests):,} trials" if listed.complete else "is still being read"
                self.notify(f"The list {held}: mark 2 to {MAX_TRIALS} trials with m, or filter the list down to "
                            f"2 to {MAX_TRIALS} (by a tag, or review status shortlisted) to see them side by side.",
                            severity="warning")
            return
        fits = {trial_id: session.fit(trial_id) for trial_id in marked}  # first: the matrix then holds the lists they checked
        thresholds = {trial_id: session.thresholds(trial_id) for trial_id in marked}
        sources = {id(t): source for trial_id in marked
                   for t, source in zip(thresholds[trial_id], session.threshold_sources(trial_id), strict=True)}
        titles = {trial_id: session.trial(trial_id).title for trial_id in marked}
        self.app.push_screen(MatrixScreen(threshold_matrix(thresholds), titles, sources, fits))

    def compare_with_current(self, other_id: str) -> None:
        current = self.query_one(TrialList).current
        if current is None or current.digest.trial_id == other_id:
            self.notify("Highlight a different trial first, then pick the one to compare it with.", severity="warning")
            return
        self.compare(current.digest.trial_id, other_id)

    def action_filters(self) -> None:
        from trialtui.tui.dialogs.filter_dialog import CLEAR, FilterDialog

        def chosen(result) -> None:
            if result is None:
                return
            self._set_filters(None if result == CLEAR else result)
            self._search(self.query_one("#search", Input).value)

        session = self.app.session
        self.app.push_screen(FilterDialog(self.filters, session.annotations.all_tags(), session.countries()), chosen)

    def _filter_parts(self) -> tuple:
        return (self.filters.search, self.filters.review, self.filters.near) if self.filters else (None, None, None)

    def _set_filters(self, filters: ListFilters | None) -> None:
        from trialtui.tui.dialogs.filter_dialog import describe_filters

        self.filters = filters or None
        label = self.query_one("#filters", Static)
        label.update(plain("Filters: " + describe_filters(self.filters)) if self.filters else "")
        label.display = bool(self.filters)

    def action_fetch(self) -> None:
        from trialtui.tui.dialogs.fetch_dialog import FetchDialog, fetch_summary

        def fetched(result) -> None:
            if result is None:
                return
            self.notify(fetch_summary(result), severity="error" if result.error else "information", timeout=6,
                        markup=False)
            if self.app.session.data:
                self.notify("Stored in your library: start trialtui without --data to browse it.", timeout=6)
            elif result.added or result.updated:
                self._take_changes()

        self.app.push_screen(FetchDialog(self.app.session.library), fetched)

    def action_import_files(self) -> None:
        from trialtui.tui.dialogs.import_dialog import ImportDialog, import_summary

        session = self.app.session
        if session.store_problem is not None:
            self.notify(f"Cannot import: {session.store_problem}", severity="error", timeout=8, markup=False)
            return

        def imported(result) -> None:
            if result is None:
                return
            self.notify(import_summary(result), severity="error" if result.error else "information", timeout=6,
                        markup=False)
            if session.data:
                self.notify("Stored in your library: start trialtui without --data to browse it.", timeout=6)
            elif result.added or result.updated:
                self._load()

        self.app.push_screen(ImportDialog(session.library), imported)

    def action_changes(self) -> None:
        from trialtui.tui.screens.changes import ChangesScreen

        def closed(trial_id: str | None) -> None:
            if self.app.session.data:  # the files named may have changed: read them again
                self._load(keep=trial_id)
            else:
                self._take_changes(keep=trial_id)

        self.app.push_screen(ChangesScreen(), closed)

    def action_export_list(self) -> None:
        if not self._waits_for_list("Exporting the list"):
            super().action_export_list()

    def action_patient(self) -> None:
        from trialtui.patient_check import PatientEntry
        from trialtui.tui.dialogs.patient_dialog import CLEAR, PatientDialog

        if self._waits_for_list("The patient check"):
            return

        def entered(entry) -> None:
            if entry is None:
                return
            self.app.session.set_patient(None if entry == CLEAR else entry)
            self._check_patient()
            current = self.query_one(TrialList).current
            if current:
                self.show_trial(current.digest.trial_id)

        profiles = self.app.session.patient_profiles

        def load(name: str) -> PatientEntry | None:
            stored = profiles.load(name)
            return PatientEntry.from_json(stored) if stored else None

        def save(name: str, entry: PatientEntry) -> None:
            profiles.save(name, entry.to_json())

        self.app.push_screen(PatientDialog(self.app.session.patient_entry, profiles.names(), load, save), entered)

    def _check_patient(self) -> None:
        """Check the listed trials against the patient (those already checked keep their verdict);
        runs whenever the list changes, so new and newly listed trials are checked as they come."""
        if self._reading is not None:
            return
        self._fit_run += 1
        rows = [d.trial_id for d in self.query_one(TrialList).digests]
        if self.app.session.patient is None:
            self._refresh_rows(rows)
            self._patient_status("")
            return
        fitted = self.app.session.fitted()
        unchecked = sum(1 for trial_id in rows if trial_id not in fitted)
        if unchecked:
            self._patient_status(f"checking {counted(unchecked, 'trial')} against the patient…")
        self._fits(rows, self._fit_run)

    @work(thread=True, exclusive=True, group="fits")
    def _fits(self, trial_ids: list[str], run: int) -> None:
        """Run the patient check over the listed trials in batches, reporting each batch; a newer
        check (the list changed) cancels this one."""
        worker = get_current_worker()
        def checked(chunk: list[str]) -> None:
            self.post_message(self.FitsComputed(chunk, False, run))

        if self.app.session.check_patient(trial_ids, checked, stop=lambda: worker.is_cancelled, batch=1000):
            self.post_message(self.FitsComputed([], True, run))

    def on_browse_screen_fits_computed(self, message: FitsComputed) -> None:
        self._refresh_rows(message.trial_ids)
        if message.done and message.run == self._fit_run:
            session = self.app.session
            listed = self.query_one(TrialList).digests
            fits = [verdict for d in listed if (verdict := session.verdict(d.trial_id))]
            self._patient_status(f"Patient fits {fits.count('fits'):,}, fails {fits.count('fails'):,}, "
                                 f"unknown {fits.count('unknown'):,} of {len(listed):,}")

    def _row(self, digest, title_spans=()) -> ListRow:
        review = self.app.session.reviews.get(digest.trial_id)
        return ListRow(digest, self._badges(digest.trial_id), title_spans, review_rank(review))

    def _refresh_rows(self, trial_ids) -> None:
        """Redraw these trials' badges and review rank."""
        trials = self.query_one(TrialList)
        updates = {}
        for tid in trial_ids:
            digest = self.app.session.catalog.digest(tid)
            if digest is not None:
                updates[tid] = self._row(digest, trials.title_spans(tid))
        trials.update_rows(updates)

    def _badges(self, trial_id: str) -> str:
        session = self.app.session
        verdict = session.verdict(trial_id)
        review = session.reviews.get(trial_id)
        return (("◆" if trial_id in session.marked else "") + (review_badges(review) if review else "")
                + (_fit_badge(verdict) if verdict else "") + ("Δ" if trial_id in session.changed else ""))

    # the review mixin's hooks ---------------------------------------------------------------------

    def current_trial_id(self) -> str | None:
        current = self.query_one(TrialList).current
        return current.digest.trial_id if current else None

    def show_review(self, trial_id: str) -> None:
        """Redraw one trial's badges, and its annotation and marks if it is the one shown."""
        self._refresh_rows([trial_id])
        if trial_id == self.current_trial_id():
            self.query_one(TrialDetail).update_marks(self.app.session.marks(trial_id), self._annotation_line(trial_id))

    def on_changed_elsewhere(self, message: ChangedElsewhere) -> None:
        """Another process annotated trials or marked them seen: redraw their badges, and the
        annotation of the trial shown."""
        self._refresh_rows(message.trial_ids)
        current = self.current_trial_id()
        if current in message.trial_ids:
            self.show_review(current)

    def refresh_reviews(self) -> None:
        self._refresh_rows([d.trial_id for d in self.query_one(TrialList).digests])

    def listed_digests(self) -> list:
        """Every listed trial in the order shown, the rest of a query's matches ranked now if need be."""
        trials = self.query_one(TrialList)
        if self._rows is not None and not self._rows.complete:
            self._rows.finish()
            return self._rows.digests()  # unsorted: sorting waits for the whole list
        return list(trials.digests)

    def _annotation_line(self, trial_id: str) -> str:
        session = self.app.session
        fit = session.fit(trial_id)
        matched = self._rows.matched(trial_id) if self._rows is not None else ()
        patient = "; ".join([f"Patient {fit.summary()}", *fit.beside_limits()]) if fit else ""
        parts = [review_line(session.review(trial_id)), patient,
                 "Matched in " + ", ".join(FIELD_WORDS.get(f, f) for f in matched) if matched else ""]
        return "  |  ".join(p for p in parts if p)

    def action_section(self, step: int) -> None:
        self.query_one(TrialDetail).step_section(step)

    def action_leave_search(self) -> None:
        self.query_one(TrialList).focus()

    def jump_to_trial(self, trial_id: str) -> None:
        """Clear the query if needed and put the cursor on `trial_id`."""
        trials = self.query_one(TrialList)
        if not trials.highlight(trial_id):
            self.query_one("#search", Input).value = ""
            self._set_filters(None)
            self._show_rows(None, query="")
            trials.highlight(trial_id)
        trials.focus()

    def palette_commands(self):
        """Palette entries for this screen: "category: action" (trials to jump to come from
        `TrialJumpProvider`)."""
        yield from self.review_commands()
        yield SystemCommand("Search: focus the search box", "Type a drug, site, condition or id", self.action_focus_search)
        yield SystemCommand("Compare: the two marked trials", "Thresholds side by side, then the rest of both records",
                            self.action_compare)
        yield SystemCommand("Compare: mark or unmark the highlighted trial",
                            "Up to 20 marked trials: c compares the last two, M shows them all", self.action_mark)
        yield SystemCommand("Compare: the marked trials' thresholds side by side",
                            "A column per marked trial (none marked: per listed trial, 2 to 20), the strictest "
                            "and loosest marked per measure", self.action_matrix)
        yield SystemCommand("Fetch: trials from ClinicalTrials.gov",
                            "Search the registry by condition, drug, site, sponsor, status, phase or NCT IDs",
                            self.action_fetch)
        yield SystemCommand("Library: import files…",
                            "Read trial records from a file or folder (JSON, XML, zip, tar, gzip) into your library",
                            self.action_import_files)
        yield SystemCommand("Changes: trials changed since last review",
                            "What moved in status, sites, dates and eligibility thresholds",
                            self.action_changes)
        yield SystemCommand("Patient: check trials against a patient's values",
                            "Age, sex, conditions and labs in any unit; every trial shows fits / fails / unknown",
                            self.action_patient)
        yield SystemCommand("Filters: status, phase, country, patient age", "Narrow the list beside the search query",
                            self.action_filters)
        trials = self.query_one(TrialList)
        yield SystemCommand("List: sort by the next column", "Cycle through the columns shown (s), each both ways",
                            trials.action_cycle_sort)
        yield SystemCommand("List: reverse the sort", "The sorted column the other way round (S)", trials.action_reverse_sort)
        yield SystemCommand("List: sort by relevance", "A search's best match first; without one, the list's own order",
                            lambda: trials.sort_by(""))
        for column in COLUMNS:
            first = "largest or newest first" if column.largest_first else "ascending"
            yield SystemCommand(f"List: sort by {column.name}", f"{first.capitalize()}; the column shows whatever the width",
                                partial(trials.sort_by, column.key, column.largest_first))


def _fit_badge(verdict: str) -> str:
    """The patient check's verdict glyph (its module is imported with the first check, not at start)."""
    from trialtui.patient_check import FIT_BADGES

    return FIT_BADGES[verdict]
