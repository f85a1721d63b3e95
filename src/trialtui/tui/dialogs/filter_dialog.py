"""Filters beside the query: recruitment status, phase, countries, "open to a patient of age N", a
site within a distance of places, the reviewer's own review status, tags and star, and the
registry's own filters (study type, sex, age group, healthy volunteers, intervention and funder
type, results, start and last-update dates). What the fields mean is `list_filters`'s, the same as
`trialtui list`'s flags. A text field takes several values as a repeated flag does, "any of these":
countries and places between ";" (their names hold commas: "Korea, Republic of", "Portland, OR"),
ages between "," or ";". Each group of fields is a section of its own; in a short terminal they
scroll and the buttons stay in view."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.worker import get_current_worker

from trialtui.countries import complete_country, resolve_country
from trialtui.enum_words import display_enum
from trialtui.list_filters import (
    AGE_GROUP_WORDS,
    FUNDER_WORDS,
    INTERVENTION_WORDS,
    PHASE_WORDS,
    PHASES,
    SEX_WORDS,
    STATUSES,
    STUDY_TYPE_WORDS,
    FilterError,
    ListFilters,
    describe_filters,
    list_filters,
    range_texts,
)
from trialtui.places import PlaceError, resolve_place
from trialtui.review import STATUS_WORDS
from trialtui.review import STATUSES as REVIEW_STATUSES

__all__ = ["CLEAR", "FilterDialog", "ListFilters", "describe_filters"]

CLEAR = "clear"
RESULTS = [("Any", "any"), ("With results posted", "with"), ("Without results", "without")]
_RESULTS_VALUE = {None: "any", True: "with", False: "without"}
_CHOICES = (("filter-study-types", "Study type", STUDY_TYPE_WORDS, "study_types"),
            ("filter-sexes", "Sex", SEX_WORDS, "sexes"),
            ("filter-age-groups", "Age group", AGE_GROUP_WORDS, "age_groups"),
            ("filter-interventions", "Intervention type", INTERVENTION_WORDS, "intervention_types"),
            ("filter-funders", "Funder (sponsor or collaborator)", FUNDER_WORDS, "funder_types"))
"""The registry's pick-any filters: the list's id, title, values and words, `SearchFilters` field."""


def _typed(text: str, between: str = ";") -> list[str]:
    """The values typed in one field, split where `between` (a pattern) matches, without the
    blanks: "France; USA" → ["France", "USA"]."""
    return [part.strip() for part in re.split(between, text) if part.strip()]


class CountrySuggester(Suggester):
    """Completes the country name typed last (after any ";") from those the library lists and
    their usual aliases."""

    def __init__(self, countries: list[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.countries = countries

    async def get_suggestion(self, value: str) -> str | None:
        last = value.rpartition(";")[2].lstrip()
        found = complete_country(last, self.countries)
        return value + found[len(last):] if found else None


class FilterDialog(ModalScreen[ListFilters | str | None]):
    """Narrow the list; Space ticks a status or phase, Ctrl+S or Enter applies."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply filters", id="filters.apply"),
    ]

    def __init__(self, filters: ListFilters | None, tags: list[str], countries: list[str] = ()) -> None:
        """`countries`: the names the library's trials list, to read a typed country against."""
        super().__init__()
        self.filters = filters or ListFilters()
        self.tags = tags
        self.countries = list(countries)

    def compose(self) -> ComposeResult:
        f, r, n = self.filters.search, self.filters.review, self.filters.near
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Static("Filter the trial list", id="filter-title", classes="dialog-title")
            with VerticalScroll(id="filter-fields", can_focus=False):
                with Horizontal(id="filter-lists"):
                    yield _titled(SelectionList(*((display_enum(s), s, s in f.statuses) for s in STATUSES),
                                                id="filter-statuses"), "Status")
                    yield _titled(SelectionList(*((PHASE_WORDS[p], p, p in f.phases) for p in PHASES),
                                                id="filter-phases"), "Phase")
                    yield _titled(SelectionList(*((STATUS_WORDS[s], s, s in r.statuses) for s in REVIEW_STATUSES),
                                                id="filter-review"), "Your review")
                with Grid(classes="form"):
                    yield Label("Country")
                    yield Input("; ".join(sorted(f.countries)), placeholder="e.g. China; several: USA; UK",
                                id="filter-country", suggester=CountrySuggester(self.countries))
                    yield Static("", id="filter-country-note", markup=False)
                    yield Label("Near")
                    yield Input("; ".join(c.typed.strip() for c in n.places) if n else "",
                                placeholder="e.g. Boston; several: Portland, OR; Lyon, France; 42.36,-71.06",
                                id="filter-near")
                    yield Static("; ".join(c.note() or c.place.name for c in n.places) if n else "",
                                 id="filter-near-note", markup=False)
                    yield Label("Within")
                    yield Input(n.within() if n else "", placeholder="50km (default), 30mi", id="filter-within")
                    yield Label("Patient age")
                    yield Input(", ".join(f"{age:g}" for age in sorted(f.patient_ages)),
                                placeholder="years, e.g. 8; several: 8, 12", id="filter-age")
                    yield Label("Tag")
                    yield Input(", ".join(sorted(r.tags)), placeholder="one of your tags (a, b: either)", id="filter-tag",
                                suggester=SuggestFromList(self.tags, case_sensitive=False))
                    yield Label("Starred")
                    yield Checkbox("only starred trials", r.starred, id="filter-starred")
                yield from self._registry_fields()
            yield Static("Tab moves between lists; Space ticks; Enter or Ctrl+S applies.",
                         id="filter-status", classes="dialog-status", markup=False)
            with Horizontal(id="filter-buttons", classes="dialog-buttons"):
                yield Button("Apply", id="filter-apply", variant="primary")
                yield Button("Clear filters", id="filter-clear")

    def _registry_fields(self) -> ComposeResult:
        """The registry's own filters, as ClinicalTrials.gov's search offers them."""
        f = self.filters.search
        lists = [_titled(SelectionList(*((word, value, value in getattr(f, field)) for value, word in words.items()),
                                       id=list_id), title) for list_id, title, words, field in _CHOICES]
        with Horizontal(id="filter-who", classes="filter-choices"):
            yield from lists[:3]
        with Horizontal(id="filter-what", classes="filter-choices"):
            yield from lists[3:]
        with Grid(id="filter-registry", classes="form"):
            yield Label("Volunteers")
            yield Checkbox("only trials accepting healthy volunteers", f.healthy_volunteers, id="filter-healthy")
            yield Label("Results")
            yield Select(RESULTS, value=_RESULTS_VALUE[f.has_results], allow_blank=False, id="filter-results")
            for what, field, words in (("start", "started", "Start date"), ("updated", "updated", "Last update")):
                low, high = range_texts(getattr(f, field))
                yield Label(words)
                with Horizontal(classes="date-range"):
                    yield Input(low, placeholder="from, e.g. 2020-01", id=f"filter-{what}-from")
                    yield Input(high, placeholder="to, e.g. 2021-12", id=f"filter-{what}-to")

    def on_mount(self) -> None:
        self.query_one("#filter-statuses", SelectionList).focus()

    @on(Input.Changed, "#filter-country")
    def _country_typed(self, event: Input.Changed) -> None:
        """Say which country each typed name is read as ("USA" → United States, "germny" → Germany)."""
        notes = filter(None, (self._country_note(typed) for typed in _typed(event.value)))
        self.query_one("#filter-country-note", Static).update("; ".join(notes))

    def _country_note(self, typed: str) -> str:
        choice = resolve_country(typed, self.countries)
        completion = complete_country(typed, self.countries)
        if choice.country is None and completion:
            return f"→ key completes: {completion}"
        if choice.country is None:
            near = f"; closest: {', '.join(choice.candidates)}" if choice.candidates else ""
            return f"No country like {typed!r} among the trials' sites{near}"
        if choice.how != "same" or choice.country.casefold() != typed.casefold():
            return f"→ {choice.country}"
        return ""

    @dataclass
    class PlaceRead(Message):
        """What a typed place is read as, said in a line."""

        typed: str
        note: str

    @on(Input.Changed, "#filter-near")
    def _place_typed(self, event: Input.Changed) -> None:
        self._read_place(event.value)

    @work(thread=True, exclusive=True, group="place")
    def _read_place(self, typed: str) -> None:
        """Name the place each typed text is read as, and the others of that name: off the UI
        thread, as the first place read loads the gazetteer."""
        notes = []
        for place in _typed(typed):
            try:
                choice = resolve_place(place)
                notes.append(choice.note() or choice.place.name)
            except PlaceError as err:
                notes.append(str(err)[:1].upper() + str(err)[1:])
        if not get_current_worker().is_cancelled:
            self.post_message(self.PlaceRead(typed, "; ".join(notes)))

    def on_filter_dialog_place_read(self, message: PlaceRead) -> None:
        if message.typed == self.query_one("#filter-near", Input).value:
            self.query_one("#filter-near-note", Static).update(message.note)

    @on(Input.Submitted)
    @on(Button.Pressed, "#filter-apply")
    def action_apply(self) -> None:
        try:
            chosen, _ = list_filters(
                statuses=self.query_one("#filter-statuses", SelectionList).selected,
                phases=self.query_one("#filter-phases", SelectionList).selected,
                countries=_typed(self.query_one("#filter-country", Input).value),
                ages=_typed(self.query_one("#filter-age", Input).value, "[,;]"),
                review=self.query_one("#filter-review", SelectionList).selected,
                tags=self.query_one("#filter-tag", Input).value.split(","),
                starred=self.query_one("#filter-starred", Checkbox).value,
                known_countries=self.countries,
                places=_typed(self.query_one("#filter-near", Input).value),
                within=self.query_one("#filter-within", Input).value,
                **self._registry_values(),
            )
        except FilterError as err:
            self.query_one("#filter-status", Static).update(str(err)[:1].upper() + str(err)[1:])
            return
        self.dismiss(chosen)

    def _registry_values(self) -> dict:
        """The registry filters' fields as `list_filters` takes them (its values are the registry's)."""
        return {
            **{field: self.query_one(f"#{list_id}", SelectionList).selected for list_id, _, _, field in _CHOICES},
            "healthy_volunteers": self.query_one("#filter-healthy", Checkbox).value,
            "has_results": {"with": True, "without": False}.get(self.query_one("#filter-results", Select).value),
            **{f"{what}_{end}": self.query_one(f"#filter-{what}-{end}", Input).value
               for what in ("start", "updated") for end in ("from", "to")},
        }

    @on(Button.Pressed, "#filter-clear")
    def _clear(self) -> None:
        self.dismiss(CLEAR)


def _titled(widget: SelectionList, title: str) -> SelectionList:
    widget.border_title = title
    return widget

