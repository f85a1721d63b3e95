"""The patient check form: age, sex, conditions, healthy volunteer or not, and lab values typed in
any unit trialtui reads.

It returns what was typed (`PatientEntry`); values that cannot be read are named in the form
and nothing is applied until they are fixed or cleared.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from trialtui.patient_check import LAB_FIELDS, PatientEntry, read_profile
from trialtui.store import StoreError
from trialtui.tui.text import plain

SEXES = (("Any / not given", ""), ("Female", "FEMALE"), ("Male", "MALE"))
HEALTHY = (("Not given", ""), ("No: a patient", "no"), ("Yes: a healthy volunteer", "yes"))
_HEALTHY_VALUES = {"": None, "no": False, "yes": True}
CLEAR = "clear"
"""Dismiss value meaning: stop checking trials against a patient."""


def _healthy_key(healthy: bool | None) -> str:
    return next(key for key, value in _HEALTHY_VALUES.items() if value is healthy)


class PatientDialog(ModalScreen[PatientEntry | str | None]):
    """Enter a patient's values once; every trial then shows whether the patient fits."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="patient.cancel"),
        Binding("ctrl+s", "apply", "Check trials", id="patient.apply"),
    ]

    def __init__(self, entry: PatientEntry | None, saved: list[str],
                 load: Callable[[str], PatientEntry | None], save: Callable[[str, PatientEntry], None]) -> None:
        """`saved` names the stored profiles; `load` / `save` read and store one by name."""
        super().__init__()
        self.entry = entry or PatientEntry()
        self.saved = saved
        self.load_profile = load
        self.save_profile = save

    def compose(self) -> ComposeResult:
        e = self.entry
        with Vertical(id="patient-dialog", classes="dialog"):
            yield Static("Patient check", id="patient-title", classes="dialog-title")
            with VerticalScroll(id="patient-scroll"):
                with Grid(id="patient-fields", classes="form"):
                    yield Label("Saved")
                    yield Select([(name, name) for name in self.saved], prompt="load a saved patient",
                                 id="patient-saved", disabled=not self.saved)
                    yield Label("Save as")
                    yield Input(placeholder="a name, Enter saves these values under it", id="patient-name")
                    yield Label("Age")
                    yield Input(e.age, placeholder="e.g. 8, or 18 months", id="patient-age")
                    yield Label("Sex")
                    yield Select(SEXES, value=e.sex, allow_blank=False, id="patient-sex")
                    yield Label("Conditions")
                    yield Input(e.conditions, placeholder="e.g. NSCLC, liver metastases", id="patient-conditions")
                    yield Label("Healthy volunteer")
                    yield Select(HEALTHY, value=_healthy_key(e.healthy), allow_blank=False, id="patient-healthy")
                    for measure, label, example in LAB_FIELDS:
                        yield Label(label)
                        yield Input(e.labs.get(measure, ""), placeholder=f"e.g. {example}", id=f"patient-lab-{measure}")
                    yield Label("Other")
                    yield Input(e.other, placeholder="e.g. albumin 3.2 g/dL; INR 1.1", id="patient-other")
            yield Static("Values in any unit (1200/mm3, 1.2 x10^9/L, 2 x ULN). Ctrl+S or Enter checks every trial.",
                         id="patient-status", classes="dialog-status", markup=False)
            with Horizontal(id="patient-buttons", classes="dialog-buttons"):
                yield Button("Check trials", id="patient-apply", variant="primary")
                yield Button("Stop checking", id="patient-clear")
                yield Button("Cancel", id="patient-cancel")

    def on_mount(self) -> None:
        self.query_one("#patient-age", Input).focus()

    @on(Select.Changed, "#patient-saved")
    def _load(self, event: Select.Changed) -> None:
        if event.value is Select.BLANK:
            return
        entry = self.load_profile(str(event.value))
        if entry is None:
            return
        self.query_one("#patient-age", Input).value = entry.age
        self.query_one("#patient-sex", Select).value = entry.sex
        self.query_one("#patient-conditions", Input).value = entry.conditions
        self.query_one("#patient-healthy", Select).value = _healthy_key(entry.healthy)
        for measure, _, _ in LAB_FIELDS:
            self.query_one(f"#patient-lab-{measure}", Input).value = entry.labs.get(measure, "")
        self.query_one("#patient-other", Input).value = entry.other
        self.query_one("#patient-name", Input).value = str(event.value)
        self._status(f"Loaded {event.value}. Enter or Ctrl+S checks every trial.")

    @on(Input.Submitted, "#patient-name")
    def _save(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        if not name:
            self._status("Type a name to save these values under.")
            return
        entry = self._entry()
        if not self._readable(entry):
            return
        try:
            self.save_profile(name, entry)
        except StoreError as error:  # a read-only or damaged library
            self._status(f"Not saved: {error}")
            return
        self._status(f"Saved as {name}.")

    def _readable(self, entry: PatientEntry) -> bool:
        """Whether every value typed can be read; each field holding one that cannot is marked
        (until it is edited) and the status line names it and says why."""
        _, problems = read_profile(entry)
        unreadable = {problem.field for problem in problems}
        for box in self.query(Input):
            key = (box.id or "").removeprefix("patient-").removeprefix("lab-")
            box.set_class(key in unreadable, "-invalid")
        if problems:
            self._status("Fix or clear: " + "; ".join(map(str, problems)))
        return not problems

    def _status(self, text: str) -> None:
        self.query_one("#patient-status", Static).update(plain(text))

    def _entry(self) -> PatientEntry:
        value = lambda key: self.query_one(f"#patient-{key}", Input).value  # noqa: E731
        return PatientEntry(
            age=value("age"), sex=str(self.query_one("#patient-sex", Select).value or ""),
            conditions=value("conditions"),
            healthy=_HEALTHY_VALUES[str(self.query_one("#patient-healthy", Select).value or "")],
            labs={m: value(f"lab-{m}") for m, _, _ in LAB_FIELDS if value(f"lab-{m}").strip()},
            other=value("other"),
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "patient-name":  # Enter in the name field saves instead
            self.action_apply()

    @on(Button.Pressed, "#patient-apply")
    def action_apply(self) -> None:
        entry = self._entry()
        if self._readable(entry):
            self.dismiss(entry)

    @on(Button.Pressed, "#patient-clear")
    def _clear(self) -> None:
        self.dismiss(CLEAR)

    @on(Button.Pressed, "#patient-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
