"""The reviewer's acts on the highlighted trial: note, tags, status, star, item marks, undo, export,
open on ClinicalTrials.gov, copy the id. Every edit is stored by the session before the screen
shows it, so what the screen shows is always what is saved; opening and copying say what really
happened (a browser started or not, the id sent by OSC 52 or the clipboard unreachable).

A mixin for the browse screen, which supplies `current_trial_id()`, `show_review(trial_id)` (redraw
one trial's badges and detail), `refresh_reviews()` (every badge) and `listed_digests()`.
"""

from __future__ import annotations

import os
import webbrowser
from pathlib import Path

from textual.app import SystemCommand
from textual.binding import Binding

from trialtui.review import STATUS_GLYPHS, STATUS_WORDS
from trialtui.tui.widgets.marks import ItemNoteRequested, MarkRequested

REVIEW_BINDINGS = [
    Binding("n", "note", "Note", id="review.note"),
    Binding("t", "tags", "Tags", id="review.tags"),
    Binding("r", "status", "Status", id="review.status"),
    Binding("asterisk", "star", "Star", id="review.star"),
    Binding("u", "undo", "Undo", show=False, id="review.undo"),
    Binding("e", "export_trial", "Export trial", show=False, id="review.export_trial"),
    Binding("ctrl+e", "export_list", "Export list", show=False, id="review.export_list"),
    Binding("o", "open_registry", "Open on ClinicalTrials.gov", show=False, id="review.open"),
    Binding("i", "copy_id", "Copy trial id", show=False, id="review.copy_id"),
]

NO_OSC52 = {"Apple_Terminal": "macOS Terminal"}
"""$TERM_PROGRAM values of terminals known to ignore OSC 52 (a program setting the clipboard)."""


def graphical_browser() -> webbrowser.BaseBrowser | None:
    """The browser `webbrowser` would start, unless there is none or it would run inside this
    terminal (lynx, w3m… or a command run in the foreground), which would take over the app."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return None
    in_terminal = getattr(browser, "terminal", False) or (
        isinstance(browser, webbrowser.GenericBrowser) and not isinstance(browser, webbrowser.BackgroundBrowser))
    return None if in_terminal else browser


def review_badges(annotation) -> str:
    """★ for a starred trial, then its status glyph (✚ shortlisted, ⊘ excluded…)."""
    return ("★" if annotation.star else "") + STATUS_GLYPHS.get(annotation.status, "")


def review_line(annotation) -> str:
    """The annotation in one line, for the top of the detail view."""
    parts = []
    if annotation.star:
        parts.append("★")
    if annotation.status != "unreviewed" or annotation.reason:
        reason = f" ({annotation.reason})" if annotation.reason else ""
        parts.append(STATUS_WORDS.get(annotation.status, annotation.status) + reason)
    if annotation.tags:
        parts.append("tags: " + ", ".join(annotation.tags))
    if annotation.note:
        first = annotation.note.strip().splitlines()[0] if annotation.note.strip() else ""
        more = "…" if len(annotation.note.strip().splitlines()) > 1 else ""
        parts.append(f"note: {first}{more}")
    return " · ".join(parts)


class ReviewActions:
    """Annotate the trial under the cursor without leaving the list."""

    def _trial_or_warn(self) -> str | None:
        trial_id = self.current_trial_id()
        if trial_id is None:
            self.notify("No trial is highlighted.", severity="warning")
        return trial_id

    def _trial_to_annotate(self) -> str | None:
        return self._trial_or_warn() if self._writable() else None

    def _writable(self) -> bool:
        """Whether annotations can be saved; if not, say why (read-only folder, damaged file)."""
        problem = self.app.session.store_problem
        if problem is not None:
            self.notify(str(problem), title="Annotations cannot be saved", severity="error", timeout=10, markup=False)
        return problem is None

    def action_note(self) -> None:
        from trialtui.tui.dialogs.note_editor import NoteEditor

        trial_id = self._trial_to_annotate()
        if trial_id is None:
            return
        session = self.app.session
        digest = session.catalog.digest(trial_id)

        def save(text: str, seen: str) -> tuple[str, bool]:
            annotation, elsewhere = session.set_note(trial_id, text, seen)
            self.show_review(trial_id)
            return annotation.note, elsewhere

        self.app.push_screen(NoteEditor(trial_id, digest.title if digest else "", session.review(trial_id).note, save))

    def action_tags(self) -> None:
        from trialtui.tui.dialogs.tags_dialog import TagsDialog

        trial_id = self._trial_to_annotate()
        if trial_id is None:
            return
        session = self.app.session

        def add(tag: str) -> tuple[str, ...]:
            tags = session.add_tag(trial_id, tag).tags
            self.show_review(trial_id)
            return tags

        def remove(tag: str) -> tuple[str, ...]:
            tags = session.remove_tag(trial_id, tag).tags
            self.show_review(trial_id)
            return tags

        self.app.push_screen(TagsDialog(trial_id, session.review(trial_id).tags, session.annotations.all_tags(), add, remove))

    def action_status(self) -> None:
        from trialtui.tui.dialogs.status_dialog import StatusDialog

        trial_id = self._trial_to_annotate()
        if trial_id is None:
            return
        session = self.app.session
        review = session.review(trial_id)

        def chosen(result: tuple[str, str] | None) -> None:
            if result is not None:
                session.set_status(trial_id, *result)
                self.show_review(trial_id)

        self.app.push_screen(StatusDialog(trial_id, review.status, review.reason), chosen)

    def action_star(self) -> None:
        trial_id = self._trial_to_annotate()
        if trial_id is not None:
            self.app.session.toggle_star(trial_id)
            self.show_review(trial_id)

    def action_undo(self) -> None:
        if not self._writable():
            return
        said = self.app.session.undo()
        self.notify(said[:1].upper() + said[1:] if said else "Nothing to undo.", timeout=4, markup=False)
        trial_id = self.current_trial_id()
        self.refresh_reviews()
        if trial_id:
            self.show_review(trial_id)

    def on_mark_requested(self, message: MarkRequested) -> None:
        trial_id = self.current_trial_id()
        if trial_id is not None and self._writable():
            self.app.session.mark_item(trial_id, message.key, message.mark)
            self.show_review(trial_id)

    def on_item_note_requested(self, message: ItemNoteRequested) -> None:
        from trialtui.tui.dialogs.item_note_dialog import ItemNoteDialog

        trial_id = self.current_trial_id()
        if trial_id is None or not self._writable():
            return
        session = self.app.session

        def entered(note: str | None) -> None:
            if note is not None:
                session.mark_item(trial_id, message.key, None, note)
                self.show_review(trial_id)

        held = session.marks(trial_id).get(message.key, ("", ""))
        self.app.push_screen(ItemNoteDialog(message.about, held[1]), entered)

    def action_export_trial(self) -> None:
        from trialtui.reports import file_stem, trial_report
        from trialtui.tui.dialogs.export_dialog import ExportDialog

        trial_id = self._trial_or_warn()
        if trial_id is None:
            return
        session = self.app.session
        trial = session.trial(trial_id)
        if trial is None:
            return

        def render() -> str:
            fit = session.fit(trial_id)  # first: thresholds() then hands out the list it checked
            return trial_report(trial, session.thresholds(trial_id), session.review_notes(trial_id), fit)

        default = Path.cwd() / f"{file_stem(trial_id)}.md"
        self.app.push_screen(ExportDialog(f"{trial_id} as Markdown", default, render), self._exported)

    def action_export_list(self) -> None:
        from trialtui.reports import list_csv
        from trialtui.tui.dialogs.export_dialog import ExportDialog

        session = self.app.session
        digests = self.listed_digests()

        def render() -> str:
            fits = {d.trial_id: session.fit(d.trial_id) for d in digests} if session.patient is not None else None
            notes = {d.trial_id: session.review_notes(d.trial_id) for d in digests if d.trial_id in session.reviews}
            filters = getattr(self, "filters", None)
            near = filters.near if filters else None
            nearest = session.nearest_sites([d.trial_id for d in digests], near) if near else None
            return list_csv(digests, notes, fits, nearest)

        what = "the listed trial as CSV" if len(digests) == 1 else f"the {len(digests):,} listed trials as CSV"
        self.app.push_screen(ExportDialog(what, Path.cwd() / "trialtui-list.csv", render), self._exported)

    def _exported(self, path: Path | None) -> None:
        if path is not None:
            self.notify(f"Wrote {path}", timeout=5, markup=False)

    def action_open_registry(self) -> None:
        from trialtui.reports import registry_url

        trial_id = self._trial_or_warn()
        trial = self.app.session.trial(trial_id) if trial_id else None
        if trial is None:
            return
        url = registry_url(trial.nct_id)
        if not url:
            self.notify(f"{trial_id} has no NCT ID: it is not on ClinicalTrials.gov.", severity="warning",
                        markup=False)
            return
        browser = graphical_browser()
        if browser is None:
            self._not_opened(url)
            return
        self.notify(f"Asking your web browser to open {url}…", timeout=3)
        self.run_worker(lambda: self._open_in(browser, url), thread=True, group="open-url")

    def _open_in(self, browser: webbrowser.BaseBrowser, url: str) -> None:
        """On a worker thread: starting a browser can take a moment."""
        try:
            opened = browser.open(url)
        except (OSError, webbrowser.Error):
            opened = False
        self.app.call_from_thread(lambda: self.notify(f"Handed {url} to your web browser.", timeout=4) if opened
                                  else self._not_opened(url))

    def _not_opened(self, url: str) -> None:
        self.notify(f"No web browser could be started from this terminal. The address is {url}",
                    severity="warning", timeout=12)

    def action_copy_id(self) -> None:
        trial_id = self._trial_or_warn()
        if trial_id is None:
            return
        terminal = NO_OSC52.get(os.environ.get("TERM_PROGRAM", ""))
        if terminal:
            self.notify(f"The clipboard is unreachable: {terminal} does not let programs set it. The id is {trial_id}",
                        severity="warning", timeout=8, markup=False)
            return
        self.app.copy_to_clipboard(trial_id)
        self.notify(f"Sent {trial_id} to the clipboard (OSC 52): it arrives only if your terminal allows "
                    "programs to set the clipboard.", timeout=5, markup=False)

    def review_commands(self):
        """Palette entries for the review acts ("category: action")."""
        yield SystemCommand("Review: edit the note of the highlighted trial", "Saved as you type", self.action_note)
        yield SystemCommand("Review: tags", "Add or remove tags; completes from tags already used", self.action_tags)
        yield SystemCommand("Review: status", "Unreviewed, shortlisted, excluded (with a reason), contacted, enrolled",
                            self.action_status)
        yield SystemCommand("Review: star or unstar", "Starred trials sort first", self.action_star)
        yield SystemCommand("Review: undo the last annotation change", "Reverts your last edit", self.action_undo)
        yield SystemCommand("Export: this trial as a Markdown report", "Sections, thresholds, your notes and marks",
                            self.action_export_trial)
        yield SystemCommand("Export: the listed trials as CSV", "With the filters and the search applied",
                            self.action_export_list)
        yield SystemCommand("Open: this trial on ClinicalTrials.gov", "In your web browser, or shows the address",
                            self.action_open_registry)
        yield SystemCommand("Copy: this trial's id", "To the clipboard, where the terminal allows OSC 52", self.action_copy_id)
