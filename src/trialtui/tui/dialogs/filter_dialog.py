"""Filters beside the query: recruitment status, phase, country, "open to a patient of age N", and
the reviewer's own review status, tag and star."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, SelectionList, Static

from trialtui.models import display_enum
from trialtui.review import STATUS_WORDS, ReviewFilter
from trialtui.review import STATUSES as REVIEW_STATUSES
from trialtui.search.index import SearchFilters

STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
            "COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN")
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA")
CLEAR = "clear"


@dataclass(frozen=True)
class ListFilters:
    search: SearchFilters = SearchFilters()
    review: ReviewFilter = ReviewFilter()

    def __bool__(self) -> bool:
        return bool(self.search or self.review)


def describe_filters(chosen: ListFilters | None) -> str:
    """"Recruiting · Phase 1, Phase 2 · China · open at age 8 · Shortlisted · tag peds · ★"."""
    if not chosen:
        return ""
    filters, review = chosen.search, chosen.review
    parts = []
    if filters.statuses:
        parts.append(", ".join(display_enum(s) for s in STATUSES if s in filters.statuses))
    if filters.phases:
        parts.append(", ".join(display_enum(p) for p in PHASES if p in filters.phases))
    if filters.country:
        parts.append(filters.country)
    if filters.patient_age is not None:
        parts.append(f"open at age {filters.patient_age:g}")
    if review.statuses:
        parts.append(", ".join(STATUS_WORDS[s] for s in REVIEW_STATUSES if s in review.statuses))
    if review.tag:
        parts.append(f"tag {review.tag}")
    if review.starred:
        parts.append("★ starred")
    return " · ".join(parts)


class FilterDialog(ModalScreen[ListFilters | str | None]):
    """Narrow the list; Space ticks a status or phase, Ctrl+S or Enter applies."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply filters", id="filters.apply"),
    ]

    def __init__(self, filters: ListFilters | None, tags: list[str]) -> None:
        super().__init__()
        self.filters = filters or ListFilters()
        self.tags = tags

    def compose(self) -> ComposeResult:
        f, r = self.filters.search, self.filters.review
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Static("Filter the trial list", id="filter-title", classes="dialog-title")
            with Horizontal(id="filter-lists"):
                yield SelectionList(*((display_enum(s), s, s in f.statuses) for s in STATUSES), id="filter-statuses")
                yield SelectionList(*((display_enum(p), p, p in f.phases) for p in PHASES), id="filter-phases")
                yield SelectionList(*((STATUS_WORDS[s], s, s in r.statuses) for s in REVIEW_STATUSES), id="filter-review")
            with Grid(classes="form"):
                yield Label("Country")
                yield Input(f.country or "", placeholder="e.g. China", id="filter-country")
                yield Label("Patient age")
                yield Input("" if f.patient_age is None else f"{f.patient_age:g}", placeholder="years, e.g. 8",
                            id="filter-age", type="number")
                yield Label("Tag")
                yield Input(r.tag, placeholder="one of your tags", id="filter-tag",
                            suggester=SuggestFromList(self.tags, case_sensitive=False))
                yield Label("Starred")
                yield Checkbox("only starred trials", r.starred, id="filter-starred")
            yield Static("Tab moves between lists; Space ticks; Enter or Ctrl+S applies.", id="filter-status", classes="dialog-status", markup=False)
            with Horizontal(id="filter-buttons", classes="dialog-buttons"):
                yield Button("Apply", id="filter-apply", variant="primary")
                yield Button("Clear filters", id="filter-clear")

    def on_mount(self) -> None:
        self.query_one("#filter-statuses", SelectionList).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#filter-apply")
    def action_apply(self) -> None:
        age_text = self.query_one("#filter-age", Input).value.strip()
        try:
            age = float(age_text) if age_text else None
        except ValueError:
            self.query_one("#filter-status", Static).update(f"Patient age: {age_text!r} is not a number of years")
            return
        self.dismiss(ListFilters(
            SearchFilters(
                statuses=frozenset(self.query_one("#filter-statuses", SelectionList).selected),
                phases=frozenset(self.query_one("#filter-phases", SelectionList).selected),
                country=self.query_one("#filter-country", Input).value.strip() or None,
                patient_age=age,
            ),
            ReviewFilter(
                statuses=frozenset(self.query_one("#filter-review", SelectionList).selected),
                tag=self.query_one("#filter-tag", Input).value.strip(),
                starred=self.query_one("#filter-starred", Checkbox).value,
            ),
        ))

    @on(Button.Pressed, "#filter-clear")
    def _clear(self) -> None:
        self.dismiss(CLEAR)
