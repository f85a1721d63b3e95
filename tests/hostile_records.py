"""A trial record whose every text field carries what a hostile registry entry or file could:
terminal escape sequences (clear screen, window title, OSC 52 clipboard), a C1 CSI, a bidi
override, a line break and Rich markup; and the byte strings that must never reach a terminal."""

from __future__ import annotations

import json
from pathlib import Path

CLEAR = "\x1b[2J"
RETITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4=\x07"
C1_CSI = "\x9b31m"
RLO = "\u202e"
HOSTILE = f"{CLEAR}{RETITLE}{CLIPBOARD}{C1_CSI}{RLO}[bold]loud[/bold]\nsecond line"
"""Appended to every text field of the record."""

RAW = ("\x1b", "\x07", "\x9b", RLO)
"""Characters that must not appear raw in anything printed."""
VISIBLE = ("\\x1b[2J", "\\x1b]0;pwned\\x07", "\\x1b]52;c;", "\\x9b31m", "\\u202e", "[bold]loud[/bold]")
"""How they show instead."""

NCT = "NCT09999990"


def hostile_study(nct: str = NCT) -> dict:
    return {"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": f"Hostile title {HOSTILE}"},
        "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": "2025-01-01"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": f"Sponsor {HOSTILE}"}},
        "descriptionModule": {"briefSummary": f"Summary {HOSTILE}"},
        "conditionsModule": {"conditions": [f"Condition {HOSTILE}"]},
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"]},
        "eligibilityModule": {"eligibilityCriteria":
                              f"Inclusion Criteria:\n\n* Platelets >= 100 x 10^9/L {HOSTILE}\n* Criterion {HOSTILE}"},
        "contactsLocationsModule": {"locations": [
            {"facility": f"Site {HOSTILE}", "city": f"Boston {HOSTILE}", "country": "United States"}]},
    }}


def write_hostile_study(folder: Path, nct: str = NCT) -> Path:
    path = folder / "hostile.json"
    path.write_text(json.dumps(hostile_study(nct)), encoding="utf-8")
    return path


def store_under_made_up_id(trial_id: str, study: dict | None = None) -> None:
    """Put `study` (default: the hostile study) in the test's library under `trial_id`, an id no
    reader accepts: a library written by another tool, or by a trialtui that took any id, holds
    such ids, and every output must still show them safely."""
    from trialtui.ingest import parse_ctgov_study
    from trialtui.models import Provenance
    from trialtui.store import Database, Library

    trial = parse_ctgov_study(study or hostile_study(), Provenance(path="made-up.json", format="ctgov-v2"))
    with Database.open() as db:
        Library(db).import_trials([trial.model_copy(update={"trial_id": trial_id, "nct_id": trial_id})])
