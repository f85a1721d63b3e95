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


async def settle(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    for _ in range(3000):  # up to a minute: a first build on a new machine compiles the tokenizer
        await pilot.pause(0.02)
        if pilot.app.screen.query(TrialList) and pilot.app.screen.query_one(TrialList).rows \
                and pilot.app.session.searchable:  # the status line says so once indexed
            break
    await pilot.pause(0.2)


async def browse(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("NCT06751134")
    await pilot.pause(0.1)


async def help_screen(pilot) -> None:
    await pilot.press("f1")
    await pilot.pause(0.2)


async def search(pilot) -> None:
    await pilot.press("slash", *[("space" if c == " " else c) for c in "neuroblastma"])
    await pilot.pause(0.5)
    await pilot.press("escape")
    await pilot.pause(0.1)


async def compare(pilot) -> None:
    from trialtui.tui.widgets.trial_list import TrialList

    trials = pilot.app.screen.query_one(TrialList)
    trials.focus()
    trials.highlight("NCT06751134")
    await pilot.press("m")
    trials.highlight("NCT06674265")
    await pilot.press("m", "c")
    await pilot.pause(0.2)


async def thresholds(pilot) -> None:
    from trialtui.tui.widgets.threshold_table import ThresholdTable
    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("TT-6105b303ddf7")
    await pilot.pause(0.1)
    pilot.app.screen.query_one("TrialDetail").jump_to("eligibility")
    table = pilot.app.screen.query_one(ThresholdTable)
    table.focus()
    table.move_cursor(row=5)
    await pilot.pause(0.5)


async def fetch_dialog(pilot) -> None:
    from textual.widgets import Input

    await pilot.press("g")
    await pilot.pause(0.1)
    dialog = pilot.app.screen
    dialog.query_one("#fetch-cond", Input).value = "neuroblastoma"
    dialog.query_one("#fetch-statuses", Input).value = "recruiting, not yet recruiting"
    dialog.query_one("#fetch-phases", Input).value = "phase 1, phase 2"
    await pilot.pause(0.1)


async def patient(pilot) -> None:
    """The patient form filled in and applied: the list shows who fits, the detail which limits fail."""
    from textual.widgets import Input

    from trialtui.tui.widgets.trial_list import TrialList

    pilot.app.screen.query_one(TrialList).highlight("NCT06751134")
    await pilot.press("p")
    await pilot.pause(0.1)
    dialog = pilot.app.screen
    for key, value in {"age": "8", "lab-anc": "1200/mm3", "lab-platelets": "80,000/µL", "lab-lvef": "55%"}.items():
        dialog.query_one(f"#patient-{key}", Input).value = value
    await pilot.pause(0.1)
    pilot.app.save_screenshot(filename="patient-form.svg", path=str(pilot.app.screenshot_dir))
    await pilot.press("ctrl+s")
    await pilot.pause(0.5)
    pilot.app.screen.query_one("TrialDetail").jump_to("eligibility")
    await pilot.pause(0.2)


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
    await pilot.pause(0.1)
    screen.query_one("TrialDetail").jump_to("eligibility")
    await pilot.pause(0.2)


async def note_editor(pilot) -> None:
    await annotated(pilot)
    await pilot.press("n")
    await pilot.pause(0.3)


async def changes(pilot) -> None:
    await pilot.press("w")
    await pilot.pause(0.2)


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
    "patient": (patient, None),
    "annotated": (annotated, None),
    "note-editor": (note_editor, None),
    "fetch": (fetch_dialog, None),
    "changes": (changes, seed_library_with_a_changed_trial),
}
"""Screen name → the keys that reach it, and what its library needs beforehand (None: seeds only)."""


async def shoot(name: str, steps, library: bool, out: Path) -> Path:
    from trialtui.tui.app import build_app

    app = build_app() if library else build_app(data=[ROOT / "seeds"])
    app.screenshot_dir = out
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await steps(pilot)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(out)))


def write_all(out: Path = OUT) -> list[Path]:
    """Render every screen into `out` (the tests render into a scratch folder and compare)."""
    out.mkdir(exist_ok=True)
    written = []
    for name, (steps, prepare) in SCREENS.items():
        with tempfile.TemporaryDirectory() as home:
            os.environ["TRIALTUI_HOME"] = home
            if prepare:
                prepare()
            written.append(asyncio.run(shoot(name, steps, library=prepare is not None, out=out)))
    return written


def main() -> None:
    for path in write_all():
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
