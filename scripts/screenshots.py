"""Write an SVG of every main screen to screenshots/ (run: `make screenshots`).

Uses the bundled seeds only (real records carry real names and phone numbers) and a throwaway
TRIALTUI_HOME, at a fixed terminal size, so the output is the same on every run.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from trialtui.eligibility.criteria import split_criteria
from trialtui.review import criterion_key

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SIZE = (140, 40)


async def settled(pilot) -> None:
    """Every worker finished, what it posted handled, no animation left: the screen as it stays."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()


async def until(pilot, condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` seconds (a
    first build on a new machine compiles the tokenizer, so the default is generous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        await settled(pilot)
        await asyncio.sleep(0.01)  # a worker a handler has only just started


async def settle(pilot) -> None:
    """The seeds listed and indexed (the status line says so)."""
    from trialtui.tui.widgets.trial_list import TrialList

    app = pilot.app
    await until(pilot, lambda: bool(app.screen.query(TrialList) and app.screen.query_one(TrialList).rows
                                    and app.session.searchable), "the list to load and be indexed")
    await settled(pilot)


async def browse(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("NCT06751134")
    await settled(pilot)


async def help_screen(pilot) -> None:
    await pilot.press("f1")
    await settled(pilot)


async def search(pilot) -> None:
    await pilot.press("slash", *[("space" if c == " " else c) for c in "neuroblastma"])
    await settled(pilot)
    await pilot.press("escape")
    await settled(pilot)


async def compare(pilot) -> None:
    await compared(pilot, "NCT06751134", "NCT06674265")


async def compared(pilot, a: str, b: str) -> None:
    """Trials `a` and `b` marked with m and compared with c."""
    from trialtui.tui.widgets.trial_list import TrialList

    trials = pilot.app.screen.query_one(TrialList)
    trials.focus()
    trials.highlight(a)
    await pilot.press("m")
    trials.highlight(b)
    await pilot.press("m", "c")
    await settled(pilot)


async def matrix(pilot) -> None:
    """The four seeds with thresholds side by side, the cursor on a platelet limit."""
    await matrix_of_four(pilot)
    pilot.app.screen.query_one("#threshold-matrix").move_cursor(row=6, column=1)
    await settled(pilot)


async def matrix_of_four(pilot) -> None:
    """The four seeds with thresholds marked with m and shown side by side with M."""
    from trialtui.tui.widgets.trial_list import TrialList

    trials = pilot.app.screen.query_one(TrialList)
    trials.focus()
    for trial_id in ("NCT06751134", "NCT06674265", "NCT06836505", "NCT06631040"):
        trials.highlight(trial_id)
        await pilot.press("m")
    await pilot.press("M")
    pilot.app.clear_notifications()  # the marking toasts, not part of the matrix
    await settled(pilot)


async def matrix_patient(pilot) -> None:
    """The matrix for a patient with neuroblastoma: the verdict row, the failing cells, and under
    the table why the first trial fails and what was not given."""
    await checked_patient(pilot)
    await matrix_of_four(pilot)


async def thresholds(pilot) -> None:
    from trialtui.tui.widgets.threshold_table import ThresholdTable
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("TT-6105b303ddf7")
    await settled(pilot)
    pilot.app.screen.query_one("TrialDetail").jump_to("eligibility")
    table = pilot.app.screen.query_one(ThresholdTable)
    table.focus()
    table.move_cursor(row=5)
    await settled(pilot)


async def fetch_dialog(pilot) -> None:
    from textual.widgets import Input

    await pilot.press("g")
    await settled(pilot)
    dialog = pilot.app.screen
    dialog.query_one("#fetch-cond", Input).value = "neuroblastoma"
    dialog.query_one("#fetch-statuses", Input).value = "recruiting, not yet recruiting"
    dialog.query_one("#fetch-phases", Input).value = "phase 1, phase 2"
    await settled(pilot)


async def import_dialog(pilot) -> None:
    """The import dialog on the seeds folder, typed relative to the checkout so the picture is the
    same wherever it lies."""
    from textual.widgets import Input

    await pilot.press("ctrl+o")
    await settled(pilot)
    was = os.getcwd()
    os.chdir(ROOT)
    try:
        pilot.app.screen.query_one("#import-path", Input).value = "seeds/"
        await until(pilot, lambda: "Folder:" in str(pilot.app.screen.query_one("#import-summary").content),
                    "the seeds folder's preview")
    finally:
        os.chdir(was)


async def filters(pilot) -> None:
    await pilot.press("f")
    await settled(pilot)


async def near_filter(pilot) -> None:
    """The filter dialog with a distance filter typed in, the place it is read as named under it."""
    from textual.widgets import Input

    await pilot.press("f")
    await settled(pilot)
    dialog = pilot.app.screen
    dialog.query_one("#filter-near", Input).value = "Guangzhou"
    dialog.query_one("#filter-within", Input).value = "60km"
    await settled(pilot)


async def near_list(pilot) -> None:
    """The distance filter applied: the list with its Distance column, the detail's nearest site."""
    await near_filter(pilot)
    await pilot.press("ctrl+s")
    await settled(pilot)


async def patient_form(pilot) -> None:
    """The patient form filled in, not yet applied."""
    from textual.widgets import Input

    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("NCT06751134")
    await pilot.press("p")
    await settled(pilot)
    dialog = pilot.app.screen
    for key, value in {"age": "8", "lab-anc": "1200/mm3", "lab-platelets": "80,000/µL", "lab-lvef": "55%"}.items():
        dialog.query_one(f"#patient-{key}", Input).value = value
    await settled(pilot)


async def patient(pilot) -> None:
    """The patient form applied: the list shows who fits, the detail which limits fail."""
    await patient_form(pilot)
    await pilot.press("ctrl+s")
    await settled(pilot)
    pilot.app.screen.query_one("TrialDetail").jump_to("eligibility")
    await settled(pilot)


async def compare_patient(pilot) -> None:
    """Two trials compared for a patient with neuroblastoma: which limits each fails, and why the
    B-ALL trial fails beyond its limits."""
    await checked_patient(pilot)
    await compared(pilot, "NCT06751134", "NCT06631040")
    pilot.app.clear_notifications()  # the marking toasts, not part of the comparison
    await settled(pilot)


async def checked_patient(pilot) -> None:
    """An 8-year-old with neuroblastoma and an ANC of 1200/mm³, entered with p."""
    from textual.widgets import Input

    await pilot.press("p")
    await settled(pilot)
    dialog = pilot.app.screen
    for key, value in {"age": "8", "conditions": "neuroblastoma", "lab-anc": "1200/mm3"}.items():
        dialog.query_one(f"#patient-{key}", Input).value = value
    await pilot.press("ctrl+s")
    await settled(pilot)


def annotate_seeds(session) -> None:
    """A reviewer's afternoon on the seeds: statuses, stars, tags, a note and criterion marks."""
    session.set_status("NCT06751134", "shortlisted")
    session.toggle_star("NCT06751134")
    session.add_tag("NCT06751134", "neuroblastoma")
    session.add_tag("NCT06751134", "cell therapy")
    session.set_note("NCT06751134", "Strong fit if ANC recovers above 1.5.\nAsk the site about bridging therapy.")
    session.set_status("NCT06674265", "excluded", "needs 6 months life expectancy")
    session.set_status("NCT06631040", "contacted")
    session.add_tag("NCT06631040", "B-ALL")
    trial = session.trial("NCT06751134")
    first, second = split_criteria(trial.eligibility.criteria)[:2]
    session.mark_item("NCT06751134", criterion_key(first), "meets")
    session.mark_item("NCT06751134", criterion_key(second), "ask_site", "guardian consent in Chinese?")


async def annotated(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    annotate_seeds(pilot.app.session)
    screen = pilot.app.screen
    screen.refresh_reviews()
    screen.query_one(TrialList).highlight("NCT06751134")
    await settled(pilot)
    screen.query_one("TrialDetail").jump_to("eligibility")
    await settled(pilot)


async def note_editor(pilot) -> None:
    await annotated(pilot)
    await pilot.press("n")
    await settled(pilot)


async def changes(pilot) -> None:
    await pilot.press("w")
    await settled(pilot)


def seed_library_with_a_changed_trial() -> None:
    """A library holding seed 000 twice: as reviewed, then a newer version whose platelet
    threshold, status and last update moved, so the changes view has something to show."""
    from trialtui.ingest import load_paths
    from trialtui.store import Database, Library

    [reviewed] = load_paths([ROOT / "seeds" / "000_efbe361d948e42a7.txt"]).trials
    newer = reviewed.model_copy(deep=True)
    newer.last_update_posted = "2025-06-02"
    newer.overall_status = "ACTIVE_NOT_RECRUITING"
    newer.eligibility.criteria = reviewed.eligibility.criteria.replace("Platelet count ≥75", "Platelet count ≥50")
    newer.locations = reviewed.locations[:1]
    with Database.open() as db:
        library = Library(db)
        library.import_trials([reviewed])
        library.mark_reviewed(reviewed.trial_id)
        library.import_trials([newer])


SCREENS: dict[str, tuple[Callable[[object], Awaitable[None]], Callable[[], None] | None]] = {
    "browse": (browse, None),
    "help": (help_screen, None),
    "search": (search, None),
    "thresholds": (thresholds, None),
    "compare": (compare, None),
    "compare-patient": (compare_patient, None),
    "matrix": (matrix, None),
    "matrix-patient": (matrix_patient, None),
    "patient-form": (patient_form, None),
    "patient": (patient, None),
    "annotated": (annotated, None),
    "note-editor": (note_editor, None),
    "fetch": (fetch_dialog, None),
    "import": (import_dialog, None),
    "filters": (filters, None),
    "near-filter": (near_filter, None),
    "near-list": (near_list, None),
    "changes": (changes, seed_library_with_a_changed_trial),
}
"""Screen name → the keys that reach it, and what its library needs beforehand (None: seeds only)."""


def screen_app(name: str):
    """The app showing screen `name` (its library prepared in the current TRIALTUI_HOME) and the
    coroutine that reaches it through a Pilot; `make screenshots` and the snapshot tests share them."""
    from trialtui.tui.app import build_app

    steps, prepare = SCREENS[name]
    if prepare:
        prepare()
    app = build_app() if prepare else build_app(data=[ROOT / "seeds"])

    async def reach(pilot) -> None:
        await settle(pilot)
        await steps(pilot)
        await still_cursors(pilot)

    return app, reach


async def still_cursors(pilot) -> None:
    """Every text box's cursor drawn and still: it blinks on a wall-clock timer, so a picture taken
    on a slow machine could catch it either way (the app itself still blinks)."""
    from textual.widgets import Input, TextArea

    for screen in pilot.app.screen_stack:
        for box in [*screen.query(Input), *screen.query(TextArea)]:
            box.cursor_blink = False
    await pilot.pause()


async def shoot(name: str, out: Path) -> Path:
    app, reach = screen_app(name)
    async with app.run_test(size=SIZE) as pilot:
        await reach(pilot)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(out)))


def write_all(out: Path = OUT) -> list[Path]:
    """Render every screen into `out` (a test renders into a scratch folder to see the script runs)."""
    out.mkdir(exist_ok=True)
    written = []
    for name in SCREENS:
        with tempfile.TemporaryDirectory() as home:
            os.environ["TRIALTUI_HOME"] = home
            written.append(asyncio.run(shoot(name, out)))
    return written


def main() -> None:
    for path in write_all():
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
