"""The app's start path stays lean: what `python -m trialtui` imports before its first frame leaves
out pydantic and the records' models, the readers, the annotation exchange, the patient check and
the eligibility vocabulary (with rapidfuzz). The load worker imports the readers once the browse
screen is drawn; the rest waits for the action that needs it."""

from __future__ import annotations

import os
import subprocess
import sys

DEFERRED = (
    "pydantic", "rapidfuzz", "trialtui.models", "trialtui.ingest", "trialtui.store.exchange",
    "trialtui.patient_check", "trialtui.reports", "trialtui.eligibility.patient",
    "trialtui.eligibility.vocabulary", "trialtui.eligibility.conditions", "trialtui.eligibility.extract",
)

START = """
import sys
from trialtui.cli import build_parser
from trialtui.tui.app import build_app
from trialtui.tui.screens.browse import BrowseScreen

assert build_parser().parse_args([]).command is None  # no command: the app starts
app = build_app()
screen = BrowseScreen()
print(sorted(m for m in sys.modules if m.startswith(DEFERRED)))
"""


def test_start_imports_none_of_what_waits_for_first_use(tmp_path):
    probe = subprocess.run([sys.executable, "-c", f"DEFERRED = {DEFERRED!r}\n{START}"], capture_output=True,
                           text=True, env={**os.environ, "TRIALTUI_HOME": str(tmp_path)})
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip() == "[]", f"imported before the first frame: {probe.stdout.strip()}"


def test_the_probe_sees_them_once_the_trials_are_read(tmp_path):
    """The same probe, after the seeds are read and a patient is checked, names what it looks for:
    it would see them on the start path too."""
    after = START.replace("print(", "app.session.load()\nfrom trialtui.patient_check import PatientEntry\n"
                                    "app.session.set_patient(PatientEntry(age='60'))\n"
                                    "app.session.fit(app.session.catalog.digests[0].trial_id)\nprint(")
    probe = subprocess.run([sys.executable, "-c", f"DEFERRED = {DEFERRED!r}\n{after}"], capture_output=True,
                           text=True, env={**os.environ, "TRIALTUI_HOME": str(tmp_path)})
    assert probe.returncode == 0, probe.stderr[-2000:]
    loaded = probe.stdout.strip()
    for name in ("pydantic", "rapidfuzz", "trialtui.models", "trialtui.ingest", "trialtui.patient_check",
                 "trialtui.eligibility.vocabulary", "trialtui.eligibility.extract"):
        assert f"'{name}'" in loaded, f"{name} not seen after a check: {loaded}"
